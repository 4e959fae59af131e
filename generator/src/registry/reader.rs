//! What a generated consumer accepts: the writer's schema with objects opened where that only
//! ever widens it.
//!
//! A consumer ignores members it does not know, so `additionalProperties: false` and
//! `unevaluatedProperties: false` are removed from the objects it reads as structs. Removing
//! them widens the object's subschema; the whole schema widens with it only where every
//! keyword on the way from the root is monotone (a wider child never makes the parent refuse).
//! `not`, `if`, a `oneOf` whose branches are not told apart by a required constant, and a
//! `contains` bounded by `maxContains` are not: opening under them could make a payload match
//! two branches, pick another `then`, or count more items, so what is under them (and every
//! definition they reference) stays as written. Objects typed as maps (`patternProperties`, or
//! no `properties`) stay closed too: a map holds every key it reads, so a key the writer
//! refuses would come back out of the consumer's `encode()`. Nor do objects with a keyword that
//! counts their members or tests for one they do not declare (`minProperties`, a `required`
//! in an `anyOf`): the struct would drop the unknown member the test saw.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::registry::position::percent_decode;
use crate::registry::presence::PresenceTests;

/// The reader schema of `schema` (see the module doc).
pub fn reader_schema(schema: &Value) -> Value {
    let mut held = Held::default();
    held.walk(schema, schema, "", false);
    let mut reader = schema.clone();
    open(&mut reader, "", &held, false);
    reader
}

/// Where objects must stay closed: JSON Pointers of subschemas reachable from a position
/// where widening is not safe.
#[derive(Default)]
struct Held {
    pointers: BTreeSet<String>,
    /// A reference that could not be followed was reached from such a position: no
    /// definition is opened.
    all_definitions: bool,
    /// Definitions walked in the monotone mode, so recursion ends.
    walked: BTreeSet<String>,
    /// Objects that stay closed themselves (what is below them may open): a keyword tests
    /// for members they do not declare, which their struct would drop (see `presence`).
    closed: BTreeSet<String>,
}

impl Held {
    /// Walks `node` (at `pointer` in `root`); `held` when a non-monotone keyword is above it.
    fn walk(&mut self, root: &Value, node: &Value, pointer: &str, held: bool) {
        let Value::Object(map) = node else { return };
        if let Some(Value::String(reference)) = map.get("$ref") {
            match local_pointer(reference) {
                Some(target) => {
                    let seen = if held {
                        !self.pointers.insert(target.clone())
                    } else {
                        !self.walked.insert(target.clone())
                    };
                    if !seen {
                        if let Some(next) = root.pointer(&target) {
                            self.walk(root, next, &target, held);
                        }
                    }
                }
                None if held => self.all_definitions = true,
                None => {}
            }
        }
        if held {
            self.pointers.insert(pointer.to_owned());
        }
        if let Some(Value::Object(properties)) = map.get("properties") {
            let resolve = |r: &str| root.pointer(&local_pointer(r)?);
            if PresenceTests::of(map, &resolve).tests_undeclared(|n| properties.contains_key(n)) {
                self.closed.insert(pointer.to_owned());
            }
        }
        for (key, child) in map {
            let child_held = held
                || match key.as_str() {
                    "not" | "if" => true,
                    "oneOf" => !discriminated(root, child),
                    "contains" => map.contains_key("maxContains"),
                    _ => false,
                };
            for_each_subschema(key, child, pointer, |sub, at| {
                self.walk(root, sub, &at, child_held);
            });
        }
    }
}

/// Keywords that apply other subschemas to the same object and so may declare members its
/// `properties` do not.
pub(crate) const DECLARES_ELSEWHERE: [&str; 8] = [
    "allOf",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependencies",
    "$ref",
    "$dynamicRef",
];

/// Removes the closing keywords from the objects of `node` that are not held.
fn open(node: &mut Value, pointer: &str, held: &Held, in_definitions: bool) {
    if held.pointers.contains(pointer) || (in_definitions && held.all_definitions) {
        return;
    }
    let Value::Object(map) = node else { return };
    let struct_like = map
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
        && !map.contains_key("patternProperties")
        && !held.closed.contains(pointer);
    if struct_like {
        if map.get("additionalProperties") == Some(&Value::Bool(false)) {
            map.shift_remove("additionalProperties");
        }
        // Members an `allOf`, a `then`, a reference … declares beside `properties` are kept by
        // the type in a map of their own (see the code emitter's `typify_input`), so such an
        // object stays closed as written.
        let elsewhere = DECLARES_ELSEWHERE.iter().any(|k| map.contains_key(*k));
        if map.get("unevaluatedProperties") == Some(&Value::Bool(false)) && !elsewhere {
            map.shift_remove("unevaluatedProperties");
        }
    }
    for (key, child) in map.iter_mut() {
        let definitions = in_definitions || matches!(key.as_str(), "$defs" | "definitions");
        for_each_subschema_mut(key, child, pointer, |sub, at| {
            open(sub, &at, held, definitions);
        });
    }
}

/// Whether the branches of a `oneOf` are told apart by one property every branch requires
/// with a distinct constant string: then at most one branch can match whatever the rest of
/// the payload holds, and opening the branches cannot make two of them match.
fn discriminated(root: &Value, branches: &Value) -> bool {
    let Some(branches) = branches.as_array() else {
        return false;
    };
    // The schema a branch is, through up to eight references.
    fn resolve<'v>(root: &'v Value, branch: &'v Value) -> Option<&'v Value> {
        let mut node = branch;
        for _ in 0..8 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(reference) => node = root.pointer(&local_pointer(reference)?)?,
                None => return Some(node),
            }
        }
        None
    }
    tags_tell_apart(branches.iter().map(|b| {
        resolve(root, b)
            .and_then(Value::as_object)
            .and_then(branch_tag)
    }))
}

/// The property a union branch requires with one constant string, and that string.
pub(crate) fn branch_tag(branch: &serde_json::Map<String, Value>) -> Option<(&str, &str)> {
    let required = branch.get("required")?.as_array()?;
    branch
        .get("properties")?
        .as_object()?
        .iter()
        .find_map(|(name, property)| {
            let value = match (property.get("const"), property.get("enum")) {
                (Some(Value::String(value)), _) => value.as_str(),
                (None, Some(Value::Array(values))) if values.len() == 1 => values[0].as_str()?,
                _ => return None,
            };
            required
                .iter()
                .any(|r| r == name)
                .then_some((name.as_str(), value))
        })
}

/// Whether every branch has a tag (see [`branch_tag`]), all on one property, no two alike.
pub(crate) fn tags_tell_apart<'a>(
    tags: impl IntoIterator<Item = Option<(&'a str, &'a str)>>,
) -> bool {
    let Some(tags) = tags.into_iter().collect::<Option<Vec<_>>>() else {
        return false;
    };
    let values: BTreeSet<&str> = tags.iter().map(|(_, value)| *value).collect();
    tags.len() > 1 && tags.iter().all(|(name, _)| *name == tags[0].0) && values.len() == tags.len()
}

/// `#/a/b` → `/a/b`, `#` → ``; `None` for anything that is not a pointer into this document.
fn local_pointer(reference: &str) -> Option<String> {
    let pointer = percent_decode(reference.strip_prefix('#')?)?;
    (pointer.is_empty() || pointer.starts_with('/')).then_some(pointer)
}

/// Keywords whose value is one subschema.
pub(crate) const ONE: [&str; 11] = [
    "not",
    "if",
    "then",
    "else",
    "contains",
    "items",
    "additionalItems",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "propertyNames",
];
/// Keywords whose value is an array of subschemas.
pub(crate) const LISTS: [&str; 5] = ["allOf", "anyOf", "oneOf", "prefixItems", "items"];
/// Keywords whose value maps names to subschemas.
pub(crate) const MAPS: [&str; 6] = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn for_each_subschema(key: &str, value: &Value, pointer: &str, mut f: impl FnMut(&Value, String)) {
    match value {
        Value::Array(items) if LISTS.contains(&key) => {
            for (i, item) in items.iter().enumerate() {
                f(item, format!("{pointer}/{key}/{i}"));
            }
        }
        Value::Object(map) if MAPS.contains(&key) => {
            for (name, item) in map {
                f(item, format!("{pointer}/{}/{}", escape(key), escape(name)));
            }
        }
        _ if ONE.contains(&key) => f(value, format!("{pointer}/{key}")),
        _ => {}
    }
}

fn for_each_subschema_mut(
    key: &str,
    value: &mut Value,
    pointer: &str,
    mut f: impl FnMut(&mut Value, String),
) {
    match value {
        Value::Array(items) if LISTS.contains(&key) => {
            for (i, item) in items.iter_mut().enumerate() {
                f(item, format!("{pointer}/{key}/{i}"));
            }
        }
        Value::Object(map) if MAPS.contains(&key) => {
            for (name, item) in map.iter_mut() {
                f(item, format!("{pointer}/{}/{}", escape(key), escape(name)));
            }
        }
        _ if ONE.contains(&key) => f(value, format!("{pointer}/{key}")),
        _ => {}
    }
}
