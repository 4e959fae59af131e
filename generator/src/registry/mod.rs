//! The registry: a `schemas/` folder read into one normalized model ([`model::Registry`]),
//! with its settings (`registry.toml`), `$ref`s resolved and bundled, lint rules, payload
//! validation, and diagnostics that name the file, the JSON Pointer and the line:column.
//!
//! May use: the rule catalogue (`[[ignore]]` entries name its rules), nothing else. The code
//! emitter and the compatibility engine build on it; it knows neither.

pub(crate) mod diagnostic;
pub(crate) mod lint;
pub(crate) mod load;
pub(crate) mod model;
pub(crate) mod names;
pub(crate) mod oddities;
pub(crate) mod position;
pub(crate) mod presence;
pub(crate) mod reader;
pub(crate) mod remote;
pub(crate) mod resolve;
pub(crate) mod settings;
pub(crate) mod validate;
