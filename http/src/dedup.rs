//! The ids of the events handled lately, to drop a redelivered event (delivery is at least
//! once). Bounded: the oldest id is forgotten first.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

pub(crate) struct Dedup {
    capacity: usize,
    ids: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl Dedup {
    pub(crate) fn new(capacity: usize) -> Self {
        Dedup {
            capacity,
            ids: Mutex::default(),
        }
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .contains(id)
    }

    pub(crate) fn insert(&self, id: String) {
        if self.capacity == 0 {
            return;
        }
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        let (set, order) = &mut *ids;
        if set.insert(id.clone()) {
            order.push_back(id);
            while order.len() > self.capacity {
                if let Some(oldest) = order.pop_front() {
                    set.remove(&oldest);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_forgets_the_oldest_first() {
        let dedup = super::Dedup::new(2);
        for id in ["a", "b", "c"] {
            dedup.insert(id.into());
        }
        assert!(!dedup.contains("a"));
        assert!(dedup.contains("b") && dedup.contains("c"));
    }
}
