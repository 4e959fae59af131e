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
