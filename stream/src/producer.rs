//! The producer: typed events validated, wrapped in a CloudEvent and put on the stream.
//!
//! `send` hands the record to one background task and resolves when the stream acknowledged
//! it. The task batches whatever is waiting into one `PutRecords` call (at most 500 records and
//! 5 MiB), retries only the records that failed, with exponential backoff and full jitter, and
//! keeps the order of records with the same partition key: a record waiting for a retry holds
//! back every later record with its key. Unless the backend puts a batch whole or not at all,
//! a batch carries at most one record per partition key, so a partial failure cannot let a
//! later record overtake an earlier one. A bounded number of records may wait (back-pressure);
//! `flush` and `shutdown` resolve once every record sent before them is acknowledged or
//! reported to its caller.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use contracts_runtime::{Envelope, Event, Record};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backend::{
    Ack, Backend, PutRecord, MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_PARTITION_KEY_CHARS,
    MAX_RECORD_BYTES,
};
use crate::error::SendError;

/// How a producer batches and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerOptions {
    /// Records that may wait to be acknowledged; `send` waits for room beyond that.
    pub buffer: usize,
    /// Attempts per record before its caller gets the error.
    pub max_attempts: u32,
    /// The first retry waits up to this long; each further one up to twice as long.
    pub base_backoff: Duration,
    /// The longest wait before a retry.
    pub max_backoff: Duration,
}

impl Default for ProducerOptions {
    fn default() -> Self {
        ProducerOptions {
            buffer: 10_000,
            max_attempts: 8,
            base_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// An event on the stream: where it was put and the envelope it went in.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The shard and sequence number.
    pub ack: Ack,
    /// The CloudEvent that carried it.
    pub envelope: Envelope,
}

/// A record handed to the producer: resolves when the stream acknowledged it, or to the reason
/// it is not on the stream. Dropping it does not withdraw the record.
#[derive(Debug)]
pub struct PendingAck(oneshot::Receiver<Result<Ack, SendError>>);

impl Future for PendingAck {
    type Output = Result<Ack, SendError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|answer| answer.unwrap_or(Err(SendError::Closed)))
    }
}

/// An event handed to the producer: resolves to its [`Delivery`] once acknowledged.
#[derive(Debug)]
pub struct PendingDelivery {
    envelope: Option<Envelope>,
    ack: PendingAck,
}

impl PendingDelivery {
    /// The CloudEvent the event travels in.
    pub fn envelope(&self) -> Option<&Envelope> {
        self.envelope.as_ref()
    }
}

impl Future for PendingDelivery {
    type Output = Result<Delivery, SendError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let ack = std::task::ready!(Pin::new(&mut self.ack).poll(cx));
        Poll::Ready(ack.and_then(|ack| {
            let envelope = self.envelope.take().ok_or(SendError::Closed)?;
            Ok(Delivery { ack, envelope })
        }))
    }
}

enum Command {
    Put(Item),
    Flush(oneshot::Sender<()>),
}

struct Item {
    order: u64,
    record: PutRecord,
    reply: oneshot::Sender<Result<Ack, SendError>>,
    attempts: u32,
    not_before: Option<Instant>,
    _permit: OwnedSemaphorePermit,
}

/// Sends typed events to a stream. Cheap to share behind an `Arc`; `send` may be called from
/// many tasks at once, and concurrent calls share `PutRecords` calls.
pub struct Producer {
    source: String,
    commands: Option<mpsc::UnboundedSender<Command>>,
    room: Arc<Semaphore>,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Producer {
    /// A producer on `backend` that writes `source` into every envelope. Call from within a
    /// tokio runtime: the batching task runs on it.
    pub fn new<B: Backend>(
        backend: B,
        source: impl Into<String>,
        options: ProducerOptions,
    ) -> Self {
        let (commands, receiver) = mpsc::unbounded_channel();
        let worker = tokio::spawn(Worker::new(backend, options.clone()).run(receiver));
        Producer {
            source: source.into(),
            commands: Some(commands),
            room: Arc::new(Semaphore::new(options.buffer.max(1))),
            worker: Some(worker),
        }
    }

    /// Validates the event, wraps it in a CloudEvent and puts it on the stream. Resolves when
    /// the stream acknowledged it; an error means it is not on the stream, and says why.
    pub async fn send<E: Event>(&self, event: &E) -> Result<Delivery, SendError> {
        self.enqueue(event).await?.await
    }

    /// Validates the event and hands it to the batching task, waiting only for room in the
    /// buffer; the returned future resolves when the stream acknowledged it. Records of one
    /// partition key reach the stream in the order they were enqueued: a task that enqueues
    /// many events and awaits them afterwards keeps their order and shares `PutRecords` calls.
    pub async fn enqueue<E: Event>(&self, event: &E) -> Result<PendingDelivery, SendError> {
        let (record, envelope) = Record::from_event(&self.source, event)?;
        let record = PutRecord {
            partition_key: record.partition_key,
            data: record.data,
        };
        check_limits(&record, &envelope)?;
        let ack = self.enqueue_record(record).await?;
        Ok(PendingDelivery {
            envelope: Some(envelope),
            ack,
        })
    }

    /// Puts a record as it is (no validation), batched and retried as [`Producer::send`].
    pub async fn send_record(&self, record: PutRecord) -> Result<Ack, SendError> {
        self.enqueue_record(record).await?.await
    }

    /// [`Producer::enqueue`] for a record as it is.
    pub async fn enqueue_record(&self, record: PutRecord) -> Result<PendingAck, SendError> {
        let size = record.size();
        if size > MAX_RECORD_BYTES {
            return Err(SendError::TooLarge {
                event_type: "(record)".into(),
                version: 0,
                size,
                limit: MAX_RECORD_BYTES,
            });
        }
        let permit = self
            .room
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| SendError::Closed)?;
        let (reply, answer) = oneshot::channel();
        let item = Item {
            order: 0,
            record,
            reply,
            attempts: 0,
            not_before: None,
            _permit: permit,
        };
        self.commands
            .as_ref()
            .ok_or(SendError::Closed)?
            .send(Command::Put(item))
            .map_err(|_| SendError::Closed)?;
        Ok(PendingAck(answer))
    }

    /// Resolves once every record sent before it is acknowledged or reported to its caller.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if let Some(commands) = &self.commands {
            if commands.send(Command::Flush(done)).is_ok() {
                let _ = wait.await;
            }
        }
    }

    /// Takes no more records, and resolves once every record in flight is acknowledged or
    /// reported to its caller.
    pub async fn shutdown(mut self) {
        self.commands = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.await;
        }
    }
}

fn check_limits(record: &PutRecord, envelope: &Envelope) -> Result<(), SendError> {
    let chars = record.partition_key.chars().count();
    if chars == 0 || chars > MAX_PARTITION_KEY_CHARS {
        return Err(SendError::PartitionKeyLength {
            event_type: envelope.cloudevents_type(),
            chars,
        });
    }
    let size = record.size();
    if size > MAX_RECORD_BYTES {
        return Err(SendError::TooLarge {
            event_type: envelope.event_type.clone(),
            version: envelope.version,
            size,
            limit: MAX_RECORD_BYTES,
        });
    }
    Ok(())
}

struct Worker<B> {
    backend: B,
    options: ProducerOptions,
    /// Records not yet acknowledged and not in the call under way, in the order sent.
    pending: VecDeque<Item>,
    flushes: Vec<(u64, oneshot::Sender<()>)>,
    next_order: u64,
}

impl<B: Backend> Worker<B> {
    fn new(backend: B, options: ProducerOptions) -> Self {
        Worker {
            backend,
            options,
            pending: VecDeque::new(),
            flushes: Vec::new(),
            next_order: 0,
        }
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut open = true;
        loop {
            if open && self.pending.is_empty() {
                match commands.recv().await {
                    Some(command) => self.take(command),
                    None => open = false,
                }
            }
            while open {
                match commands.try_recv() {
                    Ok(command) => self.take(command),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => open = false,
                }
            }
            self.answer_flushes();
            if self.pending.is_empty() {
                if open {
                    continue;
                }
                break;
            }
            let batch = self.next_batch();
            if batch.is_empty() {
                // Everything waits for a retry: sleep until the first is due, or a command.
                let due = self
                    .pending
                    .iter()
                    .filter_map(|item| item.not_before)
                    .min()
                    .unwrap_or_else(Instant::now);
                if open {
                    tokio::select! {
                        () = tokio::time::sleep_until(due) => {}
                        command = commands.recv() => match command {
                            Some(command) => self.take(command),
                            None => open = false,
                        },
                    }
                } else {
                    tokio::time::sleep_until(due).await;
                }
                continue;
            }
            self.put(batch).await;
        }
        self.answer_flushes();
    }

    fn take(&mut self, command: Command) {
        match command {
            Command::Put(mut item) => {
                item.order = self.next_order;
                self.next_order += 1;
                self.pending.push_back(item);
            }
            Command::Flush(done) => self.flushes.push((self.next_order, done)),
        }
    }

    fn answer_flushes(&mut self) {
        let oldest = self.pending.front().map_or(u64::MAX, |item| item.order);
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.flushes)
            .into_iter()
            .partition(|(marker, _)| *marker <= oldest);
        self.flushes = waiting;
        for (_, reply) in done {
            let _ = reply.send(());
        }
    }

    /// Takes out of `pending` the records that may go now, keeping every key's order.
    fn next_batch(&mut self) -> Vec<Item> {
        let now = Instant::now();
        let atomic = self.backend.atomic_batches();
        let mut held: HashSet<String> = HashSet::new();
        let mut in_batch: HashSet<String> = HashSet::new();
        let (mut count, mut bytes) = (0, 0);
        let mut chosen = Vec::new();
        for (index, item) in self.pending.iter().enumerate() {
            if count == MAX_BATCH_RECORDS {
                break;
            }
            let key = &item.record.partition_key;
            if held.contains(key) {
                continue;
            }
            let waiting = item.not_before.is_some_and(|due| due > now);
            let key_taken = !atomic && in_batch.contains(key);
            let too_big = bytes + item.record.size() > MAX_BATCH_BYTES;
            if waiting || key_taken || too_big {
                // Later records of this key wait behind it.
                held.insert(key.clone());
                continue;
            }
            in_batch.insert(key.clone());
            chosen.push(index);
            count += 1;
            bytes += item.record.size();
        }
        let mut batch = Vec::with_capacity(chosen.len());
        let mut rest = VecDeque::with_capacity(self.pending.len() - chosen.len());
        let mut chosen = chosen.into_iter().peekable();
        for (index, item) in std::mem::take(&mut self.pending).into_iter().enumerate() {
            if chosen.peek() == Some(&index) {
                chosen.next();
                batch.push(item);
            } else {
                rest.push_back(item);
            }
        }
        self.pending = rest;
        batch
    }

    async fn put(&mut self, batch: Vec<Item>) {
        let records: Vec<PutRecord> = batch.iter().map(|item| item.record.clone()).collect();
        let mut retry = Vec::new();
        match self.backend.put_records(records).await {
            Ok(outcomes) if outcomes.len() == batch.len() => {
                for (mut item, outcome) in batch.into_iter().zip(outcomes) {
                    match outcome {
                        Ok(ack) => {
                            let _ = item.reply.send(Ok(ack));
                        }
                        Err(failure) => {
                            item.attempts += 1;
                            if item.attempts >= self.options.max_attempts {
                                tracing::error!(
                                    partition_key = %item.record.partition_key,
                                    code = %failure.code,
                                    "record not put after {} attempts: {}",
                                    item.attempts,
                                    failure.message
                                );
                                let _ = item.reply.send(Err(SendError::Failed {
                                    attempts: item.attempts,
                                    code: failure.code,
                                    message: failure.message,
                                }));
                            } else {
                                tracing::debug!(code = %failure.code, "record will be retried");
                                retry.push(item);
                            }
                        }
                    }
                }
            }
            Ok(outcomes) => {
                let message = format!(
                    "the stream answered {} results for {} records",
                    outcomes.len(),
                    batch.len()
                );
                for item in batch {
                    let _ = item.reply.send(Err(SendError::Failed {
                        attempts: item.attempts + 1,
                        code: "InvalidResponse".into(),
                        message: message.clone(),
                    }));
                }
            }
            Err(error) => {
                let transient = error.is_transient();
                let message = error.to_string();
                tracing::warn!(%message, transient, "PutRecords failed as a whole");
                let mut error = Some(error);
                for mut item in batch {
                    item.attempts += 1;
                    if transient && item.attempts < self.options.max_attempts {
                        retry.push(item);
                    } else {
                        let source = error.take().unwrap_or(crate::error::StreamError::Service {
                            operation: "PutRecords",
                            message: message.clone(),
                        });
                        let _ = item.reply.send(Err(SendError::Stream {
                            attempts: item.attempts,
                            source,
                        }));
                    }
                }
            }
        }
        if retry.is_empty() {
            return;
        }
        for item in &mut retry {
            item.not_before = Some(Instant::now() + self.backoff(item.attempts));
        }
        // Back in their places: `pending` stays in the order records were sent.
        let mut merged = VecDeque::with_capacity(self.pending.len() + retry.len());
        let mut retry = retry.into_iter().peekable();
        for item in std::mem::take(&mut self.pending) {
            while retry.peek().is_some_and(|r| r.order < item.order) {
                merged.extend(retry.next());
            }
            merged.push_back(item);
        }
        merged.extend(retry);
        self.pending = merged;
    }

    /// Full jitter: a random wait up to `base * 2^(attempts-1)`, capped.
    fn backoff(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(20);
        let ceiling = self
            .options
            .base_backoff
            .saturating_mul(1 << exponent)
            .min(self.options.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// [`Producer`] for code that is not async: owns a small runtime.
#[derive(Debug)]
pub struct BlockingProducer {
    runtime: tokio::runtime::Runtime,
    producer: Option<Producer>,
}

impl BlockingProducer {
    /// A producer on `backend` with a runtime of its own.
    pub fn new<B: Backend>(
        backend: B,
        source: impl Into<String>,
        options: ProducerOptions,
    ) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let producer = {
            let _entered = runtime.enter();
            Producer::new(backend, source, options)
        };
        Ok(BlockingProducer {
            runtime,
            producer: Some(producer),
        })
    }

    /// [`Producer::send`], waiting for the acknowledgement.
    pub fn send<E: Event>(&self, event: &E) -> Result<Delivery, SendError> {
        let producer = self.producer.as_ref().ok_or(SendError::Closed)?;
        self.runtime.block_on(producer.send(event))
    }

    /// [`Producer::send_record`], waiting for the acknowledgement.
    pub fn send_record(&self, record: PutRecord) -> Result<Ack, SendError> {
        let producer = self.producer.as_ref().ok_or(SendError::Closed)?;
        self.runtime.block_on(producer.send_record(record))
    }

    /// [`Producer::flush`].
    pub fn flush(&self) {
        if let Some(producer) = &self.producer {
            self.runtime.block_on(producer.flush());
        }
    }
}

impl Drop for BlockingProducer {
    fn drop(&mut self) {
        if let Some(producer) = self.producer.take() {
            self.runtime.block_on(producer.shutdown());
        }
    }
}
