//! What the benchmarks share: criterion's own estimates, and the 1 KB event of the bus benches.
#![allow(dead_code)]

use std::path::Path;

use contracts::{payments::PaymentFailedV1, Event};
use contracts_stream::Producer;
use serde_json::{json, Value};

/// Criterion's point estimate of the median, in nanoseconds: bursts of load from neighbours
/// on a shared machine move the mean more than the median.
pub fn median(group: &str, bench: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .display()
            .to_string()
    });
    let file = Path::new(&dir).join(format!("criterion/{group}/{bench}/new/estimates.json"));
    let estimates: Value = serde_json::from_str(&std::fs::read_to_string(file).ok()?).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

/// An event of about 1 KB once encoded, one of 64 partition keys, numbered in its payment id.
pub fn event(index: usize) -> PaymentFailedV1 {
    PaymentFailedV1::decode_value(&json!({
        "payment_id": format!("00000000-0000-4000-8000-{index:012}"),
        "order_id": format!("00000000-0000-4000-9000-{:012}", index % 64),
        "code": "provider_unavailable",
        "message": "m".repeat(850),
        "retryable": true,
        "attempt": 1 + index % 10,
    }))
    .unwrap()
}

/// The number in an event's payment id.
pub fn index_of(event: &PaymentFailedV1) -> usize {
    event.payment_id.to_string()[24..].parse().unwrap()
}

/// Hands every event to the producer, then waits for every acknowledgement.
pub async fn produce(producer: &Producer, events: &[PaymentFailedV1]) {
    let mut pending = Vec::with_capacity(events.len());
    for event in events {
        pending.push(producer.enqueue(event).await.unwrap());
    }
    for delivery in futures::future::join_all(pending).await {
        delivery.unwrap();
    }
}
