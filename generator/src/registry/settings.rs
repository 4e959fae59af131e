//! `registry.toml`: registry-wide settings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The file at the root of a registry that holds its settings.
pub const SETTINGS_FILE: &str = "registry.toml";

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

/// Which schema changes are allowed for an event.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Compatibility {
    /// Consumers on the new schema read events written on the old one.
    #[default]
    Backward,
    /// Consumers on the old schema read events written on the new one.
    Forward,
    /// Both backward and forward.
    Full,
    /// Not checked.
    None,
    /// Backward against every earlier revision.
    BackwardTransitive,
    /// Forward against every earlier revision.
    ForwardTransitive,
    /// Full against every earlier revision.
    FullTransitive,
}

impl Compatibility {
    /// Every mode, in documentation order.
    pub const ALL: [Compatibility; 7] = [
        Compatibility::Backward,
        Compatibility::Forward,
        Compatibility::Full,
        Compatibility::None,
        Compatibility::BackwardTransitive,
        Compatibility::ForwardTransitive,
        Compatibility::FullTransitive,
    ];

    /// The name used in schemas and `registry.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Compatibility::Backward => "backward",
            Compatibility::Forward => "forward",
            Compatibility::Full => "full",
            Compatibility::None => "none",
            Compatibility::BackwardTransitive => "backward-transitive",
            Compatibility::ForwardTransitive => "forward-transitive",
            Compatibility::FullTransitive => "full-transitive",
        }
    }
}

impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Compatibility {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Compatibility::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Compatibility::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "unknown compatibility mode `{s}` (one of {})",
                    names.join(", ")
                )
            })
    }
}
