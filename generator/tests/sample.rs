//! The instance generator: valid, diverse, reproducible.

use std::path::Path;

use serde_json::json;

fn registries() -> Vec<contracts_generator::Registry> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../schemas"),
        here.join("tests/fixtures/keywords"),
    ]
    .iter()
    .map(|root| contracts_generator::load(root).expect("loads").0)
    .collect()
}

#[test]
fn every_event_gets_diverse_valid_samples() {
    for registry in registries() {
        for event in &registry.events {
            let schema = event.schema.value();
            let mut sampler = contracts_generator::Sampler::new(&schema, 1).unwrap();
            let samples = sampler.samples(25);
            let independent = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .unwrap();
            assert!(
                samples.len() >= 5,
                "{} v{}: {} samples",
                event.event_type,
                event.version,
                samples.len()
            );
            for s in &samples {
                assert!(
                    independent.is_valid(s),
                    "{} v{}: {s}",
                    event.event_type,
                    event.version
                );
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_samples() {
    let registry = &registries()[0];
    let schema = registry
        .event("orders.order_placed", 2)
        .unwrap()
        .schema
        .value();
    let a = contracts_generator::Sampler::new(&schema, 42)
        .unwrap()
        .samples(10);
    let b = contracts_generator::Sampler::new(&schema, 42)
        .unwrap()
        .samples(10);
    assert_eq!(a, b);
    let c = contracts_generator::Sampler::new(&schema, 43)
        .unwrap()
        .samples(10);
    assert_ne!(a, c);
}

#[test]
fn keywords_are_honoured() {
    let cases = [
        json!({ "type": "integer", "exclusiveMinimum": 10, "multipleOf": 7 }),
        json!({ "type": "string", "minLength": 5, "maxLength": 5 }),
        json!({ "type": "string", "pattern": "^[0-9]{4}-[A-Z]{2}$" }),
        json!({ "type": "array", "minItems": 3, "uniqueItems": true, "items": { "enum": [1, 2, 3] } }),
        json!({ "type": "array", "contains": { "const": "x" }, "items": { "type": "string" } }),
        json!({ "type": "object", "properties": { "a": { "type": "string" }, "b": { "type": "string" } }, "dependentRequired": { "a": ["b"] }, "required": ["a"] }),
        json!({ "oneOf": [{ "type": "string", "maxLength": 3 }, { "type": "string", "minLength": 2 }] }),
        json!({ "allOf": [{ "type": "object", "required": ["a"] }, { "properties": { "a": { "const": 1 } } }] }),
        json!({ "type": "object", "if": { "properties": { "k": { "const": "x" } } }, "then": { "required": ["y"] }, "properties": { "k": { "enum": ["x", "z"] } }, "required": ["k"] }),
        json!({ "type": "number", "not": { "minimum": 0 } }),
        json!({ "$defs": { "N": { "type": "object", "properties": { "next": { "$ref": "#/$defs/N" } } } }, "$ref": "#/$defs/N" }),
    ];
    for schema in cases {
        let samples = contracts_generator::Sampler::new(&schema, 3)
            .unwrap()
            .samples(5);
        assert!(!samples.is_empty(), "no sample for {schema}");
        for s in samples {
            assert!(jsonschema::is_valid(&schema, &s), "{schema}: {s}");
        }
    }
    let unsatisfiable = json!({ "type": "integer", "minimum": 5, "maximum": 4 });
    assert_eq!(
        contracts_generator::Sampler::new(&unsatisfiable, 0)
            .unwrap()
            .sample(),
        None
    );
}

/// Found on a real GitHub workflow schema: a draft-07 `oneOf` of `$ref`s into `definitions`
/// (checked branch by branch against a copy that lacked `definitions`), and an object that
/// needs a member only `patternProperties` admits.
#[test]
fn draft_07_definitions_and_members_only_a_pattern_admits() {
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["on", "jobs"],
        "properties": {
            "on": { "oneOf": [{ "$ref": "#/definitions/event" }, { "type": "array" }] },
            "jobs": {
                "type": "object",
                "patternProperties": { "^[_a-zA-Z][a-zA-Z0-9_-]*$": { "$ref": "#/definitions/job" } },
                "additionalProperties": false,
                "minProperties": 1
            }
        },
        "definitions": {
            "event": { "type": "string", "enum": ["push", "pull_request"] },
            "job": { "type": "object", "required": ["runs-on"], "properties": { "runs-on": { "type": "string" } } }
        }
    });
    let mut sampler = contracts_generator::Sampler::new(&schema, 0).unwrap();
    let sample = sampler.sample().expect("a valid payload");
    assert!(sampler.is_valid(&sample), "{sample}");
    assert_eq!(sample["on"], "push", "{sample}");
}

/// Found on SchemaStore's dependabot-2.0 (August 2026): objects whose required keys depend on
/// `if`/`then`/`else`, a `oneOf` that tells branches apart by which key is required, and a
/// top-level conditional that constrains the array's items (merged with the items' `$ref`).
#[test]
fn conditionals_and_a_one_of_of_required_keys() {
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "required": ["updates"],
        "properties": {
            "beta": { "type": "boolean" },
            "updates": { "type": "array", "minItems": 1, "items": { "$ref": "#/definitions/update" } }
        },
        "allOf": [{
            "if": { "properties": { "beta": { "const": true } }, "required": ["beta"] },
            "then": {},
            "else": { "properties": { "updates": { "items": { "properties": { "ecosystem": { "enum": ["npm", "cargo"] } } } } } }
        }],
        "definitions": {
            "update": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "ecosystem": { "type": "string", "minLength": 1 },
                    "directory": { "type": "string" },
                    "directories": { "type": "array", "items": { "type": "string" } },
                    "schedule": {
                        "type": "object",
                        "properties": {
                            "interval": { "enum": ["daily", "cron"] },
                            "cronjob": { "type": "string" }
                        },
                        "allOf": [{
                            "if": { "properties": { "interval": { "const": "cron" } } },
                            "then": { "required": ["interval", "cronjob"] },
                            "else": { "required": ["interval"] }
                        }]
                    }
                },
                "allOf": [
                    { "required": ["ecosystem", "schedule"] },
                    { "oneOf": [{ "required": ["directories"] }, { "required": ["directory"] }] }
                ]
            }
        }
    });
    let mut sampler = contracts_generator::Sampler::new(&schema, 0).unwrap();
    let samples = sampler.samples(12);
    assert!(samples.len() >= 5, "{samples:?}");
    for sample in &samples {
        assert!(sampler.is_valid(sample), "{sample}");
        assert!(
            !sample["updates"].as_array().unwrap().is_empty(),
            "{sample}"
        );
    }
}
