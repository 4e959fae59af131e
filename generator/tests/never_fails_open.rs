//! A self-check for the next unknown class of silent breaks: schema pairs made by mutating
//! real-looking schemas (this repository's registry, bundled) at every kind of place a
//! subschema sits, checked in both directions; every "compatible" verdict is then attacked
//! with writer payloads (generated, and changed in one place) against the reader. Zero may
//! get through.

use contracts_generator::{check_pair, load, Compatibility, Direction, Options, Sampler};
use proptest::prelude::*;
use rand::prelude::*;
use serde_json::{json, Map, Value};

fn bases() -> Vec<Value> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let (registry, _) = load(root).expect("the example registry loads");
    let mut out: Vec<Value> = registry.events.iter().map(|e| e.schema.value()).collect();
    out.push(json!({
        "type": "object",
        "properties": {
            "kind": { "enum": ["a", "b"] },
            "tags": { "type": "array", "items": { "type": "string" }, "maxItems": 3 },
            "extra": { "patternProperties": { "^x_": { "type": "integer" } } }
        },
        "required": ["kind"],
        "if": { "properties": { "kind": { "const": "a" } } },
        "then": { "properties": { "n": { "type": "integer", "minimum": 0 } } },
        "else": { "properties": { "n": { "type": "string" } } },
        "oneOf": [
            { "properties": { "kind": { "const": "a" } } },
            { "properties": { "kind": { "const": "b" } } }
        ]
    }));
    out
}

/// JSON Pointers of every place in `schema` that holds a subschema.
fn schema_places(schema: &Value, at: String, out: &mut Vec<String>) {
    let Value::Object(map) = schema else {
        return;
    };
    out.push(at.clone());
    for (key, child) in map {
        let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                for (name, sub) in child.as_object().into_iter().flatten() {
                    let name = name.replace('~', "~0").replace('/', "~1");
                    schema_places(sub, format!("{here}/{name}"), out);
                }
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                for (i, sub) in child.as_array().into_iter().flatten().enumerate() {
                    schema_places(sub, format!("{here}/{i}"), out);
                }
            }
            "items"
            | "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedProperties" => schema_places(child, here, out),
            _ => {}
        }
    }
}

fn mutate(schema: &mut Value, rng: &mut StdRng) {
    let mut places = Vec::new();
    schema_places(schema, String::new(), &mut places);
    let place = places.choose(rng).cloned().unwrap_or_default();
    let Some(node) = schema.pointer_mut(&place) else {
        return;
    };
    let Value::Object(map) = node else {
        return;
    };
    let types = [
        "string", "integer", "number", "boolean", "null", "object", "array",
    ];
    match rng.random_range(0..14) {
        0 => {
            map.insert("type".into(), json!(types.choose(rng).unwrap()));
        }
        1 => {
            let mut list: Vec<Value> = match map.get("type") {
                Some(Value::Array(a)) => a.clone(),
                Some(t) => vec![t.clone()],
                None => vec![],
            };
            if list.len() > 1 && rng.random_bool(0.5) {
                list.pop();
            } else {
                list.push(json!(types.choose(rng).unwrap()));
            }
            map.insert("type".into(), Value::Array(list));
        }
        2 => {
            let values = map
                .get("enum")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_else(|| vec![json!("a"), json!(1)]);
            let mut values = values;
            if values.len() > 1 && rng.random_bool(0.5) {
                let i = rng.random_range(0..values.len());
                values.remove(i);
            } else {
                values.push(json!(format!("v{}", rng.random_range(0..5))));
            }
            map.insert("enum".into(), Value::Array(values));
        }
        3 => {
            let key = [
                "minimum",
                "maximum",
                "minLength",
                "maxLength",
                "minItems",
                "maxItems",
                "exclusiveMinimum",
                "minProperties",
                "maxProperties",
            ]
            .choose(rng)
            .unwrap();
            let current = map.get(*key).and_then(Value::as_i64).unwrap_or(2);
            let next = (current + rng.random_range(-2..=2)).max(0);
            map.insert((*key).into(), json!(next));
        }
        4 => {
            let names: Vec<String> = map
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            let mut required: Vec<Value> = map
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if !required.is_empty() && rng.random_bool(0.5) {
                let i = rng.random_range(0..required.len());
                required.remove(i);
            } else if let Some(name) = names.choose(rng) {
                required.push(json!(name));
            }
            map.insert("required".into(), Value::Array(required));
        }
        5 => {
            let inner = Value::Object(std::mem::take(map));
            let other = json!({ "type": types.choose(rng).unwrap() });
            let key = ["anyOf", "oneOf", "allOf"].choose(rng).unwrap();
            map.insert((*key).into(), json!([inner, other]));
        }
        6 => {
            let key = if rng.random_bool(0.5) {
                "not"
            } else {
                "propertyNames"
            };
            map.insert(
                key.into(),
                json!({ "type": types.choose(rng).unwrap(), "maxLength": 2 }),
            );
        }
        7 => {
            map.insert(
                "pattern".into(),
                json!(["^a", "b$", "^[0-9]+$"].choose(rng).unwrap()),
            );
        }
        8 => {
            map.insert(
                "format".into(),
                json!(["date", "email", "uuid", "ipv4"].choose(rng).unwrap()),
            );
        }
        9 => {
            let closed = rng.random_bool(0.5);
            map.insert("additionalProperties".into(), json!(!closed));
        }
        10 => {
            *node = json!(rng.random_bool(0.5));
        }
        11 => {
            let constants = [json!("a"), json!("b"), json!(1), json!(true)];
            map.insert("const".into(), constants.choose(rng).unwrap().clone());
        }
        12 => {
            let key = if rng.random_bool(0.5) {
                "uniqueItems"
            } else {
                "multipleOf"
            };
            map.insert(
                key.into(),
                if key == "uniqueItems" {
                    json!(true)
                } else {
                    json!(2)
                },
            );
        }
        _ => {
            let name = format!("p{}", rng.random_range(0..3));
            let mut properties = map
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_else(Map::new);
            properties.insert(name, json!({ "type": types.choose(rng).unwrap() }));
            map.insert("properties".into(), Value::Object(properties));
        }
    }
}

fn validator(schema: &Value) -> Option<jsonschema::Validator> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .ok()
}

/// What a tolerant consumer accepts (the library's rule, itself checked on the JSON Schema
/// Test Suite by `tests/reader_schema.rs`).
fn open(schema: &Value) -> Value {
    contracts_generator::reader_schema(schema)
}

/// Writer payloads: generated ones, and each changed at one of its places to a value of
/// every JSON type.
fn attack(writer: &Value, seed: u64) -> Vec<Value> {
    let Ok(mut sampler) = Sampler::new(writer, seed) else {
        return Vec::new();
    };
    let samples = sampler.samples(24);
    let values = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(2.5),
        json!(""),
        json!("a"),
        json!("v1"),
        json!([]),
        json!({}),
    ];
    let mut out = samples.clone();
    for sample in samples.iter().take(4) {
        let mut places = Vec::new();
        payload_places(sample, String::new(), &mut places);
        for place in places {
            for v in &values {
                let mut changed = sample.clone();
                if let Some(slot) = changed.pointer_mut(&place) {
                    *slot = v.clone();
                    out.push(changed);
                }
            }
        }
    }
    out
}

fn payload_places(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                payload_places(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                payload_places(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    // 48 cases in CI; PROPTEST_CASES=N for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_compatible_verdict_is_broken_by_a_writer_payload(
        base in 0usize..14,
        seed in any::<u64>(),
        mutations in 1usize..4,
        strict in any::<bool>(),
    ) {
        let bases = bases();
        let old = bases[base % bases.len()].clone();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut new = old.clone();
        for _ in 0..mutations {
            mutate(&mut new, &mut rng);
        }
        let (Some(_), Some(_)) = (validator(&old), validator(&new)) else {
            return Ok(()); // a mutation made the schema invalid: nothing to check
        };
        let options = Options { strict, seed, ..Options::default() };
        let findings = check_pair(&old, &new, Compatibility::Full, options).unwrap();
        for direction in [Direction::Backward, Direction::Forward] {
            if findings.iter().any(|f| f.direction == direction) {
                continue;
            }
            // Called compatible in this direction: attack it.
            let (writer, reader) = match direction {
                Direction::Backward => (&old, &new),
                Direction::Forward => (&new, &old),
            };
            let reader = if strict { reader.clone() } else { open(reader) };
            let (writer_check, reader_check) = (validator(writer).unwrap(), validator(&reader).unwrap());
            for payload in attack(writer, seed) {
                prop_assert!(
                    !writer_check.is_valid(&payload) || reader_check.is_valid(&payload),
                    "{direction} called compatible, but {payload} breaks\nold: {old}\nnew: {new}"
                );
            }
        }
    }
}
