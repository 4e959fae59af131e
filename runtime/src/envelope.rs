//! The envelope events travel in: a CloudEvents 1.0 event in the JSON format (structured mode).
//!
//! On the wire: `specversion` `1.0`, `id`, `source`, `type` = `<domain>.<event>.v<N>`, `time`,
//! `datacontenttype` `application/json`, `dataschema`, optional `subject`, the partition key in
//! the `partitionkey` attribute of the CloudEvents Partitioning extension, and `data` as the
//! payload's own JSON, kept raw so a consumer decodes it straight into its type.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The CloudEvents version of every envelope.
pub const SPEC_VERSION: &str = "1.0";
/// The content type of every payload.
pub const DATA_CONTENT_TYPE: &str = "application/json";

/// What travels on the stream: the payload with its type, version and provenance.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Unique id of this event (a UUID v4 when sent by [`crate::Producer`]).
    pub id: String,
    /// `<domain>.<event>` (the CloudEvents `type` without its `.v<N>` suffix).
    pub event_type: String,
    /// Major version of the payload schema (the `.v<N>` suffix of the CloudEvents `type`).
    pub version: u32,
    /// Who sent it: the registry's `source` or the producer's own (a URI reference).
    pub source: String,
    /// When it was sent.
    pub time: Option<chrono::DateTime<chrono::Utc>>,
    /// The schema of the payload, a URI: `urn:event-contracts:<domain>.<event>:v<N>` when
    /// sent by [`crate::Producer`].
    pub dataschema: Option<String>,
    /// What the event is about, when the producer said.
    pub subject: Option<String>,
    /// The partition key the record was put with (CloudEvents Partitioning extension).
    pub partition_key: String,
    /// The payload, as the producer encoded it: consumers decode it straight into their type.
    pub data: Box<RawValue>,
}

impl Envelope {
    /// The CloudEvents `type`: `<domain>.<event>.v<N>`.
    pub fn cloudevents_type(&self) -> String {
        format!("{}.v{}", self.event_type, self.version)
    }

    /// The `dataschema` [`crate::Producer`] writes for an event type and version.
    pub fn schema_uri(event_type: &str, version: u32) -> String {
        format!("urn:event-contracts:{event_type}:v{version}")
    }

    /// Splits a CloudEvents `type` `<domain>.<event>.v<N>` into `(<domain>.<event>, N)`.
    pub fn split_type(cloudevents_type: &str) -> Option<(&str, u32)> {
        let (name, version) = cloudevents_type.rsplit_once(".v")?;
        let digits_only = !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit());
        let version: u32 = version.parse().ok().filter(|_| digits_only)?;
        (!name.is_empty() && version > 0).then_some((name, version))
    }
}

impl PartialEq for Envelope {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.event_type == other.event_type
            && self.version == other.version
            && self.source == other.source
            && self.time == other.time
            && self.dataschema == other.dataschema
            && self.subject == other.subject
            && self.partition_key == other.partition_key
            && self.data.get() == other.data.get()
    }
}

#[derive(Serialize)]
struct WireOut<'a> {
    specversion: &'static str,
    id: &'a str,
    source: &'a str,
    #[serde(rename = "type")]
    cloudevents_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    datacontenttype: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dataschema: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    partitionkey: &'a str,
    data: &'a RawValue,
}

impl Serialize for Envelope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireOut {
            specversion: SPEC_VERSION,
            id: &self.id,
            source: &self.source,
            cloudevents_type: self.cloudevents_type(),
            time: self
                .time
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            datacontenttype: DATA_CONTENT_TYPE,
            dataschema: self.dataschema.as_deref(),
            subject: self.subject.as_deref(),
            partitionkey: &self.partition_key,
            data: &self.data,
        }
        .serialize(serializer)
    }
}

/// Every attribute is read as it comes; [`Envelope`]'s `Deserialize` says what is missing or
/// wrong. Extension attributes other than `partitionkey` are ignored.
#[derive(Deserialize)]
struct WireIn {
    specversion: Option<String>,
    id: Option<String>,
    source: Option<String>,
    #[serde(rename = "type")]
    cloudevents_type: Option<String>,
    time: Option<String>,
    datacontenttype: Option<String>,
    dataschema: Option<String>,
    subject: Option<String>,
    partitionkey: Option<String>,
    data: Option<Box<RawValue>>,
    data_base64: Option<serde::de::IgnoredAny>,
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireIn::deserialize(deserializer)?;
        let missing = |attribute: &str| {
            D::Error::custom(format_args!(
                "not a CloudEvents 1.0 event: the required attribute `{attribute}` is missing"
            ))
        };
        let specversion = wire.specversion.ok_or_else(|| missing("specversion"))?;
        if specversion != SPEC_VERSION {
            return Err(D::Error::custom(format_args!(
                "unsupported CloudEvents specversion `{specversion}` (only 1.0 is read)"
            )));
        }
        let id = wire
            .id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("id"))?;
        let source = wire
            .source
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("source"))?;
        let cloudevents_type = wire.cloudevents_type.ok_or_else(|| missing("type"))?;
        let (event_type, version) = Envelope::split_type(&cloudevents_type).ok_or_else(|| {
            D::Error::custom(format_args!(
                "event {id}: type `{cloudevents_type}` is not `<domain>.<event>.v<N>`"
            ))
        })?;
        if let Some(content_type) = &wire.datacontenttype {
            let essence = content_type.split(';').next().unwrap_or("").trim();
            if !essence.eq_ignore_ascii_case(DATA_CONTENT_TYPE) {
                return Err(D::Error::custom(format_args!(
                    "event {id}: datacontenttype `{content_type}` is not {DATA_CONTENT_TYPE}"
                )));
            }
        }
        let time = match wire.time {
            None => None,
            Some(text) => Some(
                chrono::DateTime::parse_from_rfc3339(&text)
                    .map_err(|e| {
                        D::Error::custom(format_args!(
                            "event {id}: time `{text}` is not an RFC 3339 timestamp: {e}"
                        ))
                    })?
                    .with_timezone(&chrono::Utc),
            ),
        };
        let partition_key = wire.partitionkey.ok_or_else(|| {
            D::Error::custom(format_args!(
                "event {id}: the partitionkey extension attribute is missing"
            ))
        })?;
        let data = match (wire.data, wire.data_base64) {
            (Some(data), _) => data,
            (None, Some(_)) => {
                return Err(D::Error::custom(format_args!(
                    "event {id}: data_base64 is not read, the payload must be JSON in `data`"
                )))
            }
            (None, None) => return Err(missing("data")),
        };
        Ok(Envelope {
            event_type: event_type.to_owned(),
            version,
            id,
            source,
            time,
            dataschema: wire.dataschema,
            subject: wire.subject,
            partition_key,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_split_only_with_a_positive_version() {
        assert_eq!(
            Envelope::split_type("orders.order_placed.v2"),
            Some(("orders.order_placed", 2))
        );
        assert_eq!(Envelope::split_type("a.b.v10"), Some(("a.b", 10)));
        for bad in [
            "orders.order_placed",
            "x.v0",
            ".v1",
            "a.v+1",
            "a.v1x",
            "a.v",
            "v1",
        ] {
            assert_eq!(Envelope::split_type(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_records_are_named_clearly() {
        let cases = [
            (r#"{"id":"1"}"#, "`specversion` is missing"),
            (
                r#"{"specversion":"0.3","id":"1","source":"s","type":"a.b.v1"}"#,
                "specversion `0.3`",
            ),
            (
                r#"{"specversion":"1.0","id":"1","source":"s","type":"a.b","partitionkey":"k","data":{}}"#,
                "type `a.b` is not",
            ),
            (
                r#"{"specversion":"1.0","id":"1","source":"s","type":"a.b.v1","data":{}}"#,
                "partitionkey",
            ),
            (
                r#"{"specversion":"1.0","id":"1","source":"s","type":"a.b.v1","partitionkey":"k","datacontenttype":"text/xml","data":{}}"#,
                "text/xml",
            ),
            (
                r#"{"specversion":"1.0","id":"1","source":"s","type":"a.b.v1","partitionkey":"k","data_base64":"e30="}"#,
                "data_base64",
            ),
            (
                r#"{"specversion":"1.0","id":"1","source":"s","type":"a.b.v1","partitionkey":"k","time":"yesterday","data":{}}"#,
                "RFC 3339",
            ),
        ];
        for (record, expected) in cases {
            let err = serde_json::from_str::<Envelope>(record).unwrap_err();
            assert!(err.to_string().contains(expected), "{record}: {err}");
        }
    }

    #[test]
    fn the_wire_form_round_trips() {
        let envelope = Envelope {
            id: "e1".into(),
            event_type: "orders.order_placed".into(),
            version: 2,
            source: "shop".into(),
            time: Some(chrono::Utc::now()),
            dataschema: Some(Envelope::schema_uri("orders.order_placed", 2)),
            subject: None,
            partition_key: "k1".into(),
            data: RawValue::from_string(r#"{"a": [1, 2]}"#.into()).unwrap(),
        };
        let bytes = serde_json::to_vec(&envelope).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(
            text.contains(r#""type":"orders.order_placed.v2""#),
            "{text}"
        );
        assert!(text.contains(r#""specversion":"1.0""#), "{text}");
        assert!(
            text.contains(r#""data":{"a": [1, 2]}"#),
            "data kept raw: {text}"
        );
        let back: Envelope = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, envelope);
    }
}
