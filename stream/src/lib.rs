//! The bus: typed events on AWS Kinesis or on an embedded local stream.
//!
//! - [`Backend`]: what a stream offers, in Kinesis's terms; [`LocalStream`] (one SQLite file,
//!   the default) and, with the `kinesis` feature, `KinesisStream`.
//! - [`Producer`]: validated, enveloped (CloudEvents 1.0), batched, retried in order per
//!   partition key; `send` resolves when the stream acknowledged the record.
//! - [`Reader`]: the reading core (shards, iterators, resharding, checkpoints), and
//!   [`Consumer`], which feeds it to a generated `Router`.
//! - [`StreamConfig`]: which stream, from a TOML file or the environment, never from code.
#![deny(missing_docs)]

mod backend;
mod checkpoint;
mod config;
mod connect;
mod consumer;
#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "emulator")]
pub mod emulator;
mod error;
#[cfg(feature = "kinesis")]
mod kinesis;
pub mod local;
mod producer;
mod reader;

pub use backend::{
    hash_key, Ack, Backend, PutFailure, PutRecord, RecordBatch, Shard, StartPosition, StoredRecord,
    MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_PARTITION_KEY_CHARS, MAX_RECORD_BYTES,
};
pub use checkpoint::{Checkpoint, CheckpointStore, SqliteCheckpoints};
pub use config::{
    BackendKind, CheckpointBackend, CheckpointsConfig, KinesisConfig, LocalConfig, StreamConfig,
};
pub use connect::{AnyCheckpoints, AnyStream};
pub use consumer::{Consumer, ConsumerOptions, FailurePolicy, Problem, Report};
#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoCheckpoints;
pub use error::{ReadError, SendError, StreamError};
#[cfg(feature = "kinesis")]
pub use kinesis::KinesisStream;
pub use local::{LocalOptions, LocalStream};
pub use producer::{
    BlockingProducer, Delivery, PendingAck, PendingDelivery, Producer, ProducerOptions,
};
pub use reader::{
    handle_in_order, stop_signal, BatchOutcome, Reader, ReaderOptions, RecordHandler, StopSignal,
    Stopper,
};
