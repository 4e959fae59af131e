//! What one `contracts diff` of two small files costs a process, against the same binary doing
//! nothing (`contracts --version`) and a process that does nothing at all (`true`), measured in
//! the same run: wall time by criterion, CPU time (user + system of the children, from
//! `/proc/self/stat`) by a few thousand runs of each.
//!
//! cargo bench -p contracts-generator --bench startup --features fast-start
//!
//! The binary measured is the one `cargo install ... --profile dist` builds: the bench builds it
//! first (`cargo build --profile dist`, into this bench's target folder; minutes the first
//! time). The bench profile's own binary (no LTO) is measured beside it.
//!
//! Without `fast-start` the binary builds jsonschema's draft 2020-12 meta-schema validator at
//! run time, the first time any validator is built: most of what a small diff costs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

const OLD: &str = r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
  "properties": {"id": {"type": "string"}, "amount": {"type": "integer", "minimum": 0}},
  "required": ["id"]}"#;
const NEW: &str = r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
  "properties": {"id": {"type": "string"}, "amount": {"type": "integer", "minimum": 0},
  "currency": {"type": "string"}}, "required": ["id", "currency"]}"#;

struct Case {
    name: &'static str,
    program: PathBuf,
    args: Vec<String>,
}

impl Case {
    fn run(&self) {
        let status = Command::new(&self.program)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("runs");
        assert!(status.code().is_some(), "{} ran to its end", self.name);
    }
}

/// User + system CPU time of the children waited for so far, in clock ticks.
fn children_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("reads /proc/self/stat");
    // Fields after the command name (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 here.
    fields[13].parse::<u64>().unwrap() + fields[14].parse::<u64>().unwrap()
}

/// Milliseconds of CPU per run of `case`, over `runs` runs.
fn cpu_per_run(case: &Case, runs: u32, ticks_per_second: f64) -> f64 {
    let before = children_ticks();
    for _ in 0..runs {
        case.run();
    }
    (children_ticks() - before) as f64 / ticks_per_second * 1000.0 / f64::from(runs)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let (old, new) = (write("old.json", OLD), write("new.json", NEW));
    let contracts = dist_binary();
    let plain = PathBuf::from(env!("CARGO_BIN_EXE_contracts"));
    let mut verdicts = Vec::new();
    for binary in [&contracts, &plain] {
        let verdict = Command::new(binary)
            .args(["diff", &old, &new])
            .output()
            .unwrap();
        assert_eq!(verdict.status.code(), Some(1), "the pair is breaking");
        assert!(String::from_utf8_lossy(&verdict.stdout).contains("REQUIRED_ADDED"));
        verdicts.push(verdict.stdout);
    }
    assert_eq!(
        verdicts[0], verdicts[1],
        "both builds give the same findings"
    );

    let cases = [
        Case {
            name: "true (a process doing nothing)",
            program: Path::new("/bin/true").to_path_buf(),
            args: vec![],
        },
        Case {
            name: "contracts --version (baseline)",
            program: contracts.clone(),
            args: vec!["--version".into()],
        },
        Case {
            name: "contracts diff, identical pair",
            program: contracts.clone(),
            args: vec!["diff".into(), old.clone(), old.clone()],
        },
        Case {
            name: "contracts diff, breaking pair",
            program: contracts.clone(),
            args: vec!["diff".into(), old.clone(), new.clone()],
        },
        Case {
            name: "the same, release profile (no LTO)",
            program: plain.clone(),
            args: vec!["diff".into(), old.clone(), new.clone()],
        },
    ];

    let mut group = c.benchmark_group("one process");
    group.measurement_time(Duration::from_secs(5));
    for case in &cases {
        group.bench_function(case.name, |b| b.iter(|| case.run()));
    }
    group.finish();

    let ticks = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    let runs = 3_000;
    let cpu: Vec<f64> = cases
        .iter()
        .map(|case| cpu_per_run(case, runs, ticks))
        .collect();
    println!(
        "\nCPU per process (user + system, {runs} runs each, dist profile, fast-start {}):",
        if cfg!(feature = "fast-start") {
            "on"
        } else {
            "off"
        }
    );
    for (case, ms) in cases.iter().zip(&cpu) {
        println!(
            "  {:<34} {ms:.2} ms ({:.2}x contracts --version)",
            case.name,
            ms / cpu[1]
        );
    }
}

/// The CLI as `cargo install --profile dist` builds it, with this bench's features, built now
/// into the target folder this bench runs from.
fn dist_binary() -> PathBuf {
    // <target>/<profile>/deps/startup-<hash>
    let me = std::env::current_exe().expect("the bench's own path");
    let target = me
        .ancestors()
        .nth(3)
        .expect("the bench runs from <target>/<profile>/deps");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--locked",
            "--profile",
            "dist",
            "--bin",
            "contracts",
        ])
        .arg("--target-dir")
        .arg(target);
    if cfg!(feature = "fast-start") {
        build.args(["--features", "fast-start"]);
    }
    let status = build.status().expect("runs cargo");
    assert!(status.success(), "cargo build --profile dist failed");
    target.join("dist").join("contracts")
}

criterion_group!(benches, bench);
criterion_main!(benches);
