//! Apicurio's labelled compatibility cases, checked in strict mode (their semantics). Where we
//! disagree the case is listed in `generator/tests/disagreements.json` with the reason or the
//! witness payload that proves our answer; the rest must agree.

use std::path::PathBuf;

use contracts_generator::{check_pair, Compatibility, Level, Options};
use serde_json::Value;

fn conformance() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

fn verdict(old: &Value, new: &Value) -> (&'static str, Vec<String>) {
    let options = Options {
        strict: true,
        ..Options::default()
    };
    let breaking = |mode| {
        let findings = check_pair(old, new, mode, options).expect("schemas compile");
        let proofs: Vec<String> = findings
            .iter()
            .filter(|f| f.level == Level::Breaking)
            .map(|f| {
                format!(
                    "{} {} witness {}",
                    f.direction,
                    f.rule,
                    f.witness.as_ref().unwrap()
                )
            })
            .collect();
        proofs
    };
    let back = breaking(Compatibility::Backward);
    let forward = breaking(Compatibility::Forward);
    let label = match (back.is_empty(), forward.is_empty()) {
        (true, true) => "both",
        (true, false) => "backward",
        (false, true) => "forward",
        (false, false) => "none",
    };
    (label, back.into_iter().chain(forward).collect())
}

#[test]
fn apicurio_cases() {
    let path = conformance().join("apicurio-registry/schema-util/json/src/test/resources/io/apicurio/registry/rules/compatibility/jsonschema/compatibility-test-data.json");
    let data: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).expect("conformance data beside the repository"),
    )
    .unwrap();
    let known: Value = serde_json::from_str(include_str!("disagreements.json")).unwrap();
    let known = known["apicurio"].as_array().unwrap();
    let cases = data["tests"].as_array().unwrap();
    let mut agree = 0;
    let mut unexplained = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let (ours, proofs) = verdict(&case["original"], &case["updated"]);
        let theirs = case["compatibility"].as_str().unwrap();
        if ours == theirs {
            agree += 1;
            continue;
        }
        let listed = known
            .iter()
            .find(|k| k["index"] == index && k["ours"] == ours);
        if let Some(entry) = listed {
            check_proof(&case["original"], &case["updated"], entry);
        } else {
            unexplained.push(format!(
                "#{index} {}: theirs {theirs}, ours {ours} {proofs:?}",
                case["id"]
            ));
        }
    }
    let rate = agree as f64 / cases.len() as f64;
    let disputed = known.len();
    let undisputed_rate = agree as f64 / (cases.len() - disputed) as f64;
    println!(
        "apicurio: {agree}/{} agree ({:.1}%); {disputed} labels disputed with proof; {:.1}% of the undisputed",
        cases.len(),
        rate * 100.0,
        undisputed_rate * 100.0
    );
    assert!(
        unexplained.is_empty(),
        "disagreements not listed in disagreements.json:\n{}",
        unexplained.join("\n")
    );
    assert_eq!(
        agree + disputed,
        cases.len(),
        "a listed disagreement no longer happens: remove it"
    );
    assert!(rate >= 0.9, "agreement {:.1}% is below 90%", rate * 100.0);
}

/// Checks the evidence a listed disagreement gives, with the validator in strict semantics.
fn check_proof(old: &Value, new: &Value, entry: &Value) {
    for key in ["witness", "witness_2"] {
        if let Some(witness) = entry.get(key) {
            let payload = &witness["payload"];
            let (writer, reader) = match witness["direction"].as_str() {
                Some("backward") => (old, new),
                _ => (new, old),
            };
            assert!(
                valid(writer, payload) && !valid(reader, payload),
                "{}: witness {payload} does not prove a break",
                entry["id"]
            );
        }
    }
    for payload in entry
        .get("accepted_by_both")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert!(
            valid(old, payload) && valid(new, payload),
            "{}: {payload} is not accepted by both",
            entry["id"]
        );
    }
    for payload in entry
        .get("rejected_by_both")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert!(
            !valid(old, payload) && !valid(new, payload),
            "{}: {payload} is not rejected by both",
            entry["id"]
        );
    }
    assert!(
        entry["reason"].as_str().is_some_and(|r| r.len() > 20),
        "{}: every disagreement gives its reason",
        entry["id"]
    );
}

/// getsentry/json-schema-diff's fixtures in every mode: no error, and every breaking finding's
/// witness is valid for its writer and rejected by its reader (checked again, independently).
#[test]
fn json_schema_diff_fixtures_give_only_proven_findings() {
    let root = conformance().join("json-schema-diff/tests/fixtures");
    let mut fixtures = 0;
    let mut breaking = 0;
    for category in std::fs::read_dir(&root).expect("fixtures beside the repository") {
        for file in std::fs::read_dir(category.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let fixture: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let (old, new) = (&fixture["lhs"], &fixture["rhs"]);
            fixtures += 1;
            for strict in [true, false] {
                let findings = check_pair(
                    old,
                    new,
                    Compatibility::Full,
                    Options {
                        strict,
                        ..Options::default()
                    },
                )
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                for f in findings.iter().filter(|f| f.level == Level::Breaking) {
                    breaking += 1;
                    let witness = f
                        .witness
                        .as_ref()
                        .expect("breaking findings carry a witness");
                    let (writer, reader) = match f.direction {
                        contracts_generator::Direction::Backward => (old.clone(), new.clone()),
                        contracts_generator::Direction::Forward => (new.clone(), old.clone()),
                    };
                    let reader = if strict { reader } else { open(&reader) };
                    assert!(
                        valid(&writer, witness),
                        "{}: witness {witness} invalid for the writer",
                        path.display()
                    );
                    assert!(
                        !valid(&reader, witness),
                        "{}: witness {witness} accepted by the reader",
                        path.display()
                    );
                }
            }
        }
    }
    assert_eq!(fixtures, 85);
    assert!(
        breaking > 40,
        "only {breaking} breaking findings over 85 fixtures"
    );
}

/// Our validation semantics: formats are enforced.
fn valid(schema: &Value, payload: &Value) -> bool {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .or_else(|_| {
            jsonschema::draft7::options()
                .should_validate_formats(true)
                .build(schema)
        })
        .unwrap();
    validator.is_valid(payload)
}

/// What a tolerant consumer accepts (the library's rule, itself checked on the JSON Schema
/// Test Suite by `tests/reader_schema.rs`).
fn open(schema: &Value) -> Value {
    contracts_generator::reader_schema(schema)
}
