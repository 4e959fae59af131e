//! The whole seed system in one command, on loopback and on the local stream (a SQLite file
//! in a temporary folder): a web app produces `mailer.group_email_requested`, the event
//! forwarder delivers each one, signed, to the group mailer's `POST /events/`, the mailer
//! produces `mailer.group_email_sent`, and the web app reads the outcomes back.
//!
//! ```sh
//! cargo run -p group-mailer --bin group-mailer-demo -- --requests 20
//! ```
//!
//! Prints each request, each outcome and the forwarder's progress; exits 0 once every request
//! has its outcome, 1 when one is missing after `--timeout-seconds`.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use contracts::mailer::{GroupEmailRequestedV1, GroupEmailSentV1};
use contracts::{Envelope, Event, Router};
use contracts_forwarder::ForwarderConfig;
use contracts_stream::{
    stop_signal, Consumer, LocalOptions, LocalStream, Producer, ProducerOptions, ReaderOptions,
    SqliteCheckpoints,
};

/// The demo's signing secret, shared by the forwarder and the mailer (a real deployment
/// reads it from the environment of each).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const GROUPS: [&str; 5] = ["book-club", "chess-club", "choir", "hiking", "parents-4b"];

#[derive(Parser)]
#[command(about = "Runs a producer, the event forwarder and the group mailer on loopback")]
struct Args {
    /// Group email requests the web app sends.
    #[arg(long, default_value_t = 20)]
    requests: usize,
    /// How long to wait for every outcome.
    #[arg(long, default_value_t = 60)]
    timeout_seconds: u64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,contracts_forwarder=info,group_mailer=info".into()),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(Args::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> anyhow::Result<bool> {
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let bus = dir.path().join("bus.db");
    let stream = LocalStream::open(&bus, &LocalOptions::default())?;
    println!("stream     local stream {}", bus.display());

    // The group mailer, a module of its own, on a free loopback port.
    let mailer_producer = Arc::new(Producer::new(
        stream.clone(),
        "group-mailer",
        ProducerOptions::default(),
    ));
    let app = group_mailer::app(mailer_producer, &[SECRET.to_owned()])?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}/events/", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("mailer     {endpoint}");

    // The event forwarder, configured as a deployment would configure it.
    let config_file = dir.path().join("forwarder.toml");
    std::fs::write(
        &config_file,
        format!(
            "[stream]\nbackend = \"local\"\n[stream.local]\npath = \"{}\"\n\
             [stream.checkpoints]\npath = \"{}\"\n[dead_letter]\npath = \"{}\"\n\
             [[subscription]]\nname = \"group-mailer\"\nendpoint = \"{endpoint}\"\n\
             events = [\"mailer.group_email_requested.v1\"]\nsecret_env = \"MAILER_WEBHOOK_SECRET\"\n\
             poll_interval_ms = 50\n",
            bus.display(),
            dir.path().join("forwarder-checkpoints.db").display(),
            dir.path().join("dead-letters.jsonl").display(),
        ),
    )?;
    let config = ForwarderConfig::from_file(&config_file)?;
    println!("forwarder  mailer.group_email_requested.v1 -> {endpoint}");
    let (forwarder_stopper, forwarder_stop) = stop_signal();
    let forwarder = tokio::spawn(contracts_forwarder::run(
        config,
        |name| (name == "MAILER_WEBHOOK_SECRET").then(|| SECRET.to_owned()),
        forwarder_stop,
        Duration::from_secs(1),
    ));

    // The web app reads the outcomes back...
    let outcomes: Arc<Mutex<BTreeMap<String, GroupEmailSentV1>>> = Arc::default();
    let (reader_stopper, reader_stop) = stop_signal();
    let reader_stopper = Arc::new(reader_stopper);
    let (seen, wanted, done) = (outcomes.clone(), args.requests, reader_stopper.clone());
    let router = Router::new().on(move |sent: GroupEmailSentV1, _: &Envelope| {
        println!(
            "emailed    {:<11} sent {:>2}, bounced {}   ({})",
            sent.group_id.as_str(),
            sent.sent_count,
            sent.failed_recipients.len(),
            sent.request_id
        );
        let mut seen = seen.lock().expect("not poisoned");
        seen.insert(sent.request_id.clone(), sent);
        if seen.len() >= wanted {
            done.stop();
        }
        Ok::<_, std::convert::Infallible>(())
    });
    let checkpoints = Arc::new(SqliteCheckpoints::open(
        dir.path().join("web-app-checkpoints.db"),
    )?);
    let reader = ReaderOptions {
        idle_wait: Duration::from_millis(50),
        ..ReaderOptions::new("web-app")
    };
    let reading = tokio::spawn(Consumer::new(router).run(
        Arc::new(stream.clone()),
        checkpoints,
        reader,
        reader_stop,
    ));

    // ...of the requests it sends.
    let producer = Producer::new(stream.clone(), "web-app", ProducerOptions::default());
    let mut requested = BTreeMap::new();
    let mut pending = Vec::new();
    for i in 0..args.requests {
        let group = GROUPS[i % GROUPS.len()];
        let request = GroupEmailRequestedV1::decode_value(&serde_json::json!({
            "request_id": uuid::Uuid::new_v4(),
            "group_id": group,
            "channel": "email",
            "subject": format!("Meeting #{i}"),
            "body_text": "We meet on Friday at 7.",
            "requested_at": chrono::Utc::now(),
        }))?;
        println!("requested  {group:<11} ({})", request.request_id);
        requested.insert(request.request_id.to_string(), group);
        pending.push(producer.enqueue(&request).await?);
    }
    for delivery in futures::future::join_all(pending).await {
        delivery?;
    }
    producer.shutdown().await;

    let timeout = Duration::from_secs(args.timeout_seconds);
    let finished = tokio::time::timeout(timeout, reading).await;
    forwarder_stopper.stop();
    forwarder.await??;
    let outcomes = outcomes.lock().expect("not poisoned").clone();
    let missing: Vec<&String> = requested
        .keys()
        .filter(|id| !outcomes.contains_key(*id))
        .collect();
    let (sent, bounced) = outcomes.values().fold((0, 0), |(s, b), o| {
        (s + o.sent_count, b + o.failed_recipients.len())
    });
    println!(
        "done       {} requests, {} outcomes: {sent} addresses emailed, {bounced} bounced, in {} ms",
        requested.len(),
        outcomes.len(),
        started.elapsed().as_millis()
    );
    match finished {
        Ok(read) => read??,
        Err(_) => {
            reader_stopper.stop();
            eprintln!(
                "error: {} requests without an outcome after {} s: {missing:?}",
                missing.len(),
                args.timeout_seconds
            );
            return Ok(false);
        }
    }
    Ok(missing.is_empty())
}
