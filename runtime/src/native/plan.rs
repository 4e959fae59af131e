//! A schema compiled for checking while serde decodes or encodes: one [`Node`] per subschema,
//! `$ref`s resolved to node ids (so recursion is a cycle in the arena, never a copy).
//!
//! A subschema whose keywords all have a streaming check becomes [`Node::Checks`]. Anything
//! else (`anyOf`, `oneOf`, `not`, `if`, `allOf`, `contains`, `uniqueItems`, `unevaluated*`,
//! compound `enum`/`const`, refs we cannot follow by pointer) becomes [`Node::Delegated`]: the
//! subtree under it is buffered and handed to jsonschema. Scalar keywords without a native
//! check (`multipleOf`, most formats, patterns outside the safe subset) stay native nodes with a
//! small jsonschema validator for just those keywords.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::draft::Draft;
use super::format::Format;
use super::number::Num;
use super::pattern::Pattern;
use super::pointer::Member;

pub(crate) type NodeId = u32;

/// The node every unconstrained place points at.
pub(crate) const ANY: NodeId = 0;
/// The `false` schema.
pub(crate) const NEVER: NodeId = 1;

pub(crate) enum Node {
    Any,
    Never,
    Checks(Box<Checks>),
    Delegated(Arc<jsonschema::Validator>),
    Combined(Box<Combined>),
}

/// A subschema with applicators that need a verdict per branch (`allOf`, `anyOf`, `oneOf`,
/// `not`, `if`/`then`/`else`, a `$ref` beside other keywords). Its subtree is read once as raw
/// JSON; each branch is a streaming check over those bytes, then the type decodes from them
/// with `base` (the node's other keywords) checked on the way.
pub(crate) struct Combined {
    pub base: NodeId,
    pub all_of: Vec<NodeId>,
    pub any_of: Vec<NodeId>,
    pub one_of: Vec<NodeId>,
    pub not: Option<NodeId>,
    /// `if`, `then`, `else` (absent branches are [`ANY`]).
    pub condition: Option<(NodeId, NodeId, NodeId)>,
    /// Set when the `oneOf` branches are told apart by a required property's constant.
    pub one_of_tag: Option<Discriminator>,
    /// The same for `anyOf`.
    pub any_of_tag: Option<Discriminator>,
}

/// Branches that each require property `name` to equal their own string: in an object, only
/// the branch whose string the property holds can pass, so only that one is checked.
pub(crate) struct Discriminator {
    pub name: Box<str>,
    /// Each branch's string, in branch order.
    pub values: Vec<Box<str>>,
    /// Every branch admits objects only, so nothing but an object can pass.
    pub objects_only: bool,
}

impl Combined {
    /// The tag and branches, when this node is nothing but a tagged `oneOf`/`anyOf` whose
    /// branches admit objects only: such a value is checked while it streams (see `de.rs`).
    pub(crate) fn streaming_tag(&self) -> Option<(&Discriminator, &[NodeId])> {
        if self.base != ANY
            || !self.all_of.is_empty()
            || self.not.is_some()
            || self.condition.is_some()
        {
            return None;
        }
        let (tag, branches) = match (&self.one_of_tag, &self.any_of_tag) {
            (Some(tag), None) if self.any_of.is_empty() => (tag, &self.one_of),
            (None, Some(tag)) if self.one_of.is_empty() => (tag, &self.any_of),
            _ => return None,
        };
        tag.objects_only.then_some((tag, branches.as_slice()))
    }

    /// When the node is nothing but a tagged `oneOf` or `anyOf` and `raw` is an object whose
    /// tag appears once: the branch the value must pass, or `None` if no branch can.
    pub(crate) fn tagged_branch(&self, raw: &str) -> Option<Option<NodeId>> {
        if self.base != ANY
            || !self.all_of.is_empty()
            || self.not.is_some()
            || self.condition.is_some()
        {
            return None;
        }
        match (&self.one_of_tag, &self.any_of_tag) {
            (Some(tag), None) if self.any_of.is_empty() => tag.branch(&self.one_of, raw),
            (None, Some(tag)) if self.one_of.is_empty() => tag.branch(&self.any_of, raw),
            _ => None,
        }
    }
}

impl Discriminator {
    /// The only branch of `branches` that can pass `raw`: `None` when the tag cannot tell
    /// (not an object, or the tag repeated), `Some(None)` when no branch can pass.
    pub(crate) fn branch(&self, branches: &[NodeId], raw: &str) -> Option<Option<NodeId>> {
        match super::pointer::member(raw, &self.name) {
            Member::NotObject | Member::Repeated => None,
            Member::Absent | Member::NotString => Some(None),
            Member::String(value) => Some(self.branch_named(branches, &value)),
        }
    }

    /// The branch of `branches` whose tag is `value`.
    pub(crate) fn branch_named(&self, branches: &[NodeId], value: &str) -> Option<NodeId> {
        let i = self.values.iter().position(|v| **v == *value)?;
        Some(branches[i])
    }

    /// The discriminator of `branches`, if every one is a plain object check requiring one
    /// property to hold a constant string, and the strings differ.
    fn find(nodes: &[Node], branches: &[NodeId]) -> Option<Discriminator> {
        let checks = |id: NodeId| match &nodes[id as usize] {
            Node::Checks(checks) => Some(&**checks),
            _ => None,
        };
        let constant = |branch: &Checks, name: &str| -> Option<Box<str>> {
            let key = branch.keys.iter().find(|k| &*k.name == name)?;
            let required = key
                .bit
                .is_some_and(|b| branch.required_mask & (1 << b) != 0);
            let node = branch.properties.iter().find(|(p, _)| &**p == name)?.1;
            let value = checks(node)?
                .allowed
                .iter()
                .find_map(|list| match list.as_slice() {
                    [Scalar::String(s)] => Some(s.clone()),
                    _ => None,
                });
            value.filter(|_| required)
        };
        if branches.len() < 2 {
            return None;
        }
        let first = checks(branches[0])?;
        first.properties.iter().find_map(|(name, _)| {
            let values = branches
                .iter()
                .map(|b| constant(checks(*b)?, name))
                .collect::<Option<Vec<_>>>()?;
            let distinct = values
                .iter()
                .enumerate()
                .all(|(i, v)| !values[..i].contains(v));
            let objects_only = branches
                .iter()
                .all(|b| checks(*b).is_some_and(|c| c.types == ty::OBJECT));
            distinct.then(|| Discriminator {
                name: name.clone(),
                values,
                objects_only,
            })
        })
    }
}

/// JSON types as bits.
pub(crate) mod ty {
    pub const NULL: u8 = 1;
    pub const BOOLEAN: u8 = 2;
    pub const OBJECT: u8 = 4;
    pub const ARRAY: u8 = 8;
    pub const NUMBER: u8 = 16;
    pub const INTEGER: u8 = 32;
    pub const STRING: u8 = 64;
    pub const ALL: u8 = 127;
}

/// A scalar of an `enum` or `const`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Number(Num),
    String(Box<str>),
}

/// A property name the schema mentions.
pub(crate) struct Key {
    pub name: Box<str>,
    /// The name's first eight bytes, for a lookup that rarely needs a full comparison.
    pub prefix: u64,
    /// Its last eight bytes when it is longer than eight (names up to 16 bytes compare whole).
    pub suffix: u64,
    /// Its node under `properties`; `None` for a name only `required` mentions.
    pub node: Option<NodeId>,
    /// Its bit among the tracked names.
    pub bit: Option<u32>,
}

#[derive(Default)]
pub(crate) struct Checks {
    pub types: u8,
    /// Each list is one `enum` or `const`; the value must be in every list.
    pub allowed: Vec<Vec<Scalar>>,
    pub minimum: Option<Num>,
    pub maximum: Option<Num>,
    pub exclusive_minimum: Option<Num>,
    pub exclusive_maximum: Option<Num>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<Pattern>,
    pub format: Option<Format>,
    /// Scalar keywords checked by jsonschema on the one value.
    pub residual: Option<jsonschema::Validator>,
    /// `properties`, in schema order.
    pub properties: Vec<(Box<str>, NodeId)>,
    /// Every name with a node or a tracked bit, in schema order, for one lookup per key.
    pub keys: Vec<Key>,
    /// Open-addressing table of indexes into `keys` (`NO_KEY` when empty).
    pub key_slots: Box<[u16]>,
    pub key_shift: u32,
    pub pattern_property: Option<(Pattern, NodeId)>,
    pub additional: NodeId,
    pub property_names: Option<NodeId>,
    /// Names whose presence matters (`required`, `dependentRequired`), by bit.
    pub tracked: Vec<Box<str>>,
    pub required_mask: u64,
    /// (trigger bit, mask of the names it requires).
    pub dependent_required: Vec<(u32, u64)>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub prefix_items: Vec<NodeId>,
    pub items: NodeId,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
}

impl Checks {
    /// The node a value under key `name` is checked against, and the key's tracked bit.
    #[inline(always)]
    pub(crate) fn key(&self, name: &str) -> (NodeId, Option<u32>) {
        if !self.keys.is_empty() {
            let prefix = key_prefix(name);
            let mask = self.key_slots.len() - 1;
            let mut slot = key_slot(prefix, name.len(), self.key_shift);
            loop {
                let index = self.key_slots[slot];
                if index == NO_KEY {
                    break;
                }
                let key = &self.keys[usize::from(index)];
                if key.prefix == prefix
                    && key.name.len() == name.len()
                    && (name.len() <= 8
                        || key.suffix == key_suffix(name)
                            && (name.len() <= 16
                                || key.name.as_bytes()[8..] == name.as_bytes()[8..]))
                {
                    let node = key.node.unwrap_or_else(|| self.unlisted(name));
                    return (node, key.bit);
                }
                slot = (slot + 1) & mask;
            }
        }
        (self.unlisted(name), None)
    }

    /// Fills the open-addressing table over `keys` that [`Checks::key`] probes.
    fn index_keys(&mut self) {
        let size = (self.keys.len() * 2).next_power_of_two().max(4);
        self.key_shift = 64 - size.trailing_zeros();
        self.key_slots = vec![NO_KEY; size].into_boxed_slice();
        for (i, key) in self.keys.iter().enumerate() {
            let mut slot = key_slot(key.prefix, key.name.len(), self.key_shift);
            while self.key_slots[slot] != NO_KEY {
                slot = (slot + 1) & (size - 1);
            }
            self.key_slots[slot] = u16::try_from(i).expect("fewer keys than u16::MAX");
        }
    }

    /// The node of a key `properties` does not list.
    fn unlisted(&self, name: &str) -> NodeId {
        if let Some((regex, node)) = &self.pattern_property {
            if regex.is_match(name.as_bytes()) {
                return *node;
            }
        }
        self.additional
    }

    #[inline]
    pub(crate) fn child_of_index(&self, index: usize) -> NodeId {
        self.prefix_items.get(index).copied().unwrap_or(self.items)
    }
}

const NO_KEY: u16 = u16::MAX;

/// A key's slot in a table of `2^(64 - shift)` slots (Fibonacci hashing).
#[inline]
fn key_slot(prefix: u64, len: usize, shift: u32) -> usize {
    ((prefix ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

/// The last eight bytes of `name` (zero when it has eight or fewer).
#[inline]
pub(crate) fn key_suffix(name: &str) -> u64 {
    name.as_bytes()
        .last_chunk::<8>()
        .filter(|_| name.len() > 8)
        .map_or(0, |last| u64::from_le_bytes(*last))
}

/// The first eight bytes of `name`, zero-padded.
#[inline]
pub(crate) fn key_prefix(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let n = bytes.len();
    if let Some(first) = bytes.first_chunk::<8>() {
        return u64::from_le_bytes(*first);
    }
    // Shorter names: two overlapping reads cover every byte without a loop.
    if n >= 4 {
        let low = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let high = u32::from_le_bytes([bytes[n - 4], bytes[n - 3], bytes[n - 2], bytes[n - 1]]);
        return u64::from(low) | (u64::from(high) << (8 * (n - 4)));
    }
    match n {
        0 => 0,
        _ => {
            u64::from(bytes[0])
                | (u64::from(bytes[n / 2]) << (8 * (n / 2)))
                | (u64::from(bytes[n - 1]) << (8 * (n - 1)))
        }
    }
}

/// How each keyword of a schema is enforced, for the generator's report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Enforcement {
    /// Keyword → the schema pointers where it is checked natively.
    pub native: BTreeMap<String, Vec<String>>,
    /// Keyword → where it is delegated to jsonschema (scalar residuals and whole subtrees).
    pub delegated: BTreeMap<String, Vec<String>>,
}

/// A compiled schema: nodes plus the root.
pub struct Plan {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
    enforcement: Enforcement,
    /// The node of every subschema compiled, by JSON Pointer.
    by_pointer: BTreeMap<String, NodeId>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("nodes", &self.nodes.len())
            .field("enforcement", &self.enforcement)
            .finish()
    }
}

/// Why a schema could not be compiled at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot compile the schema: {0}")]
pub struct PlanError(String);

const BASE: &str = "urn:contracts:schema";

/// Keywords jsonschema gives meaning to. Everything else is an annotation it ignores.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "$vocabulary",
];

impl Plan {
    /// Compiles `schema` (a whole document; `$schema` picks the draft, 2020-12 when absent).
    pub fn compile(schema: &Value) -> Result<Plan, PlanError> {
        Self::compile_with(schema, &[])
    }

    /// [`Plan::compile`] with other documents, by URI, for `$ref`s that leave `schema`
    /// (nothing is fetched over the network).
    pub fn compile_with(schema: &Value, resources: &[(String, Value)]) -> Result<Plan, PlanError> {
        // Only the drafts' own meta-schemas: a custom one may turn vocabularies off.
        let draft = match schema
            .get("$schema")
            .and_then(Value::as_str)
            .map(|s| s.trim_end_matches('#'))
        {
            None => Draft::Draft2020,
            Some(
                "http://json-schema.org/draft-07/schema"
                | "https://json-schema.org/draft-07/schema",
            ) => Draft::Draft7,
            Some("https://json-schema.org/draft/2020-12/schema") => Draft::Draft2020,
            Some(other) => return Err(PlanError(format!("unsupported meta-schema {other}"))),
        };
        let mut document = schema.clone();
        if let (Value::Object(map), Draft::Draft2020) = (&mut document, draft) {
            map.entry("$schema")
                .or_insert_with(|| "https://json-schema.org/draft/2020-12/schema".into());
        }
        let base = match document.get("$id").and_then(Value::as_str) {
            Some(id) if id.contains(':') => id.trim_end_matches('#').to_owned(),
            _ => BASE.to_owned(),
        };
        let registry = referencing::SPECIFICATIONS
            .add(&base, &document)
            .and_then(|b| b.extend(resources.iter().map(|(uri, doc)| (uri, doc))))
            .and_then(|b| b.prepare())
            .map_err(|e| PlanError(e.to_string()))?;
        let pointer_refs_only = !has_nested_identifiers(&document, true);
        let mut compiler = Compiler {
            document: &document,
            draft,
            base,
            registry: &registry,
            pointer_refs_only,
            nodes: vec![Node::Any, Node::Never],
            by_pointer: BTreeMap::new(),
            enforcement: Enforcement::default(),
        };
        let root = compiler.node("")?;
        compiler.discriminators();
        let Compiler {
            nodes,
            enforcement,
            by_pointer,
            ..
        } = compiler;
        Ok(Plan {
            nodes,
            root,
            enforcement,
            by_pointer,
        })
    }

    /// How each keyword is enforced.
    pub fn enforcement(&self) -> &Enforcement {
        &self.enforcement
    }

    /// The node compiled for the subschema at `pointer` (a JSON Pointer into the document,
    /// `""` for the root), following pure `$ref`s; `None` when no node was compiled there
    /// (inside a subschema delegated to jsonschema, say). Generated checks find their nodes
    /// this way.
    #[doc(hidden)]
    pub fn node_at(&self, pointer: &str) -> Option<u32> {
        self.by_pointer.get(pointer).copied()
    }

    #[inline]
    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }
}

fn has_nested_identifiers(value: &Value, root: bool) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (!root && k == "$id")
                || k == "$anchor"
                || k == "$dynamicAnchor"
                || k == "$recursiveAnchor"
                || (k != "enum" && k != "const" && k != "examples" && k != "default")
                    && has_nested_identifiers(v, false)
        }),
        Value::Array(items) => items.iter().any(|v| has_nested_identifiers(v, false)),
        _ => false,
    }
}

struct Compiler<'a> {
    document: &'a Value,
    draft: Draft,
    base: String,
    registry: &'a jsonschema::Registry<'a>,
    pointer_refs_only: bool,
    nodes: Vec<Node>,
    by_pointer: BTreeMap<String, NodeId>,
    enforcement: Enforcement,
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl Compiler<'_> {
    fn node(&mut self, pointer: &str) -> Result<NodeId, PlanError> {
        // Pure references are followed to what they name, so they cost nothing at run time.
        // Every pointer passed on the way names the node found, for `Plan::node_at`.
        let mut passed = Vec::new();
        let mut pointer = pointer.to_owned();
        let (pointer, schema) = loop {
            if let Some(id) = self.by_pointer.get(&pointer).copied() {
                return Ok(self.name_all(passed, id));
            }
            let schema = self
                .document
                .pointer(&pointer)
                .ok_or_else(|| PlanError(format!("no schema at {pointer}")))?;
            match schema.as_object().map(|map| self.classify(map)) {
                Some(Shape::Redirect(target)) if passed.len() < 64 => {
                    passed.push(std::mem::replace(&mut pointer, target));
                }
                _ => break (pointer, schema),
            }
        };
        let pointer = pointer.as_str();
        let map = match schema {
            Value::Bool(allowed) => {
                passed.push(pointer.to_owned());
                return Ok(self.name_all(passed, if *allowed { ANY } else { NEVER }));
            }
            Value::Object(map) => map,
            _ => return Err(PlanError(format!("{pointer} is not a schema"))),
        };
        // Reserve the id first so a recursive reference finds it.
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node::Any);
        self.by_pointer.insert(pointer.to_owned(), id);
        let node = match self.classify(map) {
            Shape::Redirect(_) => {
                // A cycle of pure references: let jsonschema say what it means.
                self.record(false, "$ref", pointer);
                Node::Delegated(Arc::new(self.delegate(pointer)?))
            }
            Shape::Delegate(keywords) => {
                for keyword in keywords {
                    self.record(false, &keyword, pointer);
                }
                Node::Delegated(Arc::new(self.delegate(pointer)?))
            }
            Shape::Combined => Node::Combined(Box::new(self.combined(map, pointer)?)),
            Shape::Native => match self.checks(map, pointer)? {
                Some(checks) => Node::Checks(Box::new(checks)),
                None => Node::Any,
            },
        };
        self.nodes[id as usize] = node;
        Ok(self.name_all(passed, id))
    }

    fn name_all(&mut self, pointers: Vec<String>, id: NodeId) -> NodeId {
        for pointer in pointers {
            self.by_pointer.insert(pointer, id);
        }
        id
    }

    /// Finds the tagged `oneOf`/`anyOf` lists. They need every branch compiled, so this runs
    /// last.
    fn discriminators(&mut self) {
        let mut seen = std::collections::BTreeSet::new();
        let combined: Vec<(String, NodeId)> = self
            .by_pointer
            .iter()
            .filter(|(_, id)| matches!(self.nodes[**id as usize], Node::Combined(_)))
            .filter(|(_, id)| seen.insert(**id))
            .map(|(pointer, id)| (pointer.clone(), *id))
            .collect();
        for (pointer, id) in combined {
            let Node::Combined(node) = &self.nodes[id as usize] else {
                continue;
            };
            let one_of = Discriminator::find(&self.nodes, &node.one_of);
            let any_of = Discriminator::find(&self.nodes, &node.any_of);
            for (keyword, tag) in [("oneOf", &one_of), ("anyOf", &any_of)] {
                if tag.is_some() {
                    self.record(true, "discriminator", &format!("{pointer}/{keyword}"));
                }
            }
            if let Node::Combined(node) = &mut self.nodes[id as usize] {
                node.one_of_tag = one_of;
                node.any_of_tag = any_of;
            }
        }
    }

    fn record(&mut self, native: bool, keyword: &str, pointer: &str) {
        let table = if native {
            &mut self.enforcement.native
        } else {
            &mut self.enforcement.delegated
        };
        table
            .entry(keyword.to_owned())
            .or_default()
            .push(if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            });
    }

    fn delegate(&self, pointer: &str) -> Result<jsonschema::Validator, PlanError> {
        let wrapper = serde_json::json!({ "$ref": format!("{}#{}", self.base, pointer) });
        let options = jsonschema::options()
            .with_registry(self.registry)
            .should_validate_formats(true);
        let options = match self.draft {
            Draft::Draft7 => options.with_draft(jsonschema::Draft::Draft7),
            Draft::Draft2020 => options.with_draft(jsonschema::Draft::Draft202012),
        };
        options
            .build(&wrapper)
            .map_err(|e| PlanError(format!("{pointer}: {e}")))
    }

    fn classify(&self, map: &Map<String, Value>) -> Shape {
        let mut delegated = Vec::new();
        let constraining = map
            .keys()
            .filter(|k| !ANNOTATIONS.contains(&k.as_str()) && k.as_str() != "$ref")
            .count();
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let followable = self.pointer_refs_only
                && reference.starts_with('#')
                && (reference.len() == 1 || reference.as_bytes()[1] == b'/')
                && self
                    .document
                    .pointer(&decode_fragment(&reference[1..]))
                    .is_some();
            let alone = self.draft == Draft::Draft7 || constraining == 0;
            if followable && alone {
                return Shape::Redirect(decode_fragment(&reference[1..]));
            }
            if !followable {
                return Shape::Delegate(vec!["$ref".to_owned()]);
            }
        }
        for (keyword, value) in map {
            let whole = match keyword.as_str() {
                "allOf" | "anyOf" | "oneOf" | "not" | "if" | "contains" | "$dynamicRef"
                | "$recursiveRef" | "$anchor" | "$dynamicAnchor" | "$recursiveAnchor" => true,
                "unevaluatedItems"
                | "unevaluatedProperties"
                | "dependentSchemas"
                | "minContains"
                | "maxContains" => self.draft == Draft::Draft2020,
                "uniqueItems" => value != &Value::Bool(false),
                "enum" => !value
                    .as_array()
                    .is_some_and(|items| items.iter().all(|v| scalar(v).is_some())),
                "const" => scalar(value).is_none(),
                "dependencies" => {
                    self.draft == Draft::Draft7
                        && !value
                            .as_object()
                            .is_some_and(|m| m.values().all(Value::is_array))
                }
                "patternProperties" => {
                    let patterns = value.as_object();
                    !patterns.is_some_and(|p| {
                        p.len() <= 1
                            && p.keys().all(|pattern| {
                                safe_regex(pattern).is_some_and(|regex| {
                                    map.get("properties").and_then(Value::as_object).is_none_or(
                                        |props| {
                                            props
                                                .keys()
                                                .all(|name| !regex.is_match(name.as_bytes()))
                                        },
                                    )
                                })
                            })
                    })
                }
                _ => false,
            };
            if whole {
                delegated.push(keyword.clone());
            }
        }
        let combined = map.contains_key("$ref") || COMBINATORS.iter().any(|k| map.contains_key(*k));
        if delegated.iter().any(|k| !COMBINATORS.contains(&k.as_str())) {
            Shape::Delegate(delegated)
        } else if combined {
            Shape::Combined
        } else {
            Shape::Native
        }
    }

    fn combined(&mut self, map: &Map<String, Value>, pointer: &str) -> Result<Combined, PlanError> {
        let mut rest = map.clone();
        for keyword in [
            "$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
        ] {
            rest.remove(keyword);
        }
        let base = match self.checks(&rest, pointer)? {
            Some(checks) => {
                self.nodes.push(Node::Checks(Box::new(checks)));
                (self.nodes.len() - 1) as NodeId
            }
            None => ANY,
        };
        let mut combined = Combined {
            base,
            all_of: Vec::new(),
            any_of: Vec::new(),
            one_of: Vec::new(),
            not: None,
            condition: None,
            one_of_tag: None,
            any_of_tag: None,
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let target = self.node(&decode_fragment(&reference[1..]))?;
            combined.all_of.push(target);
            self.record(true, "$ref", pointer);
        }
        for (keyword, list) in [
            ("allOf", &mut combined.all_of),
            ("anyOf", &mut combined.any_of),
            ("oneOf", &mut combined.one_of),
        ] {
            if let Some(branches) = map.get(keyword).and_then(Value::as_array) {
                for i in 0..branches.len() {
                    list.push(self.node(&format!("{pointer}/{keyword}/{i}"))?);
                }
                self.record(true, keyword, pointer);
            }
        }
        if map.contains_key("not") {
            combined.not = Some(self.node(&format!("{pointer}/not"))?);
            self.record(true, "not", pointer);
        }
        if map.contains_key("if") {
            let mut branch = |keyword: &str| -> Result<NodeId, PlanError> {
                if map.contains_key(keyword) {
                    self.node(&format!("{pointer}/{keyword}"))
                } else {
                    Ok(ANY)
                }
            };
            let condition = (branch("if")?, branch("then")?, branch("else")?);
            combined.condition = Some(condition);
            self.record(true, "if", pointer);
        }
        Ok(combined)
    }

    fn checks(
        &mut self,
        map: &Map<String, Value>,
        pointer: &str,
    ) -> Result<Option<Checks>, PlanError> {
        let mut checks = Checks {
            types: ty::ALL,
            additional: ANY,
            items: ANY,
            ..Checks::default()
        };
        let mut residual = Map::new();
        let mut constrained = false;
        let draft = self.draft;
        let mut required: Vec<Box<str>> = Vec::new();
        let mut dependent: Vec<(Box<str>, Vec<Box<str>>)> = Vec::new();
        for (keyword, value) in map {
            let here = format!("{pointer}/{}", escape(keyword));
            let mut native = true;
            match keyword.as_str() {
                "type" => checks.types = type_bits(value)?,
                "enum" => {
                    let list = value
                        .as_array()
                        .map(|items| items.iter().filter_map(scalar).collect::<Vec<_>>());
                    checks.allowed.push(list.unwrap_or_default());
                }
                "const" => checks.allowed.push(scalar(value).into_iter().collect()),
                "minimum" => checks.minimum = Num::of(value),
                "maximum" => checks.maximum = Num::of(value),
                "exclusiveMinimum" => checks.exclusive_minimum = Num::of(value),
                "exclusiveMaximum" => checks.exclusive_maximum = Num::of(value),
                "minLength" => checks.min_length = count(value),
                "maxLength" => checks.max_length = count(value),
                "minProperties" => checks.min_properties = count(value),
                "maxProperties" => checks.max_properties = count(value),
                "minItems" => checks.min_items = count(value),
                "maxItems" => checks.max_items = count(value),
                "pattern" => match value.as_str().and_then(safe_regex) {
                    Some(regex) => checks.pattern = Some(regex),
                    None => {
                        native = false;
                        residual.insert(keyword.clone(), value.clone());
                    }
                },
                "format" => match value.as_str().and_then(|name| Format::native(name, draft)) {
                    Some(format) => checks.format = Some(format),
                    None => {
                        native = false;
                        residual.insert(keyword.clone(), value.clone());
                    }
                },
                "multipleOf" => {
                    native = false;
                    residual.insert(keyword.clone(), value.clone());
                }
                "required" => {
                    required = names(value);
                }
                "dependentRequired" if draft == Draft::Draft2020 => {
                    dependent = dependencies(value);
                }
                "dependencies" if draft == Draft::Draft7 => {
                    dependent = dependencies(value);
                }
                "properties" => {
                    if let Some(props) = value.as_object() {
                        for name in props.keys() {
                            let child = self.node(&format!("{here}/{}", escape(name)))?;
                            checks.properties.push((name.as_str().into(), child));
                        }
                    }
                }
                "patternProperties" => {
                    if let Some((pattern, _)) = value.as_object().and_then(|p| p.iter().next()) {
                        let child = self.node(&format!("{here}/{}", escape(pattern)))?;
                        let regex = safe_regex(pattern)
                            .ok_or_else(|| PlanError(format!("{here}: bad pattern")))?;
                        checks.pattern_property = Some((regex, child));
                    }
                }
                "additionalProperties" => checks.additional = self.node(&here)?,
                "propertyNames" => checks.property_names = Some(self.node(&here)?),
                "prefixItems" if draft == Draft::Draft2020 => {
                    for i in 0..value.as_array().map_or(0, Vec::len) {
                        checks.prefix_items.push(self.node(&format!("{here}/{i}"))?);
                    }
                }
                "items" => {
                    if let (Value::Array(list), Draft::Draft7) = (value, draft) {
                        for i in 0..list.len() {
                            checks.prefix_items.push(self.node(&format!("{here}/{i}"))?);
                        }
                    } else {
                        checks.items = self.node(&here)?;
                    }
                }
                "additionalItems" if draft == Draft::Draft7 => {
                    if map.get("items").is_some_and(Value::is_array) {
                        checks.items = self.node(&here)?;
                    } else {
                        continue;
                    }
                }
                "uniqueItems" => continue, // false: no constraint (true was delegated)
                _ => continue,
            }
            constrained = true;
            self.record(native, keyword, pointer);
        }
        // Dependencies name properties that must be present: track every name involved.
        let mut tracked: Vec<Box<str>> = Vec::new();
        let bit = |name: &str, tracked: &mut Vec<Box<str>>| -> u32 {
            match tracked.iter().position(|n| n.as_ref() == name) {
                Some(i) => i as u32,
                None => {
                    tracked.push(name.into());
                    (tracked.len() - 1) as u32
                }
            }
        };
        for name in &required {
            let b = bit(name, &mut tracked);
            checks.required_mask |= 1u64.checked_shl(b).unwrap_or(0);
        }
        for (trigger, names) in &dependent {
            let t = bit(trigger, &mut tracked);
            let mut mask = 0u64;
            for name in names {
                mask |= 1u64.checked_shl(bit(name, &mut tracked)).unwrap_or(0);
            }
            checks.dependent_required.push((t, mask));
        }
        if tracked.len() > 64 {
            // More names than bits: let jsonschema check presence.
            checks.required_mask = 0;
            checks.dependent_required.clear();
            for keyword in ["required", "dependentRequired", "dependencies"] {
                if let Some(value) = map.get(keyword) {
                    residual.insert(keyword.to_owned(), value.clone());
                }
            }
            tracked.clear();
        }
        for (name, node) in &checks.properties {
            let bit = tracked.iter().position(|t| t == name).map(|i| i as u32);
            checks.keys.push(Key {
                name: name.clone(),
                prefix: key_prefix(name),
                suffix: key_suffix(name),
                node: Some(*node),
                bit,
            });
        }
        for (i, name) in tracked.iter().enumerate() {
            if !checks.properties.iter().any(|(p, _)| p == name) {
                checks.keys.push(Key {
                    name: name.clone(),
                    prefix: key_prefix(name),
                    suffix: key_suffix(name),
                    node: None,
                    bit: Some(i as u32),
                });
            }
        }
        checks.tracked = tracked;
        if checks.keys.len() >= usize::from(NO_KEY) {
            return Err(PlanError(format!("{pointer}: too many property names")));
        }
        checks.index_keys();
        if !residual.is_empty() {
            let mut schema = Map::new();
            schema.insert(
                "$schema".into(),
                match draft {
                    Draft::Draft7 => "http://json-schema.org/draft-07/schema#",
                    Draft::Draft2020 => "https://json-schema.org/draft/2020-12/schema",
                }
                .into(),
            );
            schema.extend(residual);
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&Value::Object(schema))
                .map_err(|e| PlanError(format!("{pointer}: {e}")))?;
            checks.residual = Some(validator);
        }
        Ok(constrained.then_some(checks))
    }
}

enum Shape {
    Redirect(String),
    Delegate(Vec<String>),
    Combined,
    Native,
}

/// Applicators evaluated branch by branch over the raw bytes of their subtree.
const COMBINATORS: &[&str] = &["allOf", "anyOf", "oneOf", "not", "if"];

fn decode_fragment(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&fragment[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| fragment.to_owned())
}

fn type_bits(value: &Value) -> Result<u8, PlanError> {
    let one = |name: &str| match name {
        "null" => Ok(ty::NULL),
        "boolean" => Ok(ty::BOOLEAN),
        "object" => Ok(ty::OBJECT),
        "array" => Ok(ty::ARRAY),
        "number" => Ok(ty::NUMBER | ty::INTEGER),
        "integer" => Ok(ty::INTEGER),
        "string" => Ok(ty::STRING),
        other => Err(PlanError(format!("unknown type {other}"))),
    };
    match value {
        Value::String(name) => one(name),
        Value::Array(names) => names.iter().try_fold(0, |bits, name| {
            Ok(bits | one(name.as_str().unwrap_or_default())?)
        }),
        _ => Err(PlanError("type is neither a string nor an array".into())),
    }
}

fn scalar(value: &Value) -> Option<Scalar> {
    match value {
        Value::Null => Some(Scalar::Null),
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Number(_) => Num::of(value).map(Scalar::Number),
        Value::String(s) => Some(Scalar::String(s.as_str().into())),
        _ => None,
    }
}

fn names(value: &Value) -> Vec<Box<str>> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(Into::into)
                .collect()
        })
        .unwrap_or_default()
}

fn dependencies(value: &Value) -> Vec<(Box<str>, Vec<Box<str>>)> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(trigger, needed)| (trigger.as_str().into(), names(needed)))
                .collect()
        })
        .unwrap_or_default()
}

/// Patterns whose meaning is the same in ECMA-262, in jsonschema's regex translation and in
/// the `regex` crate matching bytes: ASCII literals, classes of ASCII literals and ranges (not
/// negated), groups, alternation, anchors, quantifiers, `\d` and escaped punctuation. Such a
/// pattern only ever matches ASCII, so matching UTF-8 bytes equals matching UTF-16 code units.
/// `.`, `[^…]`, `\w`, `\s`, `\b`, lookaround, backreferences and Unicode classes are
/// delegated.
pub(crate) fn safe_regex(pattern: &str) -> Option<Pattern> {
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'd' => {}
                p if p.is_ascii_punctuation() => {}
                _ => return None,
            },
            '.' => return None,
            '[' if chars.peek() == Some(&'^') => return None,
            '(' if chars.peek() == Some(&'?') => return None,
            c if c.is_ascii_graphic() || c == ' ' => {}
            _ => return None,
        }
    }
    Pattern::new(pattern)
}

/// A count keyword's value; `2.0` counts as 2.
fn count(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
            .map(|f| f as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::{key_prefix, Node, Plan};

    #[test]
    fn keys_are_found_by_their_whole_name() {
        let names = [
            "",
            "a",
            "b",
            "abcdefgh",
            "abcdefgh1",
            "abcdefgh2",
            "abcdefghXXXXXXXXz",
            "abcdefghYYYYYYYYz",
            "xbcdefghXXXXXXXXz",
        ];
        let properties: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), serde_json::json!({ "const": i })))
            .collect();
        let schema = serde_json::json!({
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        });
        let plan = Plan::compile(&schema).expect("compiles");
        let Node::Checks(root) = plan.node(plan.root) else {
            panic!("an object check at the root");
        };
        for (name, node) in &root.properties {
            assert_eq!(root.key(name).0, *node, "{name:?}");
        }
        for unknown in [
            "c",
            "abcdefgh3",
            "abcdefghZZZZZZZZz",
            "abcdefghXXXXXXXXy",
            "abcdefg",
        ] {
            assert_eq!(root.key(unknown).0, root.additional, "{unknown:?}");
        }
    }

    #[test]
    fn key_prefix_is_the_zero_padded_first_eight_bytes() {
        for name in [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdef",
            "abcdefg",
            "abcdefgh",
            "abcdefghij",
            "é",
            "aé€",
        ] {
            let mut padded = [0u8; 8];
            for (slot, byte) in padded.iter_mut().zip(name.as_bytes()) {
                *slot = *byte;
            }
            assert_eq!(key_prefix(name), u64::from_le_bytes(padded), "{name:?}");
        }
    }
}
