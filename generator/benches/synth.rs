//! A synthetic registry of realistic event schemas, and a modified copy of it: the workload of
//! the compatibility benchmark (and of the test that keeps the benchmark honest).

use std::path::Path;

use serde_json::{json, Map, Value};

/// Deterministic pseudo-random numbers (xorshift), so every run measures the same registry.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn shared() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "Currency": { "type": "string", "enum": ["EUR", "USD", "GBP", "CHF", "JPY"] },
            "Money": { "type": "object", "properties": { "amount_minor": { "type": "integer", "minimum": 0 }, "currency": { "$ref": "#/$defs/Currency" } }, "required": ["amount_minor", "currency"], "additionalProperties": false },
            "Address": { "type": "object", "properties": { "line1": { "type": "string", "maxLength": 200 }, "city": { "type": "string", "maxLength": 100 }, "country": { "type": "string", "pattern": "^[A-Z]{2}$" } }, "required": ["line1", "city", "country"], "additionalProperties": false },
            "Actor": { "type": "object", "properties": { "user_id": { "type": "string", "format": "uuid" }, "role": { "type": "string", "enum": ["customer", "staff", "system"] } }, "required": ["user_id"] },
            "Tag": { "type": "string", "pattern": "^[a-z][a-z0-9_]{0,30}$" }
        }
    })
}

fn property(dice: &mut Dice, depth: usize) -> Value {
    match dice.below(if depth > 1 { 9 } else { 11 }) {
        0 => json!({ "type": "string", "maxLength": 20 + dice.below(200) }),
        1 => {
            let format = ["uuid", "date-time", "email", "date"][dice.below(4) as usize];
            json!({ "type": "string", "format": format })
        }
        2 => {
            let values: Vec<&str> = ["a", "b", "c", "d", "e"]
                .into_iter()
                .take(2 + dice.below(4) as usize)
                .collect();
            json!({ "type": "string", "enum": values })
        }
        3 => json!({ "type": "integer", "minimum": 0, "maximum": 1000 + dice.below(100_000) }),
        4 => json!({ "type": "number", "minimum": 0 }),
        5 => json!({ "type": "boolean" }),
        6 => {
            json!({ "type": "array", "maxItems": 5 + dice.below(50), "items": { "$ref": "../../common/shared.json#/$defs/Tag" } })
        }
        7 => json!({ "$ref": "../../common/shared.json#/$defs/Money" }),
        8 => {
            let target = [
                "../../common/shared.json#/$defs/Address",
                "../../common/shared.json#/$defs/Actor",
            ][dice.below(2) as usize];
            json!({ "$ref": target })
        }
        9 => {
            let count = 3 + dice.below(4) as usize;
            object(dice, count, depth + 1)
        }
        _ => {
            let count = 2 + dice.below(3) as usize;
            json!({ "type": "array", "maxItems": 20, "items": object(dice, count, depth + 1) })
        }
    }
}

fn object(dice: &mut Dice, count: usize, depth: usize) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for i in 0..count {
        let name = format!("field_{i}");
        properties.insert(name.clone(), property(dice, depth));
        if dice.below(2) == 0 {
            required.push(Value::from(name));
        }
    }
    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
}

/// Event `index` of the registry.
pub fn event(index: usize) -> Value {
    let mut dice = Dice::new(index as u64 + 1);
    let count = 20 + dice.below(41) as usize;
    let mut schema = object(&mut dice, count, 0);
    schema["properties"]["id"] = json!({ "type": "string", "format": "uuid" });
    schema["required"]
        .as_array_mut()
        .unwrap()
        .push(Value::from("id"));
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    schema["title"] = json!(format!("Event {index}"));
    schema["description"] = json!("A synthetic event for the benchmark.");
    schema["x-event"] = json!({ "owner": format!("team-{}", index % 7), "partition_key": "/id" });
    schema
}

/// What the modified copy changes in event `index`, if anything: one in ten events changes,
/// half of them compatibly.
pub fn modify(index: usize, schema: &mut Value) -> Option<&'static str> {
    if index % 10 != 3 {
        return None;
    }
    let properties = schema["properties"].as_object_mut().unwrap();
    match (index / 10) % 4 {
        0 => {
            properties.insert(
                "added_note".into(),
                json!({ "type": "string", "maxLength": 500 }),
            );
            Some("compatible: optional property added")
        }
        1 => {
            schema["description"] = json!("Reworded description.");
            Some("compatible: description changed")
        }
        2 => {
            properties.insert(
                "tightened".into(),
                json!({ "type": "string", "maxLength": 5 }),
            );
            schema["required"]
                .as_array_mut()
                .unwrap()
                .push(Value::from("tightened"));
            Some("breaking: required property added")
        }
        _ => {
            let first = properties
                .values_mut()
                .find(|p| p.get("maxLength").is_some() && p["type"] == "string");
            match first {
                Some(p) => {
                    p["maxLength"] = json!(3);
                    Some("breaking: maxLength tightened")
                }
                None => {
                    properties.insert("must".into(), json!({ "type": "integer" }));
                    schema["required"]
                        .as_array_mut()
                        .unwrap()
                        .push(Value::from("must"));
                    Some("breaking: required property added")
                }
            }
        }
    }
}

/// Writes `count` events into `old` and the modified copy into `new`; returns how many
/// events the copy breaks.
pub fn write_registries(count: usize, old: &Path, new: &Path) -> usize {
    let mut breaking = 0;
    for root in [old, new] {
        std::fs::create_dir_all(root.join("common")).unwrap();
        std::fs::write(
            root.join("common/shared.json"),
            serde_json::to_string_pretty(&shared()).unwrap(),
        )
        .unwrap();
        std::fs::write(
            root.join("registry.toml"),
            "default_compatibility = \"backward\"\n",
        )
        .unwrap();
    }
    for index in 0..count {
        let rel = format!("domain_{}/event_{index}/v1.json", index % 20);
        let mut schema = event(index);
        for (root, modified) in [(old, false), (new, true)] {
            if modified {
                if let Some(kind) = modify(index, &mut schema) {
                    breaking += usize::from(kind.starts_with("breaking"));
                }
            }
            let path = root.join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, serde_json::to_string_pretty(&schema).unwrap()).unwrap();
        }
    }
    breaking
}

/// The events a check of `new` against `old` finds broken, with the report behind them.
pub fn broken_events(
    old: &contracts_generator::Registry,
    new: &contracts_generator::Registry,
) -> (
    std::collections::BTreeSet<String>,
    contracts_generator::CheckReport,
) {
    let options = contracts_generator::Options::default();
    let report =
        contracts_generator::check_registries(std::slice::from_ref(old), new, false, options)
            .unwrap();
    let broken = report.breaking().map(|f| f.event_type.clone()).collect();
    (broken, report)
}
