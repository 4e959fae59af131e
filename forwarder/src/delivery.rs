//! Delivering one subscription's events: the reading core hands over each record of a shard in
//! order; this signs it, posts it and retries, as Lambda's Kinesis event source mapping would.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use contracts_runtime::Envelope;
use std::sync::atomic::Ordering;

use contracts_stream::{handle_in_order, BatchOutcome, RecordHandler, StopSignal, StoredRecord};
use futures::StreamExt;
use standardwebhooks::Webhook;

use crate::config::Subscription;
use crate::dead_letter::{DeadLetter, DeadLetters, RecordJson};
use crate::metrics::Metrics;

/// The record handler of one subscription.
pub struct Delivery {
    pub(crate) subscription: Subscription,
    pub(crate) url: reqwest::Url,
    pub(crate) client: reqwest::Client,
    pub(crate) signer: Webhook,
    /// Where events given up on go; `None` (the Lambda mode): the give-up is an error, so the
    /// caller reports the record as failed and AWS retries it.
    pub(crate) dead_letters: Option<DeadLetters>,
    pub(crate) stop: StopSignal,
    pub(crate) metrics: Arc<Metrics>,
}

enum Attempt {
    Delivered,
    /// 5xx, 408, 429, a timeout or a connection error.
    Retry {
        status: Option<u16>,
        response: String,
        retry_after: Option<Duration>,
    },
    /// Any other answer: retrying cannot help.
    Refused {
        status: u16,
        response: String,
    },
}

const MAX_RESPONSE_KEPT: usize = 4096;

impl Delivery {
    async fn attempt(&self, envelope: &Envelope, record: &StoredRecord) -> Attempt {
        let timestamp = chrono::Utc::now().timestamp();
        let signature = match self.signer.sign(&envelope.id, timestamp, &record.data) {
            Ok(signature) => signature,
            Err(error) => {
                return Attempt::Refused {
                    status: 0,
                    response: format!("cannot sign the record: {error}"),
                }
            }
        };
        let sent = self
            .client
            .post(self.url.clone())
            .timeout(self.subscription.timeout())
            .header("content-type", "application/cloudevents+json")
            .header("webhook-id", &envelope.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(record.data.clone())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Retry {
                    status: None,
                    response: error.to_string(),
                    retry_after: None,
                }
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut body = response.text().await.unwrap_or_default();
        if body.len() > MAX_RESPONSE_KEPT {
            let mut end = MAX_RESPONSE_KEPT;
            while !body.is_char_boundary(end) {
                end -= 1;
            }
            body.truncate(end);
        }
        let code = status.as_u16();
        if status.is_success() {
            Attempt::Delivered
        } else if status.is_server_error() || code == 429 || code == 408 {
            Attempt::Retry {
                status: Some(code),
                response: body,
                retry_after,
            }
        } else {
            // 3xx included: redirects are never followed.
            Attempt::Refused {
                status: code,
                response: body,
            }
        }
    }

    /// Full jitter: a random wait up to `base * 2^(attempts-1)`, capped.
    fn backoff(&self, attempts: u32) -> Duration {
        let base = Duration::from_millis(self.subscription.base_backoff_ms);
        let ceiling = base
            .saturating_mul(1 << attempts.saturating_sub(1).min(20))
            .min(Duration::from_millis(self.subscription.max_backoff_ms));
        ceiling.mul_f64(fastrand::f64())
    }

    fn too_old(&self, record: &StoredRecord) -> bool {
        let limit = self.subscription.max_record_age_seconds;
        limit > 0
            && SystemTime::now()
                .duration_since(record.arrival)
                .is_ok_and(|age| age > Duration::from_secs(limit))
    }

    #[allow(clippy::too_many_arguments)]
    async fn dead_letter(
        &self,
        shard_id: &str,
        record: &StoredRecord,
        reason: &'static str,
        attempts: u32,
        last_status: Option<u16>,
        last_response: String,
    ) -> Result<(), String> {
        let letter = DeadLetter {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            subscription: &self.subscription.name,
            reason,
            attempts,
            last_status,
            last_response,
            shard_id,
            sequence_number: &record.sequence_number,
            record: RecordJson::of(&record.data),
        };
        let Some(dead_letters) = &self.dead_letters else {
            tracing::warn!(
                subscription = %self.subscription.name,
                shard = shard_id,
                sequence_number = %record.sequence_number,
                reason,
                attempts,
                ?last_status,
                "event given up on: reported as failed"
            );
            return Err(format!(
                "{reason} after {attempts} attempts (last status {last_status:?}): {}",
                letter.last_response
            ));
        };
        // The checkpoint moves past the record only once its dead letter is durable.
        dead_letters.write(&letter).await?;
        self.metrics.dead_lettered.inc();
        tracing::error!(
            subscription = %self.subscription.name,
            shard = shard_id,
            sequence_number = %record.sequence_number,
            reason,
            attempts,
            ?last_status,
            "event dead-lettered"
        );
        Ok(())
    }
}

impl Delivery {
    /// The records of one read, those of each partition key in order, up to `concurrency`
    /// keys at once. Reports how many from the start were all delivered (or dead-lettered).
    async fn by_key(
        &self,
        shard_id: &str,
        records: &[StoredRecord],
        stop: &StopSignal,
    ) -> BatchOutcome {
        let mut keys: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut slot: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (index, record) in records.iter().enumerate() {
            let key = record.partition_key.as_str();
            let at = *slot.entry(key).or_insert_with(|| {
                keys.push((key, Vec::new()));
                keys.len() - 1
            });
            keys[at].1.push(index);
        }
        let done: Vec<std::sync::atomic::AtomicBool> = records
            .iter()
            .map(|_| std::sync::atomic::AtomicBool::new(false))
            .collect();
        let failures = std::sync::Mutex::new(Vec::new());
        futures::stream::iter(keys)
            .for_each_concurrent(self.subscription.concurrency, |(_, indices)| {
                let (done, failures) = (&done, &failures);
                async move {
                    for index in indices {
                        if stop.is_stopped() {
                            return;
                        }
                        match self.handle(shard_id, &records[index]).await {
                            Ok(()) => done[index].store(true, Ordering::Release),
                            Err(reason) => {
                                failures.lock().expect("not poisoned").push((index, reason));
                                return;
                            }
                        }
                    }
                }
            })
            .await;
        let handled = done
            .iter()
            .take_while(|d| d.load(Ordering::Acquire))
            .count();
        let failure = failures
            .into_inner()
            .expect("not poisoned")
            .into_iter()
            .filter(|(index, _)| *index == handled)
            .map(|(_, reason)| reason)
            .next();
        BatchOutcome { handled, failure }
    }
}

impl RecordHandler for Delivery {
    fn progress(&self, shard_id: &str, millis_behind_latest: Option<i64>) {
        if let Some(millis) = millis_behind_latest {
            self.metrics.behind(shard_id, millis);
        }
    }

    async fn handle_batch(
        &self,
        shard_id: &str,
        records: &[StoredRecord],
        stop: &StopSignal,
    ) -> BatchOutcome {
        if self.subscription.concurrency > 1 {
            self.by_key(shard_id, records, stop).await
        } else {
            handle_in_order(self, shard_id, records, stop).await
        }
    }

    async fn handle(&self, shard_id: &str, record: &StoredRecord) -> Result<(), String> {
        let envelope: Envelope = match serde_json::from_slice(&record.data) {
            Ok(envelope) => envelope,
            Err(error) => {
                return self
                    .dead_letter(shard_id, record, "not_an_event", 0, None, error.to_string())
                    .await
            }
        };
        if !self.subscription.wants(&envelope.cloudevents_type()) {
            self.metrics.skipped.inc();
            return Ok(());
        }
        let mut attempts = 0;
        let (mut last_status, mut last_response) = (None, String::new());
        loop {
            if self.too_old(record) {
                return self
                    .dead_letter(
                        shard_id,
                        record,
                        "age",
                        attempts,
                        last_status,
                        last_response,
                    )
                    .await;
            }
            attempts += 1;
            match self.attempt(&envelope, record).await {
                Attempt::Delivered => {
                    self.metrics.delivered.inc();
                    return Ok(());
                }
                Attempt::Refused { status, response } => {
                    return self
                        .dead_letter(
                            shard_id,
                            record,
                            "refused",
                            attempts,
                            Some(status),
                            response,
                        )
                        .await;
                }
                Attempt::Retry {
                    status,
                    response,
                    retry_after,
                } => {
                    if attempts >= self.subscription.max_attempts {
                        return self
                            .dead_letter(shard_id, record, "attempts", attempts, status, response)
                            .await;
                    }
                    self.metrics.retried.inc();
                    tracing::warn!(
                        subscription = %self.subscription.name,
                        event_id = %envelope.id,
                        attempts,
                        ?status,
                        "delivery failed, retrying: {response}"
                    );
                    (last_status, last_response) = (status, response);
                    let wait = retry_after.unwrap_or_else(|| self.backoff(attempts));
                    let mut stop = self.stop.clone();
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = stop.stopped() => return Err("shutting down before the event was delivered".into()),
                    }
                }
            }
        }
    }
}
