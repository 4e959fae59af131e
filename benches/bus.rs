//! The bus against its baselines, measured in the same run: `cargo bench --bench bus`.
//!
//! - `envelope`: 1 KB events: the bare native encode (baseline), the same plus the CloudEvents
//!   envelope (`Record::from_event`);
//! - `local`: 2,000 events through the producer onto the local stream (batched `PutRecords`
//!   in SQLite transactions), and through producer, stream and consumer to typed handlers;
//! - `kinesalite`: the same produce on the Kinesis-API emulator, whose own speed is the limit;
//! - after criterion: latency from `send` to handler at a paced 1,000 events per second on the
//!   local stream and on kinesalite (p50, p99, max), and ratios printed from criterion's
//!   estimates.

mod support;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{event, median, produce};

use contracts::{payments::PaymentFailedV1, Envelope, Event, Record, Router};
use contracts_stream::emulator::Kinesalite;
use contracts_stream::{
    stop_signal, Backend, Consumer, LocalOptions, LocalStream, Producer, ProducerOptions,
    ReaderOptions, SqliteCheckpoints, StartPosition,
};
use criterion::{Criterion, Throughput};

const EVENTS: usize = 2000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn envelope(c: &mut Criterion) {
    let events: Vec<_> = (0..EVENTS).map(event).collect();
    let size = events[0].encode().unwrap().len();
    assert!((1000..1100).contains(&size), "1 KB events: {size}");
    let mut group = c.benchmark_group("envelope");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("native_encode", |b| {
        b.iter(|| {
            for event in &events {
                black_box(black_box(event).encode().unwrap());
            }
        })
    });
    group.bench_function("encode_and_envelope", |b| {
        b.iter(|| {
            for event in &events {
                black_box(Record::from_event(contracts::SOURCE, black_box(event)).unwrap());
            }
        })
    });
    group.finish();
}

fn local(c: &mut Criterion) {
    let rt = runtime();
    let events: Vec<_> = (0..EVENTS).map(event).collect();
    let dir = tempfile::tempdir().unwrap();
    let options = LocalOptions::default();
    let stream = LocalStream::open(dir.path().join("bench.db"), &options).unwrap();
    let producer = rt.block_on(async {
        Producer::new(
            stream.clone(),
            contracts::SOURCE,
            ProducerOptions::default(),
        )
    });
    let mut group = c.benchmark_group("local");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    group.bench_function("produce", |b| {
        b.iter(|| rt.block_on(produce(&producer, &events)))
    });
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    let round = AtomicUsize::new(0);
    group.bench_function("produce_and_consume", |b| {
        b.iter(|| {
            rt.block_on(async {
                // A reader of its own per round, from the stream's tip.
                let name = format!("bench-{}", round.fetch_add(1, Ordering::SeqCst));
                let (stopper, stop) = stop_signal();
                let stopper = Arc::new(stopper);
                let (handled, done) = (Arc::new(AtomicUsize::new(0)), stopper.clone());
                let router = Router::new().on(move |event: PaymentFailedV1, _: &Envelope| {
                    black_box(event);
                    if handled.fetch_add(1, Ordering::SeqCst) + 1 == EVENTS {
                        done.stop();
                    }
                    Ok::<_, std::convert::Infallible>(())
                });
                let reader = ReaderOptions {
                    start: StartPosition::Latest,
                    idle_wait: Duration::from_millis(1),
                    ..ReaderOptions::new(name)
                };
                let consumer = tokio::spawn(Consumer::new(router).run(
                    Arc::new(stream.clone()),
                    Arc::new(checkpoints.clone()),
                    reader,
                    stop,
                ));
                // Let the reader take its LATEST iterators before producing.
                tokio::time::sleep(Duration::from_millis(20)).await;
                produce(&producer, &events).await;
                consumer.await.unwrap().unwrap();
            })
        })
    });
    group.finish();
}

fn kinesalite(c: &mut Criterion) {
    let rt = runtime();
    let events: Vec<_> = (0..EVENTS).map(event).collect();
    let emulator = Kinesalite::start().expect("kinesalite starts");
    let stream = rt.block_on(emulator.create_stream("bench", 4)).unwrap();
    let producer = rt.block_on(async {
        Producer::new(
            stream.clone(),
            contracts::SOURCE,
            ProducerOptions::default(),
        )
    });
    let mut group = c.benchmark_group("kinesalite");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    group.bench_function("produce", |b| {
        b.iter(|| rt.block_on(produce(&producer, &events)))
    });
    group.finish();
}

/// Paced sends; the handler notes how long each event took from `send`.
fn latency<B: Backend>(
    rt: &tokio::runtime::Runtime,
    stream: B,
    rate: u32,
    seconds: u32,
) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap();
    let checkpoints = SqliteCheckpoints::open(dir.path().join("checkpoints.db")).unwrap();
    let total = (rate * seconds) as usize;
    let sent_at: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; total]));
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    rt.block_on(async {
        let stream = Arc::new(stream);
        let (stopper, stop) = stop_signal();
        let stopper = Arc::new(stopper);
        let (sent, seen, done) = (sent_at.clone(), latencies.clone(), stopper.clone());
        let router = Router::new().on(move |event: PaymentFailedV1, _: &Envelope| {
            let index: usize = support::index_of(&event);
            let at = sent.lock().unwrap()[index].expect("sent before handled");
            let mut seen = seen.lock().unwrap();
            seen.push(at.elapsed());
            if seen.len() == total {
                done.stop();
            }
            Ok::<_, std::convert::Infallible>(())
        });
        let reader = ReaderOptions {
            start: StartPosition::Latest,
            // Kinesis allows five reads a second per shard; the local stream has no such limit.
            idle_wait: Duration::from_millis(if stream.atomic_batches() { 2 } else { 200 }),
            ..ReaderOptions::new("latency")
        };
        let consumer = tokio::spawn(Consumer::new(router).run(
            stream.clone(),
            Arc::new(checkpoints),
            reader,
            stop,
        ));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let producer = Arc::new(Producer::new(
            stream,
            contracts::SOURCE,
            ProducerOptions::default(),
        ));
        let start = Instant::now();
        let mut sends = Vec::with_capacity(total);
        for index in 0..total {
            let due = start + Duration::from_secs(1) * index as u32 / rate;
            tokio::time::sleep_until(due.into()).await;
            let event = event(index);
            sent_at.lock().unwrap()[index] = Some(Instant::now());
            let producer = producer.clone();
            sends.push(tokio::spawn(
                async move { producer.send(&event).await.unwrap() },
            ));
        }
        for send in sends {
            send.await.unwrap();
        }
        consumer.await.unwrap().unwrap();
    });
    let mut latencies = Arc::try_unwrap(latencies).unwrap().into_inner().unwrap();
    latencies.sort();
    latencies
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    envelope(&mut criterion);
    local(&mut criterion);
    kinesalite(&mut criterion);
    criterion.final_summary();

    let per_second =
        |group: &str, bench: &str| median(group, bench).map(|ns| EVENTS as f64 / (ns / 1e9));
    if let (Some(bare), Some(enveloped)) = (
        median("envelope", "native_encode"),
        median("envelope", "encode_and_envelope"),
    ) {
        println!(
            "envelope: native encode {:.0} ns per event, with the CloudEvents envelope {:.0} ns ({:.2}x)",
            bare / EVENTS as f64,
            enveloped / EVENTS as f64,
            enveloped / bare
        );
        if let Some(produce) = median("local", "produce") {
            println!(
                "local stream: produce {:.0} events/s, {:.1}x the bare native encode per event",
                EVENTS as f64 / (produce / 1e9),
                produce / bare
            );
        }
    }
    if let Some(rate) = per_second("local", "produce_and_consume") {
        println!("local stream: produce and consume {rate:.0} events/s");
    }
    if let Some(rate) = per_second("kinesalite", "produce") {
        println!("kinesalite: produce {rate:.0} events/s");
    }
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let local = LocalStream::open(dir.path().join("latency.db"), &LocalOptions::default()).unwrap();
    print_latency("the local stream", &latency(&rt, local, 1000, 5));
    let emulator = Kinesalite::start().expect("kinesalite starts");
    let kinesis = rt.block_on(emulator.create_stream("latency", 4)).unwrap();
    print_latency("kinesalite", &latency(&rt, kinesis, 1000, 5));
}

fn print_latency(on: &str, latencies: &[Duration]) {
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "latency send -> handler on {on} at 1,000 events/s for 5 s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} events)",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        latencies.len()
    );
}
