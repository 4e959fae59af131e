//! Documents that a schema references by absolute URI (`https://…`), supplied by the user
//! rather than fetched: a folder of schemas matched by their `$id`, or a URI prefix mapped to
//! a folder. [`bundle_remote`] copies every referenced document into the schema's `$defs`
//! and rewrites the references, so the checker reads one self-contained schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Where documents named by URI are found. Nothing is fetched over the network.
#[derive(Debug, Clone, Default)]
pub struct RefSources {
    /// `(uri prefix, folder)`: a URI starting with the prefix is the file at the rest of it.
    prefixes: Vec<(String, PathBuf)>,
    /// Documents by their `$id` (fragment removed).
    by_id: BTreeMap<String, Value>,
}

impl RefSources {
    /// Maps `prefix` (for example `https://example.com/schemas/`) to `folder`.
    pub fn map_prefix(&mut self, prefix: impl Into<String>, folder: impl Into<PathBuf>) {
        self.prefixes.push((prefix.into(), folder.into()));
    }

    /// Reads every `.json` file under `folder` that has an absolute `$id` (or draft-04 `id`).
    pub fn add_folder(&mut self, folder: &Path) -> Result<(), String> {
        for entry in walkdir::WalkDir::new(folder).sort_by_file_name() {
            let entry = entry.map_err(|e| format!("{}: {e}", folder.display()))?;
            let path = entry.path();
            if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let value = read(path)?;
            let id = value
                .get("$id")
                .or_else(|| value.get("id"))
                .and_then(Value::as_str)
                .map(|id| id.split('#').next().unwrap_or_default().to_owned());
            if let Some(id) = id.filter(|id| id.contains(':')) {
                self.by_id.insert(id, value);
            }
        }
        Ok(())
    }

    /// Whether any source was given.
    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty() && self.by_id.is_empty()
    }

    fn document(&self, uri: &str) -> Result<Value, String> {
        if let Some(found) = self.by_id.get(uri) {
            return Ok(found.clone());
        }
        // A file beside the schema being read (relative references of `diff`'s files).
        if let Some(path) = uri.strip_prefix("file://") {
            return read(Path::new(path));
        }
        for (prefix, folder) in &self.prefixes {
            if let Some(rest) = uri.strip_prefix(prefix.as_str()) {
                if rest.split('/').any(|part| part == "..") {
                    return Err(format!("`{uri}` leaves the folder mapped to `{prefix}`"));
                }
                return read(&folder.join(rest));
            }
        }
        Err(format!(
            "the reference `{uri}` names a document that is not available offline: give it with \
             --ref-map <uri-prefix>=<folder> or --ref-dir <folder of schemas with $id>"
        ))
    }
}

fn read(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}:{}:{}: malformed JSON: {}",
            path.display(),
            e.line(),
            e.column(),
            crate::registry::position::json_error_message(&e)
        )
    })
}

/// Most documents one schema may pull in.
const MAX_DOCUMENTS: usize = 1000;

/// `schema` with every reference to another document replaced by a reference into its own
/// `$defs`, where a copy of that document (itself rewritten) is placed. A schema without such
/// references comes back unchanged.
pub fn bundle_remote(schema: &Value, sources: &RefSources) -> Result<Value, String> {
    bundle_remote_at(schema, None, sources)
}

/// [`bundle_remote`] for a schema read from `base` (a `file://` URI, say) when it has no
/// `$id` of its own: its relative references are then documents too. Without a base they are
/// left as they are (a registry resolves them itself).
pub fn bundle_remote_at(
    schema: &Value,
    base: Option<&str>,
    sources: &RefSources,
) -> Result<Value, String> {
    let root_base = base_of(schema, base).or_else(|| base.map(str::to_owned));
    let mut bundler = Bundler {
        root_base: root_base.clone(),
        names: BTreeMap::new(),
        pending: Vec::new(),
    };
    let mut out = bundler.rewrite(schema, root_base.as_deref(), None)?;
    let mut defs = Map::new();
    while let Some((uri, name)) = bundler.pending.pop() {
        if bundler.names.len() > MAX_DOCUMENTS {
            return Err(format!("more than {MAX_DOCUMENTS} referenced documents"));
        }
        let document = sources.document(&uri)?;
        let base = base_of(&document, Some(&uri)).or(Some(uri.clone()));
        let mut copy = bundler.rewrite(&document, base.as_deref(), Some(&name))?;
        if let Value::Object(map) = &mut copy {
            // The copy is read from the bundle's root now: its own base is gone.
            for key in ["$id", "id", "$schema"] {
                map.shift_remove(key);
            }
        }
        defs.insert(name, copy);
    }
    if defs.is_empty() {
        return Ok(out);
    }
    if let Value::Object(map) = &mut out {
        let existing = map
            .entry("$defs")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(existing) = existing {
            existing.extend(defs);
        }
    }
    Ok(out)
}

struct Bundler {
    root_base: Option<String>,
    /// Document URI → its name under `$defs`.
    names: BTreeMap<String, String>,
    pending: Vec<(String, String)>,
}

impl Bundler {
    /// `value` (part of the document at `base`, copied under `$defs/<here>` unless it is the
    /// root) with its references rewritten.
    fn rewrite(
        &mut self,
        value: &Value,
        base: Option<&str>,
        here: Option<&str>,
    ) -> Result<Value, String> {
        Ok(match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, child) in map {
                    let rewritten = match (key.as_str(), child) {
                        ("$ref", Value::String(reference)) => {
                            Value::String(self.reference(reference, base, here)?)
                        }
                        ("const" | "enum" | "examples" | "default", _) => child.clone(),
                        _ => self.rewrite(child, base, here)?,
                    };
                    out.insert(key.clone(), rewritten);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.rewrite(i, base, here))
                    .collect::<Result<_, _>>()?,
            ),
            other => other.clone(),
        })
    }

    fn reference(
        &mut self,
        reference: &str,
        base: Option<&str>,
        here: Option<&str>,
    ) -> Result<String, String> {
        let (document, fragment) = match reference.split_once('#') {
            Some((d, f)) => (d, f),
            None => (reference, ""),
        };
        if !fragment.is_empty() && !fragment.starts_with('/') {
            return Err(format!(
                "`{reference}` uses an anchor: only JSON Pointer fragments are followed across documents"
            ));
        }
        let absolute = if document.is_empty() {
            match here {
                // Within the root document: unchanged.
                None => return Ok(reference.to_owned()),
                Some(name) => return Ok(format!("#/$defs/{name}{fragment}")),
            }
        } else if here.is_none() && base.is_none() && !is_absolute(document) {
            // A relative reference of a root without base: not ours to resolve.
            return Ok(reference.to_owned());
        } else {
            join(base, document).ok_or_else(|| {
                format!("`{reference}` is relative, and its document has no absolute `$id` to resolve it against")
            })?
        };
        if Some(&absolute) == self.root_base.as_ref() {
            return Ok(format!("#{fragment}"));
        }
        let name = match self.names.get(&absolute) {
            Some(name) => name.clone(),
            None => {
                let name = format!("remote{}", self.names.len() + 1);
                self.names.insert(absolute.clone(), name.clone());
                self.pending.push((absolute, name.clone()));
                name
            }
        };
        Ok(format!("#/$defs/{name}{fragment}"))
    }
}

/// A document's own absolute base URI: its `$id` (or draft-04 `id`) resolved against `parent`.
fn base_of(document: &Value, parent: Option<&str>) -> Option<String> {
    let id = document
        .get("$id")
        .or_else(|| document.get("id"))
        .and_then(Value::as_str)?;
    let id = id.split('#').next().unwrap_or_default();
    if id.is_empty() {
        return parent.map(str::to_owned);
    }
    join(parent, id)
}

/// `reference` (no fragment) resolved against `base`, for absolute and path-relative URIs.
fn is_absolute(reference: &str) -> bool {
    reference.contains("://") || reference.starts_with("urn:")
}

fn join(base: Option<&str>, reference: &str) -> Option<String> {
    if is_absolute(reference) {
        return Some(reference.to_owned());
    }
    let base = base?;
    let (scheme_host, path) = match base.find("://") {
        Some(i) => {
            let after = &base[i + 3..];
            let slash = after.find('/').map_or(base.len(), |j| i + 3 + j);
            (&base[..slash], &base[slash..])
        }
        None => return None,
    };
    let mut parts: Vec<&str> = if reference.starts_with('/') {
        Vec::new()
    } else {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in reference.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Some(format!("{scheme_host}/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn joins_relative_references() {
        let base = Some("https://example.com/schemas/a/root.json");
        assert_eq!(
            join(base, "b.json").unwrap(),
            "https://example.com/schemas/a/b.json"
        );
        assert_eq!(
            join(base, "../c/d.json").unwrap(),
            "https://example.com/schemas/c/d.json"
        );
        assert_eq!(join(base, "/e.json").unwrap(), "https://example.com/e.json");
        assert_eq!(join(None, "f.json"), None);
    }

    #[test]
    fn bundles_documents_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("money.json"),
            json!({"$defs": {"m": {"type": "integer"}, "n": {"$ref": "#/$defs/m"}}}).to_string(),
        )
        .unwrap();
        let mut sources = RefSources::default();
        sources.map_prefix("https://example.com/s/", dir.path());
        let schema =
            json!({"properties": {"a": {"$ref": "https://example.com/s/money.json#/$defs/n"}}});
        let bundled = bundle_remote(&schema, &sources).unwrap();
        assert_eq!(
            bundled["properties"]["a"]["$ref"],
            "#/$defs/remote1/$defs/n"
        );
        assert_eq!(
            bundled["$defs"]["remote1"]["$defs"]["n"]["$ref"],
            "#/$defs/remote1/$defs/m"
        );
        let missing = json!({"$ref": "https://elsewhere.org/x.json"});
        assert!(bundle_remote(&missing, &sources)
            .unwrap_err()
            .contains("not available offline"));
    }
}
