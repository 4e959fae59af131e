//! What the tests share: numbered events over a few partition keys, a log of what handlers
//! saw, signed requests to an `/events/` endpoint, and payloads near a valid one.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use contracts::{payments, Envelope, Event};
use serde_json::{json, Map, Value};
use standardwebhooks::Webhook;

pub const KEYS: usize = 12;

/// The signing secret `/events/` tests sign with, and another (a rotated-out or forged one).
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const OLD_SECRET: &str = "whsec_bm90IHRoZSBjdXJyZW50IG9uZSBhbnkgbW9yZQ==";

/// A failed payment of one order, numbered by its attempt (9 makes test handlers fail).
pub fn payment_attempt(attempt: u64) -> payments::PaymentFailedV1 {
    payments::PaymentFailedV1::decode_value(&json!({
        "payment_id": "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
        "order_id": "9b2f8c1e-1d2a-4c3b-8e4f-5a6b7c8d9e0f",
        "code": "provider_unavailable",
        "retryable": true,
        "attempt": attempt,
    }))
    .unwrap()
}

/// A structured-mode body for [`payment_attempt`], as the Rust producer and forwarder send it.
pub fn cloudevent(attempt: u64) -> (Vec<u8>, Envelope) {
    let (record, envelope) =
        contracts::Record::from_event("test", &payment_attempt(attempt)).unwrap();
    (record.data, envelope)
}

/// Event `index` of a run: keyed by one of `KEYS` orders, numbered in its payment id.
pub fn payment_failed(index: usize) -> payments::PaymentFailedV1 {
    payments::PaymentFailedV1::decode_value(&json!({
        "payment_id": format!("00000000-0000-4000-8000-{index:012}"),
        "order_id": format!("00000000-0000-4000-9000-{:012}", index % KEYS),
        "code": "provider_unavailable",
        "retryable": true,
        "attempt": 1 + index % 10,
    }))
    .unwrap()
}

pub fn index_of(event: &payments::PaymentFailedV1) -> usize {
    event.payment_id.to_string()[24..].parse().unwrap()
}

/// What handlers saw: per partition key, the event indexes in the order handled.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<BTreeMap<String, Vec<usize>>>>);

impl Seen {
    pub fn record(&self, event: &payments::PaymentFailedV1, envelope: &Envelope) {
        assert_eq!(envelope.partition_key, event.order_id.to_string());
        self.0
            .lock()
            .unwrap()
            .entry(envelope.partition_key.clone())
            .or_default()
            .push(index_of(event));
    }

    pub fn total(&self) -> usize {
        self.0.lock().unwrap().values().map(Vec::len).sum()
    }

    pub fn distinct(&self) -> HashSet<usize> {
        self.0.lock().unwrap().values().flatten().copied().collect()
    }

    /// Exactly `count` events, each handled once, in order per key.
    pub fn assert_each_once_in_order(&self, count: usize) {
        assert_eq!(self.distinct().len(), count);
        assert_eq!(self.total(), count, "each once");
        self.assert_ordered();
    }

    /// Every key's events in increasing order (duplicates from at-least-once allowed only as
    /// a repeat of a run already seen, never out of order within a consumer run).
    pub fn assert_ordered(&self) {
        for (key, indexes) in self.0.lock().unwrap().iter() {
            assert!(
                indexes.windows(2).all(|w| w[0] < w[1]),
                "{key}: {indexes:?}"
            );
        }
    }
}

/// A request to an `/events/` endpoint, signed the Standard Webhooks way unless told not to.
pub struct Send<'a> {
    pub url: &'a str,
    pub body: Vec<u8>,
    pub content_type: &'a str,
    pub secret: &'a str,
    pub timestamp_offset: i64,
    pub extra: Vec<(&'a str, String)>,
    pub signed: bool,
}

impl<'a> Send<'a> {
    pub fn new(url: &'a str, body: Vec<u8>) -> Self {
        Send {
            url,
            body,
            content_type: contracts_http::STRUCTURED,
            secret: SECRET,
            timestamp_offset: 0,
            extra: Vec::new(),
            signed: true,
        }
    }

    pub async fn go(self) -> (u16, Value, Option<String>) {
        let timestamp = chrono::Utc::now().timestamp() + self.timestamp_offset;
        let id = format!("msg_{}", uuid::Uuid::new_v4());
        let mut request = reqwest::Client::new()
            .post(self.url)
            .header("content-type", self.content_type);
        if self.signed {
            let signature = Webhook::new(self.secret)
                .unwrap()
                .sign(&id, timestamp, &self.body)
                .unwrap();
            request = request
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature);
        }
        for (name, value) in self.extra {
            request = request.header(name, value);
        }
        let response = request.body(self.body).send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&body).unwrap_or(Value::Null),
            retry_after,
        )
    }
}

/// Payloads near a valid one: each member removed or changed at the bounds of its schema, an
/// unknown member added, arrays shortened and lengthened.
/// Follows a local `$ref` chain.
pub fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with('#') => match root.pointer(&r[1..]) {
                Some(target) => schema = target,
                None => break,
            },
            _ => break,
        }
    }
    schema
}

/// Payloads that differ from `payload` at one place, each aimed at a constraint's boundary
/// where the schema says where it is, and generic near misses elsewhere.
pub fn mutations(payload: &Value, schema: &Value, root: &Value) -> Vec<Value> {
    let schema = resolve(root, schema);
    let mut out: Vec<Value> = local_mutations(payload, schema);
    match payload {
        Value::Object(map) => {
            for (key, value) in map {
                let mut without = map.clone();
                without.shift_remove(key);
                out.push(Value::Object(without));
                let sub = schema
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .unwrap_or(&Value::Bool(true));
                for changed in mutations(value, sub, root) {
                    let mut copy = map.clone();
                    copy.insert(key.clone(), changed);
                    out.push(Value::Object(copy));
                }
            }
            let mut extra = map.clone();
            extra.insert("zz_unknown".into(), Value::from(1));
            out.push(Value::Object(extra));
        }
        Value::Array(items) => {
            if !items.is_empty() {
                out.push(Value::Array(items[1..].to_vec()));
                let mut doubled = items.clone();
                doubled.push(items[0].clone());
                out.push(Value::Array(doubled));
                let sub = schema.get("items").unwrap_or(&Value::Bool(true));
                for changed in mutations(&items[0], sub, root).into_iter().take(12) {
                    let mut copy = items.clone();
                    copy[0] = changed;
                    out.push(Value::Array(copy));
                }
            }
            out.push(Value::Array(Vec::new()));
        }
        _ => {}
    }
    out
}

pub fn local_mutations(value: &Value, schema: &Value) -> Vec<Value> {
    let mut out = vec![
        Value::Null,
        Value::Bool(true),
        Value::from("1"),
        Value::Object(Map::new()),
    ];
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    let count = |key: &str| schema.get(key).and_then(Value::as_u64);
    for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
        if let Some(limit) = number(key) {
            for delta in [-1.0, -0.5, 0.0, 0.5, 1.0] {
                out.push(Value::from(limit + delta));
            }
            if limit.fract() == 0.0 && limit.abs() < 9e15 {
                out.push(Value::from(limit as i64));
                out.push(Value::from(limit as i64 - 1));
                out.push(Value::from(limit as i64 + 1));
            }
            // Exact neighbours of a bound beyond f64's integers (u64::MAX, say).
            if let Some(n) = schema.get(key).and_then(Value::as_u64) {
                out.push(Value::from(n));
                out.extend(n.checked_sub(1).map(Value::from));
                out.push(
                    n.checked_add(1)
                        .map_or(Value::from(n as f64 * 2.0), Value::from),
                );
            }
        }
    }
    if let Some(s) = value.as_str() {
        for key in ["minLength", "maxLength"] {
            if let Some(n) = count(key) {
                for len in [n.saturating_sub(1), n, n + 1] {
                    out.push(Value::from(
                        s.chars().cycle().take(len as usize).collect::<String>(),
                    ));
                    out.push(Value::from("é".repeat(len as usize)));
                }
            }
        }
        let mut longer = s.to_owned();
        longer.push('x');
        out.push(Value::from(longer));
        out.push(Value::from(
            &s[..s.char_indices().last().map_or(0, |(i, _)| i)],
        ));
        out.push(Value::from(s.to_uppercase()));
        out.push(Value::from(format!(" {s}")));
        out.push(Value::from(""));
        out.push(Value::from(s.replacen('-', "", 1)));
        out.push(Value::from(s.replacen('T', " ", 1)));
        out.push(Value::from(s.replacen('@', "", 1)));
    }
    if let Some(n) = value.as_i64() {
        out.push(Value::from(n + 1));
        out.push(Value::from(n - 1));
        out.push(Value::from(n as f64));
        out.push(Value::from(n as f64 + 0.5));
        out.push(Value::from(-n));
    } else if let Some(f) = value.as_f64() {
        out.push(Value::from(f + 0.01));
        out.push(Value::from(-f));
        out.push(Value::from(f.trunc() as i64));
    }
    for key in ["enum"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            out.extend(options.iter().cloned());
            for option in options.iter().filter_map(Value::as_str) {
                out.push(Value::from(format!("{option}_")));
            }
        }
    }
    if let Some(c) = schema.get("const") {
        out.push(c.clone());
    }
    out.retain(|v| v != value);
    out
}
