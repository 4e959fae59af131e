//! Loads an event contract registry (`schemas/`), checks it and generates typed Rust for it.
//!
//! The core ([`load`] → [`Registry`] → [`generate`]) takes values and returns values; files,
//! build scripts and the `contracts` binary are thin adapters around it.
#![deny(missing_docs)]

mod check;
mod codegen;
mod compat;
mod config;
mod diagnostic;
mod diff;
mod enforcement;
mod error;
mod field_names;
pub mod git;
mod inclusion;
mod lint;
mod load;
mod model;
mod names;
mod oddities;
mod position;
mod remote;
mod report;
mod resolve;
mod rules;
mod sample;
mod settings;
mod typed_check;
mod typify_input;
mod validate;

pub use check::{check_registries, CheckReport, EventFinding};
pub use codegen::{generate, generate_standalone, Generated, Standalone};
pub use compat::{check_pair, Direction, Finding, Level, Options};
pub use config::{write_if_changed, Config};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use diff::{diff, Change, Step};
pub use enforcement::{enforcement, render_enforcement, EventEnforcement, GeneratedCheck};
pub use error::Error;
pub use load::{load, load_with, MAX_FILE_BYTES};
pub use model::{Compatibility, EventMetadata, EventSchema, Origin, Registry};
pub use position::{json_error_message, line_column, locate};
pub use remote::{bundle_remote, bundle_remote_at, RefSources};
pub use report::{render, Format};
pub use rules::{rule_by_id, Effect, Rule, RULES};
pub use sample::{Sampler, Style};
pub use settings::{Ignore, Naming, Settings};
pub use validate::{Validator, Violation};
