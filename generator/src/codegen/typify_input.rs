//! What typify is given: a copy of each schema reduced to what it maps to a precise type.
//!
//! Constraint keywords typify cannot express are removed, which only ever widens the Rust type;
//! the validator still enforces them on the full schema. Nothing is dropped from what is checked.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::registry::presence::{admits_null, PresenceTests};
use crate::registry::reader::{branch_tag, tags_tell_apart, DECLARES_ELSEWHERE, MAPS};

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
                if MAPS.contains(&key.as_str()) {
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
/// siblings and array `items`; `definitions` are the `$defs` that `#/$defs/<name>` names.
pub(crate) fn for_typify(
    schema: &Value,
    draft7: bool,
    definitions: &BTreeMap<String, Value>,
) -> Value {
    Reducer {
        draft7,
        definitions,
    }
    .reduce(schema)
}

struct Reducer<'a> {
    draft7: bool,
    definitions: &'a BTreeMap<String, Value>,
}

impl Reducer<'_> {
    fn reduce(&self, schema: &Value) -> Value {
        let mut out = self.reduce_node(schema);
        if let Value::Object(map) = schema {
            self.keep_presence(map, &mut out);
        }
        out
    }

    fn reduce_node(&self, schema: &Value) -> Value {
        let draft7 = self.draft7;
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
            return self.reduce(&Value::Object(rest));
        }
        if let Some(union) = self.union_of_objects(map) {
            return union;
        }
        let tuple =
            map.contains_key("prefixItems") || map.get("items").is_some_and(Value::is_array);
        let pattern_keys = map.contains_key("patternProperties");
        for (key, value) in map {
            match key.as_str() {
                "properties" => {
                    let properties = value
                        .as_object()
                        .map(|p| p.iter().map(|(k, v)| (k.clone(), self.reduce(v))).collect())
                        .unwrap_or_default();
                    out.insert(key.clone(), Value::Object(properties));
                }
                "items" if tuple => {}
                "items" => {
                    out.insert(key.clone(), self.reduce(value));
                }
                // Closed objects stay open in Rust: generated consumers ignore unknown keys, and a
                // typed struct cannot carry them when producing.
                "additionalProperties" if value.is_object() && !pattern_keys => {
                    out.insert(key.clone(), self.reduce(value));
                }
                "additionalProperties" => {}
                k if COMBINATORS.contains(&k) => {
                    let branches = value
                        .as_array()
                        .map(|b| b.iter().map(|s| self.reduce(s)).collect())
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
        if keeps_members_declared_elsewhere(map) {
            out.insert("additionalProperties".into(), Value::Object(Map::new()));
        }
        Value::Object(out)
    }
}

/// Doc sentence of a member kept as written whose value may be `null` (read by `presence`
/// in the code emitter: the field becomes `Option<Option<T>>`).
pub(crate) const KEEPS_NULL: &str =
    "Kept as written: a keyword tests whether this member is there, so `null` is not absent.";
/// Doc sentence of a member kept as written otherwise (an empty array or map stays).
pub(crate) const KEEPS_EMPTY: &str =
    "Kept as written: a keyword tests whether this member is there, so an empty value stays.";

impl Reducer<'_> {
    /// The target of a `#/$defs/<name>` reference.
    fn definition(&self, reference: &str) -> Option<&Value> {
        let name = reference.strip_prefix("#/$defs/")?;
        self.definitions
            .get(&name.replace("~1", "/").replace("~0", "~"))
    }

    /// Where a keyword of `map` tests whether a member is there (see `registry::presence`),
    /// the reduced object `out` keeps what the struct would otherwise change: members it does
    /// not declare (a map of them) and, for the members tested, `null`, `[]` and `{}` as
    /// written and no `default` filled in.
    fn keep_presence(&self, map: &Map<String, Value>, out: &mut Value) {
        let resolve = |r: &str| self.definition(r);
        let tests = PresenceTests::of(map, &resolve);
        if tests == PresenceTests::default() {
            return;
        }
        let Value::Object(out) = out else { return };
        let Some(Value::Object(properties)) = out.get_mut("properties") else {
            return;
        };
        for (name, property) in properties.iter_mut() {
            let Value::Object(property) = property else {
                continue;
            };
            if !tests.tests(name) {
                continue;
            }
            property.shift_remove("default");
            let schema = Value::Object(property.clone());
            let sentence = if admits_null(&schema, &resolve) {
                KEEPS_NULL
            } else if may_be_collection(&schema, &resolve) {
                KEEPS_EMPTY
            } else {
                continue;
            };
            let description = match property.get("description").and_then(Value::as_str) {
                Some(text) if text.contains(sentence) => continue,
                Some(text) => format!("{text}\n\n{sentence}"),
                None => sentence.to_owned(),
            };
            property.insert("description".into(), Value::from(description));
        }
        let declared: BTreeSet<String> = properties.keys().cloned().collect();
        let open = [
            "additionalProperties",
            "patternProperties",
            "unevaluatedProperties",
        ]
        .iter()
        .all(|k| !map.contains_key(*k));
        if open && tests.tests_undeclared(|n| declared.contains(n)) {
            out.insert("additionalProperties".into(), Value::Object(Map::new()));
        }
    }
}

/// Keywords an `anyOf`/`oneOf` branch may have for its properties to be merged into one
/// struct; the constraints among them are left to the validator.
const MERGEABLE: [&str; 13] = [
    "type",
    "properties",
    "required",
    "additionalProperties",
    "unevaluatedProperties",
    "minProperties",
    "maxProperties",
    "dependentRequired",
    "propertyNames",
    "title",
    "description",
    "$comment",
    "examples",
];

impl Reducer<'_> {
    /// A union in which a payload object could match more than one branch, typed so that no
    /// member of a valid payload is lost: typify would make it an untagged enum in which the
    /// first branch serde can read wins and the members only other branches name are dropped.
    /// Branches that are plain objects become one struct with every branch's properties
    /// (required where every branch requires them; which combinations are valid is left to the
    /// validator); any other such union becomes any JSON value. `None`: the union is safe to
    /// type as typify does (at most one branch can be an object, or a `oneOf` told apart by a
    /// required constant).
    fn union_of_objects(&self, map: &Map<String, Value>) -> Option<Value> {
        let outer_type = map.get("type").and_then(Value::as_str);
        if outer_type.is_some_and(|t| t != "object") {
            return None;
        }
        let outer_object = outer_type.is_some();
        let (keyword, branches) = match (map.get("anyOf"), map.get("oneOf")) {
            (Some(Value::Array(b)), None) => ("anyOf", b),
            (None, Some(Value::Array(b))) => ("oneOf", b),
            (None, None) => return None,
            _ => return Some(self.any_value(map)),
        };
        let resolved: Vec<Option<&Map<String, Value>>> =
            branches.iter().map(|b| self.resolve(b)).collect();
        let objects = resolved
            .iter()
            .filter(|b| b.is_none_or(|b| outer_object || may_be_object(b)))
            .count();
        let tagged = || tags_tell_apart(resolved.iter().map(|b| b.and_then(branch_tag)));
        if objects <= 1 || (keyword == "oneOf" && tagged()) {
            return None;
        }
        let mergeable = resolved.iter().all(|branch| {
            branch.is_some_and(|b| {
                b.keys().all(|k| MERGEABLE.contains(&k.as_str()))
                    && (outer_object || b.get("type").and_then(Value::as_str) == Some("object"))
            })
        });
        if !mergeable {
            return Some(self.any_value(map));
        }
        let branches: Vec<&Map<String, Value>> = resolved.into_iter().flatten().collect();
        let mut merged = map.clone();
        merged.shift_remove(keyword);
        merged.insert("type".into(), Value::from("object"));
        let mut properties = merged
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let names: Vec<String> = branches
            .iter()
            .filter_map(|b| b.get("properties").and_then(Value::as_object))
            .flat_map(|p| p.keys().cloned())
            .collect();
        for name in names {
            if properties.contains_key(&name) {
                continue;
            }
            let shapes: Vec<Value> = branches
                .iter()
                .filter_map(|b| b.get("properties")?.get(&name))
                .map(|s| self.reduce(s))
                .collect();
            let same = shapes.windows(2).all(|w| w[0] == w[1]);
            let shape = if same {
                shapes[0].clone()
            } else {
                Value::Object(Map::new())
            };
            properties.insert(name, shape);
        }
        merged.insert("properties".into(), Value::Object(properties));
        let required_by = |b: &Map<String, Value>, name: &Value| {
            b.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.contains(name))
        };
        let mut required: Vec<Value> = merged
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(first) = branches[0].get("required").and_then(Value::as_array) {
            for name in first {
                if branches.iter().all(|b| required_by(b, name)) && !required.contains(name) {
                    required.push(name.clone());
                }
            }
        }
        merged.insert("required".into(), Value::Array(required));
        Some(self.reduce(&Value::Object(merged)))
    }

    /// Any JSON value, keeping the node's description.
    fn any_value(&self, map: &Map<String, Value>) -> Value {
        let mut out = Map::new();
        if let Some(description) = map.get("description") {
            out.insert("description".into(), description.clone());
        }
        Value::Object(out)
    }

    /// The object schema a branch is, following `#/$defs/<name>` references; `None` when it
    /// is something else (a reference with siblings, to elsewhere, a boolean).
    fn resolve<'v>(&'v self, branch: &'v Value) -> Option<&'v Map<String, Value>> {
        let mut node = branch.as_object()?;
        for _ in 0..8 {
            let Some(reference) = node.get("$ref") else {
                return Some(node);
            };
            if node.len() > 1 {
                return None;
            }
            node = self.definition(reference.as_str()?)?.as_object()?;
        }
        None
    }
}

/// Marks a node whose `$ref` typify is not given (its target may declare members).
pub(crate) const UNRESOLVED_REF: &str = "x-unresolved-ref";

/// An open struct whose members may be declared beside its `properties` (in an `allOf`, a
/// `then`, a `dependentSchemas`, …): typed with a map of the other members too, so that none
/// is dropped. A closed one (`additionalProperties: false`) can have no member outside its
/// `properties`; one that is a map already needs nothing.
fn keeps_members_declared_elsewhere(map: &Map<String, Value>) -> bool {
    (map.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
        || map.contains_key("allOf"))
        && !map.contains_key("additionalProperties")
        && !map.contains_key("patternProperties")
        && (DECLARES_ELSEWHERE.iter().any(|k| map.contains_key(*k))
            || map.contains_key(UNRESOLVED_REF))
}

/// Whether a schema types as a `Vec` or a map, which typify leaves out when empty.
fn may_be_collection<'v>(schema: &Value, resolve: &dyn Fn(&str) -> Option<&'v Value>) -> bool {
    let mut node = schema;
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str).and_then(resolve) {
            Some(target) => node = target,
            None => break,
        }
    }
    let is = |name: &str| match node.get("type") {
        Some(Value::String(t)) => t == name,
        Some(Value::Array(types)) => types.iter().any(|t| t == name),
        _ => false,
    };
    is("array") || (is("object") && node.get("properties").is_none())
}

/// Whether a schema can accept an object: no `type`, or one that includes `object`.
fn may_be_object(schema: &Map<String, Value>) -> bool {
    match schema.get("type") {
        None => !schema.contains_key("const") && !schema.contains_key("enum"),
        Some(Value::String(t)) => t == "object",
        Some(Value::Array(types)) => types.iter().any(|t| t == "object"),
        Some(_) => true,
    }
}
