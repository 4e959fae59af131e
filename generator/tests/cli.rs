//! The `contracts` binary on good and bad registries: exit codes and messages that name the
//! file, line:column and JSON Pointer.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EVENT: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Thing happened",
  "description": "A thing happened.",
  "x-event": { "owner": "team", "partition_key": "/id" },
  "type": "object",
  "properties": { "id": { "type": "string" }, "size": { "type": "integer", "minimum": 1 } },
  "required": ["id"]
}"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn contracts(registry: &Path, args: &[&str]) -> Run {
    contracts_with_stdin(registry, args, None)
}

fn contracts_with_stdin(registry: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    use std::io::Write;
    let mut command = Command::new(env!("CARGO_BIN_EXE_contracts"));
    command.arg("--registry").arg(registry).args(args);
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().expect("runs contracts");
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(pipe);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A registry in a temp dir with one valid event plus the given files.
fn registry(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "things/thing_happened/v1.json",
        EVENT.as_bytes(),
    );
    for (path, content) in files {
        write(dir.path(), path, content);
    }
    dir
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let path: PathBuf = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn assert_lint_finds(files: &[(&str, &[u8])], expected: &[&str]) {
    let dir = registry(files);
    let run = contracts(dir.path(), &["lint"]);
    assert_eq!(
        run.code, 1,
        "lint exits 1 on findings; stderr:\n{}",
        run.stderr
    );
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "expected `{text}` in:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn the_example_registry_is_clean() {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let run = contracts(&schemas, &["lint"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("13 event schema(s) ok"),
        "{}",
        run.stdout
    );
    let list = contracts(&schemas, &["list"]);
    assert_eq!(list.code, 0);
    assert!(
        list.stdout
            .contains("orders.order_placed (deprecated)  v1       orders-team"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout
            .contains("payments-service,warehouse,group-mailer"),
        "{}",
        list.stdout
    );
}

#[test]
fn malformed_json_names_file_line_and_column() {
    assert_lint_finds(
        &[(
            "things/broken/v1.json",
            b"{\n  \"title\": \"x\",\n  \"type\": \n}",
        )],
        &["things/broken/v1.json:4:1: error[parse]", "malformed JSON"],
    );
}

#[test]
fn dangling_ref_names_the_ref() {
    let schema = EVENT.replace(
        r#""size": { "type": "integer", "minimum": 1 }"#,
        r#""size": { "$ref": "../../common/sizes.json#/$defs/Size" }"#,
    );
    assert_lint_finds(
        &[("things/thing_sized/v1.json", schema.as_bytes())],
        &[
            "things/thing_sized/v1.json:7:65: error[dangling-ref] at /properties/size/$ref",
            "common/sizes.json",
        ],
    );
    let local = EVENT.replace(
        r#""size": { "type": "integer", "minimum": 1 }"#,
        r##""size": { "$ref": "#/$defs/Nope" }"##,
    );
    assert_lint_finds(
        &[("things/thing_sized/v1.json", local.as_bytes())],
        &[
            "error[dangling-ref] at /properties/size/$ref",
            "points at nothing",
        ],
    );
}

#[test]
fn cyclic_ref_is_an_error_not_a_stack_overflow() {
    let schema = EVENT.replace(r#""size": { "type": "integer", "minimum": 1 }"#, r##""size": { "$ref": "#/$defs/A" }"##).replace(
        r#""required": ["id"]"#,
        r##""required": ["id"], "$defs": { "A": { "$ref": "#/$defs/B" }, "B": { "$ref": "#/$defs/A" } }"##,
    );
    assert_lint_finds(
        &[("things/thing_sized/v1.json", schema.as_bytes())],
        &["error[cyclic-ref]", "never reaches a schema"],
    );
}

#[test]
fn deep_nesting_is_refused_cleanly() {
    let depth = 5000;
    let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_lint_finds(
        &[("common/deep.json", deep.as_bytes())],
        &["common/deep.json:1:", "error[too-deep]"],
    );
}

#[test]
fn huge_file_is_refused() {
    let huge = vec![b' '; (contracts_generator::MAX_FILE_BYTES + 1) as usize];
    assert_lint_finds(
        &[("common/huge.json", &huge)],
        &["common/huge.json", "error[too-large]"],
    );
}

#[test]
fn non_utf8_bytes_are_located() {
    assert_lint_finds(
        &[("common/latin1.json", b"{\n  \"title\": \"caf\xe9\"\n}")],
        &["common/latin1.json:2:16: error[not-utf8]"],
    );
}

#[test]
fn empty_registry_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = contracts(dir.path(), &["lint"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[empty-registry]"),
        "{}",
        run.stderr
    );
    let missing = contracts(&dir.path().join("nope"), &["lint"]);
    assert_eq!(
        missing.code, 2,
        "a registry folder that does not exist is an input error"
    );
    assert!(
        missing.stderr.contains("registry folder not found"),
        "{}",
        missing.stderr
    );
}

#[test]
fn metadata_problems_are_reported_together() {
    let schema = EVENT
        .replace(r#""x-event": { "owner": "team", "partition_key": "/id" }"#, r#""x-event": { "owner": "team", "partition_key": "/size", "colour": "red", "compatibility": "sideways" }"#)
        .replace(r#""description": "A thing happened.","#, "");
    assert_lint_finds(
        &[("things/thing_sized/v1.json", schema.as_bytes())],
        &[
            "things/thing_sized/v1.json:5:69: error[metadata] at /x-event/colour: unknown `x-event` key `colour`",
            "error[missing-field] at (root): every event schema needs a non-empty `description`",
            "error[partition-key] at /x-event/partition_key: `/size` is not required",
        ],
    );
}

#[test]
fn partition_key_must_be_a_required_string() {
    let schema = EVENT
        .replace(r#""partition_key": "/id""#, r#""partition_key": "/size""#)
        .replace(r#""required": ["id"]"#, r#""required": ["id", "size"]"#);
    assert_lint_finds(
        &[("things/thing_sized/v1.json", schema.as_bytes())],
        &["must point at a property of `\"type\": \"string\"`"],
    );
}

#[test]
fn meta_schema_violations_and_bad_layout() {
    let schema = EVENT.replace(r#""minimum": 1"#, r#""minimum": "one""#);
    assert_lint_finds(
        &[
            ("things/thing_sized/v1.json", schema.as_bytes()),
            ("things/stray.json", b"{}"),
            ("things/thing_sized/v01.json", EVENT.as_bytes()),
        ],
        &[
            "things/thing_sized/v1.json:7:87: error[meta-schema] at /properties/size/minimum",
            "things/stray.json:1:1: error[layout]",
            "things/thing_sized/v01.json:1:1: error[layout]",
        ],
    );
}

#[test]
fn invalid_examples_are_findings() {
    let schema = EVENT.replace(
        r#""required": ["id"]"#,
        r#""required": ["id"], "examples": [{ "id": "a", "size": 0 }]"#,
    );
    assert_lint_finds(
        &[("things/thing_sized/v1.json", schema.as_bytes())],
        &["error[invalid-example] at /examples/0/size"],
    );
}

#[test]
fn validate_reports_every_error_with_its_pointer() {
    let dir = registry(&[]);
    let payloads = tempfile::tempdir().unwrap();
    let payload = payloads.path().join("payload.json");
    std::fs::write(&payload, "{\n  \"size\": 0\n}").unwrap();
    let run = contracts(
        dir.path(),
        &[
            "validate",
            "things.thing_happened",
            "1",
            payload.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("payload.json:1:1: (root): \"id\" is a required property"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("payload.json:2:11: /size: 0 is less than the minimum of 1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("2 error(s)"), "{}", run.stdout);

    let ok = contracts_with_stdin(
        dir.path(),
        &["validate", "things.thing_happened", "v1", "-"],
        Some(r#"{"id": "x"}"#),
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);

    let malformed = contracts_with_stdin(
        dir.path(),
        &["validate", "things.thing_happened", "1"],
        Some("{\"id\": }"),
    );
    assert_eq!(malformed.code, 2);
    assert!(
        malformed.stderr.contains("<stdin>:1:8: malformed JSON"),
        "{}",
        malformed.stderr
    );

    let unknown = contracts(
        dir.path(),
        &["validate", "things.nope", "1", payload.to_str().unwrap()],
    );
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no event `things.nope` v1"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn usage_errors_exit_2_and_help_documents_exit_codes() {
    let dir = registry(&[]);
    assert_eq!(contracts(dir.path(), &["frobnicate"]).code, 2);
    let help = contracts(dir.path(), &["--help"]);
    assert_eq!(help.code, 0);
    assert!(
        help.stdout.contains("Exit codes:") && help.stdout.contains("1  findings"),
        "{}",
        help.stdout
    );
}

#[test]
fn commands_other_than_lint_refuse_a_broken_registry() {
    let dir = registry(&[("common/broken.json", b"{")]);
    let run = contracts(
        dir.path(),
        &[
            "generate",
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("common/broken.json:1:1: error[parse]"),
        "{}",
        run.stderr
    );
    assert!(
        !dir.path().join("out/contracts.rs").exists(),
        "nothing is written"
    );
}

#[test]
fn generate_writes_formatted_rust_and_reports_how_each_keyword_is_enforced() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keywords");
    let out = tempfile::tempdir().unwrap();
    let run = contracts(
        &fixture,
        &[
            "generate",
            "--out",
            out.path().to_str().unwrap(),
            "--report",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Applicators are checked natively; contains, uniqueItems, unevaluated* and multipleOf
    // are delegated, each at its own place.
    assert!(
        run.stdout.contains("shapes.conditional v1\n  type (also checked natively): additionalProperties, const, items, pattern, properties, required, type\n  native check: additionalProperties, const, dependentRequired, if, items, not, pattern, patternProperties, prefixItems, properties, required, type\n"),
        "{}",
        run.stdout
    );
    // The generated producer check: what the type guarantees, and what it hands on.
    for line in [
        "  producer check generated; guaranteed by the Rust type: /properties/kind (enum NamingV1Kind); handed to the checking serializer: none\n",
        "  producer check generated; guaranteed by the Rust type: none; handed to the checking serializer: #\n",
        "    contains at /properties/tags\n",
        "    multipleOf at /properties/quantity\n",
        "    unevaluatedProperties at /properties/extra\n",
    ] {
        assert!(run.stdout.contains(line), "{line}: {}", run.stdout);
    }
    assert!(
        run.stdout.contains("shapes.odd v1\n  type (also checked natively): anyOf, const, enum, items, oneOf, properties, required, type\n  native check: allOf, anyOf, const, enum, items, oneOf, properties, required, type\n  producer check generated; guaranteed by the Rust type: none; handed to the checking serializer: /properties/conflict, /properties/either, /properties/mixed, /properties/strange\n  delegated to jsonschema: none\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("typify could not map `OddV1.mixed`"),
        "{}",
        run.stderr
    );
    let code = std::fs::read_to_string(out.path().join("contracts.rs")).unwrap();
    assert!(code.starts_with("// @generated"));
    let again = contracts(
        &fixture,
        &["generate", "--out", out.path().to_str().unwrap()],
    );
    assert!(again.stdout.contains("unchanged"), "{}", again.stdout);
}

#[test]
fn sample_prints_a_valid_payload_of_the_latest_version() {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let run = contracts(&schemas, &["sample", "orders.order_placed"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let payload: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert!(
        payload.get("channel").is_some(),
        "v2 is the latest: {payload}"
    );
    let check = contracts_with_stdin(
        &schemas,
        &["validate", "orders.order_placed", "2"],
        Some(&run.stdout),
    );
    assert_eq!(check.code, 0, "{}", check.stdout);

    let many = contracts(
        &schemas,
        &[
            "sample",
            "orders.order_placed",
            "1",
            "--count",
            "5",
            "--seed",
            "9",
        ],
    );
    assert_eq!(many.stdout.lines().count(), 5, "{}", many.stdout);
    let unknown = contracts(&schemas, &["sample", "orders.nope"]);
    assert_eq!(unknown.code, 2);
}

/// Issue 10: what the loader used to skip or accept without a word.
#[test]
fn a_folder_named_like_a_schema_and_a_symlinked_schema_are_errors() {
    let dir = registry(&[]);
    std::fs::create_dir_all(dir.path().join("things/other_happened/v1.json")).unwrap();
    let run = contracts(dir.path(), &["lint"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[layout]")
            && run
                .stderr
                .contains("things/other_happened/v1.json` is a folder"),
        "{}",
        run.stderr
    );
    let dir = registry(&[]);
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "v1.json", EVENT.as_bytes());
    std::fs::create_dir_all(dir.path().join("things/linked_happened")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("v1.json"),
        dir.path().join("things/linked_happened/v1.json"),
    )
    .unwrap();
    let run = contracts(dir.path(), &["lint"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[symlink]"), "{}", run.stderr);
}

#[test]
fn odd_schemas_get_warnings_and_a_byte_order_mark_a_clear_error() {
    let odd = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Odd happened",
  "description": "Odd.",
  "x-event": { "owner": "team", "partition_key": "/id" },
  "type": "object",
  "properties": {
    "id": { "type": "string" },
    "code": { "type": "string", "minLength": 5, "maxLength": 3 },
    "when": { "type": "string", "format": "dat-time" },
    "m": { "type": "integer", "minimum": 2, "exclusiveMaximum": 2 },
    "n": { "type": "integer" },
    "n": { "type": "string" }
  },
  "required": ["id"]
}"#;
    let dir = registry(&[("things/odd_happened/v1.json", odd.as_bytes())]);
    let run = contracts(dir.path(), &["lint"]);
    assert_eq!(run.code, 0, "warnings do not fail lint: {}", run.stderr);
    for expected in [
        "warning[duplicate-key] at /properties/n: key `n` appears more than once in this object: only the last value counts",
        "warning[unsatisfiable] at /properties/code/minLength",
        "warning[unknown-format] at /properties/when/format: format `dat-time`",
        "warning[unsatisfiable] at /properties/m/minimum: `minimum` 2 and `exclusiveMaximum` 2 leave no value",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend_from_slice(EVENT.as_bytes());
    let dir = registry(&[("things/bom_happened/v1.json", &bom)]);
    let run = contracts(dir.path(), &["lint"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("things/bom_happened/v1.json:1:1: error[bom] at (root): the file starts with a byte-order mark"),
        "{}",
        run.stderr
    );
}

#[test]
fn integers_no_64_bit_type_holds_get_a_warning_naming_the_bound_to_add() {
    let mut properties = serde_json::json!({
        "id": { "type": "string" },
        "count": { "type": "integer", "minimum": 0 },
        "delta": { "type": "integer" },
        "low": { "type": "integer", "maximum": 10 },
        "big": { "type": "integer", "minimum": 0, "maximum": 1e20 },
        "fits": { "type": "integer", "minimum": -5, "maximum": 5 },
        "max": { "type": "integer", "minimum": 0, "maximum": 18446744073709551615u64 },
        "choice": { "type": "integer", "enum": [1, 2] }
    });
    let schema = |properties: &serde_json::Value| {
        serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Counted", "description": "Counts.",
            "x-event": { "owner": "team", "partition_key": "/id" },
            "type": "object", "properties": properties, "required": ["id"]
        })
        .to_string()
    };
    let dir = registry(&[("things/counted/v1.json", schema(&properties).as_bytes())]);
    let run = contracts(dir.path(), &["lint"]);
    assert_eq!(run.code, 0, "warnings do not fail lint: {}", run.stderr);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("unbounded-integer") && l.starts_with("things/counted/"))
        .collect();
    let expected = [
        "at /properties/count: integers beyond the generated `u64` are valid here but cannot be decoded: add `\"maximum\": 18446744073709551615`",
        "at /properties/delta: integers beyond the generated `i64` are valid here but cannot be decoded: add `\"minimum\": -9223372036854775808` and `\"maximum\": 9223372036854775807`",
        "at /properties/low: integers beyond the generated `i64` are valid here but cannot be decoded: add `\"minimum\": -9223372036854775808` (or",
        "at /properties/big: integers beyond the generated `u64` are valid here but cannot be decoded: add `\"maximum\": 18446744073709551615`",
    ];
    for line in expected {
        assert!(
            warnings.iter().any(|w| w.contains(line)),
            "{line}\n{}",
            run.stderr
        );
    }
    assert_eq!(warnings.len(), expected.len(), "{}", run.stderr);

    // A file with many: ten are shown, the rest counted in one more warning.
    for i in 0..25 {
        properties[format!("n{i}")] = serde_json::json!({ "type": "integer" });
    }
    let dir = registry(&[("things/counted/v1.json", schema(&properties).as_bytes())]);
    let run = contracts(dir.path(), &["lint"]);
    let warnings = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("things/counted/") && l.contains("warning[unbounded-integer]"))
        .count();
    assert_eq!(warnings, 11, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("19 more integers in this file admit values no 64-bit type holds"),
        "{}",
        run.stderr
    );
}
