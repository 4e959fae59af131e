//! The typed events of this registry, generated from `schemas/` by `build.rs`.
//!
//! A service depends on this crate and writes `contracts::orders::OrderPlacedV2 { .. }`, sends
//! it with a [`Producer`] and receives events through a [`Router`] or [`AnyEvent`].

pub use contracts_runtime::{
    DecodeError, Dispatch, DispatchError, Envelope, Event, EventInfo, EventSet, EventVisitor,
    MemorySink, Producer, Record, Router, SendError, Sink, Violation, Violations,
};

include!(concat!(env!("OUT_DIR"), "/contracts.rs"));

/// A producer whose envelopes carry this registry's [`SOURCE`].
pub fn producer<S: Sink>(sink: S) -> Producer<S> {
    Producer::new(SOURCE, sink)
}
