//! Renders compatibility findings: text for people, JSON for tools, GitHub annotations, SARIF.

use std::fmt::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::compat::check::{compact, EventFinding};
use crate::compat::pair::Level;
use crate::rules::{rule_by_id, RULES};

/// Output formats of `contracts check` and `contracts diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Readable text with witness and fix.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "github" => Ok(Format::Github),
            "sarif" => Ok(Format::Sarif),
            other => Err(format!(
                "unknown format `{other}` (text, json, github or sarif)"
            )),
        }
    }
}

/// Renders `findings`; paths are shown relative to `base` when inside it.
pub fn render(findings: &[EventFinding], compared: usize, format: Format, base: &Path) -> String {
    match format {
        Format::Text => text(findings, compared, base),
        Format::Json => serde_json::to_string_pretty(&json!({
            "compared": compared,
            "breaking": findings.iter().filter(|f| is_error(f)).count(),
            "findings": findings.iter().map(|f| as_json(f, base)).collect::<Vec<_>>(),
        }))
        .unwrap_or_default(),
        Format::Github => github(findings, base),
        Format::Sarif => serde_json::to_string_pretty(&sarif(findings, base)).unwrap_or_default(),
    }
}

fn is_error(f: &EventFinding) -> bool {
    f.finding.level == Level::Breaking && f.ignored.is_none()
}

fn shown(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn location(f: &EventFinding, base: &Path) -> String {
    match f.position {
        Some((line, column)) => format!("{}:{line}:{column}", shown(&f.file, base)),
        None => shown(&f.file, base),
    }
}

fn headline(f: &EventFinding) -> String {
    let doc = rule_by_id(f.finding.rule).map_or("", |r| r.doc);
    // `diff` compares files, not registry events: it has no version to show.
    let version = if f.version == 0 {
        String::new()
    } else {
        format!(" v{}", f.version)
    };
    format!(
        "{}{version} ({}, {} mode): {doc}",
        f.event_type, f.finding.direction, f.mode
    )
}

fn text(findings: &[EventFinding], compared: usize, base: &Path) -> String {
    let mut out = String::new();
    for f in findings {
        let level = match (f.finding.level, &f.ignored) {
            (_, Some(_)) => "ignored",
            (Level::Breaking, None) => "error",
            (Level::Undecided, None) => "warning",
        };
        let _ = writeln!(
            out,
            "{}: {level}[{}] {}",
            location(f, base),
            f.finding.rule,
            headline(f)
        );
        if let Some(change) = &f.finding.change {
            let show = |v: &Option<Value>| v.as_ref().map_or("(absent)".to_owned(), compact);
            let _ = writeln!(
                out,
                "    old: {}    new: {}",
                show(&change.old),
                show(&change.new)
            );
            let at = change.instance_pointer();
            let _ = writeln!(
                out,
                "    payload location: {}",
                if at.is_empty() { "(root)" } else { &at }
            );
        }
        match (&f.finding.witness, f.finding.level) {
            (Some(witness), _) => {
                let writer = match f.finding.direction {
                    crate::compat::pair::Direction::Backward => "old",
                    crate::compat::pair::Direction::Forward => "new",
                };
                let _ = writeln!(
                    out,
                    "    witness (valid for the {writer} schema): {}",
                    compact(witness)
                );
            }
            (None, Level::Undecided) => {
                let reason = f.finding.reason.as_deref().unwrap_or(
                    "no breaking payload was found, but inclusion is not proven for this change",
                );
                let _ = writeln!(out, "    undecided: {reason}; check it by hand");
            }
            (None, Level::Breaking) => {}
        }
        if let Some(rejection) = &f.finding.rejection {
            let _ = writeln!(out, "    rejected: {rejection}");
        }
        match &f.ignored {
            Some(reason) => {
                let _ = writeln!(out, "    ignored in registry.toml: {reason}");
            }
            None if f.finding.level == Level::Breaking => {
                let _ = writeln!(out, "    fix: {}", f.finding.fix());
            }
            None => {}
        }
    }
    let breaking = findings.iter().filter(|f| is_error(f)).count();
    let undecided = findings
        .iter()
        .filter(|f| f.finding.level == Level::Undecided && f.ignored.is_none())
        .count();
    let ignored = findings.iter().filter(|f| f.ignored.is_some()).count();
    let verdict = if breaking > 0 {
        "incompatible"
    } else if undecided > 0 {
        "undecided"
    } else {
        "compatible"
    };
    let _ = write!(out, "{verdict}: {breaking} breaking, {undecided} undecided, {ignored} ignored; {compared} event version(s) compared");
    out
}

fn as_json(f: &EventFinding, base: &Path) -> Value {
    let change = f.finding.change.as_ref();
    json!({
        "event": f.event_type,
        "version": f.version,
        "mode": f.mode.as_str(),
        "direction": f.finding.direction.to_string(),
        "level": match f.finding.level { Level::Breaking => "breaking", Level::Undecided => "undecided" },
        "rule": f.finding.rule,
        "file": shown(&f.file, base),
        "line": f.position.map(|p| p.0),
        "column": f.position.map(|p| p.1),
        "pointer": f.pointer,
        "payload_location": change.map(|c| c.instance_pointer()),
        "old": change.and_then(|c| c.old.clone()),
        "new": change.and_then(|c| c.new.clone()),
        "witness": f.finding.witness,
        "rejection": f.finding.rejection,
        "reason": f.finding.reason,
        "fix": (f.finding.level == Level::Breaking).then(|| f.finding.fix()),
        "ignored": f.ignored,
    })
}

fn escape_github(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn github(findings: &[EventFinding], base: &Path) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.ignored.is_none()) {
        let command = if f.finding.level == Level::Breaking {
            "error"
        } else {
            "warning"
        };
        let (line, column) = f.position.unwrap_or((1, 1));
        let mut message = headline(f);
        if let Some(witness) = &f.finding.witness {
            message.push_str(&format!("\nWitness: {}", compact(witness)));
        }
        if let Some(rejection) = &f.finding.rejection {
            message.push_str(&format!("\nRejected: {rejection}"));
        }
        if let Some(reason) = &f.finding.reason {
            message.push_str(&format!("\nUndecided: {reason}"));
        }
        let file = shown(&f.file, base).replace(',', "%2C").replace(':', "%3A");
        let _ = writeln!(
            out,
            "::{command} file={file},line={line},col={column},title={}::{}",
            f.finding.rule,
            escape_github(&message)
        );
    }
    out
}

fn sarif(findings: &[EventFinding], base: &Path) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| json!({ "id": r.id, "shortDescription": { "text": r.doc } }))
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .filter(|f| f.ignored.is_none())
        .map(|f| {
            let (line, column) = f.position.unwrap_or((1, 1));
            let mut message = headline(f);
            if let Some(witness) = &f.finding.witness {
                message.push_str(&format!(" Witness: {}", compact(witness)));
            }
            if let Some(reason) = &f.finding.reason {
                message.push_str(&format!(" Undecided: {reason}."));
            }
            json!({
                "ruleId": f.finding.rule,
                "level": if f.finding.level == Level::Breaking { "error" } else { "warning" },
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": shown(&f.file, base) },
                        "region": { "startLine": line, "startColumn": column }
                    }
                }]
            })
        })
        .collect();
    json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{ "tool": { "driver": { "name": "contracts", "rules": rules } }, "results": results }]
    })
}
