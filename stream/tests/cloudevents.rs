//! Our records are CloudEvents 1.0 in the JSON format: the CloudEvents SDK for Rust reads what
//! we write, and we read what it writes.

use cloudevents::event::{Data, ExtensionValue};
use cloudevents::{AttributesReader, EventBuilder, EventBuilderV10};
use contracts_runtime::Envelope;
use serde_json::{json, value::RawValue};

fn ours() -> Envelope {
    Envelope {
        id: "6f1c7a52-0a57-4f7e-9a43-1b0f3f1f0c11".into(),
        event_type: "orders.order_placed".into(),
        version: 2,
        source: "web-app".into(),
        time: Some("2026-11-30T10:00:00.123Z".parse().unwrap()),
        dataschema: Some(Envelope::schema_uri("orders.order_placed", 2)),
        subject: Some("order 42".into()),
        partition_key: "9b2f8c1e".into(),
        data: RawValue::from_string(r#"{"order_id":"9b2f8c1e","total":{"amount":"12.50"}}"#.into())
            .unwrap(),
    }
}

#[test]
fn the_sdk_reads_our_records() {
    let bytes = serde_json::to_vec(&ours()).unwrap();
    let event: cloudevents::Event = serde_json::from_slice(&bytes).expect("the SDK parses it");
    assert_eq!(event.id(), "6f1c7a52-0a57-4f7e-9a43-1b0f3f1f0c11");
    assert_eq!(event.ty(), "orders.order_placed.v2");
    assert_eq!(event.source().as_str(), "web-app");
    assert_eq!(event.subject(), Some("order 42"));
    assert_eq!(event.datacontenttype(), Some("application/json"));
    assert_eq!(
        event.dataschema().map(|u| u.as_str()),
        Some("urn:event-contracts:orders.order_placed:v2")
    );
    assert_eq!(
        event.time().unwrap().to_rfc3339(),
        "2026-11-30T10:00:00.123+00:00"
    );
    assert_eq!(
        event.extension("partitionkey"),
        Some(&ExtensionValue::String("9b2f8c1e".into()))
    );
    match event.data() {
        Some(Data::Json(data)) => {
            assert_eq!(
                data,
                &json!({"order_id": "9b2f8c1e", "total": {"amount": "12.50"}})
            )
        }
        other => panic!("expected JSON data, got {other:?}"),
    }
}

#[test]
fn we_read_the_sdks_records() {
    let event = EventBuilderV10::new()
        .id("abc-1")
        .ty("payments.payment_failed.v1")
        .source("https://payments.example.com/")
        .time("2026-11-30T10:00:00Z")
        .subject("payment 7")
        .extension("partitionkey", "order-9")
        .extension(
            "traceparent",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        )
        .data_with_schema(
            "application/json",
            "urn:event-contracts:payments.payment_failed:v1",
            json!({"attempt": 2, "note": "caf\u{e9}"}),
        )
        .build()
        .unwrap();
    let bytes = serde_json::to_vec(&event).unwrap();
    let envelope: Envelope = serde_json::from_slice(&bytes).expect("we parse the SDK's record");
    assert_eq!(envelope.id, "abc-1");
    assert_eq!(envelope.event_type, "payments.payment_failed");
    assert_eq!(envelope.version, 1);
    assert_eq!(envelope.source, "https://payments.example.com/");
    assert_eq!(envelope.partition_key, "order-9");
    assert_eq!(envelope.subject.as_deref(), Some("payment 7"));
    assert_eq!(
        envelope.time.unwrap().to_rfc3339(),
        "2026-11-30T10:00:00+00:00"
    );
    let data: serde_json::Value = serde_json::from_str(envelope.data.get()).unwrap();
    assert_eq!(data, json!({"attempt": 2, "note": "caf\u{e9}"}));

    // And back: what we write from it, the SDK reads as the same event.
    let again: cloudevents::Event =
        serde_json::from_slice(&serde_json::to_vec(&envelope).unwrap()).unwrap();
    assert_eq!(again.id(), event.id());
    assert_eq!(again.ty(), event.ty());
    assert_eq!(again.data(), event.data());
    assert_eq!(
        again.extension("partitionkey"),
        event.extension("partitionkey")
    );
}

#[test]
fn the_sdks_records_we_cannot_take_are_named() {
    let without_key = EventBuilderV10::new()
        .id("abc-2")
        .ty("payments.payment_failed.v1")
        .source("s")
        .data("application/json", json!({}))
        .build()
        .unwrap();
    let err = serde_json::from_slice::<Envelope>(&serde_json::to_vec(&without_key).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("abc-2") && err.contains("partitionkey"),
        "{err}"
    );

    let unversioned = EventBuilderV10::new()
        .id("abc-3")
        .ty("com.example.someevent")
        .source("s")
        .extension("partitionkey", "k")
        .data("application/json", json!({}))
        .build()
        .unwrap();
    let err = serde_json::from_slice::<Envelope>(&serde_json::to_vec(&unversioned).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("com.example.someevent"), "{err}");

    let binary = EventBuilderV10::new()
        .id("abc-4")
        .ty("a.b.v1")
        .source("s")
        .extension("partitionkey", "k")
        .data("application/octet-stream", vec![0u8, 1, 2])
        .build()
        .unwrap();
    let err = serde_json::from_slice::<Envelope>(&serde_json::to_vec(&binary).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("application/octet-stream") || err.contains("data_base64"),
        "{err}"
    );
}
