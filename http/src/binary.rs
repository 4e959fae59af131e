//! CloudEvents' HTTP binary mode: the attributes in `ce-*` headers (percent-encoded), the
//! payload as the body. Read into the same [`Envelope`] as structured mode, with the same
//! checks.

use axum::http::{header, HeaderMap};
use contracts_runtime::Envelope;
use serde_json::value::RawValue;

const ATTRIBUTES: [&str; 8] = [
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "dataschema",
    "subject",
    "partitionkey",
];

pub(crate) fn envelope(headers: &HeaderMap, body: &[u8]) -> Result<Envelope, String> {
    let mut attributes = serde_json::Map::new();
    for name in ATTRIBUTES {
        if let Some(value) = headers.get(format!("ce-{name}")) {
            let text = value
                .to_str()
                .map_err(|_| format!("header ce-{name} is not visible ASCII"))?;
            attributes.insert(name.into(), percent_decode(text, name)?.into());
        }
    }
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let text = content_type
            .to_str()
            .map_err(|_| "the content type is not visible ASCII".to_owned())?;
        attributes.insert("datacontenttype".into(), text.into());
    }
    let data = std::str::from_utf8(body)
        .ok()
        .and_then(|text| RawValue::from_string(text.to_owned()).ok())
        .ok_or_else(|| "the body of a binary-mode event is not JSON".to_owned())?;
    // The attributes as structured mode would carry them, with the body as `data`, through
    // the envelope's own checks.
    let mut text = serde_json::to_string(&attributes).map_err(|e| e.to_string())?;
    text.pop(); // the closing brace
    if !attributes.is_empty() {
        text.push(',');
    }
    text.push_str("\"data\":");
    text.push_str(data.get());
    text.push('}');
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// CloudEvents' HTTP binding percent-encodes what is not printable ASCII in header values.
fn percent_decode(text: &str, name: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("header ce-{name}: a `%` not followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| format!("header ce-{name} decodes to bytes that are not UTF-8"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_encoded_values_decode() {
        assert_eq!(
            super::percent_decode("caf%C3%A9 %25", "x").unwrap(),
            "café %"
        );
        assert!(super::percent_decode("100%", "x").is_err());
        assert!(super::percent_decode("%FF", "x").is_err());
    }
}
