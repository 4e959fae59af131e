//! Which members of an object a schema tests for presence, beyond its own `properties` and
//! `required`.
//!
//! A generated struct writes an optional member that is `null`, `[]` or `{}` by leaving it out,
//! fills in a `default` when it is absent, and drops members it does not declare. That keeps
//! the payload's meaning only where no keyword asks whether the member is there: a
//! `minProperties`, a `required` in an `allOf`, a `then` or a `dependentRequired`, or any mention
//! of the member under `not`, `if` or a `oneOf` (where dropping it could switch the verdict).
//! The code emitter keeps such members as written, and the reader schema keeps such objects
//! closed where opening them would let in members the struct cannot keep.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// What the keywords applying to one object test about which members it has.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PresenceTests {
    /// A keyword counts or restricts every member, known or not (`minProperties`, or under
    /// `not`/`if`/`oneOf` a count, `additionalProperties`, `patternProperties`, ...).
    pub counts_members: bool,
    /// Members whose presence a keyword tests.
    pub names: BTreeSet<String>,
}

impl PresenceTests {
    /// The tests of the object `schema`; `resolve` gives the target of a `$ref`.
    pub(crate) fn of<'v>(
        schema: &Map<String, Value>,
        resolve: &dyn Fn(&str) -> Option<&'v Value>,
    ) -> Self {
        let mut tests = PresenceTests::default();
        tests.visit(schema, resolve, Place::Own, 0);
        tests
    }

    /// Whether the presence of `name` matters.
    pub(crate) fn tests(&self, name: &str) -> bool {
        self.counts_members || self.names.contains(name)
    }

    /// Whether a member none of `declared` names can change a verdict by being there.
    pub(crate) fn tests_undeclared(&self, declared: impl Fn(&str) -> bool) -> bool {
        self.counts_members || self.names.iter().any(|name| !declared(name))
    }

    fn visit<'v>(
        &mut self,
        schema: &Map<String, Value>,
        resolve: &dyn Fn(&str) -> Option<&'v Value>,
        place: Place,
        depth: usize,
    ) {
        if depth > 32 {
            self.counts_members = true;
            return;
        }
        fn names(value: &Value) -> impl Iterator<Item = String> + '_ {
            value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
        }
        if schema.contains_key("minProperties") {
            self.counts_members = true;
        }
        if place != Place::Own {
            if let Some(required) = schema.get("required") {
                self.names.extend(names(required));
            }
        }
        if place == Place::Negative {
            if let Some(Value::Object(properties)) = schema.get("properties") {
                self.names.extend(properties.keys().cloned());
            }
            let counting = [
                "maxProperties",
                "additionalProperties",
                "patternProperties",
                "unevaluatedProperties",
                "propertyNames",
            ];
            if counting.iter().any(|k| schema.contains_key(*k)) {
                self.counts_members = true;
            }
        }
        for key in ["dependentRequired", "dependentSchemas", "dependencies"] {
            let Some(Value::Object(dependencies)) = schema.get(key) else {
                continue;
            };
            for (name, dependency) in dependencies {
                if place == Place::Negative {
                    self.names.insert(name.clone());
                }
                match dependency {
                    Value::Array(_) => self.names.extend(names(dependency)),
                    Value::Object(sub) => self.visit(sub, resolve, place.inside(), depth + 1),
                    _ => {}
                }
            }
        }
        for (key, negative) in [("allOf", false), ("anyOf", false), ("oneOf", true)] {
            for branch in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Value::Object(sub) = branch {
                    let at = if negative {
                        Place::Negative
                    } else {
                        place.inside()
                    };
                    self.visit(sub, resolve, at, depth + 1);
                }
            }
        }
        for (key, negative) in [
            ("not", true),
            ("if", true),
            ("then", false),
            ("else", false),
        ] {
            if let Some(Value::Object(sub)) = schema.get(key) {
                let at = if negative {
                    Place::Negative
                } else {
                    place.inside()
                };
                self.visit(sub, resolve, at, depth + 1);
            }
        }
        if let Some(Value::String(reference)) = schema.get("$ref") {
            match resolve(reference) {
                Some(Value::Object(target)) => {
                    self.visit(target, resolve, place.inside(), depth + 1)
                }
                Some(_) => {}
                // A target not found may test anything.
                None => self.counts_members = true,
            }
        }
    }
}

/// Where a subschema applies to the object, for what dropping a member can do to its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The object's own keywords: its `properties` and `required` are the type's.
    Own,
    /// Applied with the object's (`allOf`, `anyOf`, `then`, `$ref`): a member dropped can
    /// only fail a `required`, a count or a dependency.
    Positive,
    /// Under `not`, `if` or a `oneOf` branch: any mention of a member can switch the verdict.
    Negative,
}

impl Place {
    fn inside(self) -> Place {
        match self {
            Place::Own => Place::Positive,
            other => other,
        }
    }
}

/// Whether a value of `schema` can be `null` (conservative: `true` when it cannot tell).
pub(crate) fn admits_null<'v>(schema: &Value, resolve: &dyn Fn(&str) -> Option<&'v Value>) -> bool {
    admits_null_within(schema, resolve, 0)
}

fn admits_null_within<'v>(
    schema: &Value,
    resolve: &dyn Fn(&str) -> Option<&'v Value>,
    depth: usize,
) -> bool {
    let Value::Object(map) = schema else {
        return schema != &Value::Bool(false);
    };
    if depth > 16 {
        return true;
    }
    let by_type = match map.get("type") {
        None => true,
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(types)) => types.iter().any(|t| t == "null"),
        Some(_) => true,
    };
    let by_value = match (map.get("const"), map.get("enum")) {
        (Some(value), _) => value.is_null(),
        (None, Some(Value::Array(values))) => values.iter().any(Value::is_null),
        _ => true,
    };
    let by_branches = ["anyOf", "oneOf"].iter().all(|key| {
        map.get(*key)
            .and_then(Value::as_array)
            .is_none_or(|b| b.iter().any(|s| admits_null_within(s, resolve, depth + 1)))
    }) && map
        .get("allOf")
        .and_then(Value::as_array)
        .is_none_or(|b| b.iter().all(|s| admits_null_within(s, resolve, depth + 1)));
    let by_reference = match map.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            resolve(reference).is_none_or(|t| admits_null_within(t, resolve, depth + 1))
        }
        None => true,
    };
    by_type && by_value && by_branches && by_reference
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::{admits_null, PresenceTests};

    fn tests(schema: Value) -> PresenceTests {
        PresenceTests::of(schema.as_object().unwrap(), &|_| None)
    }

    #[test]
    fn own_properties_and_required_test_nothing() {
        let own = tests(json!({ "properties": { "a": {} }, "required": ["a"] }));
        assert_eq!(own, PresenceTests::default());
    }

    #[test]
    fn positive_places_test_required_counts_and_dependencies() {
        let found = tests(json!({
            "properties": { "a": {}, "b": {} },
            "allOf": [{ "required": ["a"], "properties": { "z": {} } }],
            "dependentRequired": { "c": ["d"] },
            "then": { "required": ["e"] }
        }));
        assert!(!found.counts_members);
        let names: Vec<&str> = found.names.iter().map(String::as_str).collect();
        assert_eq!(names, ["a", "d", "e"]);
        assert!(tests(json!({ "minProperties": 1 })).counts_members);
    }

    #[test]
    fn negative_places_test_every_mention() {
        let found = tests(json!({
            "if": { "properties": { "a": { "const": 1 } } },
            "oneOf": [{ "required": ["b"] }, { "dependentSchemas": { "c": {} } }],
            "not": { "properties": { "d": {} } }
        }));
        let names: Vec<&str> = found.names.iter().map(String::as_str).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert!(tests(json!({ "not": { "maxProperties": 1 } })).counts_members);
        assert!(tests(json!({ "$ref": "#/nowhere" })).counts_members);
    }

    #[test]
    fn null_is_admitted_by_type_value_and_branches() {
        let none = |_: &str| None;
        for yes in [
            json!({}),
            json!({ "type": ["string", "null"] }),
            json!({ "anyOf": [{ "type": "string" }, { "type": "null" }] }),
            json!({ "enum": ["a", null] }),
        ] {
            assert!(admits_null(&yes, &none), "{yes}");
        }
        for no in [
            json!({ "type": "string" }),
            json!({ "const": 1 }),
            json!({ "oneOf": [{ "type": "string" }, { "type": "integer" }] }),
            json!(false),
        ] {
            assert!(!admits_null(&no, &none), "{no}");
        }
    }
}
