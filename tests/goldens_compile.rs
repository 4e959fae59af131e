//! The generator's golden files compile, and their types behave as the schemas say.

#[allow(dead_code, unused_imports, clippy::all)]
mod keywords {
    include!("../generator/tests/goldens/keywords.rs");
}

use contracts_runtime::{Event, EventSet};
use serde_json::json;

#[test]
fn keyword_and_colliding_property_names_keep_their_json_names() {
    let payload = json!({
        "id": "a", "type": "t", "ref": 1, "e-mail": "x@example.com", "2fa": true,
        "camelCase": "c", "fooBar": "1", "foo_bar": "2", "kind": "naming", "answer": 42, "enabled": true
    });
    let event = keywords::types::NamingV1::decode_value(&payload).expect("valid payload decodes");
    assert_eq!(event.type_, "t");
    assert_eq!(event.ref_, Some(1));
    assert_eq!(event.x2fa, Some(true));
    assert_eq!(event.foo_bar.as_deref(), Some("1"));
    assert_eq!(event.foo_bar_2.as_deref(), Some("2"));
    assert_eq!(serde_json::to_value(&event).unwrap(), payload);
}

#[test]
fn const_fields_are_typed() {
    let payload = json!({ "id": "a", "type": "t", "kind": "not-naming" });
    let err =
        keywords::types::NamingV1::decode_value(&payload).expect_err("wrong const is rejected");
    assert!(err.to_string().contains("/kind"), "{err}");
    let kind: keywords::types::NamingV1Kind = serde_json::from_value(json!("naming")).unwrap();
    assert_eq!(serde_json::to_value(kind).unwrap(), json!("naming"));
}

#[test]
fn keywords_typify_cannot_express_are_enforced_by_the_validator() {
    let base = json!({ "id": "a", "country": "US", "postal_code": "12345" });
    assert!(keywords::types::ConditionalV1::decode_value(&base).is_ok());
    let cases = [
        (
            json!({ "id": "a", "country": "US", "postal_code": "SW1A" }),
            "/postal_code",
        ),
        (json!({ "id": "a", "credit_card": "4242" }), ""),
        (json!({ "id": "a", "labels": { "Bad": "x" } }), "/labels"),
        (json!({ "id": "a", "point": [1, 2, 3] }), "/point/2"),
        (json!({ "id": "a", "tags": ["secondary"] }), "/tags"),
        (json!({ "id": "a", "quantity": 10 }), "/quantity"),
        (json!({ "id": "a", "quantity": 7 }), "/quantity"),
    ];
    for (payload, pointer) in cases {
        let event: keywords::types::ConditionalV1 =
            serde_json::from_value(payload.clone()).expect("the Rust type is wider");
        let violations = event
            .validate()
            .expect_err(&format!("{payload} must be invalid"));
        assert!(
            violations.0.iter().any(|v| v.pointer == pointer),
            "{payload}: {violations}"
        );
    }
}

#[test]
fn recursive_definitions_round_trip() {
    let payload = json!({
        "name": "t",
        "root": { "value": 1, "children": [{ "value": 2, "children": [{ "value": 3, "children": [] }] }] },
        "comment": { "text": "hi", "replies": [{ "text": "yo", "replies": [] }] }
    });
    let event =
        keywords::AnyEvent::decode("shapes.tree", 1, &serde_json::to_vec(&payload).unwrap())
            .unwrap()
            .unwrap();
    assert_eq!(event.event_type(), "shapes.tree");
    let keywords::AnyEvent::TreeV1(tree) = event else {
        panic!("wrong variant")
    };
    assert!(tree.validate().is_ok());
    let bad =
        json!({ "name": "t", "root": { "value": 1 }, "comment": { "text": "", "replies": [] } });
    let err = keywords::types::TreeV1::decode_value(&bad).unwrap_err();
    assert!(err.to_string().contains("/comment/text"), "{err}");
}

#[test]
fn what_typify_refuses_falls_back_to_a_general_type_and_is_still_validated() {
    let payload = json!({ "id": "a", "mixed": true });
    let event = keywords::types::OddV1::decode_value(&payload).expect("valid");
    assert_eq!(
        event.mixed,
        Some(json!(true)),
        "the fallback field keeps any JSON value"
    );
    let err =
        keywords::types::OddV1::decode_value(&json!({ "id": "a", "mixed": "b" })).unwrap_err();
    assert!(err.to_string().contains("/mixed"), "{err}");
    let either = keywords::types::OddV1::decode_value(&json!({ "id": "a", "either": 3 })).unwrap();
    assert!(either.validate().is_ok());
}

#[test]
fn keyword_domains_and_events_get_valid_rust_names() {
    let event =
        keywords::r#type::SelfDefV1::decode_value(&json!({ "id": "a", "me": "myself" })).unwrap();
    assert_eq!(event.me, Some(keywords::types::SelfDefV1SelfDef::Myself));
    assert_eq!(
        <keywords::r#type::SelfDefV1 as Event>::EVENT_TYPE,
        "type.self"
    );
}
