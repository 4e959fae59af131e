//! Loads an event contract registry (`schemas/`), checks it and generates typed Rust for it.
//!
//! The core ([`load`] → [`Registry`] → [`generate`]) takes values and returns values; files,
//! build scripts and the `contracts` binary are thin adapters around it. Three subsystems, a
//! folder each: the registry (`registry/`: loading, resolving, the model, lint), the code
//! emitter (`codegen/`) and the compatibility engine (`compat/`); the last two use the first
//! and never each other. This file is the public API, re-exported from where it is defined.
#![deny(missing_docs)]

mod codegen;
mod compat;
mod error;
mod registry;
mod rules;
pub mod scaffold;
pub mod typescript;

pub use codegen::config::{write_if_changed, Config};
pub use codegen::emit::{generate, generate_standalone, Generated, Standalone};
pub use codegen::enforcement::{enforcement, render_enforcement, EventEnforcement, GeneratedCheck};
pub use compat::check::{check_registries, CheckReport, EventFinding};
pub use compat::diff::{diff, Change, Step};
pub use compat::git;
pub use compat::pair::{check_pair, Direction, Finding, Level, Options};
pub use compat::report::{render, Format};
pub use compat::sample::{Sampler, Style};
pub use error::Error;
pub use registry::diagnostic::{Diagnostic, Diagnostics, Severity};
pub use registry::load::{load, load_with, MAX_FILE_BYTES};
pub use registry::model::{BundledSchema, EventMetadata, EventSchema, Origin, Registry};
pub use registry::position::{json_error_message, line_column, locate};
pub use registry::reader::reader_schema;
pub use registry::remote::{bundle_remote, bundle_remote_at, RefSources};
pub use registry::settings::{Compatibility, Ignore, Naming, Settings};
pub use registry::validate::{Validator, Violation};
pub use rules::{rule_by_id, Effect, Rule, RULES};
