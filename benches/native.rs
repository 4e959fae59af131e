//! The native path against its baselines, measured in the same run:
//! - decode: plain typed serde (no checks) vs the native validated decode vs
//!   bytes → `Value` → jsonschema → `from_value`;
//! - encode: plain serialize vs validate + serialize on the typed value.
//!
//! The payload is an `orders.order_placed` v2 of about 1 KB (uuids, a date-time, patterns,
//! numeric bounds, enums, an array of nested objects, a `oneOf`). Ratios are printed at the
//! end from criterion's own estimates: `cargo bench --bench native`.

mod support;
use std::hint::black_box;
use support::median;

use contracts::{orders::OrderPlacedV2, Event};
use criterion::{criterion_group, Criterion};
use serde_json::{json, Value};

fn payload() -> Vec<u8> {
    let lines: Vec<Value> = (0..6)
        .map(|i| {
            json!({
                "sku": format!("SKU{:05}", 1000 + i * 37),
                "quantity": 1 + i,
                "unit_price": { "amount_minor": 1999 + i * 100, "currency": "EUR" },
                "gift_wrap": i % 2 == 0
            })
        })
        .collect();
    let value = json!({
        "order_id": "9b2f8c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0f",
        "customer_id": "5f0c6f38-8d5e-4b8a-9a57-3f7c2a1d9e10",
        "channel": "web",
        "lines": lines,
        "discount": { "code": "WELCOME10", "percent": 10 },
        "delivery": {
            "method": "shipping",
            "address": {
                "name": "Ada Lovelace", "line1": "12 St James's Square",
                "city": "London", "postal_code": "SW1Y 4JH", "country": "GB"
            }
        },
        "total": { "amount_minor": 31594, "currency": "EUR" },
        "placed_at": "2026-11-05T14:00:00Z"
    });
    serde_json::to_vec(&value).unwrap()
}

/// The usual path: parse into a `Value`, validate it, then convert.
fn value_path(bytes: &[u8]) -> OrderPlacedV2 {
    let value: Value = serde_json::from_slice(bytes).unwrap();
    OrderPlacedV2::validators().reader.check(&value).unwrap();
    serde_json::from_value(value).unwrap()
}

/// Plain serde with the UTF-8 check done once for the whole payload, as the native path
/// does it (serde_json's slice reader checks each string separately).
fn plain_from_str(bytes: &[u8]) -> OrderPlacedV2 {
    serde_json::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
}

fn decode(c: &mut Criterion) {
    let bytes = payload();
    // Every path must accept the payload, or the comparison means nothing.
    let typed = OrderPlacedV2::decode(&bytes).expect("native path accepts the payload");
    assert_eq!(value_path(&bytes), typed);
    assert_eq!(
        serde_json::from_slice::<OrderPlacedV2>(&bytes).unwrap(),
        typed
    );
    let mut group = c.benchmark_group("decode");
    group.bench_function("plain_serde", |b| {
        b.iter(|| serde_json::from_slice::<OrderPlacedV2>(black_box(&bytes)).unwrap())
    });
    group.bench_function("plain_serde_str", |b| {
        b.iter(|| plain_from_str(black_box(&bytes)))
    });
    group.bench_function("native", |b| {
        b.iter(|| OrderPlacedV2::decode(black_box(&bytes)).unwrap())
    });
    group.bench_function("value_jsonschema_from_value", |b| {
        b.iter(|| value_path(black_box(&bytes)))
    });
    group.finish();
}

fn encode(c: &mut Criterion) {
    let typed = OrderPlacedV2::decode(&payload()).unwrap();
    assert_eq!(typed.encode().unwrap(), serde_json::to_vec(&typed).unwrap());
    let mut group = c.benchmark_group("encode");
    group.bench_function("plain_serde", |b| {
        b.iter(|| serde_json::to_vec(black_box(&typed)).unwrap())
    });
    group.bench_function("native", |b| b.iter(|| black_box(&typed).encode().unwrap()));
    group.finish();
}

criterion_group!(benches, decode, encode);

/// The best of many short batches per variant, the variants taking turns: load from other
/// processes on a shared machine slows some batches, rarely all of them, so the minimum is
/// a steadier figure for a ratio than a median measured minutes apart.
fn interleaved_minimums(variants: &[(&str, &dyn Fn())]) -> Vec<f64> {
    const ROUNDS: usize = 300;
    const BATCH: u32 = 100;
    let mut best = vec![f64::INFINITY; variants.len()];
    for _ in 0..ROUNDS {
        for (slot, (_, run)) in best.iter_mut().zip(variants) {
            let start = std::time::Instant::now();
            for _ in 0..BATCH {
                run();
            }
            let each = start.elapsed().as_nanos() as f64 / f64::from(BATCH);
            *slot = slot.min(each);
        }
    }
    best
}

fn print_interleaved() {
    let bytes = payload();
    let typed = OrderPlacedV2::decode(&bytes).unwrap();
    let decode = interleaved_minimums(&[
        ("plain", &|| {
            black_box(serde_json::from_slice::<OrderPlacedV2>(black_box(&bytes)).unwrap());
        }),
        ("native", &|| {
            black_box(OrderPlacedV2::decode(black_box(&bytes)).unwrap());
        }),
        ("value path", &|| {
            black_box(value_path(black_box(&bytes)));
        }),
    ]);
    let encode = interleaved_minimums(&[
        ("plain", &|| {
            black_box(serde_json::to_vec(black_box(&typed)).unwrap());
        }),
        ("native", &|| {
            black_box(black_box(&typed).encode().unwrap());
        }),
    ]);
    println!(
        "interleaved minimums: decode plain {:.0} ns, native {:.0} ns ({:.2}x), value path {:.0} ns \
         ({:.2}x native); encode plain {:.0} ns, native {:.0} ns ({:.2}x)",
        decode[0],
        decode[1],
        decode[1] / decode[0],
        decode[2],
        decode[2] / decode[1],
        encode[0],
        encode[1],
        encode[1] / encode[0]
    );
}

/// `NATIVE_BENCH_LOOP=<path> NATIVE_BENCH_N=<n>` runs one path `n` times and exits, for
/// counting instructions under callgrind (`scripts/instructions.sh`): exact figures where
/// timings on a shared machine wander.
fn run_one_path(path: &str, n: u32) {
    let bytes = payload();
    let typed = OrderPlacedV2::decode(&bytes).unwrap();
    for _ in 0..n {
        match path {
            "decode_plain" => {
                black_box(serde_json::from_slice::<OrderPlacedV2>(black_box(&bytes)).unwrap());
            }
            "decode_plain_str" => {
                black_box(plain_from_str(black_box(&bytes)));
            }
            "decode_native" => {
                black_box(OrderPlacedV2::decode(black_box(&bytes)).unwrap());
            }
            "decode_value_path" => {
                black_box(value_path(black_box(&bytes)));
            }
            "encode_plain" => {
                black_box(serde_json::to_vec(black_box(&typed)).unwrap());
            }
            "encode_native" => {
                black_box(black_box(&typed).encode().unwrap());
            }
            other => panic!("unknown path {other}"),
        }
    }
}

fn main() {
    if let Ok(path) = std::env::var("NATIVE_BENCH_LOOP") {
        let n = std::env::var("NATIVE_BENCH_N").map_or(1000, |n| n.parse().expect("a count"));
        return run_one_path(&path, n);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::args().any(|a| a == "--profile-time") {
        return; // profiling: no estimates were written
    }
    let bytes = payload().len();
    let (
        Some(plain),
        Some(plain_str),
        Some(native),
        Some(value),
        Some(plain_out),
        Some(native_out),
    ) = (
        median("decode", "plain_serde"),
        median("decode", "plain_serde_str"),
        median("decode", "native"),
        median("decode", "value_jsonschema_from_value"),
        median("encode", "plain_serde"),
        median("encode", "native"),
    )
    else {
        return; // a filtered run: not every figure exists
    };
    println!("payload: {bytes} bytes");
    println!(
        "decode: plain {plain:.0} ns, native {native:.0} ns, value path {value:.0} ns; \
         native/plain {:.2}x (goal <= 1.3x), value path/native {:.2}x (goal >= 2x); \
         plain with one UTF-8 check {plain_str:.0} ns (native/that {:.2}x)",
        native / plain,
        value / native,
        native / plain_str
    );
    println!(
        "encode: plain {plain_out:.0} ns, native {native_out:.0} ns; native/plain {:.2}x (goal <= 1.3x)",
        native_out / plain_out
    );
    print_interleaved();
}
