//! What typify is given: a copy of each schema reduced to what it maps to a precise type.
//!
//! Constraint keywords typify cannot express are removed, which only ever widens the Rust type;
//! the validator still enforces them on the full schema. Nothing is dropped from what is checked.

use serde_json::{Map, Value};

/// Keywords typify reads to pick a Rust type; everything else is dropped from its copy.
const TYPED_KEYWORDS: [&str; 22] = [
    "type",
    "format",
    "enum",
    "const",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "title",
    "description",
    "default",
    "$ref",
    "uniqueItems",
];
const COMBINATORS: [&str; 3] = ["allOf", "anyOf", "oneOf"];
/// Keywords whose value maps names to subschemas.
const SCHEMA_MAPS: [&str; 6] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];
const ANNOTATIONS: [&str; 3] = ["title", "description", "default"];

/// Keywords a schema uses that the Rust type does not express (enforced by the validator only).
pub(crate) fn validator_only_keywords(
    schema: &Value,
    out: &mut std::collections::BTreeSet<String>,
) {
    match schema {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "dependentRequired" {
                    out.insert(key.clone());
                }
                if matches!(
                    key.as_str(),
                    "const" | "enum" | "examples" | "default" | "x-event" | "dependentRequired"
                ) {
                    continue;
                }
                if !TYPED_KEYWORDS.contains(&key.as_str())
                    && !COMBINATORS.contains(&key.as_str())
                    && !matches!(
                        key.as_str(),
                        "$schema" | "$id" | "$defs" | "definitions" | "$comment"
                    )
                {
                    out.insert(key.clone());
                }
                if SCHEMA_MAPS.contains(&key.as_str()) {
                    if let Value::Object(schemas) = child {
                        schemas
                            .values()
                            .for_each(|s| validator_only_keywords(s, out));
                    }
                } else {
                    validator_only_keywords(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| validator_only_keywords(i, out)),
        _ => {}
    }
}

/// The copy of `schema` that typify is given. `draft7` selects draft-07 meanings of `$ref`
/// siblings and array `items`.
pub(crate) fn for_typify(schema: &Value, draft7: bool) -> Value {
    let Value::Object(map) = schema else {
        // `true` and `false` both become "any value": the validator rejects what `false` rejects.
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    if let Some(reference) = map.get("$ref") {
        let has_constraints = map.keys().any(|k| {
            k != "$ref"
                && !ANNOTATIONS.contains(&k.as_str())
                && TYPED_KEYWORDS.contains(&k.as_str())
                || COMBINATORS.contains(&k.as_str())
        });
        if draft7 || !has_constraints {
            out.insert("$ref".into(), reference.clone());
            for key in ["description"] {
                if let Some(v) = map.get(key) {
                    out.insert(key.into(), v.clone());
                }
            }
            return Value::Object(out);
        }
        let mut rest = map.clone();
        rest.remove("$ref");
        let mut all_of = vec![serde_json::json!({ "$ref": reference })];
        if let Some(Value::Array(existing)) = rest.remove("allOf") {
            all_of.extend(existing);
        }
        rest.insert("allOf".into(), Value::Array(all_of));
        return for_typify(&Value::Object(rest), draft7);
    }
    let tuple = map.contains_key("prefixItems") || map.get("items").is_some_and(Value::is_array);
    let pattern_keys = map.contains_key("patternProperties");
    for (key, value) in map {
        match key.as_str() {
            "properties" => {
                let properties = value
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .map(|(k, v)| (k.clone(), for_typify(v, draft7)))
                            .collect()
                    })
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(properties));
            }
            "items" if tuple => {}
            "items" => {
                out.insert(key.clone(), for_typify(value, draft7));
            }
            // Closed objects stay open in Rust: generated consumers ignore unknown keys, and a
            // typed struct cannot carry them when producing.
            "additionalProperties" if value.is_object() && !pattern_keys => {
                out.insert(key.clone(), for_typify(value, draft7));
            }
            "additionalProperties" => {}
            k if COMBINATORS.contains(&k) => {
                let branches = value
                    .as_array()
                    .map(|b| b.iter().map(|s| for_typify(s, draft7)).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(branches));
            }
            // A constant gets a precise type: a one-variant enum for a string, the plain type
            // otherwise (the validator checks the value).
            "const" => match value {
                Value::String(_) => {
                    out.insert("type".into(), Value::from("string"));
                    out.insert("enum".into(), Value::Array(vec![value.clone()]));
                }
                other => {
                    let json_type = match other {
                        Value::Null => "null",
                        Value::Bool(_) => "boolean",
                        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                        Value::Number(_) => "number",
                        Value::Array(_) => "array",
                        Value::Object(_) => "object",
                        Value::String(_) => unreachable!("matched above"),
                    };
                    out.entry("type").or_insert_with(|| Value::from(json_type));
                }
            },
            // Draft-07 defines no `uuid` format, so "1" is a valid value there: a `Uuid` type
            // would refuse payloads the schema accepts.
            "format" if draft7 && value == "uuid" => {}
            k if TYPED_KEYWORDS.contains(&k) => {
                out.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    Value::Object(out)
}
