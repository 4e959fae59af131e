//! The event forwarder from the local stream to a real `/events/` endpoint on loopback, in one
//! process: `cargo bench --bench forwarder`.
//!
//! - `forwarder/deliver`: 2,000 events of 1 KB (64 partition keys, 4 shards) produced and
//!   delivered, signed, to the endpoint's typed handler; beside it, `forwarder/produce_only`
//!   (the same events onto the stream) as the baseline of the same run;
//! - `forwarder/deliver_batched`: the same through a second forwarder sending up to 20 events
//!   of a shard to a request (`batch_size = 20`, `application/cloudevents-batch+json`);
//! - after criterion: latency from `send` to the endpoint's handler at a paced 1,000 events per
//!   second for 5 s (p50, p99, max).

mod support;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{event, median, produce};

use contracts::{payments::PaymentFailedV1, Envelope, Router};
use contracts_forwarder::ForwarderConfig;
use contracts_http::Endpoint;
use contracts_stream::{stop_signal, LocalOptions, LocalStream, Producer, ProducerOptions};
use criterion::{Criterion, Throughput};

const EVENTS: usize = 2000;
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Handled events, and for the latency run the time each was sent.
#[derive(Clone, Default)]
struct Received {
    count: Arc<AtomicUsize>,
    sent_at: Arc<Mutex<Vec<Option<Instant>>>>,
    latencies: Arc<Mutex<Vec<Duration>>>,
}

async fn serve(received: Received) -> String {
    let router = Router::new().on(move |event: PaymentFailedV1, _: &Envelope| {
        let index: usize = support::index_of(&event);
        if let Some(Some(at)) = received.sent_at.lock().unwrap().get(index) {
            received.latencies.lock().unwrap().push(at.elapsed());
        }
        received.count.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::convert::Infallible>(())
    });
    let app = Endpoint::new(router, &[SECRET]).unwrap().into_router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/events/")
}

/// A forwarder of the stream in `<name>.db`, `batch_size` events to a request.
fn config(dir: &Path, name: &str, url: &str, batch_size: usize) -> ForwarderConfig {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(
        &file,
        format!(
            "[stream.local]\npath = \"{}\"\n[stream.checkpoints]\npath = \"{}\"\n[dead_letter]\npath = \"{}\"\n[[subscription]]\nname = \"bench\"\nendpoint = \"{url}\"\nevents = [\"payments.*\"]\nsecret_env = \"SECRET\"\nstart = \"latest\"\nbatch_size = {batch_size}\n",
            dir.join(format!("{name}.db")).display(),
            dir.join(format!("{name}-checkpoints.db")).display(),
            dir.join(format!("{name}-dead-letters.jsonl")).display()
        ),
    )
    .unwrap();
    ForwarderConfig::from_file(&file).unwrap()
}

/// A forwarder with its endpoint, running until `stop`, and a producer onto its stream.
async fn forwarding(
    dir: &Path,
    name: &str,
    batch_size: usize,
    received: Received,
    stop: contracts_stream::StopSignal,
) -> (
    Producer,
    tokio::task::JoinHandle<Result<(), contracts_forwarder::ForwarderError>>,
) {
    let stream =
        LocalStream::open(dir.join(format!("{name}.db")), &LocalOptions::default()).unwrap();
    let url = serve(received).await;
    let forwarder = tokio::spawn(contracts_forwarder::run(
        config(dir, name, &url, batch_size),
        |_| Some(SECRET.to_owned()),
        stop,
        Duration::from_secs(3600),
    ));
    // The forwarder starts at LATEST: let it take its iterators first.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let producer = Producer::new(stream, contracts::SOURCE, ProducerOptions::default());
    (producer, forwarder)
}

/// Produces the events and waits until the endpoint has handled them all.
async fn deliver(
    producer: &Producer,
    events: &[PaymentFailedV1],
    received: &Received,
    expected: &AtomicUsize,
) {
    let wanted = expected.fetch_add(events.len(), Ordering::SeqCst) + events.len();
    produce(producer, events).await;
    while received.count.load(Ordering::SeqCst) < wanted {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events: Vec<_> = (0..EVENTS).map(|i| event(1_000_000 + i)).collect();
    let mut group = criterion.benchmark_group("forwarder");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);

    // The baseline: the same events onto a stream nobody forwards.
    let quiet = LocalStream::open(dir.path().join("quiet.db"), &LocalOptions::default()).unwrap();
    let quiet_producer =
        rt.block_on(async { Producer::new(quiet, contracts::SOURCE, ProducerOptions::default()) });
    group.bench_function("produce_only", |b| {
        b.iter(|| rt.block_on(produce(&quiet_producer, &events)))
    });

    let (stopper, stop) = stop_signal();
    let batched = Received::default();
    let (batched_producer, batched_forwarder) = rt.block_on(forwarding(
        dir.path(),
        "batched",
        20,
        batched.clone(),
        stop.clone(),
    ));
    let expected = AtomicUsize::new(0);
    group.bench_function("deliver_batched", |b| {
        b.iter(|| rt.block_on(deliver(&batched_producer, &events, &batched, &expected)))
    });

    let received = Received::default();
    let (producer, forwarder) =
        rt.block_on(forwarding(dir.path(), "bus", 1, received.clone(), stop));
    let expected = AtomicUsize::new(0);
    group.bench_function("deliver", |b| {
        b.iter(|| rt.block_on(deliver(&producer, &events, &received, &expected)))
    });
    group.finish();
    criterion.final_summary();

    // Latency at a paced 1,000 events per second.
    let total = 5000;
    let latencies = rt.block_on(async {
        *received.sent_at.lock().unwrap() = vec![None; total];
        let producer = Arc::new(producer);
        let start = Instant::now();
        let mut sends = Vec::new();
        for index in 0..total {
            tokio::time::sleep_until((start + Duration::from_millis(index as u64)).into()).await;
            let event = event(index);
            received.sent_at.lock().unwrap()[index] = Some(Instant::now());
            let producer = producer.clone();
            sends.push(tokio::spawn(
                async move { producer.send(&event).await.unwrap() },
            ));
        }
        for send in sends {
            send.await.unwrap();
        }
        while received.latencies.lock().unwrap().len() < total {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stopper.stop();
        forwarder.await.unwrap().unwrap();
        batched_forwarder.await.unwrap().unwrap();
        let mut latencies = received.latencies.lock().unwrap().clone();
        latencies.sort();
        latencies
    });
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    let per_second = |bench: &str| {
        median("forwarder", bench).map(|ns| format!("{:.0}", EVENTS as f64 / (ns / 1e9)))
    };
    println!(
        "forwarder: produce only {} events/s; produce and deliver through the forwarder {} events/s; with batches of up to 20 {} events/s",
        per_second("produce_only").unwrap_or_default(),
        per_second("deliver").unwrap_or_default(),
        per_second("deliver_batched").unwrap_or_default()
    );
    println!(
        "forwarder latency send -> endpoint handler at 1,000 events/s for 5 s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} events)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        latencies.len()
    );
}
