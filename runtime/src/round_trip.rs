//! What a decode → encode round trip may change, and nothing else. The README's mapping table
//! lists the same normalizations; none changes what the payload means under its schema
//! except where a keyword tests presence (`required` aside), which the list says.

use std::collections::BTreeSet;

use serde_json::Value;

/// How `again` (the re-encoding of `original` by a generated type) differs from `original`
/// beyond the normalizations a round trip makes, or `None`. Compared under JSON Schema's
/// equality (numbers by value, objects unordered), the normalizations are:
/// - a `date-time` written differently for the same instant and offset (`+00:00` as `Z`,
///   fractional seconds to 3, 6 or 9 digits);
/// - an optional member that was `null`, an empty array or an empty object left out, unless
///   a keyword tests whether it is there (named in a `required`, a `dependentRequired`, a
///   `minProperties` object, or anywhere under `not`, `if` or `oneOf`);
/// - a member `schema` declares nowhere dropped (the tolerant reader ignores it), unless an
///   object of `schema` counts its members (`minProperties`);
/// - a member `schema` gives a `default` to added with that default.
pub fn round_trip_difference(schema: &Value, original: &Value, again: &Value) -> Option<String> {
    let mut declared = Declared::default();
    declared.collect(schema, false);
    declared.compare(original, again, "").err()
}

#[derive(Default)]
struct Declared {
    names: BTreeSet<String>,
    defaults: Vec<(String, Value)>,
    /// Members whose presence a keyword tests.
    tested: BTreeSet<String>,
    /// An object counts its members: no member may be dropped.
    counted: bool,
}

impl Declared {
    /// `negative`: under `not`, `if` or `oneOf`, where any mention of a member tests it.
    fn collect(&mut self, schema: &Value, negative: bool) {
        let names = |value: &Value| -> Vec<String> {
            let listed = value.as_array().into_iter().flatten();
            listed
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        match schema {
            Value::Object(map) => {
                let counted = map.contains_key("minProperties");
                self.counted |= counted;
                if let Some(Value::Object(properties)) = map.get("properties") {
                    for (name, property) in properties {
                        self.names.insert(name.clone());
                        if negative || counted {
                            self.tested.insert(name.clone());
                        }
                        if let Some(default) = property.get("default") {
                            self.defaults.push((name.clone(), default.clone()));
                        }
                    }
                }
                if let Some(required) = map.get("required") {
                    self.tested.extend(names(required));
                }
                if let Some(Value::Object(dependent)) = map.get("dependentRequired") {
                    for (name, others) in dependent {
                        self.tested.insert(name.clone());
                        self.tested.extend(names(others));
                    }
                }
                for (key, child) in map {
                    if !matches!(key.as_str(), "const" | "enum" | "default" | "examples") {
                        let below = negative || matches!(key.as_str(), "not" | "if" | "oneOf");
                        self.collect(child, below);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| self.collect(i, negative)),
            _ => {}
        }
    }

    fn compare(&self, original: &Value, again: &Value, at: &str) -> Result<(), String> {
        match (original, again) {
            (Value::Number(a), Value::Number(b)) => {
                if crate::native::compare_numbers(a, b) == Some(std::cmp::Ordering::Equal) {
                    Ok(())
                } else {
                    Err(format!("{at}: {a} became {b}"))
                }
            }
            (Value::String(a), Value::String(b)) if a != b => {
                match (
                    chrono::DateTime::parse_from_rfc3339(a),
                    chrono::DateTime::parse_from_rfc3339(b),
                ) {
                    (Ok(x), Ok(y)) if x == y && x.offset() == y.offset() => Ok(()),
                    _ => Err(format!("{at}: {a:?} became {b:?}")),
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                if a.len() != b.len() {
                    return Err(format!("{at}: {} items became {}", a.len(), b.len()));
                }
                a.iter()
                    .zip(b)
                    .enumerate()
                    .try_for_each(|(i, (x, y))| self.compare(x, y, &format!("{at}/{i}")))
            }
            (Value::Object(a), Value::Object(b)) => {
                for (key, value) in a {
                    let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                    match b.get(key) {
                        Some(other) => self.compare(value, other, &here)?,
                        None if self.tested.contains(key) => {
                            return Err(format!("{here}: {value} was dropped, a keyword tests it"))
                        }
                        None if value.is_null()
                            || value.as_array().is_some_and(Vec::is_empty)
                            || value.as_object().is_some_and(serde_json::Map::is_empty) => {}
                        None if !self.names.contains(key) && !self.counted => {}
                        None => return Err(format!("{here}: {value} was dropped")),
                    }
                }
                for (key, value) in b {
                    if !a.contains_key(key)
                        && !self
                            .defaults
                            .iter()
                            .any(|(n, d)| n == key && self.compare(d, value, "").is_ok())
                    {
                        return Err(format!("{at}/{key}: {value} appeared"));
                    }
                }
                Ok(())
            }
            (a, b) if a == b => Ok(()),
            (a, b) => Err(format!("{at}: {a} became {b}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::round_trip_difference;

    #[test]
    fn listed_normalizations_are_not_differences() {
        let schema = json!({ "properties": { "a": {}, "b": {}, "n": { "default": 5 }, "t": {} } });
        let original =
            json!({ "a": 3, "b": null, "c": [], "t": "2026-03-01T09:00:00+00:00", "x": 1 });
        let again = json!({ "a": 3.0, "n": 5, "t": "2026-03-01T09:00:00.000Z" });
        assert_eq!(round_trip_difference(&schema, &original, &again), None);
    }

    #[test]
    fn a_dropped_member_a_changed_value_or_offset_is_a_difference() {
        let schema = json!({ "properties": { "a": {}, "t": {} } });
        for (original, again) in [
            (json!({ "a": 1 }), json!({})),
            (json!({ "a": 1 }), json!({ "a": 2 })),
            (
                json!({ "t": "2026-03-01T09:00:00+02:00" }),
                json!({ "t": "2026-03-01T07:00:00Z" }),
            ),
            (json!({}), json!({ "a": 1 })),
            (json!([1, 2]), json!([1])),
        ] {
            assert!(
                round_trip_difference(&schema, &original, &again).is_some(),
                "{original} → {again}"
            );
        }
    }

    #[test]
    fn a_member_a_keyword_tests_may_not_be_dropped_even_when_empty() {
        for (schema, original, again) in [
            (
                json!({ "properties": { "a": {} }, "dependentRequired": { "b": ["a"] } }),
                json!({ "a": null, "b": 1 }),
                json!({ "b": 1 }),
            ),
            (
                json!({ "properties": { "a": {} }, "if": { "properties": { "a": { "const": null } } } }),
                json!({ "a": null }),
                json!({}),
            ),
            (
                json!({ "properties": { "a": {} }, "minProperties": 1 }),
                json!({ "a": [], "z": 1 }),
                json!({ "a": [] }),
            ),
        ] {
            assert!(
                round_trip_difference(&schema, &original, &again).is_some(),
                "{original} → {again}"
            );
        }
    }
}
