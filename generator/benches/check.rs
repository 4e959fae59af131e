//! `contracts check` on 1,000 realistic event schemas against a modified copy, as a ratio to
//! loading and parsing both registries, measured in the same run; and the peak memory of the
//! `contracts` binary doing it in a git repository, beside loading one registry
//! (`/usr/bin/time`, from Debian's `time` package).
//!
//! cargo bench -p contracts-generator --bench check

use std::time::{Duration, Instant};

use contracts_generator::{check_registries, load, Options};
use criterion::{criterion_group, criterion_main, Criterion};

mod synth;

const EVENTS: usize = 1_000;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (old_dir, new_dir) = (dir.path().join("old"), dir.path().join("new"));
    let expected = synth::write_registries(EVENTS, &old_dir, &new_dir);
    let load_both = || (load(&old_dir).unwrap().0, load(&new_dir).unwrap().0);
    let (old, new) = load_both();
    memory(&old_dir, &new_dir);
    let (found, _) = synth::broken_events(&old, &new);
    assert_eq!(
        found.len(),
        expected,
        "the check finds every breaking event of the workload"
    );

    let mut group = c.benchmark_group("registry of 1000 events");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("load and parse both registries (baseline)", |b| {
        b.iter(load_both)
    });
    group.bench_function("check the modified copy", |b| {
        b.iter(|| {
            check_registries(std::slice::from_ref(&old), &new, false, Options::default()).unwrap()
        })
    });
    group.bench_function("load both and check (what `contracts check` does)", |b| {
        b.iter(|| {
            let (old, new) = load_both();
            check_registries(std::slice::from_ref(&old), &new, false, Options::default()).unwrap()
        })
    });
    group.finish();

    // The ratio, from the same run: medians of a few timed rounds.
    let median = |f: &mut dyn FnMut()| {
        let mut times: Vec<Duration> = (0..5)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect();
        times.sort();
        times[2]
    };
    let baseline = median(&mut || {
        load_both();
    });
    let check = median(&mut || {
        check_registries(std::slice::from_ref(&old), &new, false, Options::default()).unwrap();
    });
    println!(
        "\nratio: check {:.1} ms / load {:.1} ms = {:.2}x (check alone); load+check = {:.2}x load",
        check.as_secs_f64() * 1e3,
        baseline.as_secs_f64() * 1e3,
        check.as_secs_f64() / baseline.as_secs_f64(),
        (check + baseline).as_secs_f64() / baseline.as_secs_f64()
    );
}

/// Peak resident memory, in MiB, of the `contracts` binary run with `args` in `dir`.
fn peak_rss(dir: &std::path::Path, args: &[&str]) -> Option<f64> {
    let output = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(env!("CARGO_BIN_EXE_contracts"))
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib: f64 = stderr.lines().last()?.trim().parse().ok()?;
    Some(kib / 1024.0)
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=bench", "-c", "user.email=bench@localhost"])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// The old registry committed as `schemas/`, the new one in the working tree: what a user's
/// pull request looks like to `contracts check --against HEAD`.
fn memory(old_dir: &std::path::Path, new_dir: &std::path::Path) {
    let repo = tempfile::tempdir().unwrap();
    let schemas = repo.path().join("schemas");
    let copy = |from: &std::path::Path| {
        let _ = std::fs::remove_dir_all(&schemas);
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(from)
            .arg(&schemas)
            .status()
            .unwrap();
        assert!(status.success());
    };
    copy(old_dir);
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "-qm", "old"]);
    copy(new_dir);
    let load = peak_rss(repo.path(), &["list"]);
    let check = peak_rss(repo.path(), &["check", "--against", "HEAD"]);
    match (load, check) {
        (Some(load), Some(check)) => println!(
            "peak memory: `contracts check --against HEAD` {check:.1} MiB, \
             `contracts list` (load one registry) {load:.1} MiB: {:.2}x",
            check / load
        ),
        _ => println!("peak memory not measured: /usr/bin/time is missing (apt-get install time)"),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
