use std::path::PathBuf;

/// Why a stream call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The configuration is missing or wrong.
    #[error("{}: {message}", origin.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "configuration".into()))]
    Config {
        /// The configuration file, when the mistake is in one.
        origin: Option<PathBuf>,
        /// What is wrong, naming the key.
        message: String,
    },
    /// The local stream's database failed.
    #[error("local stream {path}: {source}")]
    Local {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A shard iterator expired (Kinesis's last five minutes): take a new one.
    #[error("the shard iterator expired")]
    ExpiredIterator,
    /// The shard, stream or iterator named does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The stream throttled the call: retry later.
    #[error("throttled: {0}")]
    Throttled(String),
    /// The stream answered with an error.
    #[error("{operation} failed: {message}")]
    Service {
        /// The API operation.
        operation: &'static str,
        /// The error, as the service or the SDK said it.
        message: String,
    },
    /// The stream refused the call: retrying the same call cannot help.
    #[error("{operation} refused: {message}")]
    Refused {
        /// The API operation.
        operation: &'static str,
        /// The error, as the service said it.
        message: String,
    },
    /// A blocking task of the local stream could not run.
    #[error("the local stream's worker stopped: {0}")]
    Worker(String),
    /// Another reader under the same name advanced this shard's checkpoint since this one
    /// read it: two readers (two forwarders on one subscription) must not both advance it.
    #[error("the checkpoint of {reader} in {shard_id} was advanced by another reader under the same name; this one stops")]
    CheckpointTaken {
        /// The reader's name.
        reader: String,
        /// The shard.
        shard_id: String,
    },
}

impl StreamError {
    /// Whether calling again may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            StreamError::Throttled(_) | StreamError::Service { .. } => true,
            StreamError::Local { source, .. } => matches!(
                source.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            _ => false,
        }
    }
}

/// Why an event was not put on the stream. The caller of `send` is always told.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The event was refused before anything was sent: invalid payload, no partition key.
    #[error(transparent)]
    Refused(#[from] contracts_runtime::SendError),
    /// The record is over Kinesis's 1 MiB limit; nothing was sent.
    #[error("{event_type} v{version} is {size} bytes with its partition key, over the {limit}-byte record limit; not sent")]
    TooLarge {
        /// The event type.
        event_type: String,
        /// Its major version.
        version: u32,
        /// Record data and partition key, in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The partition key is empty or longer than 256 characters.
    #[error("{event_type}: partition key of {chars} characters; Kinesis takes 1 to 256")]
    PartitionKeyLength {
        /// The event type.
        event_type: String,
        /// Its length in characters.
        chars: usize,
    },
    /// The stream refused the record on every attempt.
    #[error("the stream did not take the record after {attempts} attempts: {code}: {message}")]
    Failed {
        /// How many times it was put.
        attempts: u32,
        /// The last error code.
        code: String,
        /// The last message.
        message: String,
    },
    /// The call failed as a whole on every attempt.
    #[error("the stream failed after {attempts} attempts: {source}")]
    Stream {
        /// How many times it was tried.
        attempts: u32,
        /// The last error.
        source: StreamError,
    },
    /// The producer was shut down before the record could be sent.
    #[error("the producer is shut down; the record was not sent")]
    Closed,
}

/// Why a reader stopped before it was asked to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The stream or the checkpoint store failed, not transiently.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The record handler asked to stop at a record; its checkpoint is before that record, so
    /// a restart reads it again.
    #[error("stopped at shard {shard_id}, sequence number {sequence_number}: {reason}")]
    Stopped {
        /// The shard.
        shard_id: String,
        /// The record it stopped at.
        sequence_number: String,
        /// Why.
        reason: String,
    },
    /// A shard's reading task ended abnormally.
    #[error("the reader of shard {shard_id} failed: {message}")]
    Task {
        /// The shard.
        shard_id: String,
        /// What happened.
        message: String,
    },
}
