//! The batching producer on the real local stream, behind a wrapper that injects the faults
//! Kinesis has: records of a call refused one by one (throttling), whole calls failing, slow
//! calls. Records of one key stay in order, every caller learns the fate of its record.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contracts_stream::{
    Ack, Backend, LocalOptions, LocalStream, Producer, ProducerOptions, PutFailure, PutRecord,
    RecordBatch, SendError, Shard, StartPosition, StreamError, MAX_RECORD_BYTES,
};

/// The local stream with Kinesis's partial failures: not atomic, each record refused with
/// probability `refuse` (or always, for the keys in `doomed`), whole calls failing with
/// probability `fail_call`.
struct Faulty {
    inner: LocalStream,
    refuse: f64,
    fail_call: f64,
    doomed: Vec<String>,
    delay: Duration,
    rng: Mutex<fastrand::Rng>,
    calls: AtomicUsize,
    refused: AtomicUsize,
    failed_calls: AtomicUsize,
    largest_call: AtomicUsize,
    key_twice_in_a_call: AtomicBool,
}

impl Faulty {
    fn new(inner: LocalStream) -> Self {
        Faulty {
            inner,
            refuse: 0.0,
            fail_call: 0.0,
            doomed: Vec::new(),
            delay: Duration::ZERO,
            rng: Mutex::new(fastrand::Rng::with_seed(7)),
            calls: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            failed_calls: AtomicUsize::new(0),
            largest_call: AtomicUsize::new(0),
            key_twice_in_a_call: AtomicBool::new(false),
        }
    }
}

impl Backend for Faulty {
    async fn put_records(
        &self,
        records: Vec<PutRecord>,
    ) -> Result<Vec<Result<Ack, PutFailure>>, StreamError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.largest_call.fetch_max(records.len(), Ordering::SeqCst);
        let mut keys = std::collections::HashSet::new();
        if !records.iter().all(|r| keys.insert(r.partition_key.clone())) {
            self.key_twice_in_a_call.store(true, Ordering::SeqCst);
        }
        tokio::time::sleep(self.delay).await;
        let (fail_call, refusals): (bool, Vec<bool>) = {
            let mut rng = self.rng.lock().unwrap();
            let fail_call = rng.f64() < self.fail_call;
            let refusals = records
                .iter()
                .map(|r| self.doomed.contains(&r.partition_key) || rng.f64() < self.refuse)
                .collect();
            (fail_call, refusals)
        };
        if fail_call {
            self.failed_calls.fetch_add(1, Ordering::SeqCst);
            return Err(StreamError::Service {
                operation: "PutRecords",
                message: "injected: connection reset".into(),
            });
        }
        let accepted: Vec<PutRecord> = records
            .iter()
            .zip(&refusals)
            .filter(|(_, refused)| !**refused)
            .map(|(r, _)| r.clone())
            .collect();
        let mut acks = self.inner.put_records(accepted).await?.into_iter();
        Ok(refusals
            .iter()
            .map(|refused| {
                if *refused {
                    self.refused.fetch_add(1, Ordering::SeqCst);
                    Err(PutFailure {
                        code: "ProvisionedThroughputExceededException".into(),
                        message: "injected: rate exceeded for shard".into(),
                    })
                } else {
                    acks.next().expect("one ack per accepted record")
                }
            })
            .collect())
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
        self.inner.get_records(iterator, limit).await
    }
}

fn local(dir: &tempfile::TempDir) -> LocalStream {
    LocalStream::open(dir.path().join("s.db"), &LocalOptions::default()).unwrap()
}

fn fast_retries() -> ProducerOptions {
    ProducerOptions {
        base_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        max_attempts: 30,
        ..ProducerOptions::default()
    }
}

fn body(key: &str, index: usize) -> PutRecord {
    PutRecord {
        partition_key: key.to_owned(),
        data: format!(r#"{{"key":"{key}","index":{index}}}"#).into_bytes(),
    }
}

/// Every record in the stream, as (key, index), per key in stream order.
async fn read_back(stream: &LocalStream) -> HashMap<String, Vec<usize>> {
    let mut per_key: HashMap<String, Vec<usize>> = HashMap::new();
    for shard in stream.list_shards().await.unwrap() {
        let mut iterator = stream
            .shard_iterator(&shard.shard_id, &StartPosition::TrimHorizon)
            .await
            .unwrap();
        loop {
            let batch = stream.get_records(&iterator, 1000).await.unwrap();
            if batch.records.is_empty() {
                break;
            }
            for record in batch.records {
                let value: serde_json::Value = serde_json::from_slice(&record.data).unwrap();
                per_key
                    .entry(value["key"].as_str().unwrap().to_owned())
                    .or_default()
                    .push(value["index"].as_u64().unwrap() as usize);
            }
            iterator = batch.next_iterator.unwrap();
        }
    }
    per_key
}

#[tokio::test]
async fn partial_failures_are_retried_and_order_per_key_holds() {
    let dir = tempfile::tempdir().unwrap();
    let stream = local(&dir);
    let mut faulty = Faulty::new(stream.clone());
    faulty.refuse = 0.2;
    faulty.fail_call = 0.1;
    let faulty = Arc::new(faulty);
    let producer = Producer::new(faulty.clone(), "test", fast_retries());

    let mut pending = Vec::new();
    for i in 0..3000 {
        pending.push(
            producer
                .enqueue_record(body(&format!("key-{}", i % 25), i))
                .await
                .unwrap(),
        );
    }
    let results = futures::future::join_all(pending).await;
    for result in &results {
        assert!(result.is_ok(), "{result:?}");
    }
    assert!(
        faulty.refused.load(Ordering::SeqCst) > 100,
        "faults were injected"
    );
    assert!(
        faulty.failed_calls.load(Ordering::SeqCst) > 0,
        "whole calls failed too"
    );
    assert!(
        !faulty.key_twice_in_a_call.load(Ordering::SeqCst),
        "a non-atomic stream never gets two records of one key in one call"
    );
    assert!(
        faulty.largest_call.load(Ordering::SeqCst) > 1,
        "sends were batched"
    );

    let per_key = read_back(&stream).await;
    assert_eq!(per_key.len(), 25);
    for (key, indexes) in per_key {
        let expected: Vec<usize> = (0..3000)
            .filter(|i| format!("key-{}", i % 25) == key)
            .collect();
        assert_eq!(
            indexes, expected,
            "{key}: every record once, in the order sent"
        );
    }
}

#[tokio::test]
async fn a_record_refused_on_every_attempt_is_reported_to_its_caller() {
    let dir = tempfile::tempdir().unwrap();
    let stream = local(&dir);
    let mut faulty = Faulty::new(stream.clone());
    faulty.doomed = vec!["doomed".into()];
    let faulty = Arc::new(faulty);
    let options = ProducerOptions {
        max_attempts: 4,
        ..fast_retries()
    };
    let producer = Producer::new(faulty.clone(), "test", options);
    let mut sends = Vec::new();
    for (key, index) in [("doomed", 0), ("fine", 1), ("doomed", 2)] {
        sends.push(producer.enqueue_record(body(key, index)).await.unwrap());
    }
    let [first, fine, third] = futures::future::join_all(sends).await.try_into().unwrap();
    for doomed in [first, third] {
        match doomed {
            Err(SendError::Failed { attempts, code, .. }) => {
                assert_eq!(attempts, 4);
                assert_eq!(code, "ProvisionedThroughputExceededException");
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }
    assert!(fine.is_ok());
    assert_eq!(read_back(&stream).await.get("fine"), Some(&vec![1]));
}

#[tokio::test]
async fn the_buffer_bounds_what_waits_and_flush_and_shutdown_deliver_everything() {
    let dir = tempfile::tempdir().unwrap();
    let stream = local(&dir);
    let mut faulty = Faulty::new(stream.clone());
    faulty.delay = Duration::from_millis(20);
    let faulty = Arc::new(faulty);
    let options = ProducerOptions {
        buffer: 16,
        ..fast_retries()
    };
    let producer = Arc::new(Producer::new(faulty.clone(), "test", options));

    let sender = producer.clone();
    let sending = tokio::spawn(async move {
        let sends = (0..200).map(|i| sender.send_record(body(&format!("k{i}"), i)));
        futures::future::join_all(sends).await
    });
    while faulty.calls.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    producer.flush().await;
    // Flush waited for what was handed over before it: at most the buffer's worth.
    assert!(
        faulty.largest_call.load(Ordering::SeqCst) <= 16,
        "back-pressure"
    );
    let results = sending.await.unwrap();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(read_back(&stream).await.len(), 200);

    // Shutdown: everything handed over is delivered before it resolves.
    let producer = Arc::into_inner(producer).unwrap();
    let pending: Vec<_> = (200..260)
        .map(|i| {
            let record = body(&format!("k{i}"), i);
            async { producer.send_record(record).await }
        })
        .collect();
    let (results, ()) = tokio::join!(futures::future::join_all(pending), async {
        tokio::time::sleep(Duration::from_millis(5)).await;
    });
    assert!(results.iter().all(Result::is_ok));
    producer.shutdown().await;
    assert_eq!(read_back(&stream).await.len(), 260);
}

#[tokio::test]
async fn a_record_over_the_limit_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let faulty = Arc::new(Faulty::new(local(&dir)));
    let producer = Producer::new(faulty.clone(), "test", ProducerOptions::default());
    let record = PutRecord {
        partition_key: "k".into(),
        data: vec![b'x'; MAX_RECORD_BYTES],
    };
    match producer.send_record(record).await {
        Err(SendError::TooLarge { size, limit, .. }) => {
            assert_eq!(size, MAX_RECORD_BYTES + 1);
            assert_eq!(limit, MAX_RECORD_BYTES);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(faulty.calls.load(Ordering::SeqCst), 0);
}
