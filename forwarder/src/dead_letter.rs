//! The dead-letter destination: a file of JSON lines, or a stream (a record per letter), one
//! letter per event given up on, written (synced, or acknowledged) before the subscription's
//! checkpoint moves past it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::value::RawValue;

/// One event given up on.
#[derive(Debug, Serialize)]
pub struct DeadLetter<'a> {
    /// When.
    pub time: String,
    /// The subscription that gave up.
    pub subscription: &'a str,
    /// Why: `refused` (a 4xx other than 429), `attempts` (every attempt failed), `age` (the
    /// record grew older than allowed), `not_an_event` (the record is not a CloudEvent).
    pub reason: &'static str,
    /// Deliveries tried.
    pub attempts: u32,
    /// The last HTTP status, if a response came.
    pub last_status: Option<u16>,
    /// The last response body (its first 4 KiB) or the transport error.
    pub last_response: String,
    /// Where the record is on the stream.
    pub shard_id: &'a str,
    /// Its sequence number.
    pub sequence_number: &'a str,
    /// The record as it was on the stream (the CloudEvent), or a string when it is not JSON.
    pub record: RecordJson<'a>,
}

/// The record, kept as JSON when it is JSON.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum RecordJson<'a> {
    /// The record's own JSON.
    Json(&'a RawValue),
    /// Not JSON: the bytes as (lossy) text.
    Text(String),
}

impl<'a> RecordJson<'a> {
    /// The record's bytes as JSON where they are JSON.
    pub fn of(bytes: &'a [u8]) -> Self {
        match serde_json::from_slice::<&RawValue>(bytes) {
            Ok(raw) => RecordJson::Json(raw),
            Err(_) => RecordJson::Text(String::from_utf8_lossy(bytes).into_owned()),
        }
    }
}

/// An append-only JSON Lines file shared by every subscription.
#[derive(Debug, Clone)]
pub struct DeadLetterFile {
    path: PathBuf,
    file: Arc<Mutex<std::fs::File>>,
}

impl DeadLetterFile {
    /// Opens `path` for appending, creating it (and its folder).
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(DeadLetterFile {
            path: path.to_path_buf(),
            file: Arc::new(Mutex::new(file)),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line and syncs it to disk.
    pub fn write(&self, letter: &DeadLetter<'_>) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(letter)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&line)?;
        file.sync_data()
    }
}

/// Where dead letters go.
#[derive(Debug, Clone)]
pub enum DeadLetters {
    /// A JSON Lines file.
    File(DeadLetterFile),
    /// A stream: each letter one record, keyed by the subscription, acknowledged before the
    /// checkpoint moves.
    Stream(Arc<contracts_stream::AnyStream>),
}

impl DeadLetters {
    /// Writes one letter; `Ok` once it is durable.
    pub async fn write(&self, letter: &DeadLetter<'_>) -> Result<(), String> {
        match self {
            DeadLetters::File(file) => file.write(letter).map_err(|e| {
                format!(
                    "cannot write to the dead-letter file {}: {e}",
                    file.path().display()
                )
            }),
            DeadLetters::Stream(stream) => {
                use contracts_stream::Backend;
                let data = serde_json::to_vec(letter).map_err(|e| e.to_string())?;
                let record = contracts_stream::PutRecord {
                    partition_key: letter.subscription.to_owned(),
                    data,
                };
                let mut last = String::new();
                for attempt in 0..5u32 {
                    match stream.put_records(vec![record.clone()]).await {
                        Ok(results) => match results.into_iter().next() {
                            Some(Ok(_)) => return Ok(()),
                            Some(Err(failure)) => last = format!("{failure:?}"),
                            None => last = "no result".into(),
                        },
                        Err(error) => last = error.to_string(),
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                }
                Err(format!("cannot put the dead letter on its stream: {last}"))
            }
        }
    }
}
