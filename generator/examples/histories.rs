//! The gate on real schema histories: consecutive revisions of schema files in a git
//! repository (SchemaStore, say) compared in full mode, strictly, with every verdict checked
//! from outside the checker. Each witness must be valid for the writer and refused by the
//! reader; each direction called compatible is attacked with writer payloads (generated, and
//! changed in one place to a value of every JSON type) that the reader must accept.
//!
//! ```text
//! cargo run --release -p contracts-generator --example histories -- \
//!     <repo> <folder> <pairs-per-file> [--ref-prefix <uri>]... <file>...
//! ```
//!
//! `--ref-prefix https://json.schemastore.org/` (repeatable) reads references under that
//! prefix from the same folder at the same revision (nothing is fetched). One line per pair on stdout (tab
//! separated), a summary on stderr; exit 1 when a witness is not genuine or a compatible
//! verdict is broken.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use contracts_generator::{
    bundle_remote, check_pair, Compatibility, Direction, Finding, Level, Options, RefSources,
    Sampler, Validator,
};
use serde_json::{json, Value};

struct Args {
    repo: PathBuf,
    folder: String,
    pairs: usize,
    ref_prefixes: Vec<String>,
    files: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut rest = std::env::args().skip(1);
    let usage =
        "usage: histories <repo> <folder> <pairs-per-file> [--ref-prefix <uri>]... <file>...";
    let repo = rest.next().ok_or(usage)?.into();
    let folder = rest.next().ok_or(usage)?;
    let pairs = rest
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or("<pairs-per-file> must be a number")?;
    let mut ref_prefixes = Vec::new();
    let mut files = Vec::new();
    while let Some(arg) = rest.next() {
        if arg == "--ref-prefix" {
            ref_prefixes.push(rest.next().ok_or("--ref-prefix takes a URI")?);
        } else {
            files.push(arg);
        }
    }
    if files.is_empty() {
        return Err(usage.into());
    }
    Ok(Args {
        repo,
        folder,
        pairs,
        ref_prefixes,
        files,
    })
}

fn git(repo: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// The documents a schema references under the prefix, as they are at its revision, written
/// into a temporary folder (followed from document to document; nothing is fetched).
fn referenced_documents(
    args: &Args,
    revision: &str,
    schema: &Value,
) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut todo = Vec::new();
    remote_refs(schema, &args.ref_prefixes, &mut todo);
    let mut seen = std::collections::HashSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) || name.contains("..") {
            continue;
        }
        let path = format!("{revision}:{}/{name}", args.folder);
        let Some(bytes) = git(&args.repo, &["show", &path]) else {
            continue; // left for the bundler to report
        };
        if let Ok(document) = serde_json::from_slice::<Value>(&bytes) {
            remote_refs(&document, &args.ref_prefixes, &mut todo);
        }
        let target = dir.path().join(&name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(target, bytes).map_err(|e| e.to_string())?;
    }
    Ok(dir)
}

/// Names (relative to their prefix, fragment dropped) of the references under the prefixes
/// or relative to the document.
fn remote_refs(value: &Value, prefixes: &[String], out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if let (true, Some(uri)) = (k == "$ref", v.as_str()) {
                    // Relative references name documents beside this one.
                    let relative = (!uri.starts_with('#') && !uri.contains("://")).then_some(uri);
                    let rest = prefixes
                        .iter()
                        .find_map(|p| uri.strip_prefix(p.as_str()))
                        .or(relative);
                    if let Some(rest) = rest {
                        let name = rest.split('#').next().unwrap_or_default();
                        out.push(name.to_owned());
                    }
                }
                remote_refs(v, prefixes, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| remote_refs(v, prefixes, out)),
        _ => {}
    }
}

fn has_remote_ref(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            (k == "$ref" && v.as_str().is_some_and(|r| r.contains("://"))) || has_remote_ref(v)
        }),
        Value::Array(items) => items.iter().any(has_remote_ref),
        _ => false,
    }
}

/// A revision of one file, bundled with its remote references when a prefix is given.
fn schema_at(args: &Args, revision: &str, file: &str) -> Result<Value, String> {
    let path = format!("{revision}:{}/{file}", args.folder);
    let bytes = git(&args.repo, &["show", &path]).ok_or("absent")?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| "malformed JSON")?;
    if !has_remote_ref(&value) {
        return Ok(value);
    }
    let mut sources = RefSources::default();
    let documents = referenced_documents(args, revision, &value)?;
    for prefix in &args.ref_prefixes {
        sources.map_prefix(prefix.clone(), documents.path());
    }
    bundle_remote(&value, &sources).map_err(|e| {
        if std::env::var_os("HISTORIES_VERBOSE").is_some() {
            eprintln!("{path}: {e}");
        }
        "unresolved remote $ref".into()
    })
}

/// Writer payloads: generated ones, and the first few changed at each place to a value of
/// every JSON type.
fn attack(writer: &Value, seed: u64) -> Vec<Value> {
    let Ok(mut sampler) = Sampler::new(writer, seed) else {
        return Vec::new();
    };
    let samples = sampler.samples(16);
    let values = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(2.5),
        json!(""),
        json!("a"),
        json!([]),
        json!({}),
    ];
    let mut out = samples.clone();
    for sample in samples.iter().take(3) {
        let mut places = Vec::new();
        payload_places(sample, String::new(), &mut places);
        for place in places.iter().take(200) {
            for v in &values {
                let mut changed = sample.clone();
                if let Some(slot) = changed.pointer_mut(place) {
                    *slot = v.clone();
                    out.push(changed);
                }
            }
        }
    }
    out
}

fn payload_places(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                payload_places(v, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                payload_places(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[derive(Default)]
struct Totals {
    pairs: usize,
    unchanged: usize,
    refused: HashMap<String, usize>,
    compatible: usize,
    breaking: usize,
    undecided: usize,
    witnesses: usize,
    false_witnesses: usize,
    attacked: usize,
    attack_payloads: usize,
    broken: usize,
    seconds: Vec<f64>,
}

/// One direction's verdict, as the gate would print it.
fn verdict(findings: &[&Finding]) -> &'static str {
    if findings.iter().any(|f| f.level == Level::Breaking) {
        "breaking"
    } else if findings.is_empty() {
        "compatible"
    } else {
        "undecided"
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut totals = Totals::default();
    println!("file\told\tnew\tseconds\tbackward\tforward\tfindings\tattack");
    for file in &args.files {
        let spec = format!("{}/{file}", args.folder);
        let count = (args.pairs + 1).to_string();
        let log = git(
            &args.repo,
            &["log", "--format=%h", "-n", &count, "--", &spec],
        )
        .map(|out| String::from_utf8_lossy(&out).into_owned())
        .unwrap_or_default();
        let revisions: Vec<&str> = log.lines().collect();
        for pair in revisions.windows(2).rev() {
            let (new_rev, old_rev) = (pair[0], pair[1]);
            totals.pairs += 1;
            let row = format!("{file}\t{old_rev}\t{new_rev}");
            let (old, new) = match (
                schema_at(&args, old_rev, file),
                schema_at(&args, new_rev, file),
            ) {
                (Ok(old), Ok(new)) => (old, new),
                (Err(e), _) | (_, Err(e)) => {
                    *totals.refused.entry(e.clone()).or_default() += 1;
                    println!("{row}\t-\trefused: {e}");
                    continue;
                }
            };
            if old == new {
                totals.unchanged += 1;
            }
            let (Ok(old_check), Ok(new_check)) = (Validator::new(&old), Validator::new(&new))
            else {
                *totals.refused.entry("does not compile".into()).or_default() += 1;
                println!("{row}\t-\trefused: does not compile");
                continue;
            };
            let seed = totals.pairs as u64;
            let options = Options {
                strict: true,
                seed,
                budget: Duration::from_secs(20),
                deadline: Instant::now().checked_add(Duration::from_secs(60)),
            };
            let start = Instant::now();
            let findings = match check_pair(&old, &new, Compatibility::Full, options) {
                Ok(findings) => findings,
                Err(e) => {
                    *totals.refused.entry(e.clone()).or_default() += 1;
                    println!("{row}\t-\trefused: {e}");
                    continue;
                }
            };
            let seconds = start.elapsed().as_secs_f64();
            totals.seconds.push(seconds);
            let mut columns = Vec::new();
            let mut attack_note = Vec::new();
            for direction in [Direction::Backward, Direction::Forward] {
                let (writer, reader, writer_check, reader_check) = match direction {
                    Direction::Backward => (&old, &new, &old_check, &new_check),
                    Direction::Forward => (&new, &old, &new_check, &old_check),
                };
                let _ = reader;
                let here: Vec<&Finding> = findings
                    .iter()
                    .filter(|f| f.direction == direction)
                    .collect();
                let verdict = verdict(&here);
                match verdict {
                    "breaking" => totals.breaking += 1,
                    "compatible" => totals.compatible += 1,
                    _ => totals.undecided += 1,
                }
                for witness in here.iter().filter_map(|f| f.witness.as_ref()) {
                    totals.witnesses += 1;
                    if !writer_check.is_valid(witness) || reader_check.is_valid(witness) {
                        totals.false_witnesses += 1;
                        attack_note.push(format!("FALSE WITNESS {direction}: {witness}"));
                    }
                }
                if verdict == "compatible" {
                    totals.attacked += 1;
                    let mut tried = 0;
                    for payload in attack(writer, seed) {
                        if !writer_check.is_valid(&payload) {
                            continue;
                        }
                        tried += 1;
                        if !reader_check.is_valid(&payload) {
                            totals.broken += 1;
                            attack_note.push(format!("BROKEN {direction}: {payload}"));
                            break;
                        }
                    }
                    totals.attack_payloads += tried;
                    attack_note.push(format!("{direction}: {tried} payloads"));
                }
                let n = here.len();
                columns.push(format!("{verdict} ({n})"));
            }
            let rules: Vec<String> = findings
                .iter()
                .map(|f| format!("{}:{}:{:?}", f.direction, f.rule, f.level))
                .collect();
            println!(
                "{row}\t{seconds:.2}\t{}\t{}\t{}\t{}",
                columns[0],
                columns[1],
                rules.join(" "),
                attack_note.join("; ")
            );
        }
    }
    let compared = totals.seconds.len();
    let mean = totals.seconds.iter().sum::<f64>() / compared.max(1) as f64;
    let max = totals.seconds.iter().cloned().fold(0.0, f64::max);
    eprintln!(
        "{} pairs: {compared} compared ({} unchanged), refused {:?}",
        totals.pairs, totals.unchanged, totals.refused
    );
    eprintln!(
        "directions: {} compatible, {} breaking, {} undecided",
        totals.compatible, totals.breaking, totals.undecided
    );
    eprintln!(
        "witnesses: {} checked, {} not genuine; compatible directions attacked: {} with {} writer payloads, {} broken",
        totals.witnesses, totals.false_witnesses, totals.attacked, totals.attack_payloads, totals.broken
    );
    eprintln!("seconds per pair: mean {mean:.2}, max {max:.2}");
    if totals.false_witnesses > 0 || totals.broken > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
