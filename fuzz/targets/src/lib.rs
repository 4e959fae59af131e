//! Fuzz targets: each takes arbitrary bytes and panics only on a real defect (a crash, a
//! verdict that disagrees with the validator, a witness that proves nothing). `cargo fuzz`
//! runs them from `fuzz/` (libFuzzer, nightly); `tests/replay.rs` runs them over the
//! committed seed corpus and bounded mutations of it on every `cargo test`.
#![deny(missing_docs)]

use std::time::Duration;

use contracts::Event;
use contracts_generator::{check_pair, load, Compatibility, Direction, Level, Options};
use serde_json::Value;

/// The target names, as folders of `fuzz/corpus/`.
pub const TARGETS: &[&str] = &["loader", "checker", "decode", "producer"];

/// Runs the target called `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "loader" => loader(data),
        "checker" => checker(data),
        "decode" => decode(data),
        "producer" => producer(data),
        _ => panic!("no target {name}"),
    }
}

fn parts(data: &[u8]) -> Vec<&[u8]> {
    data.split(|b| *b == 0).collect()
}

/// A registry folder from bytes: parts separated by NUL are an event schema, a shared file
/// and `registry.toml`. Loading must never panic, whatever the bytes.
pub fn loader(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let parts = parts(data);
    let files = [
        "things/thing_happened/v1.json",
        "common/shared.json",
        "registry.toml",
    ];
    for (path, content) in files.iter().zip(&parts) {
        let path = dir.path().join(path);
        if std::fs::create_dir_all(path.parent().unwrap()).is_err()
            || std::fs::write(&path, content).is_err()
        {
            return;
        }
    }
    let _ = load(dir.path());
}

/// Two schemas (NUL between them) checked in both directions, strict or not: no panic, the
/// time budget holds, and every breaking finding's witness is valid for its writer and
/// rejected by its reader under the validator.
pub fn checker(data: &[u8]) {
    let parts = parts(data);
    let (Some(old), Some(new)) = (parts.first(), parts.get(1)) else {
        return;
    };
    let (Ok(old), Ok(new)) = (
        serde_json::from_slice::<Value>(old),
        serde_json::from_slice::<Value>(new),
    ) else {
        return;
    };
    let (Some(_), Some(_)) = (validator(&old), validator(&new)) else {
        return;
    };
    let strict = data.last().is_some_and(|b| b & 1 == 1);
    let options = Options {
        strict,
        budget: Duration::from_millis(500),
        ..Options::default()
    };
    let Ok(findings) = check_pair(&old, &new, Compatibility::Full, options) else {
        return;
    };
    for finding in findings.iter().filter(|f| f.level == Level::Breaking) {
        let witness = finding
            .witness
            .as_ref()
            .expect("a breaking finding has a witness");
        let (writer, reader) = match finding.direction {
            Direction::Backward => (&old, &new),
            Direction::Forward => (&new, &old),
        };
        let reader = if strict { reader.clone() } else { open(reader) };
        let (Some(w), Some(r)) = (validator(writer), validator(&reader)) else {
            continue;
        };
        assert!(
            w.is_valid(witness) && !r.is_valid(witness),
            "{} witness {witness} proves nothing: {old} -> {new}",
            finding.rule
        );
    }
}

/// A payload of `orders.order_placed` v2 (the registry's richest event): the native decode
/// accepts exactly the bytes that parse into a `Value` the full validator accepts.
pub fn decode(data: &[u8]) {
    type E = contracts::orders::OrderPlacedV2;
    let reader: Value = serde_json::from_str(E::READER_SCHEMA).unwrap();
    let full = serde_json::from_slice::<Value>(data)
        .map(|v| validator(&reader).unwrap().is_valid(&v))
        .unwrap_or(false);
    let native = E::decode(data).is_ok();
    assert_eq!(native, full, "{}", String::from_utf8_lossy(data));
}

/// A typed `orders.order_placed` v2 built from JSON (the type is wider than the schema): the
/// producer check accepts exactly the values whose serialization the validator accepts.
pub fn producer(data: &[u8]) {
    type E = contracts::orders::OrderPlacedV2;
    let Ok(value) = serde_json::from_slice::<E>(data) else {
        return;
    };
    let writer: Value = serde_json::from_str(E::SCHEMA).unwrap();
    let Ok(written) = serde_json::to_value(&value) else {
        return;
    };
    let expected = validator(&writer).unwrap().is_valid(&written);
    assert_eq!(value.validate().is_ok(), expected, "{written}");
    assert_eq!(value.encode().is_ok(), expected, "{written}");
}

fn validator(schema: &Value) -> Option<jsonschema::Validator> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .ok()
}

/// The event semantics' reader: every `additionalProperties: false` dropped.
fn open(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| {
                    !(matches!(k.as_str(), "additionalProperties" | "unevaluatedProperties")
                        && **v == Value::Bool(false))
                })
                .map(|(k, v)| {
                    let data = matches!(
                        k.as_str(),
                        "not" | "const" | "enum" | "default" | "examples"
                    );
                    (k.clone(), if data { v.clone() } else { open(v) })
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(open).collect()),
        other => other.clone(),
    }
}
