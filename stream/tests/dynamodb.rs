//! Checkpoints in DynamoDB (dynalite, a real DynamoDB-API emulator started on 127.0.0.1):
//! conditional writes keep two readers under one name from both advancing a shard, and a
//! reader resumes from them after a restart, from another store instance (another host).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use contracts_stream::emulator::Dynalite;
use contracts_stream::{
    stop_signal, Backend, Checkpoint, CheckpointStore, LocalOptions, LocalStream, PutRecord,
    Reader, ReaderOptions, RecordHandler, StoredRecord, StreamError,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_readers_under_one_name_cannot_both_advance_a_shard() {
    let dynalite = Dynalite::start().expect("dynalite starts (node and npm are needed)");
    let first = dynalite.checkpoints("checkpoints").await.unwrap();
    let second = dynalite.checkpoints("checkpoints").await.unwrap();
    let (reader, shard) = ("forwarder/mailer", "shardId-000000000000");
    let after = |s: &str| Checkpoint::After(s.to_owned());

    assert_eq!(first.load(reader, shard).await.unwrap(), None);
    first.save(reader, shard, &after("100")).await.unwrap();
    assert_eq!(
        second.load(reader, shard).await.unwrap(),
        Some(after("100"))
    );
    // The first moves on; the second, still at what it read, may not.
    first.save(reader, shard, &after("200")).await.unwrap();
    let taken = second.save(reader, shard, &after("500")).await.unwrap_err();
    assert!(
        matches!(taken, StreamError::CheckpointTaken { .. }),
        "{taken}"
    );
    // A third that never read it may not write over it either.
    let third = dynalite.checkpoints("checkpoints").await.unwrap();
    assert!(matches!(
        third.save(reader, shard, &after("900")).await,
        Err(StreamError::CheckpointTaken { .. })
    ));
    // What is stored is the first one's, read by anyone.
    assert_eq!(third.load(reader, shard).await.unwrap(), Some(after("200")));
    // Having read it, the third may advance it; other readers and shards are separate.
    third
        .save(reader, shard, &Checkpoint::ShardEnd)
        .await
        .unwrap();
    assert_eq!(
        first.load(reader, shard).await.unwrap(),
        Some(Checkpoint::ShardEnd)
    );
    assert_eq!(first.load("forwarder/other", shard).await.unwrap(), None);
    first
        .save("forwarder/other", shard, &after("1"))
        .await
        .unwrap();
}

struct Count {
    seen: Mutex<Vec<usize>>,
    until: usize,
    stopper: contracts_stream::Stopper,
}

impl RecordHandler for Count {
    async fn handle(&self, _: &str, record: &StoredRecord) -> Result<(), String> {
        let index: usize = std::str::from_utf8(&record.data).unwrap().parse().unwrap();
        let mut seen = self.seen.lock().unwrap();
        seen.push(index);
        if seen.len() >= self.until {
            self.stopper.stop();
        }
        Ok(())
    }
}

async fn read(stream: &LocalStream, dynalite: &Dynalite, until: usize) -> Vec<usize> {
    let checkpoints = Arc::new(dynalite.checkpoints("reader-checkpoints").await.unwrap());
    let (stopper, stop) = stop_signal();
    let count = Arc::new(Count {
        seen: Mutex::default(),
        until,
        stopper,
    });
    let options = ReaderOptions {
        batch_limit: 7,
        idle_wait: Duration::from_millis(5),
        ..ReaderOptions::new("consumer")
    };
    let reader = Reader::new(Arc::new(stream.clone()), checkpoints, options);
    tokio::time::timeout(Duration::from_secs(30), reader.run(count.clone(), stop))
        .await
        .expect("the reader ends")
        .unwrap();
    let seen = count.seen.lock().unwrap().clone();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_resumes_from_its_dynamodb_checkpoints_on_another_host() {
    let dynalite = Dynalite::start().expect("dynalite starts");
    let dir = tempfile::tempdir().unwrap();
    let options = LocalOptions {
        shards: 1,
        ..LocalOptions::default()
    };
    let stream = LocalStream::open(dir.path().join("bus.db"), &options).unwrap();
    let put = |range: std::ops::Range<usize>| {
        range
            .map(|i| PutRecord {
                partition_key: format!("key-{}", i % 5),
                data: i.to_string().into_bytes(),
            })
            .collect::<Vec<_>>()
    };
    stream.put_records(put(0..30)).await.unwrap();
    assert_eq!(
        read(&stream, &dynalite, 30).await,
        (0..30).collect::<Vec<_>>()
    );
    stream.put_records(put(30..40)).await.unwrap();
    // A fresh store instance and reader: only what came after the checkpoint.
    assert_eq!(
        read(&stream, &dynalite, 10).await,
        (30..40).collect::<Vec<_>>()
    );
}
