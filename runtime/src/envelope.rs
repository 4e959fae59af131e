use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// What travels on the stream: the payload with its type, version and provenance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique id of this event (a UUID v4 when sent by [`crate::Producer`]).
    pub id: String,
    /// `<domain>.<event>`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Major version of the payload schema.
    pub version: u32,
    /// Who sent it: the registry's `source` or the producer's own.
    pub source: String,
    /// When it was sent, RFC 3339.
    pub time: chrono::DateTime<chrono::Utc>,
    /// The partition key the record was put with.
    pub partition_key: String,
    /// The payload, as the producer encoded it: consumers decode it straight into their type.
    pub data: Box<RawValue>,
}

impl PartialEq for Envelope {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.event_type == other.event_type
            && self.version == other.version
            && self.source == other.source
            && self.time == other.time
            && self.partition_key == other.partition_key
            && self.data.get() == other.data.get()
    }
}
