//! The loaded registry as one normalized model: every event's schema with its `$ref`s resolved
//! and its definitions bundled, and for every bundled node the file and JSON Pointer it came
//! from. The code emitter, the validator and the compatibility checker all read this model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::registry::position::{locate, pointer_tokens};
use crate::registry::settings::{Compatibility, Settings};

/// A loaded, resolved and linted registry.
#[derive(Debug, Clone)]
pub struct Registry {
    /// Where the registry was read from.
    pub root: PathBuf,
    /// `registry.toml`.
    pub settings: Settings,
    /// Every event schema, ordered by event type then major version.
    pub events: Vec<EventSchema>,
    /// Every file read, by path relative to `root`.
    pub(crate) sources: BTreeMap<PathBuf, SourceFile>,
    /// Where each bundled definition came from, by its registry-wide name.
    pub(crate) definitions: BTreeMap<String, Origin>,
}

/// A file of the registry: its text, kept for positions in diagnostics, and its parsed value
/// where other files may need it.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub(crate) text: String,
    /// The parsed document of a file that other files reference (shared definitions) or that
    /// was rewritten on load (remote references bundled). An event file is parsed again from
    /// `text` when needed, so that a large registry never holds every parsed document at once.
    pub(crate) kept: Option<Arc<Value>>,
}

impl SourceFile {
    /// The parsed document (the file parsed when it was read, so parsing again succeeds).
    pub(crate) fn document(&self) -> Arc<Value> {
        match &self.kept {
            Some(value) => value.clone(),
            None => Arc::new(serde_json::from_str(&self.text).unwrap_or(Value::Null)),
        }
    }
}

/// An event's self-contained schema, held as compact JSON text: a registry of a thousand
/// events keeps a few megabytes of it rather than a few hundred of parsed values. Parse it
/// where it is used ([`BundledSchema::value`]); two schemas with equal texts are equal.
#[derive(Clone, PartialEq, Eq)]
pub struct BundledSchema(Arc<str>);

impl BundledSchema {
    /// Holds `schema` compactly.
    pub fn new(schema: &Value) -> Self {
        BundledSchema(serde_json::to_string(schema).unwrap_or_default().into())
    }

    /// The schema, parsed.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }

    /// The compact JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// No schema: the event's references did not resolve.
    pub fn is_null(&self) -> bool {
        &*self.0 == "null"
    }
}

impl Default for BundledSchema {
    fn default() -> Self {
        BundledSchema(Arc::from("null"))
    }
}

impl std::fmt::Debug for BundledSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A place in a file of the registry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// File relative to the registry root.
    pub file: PathBuf,
    /// JSON Pointer in that file.
    pub pointer: String,
}

/// One event type at one major version: `schemas/<domain>/<event>/v<N>.json`.
#[derive(Debug, Clone)]
pub struct EventSchema {
    /// `<domain>.<event>`, for example `orders.order_placed`.
    pub event_type: String,
    /// The domain folder.
    pub domain: String,
    /// The event folder.
    pub name: String,
    /// The major version, from the file name.
    pub version: u32,
    /// File relative to the registry root.
    pub file: PathBuf,
    /// `title` of the schema.
    pub title: String,
    /// `description` of the schema.
    pub description: String,
    /// The `x-event` object.
    pub metadata: EventMetadata,
    /// The compatibility mode in force: `x-event.compatibility` or the registry default.
    pub compatibility: Compatibility,
    /// The payload schema, self-contained: every `$ref` is local (`#` or `#/$defs/<name>`),
    /// `x-event` and `examples` removed.
    pub schema: BundledSchema,
    /// The `examples` of the schema.
    pub examples: Vec<Value>,
    /// The Rust type name of the payload, unique in the registry.
    pub type_name: String,
}

/// The `x-event` object of an event schema.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventMetadata {
    /// Team or person that owns the event.
    pub owner: String,
    /// JSON Pointer to a required string of the payload that is the Kinesis partition key.
    pub partition_key: String,
    /// Overrides the registry's default compatibility mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<Compatibility>,
    /// A deprecated event may be removed; producers should move to its successor.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// Modules that emit the event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub producers: Vec<String>,
    /// Modules that consume the event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumers: Vec<String>,
}

impl Registry {
    /// The event of this type and major version.
    pub fn event(&self, event_type: &str, version: u32) -> Option<&EventSchema> {
        self.events
            .iter()
            .find(|e| e.event_type == event_type && e.version == version)
    }

    /// Every file the registry was built from, as paths under `root` (for `rerun-if-changed`).
    pub fn files(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.sources.keys().map(|p| self.root.join(p))
    }

    /// Where a node of an event's bundled schema was written: its file and JSON Pointer there.
    pub fn origin(&self, event: &EventSchema, bundled_pointer: &str) -> Origin {
        let tokens = pointer_tokens(bundled_pointer);
        if let [defs, name, rest @ ..] = tokens.as_slice() {
            if defs == "$defs" {
                if let Some(origin) = self.definitions.get(name) {
                    return Origin {
                        file: origin.file.clone(),
                        pointer: join_pointer(&origin.pointer, rest),
                    };
                }
            }
        }
        Origin {
            file: event.file.clone(),
            pointer: bundled_pointer.to_owned(),
        }
    }

    /// Line and column of a place in a file of the registry.
    pub fn position(&self, origin: &Origin) -> Option<(usize, usize)> {
        let source = self.sources.get(&origin.file)?;
        locate(&source.text, &origin.pointer)
    }

    /// What a transitive check needs of an older revision: the events whose schema differs from
    /// that event's schema in each of `newer` (the others cannot add a finding), without the
    /// files, so that a long history holds only its changes.
    pub fn into_earlier_revision(mut self, newer: &[Registry]) -> Registry {
        self.events.retain(|event| {
            newer.iter().all(|registry| {
                registry
                    .event(&event.event_type, event.version)
                    .is_none_or(|other| other.schema != event.schema)
            })
        });
        self.sources.clear();
        self.definitions.clear();
        self
    }

    /// The parsed JSON of a file of the registry.
    pub fn document(&self, file: &Path) -> Option<Arc<Value>> {
        self.sources.get(file).map(SourceFile::document)
    }
}

/// Appends reference tokens to a JSON Pointer.
pub(crate) fn join_pointer(base: &str, tokens: &[String]) -> String {
    let mut pointer = base.to_owned();
    for token in tokens {
        pointer.push('/');
        pointer.push_str(&crate::registry::position::escape_token(token));
    }
    pointer
}

impl EventMetadata {
    /// Reads what is well-formed of an `x-event` object and ignores the rest, so that one bad
    /// key does not hide the problems of the others (the linter reports the bad key).
    pub(crate) fn lenient(value: &Value) -> Self {
        let mut metadata = EventMetadata::default();
        let Some(map) = value.as_object() else {
            return metadata;
        };
        let text = |key: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let list = |key: &str| {
            map.get(key)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default()
        };
        metadata.owner = text("owner");
        metadata.partition_key = text("partition_key");
        metadata.compatibility = map
            .get("compatibility")
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        metadata.deprecated = map
            .get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        metadata.producers = list("producers");
        metadata.consumers = list("consumers");
        metadata
    }
}

impl EventSchema {
    /// What a generated consumer accepts: the schema with objects opened where that only
    /// widens it, since consumers ignore keys they do not know (see [`reader_schema`]).
    ///
    /// [`reader_schema`]: crate::registry::reader::reader_schema
    pub fn reader_schema(&self) -> Value {
        crate::registry::reader::reader_schema(&self.schema.value())
    }
}
