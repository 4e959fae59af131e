//! `oneOf`/`anyOf` branches told apart by a constant property: the native path checks only
//! the branch the tag names, and must still give jsonschema's verdict on every payload,
//! including the ones where the tag cannot decide (missing, repeated, not a string, not an
//! object).

use contracts_runtime::native::{self, Plan};
use serde_json::{json, Value};

/// A tagged union under `/properties/delivery`. With `objects_only`, both branches say
/// `"type": "object"` (then the value is checked as it streams); without, the second branch
/// admits non-objects too (then it is read as raw JSON first).
fn tagged(keyword: &str, objects_only: bool) -> Value {
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "delivery": {
                keyword: [
                    {
                        "type": "object",
                        "properties": {
                            "method": { "const": "shipping" },
                            "address": { "type": "string", "minLength": 3 }
                        },
                        "required": ["method", "address"],
                        "additionalProperties": false
                    },
                    {
                        "properties": {
                            "method": { "enum": ["pickup"] },
                            "store": { "type": "string", "pattern": "^ST[0-9]{2}$" }
                        },
                        "required": ["store", "method"]
                    }
                ]
            }
        }
    });
    if objects_only {
        schema["properties"]["delivery"][keyword][1]["type"] = json!("object");
    }
    schema
}

/// Delivery values, each put under `/delivery` and compared with jsonschema.
fn deliveries() -> Vec<&'static str> {
    vec![
        r#"{"method":"shipping","address":"1 Main St"}"#,
        r#"{"address":"1 Main St","method":"shipping"}"#,
        r#"{"method":"shipping","address":"x"}"#,
        r#"{"method":"shipping","address":"1 Main St","extra":1}"#,
        r#"{"method":"pickup","store":"ST12"}"#,
        r#"{"store":"ST12","method":"pickup","extra":true}"#,
        r#"{"method":"pickup","store":"ST1"}"#,
        r#"{"method":"pickup","address":"1 Main St"}"#,
        r#"{"method":"drone","address":"1 Main St"}"#,
        r#"{"address":"1 Main St"}"#,
        r#"{"method":1,"address":"1 Main St"}"#,
        r#"{"method":null}"#,
        r#"{"method":"ship\u0070ing","address":"1 Main St"}"#,
        r#"{"meth\u006fd":"pickup","store":"ST12"}"#,
        r#"{}"#,
        r#"[]"#,
        r#""shipping""#,
        r#"null"#,
        r#"3"#,
    ]
}

/// Repeated keys: jsonschema reads the last value. The native path checks every value it
/// reads, so it may refuse such a payload (callers then take the full validator's verdict)
/// but must never accept one jsonschema rejects.
fn repeated_tags() -> Vec<&'static str> {
    vec![
        r#"{"method":"shipping","method":"pickup","store":"ST12"}"#,
        r#"{"method":"pickup","store":"ST12","method":"shipping","address":"abc"}"#,
        r#"{"method":"pickup","method":"pickup","store":"ST12"}"#,
        r#"{"method":"drone","method":"pickup","store":"ST1"}"#,
    ]
}

#[test]
fn tagged_branches_agree_with_jsonschema() {
    for (keyword, objects_only) in [
        ("oneOf", false),
        ("anyOf", false),
        ("oneOf", true),
        ("anyOf", true),
    ] {
        let schema = tagged(keyword, objects_only);
        let plan = Plan::compile(&schema).expect("compiles");
        assert_eq!(
            plan.enforcement().native.get("discriminator"),
            Some(&vec![format!("/properties/delivery/{keyword}")]),
            "the {keyword} is recognised as tagged"
        );
        let validator = jsonschema::validator_for(&schema).expect("schema");
        let mut accepted = 0;
        for delivery in deliveries() {
            let text = format!(r#"{{"delivery":{delivery}}}"#);
            let expected = validator.is_valid(&serde_json::from_str::<Value>(&text).unwrap());
            let decoded = native::decode::<Value>(&plan, text.as_bytes()).is_ok();
            assert_eq!(decoded, expected, "{keyword} decode of {text}");
            // Encoding a `Value` writes the last of repeated keys only, as jsonschema reads it.
            let value: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(
                native::is_valid(&plan, &value),
                expected,
                "{keyword} encode of {text}"
            );
            accepted += usize::from(expected);
        }
        // Non-objects pass the untyped second branch, unless it is typed.
        assert_eq!(
            accepted,
            if objects_only { 6 } else { 10 },
            "{keyword}: the fixture mixes valid and invalid"
        );
        for delivery in repeated_tags() {
            let text = format!(r#"{{"delivery":{delivery}}}"#);
            let expected = validator.is_valid(&serde_json::from_str::<Value>(&text).unwrap());
            let decoded = native::decode::<Value>(&plan, text.as_bytes()).is_ok();
            assert!(expected || !decoded, "{keyword} accepted {text}");
        }
        let repeated = r#"{"delivery":{"method":"pickup","method":"pickup","store":"ST12"}}"#;
        assert!(
            native::decode::<Value>(&plan, repeated.as_bytes()).is_ok(),
            "{keyword}: a tag repeated with the same value is fine"
        );
    }
}

#[test]
fn branches_without_a_distinct_required_constant_are_not_tagged() {
    let mut schema = tagged("oneOf", false);
    // The same constant in both branches cannot tell them apart.
    schema["properties"]["delivery"]["oneOf"][1]["properties"]["method"] =
        json!({"const": "shipping"});
    let plan = Plan::compile(&schema).expect("compiles");
    assert_eq!(plan.enforcement().native.get("discriminator"), None);
    // A tag that is not required cannot either: an object without it may pass.
    let mut schema = tagged("oneOf", false);
    schema["properties"]["delivery"]["oneOf"][0]["required"] = json!(["address"]);
    let plan = Plan::compile(&schema).expect("compiles");
    assert_eq!(plan.enforcement().native.get("discriminator"), None);
    let text = br#"{"delivery":{"address":"1 Main St"}}"#;
    assert!(native::decode::<Value>(&plan, text).is_ok());
}
