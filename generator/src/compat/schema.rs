//! JSON Schema values as the engine reads them, shared by the diff, the prover and the
//! sampler: references within a document, ECMA-262 patterns, values compared as JSON Schema
//! compares them, exact integers.

use std::collections::HashMap;

use serde_json::Value;

/// `map[key]`, found by comparing the keys of a small map one by one: a schema object has a
/// handful of keywords, and hashing the key (what `Map::get` does) costs more than looking.
pub(crate) fn keyword<'m>(map: &'m serde_json::Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() > 8 {
        return map.get(key);
    }
    map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
}

/// The schema `reference` names in `root`: `#`, `#/json/pointer`, or a plain-name fragment
/// (`#name`) declared by `$anchor` or a draft-07 `$id`.
/// The fragment is percent-decoded first, as a URI fragment is (`#/$defs/e%25f` names `e%f`).
pub(crate) fn resolve<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let fragment = crate::registry::position::percent_decode(reference.strip_prefix('#')?)?;
    match fragment.as_str() {
        "" => Some(root),
        f if f.starts_with('/') => root.pointer(f),
        name => find_anchor(root, name, 0),
    }
}

fn find_anchor<'v>(node: &'v Value, name: &str, depth: usize) -> Option<&'v Value> {
    if depth > 64 {
        return None;
    }
    match node {
        Value::Object(map) => {
            let anchor = map.get("$anchor").and_then(Value::as_str) == Some(name)
                || map
                    .get("$id")
                    .and_then(Value::as_str)
                    .and_then(|id| id.strip_prefix('#'))
                    == Some(name);
            if anchor {
                return Some(node);
            }
            map.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "const" | "enum" | "examples" | "default"))
                .find_map(|(_, v)| find_anchor(v, name, depth + 1))
        }
        Value::Array(items) => items.iter().find_map(|i| find_anchor(i, name, depth + 1)),
        _ => None,
    }
}

/// A text equal for values JSON Schema calls equal (numbers by value, objects in any key
/// order), for sets of values.
pub(crate) fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => {
            let integral = n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 1e30)
                        .map(|f| f as i128)
                });
            match integral {
                Some(i) => out.push_str(&i.to_string()),
                None => out.push_str(&n.to_string()),
            }
        }
        Value::Array(items) => {
            out.push('[');
            for item in items {
                write_canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for k in keys {
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Whether an ECMA-262 pattern matches `text`; `None` when the pattern does not compile.
pub(crate) fn matches(pattern: &str, text: &str) -> Option<bool> {
    thread_local! {
        /// Compiled patterns: the same few are matched against many names and values.
        static COMPILED: std::cell::RefCell<HashMap<String, Option<regress::Regex>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    COMPILED.with(|compiled| {
        let mut compiled = compiled.borrow_mut();
        if compiled.len() > 4096 {
            compiled.clear();
        }
        let regex = compiled
            .entry(pattern.to_owned())
            .or_insert_with(|| regress::Regex::with_flags(pattern, "u").ok());
        Some(regex.as_ref()?.find(text).is_some())
    })
}

/// An integer as a JSON number, exactly when it fits 64 bits.
pub(crate) fn exact_integer(i: i128) -> Option<Value> {
    i64::try_from(i)
        .map(Value::from)
        .or_else(|_| u64::try_from(i).map(Value::from))
        .ok()
        .or_else(|| serde_json::Number::from_f64(i as f64).map(Value::Number))
}

/// A property name that `pattern` matches (the pattern's own shortest text when one is
/// generated; otherwise a fixed name that may not match, and the witness check decides).
pub(crate) fn key_matching(pattern: &str) -> String {
    let body = pattern.trim_start_matches('^').trim_end_matches('$');
    if let Ok(regex) = rand_regex::Regex::compile(body, 3) {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for _ in 0..16 {
            let key: String = rng.sample(&regex);
            if matches(pattern, &key) == Some(true) {
                return key;
            }
        }
    }
    "pattern_key".to_owned()
}

/// Whether any of `keys` appears as a keyword anywhere in the schema.
pub(crate) fn mentions_key(value: &Value, keys: &[&str]) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| keys.contains(&k.as_str()) || mentions_key(v, keys)),
        Value::Array(items) => items.iter().any(|i| mentions_key(i, keys)),
        _ => false,
    }
}

/// Keywords that never change which instances a schema accepts.
const NOT_ASSERTED: [&str; 8] = [
    "title",
    "description",
    "$comment",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
];

fn not_asserted(key: &str) -> bool {
    NOT_ASSERTED.contains(&key) || key.starts_with("x-")
}

/// Whether two schemas accept exactly the same instances because they are equal once the
/// annotations (`title`, `description`, `examples`, `default`, `x-…`, …) are left out at every
/// schema position. A shortcut, so conservative: any other difference, a different key order
/// aside, is a difference; and when a `$ref` could point into an annotation (its pointer names
/// one), only plain equality counts.
pub(crate) fn same_assertions(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    if refers_into_annotations(a) || refers_into_annotations(b) {
        return false;
    }
    same_schema(a, b)
}

fn same_schema(a: &Value, b: &Value) -> bool {
    use crate::registry::reader::{LISTS, MAPS, ONE};
    let (Value::Object(x), Value::Object(y)) = (a, b) else {
        return a == b;
    };
    let asserted =
        |m: &'_ serde_json::Map<String, Value>| m.iter().filter(|(k, _)| !not_asserted(k)).count();
    if asserted(x) != asserted(y) {
        return false;
    }
    x.iter().filter(|(k, _)| !not_asserted(k)).all(|(key, v)| {
        let Some(w) = y.get(key) else {
            return false;
        };
        match (v, w) {
            (Value::Array(p), Value::Array(q)) if LISTS.contains(&key.as_str()) => {
                p.len() == q.len() && p.iter().zip(q).all(|(s, t)| same_schema(s, t))
            }
            (Value::Object(p), Value::Object(q)) if MAPS.contains(&key.as_str()) => {
                p.len() == q.len()
                    && p.iter()
                        .all(|(name, s)| q.get(name).is_some_and(|t| same_schema(s, t)))
            }
            _ if ONE.contains(&key.as_str()) => same_schema(v, w),
            _ => v == w,
        }
    })
}

/// Whether a `$ref` anywhere in `schema` has a pointer token that names an annotation keyword.
fn refers_into_annotations(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => map.iter().any(|(key, value)| {
            (key == "$ref"
                && value
                    .as_str()
                    .is_some_and(|r| r.split(['/', '#']).any(not_asserted)))
                || refers_into_annotations(value)
        }),
        Value::Array(items) => items.iter().any(refers_into_annotations),
        _ => false,
    }
}

#[cfg(test)]
mod same_assertions_tests {
    use serde_json::json;

    use super::same_assertions;

    #[test]
    fn annotations_at_schema_positions_do_not_count() {
        let a = json!({ "title": "A", "type": "object", "properties": {
            "description": { "type": "string", "description": "old" } },
            "$defs": { "x": { "examples": [1], "type": "integer" } }, "x-event": { "owner": "a" } });
        let b = json!({ "type": "object", "title": "B", "properties": {
            "description": { "description": "new", "type": "string" } },
            "$defs": { "x": { "type": "integer", "default": 3 } }, "x-event": { "owner": "b" } });
        assert!(same_assertions(&a, &b));
    }

    #[test]
    fn every_other_difference_counts() {
        let base =
            json!({ "type": "object", "properties": { "description": { "type": "string" } } });
        for other in [
            // A property named like an annotation is a property.
            json!({ "type": "object", "properties": { "title": { "type": "string" } } }),
            json!({ "type": "object", "properties": { "description": { "type": "integer" } } }),
            json!({ "type": "object", "properties": { "description": { "type": "string" } }, "required": ["description"] }),
            json!({ "type": "object", "properties": { "description": { "type": "string", "format": "email" } } }),
            json!({ "type": "object", "properties": { "description": { "const": "description" } } }),
        ] {
            assert!(!same_assertions(&base, &other), "{other}");
        }
        // A reference into an annotation makes it a schema: only plain equality counts.
        let a = json!({ "$ref": "#/$defs/x/default", "$defs": { "x": { "default": { "type": "string" } } } });
        let b = json!({ "$ref": "#/$defs/x/default", "$defs": { "x": { "default": { "type": "integer" } } } });
        assert!(!same_assertions(&a, &b));
    }
}
