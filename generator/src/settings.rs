//! `registry.toml`: registry-wide settings.

use serde::Deserialize;

use crate::model::Compatibility;

/// Settings read from `registry.toml` at the root of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Compatibility mode of events that do not set `x-event.compatibility`.
    #[serde(default)]
    pub default_compatibility: Compatibility,
    /// The `source` written into the envelope of every event sent by this registry's producers.
    #[serde(default = "default_source")]
    pub source: String,
    /// Naming rules checked by the linter.
    #[serde(default)]
    pub naming: Naming,
    /// Compatibility findings accepted on purpose, each with its reason.
    #[serde(default)]
    pub ignore: Vec<Ignore>,
}

/// One accepted compatibility finding: `[[ignore]]` in `registry.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    /// Event type, for example `orders.order_placed`.
    pub event: String,
    /// Major version; every version when left out.
    #[serde(default)]
    pub version: Option<u32>,
    /// Rule id, for example `BOUND_TIGHTENED`.
    pub rule: String,
    /// Why breaking consumers is acceptable here (required, non-empty).
    pub reason: String,
}

/// Regular expressions that domain, event and property names must match.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Naming {
    /// Domain folder names.
    #[serde(default = "snake_case")]
    pub domain: String,
    /// Event folder names.
    #[serde(default = "snake_case")]
    pub event: String,
    /// Payload property names; empty to allow any.
    #[serde(default)]
    pub property: String,
}

fn default_source() -> String {
    "contracts".to_owned()
}

fn snake_case() -> String {
    "^[a-z][a-z0-9_]*$".to_owned()
}

impl Default for Naming {
    fn default() -> Self {
        Naming {
            domain: snake_case(),
            event: snake_case(),
            property: String::new(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_compatibility: Compatibility::default(),
            source: default_source(),
            naming: Naming::default(),
            ignore: Vec::new(),
        }
    }
}
