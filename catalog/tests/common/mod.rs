//! What the catalog's tests share.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The example registry of this repository.
pub fn registry_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

/// Copies the example registry into `to`, so a test can change it.
pub fn copy_registry(to: &Path) {
    for entry in walkdir::WalkDir::new(registry_dir()) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(registry_dir()).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A child process killed when dropped.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `contracts-docs --serve` on a free loopback port, writing to `out`: the process and its URL.
pub fn serve(out: &Path) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_contracts-docs"))
        .arg("--registry")
        .arg(registry_dir())
        .arg("--out")
        .arg(out)
        .args(["--serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    (Running(child), base)
}
