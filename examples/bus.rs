//! Produces a few events of the bundled registry and consumes them with typed handlers, on the
//! stream the configuration names: the local stream in `.contracts/` when nothing is configured
//! (see "Running the bus" in the README).
//!
//! ```sh
//! cargo run --example bus
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use contracts::{orders, payments, Envelope, Event, Router};
use contracts_stream::{
    stop_signal, Consumer, Producer, ProducerOptions, ReaderOptions, StartPosition, StreamConfig,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let started = std::time::SystemTime::now();
    let config = StreamConfig::load()?;
    let stream = Arc::new(config.connect().await?);
    println!("stream: {:?}", config.backend);

    // Produce: every event is validated against its schema, wrapped in a CloudEvent, batched.
    let source = config
        .source
        .clone()
        .unwrap_or_else(|| contracts::SOURCE.to_owned());
    let producer = Producer::new(stream.clone(), source, ProducerOptions::default());
    let placed = orders::OrderPlacedV2::decode(EXAMPLE_ORDER.as_bytes())?;
    let mut pending = vec![producer.enqueue(&placed).await?];
    for attempt in 1..=3 {
        let failed = payments::PaymentFailedV1::decode_value(&serde_json::json!({
            "payment_id": "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
            "order_id": placed.order_id,
            "code": "provider_unavailable",
            "retryable": true,
            "attempt": attempt,
        }))?;
        pending.push(producer.enqueue(&failed).await?);
    }
    for delivery in futures::future::join_all(pending).await {
        let delivery = delivery?;
        println!(
            "sent     {} {} -> {} #{}",
            delivery.envelope.cloudevents_type(),
            delivery.envelope.id,
            delivery.ack.shard_id,
            delivery.ack.sequence_number
        );
    }
    producer.shutdown().await;

    // Consume, from the events sent a moment ago: typed handlers, validated payloads.
    let handled = Arc::new(AtomicUsize::new(0));
    let (stopper, stop) = stop_signal();
    let stopper = Arc::new(stopper);
    let (count, done) = (handled.clone(), stopper.clone());
    let on_payment = move |event: payments::PaymentFailedV1, envelope: &Envelope| {
        println!(
            "received {} attempt {} for order {}",
            envelope.cloudevents_type(),
            event.attempt,
            event.order_id
        );
        if count.fetch_add(1, Ordering::SeqCst) + 1 == 4 {
            done.stop();
        }
        Ok::<_, std::convert::Infallible>(())
    };
    let (count, done) = (handled.clone(), stopper.clone());
    let on_order = move |event: orders::OrderPlacedV2, envelope: &Envelope| {
        println!(
            "received {} order {} total {} {:?}",
            envelope.cloudevents_type(),
            event.order_id,
            event.total.amount_minor,
            event.total.currency
        );
        if count.fetch_add(1, Ordering::SeqCst) + 1 == 4 {
            done.stop();
        }
        Ok::<_, std::convert::Infallible>(())
    };
    let router = Router::new().on(on_payment).on(on_order);
    let reader = ReaderOptions {
        // A reader of its own per run, from when this run started: only this run's events.
        name: format!("example-{}", std::process::id()),
        start: StartPosition::AtTimestamp(started),
        idle_wait: Duration::from_millis(50),
        ..ReaderOptions::new("example")
    };
    let checkpoints = Arc::new(config.checkpoint_store()?);
    let consuming = Consumer::new(router).run(stream, checkpoints, reader, stop);
    tokio::time::timeout(Duration::from_secs(30), consuming)
        .await
        .map_err(|_| "the events did not come back within 30 s")??;
    println!(
        "{} events produced and consumed",
        handled.load(Ordering::SeqCst)
    );
    Ok(())
}

const EXAMPLE_ORDER: &str = r#"{
  "order_id": "9b2f8c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0f",
  "customer_id": "5f0c6f38-8d5e-4b8a-9a57-3f7c2a1d9e10",
  "channel": "web",
  "lines": [
    {
      "sku": "BOOK42",
      "quantity": 2,
      "unit_price": {
        "amount_minor": 1999,
        "currency": "EUR"
      },
      "gift_wrap": true
    }
  ],
  "discount": {
    "code": "WELCOME10",
    "percent": 10
  },
  "delivery": {
    "method": "shipping",
    "address": {
      "name": "Ada Lovelace",
      "line1": "12 St James's Square",
      "city": "London",
      "postal_code": "SW1Y 4JH",
      "country": "GB"
    }
  },
  "total": {
    "amount_minor": 3598,
    "currency": "EUR"
  },
  "placed_at": "2026-11-05T14:00:00Z"
}"#;
