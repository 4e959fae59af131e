//! Which suite files and groups there are, shared by the build script (which generates a type
//! per group) and the test (which runs the cases), so both see the same groups in the same
//! order.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The drafts we run.
pub const DRAFTS: &[&str] = &["draft2020-12", "draft7"];

/// Files whose cases we do not hold ourselves to, with the reason.
pub const SKIPPED: &[(&str, &str)] = &[(
    "format.json",
    "formats are assertions in this project, as in optional/format",
)];

/// The suite's `tests` directory.
pub fn suite(manifest_dir: &Path) -> PathBuf {
    manifest_dir.join("../../shared/conformance/json-schema-test-suite/tests")
}

/// The case files of `draft` (top level and `optional/format`), sorted, as paths relative to
/// the suite's `tests` directory.
pub fn files(suite: &Path, draft: &str) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    for sub in [draft.to_owned(), format!("{draft}/optional/format")] {
        let mut names: Vec<String> = std::fs::read_dir(suite.join(&sub))?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json"))
            .filter(|name| sub != draft || !SKIPPED.iter().any(|(skip, _)| skip == name))
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|name| format!("{sub}/{name}")));
    }
    Ok(files)
}

/// The groups of one case file.
pub fn groups(suite: &Path, file: &str) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(suite.join(file)).map_err(|e| format!("{file}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))
}

/// A group's schema with its draft made explicit.
pub fn with_draft(mut schema: Value, draft: &str) -> Value {
    if let Value::Object(map) = &mut schema {
        map.entry("$schema").or_insert_with(|| {
            match draft {
                "draft7" => "http://json-schema.org/draft-07/schema#",
                _ => "https://json-schema.org/draft/2020-12/schema",
            }
            .into()
        });
    }
    schema
}

/// `remotes/` folders for drafts we do not run (their meta-schemas are unknown to jsonschema).
const OTHER_DRAFTS: &[&str] = &[
    "draft3",
    "draft4",
    "draft6",
    "draft2019-09",
    "draft-next",
    "v1",
];

/// The suite's `remotes/` documents, by the URI its cases use for them
/// (`http://localhost:1234/...`), for refs that leave a case's schema.
pub fn remotes(suite: &Path) -> std::io::Result<Vec<(String, Value)>> {
    fn visit(dir: &Path, prefix: &str, out: &mut Vec<(String, Value)>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_dir() && prefix.ends_with("1234/") && OTHER_DRAFTS.contains(&name.as_str()) {
                continue;
            }
            if path.is_dir() {
                visit(&path, &format!("{prefix}{name}/"), out)?;
            } else if name.ends_with(".json") {
                let text = std::fs::read_to_string(&path)?;
                let document = serde_json::from_str(&text).map_err(|e| {
                    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{name}: {e}"))
                })?;
                out.push((format!("{prefix}{name}"), document));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    visit(
        &suite.join("../remotes"),
        "http://localhost:1234/",
        &mut out,
    )?;
    Ok(out)
}
