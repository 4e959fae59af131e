//! What the bus tests share: numbered events over a few partition keys, and a log of what
//! handlers saw.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use contracts::{payments, Envelope, Event};
use serde_json::json;

pub const KEYS: usize = 12;

/// Event `index` of a run: keyed by one of `KEYS` orders, numbered in its payment id.
pub fn payment_failed(index: usize) -> payments::PaymentFailedV1 {
    payments::PaymentFailedV1::decode_value(&json!({
        "payment_id": format!("00000000-0000-4000-8000-{index:012}"),
        "order_id": format!("00000000-0000-4000-9000-{:012}", index % KEYS),
        "code": "provider_unavailable",
        "retryable": true,
        "attempt": 1 + index % 10,
    }))
    .unwrap()
}

pub fn index_of(event: &payments::PaymentFailedV1) -> usize {
    event.payment_id.to_string()[24..].parse().unwrap()
}

/// What handlers saw: per partition key, the event indexes in the order handled.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<BTreeMap<String, Vec<usize>>>>);

impl Seen {
    pub fn record(&self, event: &payments::PaymentFailedV1, envelope: &Envelope) {
        assert_eq!(envelope.partition_key, event.order_id.to_string());
        self.0
            .lock()
            .unwrap()
            .entry(envelope.partition_key.clone())
            .or_default()
            .push(index_of(event));
    }

    pub fn total(&self) -> usize {
        self.0.lock().unwrap().values().map(Vec::len).sum()
    }

    pub fn distinct(&self) -> HashSet<usize> {
        self.0.lock().unwrap().values().flatten().copied().collect()
    }

    /// Exactly `count` events, each handled once, in order per key.
    pub fn assert_each_once_in_order(&self, count: usize) {
        assert_eq!(self.distinct().len(), count);
        assert_eq!(self.total(), count, "each once");
        self.assert_ordered();
    }

    /// Every key's events in increasing order (duplicates from at-least-once allowed only as
    /// a repeat of a run already seen, never out of order within a consumer run).
    pub fn assert_ordered(&self) {
        for (key, indexes) in self.0.lock().unwrap().iter() {
            assert!(
                indexes.windows(2).all(|w| w[0] < w[1]),
                "{key}: {indexes:?}"
            );
        }
    }
}
