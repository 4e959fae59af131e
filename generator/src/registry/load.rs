//! Reads a registry folder into the normalized model, checking everything on the way and
//! reporting every problem at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use walkdir::WalkDir;

use crate::registry::diagnostic::{Diagnostic, Diagnostics};
use crate::registry::lint;
use crate::registry::model::{BundledSchema, EventMetadata, EventSchema, Registry, SourceFile};
use crate::registry::names::{event_type_name, pascal_case};
use crate::registry::position::{line_column, locate};
use crate::registry::remote::RefSources;
use crate::registry::resolve::{self, EventFile};
use crate::registry::settings::{Settings, SETTINGS_FILE};

/// Files larger than this are refused rather than read.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// The settings file at the root of a registry.
/// The folder of shared definitions.
pub const COMMON_DIR: &str = "common";

/// Loads, checks and resolves the registry in `root`. On success the registry comes with its
/// warnings; on failure every diagnostic found, errors and warnings, sorted by place.
pub fn load(root: impl AsRef<Path>) -> Result<(Registry, Diagnostics), Diagnostics> {
    load_with(root, &RefSources::default())
}

/// [`load`], with the documents that `$ref`s name by absolute URI supplied by the user (never
/// fetched): each is copied into the `$defs` of the file that references it.
pub fn load_with(
    root: impl AsRef<Path>,
    remote: &RefSources,
) -> Result<(Registry, Diagnostics), Diagnostics> {
    let root = root.as_ref();
    let mut diagnostics = Vec::new();
    let mut sources = BTreeMap::new();

    if !root.is_dir() {
        return Err(Diagnostics(vec![Diagnostic::error(
            root,
            "",
            "no-registry",
            "registry folder not found",
        )]));
    }
    let settings = read_settings(root, &mut sources, &mut diagnostics);
    let naming = lint::NamingRules::compile(&settings, &mut diagnostics);

    let walk = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    let mut event_files = Vec::new();
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map(|p| relative(root, p)).unwrap_or_default();
                diagnostics.push(Diagnostic::error(path, "", "io", err.to_string()));
                continue;
            }
        };
        let path = entry.path();
        let rel = relative(root, path);
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        if entry.file_type().is_dir() {
            diagnostics.push(Diagnostic::error(
                &rel,
                "",
                "layout",
                format!(
                    "`{}` is a folder, not a schema file: nothing in it is loaded",
                    rel.display()
                ),
            ));
            continue;
        }
        if entry.path_is_symlink() {
            diagnostics.push(Diagnostic::error(
                &rel,
                "",
                "symlink",
                "schema files may not be symbolic links (they are not read): copy the file into the registry",
            ));
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(mut source) = read_json(path, &rel, &mut diagnostics) else {
            continue;
        };
        let mut document = source.document();
        if !remote.is_empty() {
            match crate::registry::remote::bundle_remote(&document, remote) {
                Ok(bundled) => document = Arc::new(bundled),
                Err(message) => {
                    diagnostics.push(Diagnostic::error(&rel, "", "remote-ref", message));
                    continue;
                }
            }
            source.kept = Some(document.clone());
        }
        check_meta_schema(&rel, &document, &mut diagnostics);
        match classify(&rel) {
            Layout::Event {
                domain,
                name,
                version,
            } => {
                lint::lint_document(&rel, &document, &naming, &mut diagnostics);
                event_files.push(EventFound {
                    file: rel.clone(),
                    domain,
                    name,
                    version,
                    header: Header::of(&document),
                });
                // Parsed again when needed: a large registry never holds every document.
                if remote.is_empty() {
                    source.kept = None;
                }
            }
            Layout::Shared => {}
            Layout::Misplaced(message) => {
                diagnostics.push(Diagnostic::error(&rel, "", "layout", message))
            }
        }
        sources.insert(rel, source);
    }
    if event_files.is_empty() && diagnostics.is_empty() {
        diagnostics.push(Diagnostic::error(
            PathBuf::from(root),
            "",
            "empty-registry",
            "no event schemas found: add one at <domain>/<event>/v<N>.json",
        ));
    }

    let events = describe_events(event_files, &settings);
    let resolver_input: Vec<EventFile> = events
        .iter()
        .map(|e| EventFile {
            file: e.file.clone(),
            type_name: e.type_name.clone(),
        })
        .collect();
    let plan = resolve::plan(&sources, &resolver_input, &mut diagnostics);
    let mut registry = Registry {
        root: root.to_path_buf(),
        settings,
        events,
        definitions: plan
            .as_ref()
            .map(resolve::Plan::definitions)
            .unwrap_or_default(),
        sources,
    };
    if let Some(plan) = &plan {
        // One event at a time: its bundle is checked while parsed, then kept as text.
        for event in &mut registry.events {
            if let Some(schema) = plan.bundle(&registry.sources, &event.file) {
                lint::lint_bundled(event, &schema, &mut diagnostics);
                event.schema = BundledSchema::new(&schema);
            }
        }
    }
    lint::lint(&registry, &naming, &mut diagnostics);

    let mut diagnostics = Diagnostics(diagnostics);
    for d in &mut diagnostics.0 {
        if d.line.is_none() {
            if let Some(source) = registry.sources.get(&d.file) {
                let position = locate(&source.text, &d.pointer);
                *d = d.clone().at(position);
            }
        }
    }
    diagnostics.sort();
    if diagnostics.has_errors() {
        Err(diagnostics)
    } else {
        Ok((registry, diagnostics))
    }
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

fn read_settings(
    root: &Path,
    sources: &mut BTreeMap<PathBuf, SourceFile>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Settings {
    let path = root.join(SETTINGS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Settings::default(),
        Err(err) => {
            diagnostics.push(Diagnostic::error(SETTINGS_FILE, "", "io", err.to_string()));
            return Settings::default();
        }
    };
    let settings = match toml::from_str::<Settings>(&text) {
        Ok(settings) => settings,
        Err(err) => {
            let position = err.span().map(|span| line_column(&text, span.start));
            diagnostics.push(
                Diagnostic::error(SETTINGS_FILE, "", "settings", err.message().to_owned())
                    .at(position),
            );
            Settings::default()
        }
    };
    sources.insert(
        PathBuf::from(SETTINGS_FILE),
        SourceFile {
            text,
            kept: Some(Arc::new(Value::Null)),
        },
    );
    settings
}

/// Reads and parses one JSON file; `None` after reporting why it cannot be used.
fn read_json(path: &Path, rel: &Path, diagnostics: &mut Vec<Diagnostic>) -> Option<SourceFile> {
    let error = |code, message: String| Diagnostic::error(rel, "", code, message);
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            diagnostics.push(error(
                "too-large",
                format!(
                    "file is {} bytes, more than the {MAX_FILE_BYTES} a schema may have",
                    meta.len()
                ),
            ));
            return None;
        }
        Ok(_) => {}
        Err(err) => {
            diagnostics.push(error("io", err.to_string()));
            return None;
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            diagnostics.push(error("io", err.to_string()));
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&err.as_bytes()[..valid]).into_owned();
            let position = line_column(&prefix, valid);
            diagnostics.push(
                error(
                    "not-utf8",
                    format!("invalid UTF-8 at byte {valid}: schemas must be UTF-8 text"),
                )
                .at(Some(position)),
            );
            return None;
        }
    };
    if text.starts_with('\u{feff}') {
        diagnostics.push(
            error(
                "bom",
                "the file starts with a byte-order mark (U+FEFF): save it as UTF-8 without one"
                    .to_owned(),
            )
            .at(Some((1, 1))),
        );
        return None;
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => {
            crate::registry::oddities::check(rel, &text, &value, diagnostics);
            Some(SourceFile {
                text,
                kept: Some(Arc::new(value)),
            })
        }
        Err(err) => {
            let code = if err.to_string().contains("recursion limit") {
                "too-deep"
            } else {
                "parse"
            };
            let message = crate::registry::position::json_error_message(&err);
            let message = if code == "too-deep" {
                format!("{message}: schemas may nest at most 127 levels")
            } else {
                format!("malformed JSON: {message}")
            };
            diagnostics.push(error(code, message).at(Some((err.line(), err.column()))));
            None
        }
    }
}

enum Layout {
    Event {
        domain: String,
        name: String,
        version: u32,
    },
    Shared,
    Misplaced(String),
}

fn classify(rel: &Path) -> Layout {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.first().is_some_and(|p| p == COMMON_DIR) {
        return Layout::Shared;
    }
    let misplaced = || {
        Layout::Misplaced(format!(
            "`{}` is neither an event schema (<domain>/<event>/v<N>.json) nor under {COMMON_DIR}/",
            rel.display()
        ))
    };
    let [domain, name, file] = parts.as_slice() else {
        return misplaced();
    };
    let version = file
        .strip_suffix(".json")
        .and_then(|f| f.strip_prefix('v'))
        .filter(|v| !v.starts_with('0'))
        .and_then(|v| v.parse::<u32>().ok());
    match version {
        Some(version) => Layout::Event {
            domain: domain.clone(),
            name: name.clone(),
            version,
        },
        None => Layout::Misplaced(format!(
            "event schema files are named v<N>.json with N a major version from 1 (found `{file}`)"
        )),
    }
}

/// Checks a schema against the meta-schema of the draft it declares.
fn check_meta_schema(rel: &Path, value: &Value, diagnostics: &mut Vec<Diagnostic>) {
    let declared = value.get("$schema").and_then(Value::as_str);
    if let Some(uri) = declared {
        if draft_of(uri).is_none() {
            diagnostics.push(Diagnostic::error(
                rel,
                "/$schema",
                "unsupported-draft",
                format!("`{uri}` is not a supported draft: use draft 2020-12 or draft-07"),
            ));
            return;
        }
    }
    let validator = match jsonschema::meta::validator_for(value) {
        Ok(validator) => validator,
        Err(err) => {
            diagnostics.push(Diagnostic::error(rel, "", "meta-schema", err.to_string()));
            return;
        }
    };
    for err in validator.iter_errors(value) {
        diagnostics.push(Diagnostic::error(
            rel,
            err.instance_path().as_str(),
            "meta-schema",
            format!("not a valid JSON Schema: {}", err.masked()),
        ));
    }
}

/// The draft a `$schema` URI names.
pub(crate) fn draft_of(uri: &str) -> Option<jsonschema::Draft> {
    let uri = uri.trim_end_matches('#');
    match uri {
        "https://json-schema.org/draft/2020-12/schema" => Some(jsonschema::Draft::Draft202012),
        "http://json-schema.org/draft-07/schema" | "https://json-schema.org/draft-07/schema" => {
            Some(jsonschema::Draft::Draft7)
        }
        _ => None,
    }
}

/// An event file found by the walk, with what the model needs from its document.
struct EventFound {
    file: PathBuf,
    domain: String,
    name: String,
    version: u32,
    header: Header,
}

/// The parts of an event document the model keeps besides the bundled schema.
struct Header {
    title: String,
    description: String,
    metadata: EventMetadata,
    examples: Vec<Value>,
}

impl Header {
    fn of(document: &Value) -> Self {
        let text = |key: &str| {
            document
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Header {
            title: text("title"),
            description: text("description"),
            metadata: document
                .get("x-event")
                .map(EventMetadata::lenient)
                .unwrap_or_default(),
            examples: document
                .get("examples")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        }
    }
}

fn describe_events(files: Vec<EventFound>, settings: &Settings) -> Vec<EventSchema> {
    let mut name_counts: BTreeMap<String, usize> = BTreeMap::new();
    for found in &files {
        *name_counts
            .entry(event_type_name(&found.name, found.version))
            .or_default() += 1;
    }
    let mut events: Vec<EventSchema> = files
        .into_iter()
        .map(|found| {
            let EventFound {
                file,
                domain,
                name,
                version,
                header,
            } = found;
            let mut type_name = event_type_name(&name, version);
            if name_counts[&type_name] > 1 {
                type_name = format!("{}{type_name}", pascal_case(&domain));
            }
            EventSchema {
                event_type: format!("{domain}.{name}"),
                domain,
                name,
                version,
                file,
                title: header.title,
                description: header.description,
                compatibility: header
                    .metadata
                    .compatibility
                    .unwrap_or(settings.default_compatibility),
                metadata: header.metadata,
                schema: BundledSchema::default(),
                examples: header.examples,
                type_name,
            }
        })
        .collect();
    events.sort_by(|a, b| (&a.event_type, a.version).cmp(&(&b.event_type, b.version)));
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        assert!(matches!(
            classify(Path::new("orders/placed/v2.json")),
            Layout::Event { version: 2, .. }
        ));
        assert!(matches!(
            classify(Path::new("common/money.json")),
            Layout::Shared
        ));
        assert!(matches!(
            classify(Path::new("orders/placed/v0.json")),
            Layout::Misplaced(_)
        ));
        assert!(matches!(
            classify(Path::new("orders/placed/v01.json")),
            Layout::Misplaced(_)
        ));
        assert!(matches!(
            classify(Path::new("orders/placed.json")),
            Layout::Misplaced(_)
        ));
    }
}
