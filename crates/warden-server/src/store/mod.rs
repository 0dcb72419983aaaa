//! Storage: one trait ([`Store`]) between the pipeline/API and the backend, so a
//! distributed backend can be added without touching either. [`sqlite::SqliteStore`] is the
//! embedded default.
//!
//! Writes are idempotent by design: invocations are keyed by (request id, stream, group),
//! error occurrences and security events by a content key, and rollups change only when an
//! invocation is new. Replaying lines after a restart therefore never double-counts.

mod sketch_fold;
pub mod sqlite;

use std::fmt;

use serde::{Deserialize, Serialize};
use warden_logs::{Emitted, Invocation, MetricStats, OwnedLogEvent, Sketch};

use crate::alert_rules::{AlertRuleSpec, AlertState};

/// What went wrong in the store. Callers map it to a generic 500; details go to the log.
#[derive(Debug)]
pub enum StoreError {
    /// The database refused or failed (I/O, corruption, a bug in a query).
    Backend(String),
    /// A migration could not be applied.
    Migration(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Backend(message) => write!(f, "storage error: {message}"),
            StoreError::Migration(message) => write!(f, "schema migration failed: {message}"),
        }
    }
}

impl std::error::Error for StoreError {}

pub type StoreResult<T> = Result<T, StoreError>;

/// One accepted log line, as stored (message redacted).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredLine {
    pub id: i64,
    pub timestamp_ms: Option<i64>,
    pub log_group: String,
    pub log_stream: String,
    pub function: String,
    pub request_id: Option<String>,
    pub message: String,
    /// The source's id of the event (CloudWatch event id), when it has one.
    pub event_id: Option<String>,
}

/// How a stream's replay point moves in a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamMark {
    /// Lines from `replay_from` on are needed to rebuild this stream's open state.
    Open {
        log_group: String,
        log_stream: String,
        replay_from: i64,
    },
    /// The stream holds nothing any more: no replay needed.
    Closed {
        log_group: String,
        log_stream: String,
    },
}

/// An emitted item with the line whose push emitted it (`None` for idle closes), which keys
/// security events deterministically across replays.
#[derive(Clone, Debug)]
pub struct BatchItem {
    pub origin_line: Option<i64>,
    pub item: Emitted,
}

/// Everything one commit makes durable.
#[derive(Clone, Debug, Default)]
pub struct WriteBatch {
    pub lines: Vec<StoredLine>,
    pub items: Vec<BatchItem>,
    pub marks: Vec<StreamMark>,
    /// Delivery ids (Firehose request ids) committed with this batch.
    pub request_keys: Vec<String>,
    /// Polled log groups' positions, durable with the lines they cover (see
    /// [`PollCheckpoint`]).
    pub checkpoints: Vec<PollCheckpoint>,
    pub received_at_ms: i64,
}

/// A CloudWatch Logs event id read by the poller, with its event time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenEvent {
    pub id: String,
    pub timestamp_ms: i64,
}

/// Where `warden serve --poll` is in one log group.
///
/// Written in a [`WriteBatch`] (so atomically with the lines it covers), it is a change:
/// `newest_ms` and `resume_from_ms` replace the stored values, the ids of `seen` are
/// added to the group's stored ids, and stored ids older than `resume_from_ms` are
/// forgotten. Read back by [`Store::poll_checkpoints`], `seen` holds every id kept. A
/// backend may keep the ids however it likes; a write must be idempotent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollCheckpoint {
    pub log_group: String,
    /// The newest event time read, in Unix milliseconds.
    pub newest_ms: Option<i64>,
    /// The next read starts here (inclusive).
    pub resume_from_ms: i64,
    pub seen: Vec<SeenEvent>,
}

/// What a commit changed, for alerts and metrics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WriteSummary {
    pub lines: u64,
    pub new_invocations: u64,
    pub new_error_groups: Vec<String>,
    pub reopened_error_groups: Vec<String>,
    pub new_security_events: u64,
}

/// A half-open time range in Unix milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
}

/// Per-function totals over a window (or one time bucket), from the rollups.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionRollup {
    pub function: String,
    pub log_group: String,
    pub invocations: u64,
    pub error: u64,
    pub timeout: u64,
    pub out_of_memory: u64,
    pub init_error: u64,
    pub crash: u64,
    pub cold_starts: u64,
    pub snapstart_restores: u64,
    /// Invocations whose max memory used reached the memory size.
    pub memory_at_limit: u64,
    pub incomplete: u64,
    pub billed_ms: u64,
    pub cost_usd: f64,
    pub max_memory_used_mb: Option<u32>,
    pub memory_size_mb: Option<u32>,
    pub duration_max_ms: Option<f64>,
    pub durations: Sketch,
}

impl FunctionRollup {
    pub fn failures(&self) -> u64 {
        self.error + self.timeout + self.out_of_memory + self.init_error + self.crash
    }

    pub fn failures_of(&self, class: &str) -> Option<u64> {
        Some(match class {
            "error" => self.error,
            "timeout" => self.timeout,
            "out_of_memory" => self.out_of_memory,
            "init_error" => self.init_error,
            "crash" => self.crash,
            _ => return None,
        })
    }

    pub fn merge(&mut self, other: &FunctionRollup) {
        if self.log_group.is_empty() {
            self.log_group.clone_from(&other.log_group);
        }
        self.invocations += other.invocations;
        self.error += other.error;
        self.timeout += other.timeout;
        self.out_of_memory += other.out_of_memory;
        self.init_error += other.init_error;
        self.crash += other.crash;
        self.cold_starts += other.cold_starts;
        self.snapstart_restores += other.snapstart_restores;
        self.memory_at_limit += other.memory_at_limit;
        self.incomplete += other.incomplete;
        self.billed_ms += other.billed_ms;
        self.cost_usd += other.cost_usd;
        self.max_memory_used_mb = max_opt(self.max_memory_used_mb, other.max_memory_used_mb);
        self.memory_size_mb = max_opt(self.memory_size_mb, other.memory_size_mb);
        self.duration_max_ms = match (self.duration_max_ms, other.duration_max_ms) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.durations.merge(&other.durations);
    }
}

impl FunctionRollup {
    /// Takes back the counts of `other` (an amended invocation's first version). Duration
    /// sketches cannot forget a value; the caller adds an amended duration only when it
    /// changed from none to some.
    pub fn retract(&mut self, other: &FunctionRollup) {
        self.invocations = self.invocations.saturating_sub(other.invocations);
        self.error = self.error.saturating_sub(other.error);
        self.timeout = self.timeout.saturating_sub(other.timeout);
        self.out_of_memory = self.out_of_memory.saturating_sub(other.out_of_memory);
        self.init_error = self.init_error.saturating_sub(other.init_error);
        self.crash = self.crash.saturating_sub(other.crash);
        self.cold_starts = self.cold_starts.saturating_sub(other.cold_starts);
        self.snapstart_restores = self
            .snapstart_restores
            .saturating_sub(other.snapstart_restores);
        self.memory_at_limit = self.memory_at_limit.saturating_sub(other.memory_at_limit);
        self.incomplete = self.incomplete.saturating_sub(other.incomplete);
        self.billed_ms = self.billed_ms.saturating_sub(other.billed_ms);
        self.cost_usd = (self.cost_usd - other.cost_usd).max(0.0);
    }
}

fn max_opt(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// One bucket of a function's time series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesBucket {
    pub start_ms: i64,
    pub rollup: FunctionRollup,
}

/// One uploaded posture finding (from `warden scan --format json` or SARIF).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingRecord {
    pub stack: String,
    pub rule_id: String,
    pub name: Option<String>,
    /// critical, high, medium, low or info.
    pub severity: String,
    /// The risk slug (`broken-authentication`, …) when the report names it.
    pub risk: Option<String>,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<i64>,
    /// The template resource (logical id) the finding is about.
    pub resource: Option<String>,
    pub resource_type: Option<String>,
    /// The function an explicit mapping in the upload named for `resource`.
    pub mapped_function: Option<String>,
    pub uploaded_at: Option<String>,
}

/// A function's invocations and failures per step over a window (the overview's
/// sparklines): counts only, from the coarsest rollup tier dividing the step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sparkline {
    pub function: String,
    pub invocations: Vec<u64>,
    pub failures: Vec<u64>,
}

/// Invocation search. Every field narrows; `text` matches the invocation's log lines.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct InvocationQuery {
    pub function: Option<String>,
    pub outcome: Option<String>,
    pub request_id: Option<String>,
    pub text: Option<String>,
    pub cold_start: Option<bool>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: u32,
}

/// An invocation as stored and returned by the API: the `warden logs` invocation and its
/// row id.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvocationRecord {
    pub id: i64,
    #[serde(flatten)]
    pub invocation: Invocation,
}

/// Lifecycle of an error group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    Open,
    Resolved,
    Muted,
}

impl GroupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupStatus::Open => "open",
            GroupStatus::Resolved => "resolved",
            GroupStatus::Muted => "muted",
        }
    }

    pub fn parse(text: &str) -> Option<GroupStatus> {
        match text {
            "open" => Some(GroupStatus::Open),
            "resolved" => Some(GroupStatus::Resolved),
            "muted" => Some(GroupStatus::Muted),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct GroupQuery {
    pub function: Option<String>,
    pub status: Option<GroupStatus>,
    pub window: Option<Window>,
    pub limit: u32,
}

/// An error group: the `warden logs` error group fields plus its lifecycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorGroupRecord {
    pub fingerprint: String,
    pub function: String,
    pub error_type: String,
    pub message: String,
    pub masked_message: String,
    pub count: u64,
    pub unhandled: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub frames: Vec<String>,
    pub sample_stack: Vec<String>,
    pub status: GroupStatus,
    pub resolved_at: Option<String>,
    pub regressions: u64,
    /// Occurrences inside the window asked for (lists with a window only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_window: Option<u64>,
}

/// An invocation opened on its own: the record, its log lines in order, and the error it
/// raised with its stack.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvocationDetail {
    pub invocation: InvocationRecord,
    pub lines: Vec<LineRecord>,
    pub error: Option<OccurrenceRecord>,
}

/// Security events of one kind in one function over a window, with the latest as a sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecurityGroup {
    pub kind: String,
    pub function: String,
    /// The risk category of the kind (as in the sample).
    pub risk: String,
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub sample: SecurityEventRecord,
}

/// An error group's occurrences over a window: counts per step and the latest ones.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OccurrenceSeries {
    pub total: u64,
    pub counts: Vec<u64>,
    pub occurrences: Vec<OccurrenceRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OccurrenceRecord {
    pub id: i64,
    pub request_id: Option<String>,
    pub timestamp: Option<String>,
    pub error_type: String,
    pub message: String,
    pub stack: Vec<String>,
    pub unhandled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorGroupDetail {
    #[serde(flatten)]
    pub group: ErrorGroupRecord,
    pub occurrences: Vec<OccurrenceRecord>,
}

#[derive(Clone, Debug, Default)]
pub struct SecurityQuery {
    pub function: Option<String>,
    pub risk: Option<String>,
    pub window: Option<Window>,
    /// Only events received after this server time (alert evaluation).
    pub received_after_ms: Option<i64>,
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecurityEventRecord {
    pub id: i64,
    pub risk: String,
    pub kind: String,
    pub function: String,
    pub request_id: Option<String>,
    pub timestamp: Option<String>,
    pub detail: String,
}

#[derive(Clone, Debug, Default)]
pub struct LineQuery {
    pub function: Option<String>,
    pub request_id: Option<String>,
    /// `success`, `failure` or a failure class: lines of invocations that ended so.
    pub outcome: Option<String>,
    pub text: Option<String>,
    pub window: Option<Window>,
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LineRecord {
    pub id: i64,
    pub timestamp: Option<String>,
    pub function: String,
    pub log_stream: String,
    pub request_id: Option<String>,
    pub message: String,
}

/// A stored alert rule with its evaluation state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertRule {
    pub id: i64,
    #[serde(flatten)]
    pub spec: AlertRuleSpec,
    pub state: AlertState,
    pub last_value: Option<f64>,
    #[serde(skip)]
    pub last_notified_at_ms: Option<i64>,
    /// Server time up to which event rules have looked.
    #[serde(skip)]
    pub cursor_at_ms: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// One state change of a rule, with where it was delivered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlertEvent {
    pub id: i64,
    pub rule_id: i64,
    pub at: String,
    pub state: AlertState,
    pub value: Option<f64>,
    pub message: String,
    pub deliveries: serde_json::Value,
}

/// An evaluation's outcome to persist.
#[derive(Clone, Debug)]
pub struct AlertUpdate {
    pub rule_id: i64,
    pub state: AlertState,
    pub value: Option<f64>,
    pub cursor_at_ms: i64,
    pub notified_at_ms: Option<i64>,
    /// A history entry, when the state changed.
    pub event: Option<(String, serde_json::Value)>,
    pub at_ms: i64,
}

/// How long and how much is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub days: u32,
    /// Raw lines are trimmed oldest-first while the database is larger than this.
    pub max_bytes: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub lines_deleted: u64,
    pub invocations_deleted: u64,
    pub size_bytes: u64,
}

/// Custom metric series one answer holds at most (per function and window).
pub const MAX_CUSTOM_METRICS: usize = 100;

/// One time bucket of a custom metric.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricBucket {
    pub start_ms: i64,
    pub aggregate: MetricStats,
}

/// A custom metric (EMF) of one function: namespace, name and one dimension set, CloudWatch's
/// identity of a metric, with its values over a window.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomMetric {
    pub namespace: String,
    pub name: String,
    pub unit: Option<String>,
    pub dimensions: std::collections::BTreeMap<String, String>,
    pub total: MetricStats,
    /// Buckets that hold values, in time order.
    pub buckets: Vec<MetricBucket>,
}

/// Counts for the status endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StoreStats {
    pub lines: u64,
    pub invocations: u64,
    pub error_groups: u64,
    pub security_events: u64,
    pub size_bytes: u64,
}

/// An event an ingest node staged for the shared assembler (see
/// [`Store::shared_assembly`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedEvent {
    /// The node that took it in.
    pub node: String,
    /// The id its line is stored under: unique across nodes, increasing per node.
    pub id: i64,
    /// The delivery it came in, when the source names one (Firehose request id).
    pub request_key: Option<String>,
    pub event: OwnedLogEvent,
}

/// Per-node positions (the last staged id) up to which staged events are assembled.
pub type AssemblyPositions = std::collections::BTreeMap<String, i64>;

fn not_shared() -> StoreError {
    StoreError::Backend("this store does not stage events for a shared assembler".into())
}

/// The storage backend. Methods are blocking; the server calls them off the async runtime.
pub trait Store: Send + Sync + 'static {
    /// Whether several `warden serve` nodes share this store. Ingest then stages events
    /// ([`Store::stage_events`]) and one node at a time, the holder of the `assembler`
    /// lease, assembles them in order: the answers do not depend on which node got which
    /// line. A store for one node assembles in the ingesting node (the default).
    fn shared_assembly(&self) -> bool {
        false
    }
    /// Makes events (and their delivery ids) durable for the assembler.
    fn stage_events(
        &self,
        _events: &[StagedEvent],
        _request_keys: &[String],
        _staged_at_ms: i64,
    ) -> StoreResult<()> {
        Err(not_shared())
    }
    /// Staged events after `after`, in staging order, at most `limit`.
    fn staged_events(
        &self,
        _after: &AssemblyPositions,
        _limit: usize,
    ) -> StoreResult<Vec<StagedEvent>> {
        Err(not_shared())
    }
    fn assembly_positions(&self) -> StoreResult<AssemblyPositions> {
        Ok(AssemblyPositions::new())
    }
    fn save_assembly_positions(&self, _positions: &AssemblyPositions) -> StoreResult<()> {
        Err(not_shared())
    }
    /// Takes or renews the lease `name` for `holder` until `now_ms + ttl_ms`; false while
    /// another holder's lease runs. A store only one node uses grants every lease.
    fn try_lease(
        &self,
        _name: &str,
        _holder: &str,
        _now_ms: i64,
        _ttl_ms: i64,
    ) -> StoreResult<bool> {
        Ok(true)
    }

    /// Commits a batch atomically: when this returns `Ok`, all of it is durable.
    fn write_batch(&self, batch: &WriteBatch) -> StoreResult<WriteSummary>;
    /// Whether a delivery id was already committed.
    fn request_seen(&self, key: &str) -> StoreResult<bool>;
    /// The id the next stored line gets.
    fn next_line_id(&self) -> StoreResult<i64>;
    /// Lines of streams still open, from their replay points, in id order.
    fn replay_lines(&self, visit: &mut dyn FnMut(StoredLine)) -> StoreResult<()>;
    /// `(log group, log stream, event id)` of those of the last `lines` stored lines that
    /// have an event id, oldest first: the pipeline remembers them after a restart so a
    /// re-delivered event is still recognised.
    fn recent_event_ids(
        &self,
        lines: usize,
        visit: &mut dyn FnMut(&str, &str, &str),
    ) -> StoreResult<()>;
    /// Every polled log group's checkpoint as committed by `write_batch`, with all the ids
    /// it keeps (read once when polling starts).
    fn poll_checkpoints(&self) -> StoreResult<Vec<PollCheckpoint>>;

    fn rollups(&self, window: Window) -> StoreResult<Vec<FunctionRollup>>;
    fn series(
        &self,
        function: &str,
        window: Window,
        step_ms: i64,
    ) -> StoreResult<Vec<SeriesBucket>>;
    /// A function's custom metrics (EMF) in a window, bucketed by `step_ms`; the flag says
    /// whether series beyond [`MAX_CUSTOM_METRICS`] were left out.
    fn custom_metrics(
        &self,
        function: &str,
        window: Window,
        step_ms: i64,
    ) -> StoreResult<(Vec<CustomMetric>, bool)>;
    /// Every function's sparkline; points start at `window.from_ms` rounded down to a step.
    fn sparklines(&self, window: Window, step_ms: i64) -> StoreResult<Vec<Sparkline>>;
    fn search_invocations(&self, query: &InvocationQuery) -> StoreResult<Vec<InvocationRecord>>;
    fn search_lines(&self, query: &LineQuery) -> StoreResult<Vec<LineRecord>>;
    fn error_groups(&self, query: &GroupQuery) -> StoreResult<Vec<ErrorGroupRecord>>;
    fn error_group(
        &self,
        fingerprint: &str,
        occurrences: u32,
    ) -> StoreResult<Option<ErrorGroupDetail>>;
    /// Returns false when no such group exists.
    fn set_error_group_status(
        &self,
        fingerprint: &str,
        status: GroupStatus,
        at_ms: i64,
    ) -> StoreResult<bool>;
    /// Groups created after a server time (alert evaluation).
    fn error_groups_created_after(&self, after_ms: i64) -> StoreResult<Vec<ErrorGroupRecord>>;
    fn security_events(&self, query: &SecurityQuery) -> StoreResult<Vec<SecurityEventRecord>>;
    /// Replaces a stack's findings with these (one transaction).
    fn replace_findings(
        &self,
        stack: &str,
        findings: &[FindingRecord],
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Stored findings, of one stack or all, in upload order.
    fn findings(&self, stack: Option<&str>) -> StoreResult<Vec<FindingRecord>>;
    /// Events grouped by kind and function, most frequent first (`limit` groups).
    fn security_groups(&self, query: &SecurityQuery) -> StoreResult<Vec<SecurityGroup>>;
    /// One invocation with its lines (at most `max_lines`) and error.
    fn invocation(&self, id: i64, max_lines: u32) -> StoreResult<Option<InvocationDetail>>;
    /// An error group's occurrences in a window, counted per `step_ms` from `window.from_ms`.
    fn error_occurrences(
        &self,
        fingerprint: &str,
        window: Window,
        step_ms: i64,
        limit: u32,
    ) -> StoreResult<OccurrenceSeries>;

    fn alert_rules(&self) -> StoreResult<Vec<AlertRule>>;
    fn alert_rule(&self, id: i64) -> StoreResult<Option<AlertRule>>;
    fn create_alert_rule(&self, spec: &AlertRuleSpec, now_ms: i64) -> StoreResult<AlertRule>;
    fn update_alert_rule(
        &self,
        id: i64,
        spec: &AlertRuleSpec,
        now_ms: i64,
    ) -> StoreResult<Option<AlertRule>>;
    fn delete_alert_rule(&self, id: i64) -> StoreResult<bool>;
    fn apply_alert_update(&self, update: &AlertUpdate) -> StoreResult<()>;
    fn alert_history(&self, rule_id: Option<i64>, limit: u32) -> StoreResult<Vec<AlertEvent>>;

    fn apply_retention(&self, policy: RetentionPolicy, now_ms: i64)
        -> StoreResult<RetentionReport>;
    fn stats(&self) -> StoreResult<StoreStats>;
}
