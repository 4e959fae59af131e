//! The reader schema (objects opened for the tolerant consumer) only ever widens the writer's:
//! on every JSON Schema Test Suite group of the drafts we read, every case the writer's schema
//! accepts, the reader schema accepts too; and a payload that opening would let match two
//! `oneOf` branches is still read with its schema's meaning.

use std::path::{Path, PathBuf};

use contracts_generator::reader_schema;
use serde_json::{json, Value};

const DRAFTS: &[(&str, &str)] = &[
    ("draft4", "http://json-schema.org/draft-04/schema#"),
    ("draft6", "http://json-schema.org/draft-06/schema#"),
    ("draft7", "http://json-schema.org/draft-07/schema#"),
    (
        "draft2019-09",
        "https://json-schema.org/draft/2019-09/schema",
    ),
    (
        "draft2020-12",
        "https://json-schema.org/draft/2020-12/schema",
    ),
];

fn suite() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/json-schema-test-suite/tests")
}

fn validator(schema: &Value) -> Option<jsonschema::Validator> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .ok()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the suite beside the repository")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    out.sort();
    out
}

#[test]
fn the_reader_accepts_every_suite_payload_the_writer_accepts() {
    let (mut cases, mut opened, mut failures) = (0, 0, Vec::new());
    for (draft, uri) in DRAFTS {
        for file in files(&suite().join(draft)) {
            let groups: Vec<Value> =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            for group in groups {
                let mut schema = group["schema"].clone();
                if let Value::Object(map) = &mut schema {
                    map.entry("$schema").or_insert_with(|| Value::from(*uri));
                }
                let reader = reader_schema(&schema);
                opened += usize::from(reader != schema);
                let (Some(writer_check), Some(reader_check)) =
                    (validator(&schema), validator(&reader))
                else {
                    continue;
                };
                for test in group["tests"].as_array().unwrap() {
                    let data = &test["data"];
                    if !writer_check.is_valid(data) {
                        continue;
                    }
                    cases += 1;
                    if !reader_check.is_valid(data) {
                        failures.push(format!(
                            "{}: {} / {}",
                            file.display(),
                            group["description"],
                            test["description"]
                        ));
                    }
                }
            }
        }
    }
    eprintln!("{cases} writer-valid cases; {opened} groups whose reader schema differs");
    assert!(cases > 2500, "the suite was read: {cases} cases");
    assert!(opened > 20, "objects were opened: {opened} groups");
    assert!(
        failures.is_empty(),
        "{} writer-valid cases the reader refuses:\n{}",
        failures.len(),
        failures.join("\n")
    );
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
