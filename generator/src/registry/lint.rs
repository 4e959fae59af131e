//! Registry rules beyond JSON Schema itself: metadata, naming, partition keys, examples.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::registry::diagnostic::Diagnostic;
use crate::registry::model::{EventMetadata, EventSchema, Registry};
use crate::registry::names::pascal_case;
use crate::registry::position::escape_token;
use crate::registry::settings::Settings;
use crate::registry::validate::Validator;

const METADATA_KEYS: [&str; 6] = [
    "owner",
    "partition_key",
    "compatibility",
    "deprecated",
    "producers",
    "consumers",
];

/// The naming rules of `registry.toml`, compiled once (a bad pattern is reported once).
pub(crate) struct NamingRules {
    domain: Option<regex::Regex>,
    event: Option<regex::Regex>,
    property: Option<regex::Regex>,
}

impl NamingRules {
    pub(crate) fn compile(settings: &Settings, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let naming = &settings.naming;
        NamingRules {
            domain: compile_rule("domain", &naming.domain, diagnostics),
            event: compile_rule("event", &naming.event, diagnostics),
            property: compile_rule("property", &naming.property, diagnostics),
        }
    }
}

/// What is checked of an event file's own document, while the loader holds it parsed.
pub(crate) fn lint_document(
    file: &Path,
    document: &Value,
    rules: &NamingRules,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for key in ["title", "description"] {
        if document
            .get(key)
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            diagnostics.push(Diagnostic::error(
                file,
                "",
                "missing-field",
                format!("every event schema needs a non-empty `{key}`"),
            ));
        }
    }
    lint_metadata(file, document, diagnostics);
    if let Some(rule) = &rules.property {
        lint_property_names(file, document, rule, diagnostics);
    }
}

/// What is checked of an event's bundled schema, while the loader holds it parsed.
pub(crate) fn lint_bundled(event: &EventSchema, schema: &Value, diagnostics: &mut Vec<Diagnostic>) {
    lint_partition_key(event, schema, diagnostics);
    lint_examples(event, schema, diagnostics);
}

/// What is checked of the registry as a whole: the settings, event names, clashes.
pub(crate) fn lint(registry: &Registry, rules: &NamingRules, diagnostics: &mut Vec<Diagnostic>) {
    for (i, ignore) in registry.settings.ignore.iter().enumerate() {
        let at = |message: String| {
            Diagnostic::error(
                crate::registry::settings::SETTINGS_FILE,
                format!("/ignore/{i}"),
                "settings",
                message,
            )
        };
        if ignore.reason.trim().is_empty() {
            diagnostics.push(at(format!(
                "ignore of {} for `{}` needs a written `reason`",
                ignore.rule, ignore.event
            )));
        }
        if crate::rules::rule_by_id(&ignore.rule).is_none() {
            diagnostics.push(at(format!(
                "unknown rule `{}` (see `contracts rules`)",
                ignore.rule
            )));
        }
    }
    let mut seen: BTreeMap<(String, String, u32), &EventSchema> = BTreeMap::new();
    for event in &registry.events {
        let file = &event.file;
        if let Some(rule) = &rules.domain {
            if !rule.is_match(&event.domain) {
                diagnostics.push(Diagnostic::error(
                    file,
                    "",
                    "naming",
                    format!("domain `{}` does not match {}", event.domain, rule.as_str()),
                ));
            }
        }
        if let Some(rule) = &rules.event {
            if !rule.is_match(&event.name) {
                diagnostics.push(Diagnostic::error(
                    file,
                    "",
                    "naming",
                    format!(
                        "event name `{}` does not match {}",
                        event.name,
                        rule.as_str()
                    ),
                ));
            }
        }
        let key = (
            pascal_case(&event.domain),
            pascal_case(&event.name),
            event.version,
        );
        if let Some(other) = seen.insert(key, event) {
            diagnostics.push(Diagnostic::error(
                file,
                "",
                "duplicate-event-type",
                format!("`{}` v{} clashes with `{}` in {}: their names differ only in case or separators", event.event_type, event.version, other.event_type, other.file.display()),
            ));
        }
    }
}

fn compile_rule(
    what: &str,
    pattern: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<regex::Regex> {
    if pattern.is_empty() {
        return None;
    }
    match regex::Regex::new(pattern) {
        Ok(rule) => Some(rule),
        Err(err) => {
            diagnostics.push(Diagnostic::error(
                crate::registry::settings::SETTINGS_FILE,
                "",
                "settings",
                format!("naming.{what} is not a valid regular expression: {err}"),
            ));
            None
        }
    }
}

fn lint_metadata(file: &std::path::Path, document: &Value, diagnostics: &mut Vec<Diagnostic>) {
    let Some(metadata) = document.get("x-event") else {
        diagnostics.push(Diagnostic::error(
            file,
            "",
            "missing-metadata",
            "every event schema needs an `x-event` object with `owner` and `partition_key`",
        ));
        return;
    };
    let Some(map) = metadata.as_object() else {
        diagnostics.push(Diagnostic::error(
            file,
            "/x-event",
            "metadata",
            "`x-event` must be an object",
        ));
        return;
    };
    let mut known_keys_only = true;
    for key in map.keys() {
        if !METADATA_KEYS.contains(&key.as_str()) {
            known_keys_only = false;
            diagnostics.push(Diagnostic::error(
                file,
                format!("/x-event/{}", escape_token(key)),
                "metadata",
                format!(
                    "unknown `x-event` key `{key}` (known: {})",
                    METADATA_KEYS.join(", ")
                ),
            ));
        }
    }
    for key in ["owner", "partition_key"] {
        if map
            .get(key)
            .and_then(Value::as_str)
            .is_none_or(|s| s.is_empty())
        {
            diagnostics.push(Diagnostic::error(
                file,
                "/x-event",
                "metadata",
                format!("`x-event.{key}` is required and must be a non-empty string"),
            ));
        }
    }
    if known_keys_only {
        for key in METADATA_KEYS {
            let Some(value) = map.get(key) else { continue };
            let mut single = serde_json::Map::new();
            single.insert(key.to_owned(), value.clone());
            single.entry("owner").or_insert(Value::from("x"));
            single.entry("partition_key").or_insert(Value::from("/x"));
            if let Err(err) = serde_json::from_value::<EventMetadata>(Value::Object(single)) {
                diagnostics.push(Diagnostic::error(
                    file,
                    format!("/x-event/{key}"),
                    "metadata",
                    format!("invalid `x-event.{key}`: {err}"),
                ));
            }
        }
    }
}

fn lint_property_names(
    file: &std::path::Path,
    document: &Value,
    rule: &regex::Regex,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut stack = vec![(document, String::new())];
    while let Some((node, pointer)) = stack.pop() {
        match node {
            Value::Object(map) => {
                for (key, child) in map {
                    let child_pointer = format!("{pointer}/{}", escape_token(key));
                    if matches!(
                        key.as_str(),
                        "const" | "enum" | "examples" | "default" | "x-event"
                    ) {
                        continue;
                    }
                    if key == "properties" {
                        if let Value::Object(properties) = child {
                            for name in properties.keys() {
                                if !rule.is_match(name) {
                                    diagnostics.push(Diagnostic::error(
                                        file,
                                        format!("{child_pointer}/{}", escape_token(name)),
                                        "naming",
                                        format!(
                                            "property `{name}` does not match {}",
                                            rule.as_str()
                                        ),
                                    ));
                                }
                            }
                        }
                    }
                    stack.push((child, child_pointer));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    stack.push((child, format!("{pointer}/{i}")));
                }
            }
            _ => {}
        }
    }
}

/// The partition key must name a string that every valid payload has.
fn lint_partition_key(event: &EventSchema, schema: &Value, diagnostics: &mut Vec<Diagnostic>) {
    let pointer = &event.metadata.partition_key;
    if pointer.is_empty() {
        return;
    }
    let fail = |message: String| {
        Diagnostic::error(
            &event.file,
            "/x-event/partition_key",
            "partition-key",
            message,
        )
    };
    if !pointer.starts_with('/') {
        diagnostics.push(fail(format!(
            "`{pointer}` is not a JSON Pointer (it must start with `/`)"
        )));
        return;
    }
    let mut node = schema;
    for token in crate::registry::position::pointer_tokens(pointer) {
        node = follow_refs(schema, node);
        let required = node
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(token.as_str())));
        let Some(child) = node.get("properties").and_then(|p| p.get(&token)) else {
            diagnostics.push(fail(format!(
                "`{pointer}` names no declared property (`{token}` is missing)"
            )));
            return;
        };
        if !required {
            diagnostics.push(fail(format!("`{pointer}` is not required: property `{token}` may be absent, so the event would have no partition key")));
            return;
        }
        node = child;
    }
    let node = follow_refs(schema, node);
    let is_string = match node.get("type") {
        Some(Value::String(t)) => t == "string",
        _ => false,
    };
    if !is_string {
        diagnostics.push(fail(format!(
            "`{pointer}` must point at a property of `\"type\": \"string\"`"
        )));
    }
}

fn follow_refs<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..32 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let target = if reference == "#" {
            Some(root)
        } else {
            reference.strip_prefix('#').and_then(|p| root.pointer(p))
        };
        match target {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

fn lint_examples(event: &EventSchema, schema: &Value, diagnostics: &mut Vec<Diagnostic>) {
    if event.examples.is_empty() {
        return;
    }
    let validator = match Validator::new(schema) {
        Ok(v) => v,
        Err(err) => {
            diagnostics.push(Diagnostic::error(&event.file, "", "schema", err));
            return;
        }
    };
    for (i, example) in event.examples.iter().enumerate() {
        for violation in validator.violations(example) {
            diagnostics.push(Diagnostic::error(
                &event.file,
                format!("/examples/{i}{}", violation.pointer),
                "invalid-example",
                format!(
                    "example {i} is invalid at {}: {}",
                    if violation.pointer.is_empty() {
                        "(root)"
                    } else {
                        &violation.pointer
                    },
                    violation.message
                ),
            ));
        }
    }
}
