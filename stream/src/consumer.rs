//! A polling consumer: the reading core feeding the generated `Router`. Typed handlers get
//! validated payloads; what cannot be handled is reported, never dropped in silence.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use contracts_runtime::{DecodeError, Dispatch, DispatchError, Envelope, Router, Violation};

use crate::backend::{Backend, StoredRecord};
use crate::checkpoint::CheckpointStore;
use crate::error::ReadError;
use crate::reader::{Reader, ReaderOptions, RecordHandler, StopSignal};

/// What happens to a record whose handler kept failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Report it and go on with the next record.
    Skip,
    /// Report it and stop the consumer before it: a restart tries it again.
    Stop,
}

/// How a consumer treats handler failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerOptions {
    /// Calls of a failing handler per record, the first included.
    pub handler_attempts: u32,
    /// The wait before the first retry; doubled for each further one.
    pub retry_backoff: Duration,
    /// What happens after the last attempt failed.
    pub on_handler_failure: FailurePolicy,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        ConsumerOptions {
            handler_attempts: 3,
            retry_backoff: Duration::from_millis(100),
            on_handler_failure: FailurePolicy::Stop,
        }
    }
}

/// A record the consumer could not hand to a handler, or whose handler failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The shard it came from.
    pub shard_id: String,
    /// Its sequence number.
    pub sequence_number: String,
    /// The event id, when the record was a CloudEvent.
    pub event_id: Option<String>,
    /// The CloudEvents type, when the record was a CloudEvent.
    pub event_type: Option<String>,
    /// What went wrong.
    pub problem: Problem,
    /// Whether the consumer went on past the record (`false`: it stopped before it).
    pub skipped: bool,
}

/// What went wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The record is not a CloudEvent of this bus.
    NotAnEvent(String),
    /// The payload breaks its schema: every violation.
    Invalid(Vec<Violation>),
    /// The payload is not JSON, or does not fit its type.
    Undecodable(String),
    /// The event type and version are not in the registry the consumer was given
    /// ([`Consumer::known_events`]) and no catch-all took it.
    UnknownType,
    /// The handler failed on every attempt.
    HandlerFailed {
        /// Attempts made.
        attempts: u32,
        /// The last error.
        message: String,
    },
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shard {} record {}", self.shard_id, self.sequence_number)?;
        if let (Some(id), Some(t)) = (&self.event_id, &self.event_type) {
            write!(f, " (event {id}, {t})")?;
        }
        match &self.problem {
            Problem::NotAnEvent(why) => write!(f, ": not an event: {why}")?,
            Problem::Invalid(violations) => {
                write!(f, ": invalid payload:")?;
                for v in violations {
                    let at = if v.pointer.is_empty() {
                        "(root)"
                    } else {
                        &v.pointer
                    };
                    write!(f, " {at}: {};", v.message)?;
                }
            }
            Problem::Undecodable(why) => write!(f, ": {why}")?,
            Problem::UnknownType => write!(f, ": no such event type and version in the registry")?,
            Problem::HandlerFailed { attempts, message } => {
                write!(f, ": handler failed {attempts} times: {message}")?
            }
        }
        f.write_str(if self.skipped {
            " (skipped)"
        } else {
            " (stopped)"
        })
    }
}

type CatchAll = Box<dyn Fn(&Envelope) -> Result<(), String> + Send + Sync>;
type Reporter = Box<dyn Fn(&Report) + Send + Sync>;

/// Dispatches every record of every shard to a [`Router`].
pub struct Consumer {
    router: Router,
    known: Option<HashSet<(String, u32)>>,
    catch_all: Option<CatchAll>,
    reporter: Reporter,
    options: ConsumerOptions,
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("router", &self.router)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Consumer {
    /// A consumer calling `router`'s handlers; reports go to the log (`tracing`, level error).
    pub fn new(router: Router) -> Self {
        Consumer {
            router,
            known: None,
            catch_all: None,
            reporter: Box::new(|report| tracing::error!("{report}")),
            options: ConsumerOptions::default(),
        }
    }

    /// The event types and versions of the registry (`contracts::EVENTS`): an event of a type
    /// or version not among them is reported as [`Problem::UnknownType`] (then given to the
    /// catch-all, if any) rather than skipped like a type nobody here subscribed to.
    pub fn known_events<'a>(mut self, events: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        self.known = Some(
            events
                .into_iter()
                .map(|(event_type, version)| (event_type.to_owned(), version))
                .collect(),
        );
        self
    }

    /// Events the router has no handler for go here (else they are skipped).
    pub fn catch_all(
        mut self,
        handler: impl Fn(&Envelope) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.catch_all = Some(Box::new(handler));
        self
    }

    /// Where reports go instead of the log.
    pub fn on_report(mut self, reporter: impl Fn(&Report) + Send + Sync + 'static) -> Self {
        self.reporter = Box::new(reporter);
        self
    }

    /// Retries and the failure policy.
    pub fn options(mut self, options: ConsumerOptions) -> Self {
        self.options = options;
        self
    }

    /// Reads `backend` until `stop` fires or the consumer stops on a failing record.
    pub async fn run<B: Backend, C: CheckpointStore>(
        self,
        backend: Arc<B>,
        checkpoints: Arc<C>,
        reader: ReaderOptions,
        stop: StopSignal,
    ) -> Result<(), ReadError> {
        Reader::new(backend, checkpoints, reader)
            .run(Arc::new(self), stop)
            .await
    }

    fn report(
        &self,
        shard_id: &str,
        record: &StoredRecord,
        envelope: Option<&Envelope>,
        problem: Problem,
        skipped: bool,
    ) {
        (self.reporter)(&Report {
            shard_id: shard_id.to_owned(),
            sequence_number: record.sequence_number.clone(),
            event_id: envelope.map(|e| e.id.clone()),
            event_type: envelope.map(Envelope::cloudevents_type),
            problem,
            skipped,
        });
    }
}

impl Consumer {
    /// Decodes the payload and runs its handler on the blocking pool: handlers are plain
    /// functions that may block, and must not stall the readers of other shards.
    async fn dispatch(&self, envelope: &Envelope) -> Result<Dispatch, DispatchError> {
        let ready = self.router.prepare(envelope)?;
        if !ready.is_subscribed() {
            return ready.run(envelope);
        }
        let owned = envelope.clone();
        match tokio::task::spawn_blocking(move || ready.run(&owned)).await {
            Ok(result) => result,
            Err(panicked) => Err(DispatchError::Handler {
                event_type: envelope.event_type.clone(),
                version: envelope.version,
                source: format!("the handler panicked: {panicked}").into(),
            }),
        }
    }
}

impl RecordHandler for Consumer {
    async fn handle(&self, shard_id: &str, record: &StoredRecord) -> Result<(), String> {
        let envelope: Envelope = match serde_json::from_slice(&record.data) {
            Ok(envelope) => envelope,
            Err(error) => {
                self.report(
                    shard_id,
                    record,
                    None,
                    Problem::NotAnEvent(error.to_string()),
                    true,
                );
                return Ok(());
            }
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.dispatch(&envelope).await {
                Ok(Dispatch::Handled { .. }) => return Ok(()),
                Ok(Dispatch::Unsubscribed {
                    event_type,
                    version,
                }) => {
                    if self
                        .known
                        .as_ref()
                        .is_some_and(|known| !known.contains(&(event_type, version)))
                    {
                        let skipped = true;
                        self.report(
                            shard_id,
                            record,
                            Some(&envelope),
                            Problem::UnknownType,
                            skipped,
                        );
                    }
                    match &self.catch_all {
                        None => return Ok(()),
                        Some(catch_all) => match catch_all(&envelope) {
                            Ok(()) => return Ok(()),
                            Err(message) => message,
                        },
                    }
                }
                Err(DispatchError::Decode(DecodeError::Invalid { violations, .. })) => {
                    self.report(
                        shard_id,
                        record,
                        Some(&envelope),
                        Problem::Invalid(violations.0),
                        true,
                    );
                    return Ok(());
                }
                Err(error @ (DispatchError::Decode(_) | DispatchError::Envelope(_))) => {
                    self.report(
                        shard_id,
                        record,
                        Some(&envelope),
                        Problem::Undecodable(error.to_string()),
                        true,
                    );
                    return Ok(());
                }
                Err(error) => error.to_string(),
            };
            if attempt >= self.options.handler_attempts.max(1) {
                let skipped = self.options.on_handler_failure == FailurePolicy::Skip;
                let problem = Problem::HandlerFailed {
                    attempts: attempt,
                    message: failure.clone(),
                };
                self.report(shard_id, record, Some(&envelope), problem, skipped);
                return if skipped { Ok(()) } else { Err(failure) };
            }
            tracing::warn!(event_id = %envelope.id, attempt, "handler failed, retrying: {failure}");
            tokio::time::sleep(
                self.options
                    .retry_backoff
                    .saturating_mul(1 << (attempt - 1).min(16)),
            )
            .await;
        }
    }
}
