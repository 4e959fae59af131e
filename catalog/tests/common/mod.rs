//! What the catalog's tests share.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

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
