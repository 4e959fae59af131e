//! The build.rs entry point, shaped like prost-build's `Config`.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Generates the Rust of a registry from a build script.
///
/// In `build.rs`:
///
/// ```no_run
/// contracts_generator::Config::new().registry("schemas").generate().unwrap();
/// ```
///
/// and in `src/lib.rs`: `include!(concat!(env!("OUT_DIR"), "/contracts.rs"));`
#[derive(Debug, Clone)]
pub struct Config {
    registry: PathBuf,
    out_dir: Option<PathBuf>,
    file_name: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            registry: PathBuf::from("schemas"),
            out_dir: None,
            file_name: "contracts.rs".to_owned(),
        }
    }
}

impl Config {
    /// Defaults: registry `schemas`, output `$OUT_DIR/contracts.rs`.
    pub fn new() -> Self {
        Config::default()
    }

    /// The registry folder.
    pub fn registry(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.registry = path.as_ref().to_path_buf();
        self
    }

    /// Where to write instead of `OUT_DIR`.
    pub fn out_dir(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.out_dir = Some(path.as_ref().to_path_buf());
        self
    }

    /// Loads the registry, generates its Rust and writes it when the content changed. Prints
    /// `cargo:rerun-if-changed` for every file and folder it read and `cargo:warning` for
    /// every lint warning. Returns the path written.
    pub fn generate(&self) -> Result<PathBuf, Error> {
        println!("cargo:rerun-if-changed={}", self.registry.display());
        for entry in walkdir::WalkDir::new(&self.registry)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            println!("cargo:rerun-if-changed={}", entry.path().display());
        }
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        let (registry, warnings) =
            crate::registry::load::load(&self.registry).map_err(Error::Invalid)?;
        for warning in &warnings.0 {
            println!("cargo:warning={warning}");
        }
        let generated = super::emit::generate(&registry).map_err(Error::Generate)?;
        for name in &generated.fallbacks {
            println!("cargo:warning=typify could not map `{name}`: it is generated as serde_json::Value and validated in full");
        }
        let path = out_dir.join(&self.file_name);
        write_if_changed(&path, generated.code.as_bytes())?;
        // The enforcement report sits next to the code; refusals are worth a warning.
        let report = super::enforcement::render_enforcement(&generated.enforcement);
        write_if_changed(&path.with_file_name("native-report.txt"), report.as_bytes())?;
        for (event, enforcement) in &generated.enforcement {
            if let Some(why) = &enforcement.refused {
                println!("cargo:warning={event} has no native path ({why}); the full validator checks it");
            }
        }
        Ok(path)
    }
}

/// Writes `content` to `path` unless the file already holds exactly that.
pub fn write_if_changed(path: &Path, content: &[u8]) -> Result<bool, Error> {
    if std::fs::read(path).is_ok_and(|existing| existing == content) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, content).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(true)
}
