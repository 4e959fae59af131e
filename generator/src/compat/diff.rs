//! Facts: the changes between two schemas, found by walking both in parallel. A change says
//! what differs and where, never whether it breaks anyone; that is `rules`' job.

use std::collections::BTreeSet;

use contracts_runtime::native::compare_numbers;
use serde_json::{Map, Value};

use crate::compat::schema::canonical;
use crate::compat::schema::resolve;
use crate::registry::position::escape_token;

/// One step of an instance path: where in a payload a change applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// A named property.
    Key(String),
    /// A key no property declares.
    AnyKey,
    /// A key matching this `patternProperties` pattern.
    Matching(String),
    /// A tuple position.
    Index(usize),
    /// Any array element.
    AnyIndex,
}

/// What differs between the old and the new schema at one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Stable rule id, for example `PROPERTY_REMOVED`.
    pub rule: &'static str,
    /// JSON Pointer into the old schema (empty when the place is new).
    pub old_pointer: String,
    /// JSON Pointer into the new schema.
    pub new_pointer: String,
    /// Where in a payload the change applies.
    pub path: Vec<Step>,
    /// The old value of the keyword, when it had one.
    pub old: Option<Value>,
    /// The new value of the keyword, when it has one.
    pub new: Option<Value>,
}

impl Change {
    /// The instance path as a JSON Pointer, `*` standing for any key or index.
    pub fn instance_pointer(&self) -> String {
        self.path
            .iter()
            .map(|s| match s {
                Step::Key(k) => format!("/{}", escape_token(k)),
                Step::AnyKey | Step::AnyIndex | Step::Matching(_) => "/*".to_owned(),
                Step::Index(i) => format!("/{i}"),
            })
            .collect()
    }
}

/// Every change from `old` to `new` (both self-contained: local `$ref`s only).
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut walk = Walk {
        old_root: old,
        new_root: new,
        changes: Vec::new(),
        seen: BTreeSet::new(),
    };
    walk.walk(old, new, String::new(), String::new(), Vec::new(), 0);
    walk.changes
}

struct Walk<'a> {
    old_root: &'a Value,
    new_root: &'a Value,
    changes: Vec<Change>,
    seen: BTreeSet<(String, String)>,
}

/// Keywords that bound a value from below: raising them narrows the schema.
const LOWER_BOUNDS: [&str; 5] = [
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
];
/// Keywords that bound a value from above: lowering them narrows the schema.
const UPPER_BOUNDS: [&str; 5] = [
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];
/// Keywords compared as a whole, whose change may narrow or widen.
const OPAQUE: [(&str, &str); 4] = [
    ("pattern", "PATTERN_CHANGED"),
    ("format", "FORMAT_CHANGED"),
    ("multipleOf", "MULTIPLE_OF_CHANGED"),
    ("dependentRequired", "DEPENDENT_REQUIRED_CHANGED"),
];

/// Keywords holding one subschema: a change of their text is reported as a whole; equal text
/// whose references lead to different schemas is walked into. The step says where in the
/// payload the subschema applies (`None`: at the same place).
const NESTED: [(&str, &str, Option<Step>); 5] = [
    ("contains", "CONTAINS_CHANGED", Some(Step::AnyIndex)),
    ("not", "NOT_CHANGED", None),
    ("propertyNames", "PROPERTY_NAMES_CHANGED", None),
    ("if", "CONDITIONAL_CHANGED", None),
    ("contentSchema", "CONDITIONAL_CHANGED", None),
];

impl Walk<'_> {
    #[allow(clippy::too_many_arguments)]
    fn change(
        &mut self,
        rule: &'static str,
        op: &str,
        np: &str,
        path: &[Step],
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        self.changes.push(Change {
            rule,
            old_pointer: op.to_owned(),
            new_pointer: np.to_owned(),
            path: path.to_vec(),
            old: old.cloned(),
            new: new.cloned(),
        });
    }

    fn walk(
        &mut self,
        old: &Value,
        new: &Value,
        op: String,
        np: String,
        path: Vec<Step>,
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        let (old, op) = follow(self.old_root, old, op);
        let (new, np) = follow(self.new_root, new, np);
        if old == new && !references_differ(old) {
            return;
        }
        if !self.seen.insert((op.clone(), np.clone())) {
            return;
        }
        let (Some(o), Some(n)) = (as_map(old), as_map(new)) else {
            self.change("SCHEMA_REPLACED", &op, &np, &path, Some(old), Some(new));
            return;
        };
        // Splitting an object into allOf parts is a refactor, not a change: compare merged.
        let o = flatten_all_of(o, self.old_root, 0);
        let n = flatten_all_of(n, self.new_root, 0);
        if o == n && !references_differ(&Value::Object(o.clone())) {
            return;
        }
        self.compare_types(&o, &n, &op, &np, &path);
        self.compare_values(&o, &n, &op, &np, &path);
        for key in LOWER_BOUNDS.iter().chain(UPPER_BOUNDS.iter()) {
            let (a, b) = (o.get(*key), n.get(*key));
            if a == b {
                continue;
            }
            let lower = LOWER_BOUNDS.contains(key);
            let tightened = match (a.and_then(Value::as_number), b.and_then(Value::as_number)) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(x), Some(y)) => {
                    let order = compare_numbers(y, x);
                    if lower {
                        order == Some(std::cmp::Ordering::Greater)
                    } else {
                        order == Some(std::cmp::Ordering::Less)
                    }
                }
                // A draft-04 boolean `exclusiveMinimum`/`exclusiveMaximum` appeared or went.
                (None, None) => b.is_some_and(|v| v != &Value::Bool(false)),
            };
            let rule = if tightened {
                "BOUND_TIGHTENED"
            } else {
                "BOUND_LOOSENED"
            };
            self.change(
                rule,
                &format!("{op}/{key}"),
                &format!("{np}/{key}"),
                &path,
                a,
                b,
            );
        }
        if o.get("uniqueItems") != n.get("uniqueItems") {
            let added = n.get("uniqueItems") == Some(&Value::Bool(true));
            let rule = if added {
                "UNIQUE_ITEMS_ADDED"
            } else {
                "UNIQUE_ITEMS_REMOVED"
            };
            self.change(
                rule,
                &op,
                &np,
                &path,
                o.get("uniqueItems"),
                n.get("uniqueItems"),
            );
        }
        for (key, rule) in OPAQUE {
            if o.get(key) != n.get(key) {
                self.change(
                    rule,
                    &format!("{op}/{key}"),
                    &format!("{np}/{key}"),
                    &path,
                    o.get(key),
                    n.get(key),
                );
            }
        }
        self.compare_nested(&o, &n, &op, &np, &path, depth);
        self.compare_object(&o, &n, &op, &np, &path, depth);
        self.compare_array(&o, &n, &op, &np, &path, depth);
        self.compare_combinators(&o, &n, &op, &np, &path, depth);
    }

    fn compare_types(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        op: &str,
        np: &str,
        path: &[Step],
    ) {
        let (a, b) = (type_set(o), type_set(n));
        if a == b {
            return;
        }
        let narrowed = a.iter().any(|t| !admits(&b, t));
        let widened = b.iter().any(|t| !admits(&a, t));
        if narrowed {
            self.change("TYPE_NARROWED", op, np, path, o.get("type"), n.get("type"));
        }
        if widened {
            self.change("TYPE_WIDENED", op, np, path, o.get("type"), n.get("type"));
        }
    }

    fn compare_values(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        op: &str,
        np: &str,
        path: &[Step],
    ) {
        let values = |m: &Map<String, Value>| -> Option<Vec<Value>> {
            m.get("const")
                .map(|c| vec![c.clone()])
                .or_else(|| m.get("enum").and_then(Value::as_array).cloned())
        };
        let (a, b) = (values(o), values(n));
        if a == b {
            return;
        }
        match (&a, &b) {
            (Some(a), Some(b)) => {
                // Sets of canonical texts: large enums compare in linear time.
                let set = |values: &[Value]| -> std::collections::HashSet<String> {
                    values.iter().map(canonical).collect()
                };
                let (sa, sb) = (set(a), set(b));
                if sa.iter().any(|v| !sb.contains(v)) {
                    self.change(
                        "ENUM_NARROWED",
                        op,
                        np,
                        path,
                        Some(&Value::Array(a.clone())),
                        Some(&Value::Array(b.clone())),
                    );
                }
                if sb.iter().any(|v| !sa.contains(v)) {
                    self.change(
                        "ENUM_WIDENED",
                        op,
                        np,
                        path,
                        Some(&Value::Array(a.clone())),
                        Some(&Value::Array(b.clone())),
                    );
                }
            }
            (None, Some(b)) => self.change(
                "ENUM_NARROWED",
                op,
                np,
                path,
                None,
                Some(&Value::Array(b.clone())),
            ),
            (Some(a), None) => self.change(
                "ENUM_WIDENED",
                op,
                np,
                path,
                Some(&Value::Array(a.clone())),
                None,
            ),
            (None, None) => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_object(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        op: &str,
        np: &str,
        path: &[Step],
        depth: usize,
    ) {
        let empty = Map::new();
        let (po, pn) = (
            o.get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
            n.get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
        );
        for (name, schema) in po {
            let mut child = path.to_vec();
            child.push(Step::Key(name.clone()));
            let (cop, cnp) = (
                format!("{op}/properties/{}", escape_token(name)),
                format!("{np}/properties/{}", escape_token(name)),
            );
            match pn.get(name) {
                Some(other) => self.walk(schema, other, cop, cnp, child, depth + 1),
                None => self.change("PROPERTY_REMOVED", &cop, np, &child, Some(schema), None),
            }
        }
        for (name, schema) in pn {
            if !po.contains_key(name) {
                let mut child = path.to_vec();
                child.push(Step::Key(name.clone()));
                self.change(
                    "PROPERTY_ADDED",
                    op,
                    &format!("{np}/properties/{}", escape_token(name)),
                    &child,
                    None,
                    Some(schema),
                );
            }
        }
        let names = |m: &Map<String, Value>| -> BTreeSet<String> {
            m.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let (ro, rn) = (names(o), names(n));
        for name in rn.difference(&ro) {
            let mut child = path.to_vec();
            child.push(Step::Key(name.clone()));
            self.change(
                "REQUIRED_ADDED",
                &format!("{op}/required"),
                &format!("{np}/required"),
                &child,
                None,
                Some(&Value::from(name.clone())),
            );
        }
        for name in ro.difference(&rn) {
            let mut child = path.to_vec();
            child.push(Step::Key(name.clone()));
            self.change(
                "REQUIRED_REMOVED",
                &format!("{op}/required"),
                &format!("{np}/required"),
                &child,
                Some(&Value::from(name.clone())),
                None,
            );
        }
        let (ao, an) = (o.get("additionalProperties"), n.get("additionalProperties"));
        if ao != an || ao.is_some_and(references_differ) {
            let mut child = path.to_vec();
            child.push(Step::AnyKey);
            let (cop, cnp) = (
                format!("{op}/additionalProperties"),
                format!("{np}/additionalProperties"),
            );
            let open = Value::Bool(true);
            self.walk(
                ao.unwrap_or(&open),
                an.unwrap_or(&open),
                cop,
                cnp,
                child,
                depth + 1,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_array(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        op: &str,
        np: &str,
        path: &[Step],
        depth: usize,
    ) {
        let tuple = |m: &Map<String, Value>| -> (String, Vec<Value>) {
            match (m.get("prefixItems"), m.get("items")) {
                (Some(Value::Array(p)), _) => ("prefixItems".to_owned(), p.clone()),
                (_, Some(Value::Array(p))) => ("items".to_owned(), p.clone()),
                _ => (String::new(), Vec::new()),
            }
        };
        let rest = |m: &Map<String, Value>| -> (String, Value) {
            match (m.get("items"), m.get("additionalItems")) {
                (Some(items), _) if !items.is_array() => ("items".to_owned(), items.clone()),
                (Some(Value::Array(_)), Some(extra)) => {
                    ("additionalItems".to_owned(), extra.clone())
                }
                _ => (String::new(), Value::Bool(true)),
            }
        };
        let ((tko, to), (tkn, tn)) = (tuple(o), tuple(n));
        let ((rko, ro), (rkn, rn)) = (rest(o), rest(n));
        for i in 0..to.len().max(tn.len()) {
            let a = to.get(i).unwrap_or(&ro);
            let b = tn.get(i).unwrap_or(&rn);
            let cop = if i < to.len() {
                format!("{op}/{tko}/{i}")
            } else {
                format!("{op}/{rko}")
            };
            let cnp = if i < tn.len() {
                format!("{np}/{tkn}/{i}")
            } else {
                format!("{np}/{rkn}")
            };
            let mut child = path.to_vec();
            child.push(Step::Index(i));
            self.walk(a, b, cop, cnp, child, depth + 1);
        }
        if ro != rn || references_differ(&ro) {
            let mut child = path.to_vec();
            child.push(Step::AnyIndex);
            self.walk(
                &ro,
                &rn,
                format!("{op}/{rko}"),
                format!("{np}/{rkn}"),
                child,
                depth + 1,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_combinators(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        op: &str,
        np: &str,
        path: &[Step],
        depth: usize,
    ) {
        for key in ["anyOf", "oneOf", "allOf"] {
            let (a, b) = (
                o.get(key).and_then(Value::as_array),
                n.get(key).and_then(Value::as_array),
            );
            if a == b && !a.is_some_and(|x| x.iter().any(references_differ)) {
                continue;
            }
            let (a, b) = (
                a.cloned().unwrap_or_default(),
                b.cloned().unwrap_or_default(),
            );
            if a.len() == b.len() && !a.is_empty() {
                for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                    self.walk(
                        x,
                        y,
                        format!("{op}/{key}/{i}"),
                        format!("{np}/{key}/{i}"),
                        path.to_vec(),
                        depth + 1,
                    );
                }
                continue;
            }
            for (i, branch) in a.iter().enumerate() {
                if !b.contains(branch) {
                    let rule = if key == "allOf" {
                        "ALL_OF_CHANGED"
                    } else {
                        "BRANCH_REMOVED"
                    };
                    self.change(
                        rule,
                        &format!("{op}/{key}/{i}"),
                        &format!("{np}/{key}"),
                        path,
                        Some(branch),
                        None,
                    );
                }
            }
            for (i, branch) in b.iter().enumerate() {
                if !a.contains(branch) {
                    let rule = if key == "allOf" {
                        "ALL_OF_CHANGED"
                    } else {
                        "BRANCH_ADDED"
                    };
                    self.change(
                        rule,
                        &format!("{op}/{key}"),
                        &format!("{np}/{key}/{i}"),
                        path,
                        None,
                        Some(branch),
                    );
                }
            }
        }
    }

    /// Every other place a subschema can sit: `not`, `if` and the like as a whole (walked
    /// into when only what their references lead to changed), `then`, `else`, `$ref` beside
    /// other keywords, `unevaluated*`, and the per-key maps (`patternProperties`,
    /// `dependentSchemas`, schema-valued `dependencies`) key by key.
    #[allow(clippy::too_many_arguments)]
    fn compare_nested(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        op: &str,
        np: &str,
        path: &[Step],
        depth: usize,
    ) {
        let open = Value::Bool(true);
        for (key, rule, step) in NESTED {
            let (a, b) = (o.get(key), n.get(key));
            let child = |path: &[Step]| {
                let mut child = path.to_vec();
                child.extend(step.clone());
                child
            };
            if a != b {
                self.change(
                    rule,
                    &format!("{op}/{key}"),
                    &format!("{np}/{key}"),
                    path,
                    a,
                    b,
                );
            } else if let Some(a) = a.filter(|a| references_differ(a)) {
                self.walk(
                    a,
                    b.unwrap_or(a),
                    format!("{op}/{key}"),
                    format!("{np}/{key}"),
                    child(path),
                    depth + 1,
                );
            }
        }
        for (key, step) in [
            ("then", None),
            ("else", None),
            ("unevaluatedProperties", Some(Step::AnyKey)),
            ("unevaluatedItems", Some(Step::AnyIndex)),
        ] {
            let (a, b) = (o.get(key), n.get(key));
            if a != b || a.is_some_and(references_differ) {
                let mut child = path.to_vec();
                child.extend(step);
                self.walk(
                    a.unwrap_or(&open),
                    b.unwrap_or(&open),
                    format!("{op}/{key}"),
                    format!("{np}/{key}"),
                    child,
                    depth + 1,
                );
            }
        }
        // A `$ref` beside other keywords is one more conjunct: its target is walked.
        let target = |m: &Map<String, Value>, root| {
            m.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| resolve(root, r).map(|t| (t, r.to_owned())))
        };
        match (target(o, self.old_root), target(n, self.new_root)) {
            (None, None) => {}
            (a, b) => {
                let pointer = |t: &Option<(&Value, String)>, fallback: &str| {
                    t.as_ref().map_or(fallback.to_owned(), |(_, r)| {
                        crate::registry::position::percent_decode(r.trim_start_matches('#'))
                            .unwrap_or_default()
                    })
                };
                let (pa, pb) = (pointer(&a, op), pointer(&b, np));
                self.walk(
                    a.map_or(&open, |(t, _)| t),
                    b.map_or(&open, |(t, _)| t),
                    pa,
                    pb,
                    path.to_vec(),
                    depth + 1,
                );
            }
        }
        for (key, rule, step) in [
            ("patternProperties", "PATTERN_PROPERTIES_CHANGED", true),
            ("dependentSchemas", "CONDITIONAL_CHANGED", false),
            ("dependencies", "DEPENDENT_REQUIRED_CHANGED", false),
        ] {
            let (a, b) = (o.get(key), n.get(key));
            if a == b && !a.is_some_and(references_differ) {
                continue;
            }
            let empty = Map::new();
            let (ma, mb) = (
                a.and_then(Value::as_object).unwrap_or(&empty),
                b.and_then(Value::as_object).unwrap_or(&empty),
            );
            for (name, x) in ma {
                let y = mb.get(name);
                let (cop, cnp) = (
                    format!("{op}/{key}/{}", escape_token(name)),
                    format!("{np}/{key}/{}", escape_token(name)),
                );
                match y {
                    Some(y) if x.is_array() || y.is_array() => {
                        if x != y {
                            self.change(rule, &cop, &cnp, path, Some(x), Some(y));
                        }
                    }
                    Some(y) => {
                        let mut child = path.to_vec();
                        if step {
                            child.push(Step::Matching(name.clone()));
                        }
                        self.walk(x, y, cop, cnp, child, depth + 1);
                    }
                    None => self.change(rule, &cop, &format!("{np}/{key}"), path, Some(x), None),
                }
            }
            for (name, y) in mb {
                if !ma.contains_key(name) {
                    self.change(
                        rule,
                        &format!("{op}/{key}"),
                        &format!("{np}/{key}/{}", escape_token(name)),
                        path,
                        None,
                        Some(y),
                    );
                }
            }
        }
    }
}

/// Follows a schema that is only a `$ref` to what it references.
fn follow<'v>(root: &'v Value, mut node: &'v Value, mut pointer: String) -> (&'v Value, String) {
    for _ in 0..32 {
        let Some(Value::String(reference)) = node.get("$ref") else {
            break;
        };
        if node.as_object().is_some_and(|m| {
            m.keys().any(|k| {
                !matches!(
                    k.as_str(),
                    "$ref"
                        | "description"
                        | "title"
                        | "$comment"
                        | "$defs"
                        | "definitions"
                        | "$schema"
                        | "$id"
                )
            })
        }) {
            break;
        }
        match resolve(root, reference) {
            Some(target) => {
                node = target;
                pointer =
                    crate::registry::position::percent_decode(reference.trim_start_matches('#'))
                        .unwrap_or_default();
            }
            None => break,
        }
    }
    (node, pointer)
}

/// Equal text may still mean different schemas when it contains references.
fn references_differ(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(references_differ),
        Value::Array(items) => items.iter().any(references_differ),
        _ => false,
    }
}

/// `map` with its `allOf` parts merged in, when they merge without conflict (the same
/// keyword with different values stays an `allOf`, and is compared as such).
fn flatten_all_of(map: Map<String, Value>, root: &Value, depth: usize) -> Map<String, Value> {
    let Some(Value::Array(parts)) = map.get("allOf") else {
        return map;
    };
    if depth > 8 {
        return map;
    }
    let mut merged = map.clone();
    merged.shift_remove("allOf");
    for part in parts {
        let (part, _) = follow(root, part, String::new());
        let Some(part) = part.as_object() else {
            return map;
        };
        let part = flatten_all_of(part.clone(), root, depth + 1);
        for (key, value) in part {
            if matches!(
                key.as_str(),
                "$defs" | "definitions" | "$schema" | "$id" | "$comment" | "title" | "description"
            ) {
                continue;
            }
            let combined = match (key.as_str(), merged.get(&key)) {
                (_, None) => value,
                (_, Some(existing)) if *existing == value => value,
                ("required", Some(Value::Array(existing))) => {
                    let mut all = existing.clone();
                    all.extend(
                        value
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter(|v| !existing.contains(v))
                            .cloned(),
                    );
                    Value::Array(all)
                }
                ("properties", Some(Value::Object(existing))) => {
                    let Value::Object(extra) = value else {
                        return map;
                    };
                    let mut properties = existing.clone();
                    for (name, schema) in extra {
                        match properties.get(&name) {
                            Some(current) if *current != schema => return map,
                            _ => {
                                properties.insert(name, schema);
                            }
                        }
                    }
                    Value::Object(properties)
                }
                _ => return map,
            };
            merged.insert(key, combined);
        }
    }
    merged
}

fn as_map(value: &Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map.clone()),
        Value::Bool(true) => Some(Map::new()),
        _ => None,
    }
}

const ALL_TYPES: [&str; 7] = [
    "array", "boolean", "integer", "null", "number", "object", "string",
];

fn type_set(map: &Map<String, Value>) -> BTreeSet<String> {
    match map.get("type") {
        Some(Value::String(t)) => BTreeSet::from([t.clone()]),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => ALL_TYPES.iter().map(|t| (*t).to_owned()).collect(),
    }
}

fn admits(types: &BTreeSet<String>, t: &str) -> bool {
    types.contains(t) || (t == "integer" && types.contains("number"))
}
