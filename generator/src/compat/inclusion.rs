//! Proofs of inclusion: every payload the writer schema accepts, the reader schema accepts
//! too. The prover is conservative: `true` is a proof, `false` only means "not proven". It
//! reads both schemas keyword by keyword (references followed, recursion assumed included
//! once a payload level has been descended), and is bounded by a step budget.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use contracts_runtime::native::compare_numbers;
use serde_json::{Map, Number, Value};

use crate::compat::schema::{canonical, matches, resolve};

/// Keywords that assert nothing.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "id",
    "$anchor",
    "$dynamicAnchor",
    "$comment",
    "$defs",
    "definitions",
    "$vocabulary",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "x-event",
];

/// Keywords that change nothing a validator decides, skipped when two schemas are compared
/// as text (identifiers and anchors stay: they move references).
const IGNORED_WHEN_COMPARING: &[&str] = &[
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "markdownDescription",
];

/// Keywords this prover reads on the reader side.
const UNDERSTOOD: &[&str] = &[
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "items",
    "prefixItems",
    "additionalItems",
    "contains",
    "minContains",
    "maxContains",
    "required",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "$ref",
];

const SKIP_ALL_OF: u8 = 1;
const SKIP_ANY_OF: u8 = 2;
const SKIP_ONE_OF: u8 = 4;
const SKIP_REF: u8 = 8;

/// One conjunct of the writer: a schema node, with the keywords already expanded skipped.
#[derive(Clone, Copy)]
struct Part<'a> {
    node: &'a Value,
    skip: u8,
}

impl<'a> Part<'a> {
    fn new(node: &'a Value) -> Self {
        Part { node, skip: 0 }
    }
    fn get(&self, key: &str) -> Option<&'a Value> {
        let skipped = match key {
            "allOf" => SKIP_ALL_OF,
            "anyOf" => SKIP_ANY_OF,
            "oneOf" => SKIP_ONE_OF,
            "$ref" => SKIP_REF,
            _ => 0,
        };
        if self.skip & skipped != 0 {
            return None;
        }
        self.node.get(key)
    }
}

/// Proves inclusions between subschemas of one writer root and one reader root.
pub(crate) struct Prover<'a> {
    writer: &'a Value,
    reader: &'a Value,
    /// Draft-07 and older: keywords beside a `$ref` are ignored.
    writer_ref_alone: bool,
    reader_ref_alone: bool,
    /// Pairs (writer node, reader node) under proof, with the payload depth they started at.
    assumed: HashMap<(usize, usize), usize>,
    steps: usize,
    /// Set when the budget ran out: nothing more is proven.
    exhausted: bool,
    /// Both roots are read by the same draft (same `$schema`), so equal text means equal sets.
    same_draft: bool,
    /// Pairs of nodes known to mean the same schema (or not).
    same: HashMap<(usize, usize), bool>,
}

/// Steps one prover may take: past them every answer is "not proven".
const BUDGET: usize = 200_000;
/// Enums longer than this are compared through sets of canonical texts only.
const LARGE_ENUM: usize = 64;
/// Payload levels a proof descends before it gives up.
const MAX_DEPTH: usize = 128;
/// Cases one writer `anyOf`/`oneOf` split may produce.
const MAX_CASES: usize = 64;

impl<'a> Prover<'a> {
    pub(crate) fn new(writer: &'a Value, reader: &'a Value) -> Self {
        Prover {
            writer,
            reader,
            writer_ref_alone: ref_alone(writer),
            reader_ref_alone: ref_alone(reader),
            assumed: HashMap::new(),
            steps: 0,
            exhausted: false,
            same_draft: writer.get("$schema") == reader.get("$schema"),
            same: HashMap::new(),
        }
    }

    /// Whether every payload valid under `writer` (a node of the writer root) is valid under
    /// `reader` (a node of the reader root).
    pub(crate) fn includes(&mut self, writer: &'a Value, reader: &'a Value) -> bool {
        self.conj(vec![Part::new(writer)], reader, 0)
    }

    /// For the key `key` of objects: whether the reader requires it only if the writer does
    /// (`presence`), or else whether the writer object's value schema for it is included in
    /// the reader object's.
    pub(crate) fn key_included(
        &mut self,
        writer: &'a Value,
        reader: &'a Value,
        key: &str,
        presence: bool,
    ) -> bool {
        let Some(w) = self.expand(vec![Part::new(writer)]) else {
            return true;
        };
        let cases = match self.split(w) {
            Some(cases) => cases,
            None => return false,
        };
        for w in cases {
            if !admits_type(&w, "object") {
                continue;
            }
            let reader_parts = match self.reader_parts(reader) {
                Some(parts) => parts,
                None => return false,
            };
            for r in reader_parts {
                if presence {
                    if r.get("required")
                        .and_then(Value::as_array)
                        .is_some_and(|names| names.iter().any(|n| n == key))
                        && !requires(&w, key)
                    {
                        return false;
                    }
                    continue;
                }
                let Some(schemas) = value_schemas(r, key, Role::Reader) else {
                    return false;
                };
                for schema in schemas {
                    if !self.conj(key_schemas(&w, key), schema, 1) {
                        return false;
                    }
                }
            }
        }
        true
    }

    fn tick(&mut self) -> bool {
        self.steps += 1;
        if self.steps > BUDGET {
            self.exhausted = true;
        }
        !self.exhausted
    }

    /// The reader node and, through plain `$ref`s and `allOf`, every node it conjoins.
    fn reader_parts(&self, node: &'a Value) -> Option<Vec<&'a Value>> {
        let mut out = Vec::new();
        let mut todo = vec![node];
        while let Some(n) = todo.pop() {
            if out.len() > 256 {
                return None;
            }
            if let Some(Value::String(r)) = n.get("$ref") {
                todo.push(resolve(self.reader, r)?);
                if self.reader_ref_alone {
                    continue;
                }
            }
            if let Some(Value::Array(parts)) = n.get("allOf") {
                todo.extend(parts.iter());
            }
            out.push(n);
        }
        Some(out)
    }

    /// The writer's conjuncts with `$ref` and `allOf` expanded; `None` when one is `false`
    /// (the writer accepts nothing, so it is included in anything).
    fn expand(&self, parts: Vec<Part<'a>>) -> Option<Vec<Part<'a>>> {
        let mut out: Vec<Part<'a>> = Vec::new();
        let mut todo = parts;
        while let Some(mut p) = todo.pop() {
            if out.len() > 256 {
                // Too many to read: keep what we have (fewer conjuncts is a wider writer).
                break;
            }
            match p.node {
                Value::Bool(false) => return None,
                Value::Bool(true) => continue,
                Value::Object(_) => {}
                _ => continue,
            }
            if let Some(Value::String(r)) = p.get("$ref") {
                p.skip |= SKIP_REF;
                if let Some(target) = resolve(self.writer, r) {
                    todo.push(Part::new(target));
                }
                if self.writer_ref_alone {
                    continue;
                }
            }
            if let Some(Value::Array(all)) = p.get("allOf") {
                p.skip |= SKIP_ALL_OF;
                todo.extend(all.iter().map(Part::new));
            }
            out.push(p);
        }
        Some(out)
    }

    /// The writer split into cases, one per combination of `anyOf`/`oneOf` branches (a
    /// `oneOf` read as an `anyOf`: a wider writer). `None` past `MAX_CASES`.
    fn split(&self, parts: Vec<Part<'a>>) -> Option<Vec<Vec<Part<'a>>>> {
        let mut done = Vec::new();
        let mut todo = vec![parts];
        while let Some(case) = todo.pop() {
            if done.len() + todo.len() > MAX_CASES {
                return None;
            }
            let found = case.iter().enumerate().find_map(|(i, p)| {
                for (key, flag) in [("anyOf", SKIP_ANY_OF), ("oneOf", SKIP_ONE_OF)] {
                    if let Some(Value::Array(branches)) = p.get(key) {
                        return Some((i, flag, branches));
                    }
                }
                None
            });
            let Some((i, flag, branches)) = found else {
                done.push(case);
                continue;
            };
            for branch in branches {
                let mut next = case.clone();
                next[i].skip |= flag;
                next.push(Part::new(branch));
                if let Some(expanded) = self.expand(next) {
                    todo.push(expanded);
                }
            }
        }
        Some(done)
    }

    /// Whether a writer node and a reader node are the same schema: equal text, and every
    /// reference in them leads to the same schema on both sides (no dynamic references, which
    /// depend on the root).
    fn same_meaning(&mut self, writer: &'a Value, reader: &'a Value) -> bool {
        if !self.same_draft {
            return false;
        }
        let key = (
            writer as *const Value as usize,
            reader as *const Value as usize,
        );
        if let Some(&known) = self.same.get(&key) {
            return known;
        }
        // Assumed while it is being compared: a cycle of references compares equal.
        self.same.insert(key, true);
        let result = self.same_text(writer, reader, 0);
        self.same.insert(key, result);
        result
    }

    /// Whether two schemas assert the same, read keyword by keyword: annotations (titles,
    /// descriptions, examples, `x-` extensions) may differ; everything else must be equal, with
    /// subschemas compared the same way and references leading to the same schema.
    fn same_text(&mut self, w: &'a Value, r: &'a Value, depth: usize) -> bool {
        if depth > 256 || !self.tick() {
            return false;
        }
        let (Value::Object(a), Value::Object(b)) = (w, r) else {
            return w == r;
        };
        let asserting = |map: &'a Map<String, Value>| {
            map.iter().filter(|(key, _)| {
                !(IGNORED_WHEN_COMPARING.contains(&key.as_str()) || key.starts_with("x-"))
            })
        };
        if asserting(a).count() != asserting(b).count() {
            return false;
        }
        asserting(a).all(|(key, x)| {
            let Some(y) = b.get(key) else {
                return false;
            };
            match key.as_str() {
                "$dynamicRef" | "$recursiveRef" => false,
                "$ref" => {
                    let (Some(rw), Some(rr)) = (x.as_str(), y.as_str()) else {
                        return false;
                    };
                    match (resolve(self.writer, rw), resolve(self.reader, rr)) {
                        (Some(tw), Some(tr)) => rw == rr && self.same_meaning(tw, tr),
                        _ => false,
                    }
                }
                "items"
                | "additionalItems"
                | "additionalProperties"
                | "not"
                | "if"
                | "then"
                | "else"
                | "contains"
                | "propertyNames"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "contentSchema" => match (x, y) {
                    (Value::Array(xs), Value::Array(ys)) => self.same_schemas(xs, ys, depth),
                    _ => self.same_text(x, y, depth + 1),
                },
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => match (x, y) {
                    (Value::Array(xs), Value::Array(ys)) => self.same_schemas(xs, ys, depth),
                    _ => false,
                },
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" | "dependencies" => match (x, y) {
                    (Value::Object(xs), Value::Object(ys)) => {
                        xs.len() == ys.len()
                            && xs.iter().all(|(name, sx)| {
                                ys.get(name).is_some_and(|sy| match (sx, sy) {
                                    // `dependencies` lists of names
                                    (Value::Array(_), _) | (_, Value::Array(_)) => sx == sy,
                                    _ => self.same_text(sx, sy, depth + 1),
                                })
                            })
                    }
                    _ => false,
                },
                _ => x == y,
            }
        })
    }

    fn same_schemas(&mut self, xs: &'a [Value], ys: &'a [Value], depth: usize) -> bool {
        xs.len() == ys.len()
            && xs
                .iter()
                .zip(ys)
                .all(|(x, y)| self.same_text(x, y, depth + 1))
    }

    /// Whether the conjunction `parts` (writer nodes) is included in `reader`.
    fn conj(&mut self, parts: Vec<Part<'a>>, reader: &'a Value, depth: usize) -> bool {
        if !self.tick() {
            return false;
        }
        match reader {
            Value::Bool(true) => return true,
            Value::Object(map) if map.keys().all(|k| ANNOTATIONS.contains(&k.as_str())) => {
                return true
            }
            _ => {}
        }
        if let [only] = parts.as_slice() {
            if only.skip == 0
                && std::ptr::eq(self.writer, self.reader)
                && std::ptr::eq(only.node, reader)
            {
                return true;
            }
            if only.skip == 0 && self.same_meaning(only.node, reader) {
                return true;
            }
        }
        if depth > MAX_DEPTH {
            return false;
        }
        let key = match parts.as_slice() {
            [only] if only.skip == 0 => Some((
                only.node as *const Value as usize,
                reader as *const Value as usize,
            )),
            _ => None,
        };
        let Some(parts) = self.expand(parts) else {
            return true;
        };
        let Some(key) = key else {
            return self.cases(parts, reader, depth);
        };
        if let Some(&start) = self.assumed.get(&key) {
            // Recursion reached again one payload level down: assumed (coinduction over
            // finite payloads). At the same level it proves nothing.
            return depth > start;
        }
        self.assumed.insert(key, depth);
        let result = self.cases(parts, reader, depth);
        self.assumed.remove(&key);
        result
    }

    fn cases(&mut self, parts: Vec<Part<'a>>, reader: &'a Value, depth: usize) -> bool {
        let branching = parts
            .iter()
            .any(|p| p.get("anyOf").is_some() || p.get("oneOf").is_some());
        // First the writer without its branches (a wider writer): often enough, and it
        // costs no case split.
        if branching && self.case(&parts, reader, depth) {
            return true;
        }
        let Some(cases) = self.split(parts) else {
            return false;
        };
        cases
            .into_iter()
            .all(|case| self.case(&case, reader, depth))
    }

    /// One writer case (no `anyOf`/`oneOf` left) against one reader node.
    fn case(&mut self, w: &[Part<'a>], reader: &'a Value, depth: usize) -> bool {
        let map = match reader {
            Value::Bool(b) => return *b || writes_nothing(w),
            Value::Object(map) => map,
            _ => return false,
        };
        // A conjunct of the writer that means the same as the reader (the same `oneOf` kept
        // in both, say). Every writer payload satisfies each conjunct whole, whatever keywords
        // this case reads apart.
        let parts: Vec<&'a Value> = w.iter().map(|p| p.node).collect();
        if parts
            .into_iter()
            .any(|node| self.same_meaning(node, reader))
        {
            return true;
        }
        // A writer of finitely many values: each value is checked against the reader.
        if let Some(values) = finite_values(w) {
            if values
                .iter()
                .all(|v| satisfies(self.reader, v, reader, 0) == Some(true))
            {
                return true;
            }
        }
        if let Some(Value::String(r)) = map.get("$ref") {
            let Some(target) = resolve(self.reader, r) else {
                return false;
            };
            if !self.conj(w.to_vec(), target, depth) {
                return false;
            }
            if self.reader_ref_alone {
                return true;
            }
        }
        for (key, value) in map {
            // Extensions (`x-…`) assert nothing: validators ignore them.
            if key == "$ref" || ANNOTATIONS.contains(&key.as_str()) || key.starts_with("x-") {
                continue;
            }
            if !UNDERSTOOD.contains(&key.as_str()) {
                // Unknown to us: implied only by the same keyword, with the same value, in
                // the writer (and nothing in it that depends on its root or on what else was
                // evaluated: `$recursiveRef`, `$dynamicRef`, `unevaluated*`).
                if key.starts_with("unevaluated")
                    || key.starts_with('$')
                    || has_reference(value)
                    || !w.iter().any(|p| p.get(key) == Some(value))
                {
                    return false;
                }
                continue;
            }
            if !self.keyword(w, map, key, value, depth) {
                return false;
            }
        }
        true
    }

    fn keyword(
        &mut self,
        w: &[Part<'a>],
        r: &'a Map<String, Value>,
        key: &str,
        value: &'a Value,
        depth: usize,
    ) -> bool {
        match key {
            "type" => types_of(w).iter().all(|t| type_admits(value, t)),
            "enum" | "const" => {
                let allowed: Vec<&Value> = match (key, value) {
                    ("const", v) => vec![v],
                    (_, Value::Array(items)) => items.iter().collect(),
                    _ => return false,
                };
                match finite_values(w) {
                    Some(values) => {
                        let set: HashSet<String> = allowed.iter().map(|a| canonical(a)).collect();
                        values.iter().all(|v| set.contains(&canonical(v)))
                    }
                    None => {
                        let types = types_of(w);
                        types.len() == 1
                            && types[0] == "null"
                            && allowed.iter().any(|a| a.is_null())
                    }
                }
            }
            "minimum" | "exclusiveMinimum" | "maximum" | "exclusiveMaximum" => {
                if !admits_number(w) {
                    return true;
                }
                let lower = key.ends_with("inimum");
                let Some(bound) = bound_of(r, lower) else {
                    return true;
                };
                w.iter()
                    .filter_map(|p| bound_of(p.node.as_object()?, lower))
                    .any(|b| at_least_as_tight(&b, &bound, lower))
            }
            "multipleOf" => {
                if !admits_number(w) {
                    return true;
                }
                let Some(d) = value.as_f64().filter(|d| *d > 0.0) else {
                    return false;
                };
                let integers = types_of(w).iter().all(|t| *t == "integer");
                (integers && (1.0 / d).fract() == 0.0)
                    || w.iter().any(|p| {
                        p.get("multipleOf")
                            .and_then(Value::as_f64)
                            .is_some_and(|c| c > 0.0 && divides(d, c))
                    })
            }
            "minLength" | "minItems" | "minProperties" => {
                let Some(n) = value.as_u64() else {
                    return false;
                };
                !admits_type(w, kind_of(key))
                    || n == 0
                    || w.iter()
                        .any(|p| p.get(key).and_then(Value::as_u64).is_some_and(|m| m >= n))
            }
            "maxLength" | "maxItems" | "maxProperties" => {
                let Some(n) = value.as_u64() else {
                    return false;
                };
                !admits_type(w, kind_of(key))
                    || w.iter()
                        .any(|p| p.get(key).and_then(Value::as_u64).is_some_and(|m| m <= n))
                    || key == "maxProperties" && closed_key_count(w).is_some_and(|c| c <= n)
            }
            "pattern" | "format" => {
                !admits_type(w, "string") || w.iter().any(|p| p.get(key) == Some(value))
            }
            "uniqueItems" => {
                value != &Value::Bool(true)
                    || !admits_type(w, "array")
                    || w.iter().any(|p| {
                        p.get("uniqueItems") == Some(&Value::Bool(true))
                            || p.get("maxItems")
                                .and_then(Value::as_u64)
                                .is_some_and(|m| m <= 1)
                    })
            }
            "items" | "prefixItems" | "additionalItems" => {
                // Read once, at "items" or at the first of the three present.
                let first = ["prefixItems", "items", "additionalItems"]
                    .into_iter()
                    .find(|k| r.contains_key(*k));
                if first != Some(key) || !admits_type(w, "array") {
                    return true;
                }
                self.arrays(w, r, depth)
            }
            // Without "contains" these two assert nothing; with it they are read there.
            "minContains" | "maxContains" => true,
            "contains" => {
                if !admits_type(w, "array") {
                    return true;
                }
                if r.contains_key("maxContains") {
                    return w.iter().any(|p| {
                        p.get("contains") == Some(value)
                            && p.get("maxContains") == r.get("maxContains")
                            && p.get("minContains") == r.get("minContains")
                            && !has_reference(value)
                    });
                }
                let needed = r.get("minContains").and_then(Value::as_u64).unwrap_or(1);
                let parts: Vec<Part<'a>> = w.to_vec();
                for p in parts {
                    let Some(wc) = p.get("contains") else {
                        continue;
                    };
                    let has = p.get("minContains").and_then(Value::as_u64).unwrap_or(1);
                    if has >= needed && self.conj(vec![Part::new(wc)], value, depth + 1) {
                        return true;
                    }
                }
                false
            }
            "required" => {
                !admits_type(w, "object")
                    || value.as_array().is_some_and(|names| {
                        names
                            .iter()
                            .filter_map(Value::as_str)
                            .all(|n| requires(w, n))
                    })
            }
            "properties" => {
                if !admits_type(w, "object") {
                    return true;
                }
                let Some(properties) = value.as_object() else {
                    return false;
                };
                properties
                    .iter()
                    .all(|(name, schema)| self.conj(key_schemas(w, name), schema, depth + 1))
            }
            "patternProperties" | "additionalProperties" => {
                // Read once, at whichever of the two comes first.
                let first = ["patternProperties", "additionalProperties"]
                    .into_iter()
                    .find(|k| r.contains_key(*k));
                if first != Some(key) || !admits_type(w, "object") {
                    return true;
                }
                self.other_keys(w, r, depth)
            }
            "propertyNames" => {
                if !admits_type(w, "object") {
                    return true;
                }
                let parts: Vec<Part<'a>> = w.to_vec();
                for p in &parts {
                    if let Some(names) = p.get("propertyNames") {
                        if self.conj(vec![Part::new(names)], value, depth + 1) {
                            return true;
                        }
                    }
                }
                match closed_keys(w) {
                    Some(keys) => keys.iter().all(|k| {
                        satisfies(self.reader, &Value::String(k.clone()), value, 0) == Some(true)
                    }),
                    None => false,
                }
            }
            "dependentRequired" | "dependentSchemas" | "dependencies" => {
                if !admits_type(w, "object") {
                    return true;
                }
                let Some(entries) = value.as_object() else {
                    return false;
                };
                for (name, dependency) in entries {
                    if !self.dependency(w, name, dependency, depth) {
                        return false;
                    }
                }
                true
            }
            "allOf" => value
                .as_array()
                .is_some_and(|parts| parts.iter().all(|p| self.conj(w.to_vec(), p, depth))),
            "anyOf" => value
                .as_array()
                .is_some_and(|branches| branches.iter().any(|b| self.conj(w.to_vec(), b, depth))),
            "oneOf" => {
                let Some(branches) = value.as_array() else {
                    return false;
                };
                (0..branches.len()).any(|i| {
                    self.conj(w.to_vec(), &branches[i], depth)
                        && branches.iter().enumerate().all(|(j, other)| {
                            j == i || self.disjoint(w, other) || self.left_by_one_of(w, other)
                        })
                })
            }
            "not" => {
                if self.disjoint(w, value) {
                    return true;
                }
                // The writer's own `not` excludes at least what the reader's does.
                let parts: Vec<Part<'a>> = w.to_vec();
                parts.iter().any(|p| {
                    p.get("not").is_some_and(|own| {
                        let mut swapped = Prover::new(self.reader, self.writer);
                        swapped.includes(value, own)
                    })
                })
            }
            "if" | "then" | "else" => {
                if key != "if" {
                    // Read with "if"; without one, then and else assert nothing.
                    return true;
                }
                let then = r.get("then").unwrap_or(&Value::Bool(true));
                let otherwise = r.get("else").unwrap_or(&Value::Bool(true));
                let same_if = w
                    .iter()
                    .find(|p| p.get("if") == Some(value) && !has_reference(value));
                if let Some(p) = same_if.copied() {
                    let mut with_then = w.to_vec();
                    with_then.extend(p.get("then").map(Part::new));
                    let mut with_else = w.to_vec();
                    with_else.extend(p.get("else").map(Part::new));
                    return self.conj(with_then, then, depth)
                        && self.conj(with_else, otherwise, depth);
                }
                if self.disjoint(w, value) {
                    return self.conj(w.to_vec(), otherwise, depth);
                }
                self.conj(w.to_vec(), then, depth) && self.conj(w.to_vec(), otherwise, depth)
            }
            _ => false,
        }
    }

    /// Whether the writer case `w` was split from a writer `oneOf` one of whose other
    /// branches means the same as `other`: every writer payload of the case matches its own
    /// branch only, so none matches `other`.
    fn left_by_one_of(&mut self, w: &[Part<'a>], other: &'a Value) -> bool {
        for p in w {
            if p.skip & SKIP_ONE_OF == 0 {
                continue;
            }
            let Some(Value::Array(branches)) = p.node.get("oneOf") else {
                continue;
            };
            let taken = |branch: &'a Value| {
                let target = branch
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| resolve(self.writer, r));
                w.iter().any(|q| {
                    std::ptr::eq(q.node, branch) || target.is_some_and(|t| std::ptr::eq(q.node, t))
                })
            };
            let Some(chosen) = branches.iter().position(taken) else {
                continue;
            };
            for (j, branch) in branches.iter().enumerate() {
                if j != chosen && self.same_meaning(branch, other) {
                    return true;
                }
            }
        }
        false
    }

    fn dependency(
        &mut self,
        w: &[Part<'a>],
        name: &str,
        dependency: &'a Value,
        depth: usize,
    ) -> bool {
        // A key the writer never writes triggers nothing.
        if key_schemas(w, name)
            .iter()
            .any(|p| p.node == &Value::Bool(false))
        {
            return true;
        }
        if let Value::Array(names) = dependency {
            let needed: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
            return needed.iter().all(|n| requires(w, n))
                || w.iter().any(|p| {
                    let keys: &[&str] = if self.writer_ref_alone {
                        &["dependentRequired", "dependencies"]
                    } else {
                        &["dependentRequired"]
                    };
                    keys.iter().any(|k| {
                        p.get(k)
                            .and_then(|d| d.get(name))
                            .and_then(Value::as_array)
                            .is_some_and(|own| needed.iter().all(|n| own.iter().any(|o| o == n)))
                    })
                });
        }
        let parts: Vec<Part<'a>> = w.to_vec();
        // `dependencies` asserts only up to draft-07; later drafts ignore it.
        let keys: &[&str] = if self.writer_ref_alone {
            &["dependentSchemas", "dependencies"]
        } else {
            &["dependentSchemas"]
        };
        for p in &parts {
            for &k in keys {
                if let Some(own) = p.get(k).and_then(|d| d.get(name)).filter(|d| d.is_object()) {
                    let mut with = w.to_vec();
                    with.push(Part::new(own));
                    if self.conj(with, dependency, depth) {
                        return true;
                    }
                }
            }
        }
        self.conj(w.to_vec(), dependency, depth)
    }

    fn arrays(&mut self, w: &[Part<'a>], r: &'a Map<String, Value>, depth: usize) -> bool {
        let (r_prefix, r_rest) = array_shape(r);
        let shapes: Vec<(Vec<&'a Value>, Option<&'a Value>)> = w
            .iter()
            .filter_map(|p| p.node.as_object())
            .map(array_shape)
            .collect();
        let longest = shapes
            .iter()
            .map(|(p, _)| p.len())
            .max()
            .unwrap_or(0)
            .max(r_prefix.len());
        let at = |i: usize| -> Vec<Part<'a>> {
            shapes
                .iter()
                .filter_map(|(prefix, rest)| prefix.get(i).copied().or(*rest))
                .map(Part::new)
                .collect()
        };
        let max_items = w
            .iter()
            .filter_map(|p| p.get("maxItems").and_then(Value::as_u64))
            .min();
        for i in 0..longest {
            if max_items.is_some_and(|m| i as u64 >= m) {
                return true;
            }
            let reader = r_prefix.get(i).copied().or(r_rest);
            if let Some(reader) = reader {
                if !self.conj(at(i), reader, depth + 1) {
                    return false;
                }
            }
        }
        if max_items.is_some_and(|m| longest as u64 >= m) {
            return true;
        }
        match r_rest {
            Some(reader) => {
                let rest: Vec<Part<'a>> = shapes
                    .iter()
                    .filter_map(|(_, r)| *r)
                    .map(Part::new)
                    .collect();
                self.conj(rest, reader, depth + 1)
            }
            None => true,
        }
    }

    /// `patternProperties` and `additionalProperties` of the reader, against keys the
    /// writer may write.
    fn other_keys(&mut self, w: &[Part<'a>], r: &'a Map<String, Value>, depth: usize) -> bool {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let empty: &'a Map<String, Value> = EMPTY.get_or_init(Map::new);
        let r_patterns = r
            .get("patternProperties")
            .and_then(Value::as_object)
            .unwrap_or(empty);
        let r_declared = r
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(empty);
        let r_additional = r.get("additionalProperties");
        // The writer's keys are limited to a known list: check each against the reader.
        if let Some(keys) = closed_keys(w) {
            for key in keys {
                if r_declared.contains_key(&key) {
                    continue; // read by "properties"
                }
                let mut readers: Vec<&'a Value> = Vec::new();
                for (pattern, schema) in r_patterns {
                    match matches(pattern, &key) {
                        Some(true) => readers.push(schema),
                        Some(false) => {}
                        None => return false,
                    }
                }
                if readers.is_empty() {
                    readers.extend(r_additional);
                }
                for reader in readers {
                    if !self.conj(key_schemas(w, &key), reader, depth + 1) {
                        return false;
                    }
                }
            }
            return true;
        }
        // Otherwise one writer part must cover every key the reader constrains.
        let parts: Vec<Part<'a>> = w.to_vec();
        'parts: for p in parts {
            let Some(m) = p.node.as_object() else {
                continue;
            };
            let w_patterns = m
                .get("patternProperties")
                .and_then(Value::as_object)
                .unwrap_or(empty);
            for (pattern, schema) in r_patterns {
                match w_patterns.get(pattern) {
                    Some(own) if self.conj(vec![Part::new(own)], schema, depth + 1) => {}
                    _ => continue 'parts,
                }
                // Keys the writer declares that the pattern also matches.
                for (name, _) in m
                    .get("properties")
                    .and_then(Value::as_object)
                    .unwrap_or(empty)
                {
                    if matches(pattern, name) != Some(false)
                        && !self.conj(key_schemas(w, name), schema, depth + 1)
                    {
                        continue 'parts;
                    }
                }
            }
            if let Some(additional) = r_additional {
                let w_additional = m.get("additionalProperties").unwrap_or(&Value::Bool(true));
                if !self.conj(vec![Part::new(w_additional)], additional, depth + 1) {
                    continue;
                }
                for (pattern, schema) in w_patterns {
                    if !r_patterns.contains_key(pattern)
                        && !self.conj(vec![Part::new(schema)], additional, depth + 1)
                    {
                        continue 'parts;
                    }
                }
                for (name, _) in m
                    .get("properties")
                    .and_then(Value::as_object)
                    .unwrap_or(empty)
                {
                    if !r_declared.contains_key(name)
                        && !self.conj(key_schemas(w, name), additional, depth + 1)
                    {
                        continue 'parts;
                    }
                }
            }
            return true;
        }
        false
    }

    /// Proven: no payload is valid under both the writer case `w` and the reader node `s`.
    fn disjoint(&mut self, w: &[Part<'a>], s: &'a Value) -> bool {
        if !self.tick() {
            return false;
        }
        let s = match s {
            Value::Bool(b) => return !b,
            Value::Object(_) => s,
            _ => return false,
        };
        let s = match s.get("$ref").and_then(Value::as_str) {
            Some(r) if s.as_object().is_some_and(|m| m.len() == 1) => match resolve(self.reader, r)
            {
                Some(target) => target,
                None => return false,
            },
            _ => s,
        };
        if let Some(values) = finite_values(w) {
            if values
                .iter()
                .all(|v| satisfies(self.reader, v, s, 0) == Some(false))
            {
                return true;
            }
        }
        // The other side holds finitely many values, none of which the writer admits.
        if let Some(values) = finite_values(&[Part::new(s)]) {
            if values.iter().all(|v| {
                w.iter()
                    .any(|p| satisfies(self.writer, v, p.node, 0) == Some(false))
            }) {
                return true;
            }
        }
        let w_types = types_of(w);
        if let Some(s_types) = s.get("type") {
            if w_types.iter().all(|t| !type_admits(s_types, t)) {
                return true;
            }
        }
        let Some(map) = s.as_object() else {
            return false;
        };
        if w_types.iter().any(|t| *t != "object") {
            return false;
        }
        // Objects told apart by one property: the writer requires it with values the other
        // side's constant or enum excludes, or the other side requires a key the writer
        // never writes.
        if let Some(Value::Object(properties)) = map.get("properties") {
            for (name, schema) in properties {
                if !requires(w, name) {
                    continue;
                }
                let Some(values) = finite_values(&key_schemas(w, name)) else {
                    continue;
                };
                if values
                    .iter()
                    .all(|v| satisfies(self.reader, v, schema, 0) == Some(false))
                {
                    return true;
                }
            }
        }
        if let Some(Value::Array(required)) = map.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if key_schemas(w, name)
                    .iter()
                    .any(|p| p.node == &Value::Bool(false))
                {
                    return true;
                }
            }
        }
        false
    }
}

/// Whether the schema's draft ignores keywords beside a `$ref` (draft-07 and older).
fn ref_alone(root: &Value) -> bool {
    root.get("$schema")
        .and_then(Value::as_str)
        .is_some_and(|s| {
            ["draft-07", "draft-06", "draft-04", "draft-03"]
                .iter()
                .any(|d| s.contains(d))
        })
}

/// Tuple positions and the schema of the rest of an array, as the draft reads them.
fn array_shape(m: &Map<String, Value>) -> (Vec<&Value>, Option<&Value>) {
    match (
        m.get("prefixItems"),
        m.get("items"),
        m.get("additionalItems"),
    ) {
        (Some(Value::Array(prefix)), rest, _) => (prefix.iter().collect(), rest),
        (_, Some(Value::Array(prefix)), rest) => (prefix.iter().collect(), rest),
        (_, rest, _) => (Vec::new(), rest),
    }
}

fn writes_nothing(w: &[Part]) -> bool {
    w.iter().any(|p| p.node == &Value::Bool(false))
}

fn kind_of(key: &str) -> &'static str {
    if key.ends_with("Length") {
        "string"
    } else if key.ends_with("Items") {
        "array"
    } else {
        "object"
    }
}

const ALL_TYPES: [&str; 7] = [
    "array", "boolean", "integer", "null", "number", "object", "string",
];

/// The JSON types the writer case admits; `number` stands for numbers that are not integers.
fn types_of(w: &[Part]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = ALL_TYPES.to_vec();
    for p in w {
        if let Some(t) = p.get("type") {
            out.retain(|kind| type_admits(t, kind));
        }
        let values = match (p.get("const"), p.get("enum")) {
            (Some(c), _) => std::slice::from_ref(c),
            (None, Some(Value::Array(items))) => items.as_slice(),
            _ => continue,
        };
        out.retain(|kind| values.iter().any(|v| kind_of_value(v) == *kind));
    }
    out
}

fn kind_of_value(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) if is_integer(v) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn admits_type(w: &[Part], kind: &str) -> bool {
    types_of(w).contains(&kind)
}

fn admits_number(w: &[Part]) -> bool {
    let types = types_of(w);
    types.contains(&"number") || types.contains(&"integer")
}

/// Whether a `type` keyword's value admits the JSON type `t`.
fn type_admits(keyword: &Value, t: &str) -> bool {
    let one = |name: &str| name == t || (name == "number" && t == "integer");
    match keyword {
        Value::String(s) => one(s),
        Value::Array(items) => items.iter().filter_map(Value::as_str).any(one),
        _ => false,
    }
}

fn value_has_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "number" => v.is_number(),
        "integer" => is_integer(v),
        _ => false,
    }
}

fn is_integer(v: &Value) -> bool {
    v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// The values a writer case is limited to, when one of its parts lists them.
fn finite_values<'a>(w: &[Part<'a>]) -> Option<Vec<&'a Value>> {
    let mut out: Option<Vec<&'a Value>> = None;
    for p in w {
        let values: Vec<&'a Value> = match (p.get("const"), p.get("enum")) {
            (Some(c), _) => vec![c],
            (None, Some(Value::Array(items))) => items.iter().collect(),
            _ => continue,
        };
        out = Some(match out {
            None => values,
            Some(current) => {
                let set: HashSet<String> = values.iter().map(|v| canonical(v)).collect();
                current
                    .into_iter()
                    .filter(|v| set.contains(&canonical(v)))
                    .collect()
            }
        });
    }
    out
}

/// JSON Schema's equality: numbers by value, objects regardless of key order.
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare_numbers(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// A numeric bound: its value and whether it is exclusive.
struct Bound {
    value: Number,
    exclusive: bool,
}

/// The tightest lower (or upper) bound a schema sets, draft-04 boolean exclusives included.
fn bound_of(m: &Map<String, Value>, lower: bool) -> Option<Bound> {
    let (inclusive, exclusive) = if lower {
        ("minimum", "exclusiveMinimum")
    } else {
        ("maximum", "exclusiveMaximum")
    };
    let draft4_exclusive = m.get(exclusive) == Some(&Value::Bool(true));
    let a = m.get(inclusive).and_then(Value::as_number).map(|n| Bound {
        value: n.clone(),
        exclusive: draft4_exclusive,
    });
    let b = m.get(exclusive).and_then(Value::as_number).map(|n| Bound {
        value: n.clone(),
        exclusive: true,
    });
    match (a, b) {
        (Some(a), Some(b)) => Some(if at_least_as_tight(&a, &b, lower) {
            a
        } else {
            b
        }),
        (a, b) => a.or(b),
    }
}

/// Whether bound `a` admits no value that bound `b` rejects.
fn at_least_as_tight(a: &Bound, b: &Bound, lower: bool) -> bool {
    match compare_numbers(&a.value, &b.value) {
        Some(Ordering::Equal) => a.exclusive || !b.exclusive,
        Some(Ordering::Greater) => lower,
        Some(Ordering::Less) => !lower,
        None => false,
    }
}

/// Whether `c` is a multiple of `d` (both positive).
fn divides(d: f64, c: f64) -> bool {
    let q = c / d;
    q.is_finite() && (q - q.round()).abs() < 1e-9 && q.round() >= 1.0
}

/// Whether the writer case requires `name` on objects.
fn requires(w: &[Part], name: &str) -> bool {
    w.iter().any(|p| {
        p.get("required")
            .and_then(Value::as_array)
            .is_some_and(|names| names.iter().any(|n| n == name))
    })
}

/// The writer's schemas for the value at key `name`: per part, the declared property, the
/// matching patterns, or else its additional properties.
fn key_schemas<'a>(w: &[Part<'a>], name: &str) -> Vec<Part<'a>> {
    w.iter()
        .flat_map(|p| value_schemas(p.node, name, Role::Writer).unwrap_or_default())
        .map(Part::new)
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Writer,
    Reader,
}

/// One object schema's schemas for the value at key `name`. A pattern that cannot be read
/// makes a reader unreadable (`None`); on the writer side its schema is left out, and so is
/// `additionalProperties`, which may not apply (a wider writer: still sound).
fn value_schemas<'a>(node: &'a Value, name: &str, side: Role) -> Option<Vec<&'a Value>> {
    let mut out = Vec::new();
    if let Some(schema) = node.get("properties").and_then(|p| p.get(name)) {
        out.push(schema);
    }
    let mut matched = false;
    if let Some(Value::Object(patterns)) = node.get("patternProperties") {
        for (pattern, schema) in patterns {
            match matches(pattern, name) {
                Some(true) => {
                    matched = true;
                    out.push(schema);
                }
                Some(false) => {}
                None if side == Role::Reader => return None,
                None => matched = true,
            }
        }
    }
    if out.is_empty() && !matched {
        out.extend(node.get("additionalProperties"));
    }
    Some(out)
}

/// The keys a writer case can write, when one of its parts closes the object.
fn closed_keys(w: &[Part]) -> Option<Vec<String>> {
    w.iter().find_map(|p| {
        let m = p.node.as_object()?;
        if m.get("additionalProperties") != Some(&Value::Bool(false))
            || m.get("patternProperties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty())
        {
            return None;
        }
        Some(
            m.get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default(),
        )
    })
}

fn closed_key_count(w: &[Part]) -> Option<u64> {
    closed_keys(w).map(|k| k.len() as u64)
}

/// Whether a value is valid under a schema, read keyword by keyword; `None` when a keyword
/// needs more than this reads (the validator decides those elsewhere).
pub(crate) fn satisfies(root: &Value, v: &Value, schema: &Value, depth: usize) -> Option<bool> {
    if depth > 32 {
        return None;
    }
    let map = match schema {
        Value::Bool(b) => return Some(*b),
        Value::Object(map) => map,
        _ => return None,
    };
    let mut result = true;
    for (key, value) in map {
        let ok = match key.as_str() {
            k if ANNOTATIONS.contains(&k) || k.starts_with("x-") => true,
            "$ref" => satisfies(root, v, resolve(root, value.as_str()?)?, depth + 1)?,
            "type" => ALL_TYPES
                .iter()
                .any(|t| value_has_type(v, t) && type_admits(value, t)),
            "enum" => {
                let values = value.as_array()?;
                if values.len() > LARGE_ENUM {
                    // Read by the caller through a set, not value by value here.
                    return None;
                }
                values.iter().any(|a| json_equal(a, v))
            }
            "const" => json_equal(value, v),
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => match v {
                Value::Number(n) => {
                    let lower = key.ends_with("inimum");
                    match bound_of(map, lower) {
                        Some(b) => match compare_numbers(n, &b.value)? {
                            Ordering::Equal => !b.exclusive,
                            Ordering::Greater => lower,
                            Ordering::Less => !lower,
                        },
                        None => true,
                    }
                }
                _ => true,
            },
            "multipleOf" => match v {
                Value::Number(n) => {
                    let d = value.as_f64()?;
                    let x = n.as_f64()?;
                    if is_integer(v) && (d.fract() == 0.0) && d.abs() < 9e15 && x.abs() < 9e15 {
                        (x as i64) % (d as i64) == 0
                    } else {
                        return None;
                    }
                }
                _ => true,
            },
            "minLength" | "maxLength" => match v {
                Value::String(s) => {
                    let n = s.chars().count() as u64;
                    let bound = value.as_u64()?;
                    if key == "minLength" {
                        n >= bound
                    } else {
                        n <= bound
                    }
                }
                _ => true,
            },
            "pattern" => match v {
                Value::String(s) => matches(value.as_str()?, s)?,
                _ => true,
            },
            "format" => {
                if v.is_string() {
                    return None;
                }
                true
            }
            "allOf" => {
                let mut all = true;
                for part in value.as_array()? {
                    all &= satisfies(root, v, part, depth + 1)?;
                }
                all
            }
            "anyOf" | "oneOf" => {
                let mut count = 0;
                for branch in value.as_array()? {
                    if satisfies(root, v, branch, depth + 1)? {
                        count += 1;
                    }
                }
                if key == "anyOf" {
                    count > 0
                } else {
                    count == 1
                }
            }
            "not" => !satisfies(root, v, value, depth + 1)?,
            k if array_keyword(k) => {
                if v.is_array() {
                    return None;
                }
                true
            }
            k if object_keyword(k) => {
                if v.is_object() {
                    return None;
                }
                true
            }
            _ => return None,
        };
        result &= ok;
    }
    Some(result)
}

fn array_keyword(k: &str) -> bool {
    matches!(
        k,
        "items"
            | "prefixItems"
            | "additionalItems"
            | "minItems"
            | "maxItems"
            | "uniqueItems"
            | "contains"
            | "minContains"
            | "maxContains"
            | "unevaluatedItems"
    )
}

fn object_keyword(k: &str) -> bool {
    matches!(
        k,
        "properties"
            | "patternProperties"
            | "additionalProperties"
            | "required"
            | "propertyNames"
            | "minProperties"
            | "maxProperties"
            | "dependentRequired"
            | "dependentSchemas"
            | "dependencies"
            | "unevaluatedProperties"
    )
}

/// Whether a schema contains a `$ref` anywhere (equal text may then mean different schemas).
pub(crate) fn has_reference(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(has_reference),
        Value::Array(items) => items.iter().any(has_reference),
        _ => false,
    }
}

/// One of the two schemas of a check.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The schema payloads are written with.
    Writer,
    /// The schema they are read with.
    Reader,
}

/// Where in the two schemas an inclusion proven locally carries over to the whole schema:
/// places reached from the root, directly or through `$ref`s, without passing `not`, `oneOf`
/// or `if` (where a wider subschema can reject more), in schemas without `unevaluated*`.
pub(crate) struct MonotoneSites {
    /// Per side: every local `$ref` as (pointer of the referring schema, target pointer);
    /// `None` when a reference cannot be followed by pointer.
    references: [Option<Vec<Reference>>; 2],
}

impl MonotoneSites {
    pub(crate) fn new(writer: &Value, reader: &Value) -> Self {
        let index = |root: &Value| {
            if crate::compat::schema::mentions_key(
                root,
                &["unevaluatedProperties", "unevaluatedItems"],
            ) {
                return None;
            }
            let mut out = Vec::new();
            collect_references(root, &mut Vec::new(), &mut out).then_some(out)
        };
        MonotoneSites {
            references: [index(writer), index(reader)],
        }
    }

    /// Whether the subschema at `pointer` of `side` sits only in monotone places.
    pub(crate) fn monotone(&self, side: Side, pointer: &str) -> bool {
        let Some(references) = &self.references[side as usize] else {
            return false;
        };
        let mut todo = vec![crate::registry::position::pointer_tokens(pointer)];
        let mut seen = std::collections::HashSet::new();
        while let Some(tokens) = todo.pop() {
            if !seen.insert(tokens.clone()) {
                continue;
            }
            if seen.len() > 10_000 {
                return false;
            }
            if tokens
                .iter()
                .any(|t| matches!(t.as_str(), "not" | "oneOf" | "if"))
            {
                return false;
            }
            for (site, target) in references {
                if tokens.starts_with(target) {
                    todo.push(site.clone());
                }
            }
        }
        true
    }
}

/// A local `$ref`: the tokens of the schema holding it, and of its target.
type Reference = (Vec<String>, Vec<String>);

/// Collects local references; false when one is not a JSON Pointer fragment.
fn collect_references(node: &Value, at: &mut Vec<String>, out: &mut Vec<Reference>) -> bool {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let target = reference
                    .strip_prefix('#')
                    .and_then(crate::registry::position::percent_decode)
                    .filter(|f| f.is_empty() || f.starts_with('/'));
                match target {
                    Some(fragment) => out.push((
                        at.clone(),
                        crate::registry::position::pointer_tokens(&fragment),
                    )),
                    None => return false,
                }
            }
            for (key, child) in map {
                if matches!(key.as_str(), "const" | "enum" | "examples" | "default") {
                    continue;
                }
                at.push(key.clone());
                let ok = collect_references(child, at, out);
                at.pop();
                if !ok {
                    return false;
                }
            }
            true
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(i.to_string());
                let ok = collect_references(child, at, out);
                at.pop();
                if !ok {
                    return false;
                }
            }
            true
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn proves(w: Value, r: Value) -> bool {
        Prover::new(&w, &r).includes(&w, &r)
    }

    #[test]
    fn proves_widening_and_refuses_narrowing() {
        assert!(proves(
            json!({"type": "integer"}),
            json!({"type": "number"})
        ));
        assert!(!proves(
            json!({"type": "number"}),
            json!({"type": "integer"})
        ));
        assert!(proves(json!({"enum": ["a"]}), json!({"enum": ["a", "b"]})));
        assert!(!proves(json!({"enum": ["a", "b"]}), json!({"enum": ["a"]})));
        assert!(proves(
            json!({"type": "string", "pattern": "^a"}),
            json!({"type": "string"})
        ));
        assert!(!proves(
            json!({"type": "string"}),
            json!({"type": "string", "pattern": "^a"})
        ));
        assert!(proves(
            json!({"type": "integer", "minimum": 5}),
            json!({"type": "integer", "exclusiveMinimum": 4})
        ));
        assert!(!proves(
            json!({"type": "integer", "minimum": 4}),
            json!({"type": "integer", "exclusiveMinimum": 4})
        ));
    }

    #[test]
    fn bounds_beyond_two_to_the_53_are_exact() {
        assert!(!proves(
            json!({"maximum": 9223372036854775807u64}),
            json!({"maximum": 9223372036854775806u64})
        ));
        assert!(proves(
            json!({"maximum": 9223372036854775806u64}),
            json!({"maximum": 9223372036854775807u64})
        ));
        assert!(!proves(
            json!({"minimum": 18446744073709551615u64}),
            json!({"minimum": 18446744073709551616.0})
        ));
    }

    #[test]
    fn objects_closed_open_and_keyed() {
        let closed = json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false});
        let wider = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}});
        assert!(proves(closed.clone(), wider.clone()));
        let open = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert!(!proves(open, wider));
        let required = json!({"type": "object", "required": ["a"]});
        assert!(!proves(json!({"type": "object"}), required.clone()));
        assert!(proves(required, json!({"type": "object"})));
    }

    #[test]
    fn references_and_recursion() {
        let w = json!({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}, "v": {"type": "integer"}}}}, "$ref": "#/$defs/n"});
        let r = json!({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}, "v": {"type": "number"}}}}, "$ref": "#/$defs/n"});
        assert!(Prover::new(&w, &r).includes(&w, &r));
        assert!(!Prover::new(&r, &w).includes(&r, &w));
        let percent = json!({"$defs": {"e%f": {"enum": ["a"]}}, "$ref": "#/$defs/e%25f"});
        let wide = json!({"enum": ["a", "b"]});
        assert!(Prover::new(&percent, &wide).includes(&percent, &wide));
    }

    #[test]
    fn tagged_one_of_gains_a_branch() {
        let branch = |tag: &str| json!({"type": "object", "properties": {"kind": {"const": tag}}, "required": ["kind"]});
        let w = json!({"oneOf": [branch("a"), branch("b")]});
        let r = json!({"oneOf": [branch("a"), branch("b"), branch("c")]});
        assert!(proves(w.clone(), r.clone()));
        assert!(!proves(r, w));
        let overlapping = json!({"oneOf": [branch("a"), branch("b"), {"type": "object"}]});
        assert!(!proves(
            json!({"oneOf": [branch("a"), branch("b")]}),
            overlapping
        ));
    }

    #[test]
    fn conditionals_and_not() {
        let w = json!({"if": {"properties": {"x": {"const": 1}}}, "then": {"required": ["a"]}, "else": {"required": ["b"]}});
        let r = json!({"if": {"properties": {"x": {"const": 1}}}, "then": {}, "else": {"required": ["b"]}});
        assert!(proves(w.clone(), r.clone()));
        assert!(!proves(r, w));
        assert!(proves(
            json!({"type": "string"}),
            json!({"not": {"type": "integer"}})
        ));
        assert!(!proves(
            json!({"type": "number"}),
            json!({"not": {"type": "integer"}})
        ));
    }

    #[test]
    fn equal_text_is_the_same_schema_only_when_its_references_agree() {
        let schema = |t: &str| {
            json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "oneOf": [{ "$ref": "#/definitions/a" }, { "type": "object" }],
                "definitions": { "a": { "type": t, "properties": { "x": { "$ref": "#/definitions/a" } } } }
            })
        };
        let (w, r) = (schema("object"), schema("object"));
        assert!(Prover::new(&w, &r).includes(&w, &r));
        // The same text `{"$ref": "#/definitions/a"}` on both sides, leading to different
        // schemas: not the same, and not included.
        let other = schema("string");
        let (wa, ra) = (&w["oneOf"][0], &other["oneOf"][0]);
        assert_eq!(wa, ra);
        assert!(!Prover::new(&w, &other).includes(wa, ra));
    }

    #[test]
    fn budget_ends_in_not_proven() {
        let mut w = json!({"type": "integer"});
        for _ in 0..14 {
            w = json!({"anyOf": [w.clone(), w]});
        }
        assert!(
            !Prover::new(&w, &json!({"type": "string"})).includes(&w, &json!({"type": "string"}))
        );
    }
}
