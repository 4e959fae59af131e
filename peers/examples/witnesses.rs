//! Prints every finding (level, direction, rule, witness) of the checker on the changed pairs of
//! the benchmark workload and on json-schema-diff's 85 fixture pairs, in full mode, strict and
//! not: run it before and after a change to the checker and compare the two outputs (a speed-up
//! must leave every witness as it was).
//!
//! cargo run --release --example witnesses > before.txt
use contracts_generator::{check_pair, load, Compatibility, Options};
#[allow(dead_code)]
#[path = "../../generator/benches/synth.rs"]
mod synth;
fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (o, n) = (dir.path().join("old"), dir.path().join("new"));
    synth::write_registries(1000, &o, &n);
    let (old, _) = load(&o).unwrap();
    let (new, _) = load(&n).unwrap();
    let mut pairs: Vec<(String, serde_json::Value, serde_json::Value)> = old
        .events
        .iter()
        .map(|e| {
            (
                e.event_type.clone(),
                e.schema.value(),
                new.event(&e.event_type, e.version).unwrap().schema.value(),
            )
        })
        .filter(|(_, a, b)| a != b)
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/json-schema-diff/tests/fixtures");
    for cat in std::fs::read_dir(&root).unwrap() {
        for f in std::fs::read_dir(cat.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            pairs.push((p.display().to_string(), v["lhs"].clone(), v["rhs"].clone()));
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, a, b) in &pairs {
        for (mode, strict) in [(Compatibility::Full, false), (Compatibility::Full, true)] {
            let findings = check_pair(
                a,
                b,
                mode,
                Options {
                    strict,
                    ..Options::default()
                },
            )
            .unwrap();
            for f in findings {
                println!(
                    "{name} strict={strict} {:?} {:?} {} {}",
                    f.level,
                    f.direction,
                    f.rule,
                    f.witness.map(|w| w.to_string()).unwrap_or_default()
                );
            }
        }
    }
}
