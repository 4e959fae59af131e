//! The reading core, shared by polling consumers and the event forwarder: every shard read in
//! order by a task of its own, iterators renewed when they expire, a parent shard read to its
//! end before its children start, and a checkpoint per shard saved only after the handler
//! returned `Ok` for the records it covers. A restart resumes after the last checkpoint:
//! at-least-once delivery, in order per shard.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::backend::{Backend, Shard, StartPosition, StoredRecord};
use crate::checkpoint::{Checkpoint, CheckpointStore};
use crate::error::{ReadError, StreamError};

/// How a reader reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderOptions {
    /// The reader's name: checkpoints are kept under it. Two readers with one name share
    /// their progress (run one at a time); readers with different names each see every record.
    pub name: String,
    /// Where a shard with no checkpoint starts. A shard whose parent is still listed always
    /// starts at its beginning, so nothing between parent and child is skipped.
    pub start: StartPosition,
    /// Records asked for per read.
    pub batch_limit: usize,
    /// The wait after a read that returned nothing.
    pub idle_wait: Duration,
    /// How often the shard list is read again, to find children after a reshard.
    pub shard_refresh: Duration,
}

impl ReaderOptions {
    /// Options for a reader called `name`, from the oldest record kept.
    pub fn new(name: impl Into<String>) -> Self {
        ReaderOptions {
            name: name.into(),
            start: StartPosition::TrimHorizon,
            batch_limit: 1000,
            idle_wait: Duration::from_millis(200),
            shard_refresh: Duration::from_secs(2),
        }
    }
}

/// Handles the records a reader reads, one at a time per shard.
pub trait RecordHandler: Send + Sync + 'static {
    /// `Ok` lets the checkpoint pass the record. `Err` stops the reader: the checkpoint stays
    /// before this record, so it is read again after a restart.
    fn handle(
        &self,
        shard_id: &str,
        record: &StoredRecord,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// After each read of a shard whose records were all handled: how far behind the newest
    /// record of the shard that read was (for lag metrics). Nothing by default.
    fn progress(&self, _shard_id: &str, _millis_behind_latest: Option<i64>) {}

    /// The records of one read of a shard, in order. By default one at a time with
    /// [`RecordHandler::handle`], stopping at the first failure or when `stop` fires; a
    /// handler may handle them otherwise (records of different partition keys at once, say)
    /// as long as it reports how many from the start were all handled: the checkpoint moves
    /// past those only.
    fn handle_batch(
        &self,
        shard_id: &str,
        records: &[StoredRecord],
        stop: &StopSignal,
    ) -> impl Future<Output = BatchOutcome> + Send {
        handle_in_order(self, shard_id, records, stop)
    }
}

/// The records one at a time with [`RecordHandler::handle`], stopping at the first failure or
/// when `stop` fires (the default of [`RecordHandler::handle_batch`]).
pub async fn handle_in_order<H: RecordHandler + ?Sized>(
    handler: &H,
    shard_id: &str,
    records: &[StoredRecord],
    stop: &StopSignal,
) -> BatchOutcome {
    for (index, record) in records.iter().enumerate() {
        if stop.is_stopped() {
            return BatchOutcome {
                handled: index,
                failure: None,
            };
        }
        if let Err(reason) = handler.handle(shard_id, record).await {
            return BatchOutcome {
                handled: index,
                failure: Some(reason),
            };
        }
    }
    BatchOutcome {
        handled: records.len(),
        failure: None,
    }
}

/// What [`RecordHandler::handle_batch`] did with a read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// How many records from the start of the read were all handled.
    pub handled: usize,
    /// Why the record right after them failed, if one did (the reader then stops).
    pub failure: Option<String>,
}

/// Asks readers to stop, after the record each is handling.
#[derive(Debug)]
pub struct Stopper(watch::Sender<bool>);

/// What a reader watches to know it must stop.
#[derive(Debug, Clone)]
pub struct StopSignal(watch::Receiver<bool>);

/// A new stop signal and the handle that fires it.
pub fn stop_signal() -> (Stopper, StopSignal) {
    let (sender, receiver) = watch::channel(false);
    (Stopper(sender), StopSignal(receiver))
}

impl Stopper {
    /// Fires the signal.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl StopSignal {
    /// Whether the signal fired.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when the signal fires (or its [`Stopper`] is dropped).
    pub async fn stopped(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// Reads every shard of a stream into a [`RecordHandler`].
#[derive(Debug)]
pub struct Reader<B, C> {
    backend: Arc<B>,
    checkpoints: Arc<C>,
    options: ReaderOptions,
}

enum ShardEnd {
    /// Every record of the closed shard was handled.
    Ended,
    /// The stop signal fired.
    Stopped,
}

impl<B: Backend, C: CheckpointStore> Reader<B, C> {
    /// A reader of `backend` keeping checkpoints in `checkpoints`.
    pub fn new(backend: Arc<B>, checkpoints: Arc<C>, options: ReaderOptions) -> Self {
        Reader {
            backend,
            checkpoints,
            options,
        }
    }

    /// Reads until `stop` fires (then returns `Ok` once every shard task saved its checkpoint)
    /// or the handler or the stream fails.
    pub async fn run<H: RecordHandler>(
        &self,
        handler: Arc<H>,
        mut stop: StopSignal,
    ) -> Result<(), ReadError> {
        let (done_sender, mut done) =
            mpsc::unbounded_channel::<(String, Result<ShardEnd, ReadError>)>();
        let (halt, halted) = stop_signal();
        let mut running: HashSet<String> = HashSet::new();
        let mut finished: HashSet<String> = HashSet::new();
        let mut tasks = tokio::task::JoinSet::new();
        let mut failure: Option<ReadError> = None;
        loop {
            if let Err(error) = self
                .start_ready_shards(
                    &handler,
                    &halted,
                    &done_sender,
                    &mut running,
                    &mut finished,
                    &mut tasks,
                )
                .await
            {
                if !error.is_transient() {
                    failure = Some(error.into());
                    break;
                }
                tracing::warn!(%error, "listing shards failed; trying again");
            }
            tokio::select! {
                () = stop.stopped() => break,
                () = tokio::time::sleep(self.options.shard_refresh) => {}
                Some((shard_id, outcome)) = done.recv() => {
                    running.remove(&shard_id);
                    match outcome {
                        Ok(ShardEnd::Ended) => { finished.insert(shard_id); }
                        Ok(ShardEnd::Stopped) => {}
                        Err(error) => { failure = Some(error); break; }
                    }
                }
            }
        }
        halt.stop();
        while let Some(joined) = tasks.join_next().await {
            if let Err(error) = joined {
                failure.get_or_insert(ReadError::Task {
                    shard_id: String::new(),
                    message: error.to_string(),
                });
            }
        }
        // Outcomes of tasks that ended while stopping.
        while let Ok((_, outcome)) = done.try_recv() {
            if let Err(error) = outcome {
                failure.get_or_insert(error);
            }
        }
        failure.map_or(Ok(()), Err)
    }

    async fn start_ready_shards<H: RecordHandler>(
        &self,
        handler: &Arc<H>,
        halted: &StopSignal,
        done: &mpsc::UnboundedSender<(String, Result<ShardEnd, ReadError>)>,
        running: &mut HashSet<String>,
        finished: &mut HashSet<String>,
        tasks: &mut tokio::task::JoinSet<()>,
    ) -> Result<(), StreamError> {
        let shards = self.backend.list_shards().await?;
        let listed: HashMap<&str, &Shard> =
            shards.iter().map(|s| (s.shard_id.as_str(), s)).collect();
        let mut checkpoints = HashMap::new();
        for shard in &shards {
            if running.contains(&shard.shard_id) || finished.contains(&shard.shard_id) {
                continue;
            }
            let checkpoint = self
                .checkpoints
                .load(&self.options.name, &shard.shard_id)
                .await?;
            if checkpoint == Some(Checkpoint::ShardEnd) {
                finished.insert(shard.shard_id.clone());
            } else {
                checkpoints.insert(shard.shard_id.clone(), checkpoint);
            }
        }
        for shard in &shards {
            let Some(checkpoint) = checkpoints.remove(&shard.shard_id) else {
                continue;
            };
            let parents: Vec<&str> = shard.parents().filter(|p| listed.contains_key(p)).collect();
            if parents.iter().any(|p| !finished.contains(*p)) {
                continue; // a parent still has records to hand over first
            }
            let start = match checkpoint {
                Some(Checkpoint::After(sequence)) => StartPosition::AfterSequenceNumber(sequence),
                _ if !parents.is_empty() => StartPosition::TrimHorizon,
                _ => self.options.start.clone(),
            };
            running.insert(shard.shard_id.clone());
            let task = ShardTask {
                backend: self.backend.clone(),
                checkpoints: self.checkpoints.clone(),
                options: self.options.clone(),
                shard_id: shard.shard_id.clone(),
                stop: halted.clone(),
            };
            let (handler, done) = (handler.clone(), done.clone());
            tasks.spawn(async move {
                let shard_id = task.shard_id.clone();
                let outcome = task.run(start, handler.as_ref()).await;
                let _ = done.send((shard_id, outcome));
            });
        }
        Ok(())
    }
}

struct ShardTask<B, C> {
    backend: Arc<B>,
    checkpoints: Arc<C>,
    options: ReaderOptions,
    shard_id: String,
    stop: StopSignal,
}

impl<B: Backend, C: CheckpointStore> ShardTask<B, C> {
    async fn run<H: RecordHandler>(
        mut self,
        start: StartPosition,
        handler: &H,
    ) -> Result<ShardEnd, ReadError> {
        let mut last: Option<String> = match &start {
            StartPosition::AfterSequenceNumber(sequence) => Some(sequence.clone()),
            _ => None,
        };
        let mut iterator = self.iterator(&start, &last).await?;
        let mut failures = 0u32;
        loop {
            if self.stop.is_stopped() {
                return Ok(ShardEnd::Stopped);
            }
            let batch = match self
                .backend
                .get_records(&iterator, self.options.batch_limit)
                .await
            {
                Ok(batch) => {
                    failures = 0;
                    batch
                }
                Err(StreamError::ExpiredIterator) => {
                    iterator = self.iterator(&start, &last).await?;
                    continue;
                }
                Err(error) if error.is_transient() && failures < 10 => {
                    failures += 1;
                    tracing::warn!(shard = %self.shard_id, %error, "reading failed; trying again");
                    let wait = Duration::from_millis(100u64 << failures.min(6));
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = self.stop.stopped() => {}
                    }
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            let outcome = handler
                .handle_batch(&self.shard_id, &batch.records, &self.stop)
                .await;
            let done = outcome.handled.min(batch.records.len());
            let handled = match done {
                0 => last.clone(),
                n => Some(batch.records[n - 1].sequence_number.clone()),
            };
            let stopped_at = outcome.failure.map(|reason| {
                let sequence = batch
                    .records
                    .get(done)
                    .map(|r| r.sequence_number.clone())
                    .unwrap_or_default();
                (sequence, reason)
            });
            if handled != last {
                if let Some(sequence) = &handled {
                    self.save(&Checkpoint::After(sequence.clone())).await?;
                }
                last = handled;
            }
            if let Some((sequence_number, reason)) = stopped_at {
                return Err(ReadError::Stopped {
                    shard_id: self.shard_id.clone(),
                    sequence_number,
                    reason,
                });
            }
            if done == batch.records.len() {
                handler.progress(&self.shard_id, batch.millis_behind_latest);
            }
            if self.stop.is_stopped() {
                return Ok(ShardEnd::Stopped);
            }
            match batch.next_iterator {
                None => {
                    self.save(&Checkpoint::ShardEnd).await?;
                    return Ok(ShardEnd::Ended);
                }
                Some(next) => iterator = next,
            }
            if batch.records.is_empty() {
                tokio::select! {
                    () = tokio::time::sleep(self.options.idle_wait) => {}
                    () = self.stop.stopped() => {}
                }
            }
        }
    }

    async fn iterator(
        &self,
        start: &StartPosition,
        last: &Option<String>,
    ) -> Result<String, ReadError> {
        let position = match last {
            Some(sequence) => StartPosition::AfterSequenceNumber(sequence.clone()),
            None => start.clone(),
        };
        Ok(self
            .backend
            .shard_iterator(&self.shard_id, &position)
            .await?)
    }

    async fn save(&self, checkpoint: &Checkpoint) -> Result<(), ReadError> {
        Ok(self
            .checkpoints
            .save(&self.options.name, &self.shard_id, checkpoint)
            .await?)
    }
}
