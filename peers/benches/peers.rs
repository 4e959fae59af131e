//! The compatibility check side by side with its peers, in one process, on the same 1,000 pairs
//! of realistic event schemas: the workload of `generator/benches/check.rs` (21 to 61
//! properties, nested objects, arrays of objects, shared `$defs`, enums, formats, patterns,
//! bounds; 100 events changed, half of them breaking), each pair bundled self-contained.
//! - contracts: `check_pair` in backward mode (every breaking finding with a witness);
//! - getsentry's json-schema-diff 0.1.8: `diff`;
//! - jsoncompat 0.5.0 (its Rust core): `check_compat` in the deserializer role (backward).
//!
//! Each is timed on the whole workload, on the 900 identical pairs and on the 100 changed ones,
//! and reported as a ratio to json-schema-diff. The bench asserts that ours still finds every
//! break of the workload, and nothing else.
//!
//! cd peers && cargo bench

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use contracts_generator::{check_pair, load, Compatibility, Level, Options};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;

#[allow(dead_code)] // the registry-level helpers are for `benches/check.rs`
#[path = "../../generator/benches/synth.rs"]
mod synth;

const EVENTS: usize = 1_000;

struct Pair {
    event: String,
    old: Value,
    new: Value,
}

fn workload() -> (Vec<Pair>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (dir.path().join("old"), dir.path().join("new"));
    let breaking = synth::write_registries(EVENTS, &old_dir, &new_dir);
    let (old, _) = load(&old_dir).unwrap();
    let (new, _) = load(&new_dir).unwrap();
    let pairs = old
        .events
        .iter()
        .map(|event| Pair {
            event: event.event_type.clone(),
            old: event.schema.value(),
            new: new
                .event(&event.event_type, event.version)
                .expect("same events")
                .schema
                .value(),
        })
        .collect();
    (pairs, breaking)
}

fn contracts(pairs: &[&Pair]) -> BTreeSet<String> {
    let mut broken = BTreeSet::new();
    for pair in pairs {
        let findings = check_pair(
            &pair.old,
            &pair.new,
            Compatibility::Backward,
            Options::default(),
        )
        .unwrap();
        assert!(
            findings.iter().all(|f| f.level != Level::Undecided),
            "{}: undecided",
            pair.event
        );
        if findings.iter().any(|f| f.level == Level::Breaking) {
            broken.insert(pair.event.clone());
        }
    }
    broken
}

fn json_schema_diff(pairs: &[&Pair]) -> usize {
    pairs
        .iter()
        .map(|pair| {
            json_schema_diff::diff(pair.old.clone(), pair.new.clone())
                .map_or(0, |changes| changes.len())
        })
        .sum()
}

fn jsoncompat(pairs: &[&Pair]) -> usize {
    pairs
        .iter()
        .filter(|pair| {
            let old = jsoncompat::SchemaDocument::from_json(&pair.old);
            let new = jsoncompat::SchemaDocument::from_json(&pair.new);
            match (old, new) {
                (Ok(old), Ok(new)) => {
                    !jsoncompat::check_compat(&old, &new, jsoncompat::Role::Deserializer)
                        .unwrap_or(false)
                }
                _ => true,
            }
        })
        .count()
}

/// The median of five timed runs.
fn median(mut run: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[2]
}

fn bench(c: &mut Criterion) {
    let (pairs, breaking) = workload();
    let all: Vec<&Pair> = pairs.iter().collect();
    let (identical, changed): (Vec<&Pair>, Vec<&Pair>) =
        pairs.iter().partition(|pair| pair.old == pair.new);
    assert_eq!(changed.len(), EVENTS / 10);
    let broken = contracts(&all);
    assert_eq!(
        broken.len(),
        breaking,
        "the check finds every break of the workload, and only those: {broken:?}"
    );

    let mut group = c.benchmark_group("1000 schema pairs");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("json-schema-diff (baseline)", |b| {
        b.iter(|| json_schema_diff(&all))
    });
    group.bench_function("jsoncompat", |b| b.iter(|| jsoncompat(&all)));
    group.bench_function("contracts check_pair", |b| b.iter(|| contracts(&all)));
    group.finish();

    println!("\nper workload, median of 5 runs, ratio to json-schema-diff:");
    println!(
        "{:<16} {:>12} {:>12} {:>12}",
        "", "all 1000", "900 same", "100 changed"
    );
    let mut baseline = None;
    for (name, run) in [
        (
            "json-schema-diff",
            &(|p: &[&Pair]| {
                json_schema_diff(p);
            }) as &dyn Fn(&[&Pair]),
        ),
        ("jsoncompat", &|p: &[&Pair]| {
            jsoncompat(p);
        }),
        ("contracts", &|p: &[&Pair]| {
            contracts(p);
        }),
    ] {
        let times = [
            median(|| run(&all)),
            median(|| run(&identical)),
            median(|| run(&changed)),
        ];
        let base = *baseline.get_or_insert(times);
        let cell = |i: usize| {
            format!(
                "{:.1} ms {:.2}x",
                times[i].as_secs_f64() * 1e3,
                times[i].as_secs_f64() / base[i].as_secs_f64()
            )
        };
        println!("{name:<16} {:>12} {:>12} {:>12}", cell(0), cell(1), cell(2));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
