//! The forwarder's TOML file: the stream, the subscriptions, the dead-letter file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use contracts_stream::{StartPosition, StreamConfig};
use serde::Deserialize;

use crate::ForwarderError;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwarderConfig {
    /// The source stream and checkpoint store, with the keys of `contracts-stream.toml`
    /// (environment variables override them as there).
    #[serde(default)]
    pub stream: StreamConfig,
    /// Where events that cannot be delivered go (required, except in the Lambda mode, where
    /// the event source mapping's retries and on-failure destination take that role).
    #[serde(default)]
    pub dead_letter: Option<DeadLetterConfig>,
    /// Who gets which events.
    #[serde(rename = "subscription")]
    pub subscriptions: Vec<Subscription>,
    /// The Prometheus endpoint, off unless set.
    #[serde(default)]
    pub metrics: MetricsConfig,
}

/// `[metrics]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// `GET /metrics` in Prometheus text on this loopback address (`127.0.0.1:9464`, say).
    pub address: Option<std::net::SocketAddr>,
}

/// `[dead_letter]`: a file (`path`) or a stream (`[dead_letter.stream]`), one of the two.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterConfig {
    /// A JSON Lines file: one line per event given up on, with the reason and last response.
    pub path: Option<PathBuf>,
    /// A stream (the keys of `[stream]`: the local stream or Kinesis): one record per event
    /// given up on, keyed by the subscription's name.
    pub stream: Option<StreamConfig>,
}

/// Where a subscription starts when it has no checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// The oldest record kept.
    #[default]
    TrimHorizon,
    /// Records put from now on.
    Latest,
    /// The first record that arrived at or after `start_timestamp`.
    AtTimestamp,
}

/// One `[[subscription]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    /// Its name: checkpoints are kept under it.
    pub name: String,
    /// The `/events/` URL: HTTPS, or HTTP to a loopback address.
    pub endpoint: String,
    /// Event type patterns: `mailer.email_sent.v1`, `orders.*`, `orders.order_placed.*`, `*`.
    pub events: Vec<String>,
    /// The environment variable holding the signing secret (`whsec_…`).
    pub secret_env: String,
    /// Where to start without a checkpoint.
    #[serde(default)]
    pub start: Start,
    /// With `start = "at_timestamp"`: the time, RFC 3339 (`2026-11-30T12:00:00Z`).
    pub start_timestamp: Option<String>,
    /// Per request, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Deliveries of one event before it goes to the dead-letter file.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Events older than this (seconds since the stream took them) go to the dead-letter file
    /// instead of being retried; 0: no limit.
    #[serde(default)]
    pub max_record_age_seconds: u64,
    /// The first retry waits up to this long (milliseconds); each further one up to twice as
    /// long, at most `max_backoff_ms`.
    #[serde(default = "default_base_backoff_ms")]
    pub base_backoff_ms: u64,
    /// The longest wait between two attempts, in milliseconds.
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// Records read from a shard at a time; the checkpoint moves after each such batch, so it
    /// also bounds what a forwarder killed without warning delivers again.
    #[serde(default = "default_read_batch")]
    pub read_batch: usize,
    /// The wait after a read that found nothing new, in milliseconds. By default 10 on the
    /// local stream and 200 on Kinesis, which allows five reads a second per shard.
    pub poll_interval_ms: Option<u64>,
    /// Events of a shard delivered at once, each of a different partition key (order is kept
    /// per key, as with Lambda's parallelization factor); 1 keeps the order of the shard.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Consecutive events (of one partition key when `concurrency` > 1) sent in one request
    /// in batched mode (`application/cloudevents-batch+json`), as with Lambda's batch size;
    /// 1 (the default) sends each event alone in structured mode.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// The largest batched request body, in bytes (by default 1 MiB, the endpoint's limit);
    /// an event larger than that still goes alone.
    #[serde(default = "default_batch_max_bytes")]
    pub batch_max_bytes: usize,
}

fn default_batch_size() -> usize {
    1
}

fn default_batch_max_bytes() -> usize {
    1024 * 1024
}

fn default_concurrency() -> usize {
    1
}

fn default_read_batch() -> usize {
    100
}

fn default_timeout_ms() -> u64 {
    10_000
}
fn default_max_attempts() -> u32 {
    10
}
fn default_base_backoff_ms() -> u64 {
    100
}
fn default_max_backoff_ms() -> u64 {
    30_000
}

impl Subscription {
    /// Whether the subscription wants events of this CloudEvents type.
    pub fn wants(&self, cloudevents_type: &str) -> bool {
        self.events
            .iter()
            .any(|pattern| matches(pattern, cloudevents_type))
    }

    /// Where its reader starts without a checkpoint.
    pub fn start_position(&self) -> Result<StartPosition, String> {
        match (self.start, &self.start_timestamp) {
            (Start::TrimHorizon, None) => Ok(StartPosition::TrimHorizon),
            (Start::Latest, None) => Ok(StartPosition::Latest),
            (Start::AtTimestamp, Some(text)) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|time| StartPosition::AtTimestamp(time.into()))
                .map_err(|e| {
                    format!(
                        "start_timestamp `{text}` is not RFC 3339 (`2026-11-30T12:00:00Z`): {e}"
                    )
                }),
            (Start::AtTimestamp, None) => {
                Err("start = \"at_timestamp\" needs start_timestamp".into())
            }
            (_, Some(_)) => {
                Err("start_timestamp is only read with start = \"at_timestamp\"".into())
            }
        }
    }

    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// `*` alone matches every type; a pattern ending in `.*` every type under its prefix;
/// anything else only itself.
pub fn matches(pattern: &str, cloudevents_type: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('.') => cloudevents_type.starts_with(prefix),
        _ => pattern == cloudevents_type,
    }
}

impl ForwarderConfig {
    /// Reads and checks the file; the stream keys are then overridden by the environment.
    pub fn from_file(path: &Path) -> Result<Self, ForwarderError> {
        let text = std::fs::read_to_string(path).map_err(|e| ForwarderError::Config {
            path: path.to_path_buf(),
            message: format!("cannot read: {e}"),
        })?;
        let mut config: ForwarderConfig =
            toml::from_str(&text).map_err(|e| ForwarderError::Config {
                path: path.to_path_buf(),
                message: e.to_string().trim_end().to_owned(),
            })?;
        config.stream.origin = Some(path.to_path_buf());
        config
            .stream
            .apply_env(|name| std::env::var(name).ok())
            .map_err(|e| ForwarderError::Config {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        config.check(path)?;
        Ok(config)
    }

    fn check(&self, path: &Path) -> Result<(), ForwarderError> {
        let fail = |message: String| {
            Err(ForwarderError::Config {
                path: path.to_path_buf(),
                message,
            })
        };
        if self.subscriptions.is_empty() {
            return fail("no [[subscription]]: nothing to forward".into());
        }
        if let Some(dead_letter) = &self.dead_letter {
            if dead_letter.path.is_some() == dead_letter.stream.is_some() {
                return fail(
                    "dead_letter: give `path` (a file) or `[dead_letter.stream]`, one of the two"
                        .into(),
                );
            }
        }
        if let Some(address) = &self.metrics.address {
            if let Err(message) = crate::metrics::check_address(address) {
                return fail(format!("metrics: address: {message}"));
            }
        }
        let mut names = std::collections::HashSet::new();
        for (index, subscription) in self.subscriptions.iter().enumerate() {
            let at = format!("subscription[{index}] ({})", subscription.name);
            if subscription.name.is_empty() || !names.insert(subscription.name.as_str()) {
                return fail(format!("{at}: name: empty or used twice"));
            }
            if subscription.events.is_empty() {
                return fail(format!("{at}: events: no pattern"));
            }
            if let Err(message) = check_endpoint(&subscription.endpoint) {
                return fail(format!("{at}: endpoint: {message}"));
            }
            if let Err(message) = subscription.start_position() {
                return fail(format!("{at}: {message}"));
            }
            if subscription.max_attempts == 0
                || subscription.timeout_ms == 0
                || subscription.concurrency == 0
                || subscription.batch_size == 0
            {
                return fail(format!(
                    "{at}: max_attempts, timeout_ms, concurrency and batch_size must be at least 1"
                ));
            }
        }
        Ok(())
    }
}

/// HTTPS, or plain HTTP only to a loopback address.
pub fn check_endpoint(endpoint: &str) -> Result<reqwest::Url, String> {
    let url =
        reqwest::Url::parse(endpoint).map_err(|e| format!("`{endpoint}` is not a URL: {e}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(url)
            } else {
                Err(format!(
                    "`{endpoint}`: HTTPS is required except to a loopback address"
                ))
            }
        }
        other => Err(format!("`{endpoint}`: scheme `{other}` (https only)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(matches("*", "a.b.v1"));
        assert!(matches("orders.*", "orders.order_placed.v2"));
        assert!(!matches("orders.*", "ordersx.order_placed.v2"));
        assert!(matches("orders.order_placed.*", "orders.order_placed.v1"));
        assert!(matches("mailer.email_sent.v1", "mailer.email_sent.v1"));
        assert!(!matches("mailer.email_sent.v1", "mailer.email_sent.v10"));
        assert!(!matches("orders*", "orders.order_placed.v1"));
    }

    #[test]
    fn endpoints_are_https_except_to_loopback() {
        assert!(check_endpoint("https://mailer.example.com/events/").is_ok());
        assert!(check_endpoint("http://127.0.0.1:8080/events/").is_ok());
        assert!(check_endpoint("http://[::1]:8080/events/").is_ok());
        assert!(check_endpoint("http://localhost/events/").is_ok());
        assert!(check_endpoint("http://mailer.example.com/events/").is_err());
        assert!(check_endpoint("http://10.0.0.1/events/").is_err());
        assert!(check_endpoint("ftp://127.0.0.1/").is_err());
    }

    #[test]
    fn mistakes_name_the_file_and_the_subscription() {
        let dir = std::env::temp_dir().join(format!("forwarder-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("forwarder.toml");
        let write = |text: &str| std::fs::write(&file, text).unwrap();
        write("[dead_letter]\npath = \"dl.jsonl\"\n[[subscription]]\nname = \"m\"\nendpoint = \"http://mailer.example.com/events/\"\nevents = [\"*\"]\nsecret_env = \"S\"\n");
        let err = ForwarderConfig::from_file(&file).unwrap_err().to_string();
        assert!(
            err.contains("forwarder.toml")
                && err.contains("subscription[0] (m)")
                && err.contains("HTTPS"),
            "{err}"
        );
        write("[dead_letter]\npath = \"dl.jsonl\"\n[[subscription]]\nname = \"m\"\nendpoint = \"http://127.0.0.1/events/\"\nevents = [\"*\"]\nsecret = \"whsec_x\"\n");
        let err = ForwarderConfig::from_file(&file).unwrap_err().to_string();
        assert!(err.contains("secret") && err.contains("line"), "{err}");
        let start = |lines: &str| {
            write(&format!("[dead_letter]\npath = \"dl.jsonl\"\n[[subscription]]\nname = \"m\"\nendpoint = \"http://127.0.0.1/events/\"\nevents = [\"*\"]\nsecret_env = \"S\"\n{lines}"));
            ForwarderConfig::from_file(&file).map(|c| c.subscriptions[0].start_position().unwrap())
        };
        let err = start("start = \"at_timestamp\"\n").unwrap_err().to_string();
        assert!(
            err.contains("subscription[0] (m)") && err.contains("needs start_timestamp"),
            "{err}"
        );
        let err = start("start = \"at_timestamp\"\nstart_timestamp = \"yesterday\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`yesterday` is not RFC 3339"), "{err}");
        let err = start("start_timestamp = \"2026-11-30T12:00:00Z\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("only read with"), "{err}");
        let at =
            start("start = \"at_timestamp\"\nstart_timestamp = \"2026-11-30T12:00:00+01:00\"\n")
                .unwrap();
        assert_eq!(
            at,
            StartPosition::AtTimestamp(std::time::UNIX_EPOCH + Duration::from_secs(1_796_036_400))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
