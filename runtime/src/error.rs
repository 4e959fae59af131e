use std::fmt;

/// One reason a payload breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON Pointer into the payload (empty for the payload itself).
    pub pointer: String,
    /// What is wrong. Payload values are masked, so messages are safe to log.
    pub message: String,
}

/// Every reason a payload breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(pub Vec<Violation>);

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            let pointer = if v.pointer.is_empty() {
                "(root)"
            } else {
                &v.pointer
            };
            write!(f, "{pointer}: {}", v.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// Why a payload could not be decoded into its typed event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The payload breaks the event's schema.
    #[error("{event_type} v{version} payload is invalid: {violations}")]
    Invalid {
        /// The event type.
        event_type: &'static str,
        /// Its major version.
        version: u32,
        /// Every violation.
        violations: Violations,
    },
    /// The payload is not JSON.
    #[error("{event_type} v{version} payload is not JSON: {source}")]
    Json {
        /// The event type.
        event_type: &'static str,
        /// Its major version.
        version: u32,
        /// Where the JSON breaks.
        source: serde_json::Error,
    },
    /// The payload is valid but does not fit the Rust type (a bug in the generator if it happens).
    #[error("{event_type} v{version} payload does not fit its Rust type: {source}")]
    Type {
        /// The event type.
        event_type: &'static str,
        /// Its major version.
        version: u32,
        /// The serde error.
        source: serde_json::Error,
    },
}

/// Why a producer did not send an event. Nothing was sent when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The event breaks its schema.
    #[error("{event_type} v{version} is invalid, not sent: {violations}")]
    Invalid {
        /// The event type.
        event_type: &'static str,
        /// Its major version.
        version: u32,
        /// Every violation.
        violations: Violations,
    },
    /// The partition key pointer does not name a string in the payload.
    #[error("{event_type}: partition key {pointer} is not a string in the payload")]
    PartitionKey {
        /// The event type.
        event_type: &'static str,
        /// The pointer from `x-event.partition_key`.
        pointer: &'static str,
    },
    /// Serializing failed.
    #[error("cannot serialize the event: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The sink refused the record.
    #[error("the sink refused the record: {0}")]
    Sink(Box<dyn std::error::Error + Send + Sync>),
}

/// Why a router could not deliver a record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// The record is not a JSON envelope.
    #[error("the record is not an event envelope: {0}")]
    Envelope(serde_json::Error),
    /// The payload breaks its schema, or does not fit the type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The handler failed.
    #[error("the handler of {event_type} v{version} failed: {source}")]
    Handler {
        /// The event type.
        event_type: String,
        /// Its major version.
        version: u32,
        /// What the handler returned.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
