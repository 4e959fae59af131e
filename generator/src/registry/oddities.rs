//! Schemas that are valid JSON Schema but say something other than their author meant:
//! duplicate keys (the last one wins), bounds no value can meet, formats the validator does
//! not know (so not enforced). Each is a warning at its pointer.

use std::collections::HashSet;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::registry::diagnostic::Diagnostic;
use crate::registry::position::escape_token;

/// Formats the validator checks; any other format is an annotation only.
pub(crate) const KNOWN_FORMATS: &[&str] = &[
    "date",
    "date-time",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Every oddity of one schema file.
pub(crate) fn check(rel: &Path, text: &str, value: &Value, diagnostics: &mut Vec<Diagnostic>) {
    let mut duplicates = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    // The text parsed already: an error here only means the check stops early.
    let _ = DuplicateSeed {
        pointer: String::new(),
        found: &mut duplicates,
    }
    .deserialize(&mut de);
    for (pointer, key) in duplicates {
        diagnostics.push(Diagnostic::warning(
            rel,
            format!("{pointer}/{}", escape_token(&key)),
            "duplicate-key",
            format!(
                "key `{key}` appears more than once in this object: only the last value counts"
            ),
        ));
    }
    let start = diagnostics.len();
    schema_oddities(rel, value, String::new(), diagnostics);
    summarize_unbounded(rel, diagnostics, start);
}

/// At most this many `unbounded-integer` warnings per file; the rest are counted in one more.
/// A generated schema can hold thousands of such integers, and each warning costs a scan of the
/// file for its line and column.
const UNBOUNDED_SHOWN: usize = 10;

fn summarize_unbounded(rel: &Path, diagnostics: &mut Vec<Diagnostic>, start: usize) {
    let mut seen = 0;
    let mut file = diagnostics.split_off(start);
    file.retain(|d| {
        seen += usize::from(d.code == "unbounded-integer");
        d.code != "unbounded-integer" || seen <= UNBOUNDED_SHOWN
    });
    diagnostics.extend(file);
    if seen > UNBOUNDED_SHOWN {
        diagnostics.push(Diagnostic::warning(
            rel,
            String::new(),
            "unbounded-integer",
            format!(
                "{} more integers in this file admit values no 64-bit type holds",
                seen - UNBOUNDED_SHOWN
            ),
        ));
    }
}

fn schema_oddities(rel: &Path, node: &Value, pointer: String, out: &mut Vec<Diagnostic>) {
    match node {
        Value::Object(map) => {
            for (low, high, what) in [
                ("minLength", "maxLength", "string length"),
                ("minItems", "maxItems", "item count"),
                ("minProperties", "maxProperties", "property count"),
                ("minContains", "maxContains", "count of matching items"),
                ("minimum", "maximum", "value"),
                ("exclusiveMinimum", "maximum", "value"),
                ("minimum", "exclusiveMaximum", "value"),
                ("exclusiveMinimum", "exclusiveMaximum", "value"),
            ] {
                let (Some(a), Some(b)) = (
                    map.get(low).and_then(Value::as_number),
                    map.get(high).and_then(Value::as_number),
                ) else {
                    continue;
                };
                let exclusive = low.starts_with("exclusive") || high.starts_with("exclusive");
                let empty = match contracts_runtime::native::compare_numbers(a, b) {
                    Some(std::cmp::Ordering::Greater) => true,
                    Some(std::cmp::Ordering::Equal) => exclusive,
                    _ => false,
                };
                if empty {
                    out.push(Diagnostic::warning(
                        rel,
                        format!("{pointer}/{low}"),
                        "unsatisfiable",
                        format!("`{low}` {a} and `{high}` {b} leave no {what}: no value of that type is valid here"),
                    ));
                }
            }
            if let Some(message) = unbounded_integer(map) {
                out.push(Diagnostic::warning(
                    rel,
                    pointer.clone(),
                    "unbounded-integer",
                    message,
                ));
            }
            if let Some(Value::String(format)) = map.get("format") {
                if !KNOWN_FORMATS.contains(&format.as_str()) {
                    out.push(Diagnostic::warning(
                        rel,
                        format!("{pointer}/format"),
                        "unknown-format",
                        format!(
                            "format `{format}` is not one the validator knows: it is not enforced"
                        ),
                    ));
                }
            }
            for (key, child) in map {
                if matches!(
                    key.as_str(),
                    "const" | "enum" | "examples" | "default" | "x-event"
                ) {
                    continue;
                }
                schema_oddities(rel, child, format!("{pointer}/{}", escape_token(key)), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                schema_oddities(rel, item, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// An integer schema whose bounds admit integers no 64-bit Rust type holds (the generated
/// type is `u64` from a lower bound of 0 up, `i64` otherwise): such a payload is valid but
/// cannot be decoded. The message names the bound to add.
fn unbounded_integer(map: &serde_json::Map<String, Value>) -> Option<String> {
    let integer = match map.get("type")? {
        Value::String(t) => t == "integer",
        Value::Array(types) => {
            types.iter().any(|t| t == "integer") && !types.iter().any(|t| t == "number")
        }
        _ => false,
    };
    if !integer || map.contains_key("enum") || map.contains_key("const") {
        return None;
    }
    // Bounds as exact integers where they are (fractional bounds are rounded inwards).
    let bound = |key: &str, exclusive: &str, up: bool| -> Option<i128> {
        let with = |n: &serde_json::Number, step: i128| {
            let exact = n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from));
            let value = match exact {
                Some(v) => v,
                None => {
                    let f = n.as_f64()?;
                    let f = if up { f.floor() } else { f.ceil() };
                    if f.abs() > 1e38 {
                        return Some(if f > 0.0 { i128::MAX } else { i128::MIN });
                    }
                    f as i128
                }
            };
            Some(value + step)
        };
        let step = if up { -1 } else { 1 };
        let inclusive = map
            .get(key)
            .and_then(Value::as_number)
            .and_then(|n| with(n, 0));
        let exclusive = map
            .get(exclusive)
            .and_then(Value::as_number)
            .and_then(|n| with(n, step));
        match (inclusive, exclusive) {
            (Some(a), Some(b)) => Some(if up { a.min(b) } else { a.max(b) }),
            (a, b) => a.or(b),
        }
    };
    let low = bound("minimum", "exclusiveMinimum", false);
    let high = bound("maximum", "exclusiveMaximum", true);
    let (type_name, min, max) = if low.is_some_and(|l| l >= 0) {
        ("u64", 0, i128::from(u64::MAX))
    } else {
        ("i64", i128::from(i64::MIN), i128::from(i64::MAX))
    };
    let mut add = Vec::new();
    if low.is_none_or(|l| l < min) {
        add.push(format!("`\"minimum\": {min}`"));
    }
    if high.is_none_or(|h| h > max) {
        add.push(format!("`\"maximum\": {max}`"));
    }
    if add.is_empty() {
        return None;
    }
    Some(format!(
        "integers beyond the generated `{type_name}` are valid here but cannot be decoded: add {} (or a tighter bound)",
        add.join(" and ")
    ))
}

/// Walks a JSON document as serde reads it, noting keys repeated within one object.
struct DuplicateSeed<'f> {
    pointer: String,
    found: &'f mut Vec<(String, String)>,
}

impl<'de> DeserializeSeed<'de> for DuplicateSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DuplicateSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while seq
            .next_element_seed(DuplicateSeed {
                pointer: format!("{}/{i}", self.pointer),
                found: &mut *self.found,
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !keys.insert(key.clone()) {
                self.found.push((self.pointer.clone(), key.clone()));
            }
            map.next_value_seed(DuplicateSeed {
                pointer: format!("{}/{}", self.pointer, escape_token(&key)),
                found: &mut *self.found,
            })?;
        }
        Ok(())
    }
}
