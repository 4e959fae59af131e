//! Resolves the `$ref`s of every event schema and bundles what they point at into the event's
//! own `$defs`, under names that are unique across the registry.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::registry::diagnostic::Diagnostic;
use crate::registry::model::{Origin, SourceFile};
use crate::registry::names::pascal_case;
use crate::registry::position::{escape_token, percent_decode};

/// An event file found by the loader.
#[derive(Debug, Clone)]
pub(crate) struct EventFile {
    pub(crate) file: PathBuf,
    pub(crate) type_name: String,
}

/// How every event's references resolve: what each event reaches and the registry-wide name
/// of each target. [`Plan::bundle`] then builds one event's self-contained schema at a time.
#[derive(Debug)]
pub(crate) struct Plan {
    reachable: BTreeMap<PathBuf, BTreeSet<Origin>>,
    names: BTreeMap<Origin, String>,
}

/// Keywords whose values are data, not subschemas: `$ref` keys inside them are not references.
const DATA_KEYWORDS: [&str; 5] = ["const", "enum", "examples", "default", "x-event"];
/// Keywords dropped from a bundled copy: metadata and the definitions that bundling replaces.
const DROPPED_AT_ROOT: [&str; 5] = ["x-event", "examples", "$defs", "definitions", "$id"];

/// A `$ref` found in a document.
struct RefSite {
    /// Pointer of the object that holds the `$ref`.
    pointer: String,
    reference: String,
}

/// Resolves every reference of the registry; `None` (with the reasons reported) when one
/// does not resolve.
pub(crate) fn plan(
    sources: &BTreeMap<PathBuf, SourceFile>,
    events: &[EventFile],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Plan> {
    // Pass 1: every target reachable from every event, and which ones each event reaches.
    let mut reachable: BTreeMap<PathBuf, BTreeSet<Origin>> = BTreeMap::new();
    let mut aliases: BTreeMap<Origin, (Origin, String)> = BTreeMap::new();
    let mut broken = false;
    // Shared files are explored too, so a broken reference in a file no event uses yet is
    // still reported; only events' reachable sets are bundled.
    let event_files: BTreeSet<&PathBuf> = events.iter().map(|e| &e.file).collect();
    let shared = sources
        .keys()
        .filter(|f| f.extension().is_some_and(|e| e == "json") && !event_files.contains(f));
    let roots: Vec<(&PathBuf, bool)> = events
        .iter()
        .map(|e| (&e.file, true))
        .chain(shared.map(|f| (f, false)))
        .collect();
    for (file, is_event) in roots {
        let root = Origin {
            file: file.clone(),
            pointer: String::new(),
        };
        let mut documents = Documents::new(sources);
        let mut seen = BTreeSet::from([root.clone()]);
        let mut queue = VecDeque::from([root]);
        while let Some(origin) = queue.pop_front() {
            let Some(document) = documents.get(&origin.file) else {
                continue;
            };
            let Some(value) = document.pointer(&origin.pointer) else {
                continue;
            };
            let pure_ref = is_pure_ref(value);
            for site in ref_sites(value, &origin, diagnostics) {
                let at = format!("{}{}/$ref", origin.pointer, site.pointer);
                let target = match resolve_reference(&origin.file, &site.reference) {
                    Ok(target) => target,
                    Err(message) => {
                        diagnostics.push(Diagnostic::error(
                            &origin.file,
                            at,
                            "unsupported-ref",
                            message,
                        ));
                        broken = true;
                        continue;
                    }
                };
                let found = documents
                    .get(&target.file)
                    .is_some_and(|d| d.pointer(&target.pointer).is_some());
                if !found {
                    let what = if sources.contains_key(&target.file) {
                        format!(
                            "`{}` points at nothing in {}",
                            site.reference,
                            target.file.display()
                        )
                    } else {
                        format!(
                            "`{}` names a file that is not in the registry ({})",
                            site.reference,
                            target.file.display()
                        )
                    };
                    diagnostics.push(Diagnostic::error(&origin.file, at, "dangling-ref", what));
                    broken = true;
                    continue;
                }
                if site.pointer.is_empty() && pure_ref {
                    aliases.insert(origin.clone(), (target.clone(), at));
                }
                if seen.insert(target.clone()) {
                    queue.push_back(target);
                }
            }
        }
        if is_event {
            reachable.insert(file.clone(), seen);
        }
    }
    report_alias_cycles(&aliases, diagnostics);
    if broken {
        return None;
    }
    // Names: event roots keep their type name, every other target gets a unique one.
    let names = assign_names(events, reachable.values().flatten());
    Some(Plan { reachable, names })
}

impl Plan {
    /// Where each bundled definition came from, by its registry-wide name.
    pub(crate) fn definitions(&self) -> BTreeMap<String, Origin> {
        self.reachable
            .iter()
            .flat_map(|(file, targets)| {
                targets
                    .iter()
                    .filter(move |t| t.file != *file || !t.pointer.is_empty())
            })
            .map(|target| (self.names[target].clone(), target.clone()))
            .collect()
    }

    /// The self-contained schema of the event in `file`.
    pub(crate) fn bundle(
        &self,
        sources: &BTreeMap<PathBuf, SourceFile>,
        file: &Path,
    ) -> Option<Value> {
        let root = Origin {
            file: file.to_path_buf(),
            pointer: String::new(),
        };
        let mut documents = Documents::new(sources);
        let root_document = documents.get(&root.file)?;
        let mut schema = rewritten(&root_document, &root, &root, &self.names);
        let mut defs = Map::new();
        for target in self.reachable.get(file)? {
            if *target == root {
                continue;
            }
            let document = documents.get(&target.file).expect("checked in pass 1");
            let value = document
                .pointer(&target.pointer)
                .expect("checked in pass 1");
            let mut def = rewritten(value, target, &root, &self.names);
            if let Value::Object(map) = &mut def {
                map.shift_remove("$schema");
            }
            defs.insert(self.names[target].clone(), def);
        }
        if let Value::Object(map) = &mut schema {
            if !defs.is_empty() {
                map.insert("$defs".to_owned(), Value::Object(defs));
            }
        }
        Some(schema)
    }
}

/// The parsed files one event's references reach: shared files as kept by the loader, event
/// files parsed once for this event and dropped with it.
struct Documents<'a> {
    sources: &'a BTreeMap<PathBuf, SourceFile>,
    parsed: BTreeMap<PathBuf, Arc<Value>>,
}

impl<'a> Documents<'a> {
    fn new(sources: &'a BTreeMap<PathBuf, SourceFile>) -> Self {
        Documents {
            sources,
            parsed: BTreeMap::new(),
        }
    }

    fn get(&mut self, file: &Path) -> Option<Arc<Value>> {
        let source = self.sources.get(file)?;
        if let Some(kept) = &source.kept {
            return Some(kept.clone());
        }
        Some(
            self.parsed
                .entry(file.to_path_buf())
                .or_insert_with(|| source.document())
                .clone(),
        )
    }
}

/// A schema that is nothing but a `$ref` (annotations aside): following it makes no progress.
fn is_pure_ref(value: &Value) -> bool {
    value.as_object().is_some_and(|map| {
        map.contains_key("$ref")
            && map
                .keys()
                .all(|k| matches!(k.as_str(), "$ref" | "title" | "description" | "$comment"))
    })
}

/// Reports every cycle of pure references, each once. Each alias is walked at most once
/// (the walk stops at an alias already finished), so a long chain costs its length.
fn report_alias_cycles(
    aliases: &BTreeMap<Origin, (Origin, String)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut finished: BTreeSet<&Origin> = BTreeSet::new();
    for start in aliases.keys() {
        if finished.contains(start) {
            continue;
        }
        let mut path: Vec<&Origin> = vec![start];
        let mut on_path: BTreeMap<&Origin, usize> = BTreeMap::from([(start, 0)]);
        let mut current = start;
        while let Some((next, _)) = aliases.get(current) {
            if finished.contains(next) {
                break;
            }
            if let Some(&i) = on_path.get(next) {
                let (_, at) = &aliases[path[i]];
                let chain: Vec<String> = path[i..]
                    .iter()
                    .copied()
                    .chain(std::iter::once(next))
                    .map(|o| format!("{}#{}", o.file.display(), o.pointer))
                    .collect();
                diagnostics.push(Diagnostic::error(
                    &path[i].file,
                    at.clone(),
                    "cyclic-ref",
                    format!(
                        "`$ref` cycle that never reaches a schema: {}",
                        chain.join(" -> ")
                    ),
                ));
                break;
            }
            on_path.insert(next, path.len());
            path.push(next);
            current = next;
        }
        finished.extend(path);
    }
}

/// Every `$ref` string in `value`, skipping data keywords; reports keywords that would change
/// how references resolve.
fn ref_sites(value: &Value, origin: &Origin, diagnostics: &mut Vec<Diagnostic>) -> Vec<RefSite> {
    let mut sites = Vec::new();
    let mut stack = vec![(value, String::new())];
    while let Some((node, pointer)) = stack.pop() {
        match node {
            Value::Object(map) => {
                for (key, child) in map {
                    let child_pointer = format!("{pointer}/{}", escape_token(key));
                    match key.as_str() {
                        "$ref" => {
                            if let Value::String(reference) = child {
                                sites.push(RefSite {
                                    pointer: pointer.clone(),
                                    reference: reference.clone(),
                                });
                            }
                        }
                        "$id"
                            if !(pointer.is_empty() && origin.pointer.is_empty())
                                && child.is_string() =>
                        {
                            diagnostics.push(Diagnostic::error(
                                &origin.file,
                                format!("{}{child_pointer}", origin.pointer),
                                "unsupported-keyword",
                                "`$id` below the root of a file is not supported: move the subschema into its own file",
                            ));
                        }
                        "$dynamicRef" | "$recursiveRef" if child.is_string() => {
                            diagnostics.push(Diagnostic::error(
                                &origin.file,
                                format!("{}{child_pointer}", origin.pointer),
                                "unsupported-keyword",
                                format!("`{key}` is not supported: use `$ref`"),
                            ));
                        }
                        k if DATA_KEYWORDS.contains(&k) => {}
                        _ => stack.push((child, child_pointer)),
                    }
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    stack.push((child, format!("{pointer}/{i}")));
                }
            }
            _ => {}
        }
    }
    sites.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    sites
}

/// Resolves `reference` written in `file` to a file of the registry and a JSON Pointer.
pub(crate) fn resolve_reference(file: &Path, reference: &str) -> Result<Origin, String> {
    let (path_part, fragment) = match reference.split_once('#') {
        Some((p, f)) => (p, f),
        None => (reference, ""),
    };
    if path_part.contains(':') || path_part.starts_with('/') {
        return Err(format!(
            "`{reference}` is not a relative file reference: the registry resolves references offline, relative to the file"
        ));
    }
    let fragment = percent_decode(fragment)
        .ok_or_else(|| format!("`{reference}` has a malformed percent-escape"))?;
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(format!(
            "`{reference}` uses an anchor: write a JSON Pointer fragment such as `#/$defs/Name`"
        ));
    }
    let target_file = if path_part.is_empty() {
        file.to_path_buf()
    } else {
        let joined = file
            .parent()
            .unwrap_or(Path::new(""))
            .join(percent_decode(path_part).unwrap_or_default());
        normalize(&joined).ok_or_else(|| format!("`{reference}` points outside the registry"))?
    };
    Ok(Origin {
        file: target_file,
        pointer: fragment,
    })
}

fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Unique registry-wide names: an event root keeps its type name; another target is named after
/// the last token of its pointer (or its file), prefixed with its file's name on a clash.
fn assign_names<'a>(
    events: &[EventFile],
    targets: impl Iterator<Item = &'a Origin>,
) -> BTreeMap<Origin, String> {
    let event_names: BTreeMap<&Path, &str> = events
        .iter()
        .map(|e| (e.file.as_path(), e.type_name.as_str()))
        .collect();
    let targets: BTreeSet<&Origin> = targets.collect();
    let mut names = BTreeMap::new();
    let mut taken: BTreeSet<String> = events.iter().map(|e| e.type_name.clone()).collect();
    let mut candidates: BTreeMap<String, Vec<&Origin>> = BTreeMap::new();
    for target in targets {
        let stem = pascal_case(
            &target
                .file
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy(),
        );
        match event_names.get(target.file.as_path()) {
            Some(type_name) if target.pointer.is_empty() => {
                names.insert(target.clone(), (*type_name).to_owned());
            }
            Some(type_name) => {
                let last = crate::registry::position::pointer_tokens(&target.pointer)
                    .pop()
                    .unwrap_or_default();
                candidates
                    .entry(format!("{type_name}{}", pascal_case(&last)))
                    .or_default()
                    .push(target);
            }
            None if target.pointer.is_empty() => candidates.entry(stem).or_default().push(target),
            None => {
                let last = crate::registry::position::pointer_tokens(&target.pointer)
                    .pop()
                    .unwrap_or_default();
                candidates
                    .entry(pascal_case(&last))
                    .or_default()
                    .push(target);
            }
        }
    }
    for (candidate, group) in candidates {
        for target in group.iter() {
            let mut name = candidate.clone();
            if group.len() > 1 || taken.contains(&name) {
                let dir = target
                    .file
                    .parent()
                    .and_then(|p| p.file_name())
                    .map(|d| d.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let stem = target
                    .file
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                name = format!("{}{}{candidate}", pascal_case(&dir), pascal_case(&stem));
            }
            let base = name.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}{n}");
                n += 1;
            }
            taken.insert(name.clone());
            names.insert((*target).clone(), name);
        }
    }
    names
}

/// A copy of the schema at `at` with every `$ref` rewritten to the bundle of `event_root`.
fn rewritten(
    value: &Value,
    at: &Origin,
    event_root: &Origin,
    names: &BTreeMap<Origin, String>,
) -> Value {
    let mut copy = value.clone();
    if let Value::Object(map) = &mut copy {
        for key in DROPPED_AT_ROOT {
            map.shift_remove(key);
        }
    }
    let mut stack = vec![&mut copy];
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key == "$ref" {
                        if let Value::String(reference) = child {
                            if let Ok(target) = resolve_reference(&at.file, reference) {
                                *reference = if target == *event_root {
                                    "#".to_owned()
                                } else {
                                    format!("#/$defs/{}", escape_token(&names[&target]))
                                };
                            }
                        }
                    } else if !DATA_KEYWORDS.contains(&key.as_str()) {
                        stack.push(child);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_references() {
        let file = Path::new("orders/order_placed/v1.json");
        let r = resolve_reference(file, "../../common/money.json#/$defs/Money").unwrap();
        assert_eq!(r.file, Path::new("common/money.json"));
        assert_eq!(r.pointer, "/$defs/Money");
        let local = resolve_reference(file, "#/$defs/A%20B").unwrap();
        assert_eq!(local.file, file);
        assert_eq!(local.pointer, "/$defs/A B");
        assert!(resolve_reference(file, "https://example.com/x.json").is_err());
        assert!(resolve_reference(file, "../../../../x.json").is_err());
        assert!(resolve_reference(file, "#anchor").is_err());
    }
}
