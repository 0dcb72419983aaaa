//! The ingest pipeline: one thread owns the [`Assembler`] and the store's writer side.
//!
//! HTTP handlers decode request bodies into events and submit them here; the thread
//! drains whatever jobs are waiting into one batch (group commit), feeds every event to
//! the assembler, and commits the raw lines (redacted), the emitted invocations, errors
//! and security events, and the streams' replay points in **one transaction**. Only then
//! are the waiting requests answered, so an acknowledged request is durable.
//!
//! Assembly state survives restarts without serialising the assembler: each stream that
//! may hold open state has a replay point (`open_streams`), the first line from which its
//! state can be rebuilt. A stream's replay point moves to the line that made it emit an
//! invocation (that line belongs to what comes next), and the stream is dropped from the
//! table when it is closed for idleness. On start, the lines of open streams are replayed
//! into a fresh assembler; the store's idempotent writes make re-emitted items harmless.
//! A stream running several concurrent invocations (Lambda Managed Instances) can lose
//! the start of one that was open when an earlier one completed; it is then stored from
//! its REPORT alone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Notify};
use warden_logs::{Assembler, AssemblerConfig, Emitted, OwnedLogEvent};

use crate::clock::now_ms;
use crate::store::{
    AssemblyPositions, BatchItem, PollCheckpoint, StagedEvent, Store, StoredLine, StreamMark,
    WriteBatch, WriteSummary,
};

/// Lines per commit at most; more waiting jobs go into the next one.
const MAX_BATCH_LINES: usize = 50_000;
/// Jobs waiting for the pipeline; handlers wait (backpressure) when it is full.
const QUEUE_DEPTH: usize = 256;

/// Why a submission was not committed. The HTTP layer answers 503/500 without details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestFailure {
    /// The pipeline thread is gone (shutting down).
    Unavailable,
    /// The commit failed; the data was not stored and the client should retry.
    Storage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestReceipt {
    pub events: usize,
    /// The delivery id had been committed before: nothing was stored again.
    pub duplicate: bool,
}

struct Job {
    events: Vec<OwnedLogEvent>,
    request_key: Option<String>,
    /// A polled log group's position after these events, committed with them.
    checkpoint: Option<PollCheckpoint>,
    reply: oneshot::Sender<Result<IngestReceipt, IngestFailure>>,
}

enum Command {
    Ingest(Job),
    /// Close streams idle for `idle_ms` of event time.
    CloseIdle {
        idle_ms: i64,
        done: oneshot::Sender<()>,
    },
}

/// Counters for the status endpoint.
#[derive(Debug, Default)]
pub struct PipelineMetrics {
    pub lines: AtomicU64,
    pub commits: AtomicU64,
    pub commit_failures: AtomicU64,
    pub invocations: AtomicU64,
    pub replayed_lines: AtomicU64,
}

/// Submits events to the pipeline thread. Cheap to clone.
#[derive(Clone)]
pub struct IngestHandle {
    sender: mpsc::Sender<Command>,
    pub metrics: Arc<PipelineMetrics>,
    /// Woken after a commit that created error groups or security events.
    pub activity: Arc<Notify>,
}

impl IngestHandle {
    /// Resolves once the events are committed (or known to be a duplicate delivery).
    pub async fn submit(
        &self,
        events: Vec<OwnedLogEvent>,
        request_key: Option<String>,
    ) -> Result<IngestReceipt, IngestFailure> {
        self.send(events, request_key, None).await
    }

    /// Like [`IngestHandle::submit`] for events read from CloudWatch Logs: the log group's
    /// checkpoint is committed in the same transaction as the events, so no restart can
    /// store them twice or skip them.
    pub async fn submit_polled(
        &self,
        events: Vec<OwnedLogEvent>,
        checkpoint: PollCheckpoint,
    ) -> Result<IngestReceipt, IngestFailure> {
        self.send(events, None, Some(checkpoint)).await
    }

    async fn send(
        &self,
        events: Vec<OwnedLogEvent>,
        request_key: Option<String>,
        checkpoint: Option<PollCheckpoint>,
    ) -> Result<IngestReceipt, IngestFailure> {
        let (reply, receive) = oneshot::channel();
        self.sender
            .send(Command::Ingest(Job {
                events,
                request_key,
                checkpoint,
                reply,
            }))
            .await
            .map_err(|_| IngestFailure::Unavailable)?;
        receive.await.map_err(|_| IngestFailure::Unavailable)?
    }

    /// Closes streams idle for `idle_ms` (event time) and commits what that completes.
    pub async fn close_idle(&self, idle_ms: i64) {
        let (done, wait) = oneshot::channel();
        if self
            .sender
            .send(Command::CloseIdle { idle_ms, done })
            .await
            .is_ok()
        {
            let _ = wait.await;
        }
    }
}

/// Per-stream bookkeeping that mirrors what the assembler needs to be rebuilt.
struct StreamTrack {
    function: String,
    /// Wall clock of the stream's last line, for the idle timer.
    last_arrival_ms: i64,
    current_request: Option<String>,
}

struct Worker {
    store: Arc<dyn Store>,
    config: AssemblerConfig,
    assembler: Assembler,
    streams: HashMap<(String, String), StreamTrack>,
    next_line_id: i64,
    metrics: Arc<PipelineMetrics>,
    activity: Arc<Notify>,
    emitted: Vec<Emitted>,
}

/// Starts the pipeline thread after replaying open streams. Fails if the store cannot be
/// read at start.
pub fn start(
    store: Arc<dyn Store>,
    config: AssemblerConfig,
) -> Result<IngestHandle, crate::store::StoreError> {
    if store.shared_assembly() {
        return start_shared(store, config);
    }
    let metrics = Arc::new(PipelineMetrics::default());
    let activity = Arc::new(Notify::new());
    let mut worker = Worker {
        assembler: Assembler::new(config.clone()),
        store,
        config,
        streams: HashMap::new(),
        next_line_id: 0,
        metrics: metrics.clone(),
        activity: activity.clone(),
        emitted: Vec::new(),
    };
    worker.rebuild()?;
    let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
    thread::Builder::new()
        .name("warden-ingest".into())
        .spawn(move || worker.run(receiver))
        .map_err(|e| {
            crate::store::StoreError::Backend(format!("starting the ingest thread: {e}"))
        })?;
    Ok(IngestHandle {
        sender,
        metrics,
        activity,
    })
}

/// The lease whose holder assembles staged events (stores several nodes share).
pub const ASSEMBLER_LEASE: &str = "assembler";
/// How long a lease outlives its holder's last renewal: the hand-off time after a node dies.
pub const LEASE_TTL_MS: i64 = 5_000;
/// How often the shared assembler looks for staged events (and renews its lease).
const ASSEMBLER_POLL: Duration = Duration::from_millis(100);
/// Staged events one assembler round reads at most.
const MAX_STAGED_PER_ROUND: usize = 50_000;
/// Delivery ids the shared assembler remembers, to drop a delivery staged by two nodes.
const MAX_REMEMBERED_KEYS: usize = 100_000;

/// This process's name among the nodes that share a store: random, fixed for its life.
pub fn node_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let mut bytes = [0u8; 6];
        getrandom::getrandom(&mut bytes).expect("the OS random number generator is available");
        let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("node-{random}")
    })
}

/// A store several nodes share: this node stages what it takes in (acknowledged once
/// staged), and whichever node holds the assembler lease assembles every node's staged
/// events in staging order with the same [`Worker`] a single node uses. So the answers
/// equal a single node's however deliveries were spread, and a node's death loses
/// nothing acknowledged: the next holder continues from the stored positions.
fn start_shared(
    store: Arc<dyn Store>,
    config: AssemblerConfig,
) -> Result<IngestHandle, crate::store::StoreError> {
    let metrics = Arc::new(PipelineMetrics::default());
    let activity = Arc::new(Notify::new());
    let idle_ms = Arc::new(AtomicI64::new(i64::MAX));
    let stopped = Arc::new(AtomicBool::new(false));
    let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
    let stager = Stager {
        store: store.clone(),
        next_id: now_ms() << 20,
        metrics: metrics.clone(),
        idle_ms: idle_ms.clone(),
        stopped: stopped.clone(),
    };
    let assembler = SharedAssembler {
        worker: Worker {
            assembler: Assembler::new(config.clone()),
            store,
            config,
            streams: HashMap::new(),
            next_line_id: 0,
            metrics: metrics.clone(),
            activity: activity.clone(),
            emitted: Vec::new(),
        },
        idle_ms,
        stopped,
        holding: false,
        positions: AssemblyPositions::new(),
        delivered_by: HashMap::new(),
    };
    let spawn_error =
        |e: std::io::Error| crate::store::StoreError::Backend(format!("starting a thread: {e}"));
    thread::Builder::new()
        .name("warden-stage".into())
        .spawn(move || stager.run(receiver))
        .map_err(spawn_error)?;
    thread::Builder::new()
        .name("warden-assemble".into())
        .spawn(move || assembler.run())
        .map_err(spawn_error)?;
    Ok(IngestHandle {
        sender,
        metrics,
        activity,
    })
}

/// Takes ingest jobs and stages their events (one insert per group of waiting jobs).
struct Stager {
    store: Arc<dyn Store>,
    /// Line ids start at this node's start time × 2^20: unique across nodes unless two
    /// start in the same millisecond or one stages a million lines per millisecond since.
    next_id: i64,
    metrics: Arc<PipelineMetrics>,
    idle_ms: Arc<AtomicI64>,
    stopped: Arc<AtomicBool>,
}

type Reply = oneshot::Sender<Result<IngestReceipt, IngestFailure>>;

impl Stager {
    fn run(mut self, mut receiver: mpsc::Receiver<Command>) {
        while let Some(first) = receiver.blocking_recv() {
            let mut staged: Vec<StagedEvent> = Vec::new();
            let mut keys: Vec<String> = Vec::new();
            let mut replies: Vec<(Reply, IngestReceipt)> = Vec::new();
            let mut idle_done = Vec::new();
            let mut next = Some(first);
            while let Some(command) = next.take() {
                match command {
                    Command::Ingest(job) => self.take(job, &mut staged, &mut keys, &mut replies),
                    Command::CloseIdle { idle_ms, done } => {
                        // The assembler closes idle streams; it learns the timeout here.
                        self.idle_ms.store(idle_ms, Ordering::Relaxed);
                        idle_done.push(done);
                    }
                }
                if staged.len() < MAX_BATCH_LINES {
                    next = receiver.try_recv().ok();
                }
            }
            let result = if staged.is_empty() && keys.is_empty() {
                Ok(())
            } else {
                self.store.stage_events(&staged, &keys, now_ms())
            };
            match result {
                Ok(()) => {
                    self.metrics.commits.fetch_add(1, Ordering::Relaxed);
                    self.metrics
                        .lines
                        .fetch_add(staged.len() as u64, Ordering::Relaxed);
                    for (reply, receipt) in replies {
                        let _ = reply.send(Ok(receipt));
                    }
                }
                Err(error) => {
                    eprintln!("warden serve: staging failed, requests not acknowledged: {error}");
                    self.metrics.commit_failures.fetch_add(1, Ordering::Relaxed);
                    for (reply, _) in replies {
                        let _ = reply.send(Err(IngestFailure::Storage));
                    }
                }
            }
            for done in idle_done {
                let _ = done.send(());
            }
        }
        self.stopped.store(true, Ordering::Relaxed);
    }

    fn take(
        &mut self,
        job: Job,
        staged: &mut Vec<StagedEvent>,
        keys: &mut Vec<String>,
        replies: &mut Vec<(Reply, IngestReceipt)>,
    ) {
        let events = job.events.len();
        if let Some(key) = &job.request_key {
            let seen = keys.contains(key)
                || match self.store.request_seen(key) {
                    Ok(seen) => seen,
                    Err(error) => {
                        // Whether it was staged before is unknown (a shard of a cluster may
                        // be down): refuse it, and the sender retries, rather than stage a
                        // delivery twice.
                        eprintln!("warden serve: checking a delivery id failed, request not acknowledged: {error}");
                        self.metrics.commit_failures.fetch_add(1, Ordering::Relaxed);
                        let _ = job.reply.send(Err(IngestFailure::Storage));
                        return;
                    }
                };
            if seen {
                replies.push((
                    job.reply,
                    IngestReceipt {
                        events,
                        duplicate: true,
                    },
                ));
                return;
            }
            keys.push(key.clone());
        }
        for event in job.events {
            staged.push(StagedEvent {
                node: node_id().to_owned(),
                id: self.next_id,
                request_key: job.request_key.clone(),
                event,
            });
            self.next_id += 1;
        }
        replies.push((
            job.reply,
            IngestReceipt {
                events,
                duplicate: false,
            },
        ));
    }
}

/// Assembles every node's staged events while this node holds the assembler lease.
struct SharedAssembler {
    worker: Worker,
    idle_ms: Arc<AtomicI64>,
    stopped: Arc<AtomicBool>,
    holding: bool,
    positions: AssemblyPositions,
    /// Delivery id → the node whose staging of it is assembled.
    delivered_by: HashMap<String, String>,
}

impl SharedAssembler {
    fn run(mut self) {
        while !self.stopped.load(Ordering::Relaxed) {
            thread::sleep(ASSEMBLER_POLL);
            let store = self.worker.store.clone();
            match store.try_lease(ASSEMBLER_LEASE, node_id(), now_ms(), LEASE_TTL_MS) {
                Ok(true) => {}
                Ok(false) => {
                    self.holding = false;
                    continue;
                }
                Err(error) => {
                    eprintln!("warden serve: assembler lease: {error}");
                    self.holding = false;
                    continue;
                }
            }
            if !self.holding {
                // Taking over (or recovering): rebuild open streams from what is stored.
                let positions = self
                    .worker
                    .rebuild()
                    .and_then(|()| store.assembly_positions());
                match positions {
                    Ok(positions) => {
                        self.positions = positions;
                        self.delivered_by.clear();
                        self.holding = true;
                    }
                    Err(error) => {
                        eprintln!("warden serve: taking over assembly failed: {error}");
                        continue;
                    }
                }
            }
            if let Err(error) = self.round() {
                eprintln!("warden serve: assembling staged events failed: {error}");
                self.holding = false;
            }
        }
    }

    fn round(&mut self) -> Result<(), crate::store::StoreError> {
        let store = self.worker.store.clone();
        let staged = store.staged_events(&self.positions, MAX_STAGED_PER_ROUND)?;
        let mut batch = WriteBatch {
            received_at_ms: now_ms(),
            ..WriteBatch::default()
        };
        let mut positions = self.positions.clone();
        self.worker.assembler.set_now(now_ms());
        if self.delivered_by.len() > MAX_REMEMBERED_KEYS {
            self.delivered_by.clear();
        }
        for event in &staged {
            let position = positions.entry(event.node.clone()).or_insert(event.id);
            *position = (*position).max(event.id);
            if let Some(key) = &event.request_key {
                // The same delivery staged by two nodes (a retry racing the first try).
                let first = self
                    .delivered_by
                    .entry(key.clone())
                    .or_insert_with(|| event.node.clone());
                if *first != event.node {
                    continue;
                }
            }
            self.worker.feed(event.id, &event.event, &mut batch, true);
        }
        let idle_ms = self.idle_ms.load(Ordering::Relaxed);
        if idle_ms < i64::MAX {
            self.worker.close_idle(idle_ms, &mut batch);
        }
        if batch.lines.is_empty() && batch.items.is_empty() && batch.marks.is_empty() {
            return Ok(());
        }
        let summary = store.write_batch(&batch)?;
        store.save_assembly_positions(&positions)?;
        self.positions = positions;
        self.worker
            .metrics
            .invocations
            .fetch_add(summary.new_invocations, Ordering::Relaxed);
        if !summary.new_error_groups.is_empty()
            || !summary.reopened_error_groups.is_empty()
            || summary.new_security_events > 0
        {
            self.worker.activity.notify_one();
        }
        Ok(())
    }
}

/// The function a stream belongs to, by the rule the assembler and the CLI use.
pub fn function_of(log_group: &str, log_stream: &str, default_function: Option<&str>) -> String {
    warden_logs::naming::function_name(log_group, log_stream, default_function)
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The request id a platform line names (`START/END/REPORT RequestId: …`, or a Telemetry
/// API record's `"requestId"`).
fn named_request(message: &str) -> Option<(&str, bool)> {
    for (prefix, closes) in [
        ("START RequestId: ", false),
        ("END RequestId: ", false),
        ("REPORT RequestId: ", true),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let id = rest.split(|c: char| c.is_whitespace()).next().unwrap_or("");
            return (!id.is_empty()).then_some((id, closes));
        }
    }
    if message.starts_with('{') {
        let at = message.find("\"requestId\":\"")? + "\"requestId\":\"".len();
        let id = &message[at..at + message[at..].find('"')?];
        let closes = message.contains("\"platform.report\"");
        return (!id.is_empty()).then_some((id, closes));
    }
    None
}

impl Worker {
    /// A fresh assembler fed with the lines of every open stream.
    fn rebuild(&mut self) -> Result<(), crate::store::StoreError> {
        self.assembler = Assembler::new(self.config.clone());
        self.streams.clear();
        self.assembler.set_now(now_ms());
        self.next_line_id = self.store.next_line_id()?;
        let mut lines = Vec::new();
        self.store.replay_lines(&mut |line| lines.push(line))?;
        let mut batch = WriteBatch {
            received_at_ms: now_ms(),
            ..WriteBatch::default()
        };
        for line in &lines {
            let event = OwnedLogEvent {
                timestamp_ms: line.timestamp_ms,
                message: line.message.clone(),
                log_group: line.log_group.clone(),
                log_stream: line.log_stream.clone(),
                ..OwnedLogEvent::default()
            };
            self.feed(line.id, &event, &mut batch, false);
        }
        // The event ids of the latest lines, so that a re-delivery after a restart is
        // still recognised (replayed lines above carry none: they are not re-deliveries).
        let assembler = &mut self.assembler;
        self.store
            .recent_event_ids(self.config.dedup_window, &mut |group, stream, id| {
                assembler.remember_event_id(group, stream, id)
            })?;
        self.metrics
            .replayed_lines
            .fetch_add(lines.len() as u64, Ordering::Relaxed);
        if !batch.items.is_empty() || !batch.marks.is_empty() {
            self.store.write_batch(&batch)?;
        }
        Ok(())
    }

    fn run(mut self, mut receiver: mpsc::Receiver<Command>) {
        while let Some(first) = receiver.blocking_recv() {
            let mut batch = WriteBatch {
                received_at_ms: now_ms(),
                ..WriteBatch::default()
            };
            let mut replies: Vec<(
                oneshot::Sender<Result<IngestReceipt, IngestFailure>>,
                IngestReceipt,
            )> = Vec::new();
            let mut idle_done = Vec::new();
            let mut next = Some(first);
            while let Some(command) = next.take() {
                match command {
                    Command::Ingest(job) => self.ingest(job, &mut batch, &mut replies),
                    Command::CloseIdle { idle_ms, done } => {
                        self.close_idle(idle_ms, &mut batch);
                        idle_done.push(done);
                    }
                }
                if batch.lines.len() < MAX_BATCH_LINES {
                    next = receiver.try_recv().ok();
                }
            }
            let result = if batch.lines.is_empty()
                && batch.items.is_empty()
                && batch.marks.is_empty()
                && batch.request_keys.is_empty()
                && batch.checkpoints.is_empty()
            {
                Ok(WriteSummary::default())
            } else {
                self.store.write_batch(&batch)
            };
            match result {
                Ok(summary) => {
                    self.metrics.commits.fetch_add(1, Ordering::Relaxed);
                    self.metrics
                        .lines
                        .fetch_add(summary.lines, Ordering::Relaxed);
                    self.metrics
                        .invocations
                        .fetch_add(summary.new_invocations, Ordering::Relaxed);
                    if !summary.new_error_groups.is_empty()
                        || !summary.reopened_error_groups.is_empty()
                        || summary.new_security_events > 0
                    {
                        self.activity.notify_one();
                    }
                    for (reply, receipt) in replies {
                        let _ = reply.send(Ok(receipt));
                    }
                }
                Err(error) => {
                    eprintln!("warden serve: commit failed, requests not acknowledged: {error}");
                    self.metrics.commit_failures.fetch_add(1, Ordering::Relaxed);
                    for (reply, _) in replies {
                        let _ = reply.send(Err(IngestFailure::Storage));
                    }
                    // The assembler saw events that were not stored: rebuild it from what is.
                    if let Err(error) = self.rebuild() {
                        eprintln!("warden serve: rebuilding assembly state failed: {error}");
                    }
                }
            }
            for done in idle_done {
                let _ = done.send(());
            }
        }
    }

    fn ingest(
        &mut self,
        job: Job,
        batch: &mut WriteBatch,
        replies: &mut Vec<(
            oneshot::Sender<Result<IngestReceipt, IngestFailure>>,
            IngestReceipt,
        )>,
    ) {
        let events = job.events.len();
        if let Some(key) = &job.request_key {
            let seen =
                batch.request_keys.contains(key) || self.store.request_seen(key).unwrap_or(false);
            if seen {
                replies.push((
                    job.reply,
                    IngestReceipt {
                        events,
                        duplicate: true,
                    },
                ));
                return;
            }
            batch.request_keys.push(key.clone());
        }
        batch.checkpoints.extend(job.checkpoint);
        self.assembler.set_now(now_ms());
        for event in &job.events {
            let id = self.next_line_id;
            self.next_line_id += 1;
            self.feed(id, event, batch, true);
        }
        replies.push((
            job.reply,
            IngestReceipt {
                events,
                duplicate: false,
            },
        ));
    }

    /// Feeds one line to the assembler; `store_line` is false when replaying.
    fn feed(&mut self, id: i64, event: &OwnedLogEvent, batch: &mut WriteBatch, store_line: bool) {
        let key = (event.log_group.clone(), event.log_stream.clone());
        let default_function = self.config.default_function.as_deref();
        let track = self.streams.entry(key).or_insert_with(|| {
            batch.marks.push(StreamMark::Open {
                log_group: event.log_group.clone(),
                log_stream: event.log_stream.clone(),
                replay_from: id,
            });
            StreamTrack {
                function: function_of(&event.log_group, &event.log_stream, default_function),
                last_arrival_ms: 0,
                current_request: None,
            }
        });
        track.last_arrival_ms = now_ms();
        // The assembler drops an event whose id it has seen (a re-delivery); its line is
        // then not stored again either.
        let duplicates = self.assembler.stats().duplicate_events;
        self.assembler.push(&event.as_event(), &mut self.emitted);
        if self.assembler.stats().duplicate_events > duplicates {
            return;
        }
        let (request_id, closes) = match named_request(&event.message) {
            Some((id, closes)) => (Some(id.to_owned()), closes),
            None => (track.current_request.clone(), false),
        };
        track.current_request = if closes { None } else { request_id.clone() };
        if store_line {
            batch.lines.push(StoredLine {
                id,
                timestamp_ms: event.timestamp_ms,
                log_group: event.log_group.clone(),
                log_stream: event.log_stream.clone(),
                function: track.function.clone(),
                request_id,
                message: self.assembler.redact(&event.message).into_owned(),
                event_id: event.id.clone(),
            });
        }
        let mut moved = false;
        let mut replay_from = id;
        for item in self.emitted.drain(..) {
            if let Emitted::Invocation(invocation) = &item {
                if invocation.log_group == event.log_group
                    && invocation.log_stream == event.log_stream
                {
                    moved = true;
                    // A REPORT completes its own invocation: replay from the line after it.
                    if named_request(&event.message)
                        .is_some_and(|(id, closes)| closes && id == invocation.request_id)
                    {
                        replay_from = id + 1;
                    }
                }
            }
            batch.items.push(BatchItem {
                origin_line: Some(id),
                item,
            });
        }
        if moved {
            batch.marks.push(StreamMark::Open {
                log_group: event.log_group.clone(),
                log_stream: event.log_stream.clone(),
                replay_from,
            });
        }
    }

    fn close_idle(&mut self, idle_ms: i64, batch: &mut WriteBatch) {
        // Wall clock, per invocation: a quiet function's last invocation closes on time,
        // and one source lagging another changes nothing.
        let now = now_ms();
        self.assembler.set_now(now);
        self.assembler.close_idle(now, idle_ms, &mut self.emitted);
        batch
            .items
            .extend(self.emitted.drain(..).map(|item| BatchItem {
                origin_line: None,
                item,
            }));
        // The same condition the assembler applies: those streams now hold nothing.
        self.streams.retain(|(log_group, log_stream), track| {
            let idle = now - track.last_arrival_ms > idle_ms;
            if idle {
                batch.marks.push(StreamMark::Closed {
                    log_group: log_group.clone(),
                    log_stream: log_stream.clone(),
                });
            }
            !idle
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_come_from_platform_lines() {
        assert_eq!(
            named_request("START RequestId: abc Version: $LATEST"),
            Some(("abc", false))
        );
        assert_eq!(
            named_request("REPORT RequestId: abc\tDuration: 1 ms"),
            Some(("abc", true))
        );
        assert_eq!(
            named_request(r#"{"type":"platform.report","record":{"requestId":"r1"}}"#),
            Some(("r1", true))
        );
        assert_eq!(named_request("hello"), None);
        assert_eq!(function_of("/aws/lambda/checkout", "", None), "checkout");
        assert_eq!(
            function_of("shop-logs", "2024/05/01/orders[$LATEST]3f2a9c", None),
            "orders"
        );
        assert_eq!(function_of("", "", None), "unknown");
    }
}
