use std::sync::Mutex;

use crate::envelope::Envelope;
use crate::error::SendError;
use crate::event::Event;
use crate::native;
use serde_json::value::RawValue;

/// A record as it is put on the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Kinesis partition key.
    pub partition_key: String,
    /// The serialized [`Envelope`]: a CloudEvents 1.0 event in the JSON format.
    pub data: Vec<u8>,
}

impl Record {
    /// Validates `event` against its schema, wraps it in a new [`Envelope`] from `source` and
    /// serializes it: the record to put on the stream, and the envelope it carries.
    pub fn from_event<E: Event>(source: &str, event: &E) -> Result<(Record, Envelope), SendError> {
        let data = event.encode().map_err(|violations| SendError::Invalid {
            event_type: E::EVENT_TYPE,
            version: E::MAJOR_VERSION,
            violations,
        })?;
        let partition_key =
            native::string_at(&data, E::PARTITION_KEY).ok_or(SendError::PartitionKey {
                event_type: E::EVENT_TYPE,
                pointer: E::PARTITION_KEY,
            })?;
        let data = String::from_utf8(data)
            .ok()
            .and_then(|json| RawValue::from_string(json).ok())
            .ok_or_else(|| SendError::Serialize(serde::ser::Error::custom("not UTF-8 JSON")))?;
        let envelope = Envelope {
            id: uuid::Uuid::new_v4().to_string(),
            event_type: E::EVENT_TYPE.to_owned(),
            version: E::MAJOR_VERSION,
            source: source.to_owned(),
            time: Some(chrono::Utc::now()),
            dataschema: Some(Envelope::schema_uri(E::EVENT_TYPE, E::MAJOR_VERSION)),
            subject: None,
            partition_key: partition_key.clone(),
            data,
        };
        let bytes = serde_json::to_vec(&envelope)?;
        Ok((
            Record {
                partition_key,
                data: bytes,
            },
            envelope,
        ))
    }
}

/// Where a producer puts records: the stream client, or memory in tests.
pub trait Sink {
    /// Puts one record.
    fn put(&self, record: Record) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// Keeps records in memory, in the order they were put.
#[derive(Debug, Default)]
pub struct MemorySink(Mutex<Vec<Record>>);

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        MemorySink::default()
    }

    /// Every record put so far.
    pub fn records(&self) -> Vec<Record> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Sink for MemorySink {
    fn put(&self, record: Record) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
        Ok(())
    }
}

/// Sends typed events. Each event is validated against its schema before anything leaves the
/// process: an invalid event is an error, never a record.
#[derive(Debug)]
pub struct Producer<S> {
    source: String,
    sink: S,
}

impl<S: Sink> Producer<S> {
    /// A producer that writes `source` into every envelope.
    pub fn new(source: impl Into<String>, sink: S) -> Self {
        Producer {
            source: source.into(),
            sink,
        }
    }

    /// The sink records go to.
    pub fn sink(&self) -> &S {
        &self.sink
    }

    /// Validates, wraps in an [`Envelope`] and puts the event. Returns the envelope sent.
    pub fn send<E: Event>(&self, event: &E) -> Result<Envelope, SendError> {
        let (record, envelope) = Record::from_event(&self.source, event)?;
        self.sink.put(record).map_err(SendError::Sink)?;
        Ok(envelope)
    }
}
