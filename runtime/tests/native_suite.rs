//! The native path, with `serde_json::Value` as the target type, against the JSON Schema Test
//! Suite (draft 2020-12 and draft-07, with `optional/format`). The typed version of this test,
//! one generated Rust type per schema, lives in `conformance/`.

use std::path::{Path, PathBuf};

use contracts_runtime::native::{self, Plan};
use serde_json::Value;

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/json-schema-test-suite/tests")
}

/// Files whose cases we do not hold ourselves to, with the reason.
const SKIPPED: &[(&str, &str)] = &[
    // Formats are assertions here (as in optional/format), not annotations.
    ("format.json", "formats are assertions in this project"),
];

fn files(draft: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        suite().join(draft),
        suite().join(draft).join("optional/format"),
    ] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter(|p| {
                !(p.parent() == Some(&suite().join(draft))
                    && SKIPPED
                        .iter()
                        .any(|(name, _)| p.file_name().is_some_and(|f| f == *name)))
            })
            .collect();
        entries.sort();
        files.extend(entries);
    }
    files
}

fn with_draft(mut schema: Value, draft: &str) -> Value {
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

#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    agreeing: usize,
    refused: usize,
    disagreements: Vec<String>,
}

fn run(draft: &str) -> Tally {
    let mut tally = Tally::default();
    for file in files(draft) {
        let groups: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("JSON");
        for group in groups {
            let schema = with_draft(group["schema"].clone(), draft);
            let tests = group["tests"].as_array().expect("tests");
            let plan = match Plan::compile(&schema) {
                Ok(plan) => plan,
                Err(_) => {
                    tally.refused += tests.len();
                    continue;
                }
            };
            for test in tests {
                tally.cases += 1;
                let expected = test["valid"].as_bool().expect("valid");
                let bytes = serde_json::to_vec(&test["data"]).expect("bytes");
                let decoded = native::decode::<Value>(&plan, &bytes).is_ok();
                let encoded = native::is_valid(&plan, &test["data"]);
                if decoded == expected && encoded == expected {
                    tally.agreeing += 1;
                } else {
                    tally.disagreements.push(format!(
                        "{}: {} / {}: decode {decoded}, encode {encoded}, suite {expected}",
                        file.strip_prefix(suite()).unwrap_or(&file).display(),
                        group["description"].as_str().unwrap_or_default(),
                        test["description"].as_str().unwrap_or_default(),
                    ));
                }
            }
        }
    }
    tally
}

#[test]
fn value_native_path_agrees_with_the_suite() {
    for draft in ["draft2020-12", "draft7"] {
        let tally = run(draft);
        eprintln!(
            "{draft}: {} cases compiled, {} agree, {} refused",
            tally.cases, tally.agreeing, tally.refused
        );
        assert!(
            tally.disagreements.is_empty(),
            "{draft}: {} disagreements:\n{}",
            tally.disagreements.len(),
            tally.disagreements.join("\n")
        );
        assert!(
            tally.cases > 1000,
            "{draft}: only {} cases ran",
            tally.cases
        );
    }
}
