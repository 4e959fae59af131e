//! The local stream: a durable stream in one SQLite file (WAL mode), for a laptop with no cloud
//! account and for tests. It behaves as Kinesis does where a module can tell: records go to
//! the shard whose hash-key range holds the MD5 of their partition key, sequence numbers
//! increase per shard, records older than the retention period are gone, shards split.
//!
//! Several processes may produce and read at once: each batch is one SQLite transaction, so a
//! process killed in the middle of a batch leaves every record of it whole or absent.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::backend::{
    hash_key, Ack, Backend, PutFailure, PutRecord, RecordBatch, Shard, StartPosition, StoredRecord,
};
use crate::error::StreamError;

/// How the local stream is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalOptions {
    /// Shards a new stream starts with.
    pub shards: u32,
    /// How long records are kept.
    pub retention: Duration,
}

impl Default for LocalOptions {
    fn default() -> Self {
        LocalOptions {
            shards: 4,
            retention: Duration::from_secs(24 * 3600),
        }
    }
}

/// A stream in one SQLite file. Cheap to clone; every clone shares the connections.
#[derive(Clone)]
pub struct LocalStream {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LocalStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStream")
            .field("path", &self.inner.path)
            .finish()
    }
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    retention: Duration,
    last_purge: Mutex<Instant>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS shards (
    shard_id TEXT PRIMARY KEY,
    ordinal INTEGER NOT NULL,
    parent TEXT,
    adjacent_parent TEXT,
    starting_hash_key TEXT NOT NULL,
    ending_hash_key TEXT NOT NULL,
    ending_sequence INTEGER,
    next_sequence INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    shard_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    partition_key TEXT NOT NULL,
    data BLOB NOT NULL,
    arrival_ms INTEGER NOT NULL,
    PRIMARY KEY (shard_id, sequence)
) WITHOUT ROWID;
";

/// How often old records are deleted, at most.
const PURGE_EVERY: Duration = Duration::from_secs(30);

impl LocalStream {
    /// Opens the stream in `path`, creating the file (and its folder) with `options.shards`
    /// shards when it does not exist. Another process may have it open too.
    pub fn open(path: impl AsRef<Path>, options: &LocalOptions) -> Result<Self, StreamError> {
        let path = path.as_ref().to_path_buf();
        if options.shards == 0 {
            return Err(StreamError::Config {
                origin: None,
                message: "local.shards must be at least 1".into(),
            });
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StreamError::Config {
                origin: Some(path.clone()),
                message: format!("cannot create the folder of the local stream: {e}"),
            })?;
        }
        let sql = |source| StreamError::Local {
            path: path.clone(),
            source,
        };
        let mut writer = connect(&path).map_err(sql)?;
        writer.execute_batch(SCHEMA).map_err(sql)?;
        create_shards(&mut writer, options.shards).map_err(sql)?;
        let reader = connect(&path).map_err(sql)?;
        Ok(LocalStream {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                reader: Mutex::new(reader),
                retention: options.retention,
                last_purge: Mutex::new(Instant::now() - PURGE_EVERY),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Splits an open shard at `new_starting_hash_key`, as Kinesis's `SplitShard`: the shard is
    /// closed and two children take its range, the second from the key given.
    pub async fn split_shard(
        &self,
        shard_id: &str,
        new_starting_hash_key: u128,
    ) -> Result<(), StreamError> {
        let shard_id = shard_id.to_owned();
        self.blocking(move |inner| inner.split_shard(&shard_id, new_starting_hash_key))
            .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Inner) -> Result<T, StreamError> + Send + 'static,
    ) -> Result<T, StreamError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || work(&inner))
            .await
            .map_err(|e| StreamError::Worker(e.to_string()))?
    }
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(Duration::from_secs(10))?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    // WAL with NORMAL: a committed batch survives the process being killed; only a power
    // loss may take back the last commits.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(connection)
}

/// Creates the first shards, evenly over the hash-key space, unless another process did.
fn create_shards(connection: &mut Connection, count: u32) -> rusqlite::Result<()> {
    // The write lock first, so two processes opening a new file do not both create shards.
    let connection_tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let existing: i64 = connection_tx.query_row("SELECT count(*) FROM shards", [], |r| r.get(0))?;
    if existing == 0 {
        let width = u128::MAX / u128::from(count);
        for ordinal in 0..count {
            let start = width * u128::from(ordinal);
            let end = if ordinal + 1 == count {
                u128::MAX
            } else {
                start + width - 1
            };
            connection_tx.execute(
                "INSERT INTO shards (shard_id, ordinal, starting_hash_key, ending_hash_key, next_sequence)
                 VALUES (?1, ?2, ?3, ?4, 1)",
                params![shard_name(ordinal), ordinal, start.to_string(), end.to_string()],
            )?;
        }
    }
    connection_tx.commit()
}

fn shard_name(ordinal: u32) -> String {
    format!("shardId-{ordinal:012}")
}

fn sequence_text(sequence: i64) -> String {
    format!("{sequence:020}")
}

fn now_ms() -> i64 {
    millis(SystemTime::now())
}

fn millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// An open shard, as a batch sees it.
struct OpenShard {
    shard_id: String,
    start: u128,
    end: u128,
    next_sequence: i64,
}

fn parse_hash(text: &str) -> rusqlite::Result<u128> {
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl Inner {
    fn sql(&self) -> impl Fn(rusqlite::Error) -> StreamError + '_ {
        move |source| StreamError::Local {
            path: self.path.clone(),
            source,
        }
    }

    fn put_records(&self, records: &[PutRecord]) -> Result<Vec<Ack>, StreamError> {
        let sql = self.sql();
        let mut connection = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let mut shards = {
            let mut statement = tx
                .prepare_cached(
                    "SELECT shard_id, starting_hash_key, ending_hash_key, next_sequence
                     FROM shards WHERE ending_sequence IS NULL",
                )
                .map_err(&sql)?;
            let rows = statement
                .query_map([], |row| {
                    Ok(OpenShard {
                        shard_id: row.get(0)?,
                        start: parse_hash(&row.get::<_, String>(1)?)?,
                        end: parse_hash(&row.get::<_, String>(2)?)?,
                        next_sequence: row.get(3)?,
                    })
                })
                .map_err(&sql)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(&sql)?
        };
        let arrival = now_ms();
        let mut acks = Vec::with_capacity(records.len());
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO records (shard_id, sequence, partition_key, data, arrival_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(&sql)?;
            for record in records {
                let key = hash_key(&record.partition_key);
                let shard = shards
                    .iter_mut()
                    .find(|s| s.start <= key && key <= s.end)
                    .ok_or_else(|| {
                        StreamError::NotFound(format!("no open shard for hash key {key}"))
                    })?;
                let sequence = shard.next_sequence;
                shard.next_sequence += 1;
                insert
                    .execute(params![
                        shard.shard_id,
                        sequence,
                        record.partition_key,
                        record.data,
                        arrival
                    ])
                    .map_err(&sql)?;
                acks.push(Ack {
                    shard_id: shard.shard_id.clone(),
                    sequence_number: sequence_text(sequence),
                });
            }
            let mut update = tx
                .prepare_cached("UPDATE shards SET next_sequence = ?2 WHERE shard_id = ?1")
                .map_err(&sql)?;
            for shard in &shards {
                update
                    .execute(params![shard.shard_id, shard.next_sequence])
                    .map_err(&sql)?;
            }
        }
        self.purge_if_due(&tx, arrival).map_err(&sql)?;
        tx.commit().map_err(&sql)?;
        Ok(acks)
    }

    fn purge_if_due(&self, tx: &rusqlite::Transaction<'_>, now: i64) -> rusqlite::Result<()> {
        let mut last = self.last_purge.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() < PURGE_EVERY {
            return Ok(());
        }
        *last = Instant::now();
        tx.execute(
            "DELETE FROM records WHERE arrival_ms < ?1",
            params![self.cutoff(now)],
        )?;
        Ok(())
    }

    fn cutoff(&self, now: i64) -> i64 {
        now.saturating_sub(i64::try_from(self.retention.as_millis()).unwrap_or(i64::MAX))
    }

    fn list_shards(&self) -> Result<Vec<Shard>, StreamError> {
        let sql = self.sql();
        let connection = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let mut statement = connection
            .prepare_cached(
                "SELECT shard_id, parent, adjacent_parent, starting_hash_key, ending_hash_key,
                        ending_sequence
                 FROM shards ORDER BY ordinal",
            )
            .map_err(&sql)?;
        let rows = statement
            .query_map([], |row| {
                Ok(Shard {
                    shard_id: row.get(0)?,
                    parent: row.get(1)?,
                    adjacent_parent: row.get(2)?,
                    starting_hash_key: parse_hash(&row.get::<_, String>(3)?)?,
                    ending_hash_key: parse_hash(&row.get::<_, String>(4)?)?,
                    ending_sequence_number: row.get::<_, Option<i64>>(5)?.map(sequence_text),
                })
            })
            .map_err(&sql)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&sql)
    }

    fn shard_iterator(
        &self,
        shard_id: &str,
        position: &StartPosition,
    ) -> Result<String, StreamError> {
        let sql = self.sql();
        let connection = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let next_sequence: i64 = connection
            .query_row(
                "SELECT next_sequence FROM shards WHERE shard_id = ?1",
                [shard_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(&sql)?
            .ok_or_else(|| StreamError::NotFound(format!("shard {shard_id}")))?;
        let after = match position {
            StartPosition::TrimHorizon => 0,
            StartPosition::Latest => next_sequence - 1,
            StartPosition::AfterSequenceNumber(text) => text.parse::<i64>().map_err(|_| {
                StreamError::NotFound(format!("sequence number `{text}` in shard {shard_id}"))
            })?,
            StartPosition::AtTimestamp(time) => {
                let first: Option<i64> = connection
                    .query_row(
                        "SELECT min(sequence) FROM records WHERE shard_id = ?1 AND arrival_ms >= ?2",
                        params![shard_id, millis(*time)],
                        |row| row.get(0),
                    )
                    .map_err(&sql)?;
                first.map_or(next_sequence - 1, |s| s - 1)
            }
        };
        Ok(format!("{shard_id}/{after}"))
    }

    fn get_records(&self, iterator: &str, limit: usize) -> Result<RecordBatch, StreamError> {
        let sql = self.sql();
        let (shard_id, after) = iterator
            .rsplit_once('/')
            .and_then(|(shard, after)| Some((shard, after.parse::<i64>().ok()?)))
            .ok_or_else(|| StreamError::NotFound(format!("shard iterator `{iterator}`")))?;
        let connection = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let ending: Option<Option<i64>> = connection
            .query_row(
                "SELECT ending_sequence FROM shards WHERE shard_id = ?1",
                [shard_id],
                |row| row.get(0),
            )
            .optional()
            .map_err(&sql)?;
        let ending = ending.ok_or_else(|| StreamError::NotFound(format!("shard {shard_id}")))?;
        let now = now_ms();
        let mut statement = connection
            .prepare_cached(
                "SELECT sequence, partition_key, data, arrival_ms FROM records
                 WHERE shard_id = ?1 AND sequence > ?2 AND arrival_ms >= ?3
                 ORDER BY sequence LIMIT ?4",
            )
            .map_err(&sql)?;
        let limit = i64::try_from(limit.clamp(1, 10_000)).unwrap_or(10_000);
        let mut last = after;
        let mut last_arrival = now;
        let records = statement
            .query_map(params![shard_id, after, self.cutoff(now), limit], |row| {
                let sequence: i64 = row.get(0)?;
                let arrival: i64 = row.get(3)?;
                Ok(StoredRecord {
                    sequence_number: sequence_text(sequence),
                    partition_key: row.get(1)?,
                    data: row.get(2)?,
                    arrival: UNIX_EPOCH
                        + Duration::from_millis(u64::try_from(arrival).unwrap_or(0)),
                })
                .map(|record| (sequence, arrival, record))
            })
            .map_err(&sql)?
            .map(|row| {
                row.map(|(sequence, arrival, record)| {
                    last = sequence;
                    last_arrival = arrival;
                    record
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(&sql)?;
        let finished = ending.is_some_and(|end| last >= end);
        Ok(RecordBatch {
            next_iterator: (!finished).then(|| format!("{shard_id}/{last}")),
            millis_behind_latest: Some(if records.is_empty() {
                0
            } else {
                (now - last_arrival).max(0)
            }),
            records,
        })
    }

    fn split_shard(&self, shard_id: &str, new_starting_hash_key: u128) -> Result<(), StreamError> {
        let sql = self.sql();
        let mut connection = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let shard: Option<(String, String, Option<i64>, i64)> = tx
            .query_row(
                "SELECT starting_hash_key, ending_hash_key, ending_sequence, next_sequence
                 FROM shards WHERE shard_id = ?1",
                [shard_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()
            .map_err(&sql)?;
        let (start, end, ending, next_sequence) =
            shard.ok_or_else(|| StreamError::NotFound(format!("shard {shard_id}")))?;
        let (start, end) = (
            parse_hash(&start).map_err(&sql)?,
            parse_hash(&end).map_err(&sql)?,
        );
        if ending.is_some() {
            return Err(StreamError::Service {
                operation: "SplitShard",
                message: format!("shard {shard_id} is closed"),
            });
        }
        if new_starting_hash_key <= start || new_starting_hash_key > end {
            return Err(StreamError::Service {
                operation: "SplitShard",
                message: format!(
                    "new starting hash key {new_starting_hash_key} is not inside shard {shard_id} ({start}..={end})"
                ),
            });
        }
        let ordinal: u32 = tx
            .query_row("SELECT max(ordinal) + 1 FROM shards", [], |row| row.get(0))
            .map_err(&sql)?;
        tx.execute(
            "UPDATE shards SET ending_sequence = ?2 WHERE shard_id = ?1",
            params![shard_id, next_sequence - 1],
        )
        .map_err(&sql)?;
        for (offset, (low, high)) in [
            (start, new_starting_hash_key - 1),
            (new_starting_hash_key, end),
        ]
        .into_iter()
        .enumerate()
        {
            tx.execute(
                "INSERT INTO shards (shard_id, ordinal, parent, starting_hash_key, ending_hash_key, next_sequence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    shard_name(ordinal + offset as u32),
                    ordinal + offset as u32,
                    shard_id,
                    low.to_string(),
                    high.to_string(),
                    // Children's sequence numbers continue past the parent's.
                    next_sequence
                ],
            )
            .map_err(&sql)?;
        }
        tx.commit().map_err(&sql)
    }
}

impl Backend for LocalStream {
    async fn put_records(
        &self,
        records: Vec<PutRecord>,
    ) -> Result<Vec<Result<Ack, PutFailure>>, StreamError> {
        let acks = self
            .blocking(move |inner| inner.put_records(&records))
            .await?;
        Ok(acks.into_iter().map(Ok).collect())
    }

    async fn list_shards(&self) -> Result<Vec<Shard>, StreamError> {
        self.blocking(Inner::list_shards).await
    }

    async fn shard_iterator(
        &self,
        shard_id: &str,
        position: &StartPosition,
    ) -> Result<String, StreamError> {
        let (shard_id, position) = (shard_id.to_owned(), position.clone());
        self.blocking(move |inner| inner.shard_iterator(&shard_id, &position))
            .await
    }

    async fn get_records(&self, iterator: &str, limit: usize) -> Result<RecordBatch, StreamError> {
        let iterator = iterator.to_owned();
        self.blocking(move |inner| inner.get_records(&iterator, limit))
            .await
    }

    fn atomic_batches(&self) -> bool {
        true
    }
}
