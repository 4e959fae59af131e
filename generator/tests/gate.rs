//! `contracts check --against <ref>` on real git repositories in temp dirs, and `diff`/`rules`.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn contracts(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_contracts"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.email=ci@example.com",
            "-c",
            "user.name=CI",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn event(properties: Value, required: &[&str], extra: Value) -> Value {
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Thing happened",
        "description": "A thing happened.",
        "x-event": { "owner": "team", "partition_key": "/id" },
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false
    });
    for (k, v) in extra.as_object().unwrap() {
        if k == "x-event" {
            for (mk, mv) in v.as_object().unwrap() {
                schema["x-event"][mk] = mv.clone();
            }
        } else {
            schema[k] = v.clone();
        }
    }
    schema
}

fn write(root: &Path, rel: &str, value: &Value) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

const THING: &str = "schemas/things/thing_happened/v1.json";
const OTHER: &str = "schemas/things/other_happened/v1.json";

/// A repository whose first commit holds two events.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    write(
        dir.path(),
        THING,
        &event(
            json!({ "id": { "type": "string" }, "name": { "type": "string", "maxLength": 50 } }),
            &["id"],
            json!({}),
        ),
    );
    write(
        dir.path(),
        OTHER,
        &event(json!({ "id": { "type": "string" } }), &["id"], json!({})),
    );
    std::fs::write(
        dir.path().join("schemas/registry.toml"),
        "default_compatibility = \"backward\"\n",
    )
    .unwrap();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "base"]);
    dir
}

#[test]
fn a_breaking_change_fails_with_its_witness() {
    let repo = repository();
    write(
        repo.path(),
        THING,
        &event(
            json!({ "id": { "type": "string" }, "name": { "type": "string", "maxLength": 10 } }),
            &["id", "name"],
            json!({}),
        ),
    );
    let run = contracts(repo.path(), &["check", "--against", "main"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("schemas/things/thing_happened/v1.json:"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("error[REQUIRED_ADDED] things.thing_happened v1 (backward, backward mode)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("error[BOUND_TIGHTENED]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("witness (valid for the old schema): {"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("fix: make the new property optional"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("incompatible: 2 breaking"),
        "{}",
        run.stdout
    );

    let json_run = contracts(
        repo.path(),
        &["check", "--against", "main", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&json_run.stdout).unwrap();
    let bound = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "BOUND_TIGHTENED")
        .unwrap();
    let witness = bound["witness"]["name"].as_str().unwrap();
    assert!(
        witness.chars().count() > 10 && witness.chars().count() <= 50,
        "{witness}"
    );
    assert_eq!(bound["payload_location"], "/name");
    assert_eq!(bound["file"], THING);
    assert!(bound["line"].as_u64().is_some());

    let github = contracts(
        repo.path(),
        &["check", "--against", "main", "--format", "github"],
    );
    assert!(
        github
            .stdout
            .lines()
            .all(|l| l.starts_with("::error file=schemas/things/thing_happened/v1.json,line=")),
        "{}",
        github.stdout
    );
    let sarif: Value = serde_json::from_str(
        &contracts(
            repo.path(),
            &["check", "--against", "main", "--format", "sarif"],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
}

#[test]
fn compatible_changes_pass() {
    let repo = repository();
    // An optional field, a new event, and a new major version with breaking differences.
    write(
        repo.path(),
        THING,
        &event(
            json!({ "id": { "type": "string" }, "name": { "type": "string", "maxLength": 80 }, "note": { "type": "string" } }),
            &["id"],
            json!({ "description": "A thing happened, now with notes." }),
        ),
    );
    write(
        repo.path(),
        "schemas/things/new_happened/v1.json",
        &event(json!({ "id": { "type": "string" } }), &["id"], json!({})),
    );
    write(
        repo.path(),
        "schemas/things/thing_happened/v2.json",
        &event(
            json!({ "id": { "type": "integer" } }),
            &["id"],
            json!({ "x-event": { "partition_key": "/key" }, "properties": { "id": { "type": "integer" }, "key": { "type": "string" } }, "required": ["id", "key"] }),
        ),
    );
    let run = contracts(repo.path(), &["check", "--against", "HEAD"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "compatible: 0 breaking, 0 undecided, 0 ignored; 2 event version(s) compared"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn removing_an_event_needs_deprecation_first() {
    let repo = repository();
    std::fs::remove_file(repo.path().join(OTHER)).unwrap();
    let run = contracts(repo.path(), &["check", "--against", "main"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("error[EVENT_REMOVED] things.other_happened v1"),
        "{}",
        run.stdout
    );

    git(repo.path(), &["checkout", "-q", "--", "."]);
    write(
        repo.path(),
        OTHER,
        &event(
            json!({ "id": { "type": "string" } }),
            &["id"],
            json!({ "x-event": { "deprecated": true } }),
        ),
    );
    git(repo.path(), &["commit", "-qam", "deprecate"]);
    std::fs::remove_file(repo.path().join(OTHER)).unwrap();
    let run = contracts(repo.path(), &["check", "--against", "main"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_moved_partition_key_is_breaking() {
    let repo = repository();
    write(
        repo.path(),
        OTHER,
        &event(
            json!({ "id": { "type": "string" }, "tenant": { "type": "string" } }),
            &["id", "tenant"],
            json!({ "x-event": { "partition_key": "/tenant" } }),
        ),
    );
    let run = contracts(repo.path(), &["check", "--against", "main"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("error[PARTITION_KEY_CHANGED]"),
        "{}",
        run.stdout
    );
}

#[test]
fn ignores_need_a_reason() {
    let repo = repository();
    write(
        repo.path(),
        THING,
        &event(
            json!({ "id": { "type": "string" }, "name": { "type": "string", "maxLength": 10 } }),
            &["id"],
            json!({}),
        ),
    );
    let settings = repo.path().join("schemas/registry.toml");
    std::fs::write(&settings, "default_compatibility = \"backward\"\n\n[[ignore]]\nevent = \"things.thing_happened\"\nrule = \"BOUND_TIGHTENED\"\nreason = \"no producer ever sent names over 10 characters (checked in the data lake)\"\n").unwrap();
    let run = contracts(repo.path(), &["check", "--against", "main"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("ignored[BOUND_TIGHTENED]")
            && run.stdout.contains("ignored in registry.toml: no producer"),
        "{}",
        run.stdout
    );

    std::fs::write(&settings, "[[ignore]]\nevent = \"things.thing_happened\"\nrule = \"BOUND_TIGHTENED\"\nreason = \"\"\n").unwrap();
    let run = contracts(repo.path(), &["check", "--against", "main"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("needs a written `reason`"),
        "{}",
        run.stderr
    );
}

#[test]
fn transitive_checks_every_earlier_revision() {
    let repo = repository();
    // Revision 2 drops `name`; closed objects, so that is compatible with revision 1.
    write(
        repo.path(),
        THING,
        &event(json!({ "id": { "type": "string" } }), &["id"], json!({})),
    );
    git(repo.path(), &["commit", "-qam", "drop name"]);
    // Now `name` comes back as an integer: fine against revision 2, which never had it, but
    // revision 1 payloads carry a string there.
    write(
        repo.path(),
        THING,
        &event(
            json!({ "id": { "type": "string" }, "name": { "type": "integer" } }),
            &["id"],
            json!({}),
        ),
    );
    let run = contracts(repo.path(), &["check", "--against", "HEAD"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let run = contracts(repo.path(), &["check", "--against", "HEAD", "--transitive"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("error[TYPE_NARROWED]")
            || run.stdout.contains("error[PROPERTY_ADDED]")
            || run.stdout.contains("error[INSTANCE_REJECTED]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"name\":\""),
        "the witness carries the old string name: {}",
        run.stdout
    );
    // A *-transitive mode in the schema does the same without the flag.
    write(
        repo.path(),
        THING,
        &event(
            json!({ "id": { "type": "string" }, "name": { "type": "integer" } }),
            &["id"],
            json!({ "x-event": { "compatibility": "backward-transitive" } }),
        ),
    );
    assert_eq!(
        contracts(repo.path(), &["check", "--against", "HEAD"]).code,
        1
    );
}

#[test]
fn input_errors_exit_2() {
    let repo = repository();
    let run = contracts(repo.path(), &["check", "--against", "no-such-branch"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown git ref `no-such-branch`"),
        "{}",
        run.stderr
    );
    let plain = tempfile::tempdir().unwrap();
    write(
        plain.path(),
        THING,
        &event(json!({ "id": { "type": "string" } }), &["id"], json!({})),
    );
    let run = contracts(plain.path(), &["check", "--against", "main"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not inside a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn diff_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "old.json",
        &json!({ "type": "object", "properties": { "n": { "type": "number" } } }),
    );
    write(
        dir.path(),
        "new.json",
        &json!({ "type": "object", "properties": { "n": { "type": "integer" } } }),
    );
    let run = contracts(dir.path(), &["diff", "old.json", "new.json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("new.json:4:10: error[TYPE_NARROWED] new (backward, backward mode)")
            && run.stdout.contains("error[TYPE_NARROWED]"),
        "{}",
        run.stdout
    );
    let forward = contracts(
        dir.path(),
        &["diff", "old.json", "new.json", "--mode", "forward"],
    );
    assert_eq!(forward.code, 0, "{}", forward.stdout);
    std::fs::write(dir.path().join("bad.json"), "{\n  \"type\": ").unwrap();
    let bad = contracts(dir.path(), &["diff", "old.json", "bad.json"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("bad.json:2:10: malformed JSON"),
        "{}",
        bad.stderr
    );
    let rules = contracts(dir.path(), &["rules"]);
    assert_eq!(rules.code, 0);
    for id in [
        "PROPERTY_ADDED",
        "REQUIRED_ADDED",
        "TYPE_NARROWED",
        "EVENT_REMOVED",
        "PARTITION_KEY_CHANGED",
    ] {
        assert!(rules.stdout.contains(id), "{}", rules.stdout);
    }
}

/// Copies this repository's own registry into a fresh git repository.
fn repository_with_example_registry() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut stack = vec![source.clone()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let target = dir
                    .path()
                    .join("schemas")
                    .join(path.strip_prefix(&source).unwrap());
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::copy(&path, target).unwrap();
            }
        }
    }
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "registry"]);
    dir
}

#[test]
fn the_example_registry_gates_a_breaking_change_and_passes_a_compatible_one() {
    let repo = repository_with_example_registry();
    let file = repo.path().join("schemas/orders/order_placed/v2.json");
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();

    let mut compatible = original.clone();
    compatible["properties"]["gift_message"] = json!({ "type": "string", "maxLength": 200 });
    std::fs::write(&file, serde_json::to_string_pretty(&compatible).unwrap()).unwrap();
    let run = contracts(repo.path(), &["check", "--against", "main"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("13 event version(s) compared"),
        "{}",
        run.stdout
    );

    let mut breaking = original.clone();
    breaking["properties"]["lines"]["maxItems"] = json!(50);
    std::fs::write(&file, serde_json::to_string_pretty(&breaking).unwrap()).unwrap();
    let run = contracts(
        repo.path(),
        &["check", "--against", "main", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "BOUND_TIGHTENED");
    assert_eq!(finding["event"], "orders.order_placed");
    assert_eq!(finding["witness"]["lines"].as_array().unwrap().len(), 51);
    assert_eq!(finding["rejection"], "/lines: value has more than 50 items");
}

/// Issue 10: what the checker cannot decide fails the gate by default, with the reason, and
/// passes as a warning only when asked.
#[test]
fn an_undecided_change_fails_the_gate_unless_told_otherwise() {
    let repo = repository();
    // A required field no string satisfies (an email has an `@`): no payload of the old
    // schema exists, so neither a witness nor a proof is at hand.
    let impossible = json!({ "type": "string", "pattern": "^[a-z]{3}$", "format": "email" });
    let with = |count: &str| {
        event(
            json!({ "id": { "type": "string" }, "code": impossible, "count": { "type": count } }),
            &["id", "code"],
            json!({}),
        )
    };
    write(repo.path(), THING, &with("string"));
    git(repo.path(), &["commit", "-qam", "impossible code"]);
    write(repo.path(), THING, &with("integer"));
    let run = contracts(repo.path(), &["check", "--against", "HEAD"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("warning[TYPE_NARROWED]")
            && run
                .stdout
                .contains("no payload valid for the writer schema could be built")
            && run.stdout.contains("undecided: 0 breaking, 1 undecided"),
        "{}",
        run.stdout
    );
    let lenient = contracts(
        repo.path(),
        &["check", "--against", "HEAD", "--fail-on-undecided", "false"],
    );
    assert_eq!(lenient.code, 0, "{}{}", lenient.stdout, lenient.stderr);
    let json = contracts(
        repo.path(),
        &["check", "--against", "HEAD", "--format", "json"],
    );
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["findings"][0]["level"], "undecided", "{report}");
    assert!(
        report["findings"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("no payload valid for the writer schema")),
        "{report}"
    );
    let github = contracts(
        repo.path(),
        &["check", "--against", "HEAD", "--format", "github"],
    );
    assert!(
        github.stdout.contains("::warning file=")
            && github.stdout.contains("Undecided: no payload"),
        "{}",
        github.stdout
    );
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut properties = serde_json::Map::new();
    for i in 0..300 {
        properties.insert(format!("p{i}"), json!({ "type": "string" }));
    }
    let old = json!({ "type": "object", "properties": properties });
    let mut new = old.clone();
    for i in 0..300 {
        new["properties"][format!("p{i}")] = json!({ "type": "integer" });
    }
    write(dir.path(), "old.json", &old);
    write(dir.path(), "new.json", &new);
    let mut child = Command::new(env!("CARGO_BIN_EXE_contracts"))
        .current_dir(dir.path())
        .args(["diff", "old.json", "new.json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe, as `| head -1` does.
    {
        use std::io::BufRead;
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("TYPE_NARROWED"), "{line}");
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

/// Issue 10: a remote `$ref` is never fetched; its document comes from `--ref-map` or
/// `--ref-dir`, and a change inside it is judged like any other.
#[test]
fn remote_references_are_read_from_supplied_documents() {
    let dir = tempfile::tempdir().unwrap();
    let schema = json!({
        "type": "object",
        "properties": { "money": { "$ref": "https://example.com/schemas/money.json#/$defs/amount" } },
        "required": ["money"]
    });
    write(dir.path(), "old.json", &schema);
    write(dir.path(), "new.json", &schema);
    let money = |t: &str| json!({ "$id": "https://example.com/schemas/money.json", "$defs": { "amount": { "type": t } } });
    write(dir.path(), "v1/money.json", &money("number"));
    write(dir.path(), "v2/money.json", &money("integer"));
    let without = contracts(dir.path(), &["diff", "old.json", "new.json"]);
    assert_eq!(without.code, 2, "{}", without.stderr);
    assert!(
        without.stderr.contains("not available offline"),
        "{}",
        without.stderr
    );
    // The same document on both sides: compatible.
    let same = contracts(
        dir.path(),
        &[
            "diff",
            "old.json",
            "new.json",
            "--ref-map",
            "https://example.com/schemas/=v1",
        ],
    );
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    // By `$id`: the old schema read with v1, the new with v2 needs two runs of the map; here
    // the new schema names a second document instead.
    let mut new = schema.clone();
    new["properties"]["money"]["$ref"] =
        json!("https://example.com/other/money.json#/$defs/amount");
    write(dir.path(), "new.json", &new);
    write(
        dir.path(),
        "other/money.json",
        &json!({ "$id": "https://example.com/other/money.json", "$defs": { "amount": { "type": "integer" } } }),
    );
    let changed = contracts(
        dir.path(),
        &[
            "diff",
            "old.json",
            "new.json",
            "--ref-dir",
            "v1",
            "--ref-dir",
            "other",
        ],
    );
    assert_eq!(changed.code, 1, "{}{}", changed.stdout, changed.stderr);
    assert!(
        changed.stdout.contains("error[TYPE_NARROWED]"),
        "{}",
        changed.stdout
    );
}

/// Issue 10: pathological schemas anyone can propose in a pull request (huge bounds, a
/// 20,000-value enum, a 12-deep `anyOf` tree, 300 changed properties, a 500-long `$ref`
/// chain) are checked under a memory limit the test sets (`ulimit -v`, 2 GiB) and end by
/// themselves within the command's budget, with a verdict, not a crash.
#[test]
fn pathological_schemas_stay_within_memory_and_budget() {
    let repo = repository();
    let tree = |leaf: Value| {
        let mut t = leaf;
        for _ in 0..12 {
            t = json!({ "anyOf": [t.clone(), t] });
        }
        t
    };
    let mut chain = serde_json::Map::new();
    for i in 0..500 {
        chain.insert(
            format!("d{i}"),
            json!({ "$ref": format!("#/$defs/d{}", i + 1) }),
        );
    }
    chain.insert("d500".into(), json!({ "type": "string" }));
    let many = |t: &str| {
        (0..300)
            .map(|i| (format!("p{i}"), json!({ "type": t })))
            .collect::<serde_json::Map<String, Value>>()
    };
    let version = |n: u64, t: &str, values: usize| {
        event(
            json!({
                "id": { "type": "string" },
                "items": { "type": "array", "minItems": n },
                "text": { "type": "string", "minLength": n },
                "bag": { "type": "object", "minProperties": n },
                "choice": { "enum": (0..values).map(|i| format!("v{i}")).collect::<Vec<_>>() },
                "tree": tree(json!({ "type": t })),
                "many": { "type": "object", "properties": many(t) },
                "chained": { "$ref": "#/$defs/d0" }
            }),
            &["id"],
            json!({ "$defs": chain }),
        )
    };
    write(repo.path(), THING, &version(5, "integer", 20_000));
    git(repo.path(), &["commit", "-qam", "pathological"]);
    write(repo.path(), THING, &version(999_999_999, "string", 19_999));
    let child = Command::new("sh")
        .current_dir(repo.path())
        .arg("-c")
        .arg(format!(
            "ulimit -v 2097152; exec '{}' check --against HEAD --budget-seconds 60",
            env!("CARGO_BIN_EXE_contracts")
        ))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A guard, not a measurement: the budget is 60 s; past 300 s the command hangs. Its
    // output is read while it runs (a report longer than a pipe holds would stop it).
    let pid = child.id();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    let Ok(out) = receiver.recv_timeout(std::time::Duration::from_secs(300)) else {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("contracts check did not end within its budget");
    };
    let out = out.unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("incompatible: ") && stdout.contains("event version(s) compared"),
        "{stdout}\n{stderr}"
    );
    for rule in ["BOUND_TIGHTENED", "ENUM_NARROWED", "TYPE_NARROWED"] {
        assert!(
            stdout.contains(&format!("error[{rule}]")),
            "{rule}: {stdout}"
        );
    }
}

#[test]
fn check_reads_remote_references_from_supplied_documents() {
    let repo = repository();
    let vendor = tempfile::tempdir().unwrap();
    write(
        vendor.path(),
        "money.json",
        &json!({ "$id": "https://example.com/schemas/money.json", "$defs": { "amount": { "type": "integer" } } }),
    );
    let with = |t: &str| {
        event(
            json!({
                "id": { "type": "string" },
                "total": { "$ref": "https://example.com/schemas/money.json#/$defs/amount" },
                "note": { "type": t }
            }),
            &["id", "total"],
            json!({}),
        )
    };
    write(repo.path(), THING, &with("string"));
    git(repo.path(), &["commit", "-qam", "remote money"]);
    let without = contracts(repo.path(), &["lint"]);
    assert_eq!(without.code, 1, "{}", without.stderr);
    assert!(
        without.stderr.contains("not a relative file reference"),
        "{}",
        without.stderr
    );
    write(repo.path(), THING, &with("integer"));
    let map = format!("https://example.com/schemas/={}/", vendor.path().display());
    let run = contracts(
        repo.path(),
        &["check", "--against", "HEAD", "--ref-map", &map],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("error[TYPE_NARROWED]"),
        "{}",
        run.stdout
    );
    let dir = vendor.path().to_str().unwrap();
    let by_id = contracts(
        repo.path(),
        &["check", "--against", "HEAD", "--ref-dir", dir],
    );
    assert_eq!(by_id.code, 1, "{}{}", by_id.stdout, by_id.stderr);
    assert!(by_id.stdout.contains("1 breaking"), "{}", by_id.stdout);
}

/// `diff` reads a registry file as it is: references relative to the file are read from
/// beside it; and remote sources leave a registry's own relative references alone.
#[test]
fn diff_reads_registry_files_with_relative_references() {
    let repo = repository_with_example_registry();
    let v2 = "schemas/orders/order_placed/v2.json";
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join(v2)).unwrap()).unwrap();
    let mut branch = original.clone();
    branch["properties"]["delivery"]["oneOf"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "type": "object",
            "properties": { "method": { "const": "locker" }, "locker_id": { "type": "string" } },
            "required": ["method", "locker_id"],
            "additionalProperties": false
        }));
    write(repo.path(), "schemas/orders/order_placed/v3.json", &branch);
    let added = contracts(
        repo.path(),
        &["diff", v2, "schemas/orders/order_placed/v3.json"],
    );
    assert_eq!(
        added.code, 0,
        "a new tagged branch is proven compatible backward: {}{}",
        added.stdout, added.stderr
    );
    let forward = contracts(
        repo.path(),
        &[
            "diff",
            v2,
            "schemas/orders/order_placed/v3.json",
            "--mode",
            "forward",
        ],
    );
    assert_eq!(forward.code, 1, "{}{}", forward.stdout, forward.stderr);
    std::fs::remove_file(repo.path().join("schemas/orders/order_placed/v3.json")).unwrap();
    let check = contracts(
        repo.path(),
        &[
            "check",
            "--against",
            "HEAD",
            "--ref-map",
            "https://example.com/=/nonexistent/",
        ],
    );
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

/// A vendored document inside the repository is read at the base ref for the base side: a
/// change to it alone is a change to every event that references it.
#[test]
fn check_reads_vendored_documents_at_the_base_ref() {
    let repo = repository();
    let money = |t: &str| json!({ "$id": "https://example.com/schemas/money.json", "$defs": { "amount": { "type": t } } });
    write(repo.path(), "vendor/money.json", &money("number"));
    write(
        repo.path(),
        THING,
        &event(
            json!({
                "id": { "type": "string" },
                "total": { "$ref": "https://example.com/schemas/money.json#/$defs/amount" }
            }),
            &["id", "total"],
            json!({}),
        ),
    );
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "vendored money"]);
    let unchanged = contracts(
        repo.path(),
        &[
            "check",
            "--against",
            "HEAD",
            "--ref-map",
            "https://example.com/schemas/=vendor",
        ],
    );
    assert_eq!(
        unchanged.code, 0,
        "{}{}",
        unchanged.stdout, unchanged.stderr
    );
    // Only the vendored document narrows; the event schema is untouched.
    write(repo.path(), "vendor/money.json", &money("integer"));
    for args in [
        ["--ref-map", "https://example.com/schemas/=vendor"],
        ["--ref-dir", "vendor"],
    ] {
        let run = contracts(
            repo.path(),
            &[&["check", "--against", "HEAD"], &args[..]].concat(),
        );
        assert_eq!(run.code, 1, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("error[TYPE_NARROWED]"),
            "{args:?}: {}",
            run.stdout
        );
    }
    // Committed, the base ref has it too: nothing changed between HEAD and the work tree.
    git(repo.path(), &["commit", "-qam", "integer money"]);
    let after = contracts(
        repo.path(),
        &["check", "--against", "HEAD", "--ref-dir", "vendor"],
    );
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
}
