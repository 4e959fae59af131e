//! The gate never fails open, checked on the JSON Schema Test Suite in every draft we read
//! (4, 6, 7, 2019-09, 2020-12): every pair of schemas within one case file is checked in
//! strict backward mode, and when the verdict is "compatible" (no finding at all), every
//! payload of that file the old schema accepts must be accepted by the new one. The suite's
//! payloads are written by people to sit on the edges of each keyword, so they are the
//! attack. Breaking findings' witnesses are checked with the validator of the case's draft.

use std::path::{Path, PathBuf};

use contracts_generator::{check_pair, reader_schema, Compatibility, Level, Options};
use serde_json::Value;

const DRAFTS: &[(&str, &str)] = &[
    ("draft4", "http://json-schema.org/draft-04/schema#"),
    ("draft6", "http://json-schema.org/draft-06/schema#"),
    ("draft7", "http://json-schema.org/draft-07/schema#"),
    (
        "draft2019-09",
        "https://json-schema.org/draft/2019-09/schema",
    ),
    (
        "draft2020-12",
        "https://json-schema.org/draft/2020-12/schema",
    ),
];

fn suite() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/json-schema-test-suite/tests")
}

fn validator(schema: &Value) -> Option<jsonschema::Validator> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .ok()
}

/// Case files of a draft, top level only (optional/ holds formats and extras).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the suite beside the repository")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    out.sort();
    out
}

#[test]
fn compatible_verdicts_hold_on_every_suite_payload() {
    let mut compatible = 0;
    let mut breaking = 0;
    let mut undecided = 0;
    let mut failures = Vec::new();
    for (draft, uri) in DRAFTS {
        for file in files(&suite().join(draft)) {
            let groups: Vec<Value> =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            // Object schemas that compile offline, with their draft made explicit.
            let schemas: Vec<(Value, jsonschema::Validator)> = groups
                .iter()
                .filter_map(|g| {
                    let mut schema = g["schema"].clone();
                    let map = schema.as_object_mut()?;
                    map.entry("$schema").or_insert_with(|| Value::from(*uri));
                    let text = schema.to_string();
                    if text.contains("http://localhost") || text.contains("\"$id\"") {
                        return None; // remote documents: not read offline
                    }
                    let v = validator(&schema)?;
                    Some((schema, v))
                })
                .collect();
            let payloads: Vec<&Value> = groups
                .iter()
                .flat_map(|g| g["tests"].as_array().into_iter().flatten())
                .map(|t| &t["data"])
                .collect();
            for (old, old_check) in &schemas {
                for (new, new_check) in &schemas {
                    let options = Options {
                        strict: true,
                        ..Options::default()
                    };
                    let Ok(findings) = check_pair(old, new, Compatibility::Backward, options)
                    else {
                        continue;
                    };
                    if findings.is_empty() {
                        compatible += 1;
                        for payload in &payloads {
                            if old_check.is_valid(payload) && !new_check.is_valid(payload) {
                                failures.push(format!(
                                    "{}: {old} -> {new} called compatible, but {payload} breaks",
                                    file.display()
                                ));
                            }
                        }
                    }
                    for f in &findings {
                        match f.level {
                            Level::Undecided => undecided += 1,
                            Level::Breaking => {
                                breaking += 1;
                                let w = f.witness.as_ref().unwrap();
                                if !old_check.is_valid(w) || new_check.is_valid(w) {
                                    failures.push(format!(
                                        "{}: {old} -> {new}: witness {w} does not prove {}",
                                        file.display(),
                                        f.rule
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    println!(
        "suite pairs: {compatible} compatible, {breaking} breaking findings, {undecided} undecided findings"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compatible > 500, "only {compatible} compatible pairs");
}

/// The reader schema only ever widens the writer's: every suite case the writer accepts, the
/// reader schema (objects opened for the tolerant consumer) accepts too.
#[test]
fn the_reader_accepts_every_suite_payload_the_writer_accepts() {
    let (mut cases, mut opened, mut failures) = (0, 0, Vec::new());
    for (draft, uri) in DRAFTS {
        for file in files(&suite().join(draft)) {
            let groups: Vec<Value> =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            for group in groups {
                let mut schema = group["schema"].clone();
                if let Value::Object(map) = &mut schema {
                    map.entry("$schema").or_insert_with(|| Value::from(*uri));
                }
                let reader = reader_schema(&schema);
                opened += usize::from(reader != schema);
                let (Some(writer_check), Some(reader_check)) =
                    (validator(&schema), validator(&reader))
                else {
                    continue;
                };
                for test in group["tests"].as_array().unwrap() {
                    let data = &test["data"];
                    if !writer_check.is_valid(data) {
                        continue;
                    }
                    cases += 1;
                    if !reader_check.is_valid(data) {
                        failures.push(format!(
                            "{}: {} / {}",
                            file.display(),
                            group["description"],
                            test["description"]
                        ));
                    }
                }
            }
        }
    }
    eprintln!("{cases} writer-valid cases; {opened} groups whose reader schema differs");
    assert!(cases > 2500, "the suite was read: {cases} cases");
    assert!(opened > 20, "objects were opened: {opened} groups");
    assert!(
        failures.is_empty(),
        "{} writer-valid cases the reader refuses:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
