//! The reading core on the real local stream: every record once and in order per shard,
//! through expired iterators, a split shard (parent to its end before its children), a stop
//! and a restart from checkpoints; where a reader without a checkpoint starts.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contracts_stream::{
    stop_signal, Backend, Checkpoint, CheckpointStore, LocalOptions, LocalStream, PutRecord,
    Reader, ReaderOptions, RecordBatch, RecordHandler, Shard, SqliteCheckpoints, StartPosition,
    StoredRecord, StreamError,
};

/// The local stream whose iterators expire on every third read, as Kinesis's do after five
/// minutes.
struct Expiring {
    inner: LocalStream,
    reads: AtomicUsize,
    expired: AtomicUsize,
}

impl Backend for Expiring {
    async fn put_records(
        &self,
        records: Vec<PutRecord>,
    ) -> Result<Vec<Result<contracts_stream::Ack, contracts_stream::PutFailure>>, StreamError> {
        self.inner.put_records(records).await
    }

    async fn list_shards(&self) -> Result<Vec<Shard>, StreamError> {
        self.inner.list_shards().await
    }

    async fn shard_iterator(
        &self,
        shard_id: &str,
        position: &StartPosition,
    ) -> Result<String, StreamError> {
        self.inner.shard_iterator(shard_id, position).await
    }

    async fn get_records(&self, iterator: &str, limit: usize) -> Result<RecordBatch, StreamError> {
        if self.reads.fetch_add(1, Ordering::SeqCst) % 3 == 2 {
            self.expired.fetch_add(1, Ordering::SeqCst);
            return Err(StreamError::ExpiredIterator);
        }
        self.inner.get_records(iterator, limit).await
    }
}

/// Notes (shard, key, index) of every record; stops the reader once `until` were seen.
struct Log {
    seen: Mutex<Vec<(String, String, usize)>>,
    until: usize,
    stopper: contracts_stream::Stopper,
}

impl RecordHandler for Log {
    async fn handle(&self, shard_id: &str, record: &StoredRecord) -> Result<(), String> {
        let index: usize = std::str::from_utf8(&record.data).unwrap().parse().unwrap();
        let mut seen = self.seen.lock().unwrap();
        seen.push((shard_id.to_owned(), record.partition_key.clone(), index));
        if seen.len() >= self.until {
            self.stopper.stop();
        }
        Ok(())
    }
}

fn records(range: std::ops::Range<usize>) -> Vec<PutRecord> {
    range
        .map(|i| PutRecord {
            partition_key: format!("key-{}", i % 9),
            data: i.to_string().into_bytes(),
        })
        .collect()
}

fn options(name: &str) -> ReaderOptions {
    ReaderOptions {
        batch_limit: 7,
        idle_wait: Duration::from_millis(5),
        shard_refresh: Duration::from_millis(20),
        ..ReaderOptions::new(name)
    }
}

async fn read<B: Backend>(
    backend: Arc<B>,
    checkpoints: &SqliteCheckpoints,
    options: ReaderOptions,
    until: usize,
) -> Vec<(String, String, usize)> {
    let (stopper, stop) = stop_signal();
    let log = Arc::new(Log {
        seen: Mutex::default(),
        until,
        stopper,
    });
    let reader = Reader::new(backend, Arc::new(checkpoints.clone()), options);
    tokio::time::timeout(Duration::from_secs(30), reader.run(log.clone(), stop))
        .await
        .expect("the reader ends")
        .unwrap();
    let seen = log.seen.lock().unwrap().clone();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_once_in_order_through_expired_iterators_and_a_split() {
    let dir = tempfile::tempdir().unwrap();
    let local = LocalStream::open(
        dir.path().join("s.db"),
        &LocalOptions {
            shards: 1,
            ..LocalOptions::default()
        },
    )
    .unwrap();
    local.put_records(records(0..100)).await.unwrap();
    let parent = local.list_shards().await.unwrap().remove(0);
    local
        .split_shard(&parent.shard_id, u128::MAX / 3)
        .await
        .unwrap();
    local.put_records(records(100..200)).await.unwrap();
    let stream = Arc::new(Expiring {
        inner: local.clone(),
        reads: AtomicUsize::new(0),
        expired: AtomicUsize::new(0),
    });
    let checkpoints = SqliteCheckpoints::open(dir.path().join("c.db")).unwrap();

    let seen = read(stream.clone(), &checkpoints, options("r"), 200).await;
    assert!(
        stream.expired.load(Ordering::SeqCst) > 5,
        "iterators expired"
    );
    let mut indexes: Vec<usize> = seen.iter().map(|(_, _, i)| *i).collect();
    indexes.sort();
    assert_eq!(indexes, (0..200).collect::<Vec<_>>(), "each record once");
    // Per key: increasing, so the parent's records came before its children's.
    let mut per_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (_, key, index) in &seen {
        per_key.entry(key).or_default().push(*index);
    }
    for (key, indexes) in per_key {
        assert!(
            indexes.windows(2).all(|w| w[0] < w[1]),
            "{key}: {indexes:?}"
        );
    }
    assert_eq!(
        checkpoints.load("r", &parent.shard_id).await.unwrap(),
        Some(Checkpoint::ShardEnd)
    );

    // A restart under the same name reads only what came after.
    local.put_records(records(200..230)).await.unwrap();
    let again = read(stream, &checkpoints, options("r"), 30).await;
    let mut indexes: Vec<usize> = again.iter().map(|(_, _, i)| *i).collect();
    indexes.sort();
    assert_eq!(indexes, (200..230).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_reader_starts_where_its_options_say() {
    let dir = tempfile::tempdir().unwrap();
    let local =
        Arc::new(LocalStream::open(dir.path().join("s.db"), &LocalOptions::default()).unwrap());
    local.put_records(records(0..50)).await.unwrap();
    let checkpoints = SqliteCheckpoints::open(dir.path().join("c.db")).unwrap();

    // LATEST: only what is put after the reader took its iterators.
    let writer = local.clone();
    let later = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        writer.put_records(records(50..60)).await.unwrap();
    });
    let latest = ReaderOptions {
        start: StartPosition::Latest,
        ..options("latest")
    };
    let seen = read(local.clone(), &checkpoints, latest, 10).await;
    later.await.unwrap();
    let mut indexes: Vec<usize> = seen.iter().map(|(_, _, i)| *i).collect();
    indexes.sort();
    assert_eq!(indexes, (50..60).collect::<Vec<_>>());

    // TRIM_HORIZON under another name: everything, independently of the first reader.
    let seen = read(local, &checkpoints, options("horizon"), 60).await;
    assert_eq!(seen.len(), 60);
}

#[test]
fn a_blocking_producer_serves_code_that_is_not_async() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let local = LocalStream::open(&path, &LocalOptions::default()).unwrap();
    let producer = contracts_stream::BlockingProducer::new(
        local.clone(),
        "test",
        contracts_stream::ProducerOptions::default(),
    )
    .unwrap();
    // No typed event in this crate: a record goes through the same task.
    let acks: Vec<_> = records(0..20)
        .into_iter()
        .map(|record| producer.send_record(record).unwrap())
        .collect();
    drop(producer);
    assert_eq!(acks.len(), 20);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let shard = acks[0].shard_id.clone();
    let stored = runtime.block_on(async {
        let iterator = local
            .shard_iterator(&shard, &StartPosition::TrimHorizon)
            .await
            .unwrap();
        local.get_records(&iterator, 100).await.unwrap().records
    });
    let expected: Vec<_> = acks
        .iter()
        .filter(|a| a.shard_id == shard)
        .map(|a| a.sequence_number.clone())
        .collect();
    let got: Vec<_> = stored.iter().map(|r| r.sequence_number.clone()).collect();
    assert_eq!(got, expected);
}
