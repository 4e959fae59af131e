//! Keeps the benchmark honest: its synthetic registry loads, and the check finds exactly the
//! events the modified copy breaks (on a smaller registry than the benchmark's).

#[path = "../benches/synth.rs"]
mod synth;

use contracts_generator::load;

#[test]
fn the_benchmark_workload_is_realistic_and_its_breaks_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (dir.path().join("old"), dir.path().join("new"));
    let expected = synth::write_registries(80, &old_dir, &new_dir);
    assert!(expected >= 3, "the workload breaks some events");
    let (old, _) = load(&old_dir).unwrap_or_else(|d| panic!("{d}"));
    let (new, _) = load(&new_dir).unwrap_or_else(|d| panic!("{d}"));
    for event in &old.events {
        let count = event.schema.value()["properties"]
            .as_object()
            .unwrap()
            .len();
        assert!(
            (21..=61).contains(&count),
            "{} has {count} properties",
            event.event_type
        );
    }
    let (found, report) = synth::broken_events(&old, &new);
    assert_eq!(
        found.len(),
        expected,
        "{:#?}",
        report
            .findings
            .iter()
            .map(|f| (&f.event_type, f.finding.rule))
            .collect::<Vec<_>>()
    );
    assert_eq!(report.compared, 80);
    // The compatible changes are proven compatible: not one undecided finding.
    let undecided: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.finding.level == contracts_generator::Level::Undecided)
        .map(|f| (&f.event_type, f.finding.rule, &f.finding.reason))
        .collect();
    assert!(undecided.is_empty(), "{undecided:#?}");
}
