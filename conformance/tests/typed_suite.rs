//! Every JSON Schema Test Suite case (draft 2020-12 and draft-07, with `optional/format`)
//! decoded into the Rust type the generator made for its schema, by the native path. The
//! verdict must be the suite's, except where the generated type cannot hold a valid value
//! (counted and listed by file: the generator's types are narrower there, not the checks).
//! Every valid case decoded is written back and must say what the case said, apart from the
//! normalizations `round_trip_difference` lists.

use std::collections::BTreeMap;
use std::path::Path;

use contracts_conformance::{walk, Outcome, Producer, GROUPS};
use contracts_runtime::native::Plan;
use contracts_runtime::round_trip_difference;

#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    agree: usize,
    /// Cases of groups the generator made no type for, by reason.
    no_type: BTreeMap<String, usize>,
    /// Cases of groups whose schema the native plan refuses, by file.
    no_plan: BTreeMap<String, usize>,
    /// Valid cases the generated type cannot hold, by file.
    type_cannot_hold: BTreeMap<String, usize>,
    /// Groups whose type has parts typed as any value.
    with_fallbacks: usize,
    wrong: Vec<String>,
    /// Generated producer checks: cases checked (the type keeps the data exactly), of them
    /// invalid, and cases of schemas without a generated check.
    producer_checked: usize,
    producer_invalid: usize,
    producer_no_check: BTreeMap<String, usize>,
    /// Valid cases decoded and written back (each compared with the case's data).
    round_trips: usize,
}

fn run(draft: &str) -> Tally {
    let suite = walk::suite(Path::new(env!("CARGO_MANIFEST_DIR")));
    let remotes = walk::remotes(&suite).expect("the suite's remotes");
    let mut tally = Tally::default();
    let mut files: BTreeMap<&str, Vec<serde_json::Value>> = BTreeMap::new();
    for group in GROUPS.iter().filter(|g| g.draft == draft) {
        let groups = files
            .entry(group.file)
            .or_insert_with(|| walk::groups(&suite, group.file).expect("suite file"));
        let case_group = &groups[group.index];
        let tests = case_group["tests"].as_array().expect("tests");
        tally.cases += tests.len();
        let (check, fallbacks) = match group.check {
            Ok(check) => check,
            Err(reason) => {
                *tally.no_type.entry(reason.to_owned()).or_default() += tests.len();
                continue;
            }
        };
        tally.with_fallbacks += usize::from(!fallbacks.is_empty());
        let schema = walk::with_draft(case_group["schema"].clone(), draft);
        let Ok(plan) = Plan::compile_with(&schema, &remotes) else {
            *tally.no_plan.entry(group.file.to_owned()).or_default() += tests.len();
            continue;
        };
        for test in tests {
            let valid = test["valid"].as_bool().expect("valid");
            let (outcome, producer, again) = check(&plan, &test["data"], valid);
            if let (true, Some(again)) = (valid && outcome == Outcome::Agree, again) {
                tally.round_trips += 1;
                if let Some(difference) = round_trip_difference(&schema, &test["data"], &again) {
                    tally.wrong.push(format!(
                        "{}: {} / {}: the decoded value loses data: {difference}",
                        group.file,
                        case_group["description"].as_str().unwrap_or_default(),
                        test["description"].as_str().unwrap_or_default(),
                    ));
                }
            }
            match producer {
                Producer::Agree => {
                    tally.producer_checked += 1;
                    tally.producer_invalid += usize::from(!valid);
                }
                Producer::Disagree => tally.wrong.push(format!(
                    "{}: {} / {}: the generated producer check says {}",
                    group.file,
                    case_group["description"].as_str().unwrap_or_default(),
                    test["description"].as_str().unwrap_or_default(),
                    !valid,
                )),
                Producer::NoCheck => {
                    *tally
                        .producer_no_check
                        .entry(group.file.to_owned())
                        .or_default() += 1;
                }
                Producer::NotKept => {}
            }
            match outcome {
                Outcome::Agree => tally.agree += 1,
                Outcome::TypeCannotHold => {
                    *tally
                        .type_cannot_hold
                        .entry(group.file.to_owned())
                        .or_default() += 1;
                }
                wrong => tally.wrong.push(format!(
                    "{}: {} / {}: {wrong:?}",
                    group.file,
                    case_group["description"].as_str().unwrap_or_default(),
                    test["description"].as_str().unwrap_or_default(),
                )),
            }
        }
    }
    tally
}

#[test]
fn generated_types_decode_with_the_suites_verdict() {
    for draft in walk::DRAFTS {
        let tally = run(draft);
        let cannot_hold: usize = tally.type_cannot_hold.values().sum();
        let no_type: usize = tally.no_type.values().sum();
        let no_plan: usize = tally.no_plan.values().sum();
        eprintln!(
            "{draft}: {} cases; {} agree; {} valid cases the generated type cannot hold; \
             {} cases without a type; {} cases the plan refuses; {} groups with parts typed as \
             any value",
            tally.cases, tally.agree, cannot_hold, no_type, no_plan, tally.with_fallbacks
        );
        eprintln!(
            "{draft}: generated producer check: {} cases kept exactly by the type ({} of them \
             invalid) get the suite's verdict; {} cases of schemas without a generated check",
            tally.producer_checked,
            tally.producer_invalid,
            tally.producer_no_check.values().sum::<usize>()
        );
        for (file, count) in &tally.producer_no_check {
            eprintln!("  no generated check {count:>3}: {file}");
        }
        for (file, count) in &tally.type_cannot_hold {
            eprintln!("  type cannot hold {count:>3}: {file}");
        }
        for (file, count) in &tally.no_plan {
            eprintln!("  plan refuses {count:>3}: {file}");
        }
        for (reason, count) in &tally.no_type {
            eprintln!("  no type {count:>3}: {reason}");
        }
        assert!(
            tally.wrong.is_empty(),
            "{draft}: {} cases where the native path is wrong:\n{}",
            tally.wrong.len(),
            tally.wrong.join("\n")
        );
        assert_eq!(
            tally.agree + cannot_hold + no_type + no_plan,
            tally.cases,
            "{draft}: every case is accounted for"
        );
        // The suite is there and was read: over a thousand cases per draft decode with a type.
        // Every valid case the type holds keeps what it said through decode → encode, apart
        // from the README's normalizations (the `wrong` list above holds any that did not).
        eprintln!(
            "{draft}: {} valid cases decoded and written back",
            tally.round_trips
        );
        assert!(
            tally.round_trips > 500,
            "{draft}: {} round trips",
            tally.round_trips
        );
        assert!(
            tally.agree > 1000,
            "{draft}: only {} cases agree",
            tally.agree
        );
        // Only schemas that need the suite's remote documents (which the generator is not
        // given) get no generated check.
        for file in tally.producer_no_check.keys() {
            assert!(
                file.ends_with("/refRemote.json") || file.ends_with("/dynamicRef.json"),
                "{file}: no generated check"
            );
        }
        assert!(
            tally.producer_checked > 500 && tally.producer_invalid > 100,
            "{draft}: the generated check ran on too few cases: {tally:?}"
        );
    }
}
