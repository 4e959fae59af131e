//! The error type of the generator library.

use std::path::PathBuf;

use crate::registry::diagnostic::Diagnostics;

/// What can go wrong when generating from a build script.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry has errors; every one is listed.
    #[error("the event registry has errors:\n{0}")]
    Invalid(Diagnostics),
    /// Code generation failed.
    #[error("code generation failed: {0}")]
    Generate(String),
    /// Neither `OUT_DIR` nor an explicit output folder is set.
    #[error("OUT_DIR is not set: call Config::out_dir or run from a build script")]
    NoOutDir,
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}
