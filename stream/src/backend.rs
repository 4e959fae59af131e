//! What every stream backend offers, in Kinesis's terms: put a batch of records, list the
//! shards, get an iterator into a shard, read records from it.

use std::future::Future;
use std::time::SystemTime;

use crate::error::StreamError;

/// Kinesis's limit on one record: its data and its partition key together.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// Kinesis's limit on the records of one `PutRecords` call.
pub const MAX_BATCH_RECORDS: usize = 500;
/// Kinesis's limit on the bytes (data and partition keys) of one `PutRecords` call.
pub const MAX_BATCH_BYTES: usize = 5 * 1024 * 1024;
/// Kinesis's limit on the length of a partition key, in Unicode characters.
pub const MAX_PARTITION_KEY_CHARS: usize = 256;

/// A record to put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutRecord {
    /// Chooses the shard.
    pub partition_key: String,
    /// The record's bytes (a serialized CloudEvent).
    pub data: Vec<u8>,
}

impl PutRecord {
    /// What the record counts against Kinesis's limits: data and partition key.
    pub fn size(&self) -> usize {
        self.data.len() + self.partition_key.len()
    }
}

/// Where the stream put a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    /// The shard that holds it.
    pub shard_id: String,
    /// Its sequence number in that shard.
    pub sequence_number: String,
}

/// Why the stream did not take one record of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutFailure {
    /// Kinesis's error code (`ProvisionedThroughputExceededException`, `InternalFailure`...).
    pub code: String,
    /// Its message.
    pub message: String,
}

impl PutFailure {
    /// Throttling, as opposed to an internal failure: both are retried, throttling backs off.
    pub fn is_throttling(&self) -> bool {
        self.code.contains("Throughput") || self.code.contains("Throttl")
    }
}

/// A record read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Its sequence number in its shard.
    pub sequence_number: String,
    /// The partition key it was put with.
    pub partition_key: String,
    /// Its bytes.
    pub data: Vec<u8>,
    /// When the stream took it.
    pub arrival: SystemTime,
}

/// One shard of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// Its id.
    pub shard_id: String,
    /// The shard it was split from, or the first of the two it was merged from.
    pub parent: Option<String>,
    /// The second shard it was merged from.
    pub adjacent_parent: Option<String>,
    /// The first hash key it covers (128-bit, as Kinesis's decimal string).
    pub starting_hash_key: u128,
    /// The last hash key it covers.
    pub ending_hash_key: u128,
    /// Set once the shard is closed (split or merged): it takes no more records.
    pub ending_sequence_number: Option<String>,
}

impl Shard {
    /// The parents this shard's records come after.
    pub fn parents(&self) -> impl Iterator<Item = &str> {
        self.parent
            .iter()
            .chain(self.adjacent_parent.iter())
            .map(String::as_str)
    }
}

/// Where a reader starts in a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartPosition {
    /// The oldest record still kept.
    TrimHorizon,
    /// Only records put after the iterator was taken.
    Latest,
    /// The first record that arrived at or after this time.
    AtTimestamp(SystemTime),
    /// The record after this sequence number.
    AfterSequenceNumber(String),
}

/// What one read returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBatch {
    /// The records, in shard order.
    pub records: Vec<StoredRecord>,
    /// Where to read next; `None` when the shard is closed and every record was read.
    pub next_iterator: Option<String>,
    /// How far behind the tip of the shard this read is.
    pub millis_behind_latest: Option<i64>,
}

/// A stream: Kinesis or the local stream. Methods take `&self` and may be called from many
/// tasks at once.
pub trait Backend: Send + Sync + 'static {
    /// Puts records in one call. The answer has one entry per record, in order: each is put or
    /// failed on its own, as in Kinesis's `PutRecords`. `Err` when the call as a whole failed
    /// (then none was put).
    fn put_records(
        &self,
        records: Vec<PutRecord>,
    ) -> impl Future<Output = Result<Vec<Result<Ack, PutFailure>>, StreamError>> + Send;

    /// Every shard, open and closed, still holding records.
    fn list_shards(&self) -> impl Future<Output = Result<Vec<Shard>, StreamError>> + Send;

    /// An iterator into a shard.
    fn shard_iterator(
        &self,
        shard_id: &str,
        position: &StartPosition,
    ) -> impl Future<Output = Result<String, StreamError>> + Send;

    /// Up to `limit` records from an iterator. [`StreamError::ExpiredIterator`] when it expired.
    fn get_records(
        &self,
        iterator: &str,
        limit: usize,
    ) -> impl Future<Output = Result<RecordBatch, StreamError>> + Send;

    /// Whether a batch is put whole or not at all (then records of one partition key may share
    /// a batch without risking their order).
    fn atomic_batches(&self) -> bool {
        false
    }
}

/// A shared backend is a backend: a producer and a reader may use one stream.
impl<B: Backend> Backend for std::sync::Arc<B> {
    fn put_records(
        &self,
        records: Vec<PutRecord>,
    ) -> impl Future<Output = Result<Vec<Result<Ack, PutFailure>>, StreamError>> + Send {
        B::put_records(self, records)
    }

    fn list_shards(&self) -> impl Future<Output = Result<Vec<Shard>, StreamError>> + Send {
        B::list_shards(self)
    }

    fn shard_iterator(
        &self,
        shard_id: &str,
        position: &StartPosition,
    ) -> impl Future<Output = Result<String, StreamError>> + Send {
        B::shard_iterator(self, shard_id, position)
    }

    fn get_records(
        &self,
        iterator: &str,
        limit: usize,
    ) -> impl Future<Output = Result<RecordBatch, StreamError>> + Send {
        B::get_records(self, iterator, limit)
    }

    fn atomic_batches(&self) -> bool {
        B::atomic_batches(self)
    }
}

/// The shard a partition key goes to, as Kinesis chooses it: the MD5 of the key, read as a
/// 128-bit big-endian number, falls in the shard's hash-key range.
pub fn hash_key(partition_key: &str) -> u128 {
    use md5::Digest;
    u128::from_be_bytes(md5::Md5::digest(partition_key.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_keys_are_md5_as_kinesis_reads_them() {
        // md5("") = d41d8cd98f00b204e9800998ecf8427e
        assert_eq!(super::hash_key(""), 0xd41d8cd98f00b204e9800998ecf8427e_u128);
        // md5("a") = 0cc175b9c0f1b6a831c399e269772661
        assert_eq!(
            super::hash_key("a"),
            0x0cc175b9c0f1b6a831c399e269772661_u128
        );
    }
}
