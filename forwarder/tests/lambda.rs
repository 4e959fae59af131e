//! The Lambda mode: the handler called with Kinesis events in the shape Lambda sends, and the
//! built `event-forwarder` binary running its `lambda_runtime` loop against a minimal Lambda
//! Runtime API served here on loopback (the three routes a function uses), delivering to a
//! real endpoint on loopback.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use base64::Engine;
use contracts_forwarder::lambda::LambdaForwarder;
use contracts_forwarder::ForwarderConfig;
use serde_json::{json, Value};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Message ids posted to the endpoint (an event's id, or a batch's), in order. `event-2`, and
/// a batch holding it, are refused with 422.
type Posted = Arc<Mutex<Vec<String>>>;

async fn endpoint() -> (String, Posted) {
    let posted: Posted = Arc::default();
    let app = axum::Router::new()
        .route(
            "/events/",
            post(
                |State(posted): State<Posted>, headers: HeaderMap| async move {
                    let id = headers["webhook-id"].to_str().unwrap().to_owned();
                    let refused =
                        id == "event-2" || (id.starts_with("batch_") && id.contains("_event-2_"));
                    posted.lock().unwrap().push(id);
                    if refused {
                        (StatusCode::UNPROCESSABLE_ENTITY, "invalid payload")
                    } else {
                        (StatusCode::OK, "{}")
                    }
                },
            ),
        )
        .with_state(posted.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}/events/"), posted)
}

/// A CloudEvent as the producer puts it on the stream.
fn cloudevent(index: usize, event_type: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "specversion": "1.0",
        "id": format!("event-{index}"),
        "source": "test",
        "type": format!("{event_type}.v1"),
        "datacontenttype": "application/json",
        "partitionkey": "key-1",
        "data": { "index": index }
    }))
    .unwrap()
}

/// A Kinesis event exactly as Lambda sends it to a function.
fn kinesis_event(records: &[Vec<u8>]) -> Value {
    let records: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, data)| {
            let sequence = format!("4959103309924726823591937826946720063049637346600{i:05}");
            json!({
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "key-1",
                    "sequenceNumber": sequence,
                    "data": base64::engine::general_purpose::STANDARD.encode(data),
                    "approximateArrivalTimestamp": 1764500000.123
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": format!("shardId-000000000006:{sequence}"),
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
                "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/events"
            })
        })
        .collect();
    json!({ "Records": records })
}

fn config(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    config_with(dir, url, "")
}

/// The one subscription, with `extra` lines.
fn config_with(dir: &std::path::Path, url: &str, extra: &str) -> std::path::PathBuf {
    let file = dir.join("forwarder.toml");
    std::fs::write(
        &file,
        format!(
            "[[subscription]]\nname = \"things\"\nendpoint = \"{url}\"\nevents = [\"test.*\"]\n\
             secret_env = \"FORWARDER_TEST_SECRET\"\nmax_attempts = 3\nbase_backoff_ms = 1\n{extra}"
        ),
    )
    .unwrap();
    file
}

/// The forwarder of a configuration file, its secret from the test.
fn forwarder(file: &std::path::Path) -> LambdaForwarder {
    let config = ForwarderConfig::from_file(file).unwrap();
    LambdaForwarder::new(&config, |name| {
        (name == "FORWARDER_TEST_SECRET").then(|| SECRET.to_owned())
    })
    .unwrap()
}

/// Invokes the handler with a Kinesis event; the sequence numbers it reports as failed.
async fn invoke(forwarder: &LambdaForwarder, event: Value) -> Vec<String> {
    let response = forwarder
        .handle(serde_json::from_value(event).unwrap())
        .await;
    failures(&serde_json::to_value(response).unwrap())
}

fn failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handler_reports_the_first_record_given_up_on_and_attempts_none_after_it() {
    let (url, posted) = endpoint().await;
    let dir = tempfile::tempdir().unwrap();
    let forwarder = forwarder(&config(dir.path(), &url));

    // Every record delivered, one of a type not subscribed skipped: nothing reported.
    let batch = kinesis_event(&[cloudevent(0, "test.a"), cloudevent(1, "other.b")]);
    let failed = invoke(&forwarder, batch).await;
    assert_eq!(failed, Vec::<String>::new());
    assert_eq!(*posted.lock().unwrap(), ["event-0"]);

    // A refused event (422: never retried) and a record that is not an event: the first is
    // reported, with its sequence number, and nothing after it is attempted.
    posted.lock().unwrap().clear();
    let batch = kinesis_event(&[
        cloudevent(1, "test.a"),
        cloudevent(2, "test.a"),
        b"not an event".to_vec(),
        cloudevent(3, "test.a"),
    ]);
    let sequence_of_second = batch["Records"][1]["kinesis"]["sequenceNumber"].clone();
    let failed = invoke(&forwarder, batch).await;
    assert_eq!(failed, [sequence_of_second.as_str().unwrap()]);
    assert_eq!(*posted.lock().unwrap(), ["event-1", "event-2"]);

    // The configuration must name exactly one subscription.
    let two = dir.path().join("two.toml");
    let one = std::fs::read_to_string(dir.path().join("forwarder.toml")).unwrap();
    std::fs::write(
        &two,
        format!("{one}{}", one.replace("\"things\"", "\"others\"")),
    )
    .unwrap();
    let config = ForwarderConfig::from_file(&two).unwrap();
    let refused = LambdaForwarder::new(&config, |_| Some(SECRET.to_owned()))
        .err()
        .unwrap()
        .to_string();
    assert!(refused.contains("one [[subscription]]"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_go_in_one_request_and_a_refused_one_is_retried_event_by_event() {
    let (url, posted) = endpoint().await;
    let dir = tempfile::tempdir().unwrap();
    let forwarder = forwarder(&config_with(dir.path(), &url, "batch_size = 2\n"));
    // An unsubscribed type between two events does not split their batch.
    let batch = kinesis_event(&[
        cloudevent(0, "test.a"),
        cloudevent(9, "other.b"),
        cloudevent(1, "test.a"),
        cloudevent(2, "test.a"),
        cloudevent(3, "test.a"),
        cloudevent(4, "test.a"),
    ]);
    let sequence_of_event_2 = batch["Records"][3]["kinesis"]["sequenceNumber"].clone();
    let failed = invoke(&forwarder, batch).await;
    // The batch holding event-2 is refused, then sent event by event: event-2 alone is
    // refused and reported; nothing after it is attempted.
    assert_eq!(failed, [sequence_of_event_2.as_str().unwrap()]);
    assert_eq!(
        *posted.lock().unwrap(),
        [
            "batch_2_event-0_event-1",
            "batch_2_event-2_event-3",
            "event-2"
        ]
    );
}

/// What the function posted to the Runtime API.
#[derive(Default)]
struct Runtime {
    served: Mutex<usize>,
    event: Mutex<Value>,
    responses: Mutex<Vec<(String, Value)>>,
    errors: Mutex<Vec<String>>,
}

async fn next(State(runtime): State<Arc<Runtime>>) -> axum::response::Response {
    let first = {
        let mut served = runtime.served.lock().unwrap();
        *served += 1;
        *served == 1
    };
    if !first {
        // One invocation only: the next one never comes (the test ends the process).
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let deadline = chrono::Utc::now().timestamp_millis() + 60_000;
    let body = runtime.event.lock().unwrap().to_string();
    axum::response::IntoResponse::into_response((
        [
            ("lambda-runtime-aws-request-id", "request-1".to_owned()),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            (
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:forwarder".to_owned(),
            ),
            (
                "lambda-runtime-trace-id",
                "Root=1-5759e988-bd862e3fe1be46a994272793".to_owned(),
            ),
            ("content-type", "application/json".to_owned()),
        ],
        body,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_one_invocation_through_the_lambda_runtime_api() {
    let (url, posted) = endpoint().await;
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &url);
    let runtime = Arc::new(Runtime::default());
    *runtime.event.lock().unwrap() = kinesis_event(&[
        cloudevent(0, "test.a"),
        cloudevent(2, "test.a"),
        cloudevent(3, "test.a"),
    ]);
    let api = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(
                |State(runtime): State<Arc<Runtime>>, Path(id): Path<String>, body: String| async move {
                    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
                    runtime.responses.lock().unwrap().push((id, value));
                    StatusCode::ACCEPTED
                },
            ),
        )
        .route(
            "/2018-06-01/runtime/invocation/{id}/error",
            post(|State(runtime): State<Arc<Runtime>>, body: String| async move {
                runtime.errors.lock().unwrap().push(body);
                StatusCode::ACCEPTED
            }),
        )
        .route(
            "/2018-06-01/runtime/init/error",
            post(|State(runtime): State<Arc<Runtime>>, body: String| async move {
                runtime.errors.lock().unwrap().push(body);
                StatusCode::ACCEPTED
            }),
        )
        .with_state(runtime.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });

    // Started as Lambda starts a custom runtime: no arguments but the environment (the
    // configuration file is the one beside it, as in the deployment package).
    let mut function = Command::new(env!("CARGO_BIN_EXE_event-forwarder"))
        .current_dir(dir.path())
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "forwarder")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/11/30/[$LATEST]0123456789",
        )
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/forwarder")
        .env("FORWARDER_TEST_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while runtime.responses.lock().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "no response posted; errors: {:?}",
            runtime.errors.lock().unwrap()
        );
        assert!(
            function.try_wait().unwrap().is_none(),
            "the function exited; errors: {:?}",
            runtime.errors.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    function.kill().unwrap();
    function.wait().unwrap();

    let (id, response) = runtime.responses.lock().unwrap()[0].clone();
    assert_eq!(id, "request-1");
    let second = runtime.event.lock().unwrap()["Records"][1]["kinesis"]["sequenceNumber"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(failures(&response), [second]);
    assert_eq!(*posted.lock().unwrap(), ["event-0", "event-2"]);
    assert!(runtime.errors.lock().unwrap().is_empty());
}
