//! The registry crate as a service uses it: typed events, validation, producer and router.

use std::path::Path;
use std::sync::{Arc, Mutex};

use contracts::{
    orders, AnyEvent, Dispatch, DispatchError, Envelope, Event, EventSet, MemorySink, Router,
    SendError,
};
use serde_json::{json, Value};

/// Every `examples` payload of every event schema in `schemas/`, with its event type and version.
fn registry_examples() -> Vec<(String, u32, Value)> {
    let mut out = Vec::new();
    for info in contracts::EVENTS {
        let (domain, name) = info.event_type.split_once('.').unwrap();
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("schemas/{domain}/{name}/v{}.json", info.version));
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let examples = schema["examples"]
            .as_array()
            .unwrap_or_else(|| panic!("{} has no examples", file.display()));
        for example in examples {
            out.push((info.event_type.to_owned(), info.version, example.clone()));
        }
    }
    out
}

#[test]
fn every_example_decodes_re_encodes_and_validates() {
    let examples = registry_examples();
    assert!(examples.len() >= 13, "every event has at least one example");
    for (event_type, version, payload) in examples {
        let event = AnyEvent::decode(&event_type, version, &bytes(&payload))
            .unwrap_or_else(|e| panic!("{event_type} v{version}: {e}"))
            .expect("known event");
        assert_eq!(
            (event.event_type(), event.version()),
            (event_type.as_str(), version)
        );
        let encoded = any_to_value(&event);
        let again = AnyEvent::decode(&event_type, version, &bytes(&encoded))
            .unwrap()
            .unwrap();
        assert_eq!(again, event, "{event_type} v{version} round trip");
    }
}

/// The event validated and written by its own `encode`, read back as a `Value`.
fn any_to_value(event: &AnyEvent) -> Value {
    let bytes = event
        .encode()
        .unwrap_or_else(|v| panic!("{}: re-encoded event is invalid: {v}", event.event_type()));
    serde_json::from_slice(&bytes).unwrap()
}

fn order_v2() -> Value {
    json!({
        "order_id": "9b2f8c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0f",
        "customer_id": "5f0c6f38-8d5e-4b8a-9a57-3f7c2a1d9e10",
        "channel": "web",
        "lines": [{ "sku": "BOOK42", "quantity": 2, "unit_price": { "amount_minor": 1999, "currency": "EUR" } }],
        "delivery": { "method": "pickup", "store_id": "ST0042" },
        "total": { "amount_minor": 3998, "currency": "EUR" },
        "placed_at": "2026-11-05T14:00:00Z"
    })
}

fn pointers_of(result: Result<orders::OrderPlacedV2, contracts::DecodeError>) -> Vec<String> {
    match result {
        Err(contracts::DecodeError::Invalid { violations, .. }) => {
            violations.0.into_iter().map(|v| v.pointer).collect()
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn invalid_payloads_are_rejected_with_every_pointer() {
    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Mutation, Vec<&str>)> = vec![
        (
            Box::new(|p| p["lines"][0]["quantity"] = json!(0)),
            vec!["/lines/0/quantity"],
        ),
        (
            Box::new(|p| p["total"]["currency"] = json!("XXX")),
            vec!["/total/currency"],
        ),
        (
            Box::new(|p| p["customer_id"] = json!("not-a-uuid")),
            vec!["/customer_id"],
        ),
        (
            Box::new(|p| p["placed_at"] = json!("yesterday")),
            vec!["/placed_at"],
        ),
        (Box::new(|p| p["lines"] = json!([])), vec!["/lines"]),
        (
            Box::new(|p| p["delivery"] = json!({ "method": "pickup", "store_id": "nope" })),
            vec!["/delivery"],
        ),
        (
            Box::new(|p| p["discount"] = json!({ "code": "WELCOME10", "percent": 0 })),
            vec!["/discount/percent"],
        ),
        (
            Box::new(|p| {
                p["lines"][0]["sku"] = json!("lower");
                p["total"]["amount_minor"] = json!(-1);
            }),
            vec!["/lines/0/sku", "/total/amount_minor"],
        ),
    ];
    for (mutate, expected) in cases {
        let mut payload = order_v2();
        mutate(&mut payload);
        let pointers = pointers_of(orders::OrderPlacedV2::decode_value(&payload));
        for pointer in &expected {
            assert!(
                pointers.iter().any(|p| p == pointer),
                "{payload}: expected {pointer} in {pointers:?}"
            );
        }
    }
    let mut missing = order_v2();
    missing.as_object_mut().unwrap().remove("channel");
    assert_eq!(
        pointers_of(orders::OrderPlacedV2::decode_value(&missing)),
        vec![""]
    );
}

#[test]
fn consumers_ignore_unknown_keys_but_producers_cannot_add_them() {
    let mut payload = order_v2();
    payload["added_later"] = json!("a field a newer producer sends");
    let event = orders::OrderPlacedV2::decode_value(&payload).expect("reader schema is open");
    assert!(
        event.validate().is_ok(),
        "the typed value has no unknown key"
    );
    let writer = jsonschema::options()
        .build(&serde_json::from_str(orders::OrderPlacedV2::SCHEMA).unwrap())
        .unwrap();
    assert!(!writer.is_valid(&payload), "the writer schema stays closed");
}

#[test]
fn producer_validates_before_anything_leaves_the_process() {
    let producer = contracts::producer(MemorySink::new());
    let mut event = orders::OrderPlacedV2::decode_value(&order_v2()).unwrap();
    let envelope = producer.send(&event).expect("valid event is sent");
    assert_eq!(envelope.event_type, "orders.order_placed");
    assert_eq!(envelope.version, 2);
    assert_eq!(envelope.source, contracts::SOURCE);
    assert_eq!(
        envelope.partition_key,
        "9b2f8c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0f"
    );
    let records = producer.sink().records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].partition_key, envelope.partition_key);
    let sent: Envelope = serde_json::from_slice(&records[0].data).unwrap();
    assert_eq!(sent, envelope);

    // The Rust type is wider than the schema here (an empty line list); the schema wins.
    event.lines.clear();
    match producer.send(&event) {
        Err(SendError::Invalid { violations, .. }) => assert_eq!(violations.0[0].pointer, "/lines"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(producer.sink().records().len(), 1, "nothing was sent");
}

#[test]
fn router_validates_and_calls_the_typed_handler() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    let router = Router::new().on(move |event: orders::OrderPlacedV2, envelope: &Envelope| {
        log.lock()
            .unwrap()
            .push((event.order_id.to_string(), envelope.source.clone()));
        Ok::<(), std::convert::Infallible>(())
    });
    assert_eq!(
        router.subscriptions().collect::<Vec<_>>(),
        vec![("orders.order_placed", 2)]
    );

    let producer = contracts::producer(MemorySink::new());
    producer
        .send(&orders::OrderPlacedV2::decode_value(&order_v2()).unwrap())
        .unwrap();
    let record = producer.sink().records().remove(0);
    assert_eq!(
        router.dispatch(&record.data).unwrap(),
        Dispatch::Handled {
            event_type: "orders.order_placed".into(),
            version: 2
        }
    );
    assert_eq!(received.lock().unwrap().len(), 1);

    // A tampered payload never reaches the handler.
    let mut envelope: Envelope = serde_json::from_slice(&record.data).unwrap();
    let mut data: Value = serde_json::from_str(envelope.data.get()).unwrap();
    data["total"]["currency"] = json!("XXX");
    envelope.data = serde_json::value::to_raw_value(&data).unwrap();
    let err = router
        .dispatch(&serde_json::to_vec(&envelope).unwrap())
        .unwrap_err();
    assert!(matches!(err, DispatchError::Decode(_)), "{err}");
    assert!(err.to_string().contains("/total/currency"), "{err}");
    assert_eq!(received.lock().unwrap().len(), 1);

    // Events nobody subscribed to are skipped, garbage is an error.
    envelope.version = 1;
    assert!(matches!(
        router
            .dispatch(&serde_json::to_vec(&envelope).unwrap())
            .unwrap(),
        Dispatch::Unsubscribed { .. }
    ));
    assert!(matches!(
        router.dispatch(b"not json").unwrap_err(),
        DispatchError::Envelope(_)
    ));
}

#[test]
fn registry_metadata_is_available_at_run_time() {
    let placed: Vec<_> = contracts::EVENTS
        .iter()
        .filter(|e| e.event_type == "orders.order_placed")
        .collect();
    assert_eq!(placed.len(), 2);
    assert!(placed[0].deprecated && !placed[1].deprecated);
    assert_eq!(placed[1].owner, "orders-team");
    let deleted = contracts::EVENTS
        .iter()
        .find(|e| e.event_type == "accounts.user_deleted")
        .unwrap();
    assert_eq!(deleted.compatibility, "full");
    assert_eq!(<orders::OrderPlacedV2 as Event>::PARTITION_KEY, "/order_id");
}

#[test]
fn generated_payloads_of_every_event_decode_into_their_types_and_round_trip() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let (registry, _) = contracts_generator::load(&root).expect("registry loads");
    for event in &registry.events {
        let schema = event.schema.value();
        let mut sampler = contracts_generator::Sampler::new(&schema, 7).unwrap();
        let samples = sampler.samples(40);
        assert!(
            samples.len() >= 10,
            "{} v{}: only {} samples",
            event.event_type,
            event.version,
            samples.len()
        );
        let independent = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        for payload in samples {
            assert!(independent.is_valid(&payload), "{payload}");
            let decoded = AnyEvent::decode(&event.event_type, event.version, &bytes(&payload))
                .unwrap_or_else(|e| {
                    panic!("{} v{}: {payload}: {e}", event.event_type, event.version)
                })
                .expect("known event");
            let encoded = any_to_value(&decoded);
            assert!(
                independent.is_valid(&encoded),
                "re-encoded {encoded} from {payload}"
            );
        }
    }
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("a Value serializes")
}
