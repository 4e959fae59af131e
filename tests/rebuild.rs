//! build.rs reruns only when the registry changes: a no-op rebuild does not run the generator,
//! and every file the generator read is declared with `cargo:rerun-if-changed`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cargo_build(target_dir: &Path) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["build", "-p", "contracts", "-v", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .expect("runs cargo");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "cargo build failed:\n{stderr}");
    stderr
}

#[test]
fn a_no_op_rebuild_does_not_rerun_the_generator() {
    // A target folder of its own: the one running this test is locked by cargo.
    let target_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/rebuild-check");
    let first = cargo_build(&target_dir);
    assert!(
        first.contains("Compiling contracts v") || first.contains("Fresh contracts v"),
        "{first}"
    );
    // A file of the package outside the registry changes: without precise rerun-if-changed
    // lines cargo would rerun the build script for it.
    let readme = std::fs::File::options()
        .append(true)
        .open(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    readme
        .set_modified(std::time::SystemTime::now())
        .expect("touches README.md");
    let second = cargo_build(&target_dir);
    assert!(
        second.contains("Fresh contracts v"),
        "second build:\n{second}"
    );
    assert!(
        !second.contains("build-script-build`"),
        "the build script ran again:\n{second}"
    );

    // Every schema file is declared, so editing one does rerun the generator.
    let build = target_dir.join("debug/build");
    // Earlier builds of other generator versions leave their outputs: read the newest.
    let newest = std::fs::read_dir(&build)
        .unwrap()
        .map(|e| e.unwrap().path().join("output"))
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|o| o.contains("cargo:rerun-if-changed=schemas"))
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("the registry crate's build script output");
    let outputs = [std::fs::read_to_string(newest).unwrap()];
    for schema in [
        "schemas/registry.toml",
        "schemas/common/money.json",
        "schemas/orders/order_placed/v2.json",
    ] {
        assert!(
            outputs[0].contains(&format!("cargo:rerun-if-changed={schema}\n")),
            "{schema} not declared:\n{}",
            outputs[0]
        );
    }
}
