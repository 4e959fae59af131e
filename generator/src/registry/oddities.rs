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
    schema_oddities(rel, value, String::new(), diagnostics);
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
