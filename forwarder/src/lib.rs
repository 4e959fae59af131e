//! The event forwarder: polls the stream for modules that cannot (JavaScript, any
//! single-threaded consumer) and delivers each event they subscribed to over HTTPS, signed
//! with Standard Webhooks, to their `POST /events/`.
//!
//! Each subscription reads every shard with the stream crate's reading core under a
//! checkpoint name of its own (`forwarder/<name>`), so a slow or failing endpoint never holds
//! back another, and a restart resumes where each stopped. Per shard, events go one at a
//! time, in order (or per partition key with `concurrency`; several to a request in batched
//! mode with `batch_size`). A failed delivery is retried with exponential backoff and full jitter on
//! 5xx, 408, timeouts and connection errors, after `Retry-After` on 429; any other answer,
//! the last attempt or a record older than allowed sends the event to the dead-letter file
//! with the reason and the last response, and the shard moves on.
#![deny(missing_docs)]

pub mod config;
mod dead_letter;
mod delivery;
pub mod lambda;
mod metrics;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use contracts_stream::{ReadError, Reader, ReaderOptions, StopSignal, StreamError};
use standardwebhooks::Webhook;

pub use config::{ForwarderConfig, Subscription};
pub use dead_letter::{DeadLetter, DeadLetterFile, DeadLetters};
pub use metrics::Metrics;

/// Why the forwarder could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ForwarderError {
    /// The configuration file is wrong.
    #[error("{}: {message}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A subscription's signing secret is missing or malformed, or its settings contradict
    /// each other.
    #[error("subscription {subscription}: {message}")]
    Subscription {
        /// The subscription.
        subscription: String,
        /// What is wrong (never the secret itself).
        message: String,
    },
    /// The stream or the checkpoint store.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// A subscription's reader stopped.
    #[error("subscription {subscription}: {source}")]
    Read {
        /// The subscription.
        subscription: String,
        /// Why.
        source: ReadError,
    },
    /// The dead-letter file or the HTTP client.
    #[error("{0}")]
    Io(String),
}

/// A subscription's signing key (from the environment variable it names) and its endpoint,
/// checked.
pub(crate) fn signer_and_url(
    subscription: &config::Subscription,
    secret: &impl Fn(&str) -> Option<String>,
) -> Result<(Webhook, reqwest::Url), ForwarderError> {
    let fail = |message: String| ForwarderError::Subscription {
        subscription: subscription.name.clone(),
        message,
    };
    let value = secret(&subscription.secret_env).ok_or_else(|| {
        fail(format!(
            "environment variable {} is not set",
            subscription.secret_env
        ))
    })?;
    let signer = Webhook::new(&value).map_err(|e| {
        fail(format!(
            "{} is not `whsec_<base64>`: {e}",
            subscription.secret_env
        ))
    })?;
    let url = config::check_endpoint(&subscription.endpoint).map_err(fail)?;
    Ok((signer, url))
}

/// Runs every subscription until `stop` fires (then returns once in-flight deliveries ended and
/// checkpoints are written) or a subscription fails. `secret` looks up the environment variable
/// each subscription names (`|name| std::env::var(name).ok()` in the binary).
pub async fn run(
    config: ForwarderConfig,
    secret: impl Fn(&str) -> Option<String>,
    stop: StopSignal,
    metrics_every: Duration,
) -> Result<(), ForwarderError> {
    let stream = Arc::new(config.stream.connect().await?);
    let checkpoints = Arc::new(config.stream.checkpoints().await?);
    let Some(dead_letter) = &config.dead_letter else {
        return Err(ForwarderError::Io(
            "no [dead_letter] path: the forwarder needs one (only the Lambda mode does not)".into(),
        ));
    };
    let dead_letters = match (&dead_letter.path, &dead_letter.stream) {
        (Some(path), _) => DeadLetters::File(DeadLetterFile::open(path).map_err(|e| {
            ForwarderError::Io(format!("dead-letter file {}: {e}", path.display()))
        })?),
        (None, Some(stream)) => DeadLetters::Stream(Arc::new(stream.connect().await?)),
        (None, None) => {
            return Err(ForwarderError::Io(
                "[dead_letter]: no `path` and no `[dead_letter.stream]`".into(),
            ))
        }
    };
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ForwarderError::Io(format!("HTTP client: {e}")))?;
    // Bound before anything is read, so a busy port fails the start, not a later scrape.
    let metrics_listener = match config.metrics.address {
        Some(address) => Some(
            tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| ForwarderError::Io(format!("metrics address {address}: {e}")))?,
        ),
        None => None,
    };
    let mut registry = prometheus_client::registry::Registry::default();
    let mut readers = tokio::task::JoinSet::new();
    let mut all_metrics = Vec::new();
    for subscription in config.subscriptions {
        let name = subscription.name.clone();
        let (signer, url) = signer_and_url(&subscription, &secret)?;
        let metrics = Arc::new(Metrics::default());
        metrics.register(&mut registry, &name);
        all_metrics.push((name.clone(), metrics.clone()));
        let options = ReaderOptions {
            start: subscription.start_position().map_err(|message| {
                ForwarderError::Subscription {
                    subscription: name.clone(),
                    message,
                }
            })?,
            batch_limit: subscription.read_batch,
            idle_wait: Duration::from_millis(subscription.poll_interval_ms.unwrap_or(
                match config.stream.backend {
                    contracts_stream::BackendKind::Local => 10,
                    contracts_stream::BackendKind::Kinesis => 200,
                },
            )),
            ..ReaderOptions::new(format!("forwarder/{name}"))
        };
        let delivery = delivery::Delivery {
            subscription,
            url,
            client: client.clone(),
            signer,
            dead_letters: Some(dead_letters.clone()),
            stop: stop.clone(),
            metrics,
        };
        let reader = Reader::new(stream.clone(), checkpoints.clone(), options);
        let stop = stop.clone();
        readers.spawn(async move {
            let outcome = reader.run(Arc::new(delivery), stop.clone()).await;
            match outcome {
                // A delivery cut short by the stop signal: its checkpoint is before it.
                Err(ReadError::Stopped { .. }) if stop.is_stopped() => Ok(()),
                Err(source) => Err(ForwarderError::Read {
                    subscription: name,
                    source,
                }),
                Ok(()) => Ok(()),
            }
        });
    }
    let scrapes = metrics_listener.map(|listener| {
        if let Ok(address) = listener.local_addr() {
            tracing::info!(%address, "metrics on http://{address}/metrics");
        }
        tokio::spawn(metrics::serve(listener, Arc::new(registry), stop.clone()))
    });
    let log_progress = |all_metrics: &[(String, Arc<Metrics>)], what: &str| {
        for (name, metrics) in all_metrics {
            let (delivered, retried, dead_lettered, skipped) = metrics.snapshot();
            tracing::info!(subscription = %name, delivered, retried, dead_lettered, skipped, "{what}");
        }
    };
    let final_metrics = all_metrics.clone();
    let report = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(metrics_every);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            log_progress(&all_metrics, "progress");
        }
    });
    let mut failure = None;
    while let Some(joined) = readers.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                failure.get_or_insert(error);
            }
            Err(error) => {
                failure.get_or_insert(ForwarderError::Io(format!("a reader task failed: {error}")));
            }
        }
    }
    report.abort();
    if let Some(scrapes) = scrapes {
        scrapes.abort();
    }
    log_progress(&final_metrics, "stopped");
    failure.map_or(Ok(()), Err)
}
