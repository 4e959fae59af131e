//! Generated code is pinned by golden files: one per fixture registry, and the committed
//! `generated/contracts.rs` for the example registry. Goldens compile: the root crate's
//! `tests/goldens_compile.rs` includes them.

use std::path::{Path, PathBuf};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate(registry: &Path) -> String {
    let (registry, _) =
        contracts_generator::load(registry).unwrap_or_else(|d| panic!("fixture has errors:\n{d}"));
    contracts_generator::generate(&registry)
        .expect("generates")
        .code
}

/// Compares with the golden; `UPDATE_GOLDENS=1` rewrites it (never under CI).
fn assert_golden(actual: &str, golden: &Path, refresh: &str) {
    let update = std::env::var_os("UPDATE_GOLDENS").is_some() && std::env::var_os("CI").is_none();
    if update {
        std::fs::write(golden, actual).expect("writes golden");
        return;
    }
    let expected = std::fs::read_to_string(golden).unwrap_or_default();
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || expected.lines().count().min(actual.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{} is stale (first difference at line {line}).\nRefresh it with:\n    {refresh}",
            golden.display()
        );
    }
}

#[test]
fn fixture_registries_match_their_goldens() {
    let fixtures = manifest_dir().join("tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&fixtures).expect("fixtures folder") {
        let dir = entry.expect("entry").path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let golden = manifest_dir().join(format!("tests/goldens/{name}.rs"));
        assert_golden(
            &generate(&dir),
            &golden,
            "UPDATE_GOLDENS=1 cargo test -p contracts-generator --test goldens",
        );
        seen += 1;
    }
    assert!(seen > 0, "no fixtures found");
}

#[test]
fn committed_generated_code_is_fresh() {
    let root = manifest_dir().join("..");
    assert_golden(
        &generate(&root.join("schemas")),
        &root.join("generated/contracts.rs"),
        "cargo run -p contracts-generator --bin contracts -- generate --out generated",
    );
}

/// Writes every file of `from` into `to`, in the given order of relative paths.
fn copy_in_order(from: &Path, to: &Path, files: &[PathBuf]) {
    for rel in files {
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(rel), target).unwrap();
    }
}

#[test]
fn output_does_not_depend_on_the_order_files_are_found_in() {
    let source = manifest_dir().join("../schemas");
    let mut files: Vec<PathBuf> = walkdir_files(&source);
    let forward = tempfile::tempdir().unwrap();
    copy_in_order(&source, forward.path(), &files);
    files.reverse();
    let backward = tempfile::tempdir().unwrap();
    copy_in_order(&source, backward.path(), &files);
    let a = generate(forward.path());
    let b = generate(backward.path());
    assert_eq!(a, b);
    assert_eq!(
        a,
        generate(&source),
        "the folder a registry sits in must not matter"
    );
}

fn walkdir_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}
