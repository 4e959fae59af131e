//! The event forwarder end to end: typed events on the local stream, the forwarder, and real
//! `/events/` endpoints (contracts-http) on loopback that fail, throttle and refuse. Every
//! event reaches each subscriber at least once and in order per key, a poison event lands in
//! the dead-letter file while the rest flow, a failing endpoint holds back no other, and a
//! restart resumes from the checkpoints.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::IntoResponse;
use common::{index_of, payment_failed, Seen};
use contracts::{payments, Envelope, Router};
use contracts_forwarder::ForwarderConfig;
use contracts_http::Endpoint;
use contracts_stream::{
    stop_signal, LocalOptions, LocalStream, Producer, ProducerOptions, PutRecord,
};
use serde_json::Value;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// How an endpoint misbehaves before the real one answers.
#[derive(Clone, Copy)]
enum Fault {
    None,
    /// The first `n` requests get 503, then every 7th request gets 500.
    Flaky(usize),
    /// The first request gets 429 with `Retry-After: 1`.
    Throttle,
    /// Every request gets 503.
    Down,
    /// The first `n` requests are answered only after 2 s (past the forwarder's timeout).
    Hang(usize),
    /// Every request takes 5 ms.
    Slow,
}

struct Server {
    url: String,
    seen: Seen,
    /// Every request: when, the event id (`webhook-id`), the status answered.
    requests: Arc<Mutex<Vec<(Instant, String, u16)>>>,
    /// The most requests it was answering at once.
    most_at_once: Arc<AtomicUsize>,
}

/// A real endpoint on loopback: attempt 9 always fails in its handler (a poison event).
async fn endpoint(fault: Fault) -> Server {
    let seen = Seen::default();
    let log = seen.clone();
    let router = Router::new().on(
        move |event: payments::PaymentFailedV1, envelope: &Envelope| {
            if event.attempt.get() == 9 && index_of(&event) == 9 {
                return Err("poison".to_owned());
            }
            log.record(&event, envelope);
            Ok(())
        },
    );
    let requests: Arc<Mutex<Vec<(Instant, String, u16)>>> = Arc::default();
    let answered = requests.clone();
    let count = Arc::new(AtomicUsize::new(0));
    let (at_once, most_at_once) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let most = most_at_once.clone();
    let app = Endpoint::new(router, &[SECRET])
        .unwrap()
        .into_router()
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                let (count, answered) = (count.clone(), answered.clone());
                let (at_once, most) = (at_once.clone(), most.clone());
                async move {
                    let now = at_once.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    if matches!(fault, Fault::Slow) {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    let id = request
                        .headers()
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    if matches!(fault, Fault::Hang(first) if n < first) {
                        // Logged on arrival with status 0: the forwarder gives up first.
                        answered
                            .lock()
                            .unwrap()
                            .push((Instant::now(), id.clone(), 0));
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                    let injected = match fault {
                        Fault::Flaky(first) if n < first => Some(StatusCode::SERVICE_UNAVAILABLE),
                        Fault::Flaky(_) if n % 7 == 6 => Some(StatusCode::INTERNAL_SERVER_ERROR),
                        Fault::Down => Some(StatusCode::SERVICE_UNAVAILABLE),
                        Fault::Throttle if n == 0 => Some(StatusCode::TOO_MANY_REQUESTS),
                        _ => None,
                    };
                    let response = match injected {
                        Some(StatusCode::TOO_MANY_REQUESTS) => (
                            StatusCode::TOO_MANY_REQUESTS,
                            [("retry-after", "1")],
                            "slow down",
                        )
                            .into_response(),
                        Some(status) => (status, "injected").into_response(),
                        None => next.run(request).await,
                    };
                    answered
                        .lock()
                        .unwrap()
                        .push((Instant::now(), id, response.status().as_u16()));
                    at_once.fetch_sub(1, Ordering::SeqCst);
                    response
                }
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        url: format!("http://{address}/events/"),
        seen,
        requests,
        most_at_once,
    }
}

/// `subscriptions`: name, endpoint, event patterns, attempts per event.
fn config(dir: &Path, subscriptions: &[(&str, &str, &str, u32)]) -> ForwarderConfig {
    let mut text = format!(
        "[stream]\nbackend = \"local\"\n[stream.local]\npath = \"{}\"\n[stream.checkpoints]\npath = \"{}\"\n[dead_letter]\npath = \"{}\"\n",
        dir.join("bus.db").display(),
        dir.join("checkpoints.db").display(),
        dir.join("dead-letters.jsonl").display()
    );
    for (name, url, events, attempts) in subscriptions {
        text.push_str(&format!(
            "[[subscription]]\nname = \"{name}\"\nendpoint = \"{url}\"\nevents = [{events}]\nsecret_env = \"SECRET\"\nmax_attempts = {attempts}\nbase_backoff_ms = 1\nmax_backoff_ms = 20\n"
        ));
    }
    let file = dir.join("forwarder.toml");
    std::fs::write(&file, text).unwrap();
    ForwarderConfig::from_file(&file).unwrap()
}

async fn produce(stream: &LocalStream, range: std::ops::Range<usize>) {
    let producer = Producer::new(
        stream.clone(),
        contracts::SOURCE,
        ProducerOptions::default(),
    );
    let mut pending = Vec::new();
    for index in range {
        pending.push(producer.enqueue(&payment_failed(index)).await.unwrap());
    }
    for delivery in futures::future::join_all(pending).await {
        delivery.unwrap();
    }
    producer.shutdown().await;
}

/// The forwarder running in a task of its own, with the handle that stops it.
fn start(
    config: ForwarderConfig,
) -> (
    contracts_stream::Stopper,
    tokio::task::JoinHandle<Result<(), contracts_forwarder::ForwarderError>>,
) {
    let (stopper, stop) = stop_signal();
    let run = tokio::spawn(contracts_forwarder::run(
        config,
        |name| (name == "SECRET").then(|| SECRET.to_owned()),
        stop,
        Duration::from_secs(60),
    ));
    (stopper, run)
}

/// Runs the forwarder until `until` holds, then stops it and waits for it (a minute at most).
async fn forward(config: ForwarderConfig, until: impl Fn() -> bool) {
    let (stopper, run) = start(config);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !until() {
        assert!(Instant::now() < deadline, "the events did not arrive");
        assert!(!run.is_finished(), "the forwarder stopped: {:?}", run.await);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stopper.stop();
    run.await.unwrap().unwrap();
}

/// The complete lines of the dead-letter file: read while the forwarder runs, its last line
/// may still be being written (no newline yet), and is left for the next look.
fn dead_letters(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("dead-letters.jsonl"))
        .unwrap_or_default()
        .split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_reaches_each_subscriber_in_order_and_a_poison_event_is_dead_lettered() {
    poison_and_faults(1).await;
}

/// The same faults with ten events to a request: a batch the poison event fails is retried,
/// then its events go one at a time, so only the poison and the invalid event are given up on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_delivery_loses_nothing_and_dead_letters_only_the_poison() {
    poison_and_faults(10).await;
}

async fn poison_and_faults(batch_size: usize) {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    // 300 events; index 9 has attempt 10, so it is not the poison: make one that is.
    produce(&stream, 0..300).await;
    let mut poison = payment_failed(9);
    poison.attempt = std::num::NonZeroU64::new(9).unwrap();
    let producer = Producer::new(
        stream.clone(),
        contracts::SOURCE,
        ProducerOptions::default(),
    );
    let poison = producer.send(&poison).await.unwrap().envelope;
    // A record that is not a CloudEvent, and one whose payload breaks its schema.
    producer
        .send_record(PutRecord {
            partition_key: "x".into(),
            data: b"not an event".to_vec(),
        })
        .await
        .unwrap();
    let mut invalid = serde_json::to_value(&poison).unwrap();
    invalid["id"] = "invalid-1".into();
    invalid["data"]["attempt"] = 99.into();
    producer
        .send_record(PutRecord {
            partition_key: poison.partition_key.clone(),
            data: serde_json::to_vec(&invalid).unwrap(),
        })
        .await
        .unwrap();
    producer.shutdown().await;

    let flaky = endpoint(Fault::Flaky(10)).await;
    let down = endpoint(Fault::Down).await;
    let mut config = config(
        dir.path(),
        &[
            // Enough attempts to outlast the first ten 503s even if one event meets them all.
            ("payments", &flaky.url, "\"payments.*\"", 12),
            ("down", &down.url, "\"payments.payment_failed.v1\"", 4),
        ],
    );
    for subscription in &mut config.subscriptions {
        subscription.batch_size = batch_size;
    }
    let dir_path = dir.path().to_path_buf();
    forward(config, || {
        flaky.seen.distinct().len() == 300
            && dead_letters(&dir_path)
                .iter()
                .filter(|l| l["subscription"] == "payments")
                .count()
                == 3
    })
    .await;

    assert_eq!(flaky.seen.distinct(), (0..300).collect::<HashSet<_>>());
    flaky.seen.assert_ordered();
    let statuses: Vec<u16> = flaky.requests.lock().unwrap().iter().map(|r| r.2).collect();
    assert!(
        statuses.iter().filter(|s| **s >= 500).count() > 10,
        "faults were injected"
    );
    let batches = flaky
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.1.starts_with("batch_"))
        .count();
    if batch_size == 1 {
        assert_eq!(batches, 0);
    } else {
        // 300 events: with ten to a request, far fewer requests than events.
        assert!(batches > 0, "no batched request");
        assert!(statuses.len() < 200, "{} requests", statuses.len());
    }

    let letters: Vec<Value> = dead_letters(dir.path())
        .into_iter()
        .filter(|l| l["subscription"] == "payments")
        .collect();
    let reason = |id: &str| {
        letters
            .iter()
            .find(|l| l["record"]["id"] == id)
            .unwrap_or_else(|| panic!("no dead letter for {id}: {letters:?}"))
    };
    let poisoned = reason(&poison.id);
    assert_eq!(poisoned["reason"], "attempts");
    assert_eq!(poisoned["attempts"], 12);
    assert_eq!(poisoned["last_status"], 500);
    let refused = reason("invalid-1");
    assert_eq!(refused["reason"], "refused");
    assert_eq!(refused["last_status"], 422);
    // A 422 is not retried: it was the last request for that event.
    let tries: Vec<u16> = flaky
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.1 == "invalid-1")
        .map(|r| r.2)
        .collect();
    assert_eq!(tries.last(), Some(&422));
    assert_eq!(tries.iter().filter(|s| **s == 422).count(), 1, "{tries:?}");
    assert_eq!(refused["attempts"], tries.len());
    assert!(refused["last_response"]
        .as_str()
        .unwrap()
        .contains("/attempt"));
    assert!(letters.iter().any(|l| l["reason"] == "not_an_event"));

    // The endpoint that is down held back nobody, and lost nothing: its events are in the
    // dead-letter file or still ahead of its checkpoint.
    assert!(down.seen.distinct().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_and_a_restart_resumes_from_the_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    produce(&stream, 0..200).await;

    // First run: the first request is throttled with `Retry-After: 1`.
    let first = endpoint(Fault::Throttle).await;
    let config_first = config(dir.path(), &[("mailer", &first.url, "\"*\"", 4)]);
    let resent = |server: &Server| {
        let requests = server.requests.lock().unwrap();
        requests.len() > 1 && requests[1..].iter().any(|r| r.1 == requests[0].1)
    };
    forward(config_first, || {
        first.seen.distinct().len() == 200 && resent(&first)
    })
    .await;
    {
        let requests = first.requests.lock().unwrap();
        let (throttled_at, throttled_id, status) = requests[0].clone();
        assert_eq!(status, 429);
        let retried_at = requests[1..]
            .iter()
            .find(|r| r.1 == throttled_id)
            .unwrap()
            .0;
        let waited = retried_at - throttled_at;
        assert!(
            waited >= Duration::from_millis(950),
            "Retry-After: 1 honoured, waited {waited:?}"
        );
    }
    first.seen.assert_ordered();

    // Stopped and started again, against a new endpoint process: only what came after.
    produce(&stream, 200..300).await;
    let second = endpoint(Fault::None).await;
    let config_second = config(dir.path(), &[("mailer", &second.url, "\"*\"", 4)]);
    forward(config_second, || second.seen.distinct().len() == 100).await;
    assert_eq!(second.seen.distinct(), (200..300).collect::<HashSet<_>>());
    assert_eq!(second.seen.total(), 100, "nothing delivered again");
}

/// Without a checkpoint: TRIM_HORIZON takes every record kept, AT_TIMESTAMP those from a time
/// on, LATEST only those put once it started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_positions_trim_horizon_at_timestamp_and_latest() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    produce(&stream, 0..50).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let from = chrono::Utc::now();
    tokio::time::sleep(Duration::from_millis(50)).await;
    produce(&stream, 50..100).await;
    let (everything, since, latest) = (
        endpoint(Fault::None).await,
        endpoint(Fault::None).await,
        endpoint(Fault::None).await,
    );
    let mut config = config(
        dir.path(),
        &[
            ("everything", &everything.url, "\"*\"", 4),
            ("since", &since.url, "\"*\"", 4),
            ("latest", &latest.url, "\"*\"", 4),
        ],
    );
    config.subscriptions[1].start = contracts_forwarder::config::Start::AtTimestamp;
    config.subscriptions[1].start_timestamp =
        Some(from.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    config.subscriptions[2].start = contracts_forwarder::config::Start::Latest;
    let (stopper, run) = start(config);
    let deadline = Instant::now() + Duration::from_secs(60);
    while everything.seen.distinct().len() < 100 || since.seen.distinct().len() < 50 {
        assert!(Instant::now() < deadline && !run.is_finished());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // LATEST took its iterators when it started: let it read once before producing more.
    tokio::time::sleep(Duration::from_millis(300)).await;
    produce(&stream, 100..120).await;
    while everything.seen.distinct().len() < 120
        || since.seen.distinct().len() < 70
        || latest.seen.distinct().len() < 20
    {
        assert!(Instant::now() < deadline && !run.is_finished());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stopper.stop();
    run.await.unwrap().unwrap();
    assert_eq!(everything.seen.distinct(), (0..120).collect::<HashSet<_>>());
    assert_eq!(since.seen.distinct(), (50..120).collect::<HashSet<_>>());
    assert_eq!(latest.seen.distinct(), (100..120).collect::<HashSet<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_that_time_out_or_refuse_connections_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    produce(&stream, 0..50).await;
    let slow = endpoint(Fault::Hang(3)).await;
    // A port nobody listens on: every connection is refused.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/events/", listener.local_addr().unwrap())
    };
    let mut config = config(
        dir.path(),
        &[
            ("slow", &slow.url, "\"payments.*\"", 10),
            ("closed", &closed, "\"payments.*\"", 3),
        ],
    );
    config.subscriptions[0].timeout_ms = 300;
    let dir_path = dir.path().to_path_buf();
    forward(config, || {
        slow.seen.distinct().len() == 50
            && dead_letters(&dir_path)
                .iter()
                .filter(|l| l["subscription"] == "closed")
                .count()
                == 50
    })
    .await;
    // Every event reached the slow endpoint, in order per key, after the timeouts.
    assert_eq!(slow.seen.distinct(), (0..50).collect::<HashSet<_>>());
    slow.seen.assert_ordered();
    let requests = slow.requests.lock().unwrap().clone();
    let hung: Vec<&String> = requests
        .iter()
        .filter(|(_, _, status)| *status == 0)
        .map(|(_, id, _)| id)
        .collect();
    assert!(!hung.is_empty(), "requests were held past the timeout");
    for id in hung {
        assert!(
            requests
                .iter()
                .any(|(_, other, status)| other == id && *status == 200),
            "{id} was sent again after its timeout and delivered"
        );
    }
    // The refused endpoint: each event given up after its attempts, the reason kept.
    let letters: Vec<Value> = dead_letters(dir.path())
        .into_iter()
        .filter(|l| l["subscription"] == "closed")
        .collect();
    assert_eq!(letters.len(), 50);
    for letter in &letters {
        assert_eq!(letter["reason"], "attempts", "{letter}");
        assert_eq!(letter["attempts"], 3, "{letter}");
        assert!(letter["last_status"].is_null(), "{letter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_metrics_show_deliveries_retries_and_lag_per_shard() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    produce(&stream, 0..40).await;
    let flaky = endpoint(Fault::Flaky(3)).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config(dir.path(), &[("payments", &flaky.url, "\"*\"", 10)]);
    let file = dir.path().join("forwarder.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("{text}[metrics]\naddress = \"127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    let config = ForwarderConfig::from_file(&file).unwrap();
    let (stopper, run) = start(config);
    let deadline = Instant::now() + Duration::from_secs(60);
    while flaky.seen.distinct().len() < 40 {
        assert!(Instant::now() < deadline, "the events did not arrive");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Scraped while running: the counters match what the endpoint saw.
    let url = format!("http://127.0.0.1:{port}/metrics");
    let mut text = String::new();
    let wanted = format!(
        "forwarder_events_delivered_total{{subscription=\"payments\"}} {}",
        flaky.seen.total()
    );
    // The lag of a shard is noted once a read of it has been handled whole.
    while !(text.contains(&wanted) && text.contains("forwarder_shard_lag_milliseconds{")) {
        assert!(Instant::now() < deadline, "{wanted} not in {text}");
        let response = reqwest::get(&url).await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"));
        text = response.text().await.unwrap();
    }
    let retried: u64 = text
        .lines()
        .find(|l| l.starts_with("forwarder_attempts_retried_total{subscription=\"payments\"}"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no retried line: {text}"));
    assert!(retried >= 3, "the three injected 503s were retried: {text}");
    assert!(text.contains("forwarder_events_dead_lettered_total{subscription=\"payments\"} 0"));
    let lag_lines = text
        .lines()
        .filter(|l| l.starts_with("forwarder_shard_lag_milliseconds{"))
        .count();
    assert!(lag_lines >= 1, "lag per shard: {text}");
    stopper.stop();
    run.await.unwrap().unwrap();

    // Metrics are served on loopback only.
    let file = dir.path().join("public.toml");
    std::fs::write(
        &file,
        format!(
            "{text2}[metrics]\naddress = \"0.0.0.0:9464\"\n",
            text2 = std::fs::read_to_string(dir.path().join("forwarder.toml"))
                .unwrap()
                .replace(&format!("[metrics]\naddress = \"127.0.0.1:{port}\"\n"), "")
        ),
    )
    .unwrap();
    let refused = ForwarderConfig::from_file(&file).unwrap_err().to_string();
    assert!(refused.contains("not a loopback address"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_delivery_keeps_the_order_of_each_key() {
    let dir = tempfile::tempdir().unwrap();
    // One shard: without concurrency, one request at a time.
    let options = LocalOptions {
        shards: 1,
        ..LocalOptions::default()
    };
    let stream = LocalStream::open(dir.path().join("bus.db"), &options).unwrap();
    produce(&stream, 0..120).await;
    let ordered = endpoint(Fault::Slow).await;
    let parallel = endpoint(Fault::Slow).await;
    let mut config = config(
        dir.path(),
        &[
            ("ordered", &ordered.url, "\"payments.*\"", 4),
            ("parallel", &parallel.url, "\"payments.*\"", 4),
        ],
    );
    config.subscriptions[1].concurrency = 8;
    let batched = endpoint(Fault::Slow).await;
    let mut by_key = config.subscriptions[1].clone();
    (by_key.name, by_key.endpoint, by_key.batch_size) = ("batched".into(), batched.url.clone(), 4);
    config.subscriptions.push(by_key);
    forward(config, || {
        ordered.seen.distinct().len() == 120
            && parallel.seen.distinct().len() == 120
            && batched.seen.distinct().len() == 120
    })
    .await;
    ordered.seen.assert_ordered();
    parallel.seen.assert_ordered();
    // Batches hold events of one key (12 keys, 10 events each): in order, each once.
    batched.seen.assert_each_once_in_order(120);
    let requests = batched.requests.lock().unwrap().len();
    assert!(
        requests < 120,
        "{requests} requests for 120 events in batches of up to 4"
    );
    assert_eq!(ordered.most_at_once.load(Ordering::SeqCst), 1);
    let most = parallel.most_at_once.load(Ordering::SeqCst);
    assert!((2..=8).contains(&most), "up to 8 keys at once, {most} seen");
}

/// A redirect is never followed: the event is not sent where the answer points, and it goes to
/// the dead-letter file as refused (`last_status` 307).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    produce(&stream, 0..3).await;
    let elsewhere = endpoint(Fault::None).await;
    let target = elsewhere.url.clone();
    let redirecting = axum::Router::new().route(
        "/events/",
        axum::routing::post(move || {
            let target = target.clone();
            async move { (StatusCode::TEMPORARY_REDIRECT, [("location", target)]) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirecting).await.unwrap() });
    let config = config(dir.path(), &[("moved", &url, "\"*\"", 4)]);
    let dir_path = dir.path().to_path_buf();
    forward(config, || dead_letters(&dir_path).len() == 3).await;
    for letter in dead_letters(dir.path()) {
        assert_eq!(letter["reason"], "refused", "{letter}");
        assert_eq!(letter["last_status"], 307, "{letter}");
        assert_eq!(letter["attempts"], 1, "{letter}");
    }
    assert!(
        elsewhere.requests.lock().unwrap().is_empty(),
        "followed a redirect"
    );
}

/// `batch_max_bytes` bounds a batched body: room for two events means batches of two at most,
/// and a limit below one event sends each alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_stay_within_their_byte_limit() {
    let dir = tempfile::tempdir().unwrap();
    let options = LocalOptions {
        shards: 1,
        ..LocalOptions::default()
    };
    let stream = LocalStream::open(dir.path().join("bus.db"), &options).unwrap();
    let producer = Producer::new(
        stream.clone(),
        contracts::SOURCE,
        ProducerOptions::default(),
    );
    // Every record has the same shape; the first one's size stands for all (give or take a
    // few bytes of time stamp).
    let first = producer.send(&payment_failed(0)).await.unwrap().envelope;
    let size = serde_json::to_vec(&first).unwrap().len();
    producer.shutdown().await;
    produce(&stream, 1..60).await;
    let (pairs, alone) = (endpoint(Fault::None).await, endpoint(Fault::None).await);
    let mut config = config(
        dir.path(),
        &[
            ("pairs", &pairs.url, "\"*\"", 4),
            ("alone", &alone.url, "\"*\"", 4),
        ],
    );
    // `[a,b]`: two records, a comma and the brackets; three would need a whole record more.
    (
        config.subscriptions[0].batch_size,
        config.subscriptions[0].batch_max_bytes,
    ) = (10, 2 * size + 3 + size / 2);
    (
        config.subscriptions[1].batch_size,
        config.subscriptions[1].batch_max_bytes,
    ) = (10, 1);
    forward(config, || {
        pairs.seen.distinct().len() == 60 && alone.seen.distinct().len() == 60
    })
    .await;
    pairs.seen.assert_each_once_in_order(60);
    alone.seen.assert_each_once_in_order(60);
    let batch_sizes: Vec<usize> = pairs
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter_map(|r| r.1.strip_prefix("batch_"))
        .map(|rest| rest.split('_').next().unwrap().parse().unwrap())
        .collect();
    assert!(batch_sizes.iter().all(|n| *n == 2), "{batch_sizes:?}");
    assert!(batch_sizes.len() >= 25, "{batch_sizes:?}");
    let requests = alone.requests.lock().unwrap();
    assert_eq!(requests.len(), 60);
    assert!(requests.iter().all(|r| !r.1.starts_with("batch_")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_can_go_to_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let stream = LocalStream::open(dir.path().join("bus.db"), &LocalOptions::default()).unwrap();
    produce(&stream, 0..20).await;
    let producer = Producer::new(
        stream.clone(),
        contracts::SOURCE,
        ProducerOptions::default(),
    );
    producer
        .send_record(PutRecord {
            partition_key: "x".into(),
            data: b"not an event".to_vec(),
        })
        .await
        .unwrap();
    producer.shutdown().await;
    let healthy = endpoint(Fault::None).await;
    let file = dir.path().join("forwarder.toml");
    std::fs::write(
        &file,
        format!(
            "[stream]\nbackend = \"local\"\n[stream.local]\npath = \"{}\"\n[stream.checkpoints]\npath = \"{}\"\n\
             [dead_letter.stream]\nbackend = \"local\"\n[dead_letter.stream.local]\npath = \"{}\"\nshards = 1\n\
             [[subscription]]\nname = \"payments\"\nendpoint = \"{}\"\nevents = [\"payments.*\"]\nsecret_env = \"SECRET\"\n",
            dir.path().join("bus.db").display(),
            dir.path().join("checkpoints.db").display(),
            dir.path().join("dead-letters.db").display(),
            healthy.url,
        ),
    )
    .unwrap();
    let config = ForwarderConfig::from_file(&file).unwrap();
    let letters = LocalStream::open(
        dir.path().join("dead-letters.db"),
        &LocalOptions {
            shards: 1,
            ..LocalOptions::default()
        },
    )
    .unwrap();
    let read_letters = || {
        let letters = letters.clone();
        async move {
            use contracts_stream::{Backend, StartPosition};
            let shard = letters.list_shards().await.unwrap()[0].shard_id.clone();
            let iterator = letters
                .shard_iterator(&shard, &StartPosition::TrimHorizon)
                .await
                .unwrap();
            letters
                .get_records(&iterator, 100)
                .await
                .unwrap()
                .records
                .into_iter()
                .map(|r| serde_json::from_slice::<Value>(&r.data).unwrap())
                .collect::<Vec<_>>()
        }
    };
    let (stopper, run) = start(config);
    let deadline = Instant::now() + Duration::from_secs(60);
    while healthy.seen.distinct().len() < 20 || read_letters().await.is_empty() {
        assert!(Instant::now() < deadline, "the events did not arrive");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stopper.stop();
    run.await.unwrap().unwrap();
    let letters = read_letters().await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["subscription"], "payments");
    assert_eq!(letters[0]["reason"], "not_an_event");
    assert_eq!(letters[0]["record"], "not an event");
    assert!(!dir.path().join("dead-letters.jsonl").exists());

    // A file and a stream at once, or neither: refused.
    let text = std::fs::read_to_string(&file).unwrap();
    let both = dir.path().join("both.toml");
    std::fs::write(
        &both,
        text.replace(
            "[dead_letter.stream]\n",
            "[dead_letter]\npath = \"x.jsonl\"\n[dead_letter.stream]\n",
        ),
    )
    .unwrap();
    let refused = ForwarderConfig::from_file(&both).unwrap_err().to_string();
    assert!(refused.contains("one of the two"), "{refused}");
}
