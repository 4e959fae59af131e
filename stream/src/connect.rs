//! From the configuration to a connected stream and checkpoint store, whichever backends it
//! names: [`StreamConfig::connect`], [`StreamConfig::checkpoints`] and the enums over the
//! backends.

use std::path::Path;

use crate::backend::{Ack, Backend, PutFailure, PutRecord, RecordBatch, Shard, StartPosition};
use crate::checkpoint::{Checkpoint, CheckpointStore, SqliteCheckpoints};
use crate::config::{BackendKind, CheckpointBackend, StreamConfig};
use crate::error::StreamError;
use crate::local::LocalStream;

impl StreamConfig {
    /// Opens the configured stream.
    pub async fn connect(&self) -> Result<AnyStream, StreamError> {
        match self.backend {
            BackendKind::Local => Ok(AnyStream::Local(LocalStream::open(
                &self.local.path,
                &self.local_options(),
            )?)),
            #[cfg(feature = "kinesis")]
            BackendKind::Kinesis => Ok(AnyStream::Kinesis(
                crate::kinesis::KinesisStream::connect(&self.kinesis).await?,
            )),
            #[cfg(not(feature = "kinesis"))]
            BackendKind::Kinesis => Err(StreamError::Config {
                origin: self.origin.clone(),
                message: "backend = \"kinesis\", but contracts-stream was built without its \
                          `kinesis` feature"
                    .into(),
            }),
        }
    }

    /// Opens the configured checkpoint store.
    /// The configured checkpoint store: the SQLite file, or the DynamoDB table.
    pub async fn checkpoints(&self) -> Result<AnyCheckpoints, StreamError> {
        match self.checkpoints.backend {
            CheckpointBackend::Sqlite => Ok(AnyCheckpoints::Sqlite(self.checkpoint_store()?)),
            #[cfg(feature = "dynamodb")]
            CheckpointBackend::Dynamodb => {
                let table = self
                    .checkpoints
                    .table
                    .clone()
                    .ok_or_else(|| StreamError::Config {
                        origin: self.origin.clone(),
                        message: "checkpoints.table: required with backend = \"dynamodb\"".into(),
                    })?;
                Ok(AnyCheckpoints::Dynamodb(
                    crate::dynamodb::DynamoCheckpoints::connect(
                        table,
                        self.checkpoints.region.clone(),
                        self.checkpoints.endpoint_url.clone(),
                    )
                    .await,
                ))
            }
            #[cfg(not(feature = "dynamodb"))]
            CheckpointBackend::Dynamodb => Err(StreamError::Config {
                origin: self.origin.clone(),
                message:
                    "checkpoints.backend = \"dynamodb\" needs contracts-stream's `dynamodb` feature"
                        .into(),
            }),
        }
    }

    /// The SQLite checkpoint store (`[checkpoints] path`).
    pub fn checkpoint_store(&self) -> Result<SqliteCheckpoints, StreamError> {
        let path = match &self.checkpoints.path {
            Some(path) => path.clone(),
            None => self
                .local
                .path
                .parent()
                .unwrap_or(Path::new(""))
                .join("checkpoints.db"),
        };
        SqliteCheckpoints::open(path)
    }
}

/// The configured checkpoint store, whichever backend it is.
#[derive(Debug)]
#[non_exhaustive]
pub enum AnyCheckpoints {
    /// A SQLite file.
    Sqlite(SqliteCheckpoints),
    /// A DynamoDB table.
    #[cfg(feature = "dynamodb")]
    Dynamodb(crate::dynamodb::DynamoCheckpoints),
}

impl CheckpointStore for AnyCheckpoints {
    async fn load(&self, reader: &str, shard_id: &str) -> Result<Option<Checkpoint>, StreamError> {
        match self {
            AnyCheckpoints::Sqlite(store) => store.load(reader, shard_id).await,
            #[cfg(feature = "dynamodb")]
            AnyCheckpoints::Dynamodb(store) => store.load(reader, shard_id).await,
        }
    }

    async fn save(
        &self,
        reader: &str,
        shard_id: &str,
        checkpoint: &Checkpoint,
    ) -> Result<(), StreamError> {
        match self {
            AnyCheckpoints::Sqlite(store) => store.save(reader, shard_id, checkpoint).await,
            #[cfg(feature = "dynamodb")]
            AnyCheckpoints::Dynamodb(store) => store.save(reader, shard_id, checkpoint).await,
        }
    }
}

/// The configured stream, whichever backend it is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AnyStream {
    /// The local stream.
    Local(LocalStream),
    /// A Kinesis stream.
    #[cfg(feature = "kinesis")]
    Kinesis(crate::kinesis::KinesisStream),
}

macro_rules! each_backend {
    ($self:ident, $stream:ident => $call:expr) => {
        match $self {
            AnyStream::Local($stream) => $call,
            #[cfg(feature = "kinesis")]
            AnyStream::Kinesis($stream) => $call,
        }
    };
}

impl Backend for AnyStream {
    async fn put_records(
        &self,
        records: Vec<PutRecord>,
    ) -> Result<Vec<Result<Ack, PutFailure>>, StreamError> {
        each_backend!(self, stream => stream.put_records(records).await)
    }

    async fn list_shards(&self) -> Result<Vec<Shard>, StreamError> {
        each_backend!(self, stream => stream.list_shards().await)
    }

    async fn shard_iterator(
        &self,
        shard_id: &str,
        position: &StartPosition,
    ) -> Result<String, StreamError> {
        each_backend!(self, stream => stream.shard_iterator(shard_id, position).await)
    }

    async fn get_records(&self, iterator: &str, limit: usize) -> Result<RecordBatch, StreamError> {
        each_backend!(self, stream => stream.get_records(iterator, limit).await)
    }

    fn atomic_batches(&self) -> bool {
        each_backend!(self, stream => stream.atomic_batches())
    }
}
