//! The native path with `serde_json::Value` as the target type against the JSON Schema Test
//! Suite (draft 2020-12 and draft-07, with `optional/format`), decoding and encoding. With
//! `Value` no type narrows anything, so every case of every schema the plan compiles must
//! agree. `typed_suite.rs` does the same through one generated type per schema.

use std::path::Path;

use contracts_conformance::walk;
use contracts_runtime::native::{self, Plan};
use serde_json::Value;

#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    agreeing: usize,
    refused: usize,
    disagreements: Vec<String>,
}

fn run(draft: &str) -> Tally {
    let suite = walk::suite(Path::new(env!("CARGO_MANIFEST_DIR")));
    let remotes = walk::remotes(&suite).expect("the suite's remotes");
    let mut tally = Tally::default();
    for file in walk::files(&suite, draft).expect("the suite's files") {
        for group in walk::groups(&suite, &file).expect("a suite file") {
            let schema = walk::with_draft(group["schema"].clone(), draft);
            let tests = group["tests"].as_array().expect("tests");
            let Ok(plan) = Plan::compile_with(&schema, &remotes) else {
                tally.refused += tests.len();
                continue;
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
                        "{file}: {} / {}: decode {decoded}, encode {encoded}, suite {expected}",
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
    for draft in walk::DRAFTS {
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
            tally.cases > 1400,
            "{draft}: only {} cases ran",
            tally.cases
        );
    }
}
