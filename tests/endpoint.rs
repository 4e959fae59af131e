//! The `/events/` endpoint over real HTTP on loopback: signed CloudEvents in structured, binary
//! and batched mode reach typed handlers; forged, stale, oversized, malformed, invalid and
//! duplicate requests are answered as the sender needs and never reach a handler.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use contracts::{payments, Envelope, Router};
use contracts_http::{Endpoint, EndpointOptions, BATCH};
use serde_json::{json, Value};
use standardwebhooks::Webhook;

mod common;
use common::{cloudevent, Send, OLD_SECRET, SECRET};

/// Attempts handled, in order. Attempt 9 fails; attempt 8 is slow: it blocks its thread
/// until the server's `release_slow` is set (10 s at most), after setting `slow_started`.
type Handled = Arc<Mutex<Vec<u64>>>;

#[derive(Default, Clone)]
struct SlowGate {
    started: Arc<AtomicBool>,
    release: Arc<AtomicBool>,
}

impl SlowGate {
    async fn wait_started(&self) {
        while !self.started.load(SeqCst) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn serve(secrets: &[&str], options: EndpointOptions) -> (String, Handled) {
    let (url, handled, _) = serve_gated(secrets, options).await;
    (url, handled)
}

async fn serve_gated(secrets: &[&str], options: EndpointOptions) -> (String, Handled, SlowGate) {
    let handled: Handled = Arc::default();
    let gate = SlowGate::default();
    let (log, slow) = (handled.clone(), gate.clone());
    let router = Router::new().on(move |event: payments::PaymentFailedV1, _: &Envelope| {
        let attempt = event.attempt.get();
        if attempt == 9 {
            return Err("the mailer is down".to_owned());
        }
        if attempt == 8 {
            slow.started.store(true, SeqCst);
            let until = std::time::Instant::now() + Duration::from_secs(10);
            while !slow.release.load(SeqCst) && std::time::Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        log.lock().unwrap().push(attempt);
        Ok(())
    });
    let app = Endpoint::new(router, secrets)
        .unwrap()
        .options(options)
        .into_router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/events/"), handled, gate)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_events_in_every_mode_reach_their_handler_once() {
    let (url, handled) = serve(&[SECRET], EndpointOptions::default()).await;

    // Structured mode, then the same event again: a duplicate, acknowledged, not handled.
    let (body, _) = cloudevent(1);
    let (status, summary, _) = Send::new(&url, body.clone()).go().await;
    assert_eq!((status, summary["handled"].as_u64()), (200, Some(1)));
    let (status, summary, _) = Send::new(&url, body).go().await;
    assert_eq!((status, summary["duplicates"].as_u64()), (200, Some(1)));

    // Binary mode: attributes in ce-* headers, the payload as the body.
    let (_, envelope) = cloudevent(2);
    let mut send = Send::new(&url, envelope.data.get().as_bytes().to_vec());
    send.content_type = "application/json";
    send.extra = vec![
        ("ce-specversion", "1.0".into()),
        ("ce-id", envelope.id.clone()),
        ("ce-source", "test".into()),
        ("ce-type", envelope.cloudevents_type()),
        ("ce-partitionkey", envelope.partition_key.clone()),
        ("ce-subject", "caf%C3%A9".into()),
    ];
    let (status, summary, _) = send.go().await;
    assert_eq!(
        (status, summary["handled"].as_u64()),
        (200, Some(1)),
        "{summary}"
    );

    // Batched mode.
    let batch: Vec<Value> = (3..6)
        .map(|attempt| serde_json::from_slice(&cloudevent(attempt).0).unwrap())
        .collect();
    let mut send = Send::new(&url, serde_json::to_vec(&batch).unwrap());
    send.content_type = BATCH;
    let (status, summary, _) = send.go().await;
    assert_eq!(
        (status, summary["handled"].as_u64()),
        (200, Some(3)),
        "{summary}"
    );

    // An event nobody here subscribed to is acknowledged.
    let mut other = serde_json::from_slice::<Value>(&cloudevent(6).0).unwrap();
    other["type"] = json!("payments.payment_failed.v2");
    let (status, summary, _) = Send::new(&url, serde_json::to_vec(&other).unwrap())
        .go()
        .await;
    assert_eq!((status, summary["not_subscribed"].as_u64()), (200, Some(1)));

    assert_eq!(*handled.lock().unwrap(), [1, 2, 3, 4, 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stale_and_rotated_signatures() {
    let (url, handled) = serve(&[SECRET, OLD_SECRET], EndpointOptions::default()).await;
    let (body, _) = cloudevent(1);

    let mut unsigned = Send::new(&url, body.clone());
    unsigned.signed = false;
    let forged = Send {
        secret: "whsec_c29tZWJvZHkgZWxzZSdzIHNlY3JldA==",
        ..Send::new(&url, body.clone())
    };
    let stale = Send {
        timestamp_offset: -301,
        ..Send::new(&url, body.clone())
    };
    let future = Send {
        timestamp_offset: 301,
        ..Send::new(&url, body.clone())
    };
    for (what, send) in [
        ("unsigned", unsigned),
        ("forged", forged),
        ("stale", stale),
        ("future", future),
    ] {
        let (status, problem, _) = send.go().await;
        assert_eq!(status, 401, "{what}: {problem}");
        assert_eq!(problem["status"], 401);
    }
    // A body changed after signing.
    let mut tampered = Send::new(&url, body.clone());
    tampered.signed = false;
    let timestamp = chrono::Utc::now().timestamp();
    let signature = Webhook::new(SECRET)
        .unwrap()
        .sign("msg_1", timestamp, &body)
        .unwrap();
    let (other_body, _) = cloudevent(2);
    tampered.body = other_body;
    tampered.extra = vec![
        ("webhook-id", "msg_1".into()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature.clone()),
    ];
    assert_eq!(tampered.go().await.0, 401);
    assert!(handled.lock().unwrap().is_empty(), "no handler ran");

    // The previous secret still works while it is configured; several signatures, one good.
    let rotated = Send {
        secret: OLD_SECRET,
        ..Send::new(&url, body.clone())
    };
    assert_eq!(rotated.go().await.0, 200);
    let mut several = Send::new(&url, cloudevent(3).0);
    several.signed = false;
    let good = Webhook::new(SECRET)
        .unwrap()
        .sign("msg_2", timestamp, &several.body)
        .unwrap();
    several.extra = vec![
        ("webhook-id", "msg_2".into()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            format!("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= {good}"),
        ),
    ];
    let (replay_body, replay_headers) = (several.body.clone(), several.extra.clone());
    assert_eq!(several.go().await.0, 200);
    assert_eq!(*handled.lock().unwrap(), [1, 3]);

    // The same request, byte for byte, replayed: its signature is still good, but its event
    // was handled: acknowledged as a duplicate, no handler runs again.
    let mut replayed = Send::new(&url, replay_body);
    (replayed.signed, replayed.extra) = (false, replay_headers);
    let (status, summary, _) = replayed.go().await;
    assert_eq!((status, summary["duplicates"].as_u64()), (200, Some(1)));
    assert_eq!(*handled.lock().unwrap(), [1, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_never_reach_a_handler() {
    let (url, handled) = serve(&[SECRET], EndpointOptions::default()).await;

    // Over 1 MiB: 413 before anything is read further.
    let (status, _, _) = Send::new(&url, vec![b' '; 1024 * 1024 + 1]).go().await;
    assert_eq!(status, 413);
    // Not JSON, not a CloudEvent, not a CloudEvents content type.
    let (status, problem, _) = Send::new(&url, b"{\"specversion\":".to_vec()).go().await;
    assert_eq!(status, 400, "{problem}");
    let mut no_key = serde_json::from_slice::<Value>(&cloudevent(1).0).unwrap();
    no_key.as_object_mut().unwrap().remove("partitionkey");
    let (status, problem, _) = Send::new(&url, serde_json::to_vec(&no_key).unwrap())
        .go()
        .await;
    assert_eq!(status, 400);
    assert!(
        problem["detail"].as_str().unwrap().contains("partitionkey"),
        "{problem}"
    );
    let mut plain = Send::new(&url, cloudevent(1).0);
    plain.content_type = "text/plain";
    assert_eq!(plain.go().await.0, 415);

    // A batch with one invalid payload: 422 naming it, and none of the batch is handled.
    let mut invalid = serde_json::from_slice::<Value>(&cloudevent(2).0).unwrap();
    invalid["data"]["attempt"] = json!(11);
    let batch = vec![
        serde_json::from_slice::<Value>(&cloudevent(1).0).unwrap(),
        invalid.clone(),
    ];
    let mut send = Send::new(&url, serde_json::to_vec(&batch).unwrap());
    send.content_type = BATCH;
    let (status, problem, _) = send.go().await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["violations"][0]["pointer"], "/attempt");
    assert_eq!(problem["violations"][0]["event_id"], invalid["id"]);
    assert!(handled.lock().unwrap().is_empty(), "no handler ran");

    // A failing handler: 500, so the sender retries.
    let (status, problem, _) = Send::new(&url, cloudevent(9).0).go().await;
    assert_eq!(status, 500, "{problem}");
    assert!(handled.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_requests_than_configured_are_told_to_retry_later() {
    let options = EndpointOptions {
        max_in_flight: 1,
        retry_after_seconds: 2,
        ..EndpointOptions::default()
    };
    let (url, handled, gate) = serve_gated(&[SECRET], options).await;
    let slow = Send::new(&url, cloudevent(8).0);
    let quick = Send::new(&url, cloudevent(1).0);
    // The second request is sent while the first is in its handler, whatever the load.
    let (slow, quick) = tokio::join!(slow.go(), async {
        gate.wait_started().await;
        let answer = quick.go().await;
        gate.release.store(true, SeqCst);
        answer
    });
    assert_eq!(slow.0, 200);
    assert_eq!(quick.0, 429);
    assert_eq!(quick.2.as_deref(), Some("2"));
    assert_eq!(*handled.lock().unwrap(), [8]);
}

/// Handlers are plain functions and may block; on a server with a single worker thread, a
/// handler that blocks must not stall the requests that arrive meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_blocking_handler_does_not_stall_other_requests() {
    let (url, handled, gate) = serve_gated(&[SECRET], EndpointOptions::default()).await;
    let slow = Send::new(&url, cloudevent(8).0);
    let quick = Send::new(&url, cloudevent(1).0);
    let (slow, quick) = tokio::join!(slow.go(), async {
        gate.wait_started().await;
        let answer = quick.go().await;
        // Answered while the slow handler still holds its thread.
        let slow_still_running = !gate.release.load(SeqCst);
        gate.release.store(true, SeqCst);
        (answer, slow_still_running, handled.lock().unwrap().clone())
    });
    assert_eq!(slow.0, 200);
    let (quick, slow_still_running, handled_then) = quick;
    assert_eq!(quick.0, 200, "{}", quick.1);
    assert!(slow_still_running);
    assert_eq!(
        handled_then,
        [1],
        "the quick event was handled before the slow one finished"
    );
    assert_eq!(*handled.lock().unwrap(), [1, 8]);
}
