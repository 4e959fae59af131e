//! The local stream behaves as Kinesis does where a module can tell, and survives a process
//! killed in the middle of a batch.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use contracts_stream::{
    hash_key, Backend, LocalOptions, LocalStream, PutRecord, StartPosition, StoredRecord,
};

fn record(key: &str, body: &str) -> PutRecord {
    PutRecord {
        partition_key: key.into(),
        data: body.as_bytes().to_vec(),
    }
}

async fn read_all(stream: &LocalStream, shard_id: &str, from: StartPosition) -> Vec<StoredRecord> {
    let mut iterator = stream.shard_iterator(shard_id, &from).await.unwrap();
    let mut out = Vec::new();
    loop {
        let batch = stream.get_records(&iterator, 7).await.unwrap();
        let empty = batch.records.is_empty();
        out.extend(batch.records);
        match batch.next_iterator {
            Some(next) if !empty => iterator = next,
            _ => return out,
        }
    }
}

#[tokio::test]
async fn records_go_to_the_shard_of_their_hash_key_in_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("s.db"), &LocalOptions::default()).unwrap();
    let shards = stream.list_shards().await.unwrap();
    assert_eq!(shards.len(), 4);
    assert_eq!(shards[0].starting_hash_key, 0);
    assert_eq!(shards[3].ending_hash_key, u128::MAX);
    for pair in shards.windows(2) {
        assert_eq!(
            pair[0].ending_hash_key + 1,
            pair[1].starting_hash_key,
            "ranges tile the space"
        );
    }

    let records: Vec<_> = (0..200)
        .map(|i| record(&format!("key-{}", i % 17), &i.to_string()))
        .collect();
    let acks = stream.put_records(records.clone()).await.unwrap();
    let mut by_shard: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (record, ack) in records.iter().zip(&acks) {
        let ack = ack.as_ref().unwrap();
        let shard = shards.iter().find(|s| s.shard_id == ack.shard_id).unwrap();
        let key = hash_key(&record.partition_key);
        assert!(shard.starting_hash_key <= key && key <= shard.ending_hash_key);
        by_shard
            .entry(ack.shard_id.clone())
            .or_default()
            .push(ack.sequence_number.clone());
    }
    assert!(by_shard.len() > 1, "17 keys spread over shards");
    for (shard_id, sequences) in &by_shard {
        assert!(
            sequences.windows(2).all(|w| w[0] < w[1]),
            "increasing in {shard_id}"
        );
        let read = read_all(&stream, shard_id, StartPosition::TrimHorizon).await;
        let read_sequences: Vec<_> = read.iter().map(|r| r.sequence_number.clone()).collect();
        assert_eq!(&read_sequences, sequences, "read back in order");
    }
}

#[tokio::test]
async fn iterators_start_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let options = LocalOptions {
        shards: 1,
        ..LocalOptions::default()
    };
    let stream = LocalStream::open(dir.path().join("s.db"), &options).unwrap();
    let shard = stream.list_shards().await.unwrap().remove(0).shard_id;
    let first = stream
        .put_records(vec![record("k", "1"), record("k", "2")])
        .await
        .unwrap();
    let latest = stream
        .shard_iterator(&shard, &StartPosition::Latest)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let between = SystemTime::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    stream.put_records(vec![record("k", "3")]).await.unwrap();

    let bodies = |records: Vec<StoredRecord>| -> Vec<String> {
        records
            .into_iter()
            .map(|r| String::from_utf8(r.data).unwrap())
            .collect()
    };
    assert_eq!(
        bodies(read_all(&stream, &shard, StartPosition::TrimHorizon).await),
        ["1", "2", "3"]
    );
    assert_eq!(
        bodies(stream.get_records(&latest, 10).await.unwrap().records),
        ["3"]
    );
    assert_eq!(
        bodies(read_all(&stream, &shard, StartPosition::AtTimestamp(between)).await),
        ["3"]
    );
    let after_first =
        StartPosition::AfterSequenceNumber(first[0].as_ref().unwrap().sequence_number.clone());
    assert_eq!(
        bodies(read_all(&stream, &shard, after_first).await),
        ["2", "3"]
    );
    assert!(stream
        .shard_iterator("shardId-000000000042", &StartPosition::Latest)
        .await
        .is_err());
}

#[tokio::test]
async fn a_split_shard_is_closed_and_its_children_take_its_range() {
    let dir = tempfile::tempdir().unwrap();
    let options = LocalOptions {
        shards: 1,
        ..LocalOptions::default()
    };
    let stream = LocalStream::open(dir.path().join("s.db"), &options).unwrap();
    let parent = stream.list_shards().await.unwrap().remove(0);
    stream
        .put_records(vec![record("a", "before")])
        .await
        .unwrap();
    let middle = u128::MAX / 2 + 1;
    stream.split_shard(&parent.shard_id, middle).await.unwrap();
    assert!(
        stream.split_shard(&parent.shard_id, middle).await.is_err(),
        "closed"
    );

    let shards = stream.list_shards().await.unwrap();
    assert_eq!(shards.len(), 3);
    assert!(shards[0].ending_sequence_number.is_some());
    assert_eq!(shards[1].parent.as_deref(), Some(parent.shard_id.as_str()));
    assert_eq!(
        (shards[1].starting_hash_key, shards[1].ending_hash_key),
        (0, middle - 1)
    );
    assert_eq!(
        (shards[2].starting_hash_key, shards[2].ending_hash_key),
        (middle, u128::MAX)
    );

    let acks = stream
        .put_records((0..40).map(|i| record(&format!("k{i}"), "after")).collect())
        .await
        .unwrap();
    assert!(acks
        .iter()
        .all(|a| a.as_ref().unwrap().shard_id != parent.shard_id));
    // The parent's iterator ends: read to its end, no next iterator.
    let iterator = stream
        .shard_iterator(&parent.shard_id, &StartPosition::TrimHorizon)
        .await
        .unwrap();
    let batch = stream.get_records(&iterator, 100).await.unwrap();
    assert_eq!(batch.records.len(), 1);
    assert_eq!(batch.next_iterator, None);
    // Children's sequence numbers continue past the parent's.
    let child_first = acks
        .iter()
        .map(|a| a.as_ref().unwrap().sequence_number.clone())
        .min()
        .unwrap();
    assert!(child_first > batch.records[0].sequence_number);
}

#[tokio::test]
async fn records_older_than_the_retention_period_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let options = LocalOptions {
        shards: 1,
        retention: Duration::from_millis(300),
    };
    let stream = LocalStream::open(dir.path().join("s.db"), &options).unwrap();
    let shard = stream.list_shards().await.unwrap().remove(0).shard_id;
    stream.put_records(vec![record("k", "old")]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    stream.put_records(vec![record("k", "new")]).await.unwrap();
    let read = read_all(&stream, &shard, StartPosition::TrimHorizon).await;
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].data, b"new");
}

/// Child process: puts batches of 200 records, each batch tagged, until killed.
const CHILD_ENV: &str = "CONTRACTS_STREAM_TEST_WRITER";

#[test]
fn writer_process() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // only runs as the child of the tests below
    };
    let writer: String = std::env::var("CONTRACTS_STREAM_TEST_WRITER_NAME").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let stream = LocalStream::open(&path, &LocalOptions::default()).unwrap();
        let filler = "x".repeat(900);
        for batch in 0.. {
            let records = (0..200)
                .map(|i| {
                    let body = format!(
                        r#"{{"writer":"{writer}","batch":{batch},"index":{i},"fill":"{filler}"}}"#
                    );
                    record(&format!("{writer}-{}", i % 13), &body)
                })
                .collect();
            stream.put_records(records).await.unwrap();
            println!("batch {batch}");
        }
    });
}

fn spawn_writer(path: &std::path::Path, name: &str) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "writer_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, path)
        .env("CONTRACTS_STREAM_TEST_WRITER_NAME", name)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the child printed `batches` lines.
fn wait_for_batches(child: &mut std::process::Child, batches: usize) {
    use std::io::BufRead;
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut seen = 0;
    while seen < batches {
        let line = lines.next().expect("the writer is alive").unwrap();
        if line.starts_with("batch ") {
            seen += 1;
        }
    }
    // Keep reading in the background so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_killed_mid_batch_leave_whole_batches_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    // Created first, so both writers open the same stream.
    let stream = LocalStream::open(&path, &LocalOptions::default()).unwrap();
    let mut writers: Vec<_> = ["w1", "w2"]
        .iter()
        .map(|name| spawn_writer(&path, name))
        .collect();
    for writer in &mut writers {
        wait_for_batches(writer, 3);
    }
    // A reader in this process while both write.
    let shard = stream.list_shards().await.unwrap()[0].shard_id.clone();
    assert!(!read_all(&stream, &shard, StartPosition::TrimHorizon)
        .await
        .is_empty());
    for writer in &mut writers {
        writer.kill().unwrap(); // SIGKILL
        writer.wait().unwrap();
    }

    let mut batches: HashMap<(String, u64), usize> = HashMap::new();
    let mut last_index: HashMap<String, (u64, u64)> = HashMap::new();
    for shard in stream.list_shards().await.unwrap() {
        for record in read_all(&stream, &shard.shard_id, StartPosition::TrimHorizon).await {
            let body: serde_json::Value =
                serde_json::from_slice(&record.data).expect("whole record");
            assert_eq!(body["fill"].as_str().unwrap().len(), 900, "whole record");
            let writer = body["writer"].as_str().unwrap().to_owned();
            let batch = body["batch"].as_u64().unwrap();
            let index = body["index"].as_u64().unwrap();
            assert_eq!(record.partition_key, format!("{writer}-{}", index % 13));
            *batches.entry((writer.clone(), batch)).or_default() += 1;
            // Order per key within one shard: (batch, index) increases.
            let key = record.partition_key.clone();
            if let Some(previous) = last_index.insert(key, (batch, index)) {
                assert!(previous < (batch, index), "order kept per key");
            }
        }
    }
    for writer in ["w1", "w2"] {
        let written: Vec<u64> = batches
            .keys()
            .filter(|(w, _)| w == writer)
            .map(|(_, b)| *b)
            .collect();
        assert!(written.len() >= 3, "{writer} wrote {written:?}");
        let max = *written.iter().max().unwrap();
        assert_eq!(
            written.len() as u64,
            max + 1,
            "{writer}: no batch missing before the last"
        );
    }
    for ((writer, batch), count) in &batches {
        assert_eq!(*count, 200, "batch {batch} of {writer} is whole");
    }
}
