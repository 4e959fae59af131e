//! The `event-forwarder` binary as users deploy it: configured by its TOML file and the
//! environment, killed with SIGKILL in the middle of its work and started again, then stopped
//! with SIGTERM. Every event reaches the endpoint (a real contracts-http endpoint on loopback),
//! in order per key, with repeats only from the batch in flight at the kill; after SIGTERM
//! nothing is delivered twice.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::Next;
use contracts_runtime::{Envelope, Router};
use contracts_stream::{Backend, LocalOptions, LocalStream, PutRecord};
use serde_json::value::RawValue;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const EVENTS: usize = 1500;
const KEYS: usize = 8;
const READ_BATCH: usize = 25;

/// Event ids the endpoint acknowledged, in the order it did.
type Delivered = Arc<Mutex<Vec<String>>>;

/// A real endpoint with no handler (every event acknowledged as not subscribed), a little
/// slow, noting each acknowledged event id.
async fn endpoint() -> (String, Delivered) {
    let delivered: Delivered = Arc::default();
    let log = delivered.clone();
    let app = contracts_http::Endpoint::new(Router::new(), &[SECRET])
        .unwrap()
        .into_router()
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let log = log.clone();
                async move {
                    let id = request
                        .headers()
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    let response = next.run(request).await;
                    if response.status().is_success() {
                        log.lock().unwrap().push(id);
                    }
                    response
                }
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/events/"), delivered)
}

fn event(index: usize) -> PutRecord {
    let envelope = Envelope {
        id: format!("event-{index:05}"),
        event_type: "test.thing_happened".into(),
        version: 1,
        source: "test".into(),
        time: Some(chrono::Utc::now()),
        dataschema: None,
        subject: None,
        partition_key: format!("key-{}", index % KEYS),
        data: RawValue::from_string(format!(r#"{{"index":{index}}}"#)).unwrap(),
    };
    PutRecord {
        partition_key: envelope.partition_key.clone(),
        data: serde_json::to_vec(&envelope).unwrap(),
    }
}

fn start(config: &std::path::Path) -> Child {
    start_with(config, &[])
}

fn start_with(config: &std::path::Path, env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_event-forwarder"))
        .arg("--config")
        .arg(config)
        .env("FORWARDER_TEST_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .spawn()
        .unwrap()
}

/// Sends SIGTERM and waits (20 s at most) for the exit status.
async fn terminate(mut forwarder: Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &forwarder.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = forwarder.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_sigkill_restarted_and_stopped_with_sigterm_losing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    stream
        .put_records((0..EVENTS).map(event).collect())
        .await
        .unwrap();
    let (url, delivered) = endpoint().await;
    let config = dir.path().join("forwarder.toml");
    std::fs::write(
        &config,
        format!(
            "[stream.local]\npath = \"{}\"\n[dead_letter]\npath = \"{}\"\n\
             [[subscription]]\nname = \"things\"\nendpoint = \"{url}\"\nevents = [\"test.*\"]\n\
             secret_env = \"FORWARDER_TEST_SECRET\"\nread_batch = {READ_BATCH}\n",
            dir.path().join("bus.db").display(),
            dir.path().join("dead-letters.jsonl").display(),
        ),
    )
    .unwrap();
    let count = || delivered.lock().unwrap().len();
    let distinct = || {
        delivered
            .lock()
            .unwrap()
            .iter()
            .collect::<HashSet<_>>()
            .len()
    };

    // Killed without warning half way.
    let mut forwarder = start(&config);
    wait_until("the first deliveries", || count() >= EVENTS / 3).await;
    forwarder.kill().unwrap();
    forwarder.wait().unwrap();
    let at_kill = count();
    assert!(at_kill < EVENTS, "killed half way ({at_kill} delivered)");

    // Started again: everything arrives.
    let forwarder = start(&config);
    wait_until("every event", || distinct() == EVENTS).await;

    // SIGTERM: a clean stop, exit code 0.
    let status = terminate(forwarder).await;
    assert!(status.success(), "{status}");

    let ids = delivered.lock().unwrap().clone();
    let repeats = ids.len() - EVENTS;
    assert!(
        repeats <= 4 * READ_BATCH,
        "{repeats} repeats: at most the batch in flight per shard at the kill"
    );
    // Order per key, first deliveries.
    let mut seen = HashSet::new();
    let mut last: HashMap<usize, usize> = HashMap::new();
    for id in &ids {
        if seen.insert(id.clone()) {
            let index: usize = id["event-".len()..].parse().unwrap();
            if let Some(previous) = last.insert(index % KEYS, index) {
                assert!(
                    previous < index,
                    "key {}: {previous} then {index}",
                    index % KEYS
                );
            }
        }
    }

    // After SIGTERM the checkpoints were written: a third run delivers only new events.
    stream
        .put_records((EVENTS..EVENTS + 10).map(event).collect())
        .await
        .unwrap();
    let mut forwarder = start(&config);
    wait_until("the new events", || distinct() == EVENTS + 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    forwarder.kill().unwrap();
    forwarder.wait().unwrap();
    assert_eq!(
        count(),
        ids.len() + 10,
        "nothing delivered again after SIGTERM"
    );
    let dead = std::fs::read_to_string(dir.path().join("dead-letters.jsonl")).unwrap_or_default();
    assert_eq!(dead, "", "nothing dead-lettered");
}

/// The same binary on the Kinesis API (kinesalite on 127.0.0.1, started by the test): the
/// stream named in the file, the endpoint and credentials from the environment, two shards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_forwards_from_kinesis_configured_by_its_file_and_the_environment() {
    let emulator = contracts_stream::emulator::Kinesalite::start()
        .expect("kinesalite starts (node and npm are needed)");
    let stream = emulator.create_stream("forwarded", 2).await.unwrap();
    const SENT: usize = 300;
    for chunk in (0..SENT).collect::<Vec<_>>().chunks(100) {
        stream
            .put_records(chunk.iter().copied().map(event).collect())
            .await
            .unwrap();
    }
    let (url, delivered) = endpoint().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("forwarder.toml");
    std::fs::write(
        &config,
        format!(
            "[stream]\nbackend = \"kinesis\"\n[stream.kinesis]\nstream_name = \"forwarded\"\n\
             region = \"us-east-1\"\n[stream.checkpoints]\npath = \"{}\"\n\
             [dead_letter]\npath = \"{}\"\n\
             [[subscription]]\nname = \"things\"\nendpoint = \"{url}\"\nevents = [\"test.*\"]\n\
             secret_env = \"FORWARDER_TEST_SECRET\"\npoll_interval_ms = 50\n",
            dir.path().join("checkpoints.db").display(),
            dir.path().join("dead-letters.jsonl").display(),
        ),
    )
    .unwrap();
    let forwarder = start_with(
        &config,
        &[
            ("CONTRACTS_KINESIS_ENDPOINT_URL", emulator.endpoint()),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let distinct = || {
        delivered
            .lock()
            .unwrap()
            .iter()
            .collect::<HashSet<_>>()
            .len()
    };
    wait_until("every event from Kinesis", || distinct() == SENT).await;
    let status = terminate(forwarder).await;
    assert!(status.success(), "{status}");
    // Each once (nothing was killed), in order per key.
    let ids = delivered.lock().unwrap().clone();
    assert_eq!(ids.len(), SENT, "no event delivered twice");
    let mut last: HashMap<usize, usize> = HashMap::new();
    for id in &ids {
        let index: usize = id["event-".len()..].parse().unwrap();
        if let Some(previous) = last.insert(index % KEYS, index) {
            assert!(
                previous < index,
                "key {}: {previous} then {index}",
                index % KEYS
            );
        }
    }
    let dead = std::fs::read_to_string(dir.path().join("dead-letters.jsonl")).unwrap_or_default();
    assert_eq!(dead, "", "nothing dead-lettered");
}

/// Two `event-forwarder` processes on one subscription, checkpoints in DynamoDB (dynalite on
/// 127.0.0.1, started by the test): the conditional writes let only one of them advance the
/// shard; the other stops with an error naming the conflict, and the survivor delivers every
/// event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_forwarders_on_one_subscription_cannot_both_advance_it() {
    let dynalite = contracts_stream::emulator::Dynalite::start()
        .expect("dynalite starts (node and npm are needed)");
    dynalite.checkpoints("forwarder-checkpoints").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = LocalOptions {
        shards: 1,
        ..LocalOptions::default()
    };
    let stream = LocalStream::open(dir.path().join("bus.db"), &options).unwrap();
    stream
        .put_records((0..300).map(event).collect())
        .await
        .unwrap();
    let (url, delivered) = endpoint().await;
    let config = dir.path().join("forwarder.toml");
    std::fs::write(
        &config,
        format!(
            "[stream.local]\npath = \"{}\"\n[stream.checkpoints]\nbackend = \"dynamodb\"\n\
             table = \"forwarder-checkpoints\"\nregion = \"us-east-1\"\n\
             [dead_letter]\npath = \"{}\"\n\
             [[subscription]]\nname = \"things\"\nendpoint = \"{url}\"\nevents = [\"test.*\"]\n\
             secret_env = \"FORWARDER_TEST_SECRET\"\nread_batch = 10\n",
            dir.path().join("bus.db").display(),
            dir.path().join("dead-letters.jsonl").display(),
        ),
    )
    .unwrap();
    let env = [
        ("CONTRACTS_CHECKPOINTS_ENDPOINT_URL", dynalite.endpoint()),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_event-forwarder"))
            .arg("--config")
            .arg(&config)
            .env("FORWARDER_TEST_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let distinct = || {
        delivered
            .lock()
            .unwrap()
            .iter()
            .collect::<HashSet<_>>()
            .len()
    };
    let first = spawn();
    wait_until("the first deliveries", || distinct() >= 20).await;
    let second = spawn();
    // More events: both must write checkpoints again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream
        .put_records((300..400).map(event).collect())
        .await
        .unwrap();
    // One of the two stops by itself with the conflict.
    let mut running = vec![first, second];
    let deadline = Instant::now() + Duration::from_secs(60);
    let (stopped, status) = loop {
        if let Some(index) = running
            .iter_mut()
            .position(|child| child.try_wait().unwrap().is_some())
        {
            let child = running.remove(index);
            let output = child.wait_with_output().unwrap();
            break (
                String::from_utf8_lossy(&output.stderr).into_owned(),
                output.status,
            );
        }
        assert!(Instant::now() < deadline, "neither forwarder stopped");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(!status.success(), "{stopped}");
    assert!(
        stopped.contains("advanced by another reader"),
        "the error names the conflict: {stopped}"
    );
    // The survivor delivers everything, then stops cleanly.
    wait_until("every event", || distinct() == 400).await;
    let survivor = running.pop().unwrap();
    let status = terminate(survivor).await;
    assert!(status.success(), "{status}");
}
