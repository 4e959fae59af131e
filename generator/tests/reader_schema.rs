//! The reader schema (objects opened for the tolerant consumer) keeps the writer's meaning: a
//! payload that opening would let match two `oneOf` branches is still read as written, maps and
//! what untagged unions reference stay closed. (That it only ever widens the writer's schema is
//! checked on the JSON Schema Test Suite in `suite_soundness.rs`.)

use contracts_generator::reader_schema;
use serde_json::{json, Value};

fn validator(schema: &Value) -> Option<jsonschema::Validator> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .ok()
}

fn accepts(schema: &Value, payload: &Value) -> bool {
    validator(schema).expect("compiles").is_valid(payload)
}

#[test]
fn one_of_branches_told_apart_only_by_being_closed_stay_closed() {
    let schema = json!({
        "oneOf": [
            { "type": "object", "properties": { "email": { "type": "string" } }, "required": ["email"], "additionalProperties": false },
            { "type": "object", "properties": { "email": { "type": "string" }, "phone": { "type": "string" } }, "required": ["email", "phone"], "additionalProperties": false }
        ]
    });
    let both = json!({ "email": "a@example.com", "phone": "+1" });
    assert!(accepts(&schema, &both));
    assert!(
        accepts(&reader_schema(&schema), &both),
        "opened, both branches would match"
    );
    assert_eq!(reader_schema(&schema), schema);
}

#[test]
fn tagged_one_of_branches_and_plain_objects_are_opened() {
    let schema = json!({
        "type": "object",
        "properties": {
            "shape": { "oneOf": [
                { "type": "object", "properties": { "kind": { "const": "circle" }, "r": { "type": "number" } }, "required": ["kind"], "additionalProperties": false },
                { "type": "object", "properties": { "kind": { "const": "square" }, "side": { "type": "number" } }, "required": ["kind"], "additionalProperties": false }
            ] }
        },
        "additionalProperties": false
    });
    let newer = json!({ "shape": { "kind": "circle", "r": 1, "colour": "red" }, "note": "x" });
    assert!(!accepts(&schema, &newer));
    assert!(accepts(&reader_schema(&schema), &newer));
}

#[test]
fn definitions_referenced_under_not_if_or_an_untagged_one_of_stay_closed() {
    let schema = json!({
        "$defs": {
            "short": { "type": "object", "properties": { "a": {} }, "additionalProperties": false },
            "plain": { "type": "object", "properties": { "b": {} }, "additionalProperties": false }
        },
        "type": "object",
        "properties": {
            "x": { "oneOf": [{ "$ref": "#/$defs/short" }, { "type": "object", "required": ["z"] }] },
            "y": { "$ref": "#/$defs/plain" }
        }
    });
    let reader = reader_schema(&schema);
    assert_eq!(reader["$defs"]["short"], schema["$defs"]["short"]);
    assert!(reader["$defs"]["plain"]
        .get("additionalProperties")
        .is_none());
    // `{"a": 1, "z": 2}` matches only the second branch as written; opened, it would match both.
    assert!(accepts(&schema, &json!({ "x": { "a": 1, "z": 2 } })));
    assert!(accepts(&reader, &json!({ "x": { "a": 1, "z": 2 } })));
}

#[test]
fn maps_stay_closed_so_what_a_consumer_reads_it_can_send_on() {
    let schema = json!({
        "type": "object",
        "properties": {
            "labels": { "type": "object", "patternProperties": { "^[a-z]+$": { "type": "string" } }, "additionalProperties": false }
        }
    });
    let reader = reader_schema(&schema);
    assert_eq!(reader, schema);
    assert!(!accepts(&reader, &json!({ "labels": { "BAD": "x" } })));
}
