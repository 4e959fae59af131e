//! Writes the benchmark workload (1,000 events and the modified copy) as two registries under
//! `<dir>/old` and `<dir>/new`, to measure `contracts check` as a user runs it:
//!
//! cargo run --release --example write_workload /tmp/wl
//! (then commit `old` as `schemas/` in a git repository, replace it by `new`, and run
//! `/usr/bin/time -v contracts check --against HEAD` there)
#[allow(dead_code)]
#[path = "../../generator/benches/synth.rs"]
mod synth;
fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let breaking = synth::write_registries(1000, &dir.join("old"), &dir.join("new"));
    eprintln!("{breaking} breaking");
}
