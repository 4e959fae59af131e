//! End to end on both backends: generated events produced, read back and dispatched to typed
//! handlers in order per key, through a split shard, across a consumer killed and restarted;
//! what must never be sent is refused before anything leaves the process, and what must never
//! reach a handler is reported.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contracts::{mailer, payments, Envelope, Event, Router};
use contracts_stream::emulator::Kinesalite;
use contracts_stream::{
    stop_signal, Backend, Consumer, ConsumerOptions, FailurePolicy, LocalOptions, LocalStream,
    Problem, Producer, ProducerOptions, PutRecord, ReadError, ReaderOptions, Report, SendError,
    SqliteCheckpoints, StartPosition,
};
use serde_json::json;

mod common;
use common::{index_of, payment_failed, Seen};

async fn produce<B: Backend>(backend: B, range: std::ops::Range<usize>) {
    let producer = Producer::new(backend, contracts::SOURCE, ProducerOptions::default());
    let mut pending = Vec::new();
    for index in range {
        pending.push(producer.enqueue(&payment_failed(index)).await.unwrap());
    }
    for delivery in futures::future::join_all(pending).await {
        let delivery = delivery.unwrap();
        assert!(!delivery.ack.sequence_number.is_empty());
        assert_eq!(delivery.envelope.event_type, "payments.payment_failed");
    }
    producer.shutdown().await;
}

/// Runs a consumer until `seen` holds `expected` events (or fails the test after a minute).
async fn consume<B: Backend>(
    backend: B,
    checkpoints: &SqliteCheckpoints,
    seen: &Seen,
    expected: usize,
    reader: ReaderOptions,
) {
    let (stopper, stop) = stop_signal();
    let stopper = Arc::new(stopper);
    let (log, done) = (seen.clone(), stopper.clone());
    let router = Router::new().on(
        move |event: payments::PaymentFailedV1, envelope: &Envelope| {
            log.record(&event, envelope);
            if log.total() >= expected {
                done.stop();
            }
            Ok::<_, std::convert::Infallible>(())
        },
    );
    let run = Consumer::new(router).run(
        Arc::new(backend),
        Arc::new(checkpoints.clone()),
        reader,
        stop,
    );
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .unwrap_or_else(|_| panic!("only {} of {expected} events arrived", seen.total()))
        .unwrap();
}

/// A local stream of `shards` shards in `dir`.
fn local_stream(dir: &std::path::Path, shards: u32) -> LocalStream {
    let options = LocalOptions {
        shards,
        ..LocalOptions::default()
    };
    LocalStream::open(dir.join("bus.db"), &options).unwrap()
}

fn reader(name: &str) -> ReaderOptions {
    ReaderOptions {
        idle_wait: Duration::from_millis(20),
        shard_refresh: Duration::from_millis(100),
        ..ReaderOptions::new(name)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_events_travel_on_the_local_stream_through_a_split_shard_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let stream = local_stream(dir.path(), 2);
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    produce(stream.clone(), 0..300).await;
    let first = stream.list_shards().await.unwrap()[0].clone();
    stream
        .split_shard(
            &first.shard_id,
            first.starting_hash_key + (first.ending_hash_key - first.starting_hash_key) / 2,
        )
        .await
        .unwrap();
    produce(stream.clone(), 300..600).await;

    let seen = Seen::default();
    consume(
        stream.clone(),
        &checkpoints,
        &seen,
        600,
        reader("warehouse"),
    )
    .await;
    seen.assert_each_once_in_order(600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_events_travel_on_kinesis_through_a_split_shard_in_order() {
    let emulator = Kinesalite::start().expect("kinesalite starts (node and npm are needed)");
    let stream = emulator.create_stream("events", 2).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    produce(stream.clone(), 0..150).await;
    let shards = stream.list_shards().await.unwrap();
    assert_eq!(shards.len(), 2);
    let first = &shards[0];
    stream
        .split_shard(
            &first.shard_id,
            first.starting_hash_key + (first.ending_hash_key - first.starting_hash_key) / 2,
        )
        .await
        .unwrap();
    // kinesalite closes the parent once the split completes.
    for _ in 0..100 {
        if stream.list_shards().await.unwrap().len() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let shards = stream.list_shards().await.unwrap();
    assert_eq!(shards.len(), 4, "{shards:?}");
    assert!(shards
        .iter()
        .any(|s| s.parent.as_deref() == Some(first.shard_id.as_str())));
    produce(stream.clone(), 150..300).await;

    let seen = Seen::default();
    consume(
        stream.clone(),
        &checkpoints,
        &seen,
        300,
        reader("warehouse"),
    )
    .await;
    seen.assert_each_once_in_order(300);

    // The checkpoints say where a second run starts: it reads nothing again.
    produce(stream.clone(), 300..310).await;
    let again = Seen::default();
    consume(stream, &checkpoints, &again, 10, reader("warehouse")).await;
    assert_eq!(again.distinct(), (300..310).collect());
}

/// A reader without a checkpoint, started AT_TIMESTAMP on the Kinesis API, reads only what
/// arrived from then on (the forwarder's `start = "at_timestamp"`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_timestamp_on_kinesis_reads_only_what_arrived_from_then_on() {
    let emulator = Kinesalite::start().expect("kinesalite starts (node and npm are needed)");
    let stream = emulator.create_stream("events", 2).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    produce(stream.clone(), 0..20).await;
    // Arrival times may be kept to the second: a clear second on each side.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let from = std::time::SystemTime::now();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    produce(stream.clone(), 20..40).await;
    let seen = Seen::default();
    let options = ReaderOptions {
        start: StartPosition::AtTimestamp(from),
        ..reader("since")
    };
    consume(stream, &checkpoints, &seen, 20, options).await;
    assert_eq!(seen.distinct(), (20..40).collect::<HashSet<_>>());
    seen.assert_each_once_in_order(20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_and_restarted_resumes_from_its_checkpoint_losing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    produce(stream.clone(), 0..500).await;
    let options = ReaderOptions {
        batch_limit: 10,
        ..reader("mailer")
    };

    // The first run is killed (its task aborted, no clean stop) after 150 events.
    let first = Seen::default();
    let task = {
        let (stream, checkpoints, first, options) = (
            stream.clone(),
            checkpoints.clone(),
            first.clone(),
            options.clone(),
        );
        tokio::spawn(
            async move { consume(stream, &checkpoints, &first, usize::MAX, options).await },
        )
    };
    while first.total() < 150 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    task.abort();
    let _ = task.await;

    // The killed run's shard tasks may still finish the record in hand; whatever they handled
    // counts as handled before the kill.
    let killed = first.clone();
    let second = resume(stream, checkpoints, options, 500, move || killed.distinct()).await;
    assert_resumed(&first.distinct(), &second, 500);
}

/// Runs a consumer until the events `before()` says were handled and those it handles cover
/// `0..total`.
async fn resume(
    stream: LocalStream,
    checkpoints: SqliteCheckpoints,
    options: ReaderOptions,
    total: usize,
    before: impl Fn() -> HashSet<usize> + Send + Sync + 'static,
) -> Seen {
    let after = Seen::default();
    let (stopper, stop) = stop_signal();
    let (log, done) = (after.clone(), Arc::new(stopper));
    let router = Router::new().on(
        move |event: payments::PaymentFailedV1, envelope: &Envelope| {
            log.record(&event, envelope);
            if before().union(&log.distinct()).count() == total {
                done.stop();
            }
            Ok::<_, std::convert::Infallible>(())
        },
    );
    let run = Consumer::new(router).run(Arc::new(stream), Arc::new(checkpoints), options, stop);
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the rest arrives")
        .unwrap();
    after
}

/// Nothing lost, order kept, and resumed from checkpoints rather than from the start: at most
/// the records after the last checkpoint (a read batch of 10 per shard) are handled twice.
fn assert_resumed(before: &HashSet<usize>, after: &Seen, total: usize) {
    let all: HashSet<usize> = before.union(&after.distinct()).copied().collect();
    assert_eq!(all.len(), total, "nothing lost");
    after.assert_ordered();
    let again = after.distinct().intersection(before).count();
    assert!(again <= 4 * 10, "{again} events handled again");
    assert!(
        after.total() <= total - before.len() + 4 * 10,
        "resumed from checkpoints: {} handled after the kill",
        after.total()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_and_oversized_events_are_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let stream = local_stream(dir.path(), 1);
    let producer = Producer::new(
        stream.clone(),
        contracts::SOURCE,
        ProducerOptions::default(),
    );

    let mut invalid = payment_failed(1);
    invalid.attempt = std::num::NonZeroU64::new(11).unwrap(); // maximum 10
    match producer.send(&invalid).await {
        Err(SendError::Refused(contracts::SendError::Invalid { violations, .. })) => {
            assert_eq!(violations.0[0].pointer, "/attempt");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    // Valid for its schema (500,000 characters at most), but 1.2 MB of UTF-8.
    let mut big = mailer::GroupEmailRequestedV1::decode_value(&json!({
        "request_id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
        "group_id": "book-club",
        "channel": "email",
        "subject": "November meeting",
        "body_text": "We meet on Friday at 7.",
        "requested_at": "2026-11-02T18:00:00Z"
    }))
    .unwrap();
    let body: serde_json::Value = json!("\u{1F600}".repeat(300_000));
    big.body_html = Some(serde_json::from_value(body).unwrap());
    assert!(big.validate().is_ok(), "valid for the schema");
    match producer.send(&big).await {
        Err(SendError::TooLarge {
            event_type, size, ..
        }) => {
            assert_eq!(event_type, "mailer.group_email_requested");
            assert!(size > 1_200_000, "{size}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    producer.shutdown().await;

    let shard = stream.list_shards().await.unwrap().remove(0).shard_id;
    let iterator = stream
        .shard_iterator(&shard, &StartPosition::TrimHorizon)
        .await
        .unwrap();
    assert!(
        stream
            .get_records(&iterator, 10)
            .await
            .unwrap()
            .records
            .is_empty(),
        "nothing sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_cannot_be_handled_is_reported_and_never_reaches_a_handler() {
    let dir = tempfile::tempdir().unwrap();
    let stream = local_stream(dir.path(), 1);
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    let producer = Producer::new(
        stream.clone(),
        contracts::SOURCE,
        ProducerOptions::default(),
    );
    let valid = producer.send(&payment_failed(1)).await.unwrap().envelope;
    let mut tampered = serde_json::to_value(&valid).unwrap();
    tampered["id"] = json!("tampered");
    tampered["data"]["attempt"] = json!(99);
    let mut unknown = serde_json::to_value(&valid).unwrap();
    unknown["id"] = json!("unknown");
    unknown["type"] = json!("payments.payment_failed.v7");
    for raw in [
        b"not json at all".to_vec(),
        serde_json::to_vec(&tampered).unwrap(),
        serde_json::to_vec(&unknown).unwrap(),
    ] {
        producer
            .send_record(PutRecord {
                partition_key: valid.partition_key.clone(),
                data: raw,
            })
            .await
            .unwrap();
    }
    let failing = producer.send(&payment_failed(2)).await.unwrap().envelope;
    producer.send(&payment_failed(3)).await.unwrap();
    producer.shutdown().await;

    let reports: Arc<Mutex<Vec<Report>>> = Arc::default();
    let caught: Arc<Mutex<Vec<String>>> = Arc::default();
    let run = |policy: FailurePolicy, name: &'static str| {
        let (stream, checkpoints, reports, caught) = (
            stream.clone(),
            checkpoints.clone(),
            reports.clone(),
            caught.clone(),
        );
        async move {
            let seen = Seen::default();
            let (stopper, stop) = stop_signal();
            let stopper = Arc::new(stopper);
            let (log, done) = (seen.clone(), stopper.clone());
            let router = Router::new().on(
                move |event: payments::PaymentFailedV1, envelope: &Envelope| {
                    if index_of(&event) == 2 {
                        return Err("the warehouse is on fire".to_owned());
                    }
                    log.record(&event, envelope);
                    if index_of(&event) == 3 {
                        done.stop();
                    }
                    Ok(())
                },
            );
            let consumer = Consumer::new(router)
                .options(ConsumerOptions {
                    handler_attempts: 2,
                    retry_backoff: Duration::from_millis(1),
                    on_handler_failure: policy,
                })
                .known_events(contracts::EVENTS.iter().map(|e| (e.event_type, e.version)))
                .catch_all(move |envelope| {
                    caught.lock().unwrap().push(envelope.id.clone());
                    Ok(())
                })
                .on_report(move |report| reports.lock().unwrap().push(report.clone()));
            let result = tokio::time::timeout(
                Duration::from_secs(30),
                consumer.run(Arc::new(stream), Arc::new(checkpoints), reader(name), stop),
            )
            .await
            .expect("the consumer ends");
            (result, seen)
        }
    };

    // Stop: the consumer stops before the failing event, whose checkpoint is not passed.
    let (result, seen) = run(FailurePolicy::Stop, "strict").await;
    match result {
        Err(ReadError::Stopped { reason, .. }) => assert!(reason.contains("on fire"), "{reason}"),
        other => panic!("expected a stop, got {other:?}"),
    }
    assert_eq!(seen.distinct(), HashSet::from([1]));
    {
        let reports = reports.lock().unwrap();
        assert!(
            matches!(&reports[0].problem, Problem::NotAnEvent(_)),
            "{}",
            reports[0]
        );
        assert!(reports[0].skipped);
        match &reports[1].problem {
            Problem::Invalid(violations) => assert_eq!(violations[0].pointer, "/attempt"),
            other => panic!("{other:?}"),
        }
        assert_eq!(reports[1].event_id.as_deref(), Some("tampered"));
        assert_eq!(reports[2].problem, Problem::UnknownType);
        assert_eq!(
            reports[2].event_type.as_deref(),
            Some("payments.payment_failed.v7")
        );
        assert_eq!(reports.len(), 4, "{reports:?}");
        let last = reports.last().unwrap();
        assert_eq!(last.event_id.as_deref(), Some(failing.id.as_str()));
        assert!(matches!(
            last.problem,
            Problem::HandlerFailed { attempts: 2, .. }
        ));
        assert!(!last.skipped);
    }
    assert_eq!(
        *caught.lock().unwrap(),
        ["unknown"],
        "unknown versions go to the catch-all"
    );

    // Restarted with Skip: it resumes at the failing event, reports it and goes on.
    reports.lock().unwrap().clear();
    let (result, seen) = run(FailurePolicy::Skip, "strict").await;
    result.unwrap();
    assert_eq!(seen.distinct(), HashSet::from([3]));
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].skipped && reports[0].event_id.as_deref() == Some(failing.id.as_str()));
}

/// Child process of the test below: consumes from the stream named in the environment and
/// appends each handled index to a file, flushed, until killed.
const CONSUMER_CHILD: &str = "CONTRACTS_BUS_TEST_CONSUMER_DIR";

#[test]
fn consumer_process() {
    let Ok(dir) = std::env::var(CONSUMER_CHILD) else {
        return; // only runs as the child of the test below
    };
    let dir = std::path::PathBuf::from(dir);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let stream = LocalStream::open(dir.join("bus.db"), &LocalOptions::default()).unwrap();
        let checkpoints = SqliteCheckpoints::open(dir.join("checkpoints.db")).unwrap();
        let log = Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("handled-by-child"))
                .unwrap(),
        );
        let router = Router::new().on(move |event: payments::PaymentFailedV1, _: &Envelope| {
            use std::io::Write;
            let mut log = log.lock().unwrap();
            writeln!(log, "{}", index_of(&event)).unwrap();
            log.flush().unwrap();
            // Slow enough for the parent to kill it half way.
            std::thread::sleep(Duration::from_millis(2));
            Ok::<_, std::convert::Infallible>(())
        });
        let options = ReaderOptions {
            batch_limit: 10,
            ..reader("killed")
        };
        let (_stopper, stop) = stop_signal();
        Consumer::new(router)
            .run(Arc::new(stream), Arc::new(checkpoints), options, stop)
            .await
            .unwrap();
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_process_killed_with_sigkill_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    produce(stream.clone(), 0..400).await;

    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "consumer_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CONSUMER_CHILD, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let handled_file = dir.path().join("handled-by-child");
    let read_child = || -> Vec<usize> {
        std::fs::read_to_string(&handled_file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.parse().ok())
            .collect()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while read_child().len() < 100 {
        assert!(
            std::time::Instant::now() < deadline,
            "the child consumer never got going"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL: no clean stop, no last checkpoint
    child.wait().unwrap();
    let before: HashSet<usize> = read_child().into_iter().collect();
    assert!(
        before.len() < 400,
        "killed half way ({} handled)",
        before.len()
    );

    let options = ReaderOptions {
        batch_limit: 10,
        ..reader("killed")
    };
    let handled = before.clone();
    let after = resume(stream, checkpoints, options, 400, move || handled.clone()).await;
    assert_resumed(&before, &after, 400);
}

/// Child process of the test below: everything about the stream comes from the environment.
const CONFIGURED_CHILD: &str = "CONTRACTS_BUS_TEST_CONFIGURED";

#[test]
fn configured_process() {
    if std::env::var(CONFIGURED_CHILD).is_err() {
        return; // only runs as the child of the test below
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = contracts_stream::StreamConfig::load().unwrap();
        assert_eq!(config.backend, contracts_stream::BackendKind::Kinesis);
        let stream = config.connect().await.unwrap();
        let source = config.source.clone().unwrap();
        let producer = Producer::new(stream.clone(), source, ProducerOptions::default());
        let delivery = producer.send(&payment_failed(7)).await.unwrap();
        producer.shutdown().await;
        let iterator = stream
            .shard_iterator(&delivery.ack.shard_id, &StartPosition::TrimHorizon)
            .await
            .unwrap();
        let records = stream.get_records(&iterator, 10).await.unwrap().records;
        let envelope: Envelope = serde_json::from_slice(&records[0].data).unwrap();
        assert_eq!(envelope.id, delivery.envelope.id);
        println!("configured ok {}", envelope.source);
    });
}

#[test]
fn kinesis_is_chosen_and_reached_from_configuration_alone() {
    let emulator = Kinesalite::start().expect("kinesalite starts");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(emulator.create_stream("configured", 1))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bus.toml");
    std::fs::write(
        &file,
        "backend = \"kinesis\"\nsource = \"from-the-file\"\n[kinesis]\nstream_name = \"configured\"\nregion = \"eu-west-1\"\n",
    )
    .unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "configured_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CONFIGURED_CHILD, "1")
        .env("CONTRACTS_STREAM_CONFIG", &file)
        // The environment overrides the file; credentials come from the AWS chain.
        .env("CONTRACTS_KINESIS_ENDPOINT_URL", emulator.endpoint())
        .env("CONTRACTS_KINESIS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("configured ok from-the-file"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Handlers are plain functions and may block. On a runtime with a single worker thread, a
/// handler blocked on one shard must not stall the reader of the other: the first event's
/// handler waits until an event of the other shard has been handled (10 s at most).
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_blocking_handler_on_one_shard_does_not_stall_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let stream = local_stream(dir.path(), 2);
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    produce(stream.clone(), 0..40).await;
    assert_eq!(stream.list_shards().await.unwrap().len(), 2);

    let (stopper, stop) = stop_signal();
    let handled: Arc<Mutex<Vec<String>>> = Arc::default();
    let released_by_other_shard: Arc<Mutex<Option<bool>>> = Arc::default();
    let (log, verdict) = (handled.clone(), released_by_other_shard.clone());
    let router = Router::new().on(
        move |event: payments::PaymentFailedV1, envelope: &Envelope| {
            let first = verdict.lock().unwrap().is_none();
            if first {
                *verdict.lock().unwrap() = Some(false);
                let until = std::time::Instant::now() + Duration::from_secs(10);
                let key = envelope.partition_key.clone();
                while std::time::Instant::now() < until {
                    // Another key was handled while this handler held its thread. Keys of
                    // this event's shard queue behind it, so that key is on the other shard.
                    if log.lock().unwrap().iter().any(|k| *k != key) {
                        *verdict.lock().unwrap() = Some(true);
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            log.lock().unwrap().push(event.order_id.to_string());
            if log.lock().unwrap().len() >= 40 {
                stopper.stop();
            }
            Ok::<_, std::convert::Infallible>(())
        },
    );
    let run = Consumer::new(router).run(
        Arc::new(stream),
        Arc::new(checkpoints),
        reader("blocking"),
        stop,
    );
    tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the consumer finished")
        .unwrap();
    assert_eq!(handled.lock().unwrap().len(), 40);
    assert_eq!(
        *released_by_other_shard.lock().unwrap(),
        Some(true),
        "the other shard's events waited for the blocked handler"
    );
}
