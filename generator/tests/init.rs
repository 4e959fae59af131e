//! `contracts init` makes a registry crate that builds and passes its tests at once, against
//! this workspace's crates, and never overwrites a file.

use std::path::Path;
use std::process::Command;

fn contracts(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_contracts"))
        .args(args)
        .output()
        .expect("runs contracts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_new_registry_crate_builds_lints_and_passes_its_tests() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("my-events");
    let out = contracts(&["init", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in [
        "Cargo.toml",
        "build.rs",
        "src/lib.rs",
        "schemas/registry.toml",
        "schemas/example/greeting_sent/v1.json",
        "tests/examples.rs",
        ".github/workflows/contracts.yml",
    ] {
        assert!(dir.join(file).is_file(), "{file} was written");
    }
    let workflow = std::fs::read_to_string(dir.join(".github/workflows/contracts.yml")).unwrap();
    assert!(workflow.contains("contracts check --against origin/main"));

    let schemas = dir.join("schemas");
    let lint = contracts(&["--registry", schemas.to_str().unwrap(), "lint"]);
    assert!(
        lint.status.success(),
        "{}{}",
        text(&lint.stdout),
        text(&lint.stderr)
    );

    // Build and test it as its user would, offline, with this workspace's locked versions
    // (everything it needs is in the local registry cache after the workspace built).
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let test = Command::new(cargo)
        .args(["test", "--offline"])
        .current_dir(&dir)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("init-crate"),
        )
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .expect("runs cargo");
    let (stdout, stderr) = (text(&test.stdout), text(&test.stderr));
    assert!(test.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("test every_example_round_trips ... ok"),
        "{stdout}"
    );
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("taken");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("build.rs"), "// mine\n").unwrap();
    let out = contracts(&["init", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("refusing to overwrite") && stderr.contains("build.rs"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("build.rs")).unwrap(),
        "// mine\n"
    );
    assert!(!dir.join("Cargo.toml").exists(), "nothing else was written");
}

#[test]
fn init_with_git_depends_on_the_repository() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("from-git");
    let out = contracts(&[
        "init",
        dir.to_str().unwrap(),
        "--git",
        "https://example.com/event-contracts.git",
        "--rev",
        "v0.1.0",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains(
        r#"contracts-generator = { git = "https://example.com/event-contracts.git", rev = "v0.1.0" }"#
    ), "{manifest}");
    let workflow = std::fs::read_to_string(dir.join(".github/workflows/contracts.yml")).unwrap();
    assert!(workflow.contains(
        "cargo install --locked --git https://example.com/event-contracts.git --rev v0.1.0 contracts-generator --bin contracts --features fast-start --profile dist"
    ));
}
