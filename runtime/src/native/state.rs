//! What an object or array check remembers while its members stream past.

use super::plan::{Checks, NodeId};
use super::scalar::Failure;

#[derive(Default)]
pub(crate) struct ObjectState {
    count: u64,
    seen: u64,
}

impl ObjectState {
    /// Notes a property name (its `propertyNames` check is the caller's: `de::object_key`);
    /// returns the node its value is checked against.
    #[inline(always)]
    pub(crate) fn key(&mut self, checks: &Checks, key: &str) -> Result<NodeId, Failure> {
        self.count += 1;
        if checks.max_properties.is_some_and(|max| self.count > max) {
            return Err("the object has more properties than maxProperties");
        }
        let (node, bit) = checks.key(key);
        if let Some(bit) = bit {
            self.seen |= 1 << bit;
        }
        Ok(node)
    }

    /// Checks made once every property was seen.
    #[inline]
    pub(crate) fn finish(&self, checks: &Checks) -> Result<(), Failure> {
        if self.seen & checks.required_mask != checks.required_mask {
            return Err("a required property is missing");
        }
        if checks.min_properties.is_some_and(|min| self.count < min) {
            return Err("the object has fewer properties than minProperties");
        }
        for (trigger, needed) in &checks.dependent_required {
            if self.seen & (1 << trigger) != 0 && self.seen & needed != *needed {
                return Err("a property required by another one is missing");
            }
        }
        Ok(())
    }
}

#[derive(Default)]
pub(crate) struct ArrayState {
    pub(crate) index: usize,
}

impl ArrayState {
    /// Notes one more item; returns the node it is checked against.
    #[inline]
    pub(crate) fn item(&mut self, checks: &Checks) -> Result<NodeId, Failure> {
        let index = self.index;
        self.index += 1;
        if checks.max_items.is_some_and(|max| self.index as u64 > max) {
            return Err("the array has more items than maxItems");
        }
        Ok(checks.child_of_index(index))
    }

    #[inline]
    pub(crate) fn finish(&self, checks: &Checks) -> Result<(), Failure> {
        if checks
            .min_items
            .is_some_and(|min| (self.index as u64) < min)
        {
            return Err("the array has fewer items than minItems");
        }
        Ok(())
    }
}
