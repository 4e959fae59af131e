//! Instances from a schema: valid payloads for `contracts sample`, for property tests and as
//! the raw material of compatibility witnesses. Every instance returned was checked with the
//! real validator; generation only proposes.

use rand::prelude::*;
use serde_json::{json, Map, Number, Value};

use crate::compat::schema::{keyword, resolve};
use crate::registry::validate::Validator;

/// How deep generation follows nested schemas and references before giving up on a branch.
const MAX_DEPTH: usize = 24;
/// Below this depth optional properties and array items are left out.
const OPTIONAL_DEPTH: usize = 6;

/// Proposes and checks instances of one self-contained schema.
pub struct Sampler<'a> {
    root: &'a Value,
    validator: Validator,
    rng: Draws,
    /// Validators of subschemas, compiled once (keyed by their JSON text).
    local: std::collections::HashMap<String, Option<Validator>>,
    /// String generators of patterns, compiled once (keyed by the pattern's body).
    patterns: std::collections::HashMap<String, Option<rand_regex::Regex>>,
    /// Validators of `{"format": …}`, compiled once (keyed by the format).
    formats: std::collections::HashMap<String, Option<Validator>>,
}

impl<'a> Sampler<'a> {
    /// A sampler for a bundled schema (every `$ref` local), seeded for reproducible output.
    pub fn new(root: &'a Value, seed: u64) -> Result<Self, String> {
        Ok(Sampler {
            root,
            validator: Validator::new(root)?,
            rng: Draws::seeded(seed),
            local: std::collections::HashMap::new(),
            patterns: std::collections::HashMap::new(),
            formats: std::collections::HashMap::new(),
        })
    }

    /// True when `instance` is valid under the schema.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// One valid instance: the smallest one generation finds first, `None` when the schema
    /// seems unsatisfiable (or too hard for the generator).
    pub fn sample(&mut self) -> Option<Value> {
        let mut style = Style::minimal();
        for attempt in 0..64 {
            if attempt > 0 {
                style = Style::random(&mut self.rng);
            }
            if let Some(value) = self.generate(self.root, 0, style) {
                if self.validator.is_valid(&value) {
                    return Some(value);
                }
            }
        }
        None
    }

    /// Up to `count` distinct valid instances, the first one the minimal sample.
    pub fn samples(&mut self, count: usize) -> Vec<Value> {
        let rng = std::mem::replace(&mut self.rng, Draws::seeded(0));
        let mut run = SampleRun::with_rng(count, rng);
        while run.next(self).is_some() {}
        self.rng = run.rng;
        run.found
    }

    /// How many random draws generation has made since the sampler was built or reseeded:
    /// a value generated without any does not depend on the random state.
    pub(crate) fn draws(&self) -> u64 {
        self.rng.count
    }

    /// Continues with the random state `rng` (one a finished [`SampleRun`] left).
    pub(crate) fn take_rng(&mut self, rng: Draws) {
        self.rng = rng;
    }

    /// A value for `schema` (a subschema of the root), not yet checked.
    pub fn generate(&mut self, schema: &Value, depth: usize, style: Style) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let map = match schema {
            Value::Bool(true) => return Some(Value::Null),
            Value::Bool(false) => return None,
            Value::Object(map) => map,
            _ => return None,
        };
        if let Some(Value::String(reference)) = keyword(map, "$ref") {
            let root = self.root;
            let target = resolve(root, reference)?;
            if map.len() == 1 && target.is_object() {
                // A plain reference: its target as it is (merging into nothing copies it).
                return self.generate(target, depth + 1, style);
            }
            let merged = merge(&without(map, &["$ref"]), target);
            return self.generate(&merged, depth + 1, style);
        }
        if let Some(value) = keyword(map, "const") {
            return Some(value.clone());
        }
        if let Some(Value::Array(values)) = keyword(map, "enum") {
            let candidates: Vec<&Value> = values.iter().filter(|v| self.fits(map, v)).collect();
            let pool = if candidates.is_empty() {
                values.iter().collect()
            } else {
                candidates
            };
            return pick(&mut self.rng, &pool, style).map(|v| (*v).clone());
        }
        if let Some(Value::Array(parts)) = keyword(map, "allOf") {
            let mut merged = Value::Object(without(map, &["allOf"]));
            for part in parts {
                let part = match part.get("$ref").and_then(Value::as_str) {
                    Some(r) => merge(
                        &without(part.as_object()?, &["$ref"]),
                        resolve(self.root, r)?,
                    ),
                    None => part.clone(),
                };
                merged = merge(merged.as_object()?, &part);
            }
            return self.generate(&merged, depth + 1, style);
        }
        if let Some(condition) = keyword(map, "if") {
            return self.conditional(map, condition, depth, style);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = keyword(map, key) {
                let rest = without(map, &[key]);
                let mut order: Vec<usize> = (0..branches.len()).collect();
                if style.shuffle {
                    order.shuffle(&mut self.rng);
                }
                for i in order {
                    let mut merged = merge(&rest, &branches[i]);
                    if key == "oneOf" {
                        leave_out_keys_of_other_branches(&mut merged, branches, i);
                    }
                    if let Some(value) = self.generate(&merged, depth + 1, style) {
                        if style.shuffle || merged.as_object().is_some_and(|m| self.fits(m, &value))
                        {
                            return Some(value);
                        }
                    }
                }
                return None;
            }
        }
        let types = types_of(map);
        let mut order = types.clone();
        if style.shuffle {
            order.shuffle(&mut self.rng);
        }
        for json_type in order {
            let value = match json_type {
                "null" => Some(Value::Null),
                "boolean" => Some(Value::Bool(style.shuffle && self.rng.random_bool(0.5))),
                "integer" => self.number(map, true, style),
                "number" => self.number(map, false, style),
                "string" => self.string(map, style),
                "array" => self.array(map, depth, style),
                "object" => self.object(map, depth, style),
                _ => None,
            };
            if value.is_some() {
                return value;
            }
        }
        None
    }

    /// `if`/`then`/`else`: a value made with the condition's keywords and `then`, or with
    /// `else`, kept only when the condition really holds, or really fails, for it.
    fn conditional(
        &mut self,
        map: &Map<String, Value>,
        condition: &Value,
        depth: usize,
        style: Style,
    ) -> Option<Value> {
        let rest = without(map, &["if", "then", "else"]);
        let then = keyword(map, "then").cloned().unwrap_or(Value::Bool(true));
        let otherwise = keyword(map, "else").cloned().unwrap_or(Value::Bool(true));
        let mut order = [false, true];
        if style.shuffle && self.rng.random_bool(0.5) {
            order.reverse();
        }
        for holds in order {
            let merged = if holds {
                match merge(&rest, condition) {
                    Value::Object(with_condition) => merge(&with_condition, &then),
                    other => other,
                }
            } else {
                merge(&rest, &otherwise)
            };
            let Some(value) = self.generate(&merged, depth + 1, style) else {
                continue;
            };
            let satisfied = match condition {
                Value::Object(keywords) => self.fits(keywords, &value),
                other => other == &Value::Bool(true),
            };
            if satisfied == holds {
                return Some(value);
            }
        }
        None
    }

    /// Whether `value` satisfies the local keywords of `map` (checked with the validator).
    fn fits(&mut self, map: &Map<String, Value>, value: &Value) -> bool {
        const PLAIN: [&str; 7] = [
            "enum",
            "const",
            "type",
            "title",
            "description",
            "default",
            "$comment",
        ];
        if map.keys().all(|k| PLAIN.contains(&k.as_str())) {
            // Only the JSON type can reject an enum value here: no validator needed.
            return types_of(map).iter().any(|t| is_of_type(value, t));
        }
        let key = serde_json::to_string(map).unwrap_or_default();
        if !self.local.contains_key(&key) {
            // The subschema with the root's definitions (under either name) and draft, so
            // its references and keywords read as they do in the root.
            let mut local = map.clone();
            for key in ["$defs", "definitions", "$schema"] {
                if let Some(value) = self.root.get(key) {
                    local.entry(key).or_insert_with(|| value.clone());
                }
            }
            self.local
                .insert(key.clone(), Validator::new(&Value::Object(local)).ok());
        }
        self.local[&key].as_ref().is_some_and(|v| v.is_valid(value))
    }

    /// Starts the random choices again from `seed` (the compiled schema is kept).
    pub fn reseed(&mut self, seed: u64) {
        self.rng = Draws::seeded(seed);
    }

    fn number(&mut self, map: &Map<String, Value>, integer: bool, style: Style) -> Option<Value> {
        if let Some(value) = self.exact_integer(map, style) {
            return Some(value);
        }
        let get = |k: &str| keyword(map, k).and_then(Value::as_f64);
        let step = if integer { 1.0 } else { 0.5 };
        let mut low = get("minimum");
        if let Some(x) = get("exclusiveMinimum") {
            low = Some(low.map_or(x + step, |l: f64| l.max(x + step)));
        }
        let mut high = get("maximum");
        if let Some(x) = get("exclusiveMaximum") {
            high = Some(high.map_or(x - step, |h: f64| h.min(x - step)));
        }
        let mut value = match (low, high) {
            (Some(l), Some(h)) if style.shuffle && h > l => self.rng.random_range(l..=h),
            (Some(l), _) => l,
            (None, Some(h)) => h.min(0.0),
            (None, None) if style.shuffle => self.rng.random_range(-100.0..100.0),
            (None, None) => 0.0,
        };
        if integer || get("multipleOf").is_some() {
            value = value.ceil();
        }
        if let Some(m) = get("multipleOf").filter(|m| *m > 0.0) {
            value = (value / m).ceil() * m;
        }
        if high.is_some_and(|h| value > h) {
            return None;
        }
        if integer || value.fract() == 0.0 && value.abs() < 9.0e15 {
            return Some(Value::Number(Number::from(value as i64)));
        }
        Number::from_f64(value).map(Value::Number)
    }

    /// An integer within integer bounds, computed exactly (bounds beyond 2^53 included);
    /// `None` when a bound or `multipleOf` is not an integer.
    fn exact_integer(&mut self, map: &Map<String, Value>, style: Style) -> Option<Value> {
        let int = |k: &str| -> Result<Option<i128>, ()> {
            match keyword(map, k) {
                None => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| v.as_u64().map(i128::from))
                    .map(Some)
                    .ok_or(()),
            }
        };
        let (min, xmin, max, xmax, step) = (
            int("minimum").ok()?,
            int("exclusiveMinimum").ok()?,
            int("maximum").ok()?,
            int("exclusiveMaximum").ok()?,
            int("multipleOf").ok()?,
        );
        let low = [min, xmin.map(|x| x + 1)].into_iter().flatten().max();
        let high = [max, xmax.map(|x| x - 1)].into_iter().flatten().min();
        let mut value = match (low, high) {
            (Some(l), Some(h)) if style.shuffle && h > l => {
                l + self.rng.random_range(0..=(h - l).min(1000) as u64) as i128
            }
            (Some(l), _) => l,
            (None, Some(h)) => h.min(0),
            (None, None) if style.shuffle => self.rng.random_range(-100..100),
            (None, None) => 0,
        };
        if let Some(m) = step.filter(|m| *m > 0) {
            value = value.div_euclid(m) * m + if value.rem_euclid(m) == 0 { 0 } else { m };
        }
        if high.is_some_and(|h| value > h) || low.is_some_and(|l| value < l) {
            return None;
        }
        crate::compat::schema::exact_integer(value)
    }

    /// A string meeting its length bounds, pattern and format together: candidates from the
    /// format's examples, from the pattern, and from the two joined, checked one by one.
    fn string(&mut self, map: &Map<String, Value>, style: Style) -> Option<Value> {
        let min = keyword(map, "minLength")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let max = keyword(map, "maxLength").and_then(Value::as_u64);
        if min > MAX_GENERATED_LENGTH as u64 {
            // Far beyond what a payload needs to show a difference: not built.
            return None;
        }
        let min = min as usize;
        let max = max.map(|m| m.min(usize::MAX as u64) as usize);
        let format = keyword(map, "format").and_then(Value::as_str);
        let pattern = keyword(map, "pattern").and_then(Value::as_str);
        let mut candidates: Vec<String> = Vec::new();
        if let Some(format) = format {
            candidates.extend(format_examples(format, &mut self.rng, style));
        }
        if let Some(pattern) = pattern {
            // A generated string is the whole instance, so leading and trailing anchors hold
            // already; the generator refuses anchors, so they are dropped.
            let body = pattern.strip_prefix('^').unwrap_or(pattern);
            let body = body
                .strip_suffix('$')
                .filter(|b| !b.ends_with('\\'))
                .unwrap_or(body);
            let regex = self
                .patterns
                .entry(body.to_owned())
                .or_insert_with(|| rand_regex::Regex::compile(body, 8).ok());
            if let Some(regex) = regex {
                let rng = &mut self.rng;
                let samples: Vec<String> = (0..32).map(|_| rng.sample(&*regex)).collect();
                let joined: Vec<String> = candidates
                    .iter()
                    .flat_map(|e| {
                        samples
                            .iter()
                            .take(4)
                            .flat_map(move |p| [format!("{p}{e}"), format!("{e}{p}")])
                    })
                    .collect();
                candidates.extend(samples);
                candidates.extend(joined);
            }
        }
        if pattern.is_none() {
            let len = match max {
                Some(m) if style.shuffle && m > min => self.rng.random_range(min..=m.min(min + 12)),
                _ if style.shuffle => min + self.rng.random_range(0..6),
                _ => min,
            };
            candidates.push((0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect());
        }
        let padded: Vec<String> = candidates
            .iter()
            .filter(|c| c.chars().count() < min)
            .map(|c| format!("{c}{}", "a".repeat(min - c.chars().count())))
            .collect();
        candidates.extend(padded);
        candidates
            .into_iter()
            .find(|c| self.string_fits(c, min, max, pattern, format))
            .map(Value::String)
    }

    fn string_fits(
        &mut self,
        candidate: &str,
        min: usize,
        max: Option<usize>,
        pattern: Option<&str>,
        format: Option<&str>,
    ) -> bool {
        let len = candidate.chars().count();
        if len < min || max.is_some_and(|m| len > m) {
            return false;
        }
        if let Some(pattern) = pattern {
            if crate::compat::schema::matches(pattern, candidate) == Some(false) {
                return false;
            }
        }
        match format {
            Some(format) => {
                let root = self.root;
                let validator = self.formats.entry(format.to_owned()).or_insert_with(|| {
                    // As `fits` would build it: the format with the root's draft.
                    let mut schema = Map::new();
                    schema.insert("format".into(), Value::from(format));
                    for key in ["$defs", "definitions", "$schema"] {
                        if let Some(value) = root.get(key) {
                            schema.entry(key).or_insert_with(|| value.clone());
                        }
                    }
                    Validator::new(&Value::Object(schema)).ok()
                });
                validator
                    .as_ref()
                    .is_some_and(|v| v.is_valid(&Value::from(candidate)))
            }
            None => true,
        }
    }

    fn array(&mut self, map: &Map<String, Value>, depth: usize, style: Style) -> Option<Value> {
        let min = keyword(map, "minItems")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if min > MAX_GENERATED_ITEMS as u64 {
            return None;
        }
        let min = min as usize;
        let max = keyword(map, "maxItems")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        let prefix =
            keyword(map, "prefixItems").or_else(|| keyword(map, "items").filter(|i| i.is_array()));
        let no_prefix = Vec::new();
        let prefix: &Vec<Value> = prefix.and_then(Value::as_array).unwrap_or(&no_prefix);
        let any = Value::Bool(true);
        let rest: &Value = match keyword(map, "items") {
            Some(items) if !items.is_array() => items,
            _ => keyword(map, "additionalItems").unwrap_or(&any),
        };
        // Optional parts stop a few levels down, so recursive schemas stay small.
        let optional = style.optional && depth < OPTIONAL_DEPTH;
        let mut target = min.max(prefix.len().min(if optional { usize::MAX } else { min }));
        if keyword(map, "contains").is_some() {
            target = target.max(1);
        }
        if optional {
            target = target.max(prefix.len()).max(2);
        }
        if let Some(m) = max {
            target = target.min(m);
        }
        let unique = keyword(map, "uniqueItems") == Some(&Value::Bool(true));
        let mut items = Vec::with_capacity(target);
        for i in 0..target {
            let schema: std::borrow::Cow<Value> =
                if i == 0 && keyword(map, "contains").is_some() && prefix.is_empty() {
                    std::borrow::Cow::Owned(merge(
                        rest.as_object().unwrap_or(&Map::new()),
                        &map["contains"],
                    ))
                } else {
                    std::borrow::Cow::Borrowed(prefix.get(i).unwrap_or(rest))
                };
            let mut item = None;
            for attempt in 0..8 {
                let s = if attempt == 0 && !unique {
                    style
                } else {
                    Style::random(&mut self.rng)
                };
                let candidate = self.generate(&schema, depth + 1, s)?;
                if !unique || !items.contains(&candidate) {
                    item = Some(candidate);
                    break;
                }
            }
            items.push(item?);
        }
        Some(Value::Array(items))
    }

    fn object(&mut self, map: &Map<String, Value>, depth: usize, style: Style) -> Option<Value> {
        let empty = Map::new();
        let properties = keyword(map, "properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut required: Vec<&str> = keyword(map, "required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
        for key in &required {
            if !keys.contains(key) {
                keys.push(key);
            }
        }
        let mut i = 0;
        while i < keys.len() {
            let key = keys[i];
            i += 1;
            let needed = required.contains(&key);
            let optional = style.optional && depth < OPTIONAL_DEPTH;
            let wanted = needed || optional && (!style.shuffle || self.rng.random_bool(0.6));
            if !wanted || out.contains_key(key) {
                continue;
            }
            let schema: std::borrow::Cow<Value> = match keyword(properties, key) {
                Some(schema) => std::borrow::Cow::Borrowed(schema),
                None => std::borrow::Cow::Owned(
                    pattern_schema(map, key)
                        .or_else(|| keyword(map, "additionalProperties").cloned())
                        .unwrap_or(Value::Bool(true)),
                ),
            };
            match self.generate(&schema, depth + 1, style) {
                Some(value) => {
                    out.insert(key.to_owned(), value);
                }
                None if needed => return None,
                None => continue,
            }
            let deps = keyword(map, "dependentRequired")
                .or_else(|| keyword(map, "dependencies"))
                .and_then(|d| d.get(key));
            if let Some(Value::Array(deps)) = deps {
                for dep in deps.iter().filter_map(Value::as_str) {
                    if !required.contains(&dep) {
                        required.push(dep);
                        keys.push(dep);
                    }
                }
            }
        }
        let min = keyword(map, "minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if min > MAX_GENERATED_ITEMS as u64 {
            return None;
        }
        let min = min as usize;
        let mut n = 0;
        // Members beyond the declared ones: keys a `patternProperties` pattern matches, with
        // its schema, or else plain keys under `additionalProperties`.
        let pattern = keyword(map, "patternProperties")
            .and_then(Value::as_object)
            .and_then(|p| p.iter().next())
            .map(|(p, schema)| {
                (
                    crate::compat::schema::key_matching(p),
                    p.clone(),
                    schema.clone(),
                )
            });
        while out.len() < min && n < min + 8 {
            let (key, schema) = match &pattern {
                Some((key, p, schema)) => {
                    let key = if n == 0 {
                        key.clone()
                    } else {
                        format!("{key}{n}")
                    };
                    if crate::compat::schema::matches(p, &key) != Some(true) {
                        break;
                    }
                    (key, schema.clone())
                }
                None if keyword(map, "additionalProperties") == Some(&Value::Bool(false)) => break,
                None => (
                    format!("extra{n}"),
                    keyword(map, "additionalProperties")
                        .cloned()
                        .unwrap_or(Value::Bool(true)),
                ),
            };
            n += 1;
            out.insert(key, self.generate(&schema, depth + 1, style)?);
        }
        Some(Value::Object(out))
    }
}

/// [`Sampler::samples`] one instance at a time, with its own random state: the checker takes
/// the starting payloads it needs and no more, and gets the same ones in the same order as
/// a whole run would give.
pub(crate) struct SampleRun {
    count: usize,
    rng: Draws,
    found: Vec<Value>,
    started: bool,
    attempts: usize,
    style: Style,
}

impl SampleRun {
    /// A run of up to `count` instances, drawing as a sampler seeded with `seed` would.
    pub(crate) fn new(count: usize, seed: u64) -> Self {
        SampleRun::with_rng(count, Draws::seeded(seed))
    }

    fn with_rng(count: usize, rng: Draws) -> Self {
        SampleRun {
            count,
            rng,
            found: Vec::new(),
            started: false,
            attempts: 0,
            style: Style::maximal(),
        }
    }

    /// The next distinct valid instance of `sampler`'s schema, `None` once the run is over.
    pub(crate) fn next(&mut self, sampler: &mut Sampler) -> Option<&Value> {
        let before = self.found.len();
        std::mem::swap(&mut sampler.rng, &mut self.rng);
        if !self.started {
            self.started = true;
            self.found.extend(sampler.sample());
        }
        while self.found.len() == before
            && self.found.len() < self.count
            && self.attempts < self.count * 16
        {
            self.attempts += 1;
            if let Some(value) = sampler.generate(sampler.root, 0, self.style) {
                if !self.found.contains(&value) && sampler.validator.is_valid(&value) {
                    self.found.push(value);
                }
            }
            self.style = Style::random(&mut sampler.rng);
        }
        std::mem::swap(&mut sampler.rng, &mut self.rng);
        self.found.get(before)
    }

    /// The random state the whole run leaves behind, once [`Self::next`] has returned `None`.
    pub(crate) fn into_rng(self) -> Draws {
        self.rng
    }
}

/// The sampler's random source, counting its draws.
pub(crate) struct Draws {
    rng: StdRng,
    count: u64,
}

impl Draws {
    fn seeded(seed: u64) -> Self {
        Draws {
            rng: StdRng::seed_from_u64(seed),
            count: 0,
        }
    }
}

impl rand::TryRng for Draws {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.count += 1;
        self.rng.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.count += 1;
        self.rng.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.count += 1;
        self.rng.try_fill_bytes(dst)
    }
}

/// Choices generation makes: the smallest instance, or random ones with optional parts.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Include optional properties and array items.
    pub optional: bool,
    /// Random choices (branches, enum values, lengths, numbers).
    pub shuffle: bool,
}

impl Style {
    /// Required parts only, first choices.
    pub fn minimal() -> Self {
        Style {
            optional: false,
            shuffle: false,
        }
    }
    /// Every optional part, first choices.
    pub fn maximal() -> Self {
        Style {
            optional: true,
            shuffle: false,
        }
    }
    fn random(rng: &mut Draws) -> Self {
        Style {
            optional: rng.random_bool(0.5),
            shuffle: true,
        }
    }
}

fn pick<'v>(rng: &mut Draws, values: &[&'v Value], style: Style) -> Option<&'v Value> {
    if style.shuffle {
        values.choose(rng).copied()
    } else {
        values.first().copied()
    }
}

/// The JSON types a schema admits, most specific first.
fn types_of(map: &Map<String, Value>) -> Vec<&'static str> {
    const ALL: [&str; 7] = [
        "object", "array", "string", "integer", "number", "boolean", "null",
    ];
    let declared: Vec<&str> = match keyword(map, "type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => {
            let hints = [
                (
                    "object",
                    &[
                        "properties",
                        "required",
                        "additionalProperties",
                        "minProperties",
                        "patternProperties",
                    ][..],
                ),
                (
                    "array",
                    &[
                        "items",
                        "prefixItems",
                        "minItems",
                        "maxItems",
                        "contains",
                        "uniqueItems",
                    ][..],
                ),
                (
                    "string",
                    &["minLength", "maxLength", "pattern", "format"][..],
                ),
                (
                    "number",
                    &[
                        "minimum",
                        "maximum",
                        "exclusiveMinimum",
                        "exclusiveMaximum",
                        "multipleOf",
                    ][..],
                ),
            ];
            let hinted: Vec<&str> = hints
                .iter()
                .filter(|(_, keys)| keys.iter().any(|k| keyword(map, k).is_some()))
                .map(|(t, _)| *t)
                .collect();
            if hinted.is_empty() {
                return vec!["null", "string", "integer", "boolean", "object", "array"];
            }
            hinted
        }
    };
    ALL.iter()
        .copied()
        .filter(|t| declared.contains(t) || (*t == "integer" && declared.contains(&"number")))
        .collect()
}

fn is_of_type(value: &Value, json_type: &str) -> bool {
    match json_type {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

/// Examples of a format, short and long, so that one of them may also meet a pattern or a
/// length bound.
fn format_examples(format: &str, rng: &mut Draws, style: Style) -> Vec<String> {
    let n: u32 = if style.shuffle {
        rng.random_range(0..1000)
    } else {
        0
    };
    let list: Vec<String> = match format {
        "date-time" => vec![
            format!("2026-01-01T00:{:02}:00Z", n % 60),
            "2026-01-01T00:00:00.000+01:00".into(),
        ],
        "date" => vec![format!("2026-01-{:02}", n % 28 + 1)],
        "time" => vec![format!("12:{:02}:00Z", n % 60)],
        "email" | "idn-email" => vec![format!("user{n}@example.com"), "a@b.c".into()],
        "uuid" => vec![
            format!("00000000-0000-4000-8000-{:012}", n),
            "abcdef01-2345-4678-9abc-def012345678".into(),
        ],
        "uri" | "iri" => vec![format!("https://example.com/{n}"), "a:b".into()],
        "uri-reference" | "iri-reference" => vec![format!("/path/{n}"), "a".into()],
        "hostname" | "idn-hostname" => vec![format!("host{n}.example.com"), "a".into()],
        "ipv4" => vec![format!("192.0.2.{}", n % 256), "1.1.1.1".into()],
        "ipv6" => vec![
            format!("2001:db8::{:x}", n % 65536),
            "::".into(),
            "::1".into(),
            "a::".into(),
        ],
        "duration" => vec![format!("P{}D", n + 1), "PT1S".into()],
        "json-pointer" => vec![format!("/a/{n}"), "".into()],
        "relative-json-pointer" => vec!["0".into(), "1/a".into()],
        "uri-template" => vec!["/a/{b}".into()],
        "regex" => vec!["^a+$".to_owned(), "a".into()],
        _ => Vec::new(),
    };
    list
}

/// Most array items or object members the generator builds for a `minItems` or
/// `minProperties`: larger bounds are reasoned about, not instantiated.
pub(crate) const MAX_GENERATED_ITEMS: usize = 1024;

/// Longest string the generator builds for a `minLength`: larger bounds are reasoned about,
/// not instantiated.
pub(crate) const MAX_GENERATED_LENGTH: usize = 4096;

/// For a `oneOf` branch: the optional properties that only other branches require are not
/// generated (an object carrying them could match two branches, which `oneOf` refuses).
fn leave_out_keys_of_other_branches(merged: &mut Value, branches: &[Value], chosen: usize) {
    let required = |schema: &Value| -> Vec<String> {
        schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect()
    };
    let own = required(merged);
    let Some(Value::Object(properties)) = merged.get_mut("properties") else {
        return;
    };
    for (i, branch) in branches.iter().enumerate() {
        if i == chosen {
            continue;
        }
        for name in required(branch) {
            if !own.contains(&name) {
                properties.shift_remove(&name);
            }
        }
    }
}

fn without(map: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    let mut out = map.clone();
    for key in keys {
        out.shift_remove(*key);
    }
    out
}

/// A schema that adds `extra`'s keywords to `base` (a conjunction, approximately: where both
/// set the same keyword the stricter of simple bounds wins and the rest takes `extra`'s).
pub(crate) fn merge(base: &Map<String, Value>, extra: &Value) -> Value {
    let Value::Object(extra) = extra else {
        return if extra == &Value::Bool(false) {
            Value::Bool(false)
        } else {
            Value::Object(base.clone())
        };
    };
    let mut out = base.clone();
    for (key, value) in extra {
        let merged = match (key.as_str(), out.get(key)) {
            ("properties", Some(Value::Object(a))) => {
                let mut props = a.clone();
                for (name, schema) in value.as_object().into_iter().flatten() {
                    let combined = match props.get(name) {
                        Some(Value::Object(existing)) => merge(existing, schema),
                        _ => schema.clone(),
                    };
                    props.insert(name.clone(), combined);
                }
                Value::Object(props)
            }
            ("required", Some(Value::Array(a))) => {
                let mut all = a.clone();
                for name in value.as_array().into_iter().flatten() {
                    if !all.contains(name) {
                        all.push(name.clone());
                    }
                }
                Value::Array(all)
            }
            (
                "minimum" | "minLength" | "minItems" | "minProperties" | "exclusiveMinimum",
                Some(a),
            ) => {
                if a.as_f64() >= value.as_f64() {
                    a.clone()
                } else {
                    value.clone()
                }
            }
            (
                "maximum" | "maxLength" | "maxItems" | "maxProperties" | "exclusiveMaximum",
                Some(a),
            ) => {
                if a.as_f64() <= value.as_f64() {
                    a.clone()
                } else {
                    value.clone()
                }
            }
            ("type", Some(a)) => intersect_types(a, value),
            // Schemas of the same members: both apply.
            (
                "items" | "additionalProperties" | "contains" | "propertyNames",
                Some(Value::Object(a)),
            ) if value.is_object() => merge(a, value),
            ("allOf", Some(Value::Array(a))) => Value::Array(
                a.iter()
                    .chain(value.as_array().into_iter().flatten())
                    .cloned()
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), merged);
    }
    Value::Object(out)
}

fn intersect_types(a: &Value, b: &Value) -> Value {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let (a, b) = (list(a), list(b));
    let both: Vec<Value> = a
        .iter()
        .filter_map(|t| {
            if b.contains(t) {
                Some(t.clone())
            } else if t == "integer" && b.iter().any(|x| x == "number")
                || t == "number" && b.iter().any(|x| x == "integer")
            {
                Some("integer".to_owned())
            } else {
                None
            }
        })
        .map(Value::String)
        .collect();
    json!(both)
}

fn pattern_schema(map: &Map<String, Value>, key: &str) -> Option<Value> {
    let patterns = keyword(map, "patternProperties")?.as_object()?;
    patterns
        .iter()
        .find(|(p, _)| regex::Regex::new(p).is_ok_and(|r| r.is_match(key)))
        .map(|(_, s)| s.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event schema of the repository's registry and of the keyword fixtures.
    fn schemas() -> Vec<Value> {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        [
            "../schemas",
            "tests/fixtures/keywords",
            "tests/fixtures/fidelity",
        ]
        .iter()
        .flat_map(|dir| crate::load(here.join(dir)).expect("loads").0.events)
        .map(|event| event.schema.value())
        .collect()
    }

    #[test]
    fn a_run_taken_one_at_a_time_is_a_whole_run() {
        let schemas = schemas();
        assert!(schemas.len() >= 20, "{} schemas", schemas.len());
        for (i, schema) in schemas.iter().enumerate() {
            let seed = i as u64;
            let mut whole = Sampler::new(schema, seed).unwrap();
            let expected = whole.samples(12);

            // The run draws from its own state: the sampler's own generation in between
            // changes nothing of what the run gives.
            let mut sampler = Sampler::new(schema, seed).unwrap();
            let mut run = SampleRun::new(12, seed);
            let mut taken = Vec::new();
            while let Some(value) = run.next(&mut sampler).cloned() {
                taken.push(value);
                let style = Style::random(&mut sampler.rng);
                sampler.generate(schema, 0, style);
            }
            assert_eq!(taken, expected, "schema {i}");
            assert!(
                run.next(&mut sampler).is_none(),
                "a finished run stays finished"
            );

            // The state it leaves is the one a whole run leaves.
            sampler.take_rng(run.into_rng());
            for _ in 0..4 {
                let style = Style::random(&mut whole.rng);
                assert_eq!(
                    Style::random(&mut sampler.rng).optional,
                    style.optional,
                    "schema {i}"
                );
                assert_eq!(
                    sampler.generate(schema, 0, style),
                    whole.generate(schema, 0, style),
                    "schema {i}"
                );
            }
        }
    }

    #[test]
    fn draws_are_counted_only_when_generation_is_random() {
        let plain = json!({"type": "object", "properties": {"id": {"type": "string"}},
            "required": ["id"]});
        let mut sampler = Sampler::new(&plain, 0).unwrap();
        sampler.generate(&plain, 0, Style::minimal());
        assert_eq!(sampler.draws(), 0, "the minimal payload of a plain schema");
        let patterned = json!({"type": "string", "pattern": "^[a-z]{3}$"});
        let mut sampler = Sampler::new(&patterned, 0).unwrap();
        sampler.generate(&patterned, 0, Style::minimal());
        assert!(sampler.draws() > 0, "a pattern is sampled at random");
        sampler.reseed(3);
        assert_eq!(sampler.draws(), 0, "reseeding starts the count again");
    }
}
