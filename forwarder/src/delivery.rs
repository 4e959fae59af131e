//! Delivering one subscription's events: the reading core hands over the records of a shard in
//! order; this batches, signs, posts and retries them, as Lambda's event source mapping would.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use contracts_runtime::Envelope;
use std::sync::atomic::Ordering;

use contracts_stream::{BatchOutcome, RecordHandler, StopSignal, StoredRecord};
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
    /// One request: `message_id` is the Standard Webhooks message id (the event id, or a
    /// batch's id), the same on every attempt.
    async fn attempt(&self, message_id: &str, content_type: &str, body: &[u8]) -> Attempt {
        let timestamp = chrono::Utc::now().timestamp();
        let signature = match self.signer.sign(message_id, timestamp, body) {
            Ok(signature) => signature,
            Err(error) => {
                return Attempt::Refused {
                    status: 0,
                    response: format!("cannot sign the request: {error}"),
                }
            }
        };
        let sent = self
            .client
            .post(self.url.clone())
            .timeout(self.subscription.timeout())
            .header("content-type", content_type)
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
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

/// The media type of one structured-mode CloudEvent.
const STRUCTURED: &str = "application/cloudevents+json";
/// The media type of a batch of CloudEvents.
const BATCH: &str = "application/cloudevents-batch+json";

/// What became of a request given up on.
enum GaveUp {
    /// Refused, out of attempts or too old: the event went to the dead-letter destination (or,
    /// for a batch, each event is now delivered alone).
    Finished {
        reason: &'static str,
        attempts: u32,
        last_status: Option<u16>,
        last_response: String,
    },
    /// The stop signal came between two attempts.
    Stopping,
}

impl Delivery {
    /// Sends one request until it is delivered or given up on, retrying as the subscription
    /// says. `oldest` decides the record age limit.
    async fn send(
        &self,
        message_id: &str,
        content_type: &str,
        body: &[u8],
        oldest: &StoredRecord,
    ) -> Result<(), GaveUp> {
        let mut attempts = 0;
        let (mut last_status, mut last_response) = (None, String::new());
        loop {
            if self.too_old(oldest) {
                return Err(GaveUp::Finished {
                    reason: "age",
                    attempts,
                    last_status,
                    last_response,
                });
            }
            attempts += 1;
            match self.attempt(message_id, content_type, body).await {
                Attempt::Delivered => return Ok(()),
                Attempt::Refused { status, response } => {
                    return Err(GaveUp::Finished {
                        reason: "refused",
                        attempts,
                        last_status: Some(status),
                        last_response: response,
                    })
                }
                Attempt::Retry {
                    status,
                    response,
                    retry_after,
                } => {
                    if attempts >= self.subscription.max_attempts {
                        return Err(GaveUp::Finished {
                            reason: "attempts",
                            attempts,
                            last_status: status,
                            last_response: response,
                        });
                    }
                    self.metrics.retried.inc();
                    tracing::warn!(
                        subscription = %self.subscription.name,
                        message_id,
                        attempts,
                        ?status,
                        "delivery failed, retrying: {response}"
                    );
                    (last_status, last_response) = (status, response);
                    let wait = retry_after.unwrap_or_else(|| self.backoff(attempts));
                    let mut stop = self.stop.clone();
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = stop.stopped() => return Err(GaveUp::Stopping),
                    }
                }
            }
        }
    }

    /// One event in its own request (structured mode, the record's bytes as they are).
    async fn deliver_one(
        &self,
        shard_id: &str,
        record: &StoredRecord,
        envelope: &Envelope,
    ) -> Result<(), String> {
        match self
            .send(&envelope.id, STRUCTURED, &record.data, record)
            .await
        {
            Ok(()) => {
                self.metrics.delivered.inc();
                Ok(())
            }
            Err(GaveUp::Stopping) => Err(STOPPING.into()),
            Err(GaveUp::Finished {
                reason,
                attempts,
                last_status,
                last_response,
            }) => {
                self.dead_letter(
                    shard_id,
                    record,
                    reason,
                    attempts,
                    last_status,
                    last_response,
                )
                .await
            }
        }
    }

    /// Consecutive events in one `application/cloudevents-batch+json` request. A batch given up
    /// on (refused, out of attempts, too old) is delivered again one event at a time, in order,
    /// so that only the events that fail alone reach the dead-letter destination; the endpoint
    /// drops by id those it already handled. On failure, says how many events of the group
    /// were delivered before the one that failed.
    async fn deliver_batch(
        &self,
        shard_id: &str,
        group: &[(usize, &StoredRecord, Envelope)],
    ) -> Result<(), (usize, String)> {
        let (first, last) = (&group[0].2.id, &group[group.len() - 1].2.id);
        let message_id = format!("batch_{}_{first}_{last}", group.len());
        let mut body = Vec::with_capacity(
            group
                .iter()
                .map(|(_, r, _)| r.data.len() + 1)
                .sum::<usize>()
                + 1,
        );
        body.push(b'[');
        for (index, (_, record, _)) in group.iter().enumerate() {
            if index > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&record.data);
        }
        body.push(b']');
        let oldest = group[0].1;
        match self.send(&message_id, BATCH, &body, oldest).await {
            Ok(()) => {
                self.metrics.delivered.inc_by(group.len() as u64);
                Ok(())
            }
            Err(GaveUp::Stopping) => Err((0, STOPPING.into())),
            Err(GaveUp::Finished {
                reason,
                attempts,
                last_status,
                ..
            }) => {
                tracing::warn!(
                    subscription = %self.subscription.name,
                    message_id,
                    events = group.len(),
                    reason,
                    attempts,
                    ?last_status,
                    "batch given up on: delivering its events one at a time"
                );
                for (done, (_, record, envelope)) in group.iter().enumerate() {
                    if self.stop.is_stopped() {
                        return Err((done, STOPPING.into()));
                    }
                    if let Err(reason) = self.deliver_one(shard_id, record, envelope).await {
                        return Err((done, reason));
                    }
                }
                Ok(())
            }
        }
    }

    /// Delivers `records` in order, consecutive wanted events `batch_size` (and at most
    /// `batch_max_bytes`) to a request. Reports how many from the start were all delivered,
    /// skipped or dead-lettered, and why the next one failed, if one did.
    pub(crate) async fn deliver_in_order(
        &self,
        shard_id: &str,
        records: &[&StoredRecord],
        stop: &StopSignal,
    ) -> (usize, Option<String>) {
        let mut index = 0;
        while index < records.len() {
            if stop.is_stopped() {
                return (index, None);
            }
            let mut group: Vec<(usize, &StoredRecord, Envelope)> = Vec::new();
            let mut bytes = 2;
            let mut next = index;
            while next < records.len() && group.len() < self.subscription.batch_size {
                let record = records[next];
                let envelope: Envelope = match serde_json::from_slice(&record.data) {
                    Ok(envelope) => envelope,
                    // Dead-lettered alone, once what comes before it is delivered.
                    Err(_) if !group.is_empty() => break,
                    Err(error) => {
                        let letter = self
                            .dead_letter(
                                shard_id,
                                record,
                                "not_an_event",
                                0,
                                None,
                                error.to_string(),
                            )
                            .await;
                        if let Err(reason) = letter {
                            return (index, Some(reason));
                        }
                        next += 1;
                        break;
                    }
                };
                if !self.subscription.wants(&envelope.cloudevents_type()) {
                    self.metrics.skipped.inc();
                    next += 1;
                    continue;
                }
                if !group.is_empty()
                    && bytes + record.data.len() + 1 > self.subscription.batch_max_bytes
                {
                    break;
                }
                bytes += record.data.len() + 1;
                group.push((next, record, envelope));
                next += 1;
            }
            let delivered = match group.as_slice() {
                [] => Ok(()),
                [(_, record, envelope)] => self
                    .deliver_one(shard_id, record, envelope)
                    .await
                    .map_err(|reason| (0, reason)),
                _ => self.deliver_batch(shard_id, &group).await,
            };
            if let Err((done, reason)) = delivered {
                // Everything before the event that failed is done (skipped ones included).
                return (group[done].0, Some(reason));
            }
            index = next;
        }
        (index, None)
    }

    /// The records of one read, those of each partition key in order, up to `concurrency`
    /// keys at once. Reports how many from the start were all delivered (or dead-lettered).
    async fn by_key(
        &self,
        shard_id: &str,
        records: &[StoredRecord],
        stop: &StopSignal,
    ) -> BatchOutcome {
        let mut keys: Vec<Vec<usize>> = Vec::new();
        let mut slot: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (index, record) in records.iter().enumerate() {
            let at = *slot
                .entry(record.partition_key.as_str())
                .or_insert_with(|| {
                    keys.push(Vec::new());
                    keys.len() - 1
                });
            keys[at].push(index);
        }
        let done: Vec<std::sync::atomic::AtomicBool> = records
            .iter()
            .map(|_| std::sync::atomic::AtomicBool::new(false))
            .collect();
        let failures = std::sync::Mutex::new(Vec::new());
        futures::stream::iter(keys)
            .for_each_concurrent(self.subscription.concurrency, |indices| {
                let (done, failures) = (&done, &failures);
                async move {
                    let of_key: Vec<&StoredRecord> = indices.iter().map(|&i| &records[i]).collect();
                    let (handled, failure) = self.deliver_in_order(shard_id, &of_key, stop).await;
                    for &index in &indices[..handled] {
                        done[index].store(true, Ordering::Release);
                    }
                    if let Some(reason) = failure {
                        failures
                            .lock()
                            .expect("not poisoned")
                            .push((indices[handled], reason));
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

const STOPPING: &str = "shutting down before the event was delivered";

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
            let records: Vec<&StoredRecord> = records.iter().collect();
            let (handled, failure) = self.deliver_in_order(shard_id, &records, stop).await;
            BatchOutcome { handled, failure }
        }
    }

    async fn handle(&self, shard_id: &str, record: &StoredRecord) -> Result<(), String> {
        match self.deliver_in_order(shard_id, &[record], &self.stop).await {
            (_, Some(reason)) => Err(reason),
            (1, None) => Ok(()),
            (_, None) => Err(STOPPING.into()),
        }
    }
}
