//! The group mailer as deployed (its binary) and the one-command demo (its binary), on
//! loopback and on a local stream in a temporary folder.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contracts::mailer::{GroupEmailRequestedV1, GroupEmailSentV1};
use contracts::{Envelope, Event, Record, Router};
use contracts_stream::{
    stop_signal, Consumer, LocalOptions, LocalStream, ReaderOptions, SqliteCheckpoints,
};
use serde_json::json;
use standardwebhooks::Webhook;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The mailer binary on a free loopback port, its stream in `dir`; stopped when dropped.
struct Mailer {
    child: Child,
    url: String,
}

impl Mailer {
    fn start(dir: &std::path::Path) -> Mailer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_group-mailer"))
            .current_dir(dir)
            .env("MAILER_ADDR", "127.0.0.1:0")
            .env("MAILER_WEBHOOK_SECRET", SECRET)
            .env("CONTRACTS_STREAM_BACKEND", "local")
            .env("CONTRACTS_LOCAL_STREAM_PATH", dir.join("bus.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_owned();
        Mailer { child, url }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for Mailer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn request(group: &str) -> GroupEmailRequestedV1 {
    GroupEmailRequestedV1::decode_value(&json!({
        "request_id": uuid::Uuid::new_v4(),
        "group_id": group,
        "channel": "email",
        "subject": "November meeting",
        "body_text": "We meet on Friday at 7.",
        "max_recipients": 20,
        "requested_at": "2026-11-30T12:00:00Z"
    }))
    .unwrap()
}

async fn post(url: &str, body: &[u8], secret: &str) -> u16 {
    let id = format!("msg_{}", uuid::Uuid::new_v4());
    let timestamp = chrono::Utc::now().timestamp();
    let signature = Webhook::new(secret)
        .unwrap()
        .sign(&id, timestamp, body)
        .unwrap();
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/cloudevents+json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Every `group_email_sent` on the stream in `dir`, read from the start.
async fn outcomes(dir: &std::path::Path, expected: usize) -> Vec<GroupEmailSentV1> {
    let stream = LocalStream::open(dir.join("bus.db"), &LocalOptions::default()).unwrap();
    let found: Arc<Mutex<Vec<GroupEmailSentV1>>> = Arc::default();
    let (stopper, stop) = stop_signal();
    let stopper = Arc::new(stopper);
    let (seen, done) = (found.clone(), stopper.clone());
    let router = Router::new().on(move |sent: GroupEmailSentV1, _: &Envelope| {
        let mut seen = seen.lock().unwrap();
        seen.push(sent);
        if seen.len() >= expected {
            done.stop();
        }
        Ok::<_, std::convert::Infallible>(())
    });
    let reader = ReaderOptions {
        idle_wait: Duration::from_millis(20),
        ..ReaderOptions::new(format!("test-{}", uuid::Uuid::new_v4()))
    };
    let checkpoints = Arc::new(SqliteCheckpoints::open(dir.join("test-checkpoints.db")).unwrap());
    let reading = Consumer::new(router).run(Arc::new(stream), checkpoints, reader, stop);
    // A guard, not a measurement: the events are already on the stream.
    let _ = tokio::time::timeout(Duration::from_secs(30), reading).await;
    let found = found.lock().unwrap().clone();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailer_answers_signed_requests_with_an_outcome_on_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::start(dir.path());

    let asked = request("book-club");
    let (record, envelope) = Record::from_event("web-app", &asked).unwrap();
    assert_eq!(post(&mailer.url, &record.data, SECRET).await, 200);
    // The same event again (at-least-once delivery): acknowledged, not emailed twice.
    assert_eq!(post(&mailer.url, &record.data, SECRET).await, 200);
    // Forged: another secret. Refused, and nothing is emailed.
    let forged = request("chess-club");
    let (forged_record, _) = Record::from_event("web-app", &forged).unwrap();
    let other = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(post(&mailer.url, &forged_record.data, other).await, 401);
    // A payload its schema refuses: 422, and nothing is emailed.
    let mut invalid: serde_json::Value = serde_json::from_slice(&record.data).unwrap();
    invalid["id"] = json!("invalid-1");
    invalid["data"]["group_id"] = json!("Not A Group!");
    let invalid = serde_json::to_vec(&invalid).unwrap();
    assert_eq!(post(&mailer.url, &invalid, SECRET).await, 422);

    // A last request: once its outcome is read, every earlier one would have been too.
    let last = request("hiking");
    let (last_record, _) = Record::from_event("web-app", &last).unwrap();
    assert_eq!(post(&mailer.url, &last_record.data, SECRET).await, 200);

    let sent = outcomes(dir.path(), 2).await;
    // Two groups, two partition keys: the shards are read side by side, in no set order.
    let mut ids: Vec<String> = sent.iter().map(|s| s.request_id.clone()).collect();
    ids.sort();
    let mut expected_ids = [asked.request_id.to_string(), last.request_id.to_string()];
    expected_ids.sort();
    assert_eq!(
        ids, expected_ids,
        "one outcome per request handled, none for the duplicate, the forged or the invalid"
    );
    let outcome = sent
        .iter()
        .find(|s| s.request_id == asked.request_id.to_string())
        .unwrap();
    assert_eq!(outcome.request_id, asked.request_id.to_string());
    assert_eq!(outcome.group_id.as_str(), "book-club");
    let expected = group_mailer::deliver(&asked);
    assert_eq!(
        (outcome.sent_count, &outcome.failed_recipients),
        (expected.sent_count, &expected.failed_recipients)
    );
    assert!(outcome.sent_count + outcome.failed_recipients.len() as u64 <= 20);
    assert_eq!(
        envelope.cloudevents_type(),
        "mailer.group_email_requested.v1"
    );

    // SIGTERM: the mailer ends cleanly.
    assert!(mailer.terminate().success());
}

#[test]
fn the_demo_delivers_every_request_through_the_forwarder() {
    let out = Command::new(env!("CARGO_BIN_EXE_group-mailer-demo"))
        .args(["--requests", "25", "--timeout-seconds", "60"])
        .env("RUST_LOG", "warn,contracts_forwarder=info")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("\nrequested  ").count(), 25, "{stdout}");
    assert_eq!(stdout.matches("\nemailed    ").count(), 25, "{stdout}");
    assert!(
        stdout.contains("done       25 requests, 25 outcomes:"),
        "{stdout}"
    );
    // The forwarder's own account: every request delivered, none dead-lettered.
    let stopped = stderr
        .lines()
        .find(|l| l.contains("stopped") && l.contains("subscription=group-mailer"))
        .unwrap_or_else(|| panic!("no final progress line: {stderr}"));
    assert!(stopped.contains("delivered=25"), "{stopped}");
    assert!(stopped.contains("dead_lettered=0"), "{stopped}");
}
