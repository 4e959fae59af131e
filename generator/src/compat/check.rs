//! The gate: every event of a base registry (a git ref) against the working registry.

use std::path::PathBuf;

use serde_json::Value;

use crate::compat::pair::{check_pair, Direction, Finding, Level, Options};
use crate::compat::sample::Sampler;
use crate::registry::model::{EventSchema, Registry};
use crate::registry::settings::Compatibility;

/// One finding about one event, placed in a file of the registry.
#[derive(Debug, Clone)]
pub struct EventFinding {
    /// Event type.
    pub event_type: String,
    /// Major version.
    pub version: u32,
    /// The compatibility mode in force.
    pub mode: Compatibility,
    /// The file to point at (the new schema; the old one for a removed event).
    pub file: PathBuf,
    /// JSON Pointer in that file.
    pub pointer: String,
    /// Line and column, when known.
    pub position: Option<(usize, usize)>,
    /// The judged change with its witness.
    pub finding: Finding,
    /// The reason from `registry.toml` when the finding is accepted on purpose.
    pub ignored: Option<String>,
}

/// What `contracts check` found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Event versions compared.
    pub compared: usize,
    /// Every finding, in event order.
    pub findings: Vec<EventFinding>,
}

impl CheckReport {
    /// Breaking findings not ignored: a non-zero count fails the gate.
    pub fn breaking(&self) -> impl Iterator<Item = &EventFinding> {
        self.findings
            .iter()
            .filter(|f| f.finding.level == Level::Breaking && f.ignored.is_none())
    }
}

/// Compares `current` with `history[0]` (the base), and with every older revision in
/// `history` for events whose mode is transitive (or every event when `transitive`).
pub fn check_registries(
    history: &[Registry],
    current: &Registry,
    transitive: bool,
    options: Options,
) -> Result<CheckReport, String> {
    let Some(base) = history.first() else {
        return Ok(CheckReport::default());
    };
    let mut report = CheckReport::default();
    for old in &base.events {
        let Some(new) = current.event(&old.event_type, old.version) else {
            if !old.metadata.deprecated {
                let finding = event_level(old, "EVENT_REMOVED", format!("no schema for {} v{} in the new registry: deprecate it first, then remove it", old.event_type, old.version));
                report
                    .findings
                    .push(place(base, old, "", old.compatibility, finding, current));
            }
            continue;
        };
        let mode = new.compatibility;
        if mode == Compatibility::None {
            continue;
        }
        report.compared += 1;
        if old.metadata.partition_key != new.metadata.partition_key {
            let mut finding = event_level(
                old,
                "PARTITION_KEY_CHANGED",
                format!(
                    "partition key moved from {} to {}: events of one entity change shards",
                    old.metadata.partition_key, new.metadata.partition_key
                ),
            );
            finding.level = Level::Breaking;
            report.findings.push(place(
                current,
                new,
                "/x-event/partition_key",
                mode,
                finding,
                current,
            ));
        }
        let is_transitive = transitive
            || matches!(
                mode,
                Compatibility::BackwardTransitive
                    | Compatibility::ForwardTransitive
                    | Compatibility::FullTransitive
            );
        let mut revisions: Vec<&EventSchema> = vec![old];
        if is_transitive {
            for registry in &history[1..] {
                if let Some(earlier) = registry.event(&old.event_type, old.version) {
                    if !revisions.iter().any(|r| r.schema == earlier.schema) {
                        revisions.push(earlier);
                    }
                }
            }
        }
        let mut seen = Vec::new();
        // Parsed once, and only when a revision differs.
        let mut after: Option<Value> = None;
        for revision in revisions {
            // An unchanged schema cannot break anyone: the common case costs one comparison.
            if revision.schema == new.schema {
                continue;
            }
            let after = after.get_or_insert_with(|| new.schema.value());
            for finding in check_pair(&revision.schema.value(), after, mode, options)? {
                let key = (
                    finding.rule,
                    finding.direction,
                    finding.change.as_ref().map(|c| c.new_pointer.clone()),
                );
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let pointer = finding
                    .change
                    .as_ref()
                    .map(|c| c.new_pointer.clone())
                    .unwrap_or_default();
                report
                    .findings
                    .push(place(current, new, &pointer, mode, finding, current));
            }
        }
    }
    Ok(report)
}

/// A finding about the event as a whole, with a payload the old schema accepts as witness.
fn event_level(old: &EventSchema, rule: &'static str, rejection: String) -> Finding {
    let schema = old.schema.value();
    let witness = Sampler::new(&schema, 0).ok().and_then(|mut s| s.sample());
    Finding {
        level: Level::Breaking,
        direction: Direction::Backward,
        rule,
        change: None,
        witness,
        rejection: Some(rejection),
        reason: None,
    }
}

fn place(
    registry: &Registry,
    event: &EventSchema,
    bundled_pointer: &str,
    mode: Compatibility,
    finding: Finding,
    current: &Registry,
) -> EventFinding {
    let origin = registry.origin(event, bundled_pointer);
    let position = registry.position(&origin);
    let ignored = current
        .settings
        .ignore
        .iter()
        .find(|i| {
            i.event == event.event_type
                && i.version.is_none_or(|v| v == event.version)
                && i.rule == finding.rule
        })
        .map(|i| i.reason.clone());
    EventFinding {
        event_type: event.event_type.clone(),
        version: event.version,
        mode,
        file: registry.root.join(&origin.file),
        pointer: origin.pointer,
        position,
        finding,
        ignored,
    }
}

/// A compact JSON rendering of a value for one-line reports.
pub(crate) fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text
    }
}
