//! The code emitter: Rust for a registry (payload types by typify, `Event` implementations,
//! the typed `Router`), the native check of each typed value, the enforcement report, and the
//! build.rs entry point ([`config::Config`]).
//!
//! May use: the registry. Never the compatibility engine.

pub(crate) mod config;
pub(crate) mod emit;
pub(crate) mod enforcement;
pub(crate) mod field_names;
pub(crate) mod offsets;
pub(crate) mod presence;
pub(crate) mod typed_check;
pub(crate) mod typify_input;
