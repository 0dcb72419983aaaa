//! Invocation assembly: log events in, invocations out.
//!
//! State is kept per log stream, i.e. per sandbox (docs/lambda-logs.md §2.1): `START`
//! opens an invocation, lines in between belong to it, `REPORT` completes it and it is
//! emitted **at once**. Lines that come after the REPORT (the legacy `Task timed out` line,
//! the XRAY line of a text export, a late error) are matched by request id against a bounded
//! set of recently completed invocations and emitted as an [`Emitted::Amended`] invocation
//! with the same [`Invocation::key`], so a store upserts it and a counter subtracts the old
//! version.
//!
//! - Invocations are keyed by request id, so END/REPORT order swaps, interleaved sandboxes
//!   and invocations split across batches or files assemble the same way. A request id
//!   that STARTs again after its REPORT is a retry: a new invocation.
//! - A stream without a name (a merged export) may run invocations concurrently; a named
//!   stream is one sandbox, where a text START ends whatever was open before it.
//! - Events that carry a CloudWatch event id are de-duplicated over a bounded window.
//! - Open invocations without a REPORT end when the input ends ([`Assembler::finish`]),
//!   when the caller's wall-clock idle timer says so ([`Assembler::close_idle`]), or when
//!   their own stream's event time has moved past Lambda's 15-minute limit. There is no
//!   global watermark: one source lagging another changes nothing.
//!
//! Memory is bounded by what is open: a stream holds its open invocations (at most
//! [`MAX_OPEN_PER_STREAM`], more for merged streams) and one error report being read;
//! completed invocations are kept only in the recent set ([`MAX_RECENT`]); streams with
//! nothing open are dropped after a sweep period.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::mem;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use memchr::memmem;

use crate::errors::{
    error_start, extract_error, outcome_for_error_type, signature_literals, signature_signal,
    ErrorStart, Signal, SignalMatcher,
};
use crate::event::LogEvent;
use crate::fingerprint::{fingerprint, mask_message};
use crate::invocation::{
    invocation_key, Amendment, ErrorOccurrence, ErrorRef, Invocation, Outcome,
};
use crate::message::{parse_message, AppLine, Message};
use crate::metrics::{emf_points, MetricPoint};
use crate::naming;
use crate::platform::{Platform, ReportFields};
use crate::pricing::CostModel;
use crate::security::{SecurityEvent, SecurityHit, SecurityScanner};

/// Open invocations one named stream may hold. On-demand sandboxes run one at a time;
/// Lambda Managed Instances run several, but not this many.
pub const MAX_OPEN_PER_STREAM: usize = 64;
/// Open invocations a stream without a name (a merged export of many sandboxes) may hold.
pub const MAX_OPEN_MERGED: usize = 4096;
/// Completed invocations remembered for late lines, across all streams.
pub const MAX_RECENT: usize = 8192;
/// Event ids remembered for de-duplication, by default.
pub const DEFAULT_DEDUP_WINDOW: usize = 1 << 19;
/// An open invocation whose own stream has moved this far past its last line is over:
/// Lambda's 15-minute limit and a minute of slack.
pub const STALE_AFTER_MS: i64 = 16 * 60 * 1000;
const MAX_ERRORS_PER_INVOCATION: usize = 8;
const MAX_PENDING_ERRORS: usize = 16;
const MAX_BLOCK_LINES: u32 = 200;
const MAX_BLOCK_BYTES: usize = 32 * 1024;
/// How many events pass between sweeps for idle streams.
const SWEEP_EVERY: u64 = 1 << 13;
/// Lines after each START in which to look for the function's name (unnamed streams).
const DISCOVERY_LINES: u32 = 200;

/// How the assembler names and prices what it sees.
#[derive(Clone, Debug)]
pub struct AssemblerConfig {
    /// The function for events whose log group does not name one (plain text exports).
    pub default_function: Option<String>,
    pub cost: CostModel,
    /// Scan application lines for security events.
    pub scan_security: bool,
    /// How many event ids to remember for de-duplication (0: none).
    pub dedup_window: usize,
}

impl Default for AssemblerConfig {
    fn default() -> Self {
        AssemblerConfig {
            default_function: None,
            cost: CostModel::default(),
            scan_security: false,
            dedup_window: DEFAULT_DEDUP_WINDOW,
        }
    }
}

/// What the assembler emits, in order: an invocation (or its amendment) comes right after
/// its error occurrences; security events and metrics come as soon as their line is read.
#[derive(Clone, Debug, PartialEq)]
pub enum Emitted {
    /// A completed (or closed incomplete) invocation, first emission: `revision` 0.
    Invocation(Box<Invocation>),
    /// A late line changed an invocation already emitted: upsert `current` by its key.
    Amended(Box<Amendment>),
    Error(Box<ErrorOccurrence>),
    Security(Box<SecurityEvent>),
    Metric(Box<MetricPoint>),
}

/// Counters over everything pushed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AssemblerStats {
    pub events: u64,
    pub platform_records: u64,
    pub starts: u64,
    pub ends: u64,
    pub reports: u64,
    pub application_lines: u64,
    /// Application lines that carry a request id.
    pub request_id_lines: u64,
    /// Application lines outside any invocation (init phase, or before the first START).
    pub unattributed_lines: u64,
    pub malformed_platform_lines: u64,
    pub emf_documents: u64,
    /// Records the Telemetry API reported as dropped: counts may be low.
    pub logs_dropped: u64,
    pub extension_records: u64,
    /// Events whose CloudWatch event id was already seen (re-delivered batches).
    pub duplicate_events: u64,
    /// START or REPORT records of an invocation already read, at the same time (the same
    /// text read twice).
    pub duplicate_records: u64,
    /// Changes emitted for invocations already emitted.
    pub amendments: u64,
    /// Inputs that were newest first and were put in time order (set by the pipeline).
    pub reordered_inputs: u64,
    /// CloudWatch Logs `CONTROL_MESSAGE` payloads (destination health checks) skipped.
    pub control_messages: u64,
    /// Invocations still open at the end of the input, without a REPORT, in a stream where
    /// a REPORT without a START came while they were open: START and REPORT request ids
    /// that do not match.
    pub unmatched_starts: u64,
    /// Those REPORTs without a START.
    pub unmatched_reports: u64,
}

/// Turns log events into invocations. See the module docs.
pub struct Assembler {
    shared: Shared,
    streams: Vec<Option<Stream>>,
    index: HashMap<Box<str>, usize>,
    free: Vec<usize>,
    last_slot: Option<usize>,
    dedup: Dedup,
}

struct Shared {
    config: AssemblerConfig,
    matchers: &'static Matchers,
    stats: AssemblerStats,
    hits: Vec<SecurityHit>,
    /// Wall clock of the events being pushed ([`Assembler::set_now`]).
    now_wall_ms: i64,
    recent: Recent,
}

/// The compiled automata and regexes, built once per process: compiling them costs more
/// than assembling a small batch, and the server creates assemblers often.
struct Matchers {
    /// One pass over each line finds both failure signatures and security triggers.
    triggers: AhoCorasick,
    trigger_kinds: Vec<Trigger>,
    signals: SignalMatcher,
    scanner: SecurityScanner,
    function_name: memmem::Finder<'static>,
}

impl Matchers {
    fn get() -> &'static Matchers {
        static MATCHERS: OnceLock<Matchers> = OnceLock::new();
        MATCHERS.get_or_init(|| {
            let mut literals: Vec<&'static str> = Vec::new();
            let mut trigger_kinds = Vec::new();
            for (index, literal) in signature_literals().enumerate() {
                literals.push(literal);
                trigger_kinds.push(Trigger::Signature(index));
            }
            for (literal, rule) in SecurityScanner::trigger_literals() {
                literals.push(literal);
                trigger_kinds.push(Trigger::SecurityRule(rule));
            }
            let triggers = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&literals)
                .expect("trigger literals are valid");
            Matchers {
                triggers,
                trigger_kinds,
                signals: SignalMatcher::default(),
                scanner: SecurityScanner::default(),
                function_name: memmem::Finder::new("AWS_LAMBDA_FUNCTION_NAME"),
            }
        })
    }
}

#[derive(Clone, Copy)]
enum Trigger {
    Signature(usize),
    SecurityRule(usize),
}

impl Shared {
    /// The strongest failure signature and the security rules triggered in `text`.
    fn triggers(&self, text: &str, security: bool) -> (Option<Signal>, u32) {
        let mut signal: Option<Signal> = None;
        let mut rules = 0u32;
        for found in self.matchers.triggers.find_overlapping_iter(text) {
            match self.matchers.trigger_kinds[found.pattern().as_usize()] {
                Trigger::Signature(index) => {
                    let candidate = signature_signal(index);
                    if signal
                        .as_ref()
                        .is_none_or(|s| candidate.outcome.severity() > s.outcome.severity())
                    {
                        signal = Some(candidate);
                    }
                }
                Trigger::SecurityRule(rule) if security => rules |= 1 << rule,
                Trigger::SecurityRule(_) => {}
            }
        }
        (signal, rules)
    }
}

/// A 64-bit FNV-1a hash, for keys whose values are only compared (stream ids, event ids).
fn hash64(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain([&0xffu8]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The values stored are hashes already: hashing them again is wasted time.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = self.0.rotate_left(29) ^ value;
    }
}

type IdentitySet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;
type IdentityMap<K, V> = HashMap<K, V, BuildHasherDefault<IdentityHasher>>;

/// The last `cap` event ids seen, by hash of (group, stream, id).
struct Dedup {
    seen: IdentitySet,
    order: VecDeque<u64>,
    cap: usize,
}

impl Dedup {
    fn new(cap: usize) -> Self {
        Dedup {
            seen: IdentitySet::default(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// Records the id; `false` when it was seen before.
    fn first_time(&mut self, group: &str, stream: &str, id: &str) -> bool {
        if self.cap == 0 {
            return true;
        }
        let hash = hash64(&[group.as_bytes(), stream.as_bytes(), id.as_bytes()]);
        if !self.seen.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }
}

/// A completed invocation kept for lines that arrive after it was emitted: its state, from
/// which the emitted invocation is rebuilt when an amendment needs it.
struct Completed {
    open: Open,
    /// The state as last emitted, saved when a late line first touches `open`.
    before: Option<Box<Open>>,
    revision: u32,
    seq: u64,
}

/// Recently completed invocations by (stream id, request id hash), oldest evicted first.
#[derive(Default)]
struct Recent {
    map: IdentityMap<(u64, u64), Completed>,
    order: VecDeque<((u64, u64), u64)>,
    seq: u64,
}

impl Recent {
    fn id(stream: u64, request_id: &str) -> (u64, u64) {
        (stream, hash64(&[request_id.as_bytes()]))
    }

    fn get_mut(&mut self, stream: u64, request_id: &str) -> Option<&mut Completed> {
        self.map
            .get_mut(&Recent::id(stream, request_id))
            .filter(|c| c.open.request_id == request_id)
    }

    /// Like `get_mut`, for a caller about to change the invocation: its emitted state is
    /// kept first, to tell the amendment's `previous`.
    fn touch(&mut self, stream: u64, request_id: &str) -> Option<&mut Completed> {
        let done = self.get_mut(stream, request_id)?;
        if done.before.is_none() {
            done.before = Some(Box::new(done.open.clone()));
        }
        Some(done)
    }

    fn insert(&mut self, stream: u64, open: Open) {
        self.seq += 1;
        let id = Recent::id(stream, &open.request_id);
        self.order.push_back((id, self.seq));
        self.map.insert(
            id,
            Completed {
                open,
                before: None,
                revision: 0,
                seq: self.seq,
            },
        );
        while self.map.len() > MAX_RECENT {
            let Some((id, seq)) = self.order.pop_front() else {
                break;
            };
            if self.map.get(&id).is_some_and(|c| c.seq == seq) {
                self.map.remove(&id);
            }
        }
        if self.order.len() > 4 * MAX_RECENT {
            // Entries replaced by a retry leave stale order slots: compact them.
            let map = &self.map;
            self.order
                .retain(|(id, seq)| map.get(id).is_some_and(|c| c.seq == *seq));
        }
    }
}

impl Assembler {
    pub fn new(config: AssemblerConfig) -> Self {
        let dedup = Dedup::new(config.dedup_window);
        Assembler {
            shared: Shared {
                config,
                matchers: Matchers::get(),
                stats: AssemblerStats::default(),
                hits: Vec::new(),
                now_wall_ms: 0,
                recent: Recent::default(),
            },
            streams: Vec::new(),
            index: HashMap::new(),
            free: Vec::new(),
            last_slot: None,
            dedup,
        }
    }

    pub fn stats(&self) -> &AssemblerStats {
        &self.shared.stats
    }

    pub(crate) fn stats_mut(&mut self) -> &mut AssemblerStats {
        &mut self.shared.stats
    }

    pub fn config(&self) -> &AssemblerConfig {
        &self.shared.config
    }

    /// Redacts secrets from text meant for output (used by renderers of raw lines).
    pub fn redact<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        self.shared.matchers.scanner.redact(text)
    }

    /// Invocations currently open (START seen, no REPORT yet), across all streams.
    pub fn open_invocations(&self) -> usize {
        self.streams.iter().flatten().map(|s| s.open.len()).sum()
    }

    /// Streams currently held in memory.
    pub fn streams(&self) -> usize {
        self.index.len()
    }

    /// The wall-clock time (Unix ms) at which the events pushed next arrived. The server
    /// sets it per batch; [`Assembler::close_idle`] compares against it. Without it, every
    /// event arrives at 0.
    pub fn set_now(&mut self, now_wall_ms: i64) {
        self.shared.now_wall_ms = now_wall_ms;
    }

    /// Records an event id as seen without feeding its event: the server restores the ids
    /// of stored lines after a restart, so a re-delivered event is still dropped.
    pub fn remember_event_id(&mut self, log_group: &str, log_stream: &str, id: &str) {
        self.dedup.first_time(log_group, log_stream, id);
    }

    /// Feeds one event; whatever it completes is appended to `out`.
    pub fn push(&mut self, event: &LogEvent<'_>, out: &mut Vec<Emitted>) {
        self.shared.stats.events += 1;
        let seq = self.shared.stats.events;
        if let Some(id) = event.id {
            if !self.dedup.first_time(event.log_group, event.log_stream, id) {
                self.shared.stats.duplicate_events += 1;
                return;
            }
        }
        let slot = self.slot(event.log_group, event.log_stream);
        let stream = self.streams[slot].as_mut().expect("slot is live");
        stream.last_seq = seq;
        stream.last_arrival_ms = self.shared.now_wall_ms;
        if let Some(account) = event.account.filter(|a| !a.is_empty()) {
            if stream.account.as_deref() != Some(account) {
                stream.account = Some(account.to_owned());
            }
        }
        if let Some(region) = event.region.filter(|r| !r.is_empty()) {
            if stream.region.as_deref() != Some(region) {
                stream.region = Some(region.to_owned());
            }
        }
        if let Some(ts) = event.timestamp_ms {
            stream.advance_event_time(&mut self.shared, ts, out);
        }
        stream.push(&mut self.shared, event, out);
        if seq % SWEEP_EVERY == 0 {
            self.sweep(seq);
        }
    }

    /// Ends error reports being read, so their errors are attributed now rather than when
    /// the next line comes. `warden logs tail` calls this when the input goes quiet.
    pub fn flush(&mut self, out: &mut Vec<Emitted>) {
        for stream in self.streams.iter_mut().flatten() {
            stream.close_block(&mut self.shared, out);
        }
    }

    /// The wall-clock idle timer, driven by the caller: every open invocation whose last
    /// line arrived more than `idle_after_ms` before `now_wall_ms` is emitted as incomplete
    /// (a REPORT arriving later amends it), and streams that hold nothing and saw nothing
    /// for that long are forgotten. Event time and other streams' traffic play no part.
    pub fn close_idle(&mut self, now_wall_ms: i64, idle_after_ms: i64, out: &mut Vec<Emitted>) {
        let cutoff = now_wall_ms.saturating_sub(idle_after_ms);
        for slot in 0..self.streams.len() {
            let Some(stream) = self.streams[slot].as_mut() else {
                continue;
            };
            if stream.last_arrival_ms < cutoff {
                stream.close_block(&mut self.shared, out);
            }
            let idle: Vec<Open> = {
                let (idle, busy): (Vec<Open>, Vec<Open>) = mem::take(&mut stream.open)
                    .into_iter()
                    .partition(|o| o.last_arrival_ms < cutoff);
                stream.open = busy;
                idle
            };
            for open in idle {
                stream.emit(&mut self.shared, open, out);
            }
            if stream.last_arrival_ms < cutoff {
                stream.flush_pending_errors(out);
                if stream.is_empty() {
                    self.drop_slot(slot);
                }
            }
        }
    }

    /// Ends the input: everything still open is emitted as incomplete.
    pub fn finish(&mut self, out: &mut Vec<Emitted>) {
        for stream in self.streams.iter_mut().flatten() {
            stream.finish(&mut self.shared, out);
        }
    }

    fn slot(&mut self, group: &str, stream: &str) -> usize {
        if let Some(slot) = self.last_slot {
            if let Some(s) = &self.streams[slot] {
                if s.group() == group && s.stream() == stream {
                    return slot;
                }
            }
        }
        let mut key = String::with_capacity(group.len() + stream.len() + 1);
        key.push_str(group);
        key.push('\0');
        key.push_str(stream);
        let slot = match self.index.get(key.as_str()) {
            Some(&slot) => slot,
            None => {
                let state = Stream::new(
                    key.clone().into_boxed_str(),
                    group.len(),
                    self.shared.config.default_function.as_deref(),
                );
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.streams[slot] = Some(state);
                        slot
                    }
                    None => {
                        self.streams.push(Some(state));
                        self.streams.len() - 1
                    }
                };
                self.index.insert(key.into_boxed_str(), slot);
                slot
            }
        };
        self.last_slot = Some(slot);
        slot
    }

    fn drop_slot(&mut self, slot: usize) {
        if let Some(s) = self.streams[slot].take() {
            self.index.remove(&*s.key);
            self.free.push(slot);
            if self.last_slot == Some(slot) {
                self.last_slot = None;
            }
        }
    }

    /// Drops streams that hold nothing and saw no event for a sweep period.
    fn sweep(&mut self, seq: u64) {
        for slot in 0..self.streams.len() {
            let idle = self.streams[slot]
                .as_ref()
                .is_some_and(|s| s.is_empty() && seq - s.last_seq >= SWEEP_EVERY);
            if idle {
                self.drop_slot(slot);
            }
        }
        if self.index.capacity() > 4 * self.index.len().max(1024) {
            self.index.shrink_to_fit();
        }
    }
}

/// What a sandbox did before its next invocation started.
#[derive(Clone, Debug, Default, PartialEq)]
struct SandboxInit {
    init_seen: bool,
    provisioned: bool,
    init_duration_ms: Option<f64>,
    restore: bool,
    restore_duration_ms: Option<f64>,
    /// The init (or restore) failed: the error type, if named.
    failure: Option<String>,
}

/// The strongest failure signal seen for an invocation.
#[derive(Clone, Debug, PartialEq)]
struct Verdict {
    outcome: Outcome,
    error_type: String,
    /// The line that said so, for the synthesized error of a platform failure.
    message: Option<String>,
}

#[derive(Clone)]
struct Open {
    /// Empty for a lone failure line that named no request (adopted by the next REPORT).
    request_id: String,
    key: String,
    version: Option<String>,
    start_seen: bool,
    start_ms: Option<i64>,
    last_ms: Option<i64>,
    last_arrival_ms: i64,
    report: Option<OwnedReport>,
    trace_id: Option<String>,
    lines: u32,
    verdict: Option<Verdict>,
    errors: Vec<ErrorOccurrence>,
    /// The error that explains the failure, once chosen, and the outcome it explained.
    error_ref: Option<(ErrorRef, Outcome)>,
    init: SandboxInit,
    /// A named sandbox stream: INIT_START without `Init Duration` means a proactive init.
    sandbox: bool,
    /// START times of earlier attempts of the same request in this stream, to tell a
    /// re-read START from a retry.
    earlier_starts: Vec<i64>,
    /// A REPORT without a START came in this stream while this invocation was open.
    orphan_report_seen: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct OwnedReport {
    duration_ms: Option<f64>,
    billed_duration_ms: Option<f64>,
    memory_size_mb: Option<u32>,
    max_memory_used_mb: Option<u32>,
    init_duration_ms: Option<f64>,
    restore_duration_ms: Option<f64>,
    status: Option<String>,
    error_type: Option<String>,
    /// When the REPORT was written.
    at_ms: Option<i64>,
}

impl OwnedReport {
    fn from_fields(r: &ReportFields<'_>, at_ms: Option<i64>) -> Self {
        OwnedReport {
            duration_ms: r.duration_ms,
            billed_duration_ms: r.billed_duration_ms,
            memory_size_mb: r.memory_size_mb,
            max_memory_used_mb: r.max_memory_used_mb,
            init_duration_ms: r.init_duration_ms,
            restore_duration_ms: r.restore_duration_ms,
            status: r.status.as_deref().map(str::to_owned),
            error_type: r.error_type.as_deref().map(str::to_owned),
            at_ms,
        }
    }
}

/// An error report being read, line by line in a text export.
struct ErrorBlock {
    request_id: Option<String>,
    start: ErrorStart,
    first_body: String,
    continuation: String,
    lines: u32,
    json: Option<Box<Value>>,
    timestamp_ms: Option<i64>,
}

/// Who a line belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Open(usize),
    /// A completed invocation (in the recent set), by request id of the line.
    Recent,
    Stream,
}

struct Stream {
    /// `group \0 stream`: the index key, kept once.
    key: Box<str>,
    group_len: usize,
    /// Hash of `key`, for the recent set.
    id: u64,
    function: String,
    /// The function came from the log group, the stream or `--function`; otherwise it is
    /// read from what the code prints (`AWS_LAMBDA_FUNCTION_NAME`, Powertools'
    /// `function_name`).
    function_named: bool,
    /// Lines left to look for the function's name in.
    discovery_budget: u32,
    /// A named stream is one sandbox: one invocation at a time.
    sandbox: bool,
    stream_version: Option<String>,
    account: Option<String>,
    region: Option<String>,
    alias: Option<String>,
    /// A function ARN was read (region, account, alias known).
    arn_seen: bool,
    open: Vec<Open>,
    init: SandboxInit,
    pending_errors: Vec<ErrorOccurrence>,
    block: Option<ErrorBlock>,
    last_seq: u64,
    last_arrival_ms: i64,
    /// Newest event time seen in this stream: its own watermark.
    max_ms: Option<i64>,
    /// `max_ms` when stale invocations were last looked for.
    stale_checked_ms: i64,
    /// The request id of the last invocation completed here (for the XRAY line).
    last_completed: Option<String>,
    /// A request whose START was read a second time: its lines are skipped until its REPORT.
    ignoring: Option<String>,
    /// Counts invocations opened without a timestamp, to key them apart.
    untimed: i64,
    /// REPORTs without a START that came while a started invocation was open.
    orphan_reports: u64,
    /// The current restore's failure was reported (its records may say so twice).
    restore_failure_reported: bool,
}

impl Stream {
    fn new(key: Box<str>, group_len: usize, default_function: Option<&str>) -> Self {
        let group = &key[..group_len];
        let stream = &key[group_len + 1..];
        let (function, named) = match naming::function_name(group, stream, default_function) {
            Some(name) => (name, true),
            None => ("unknown".to_owned(), false),
        };
        let stream_version = naming::stream_version(stream).map(str::to_owned);
        let id = hash64(&[key.as_bytes()]);
        Stream {
            sandbox: !stream.is_empty(),
            group_len,
            id,
            function,
            function_named: named,
            discovery_budget: DISCOVERY_LINES,
            stream_version,
            account: None,
            region: None,
            alias: None,
            arn_seen: false,
            open: Vec::new(),
            init: SandboxInit::default(),
            pending_errors: Vec::new(),
            block: None,
            last_seq: 0,
            last_arrival_ms: 0,
            max_ms: None,
            stale_checked_ms: i64::MIN,
            last_completed: None,
            ignoring: None,
            untimed: 0,
            orphan_reports: 0,
            restore_failure_reported: false,
            key,
        }
    }

    fn group(&self) -> &str {
        &self.key[..self.group_len]
    }

    fn stream(&self) -> &str {
        &self.key[self.group_len + 1..]
    }

    fn is_empty(&self) -> bool {
        self.open.is_empty()
            && self.block.is_none()
            && self.pending_errors.is_empty()
            && self.init == SandboxInit::default()
    }

    /// Moves this stream's watermark; invocations it has left 16 minutes behind are over.
    fn advance_event_time(&mut self, shared: &mut Shared, ts: i64, out: &mut Vec<Emitted>) {
        if self.max_ms.is_some_and(|m| m >= ts) {
            return;
        }
        self.max_ms = Some(ts);
        if ts.saturating_sub(self.stale_checked_ms) < 60_000 || self.open.is_empty() {
            return;
        }
        self.stale_checked_ms = ts;
        let cutoff = ts.saturating_sub(STALE_AFTER_MS);
        let stale: Vec<Open> = {
            let (stale, live): (Vec<Open>, Vec<Open>) = mem::take(&mut self.open)
                .into_iter()
                .partition(|o| o.last_ms.is_some_and(|l| l < cutoff));
            self.open = live;
            stale
        };
        for open in stale {
            self.emit(shared, open, out);
        }
    }

    fn push(&mut self, shared: &mut Shared, event: &LogEvent<'_>, out: &mut Vec<Emitted>) {
        match parse_message(event.message) {
            Message::Platform(platform) => {
                shared.stats.platform_records += 1;
                self.close_block(shared, out);
                let sequential = !event.message.starts_with('{');
                self.platform(shared, platform, event.timestamp_ms, sequential, out);
            }
            Message::App(line) => self.app(shared, line, event.timestamp_ms, out),
        }
    }

    fn find_open(&self, request_id: &str) -> Option<usize> {
        self.open.iter().position(|o| o.request_id == request_id)
    }

    fn owner_mut<'s>(
        &'s mut self,
        recent: &'s mut Recent,
        owner: Owner,
        request_id: Option<&str>,
    ) -> Option<&'s mut Open> {
        match owner {
            Owner::Open(i) => self.open.get_mut(i),
            Owner::Recent => recent.get_mut(self.id, request_id?).map(|c| &mut c.open),
            Owner::Stream => None,
        }
    }

    fn new_open(&mut self, request_id: String, ts: Option<i64>, arrival_ms: i64) -> Open {
        let anchor = match ts {
            Some(ts) => ts,
            None => {
                self.untimed += 1;
                i64::MIN + self.untimed
            }
        };
        let key = invocation_key(self.group(), self.stream(), &request_id, anchor);
        Open {
            request_id,
            key,
            version: None,
            start_seen: false,
            start_ms: None,
            last_ms: ts,
            last_arrival_ms: arrival_ms,
            report: None,
            trace_id: None,
            lines: 0,
            verdict: None,
            errors: mem::take(&mut self.pending_errors),
            error_ref: None,
            init: mem::take(&mut self.init),
            sandbox: self.sandbox,
            earlier_starts: Vec::new(),
            orphan_report_seen: false,
        }
    }

    fn platform(
        &mut self,
        shared: &mut Shared,
        platform: Platform<'_>,
        ts: Option<i64>,
        sequential: bool,
        out: &mut Vec<Emitted>,
    ) {
        let now = shared.now_wall_ms;
        match platform {
            Platform::Start {
                request_id,
                version,
                trace_id,
            } => {
                shared.stats.starts += 1;
                let mut earlier_starts = Vec::new();
                if let Some(i) = self.find_open(&request_id) {
                    let open = &mut self.open[i];
                    let later = matches!((ts, open.last_ms), (Some(t), Some(l)) if t > l);
                    if !open.start_seen {
                        // Opened by a line read before its START (a lone error, or lines of
                        // the same millisecond out of order): this START is its beginning.
                        open.start_seen = true;
                        open.start_ms = ts.or(open.start_ms);
                        open.version = version.map(|v| v.into_owned());
                        if trace_id.is_some() {
                            open.trace_id = trace_id;
                        }
                        return;
                    }
                    if !later {
                        shared.stats.duplicate_records += 1;
                        return;
                    }
                    // A second START, later, while the first never reported: the first
                    // attempt is over (its REPORT was lost); this one is a retry.
                    let earlier = self.open.remove(i);
                    self.emit(shared, earlier, out);
                } else if let Some(done) = shared.recent.touch(self.id, &request_id) {
                    let same_time = ts.is_some()
                        && (done.open.start_ms == ts
                            || ts.is_some_and(|t| done.open.earlier_starts.contains(&t)));
                    let before_report = matches!(
                        (ts, done.open.report.as_ref().and_then(|r| r.at_ms)),
                        (Some(t), Some(r)) if t <= r
                    );
                    if same_time || (self.ignoring.as_deref() == Some(&*request_id)) {
                        shared.stats.duplicate_records += 1;
                        self.ignoring = Some(request_id.into_owned());
                        return;
                    }
                    if !done.open.start_seen && (before_report || ts.is_none()) {
                        // Its REPORT came first (newest-first input): complete the picture.
                        done.open.start_seen = true;
                        done.open.start_ms = ts;
                        done.open.version = version.map(|v| v.into_owned());
                        if trace_id.is_some() && done.open.trace_id.is_none() {
                            done.open.trace_id = trace_id;
                        }
                        self.amend(shared, &request_id, out);
                        return;
                    }
                    // Otherwise the same request id starts again: a retry.
                    earlier_starts = done.open.earlier_starts.clone();
                    if let Some(start) = done.open.start_ms {
                        if earlier_starts.len() < 16 {
                            earlier_starts.push(start);
                        }
                    }
                }
                self.ignoring = None;
                if self.sandbox && sequential {
                    // A text START means the previous invocation of this sandbox is over
                    // even though its REPORT never came (crash, lost record).
                    let earlier: Vec<Open> = self.open.drain(..).collect();
                    for open in earlier {
                        self.emit(shared, open, out);
                    }
                } else {
                    let cap = if self.sandbox {
                        MAX_OPEN_PER_STREAM
                    } else {
                        MAX_OPEN_MERGED
                    };
                    if self.open.len() >= cap {
                        let oldest = self.open.remove(0);
                        self.emit(shared, oldest, out);
                    }
                }
                self.discovery_budget = DISCOVERY_LINES;
                let mut open = self.new_open(request_id.into_owned(), ts, now);
                open.start_seen = true;
                open.start_ms = ts;
                open.version = version.map(|v| v.into_owned());
                open.trace_id = trace_id;
                open.earlier_starts = earlier_starts;
                self.open.push(open);
            }
            Platform::End { .. } => shared.stats.ends += 1,
            Platform::Report(fields) => {
                shared.stats.reports += 1;
                let request_id: &str = &fields.request_id;
                if self.ignoring.as_deref() == Some(request_id) {
                    self.ignoring = None;
                    shared.stats.duplicate_records += 1;
                    return;
                }
                let report = OwnedReport::from_fields(&fields, ts);
                let mut open = match self.find_open(request_id) {
                    Some(i) => self.open.remove(i),
                    None => {
                        if let Some(done) = shared.recent.touch(self.id, request_id) {
                            match &done.open.report {
                                // Closed as idle or stale before its REPORT came: complete it.
                                None => {
                                    done.open.report = Some(report);
                                    if let Some(trace) = &fields.xray_trace_id {
                                        done.open.trace_id = Some(trace.to_string());
                                    }
                                    if ts.is_some() {
                                        done.open.last_ms = ts;
                                    }
                                    self.last_completed = Some(request_id.to_owned());
                                    self.amend(shared, request_id, out);
                                    return;
                                }
                                Some(seen)
                                    if seen.at_ms == ts
                                        && seen.duration_ms == report.duration_ms =>
                                {
                                    shared.stats.duplicate_records += 1;
                                    return;
                                }
                                // A later REPORT for the same request: a retry whose START
                                // was not in the input.
                                Some(_) => {}
                            }
                        }
                        match self.open.iter().position(|o| o.request_id.is_empty()) {
                            // A lone failure line without a request id, then this REPORT.
                            Some(i) => {
                                let mut open = self.open.remove(i);
                                open.request_id = request_id.to_owned();
                                open
                            }
                            // A REPORT without its START: the input began mid-invocation,
                            // or (with a START still open here) the ids do not match.
                            None => {
                                let mut orphan = false;
                                for open in self.open.iter_mut().filter(|o| o.start_seen) {
                                    open.orphan_report_seen = true;
                                    orphan = true;
                                }
                                self.orphan_reports += u64::from(orphan);
                                self.new_open(request_id.to_owned(), ts, now)
                            }
                        }
                    }
                };
                open.report = Some(report);
                if let Some(trace) = &fields.xray_trace_id {
                    open.trace_id = Some(trace.to_string());
                }
                if ts.is_some() {
                    open.last_ms = ts;
                }
                open.last_arrival_ms = now;
                self.last_completed = Some(open.request_id.clone());
                self.emit(shared, open, out);
            }
            Platform::Xray { trace_id } => {
                let Some(id) = self.last_completed.clone() else {
                    return;
                };
                let Some(done) = shared.recent.touch(self.id, &id) else {
                    return;
                };
                if done.open.trace_id.is_none() {
                    done.open.trace_id = Some(trace_id.into_owned());
                    self.amend(shared, &id, out);
                }
            }
            Platform::InitStart {
                initialization_type,
                ..
            } => {
                self.init.init_seen = true;
                self.init.provisioned =
                    initialization_type.as_deref() == Some("provisioned-concurrency");
            }
            Platform::InitRuntimeDone { status, error_type } => {
                if status.as_deref().is_some_and(|s| s != "success") {
                    self.init.failure =
                        Some(error_type.unwrap_or_else(|| "Runtime.InitError".to_owned()));
                }
            }
            Platform::InitReport {
                duration_ms,
                phase,
                status,
                error_type,
            } => {
                let failed = status.as_deref().is_some_and(|s| s != "success");
                let error_type = error_type.map(|e| e.into_owned()).unwrap_or_else(|| {
                    if status.as_deref() == Some("timeout") {
                        "Sandbox.Timedout"
                    } else {
                        "Runtime.InitError"
                    }
                    .to_owned()
                });
                if phase.as_deref() == Some("invoke") && !self.open.is_empty() {
                    // A "suppressed init" retried inside the invocation.
                    if failed {
                        let open = self.open.last_mut().expect("checked non-empty");
                        open.init.failure = Some(error_type.clone());
                        raise(open, Outcome::InitError, &error_type, None);
                    }
                } else {
                    self.init.init_seen = true;
                    self.init.init_duration_ms = self.init.init_duration_ms.or(duration_ms);
                    if failed {
                        self.init.failure = Some(error_type);
                    }
                }
            }
            Platform::RestoreStart => {
                self.init.restore = true;
                self.restore_failure_reported = false;
            }
            Platform::RestoreReport {
                duration_ms,
                status,
                error_type,
            } => match status.as_deref() {
                Some(status) if status != "success" => {
                    // A failed restore is an event of its own: Lambda falls back (another
                    // restore, or an init) and the invocation it was for says in its own
                    // REPORT how it ended, so it is not pinned on the next invocation.
                    self.restore_failed(status, error_type.as_deref(), ts, out);
                }
                _ => {
                    self.init.restore = true;
                    self.init.restore_duration_ms = self.init.restore_duration_ms.or(duration_ms);
                }
            },
            Platform::RuntimeDone {
                request_id,
                status,
                error_type,
            } => {
                let (outcome, error_type) = match status.as_deref() {
                    Some("timeout") => (
                        Outcome::Timeout,
                        error_type.unwrap_or_else(|| "Sandbox.Timedout".to_owned()),
                    ),
                    Some("error" | "failure") => {
                        let error_type = error_type.unwrap_or_else(|| "Runtime.Unknown".to_owned());
                        (outcome_for_error_type(&error_type), error_type)
                    }
                    _ => return,
                };
                self.signal_request(shared, &request_id, outcome, &error_type, None, out);
            }
            Platform::Fault { text } => {
                // Logs API: "RequestId: <id> Process exited before completing request".
                let Some(signal) = shared.matchers.signals.find(&text) else {
                    return;
                };
                match text
                    .split_whitespace()
                    .find(|t| crate::message::looks_like_request_id(t))
                {
                    Some(id) => self.signal_request(
                        shared,
                        id,
                        signal.outcome,
                        signal.error_type,
                        Some(&text),
                        out,
                    ),
                    None => {
                        if let Some(open) = self.open.last_mut() {
                            raise(open, signal.outcome, signal.error_type, Some(&text));
                        }
                    }
                }
            }
            Platform::Extension => shared.stats.extension_records += 1,
            Platform::LogsDropped { records } => shared.stats.logs_dropped += records,
            Platform::Malformed => shared.stats.malformed_platform_lines += 1,
        }
    }

    /// A SnapStart restore that did not succeed: an error occurrence at the restore's time,
    /// described by what the record says.
    fn restore_failed(
        &mut self,
        status: &str,
        error_type: Option<&str>,
        ts: Option<i64>,
        out: &mut Vec<Emitted>,
    ) {
        let what = match status {
            "failure" | "error" => "failed".to_owned(),
            "timeout" => "timed out".to_owned(),
            other => format!("ended with status `{other}`"),
        };
        let message = match error_type {
            Some(error_type) => format!("SnapStart restore {what}: {error_type}"),
            None => format!("SnapStart restore {what}"),
        };
        if mem::replace(&mut self.restore_failure_reported, true) {
            // `restoreRuntimeDone` and `restoreReport` of the same restore both say so.
            return;
        }
        let error_type = error_type.unwrap_or("SnapStartRestore").to_owned();
        let masked = mask_message(&message);
        out.push(Emitted::Error(Box::new(ErrorOccurrence {
            fingerprint: fingerprint(&self.function, &error_type, &masked, &[]),
            function: self.function.clone(),
            request_id: None,
            timestamp: ts,
            error_type,
            message,
            masked_message: masked,
            frames: Vec::new(),
            stack: Vec::new(),
            unhandled: true,
            xray_trace_id: None,
            invocation_key: None,
        })));
    }

    /// A failure verdict for a request by id: open, or completed (then amended).
    fn signal_request(
        &mut self,
        shared: &mut Shared,
        request_id: &str,
        outcome: Outcome,
        error_type: &str,
        message: Option<&str>,
        out: &mut Vec<Emitted>,
    ) {
        if let Some(i) = self.find_open(request_id) {
            raise(&mut self.open[i], outcome, error_type, message);
        } else if let Some(done) = shared.recent.touch(self.id, request_id) {
            if raise(&mut done.open, outcome, error_type, message) {
                self.amend(shared, request_id, out);
            }
        }
    }

    fn current_owner(&self) -> Option<Owner> {
        (!self.open.is_empty()).then(|| Owner::Open(self.open.len() - 1))
    }

    fn app(
        &mut self,
        shared: &mut Shared,
        mut line: AppLine<'_>,
        event_ts: Option<i64>,
        out: &mut Vec<Emitted>,
    ) {
        shared.stats.application_lines += 1;
        if line.request_id.is_some() {
            shared.stats.request_id_lines += 1;
        }
        let ts = event_ts.or(line.timestamp_ms);
        if !line.record_start {
            if let Some(block) = self.block.as_mut() {
                // The next line of an error report (a traceback in a line-split export).
                if block.lines < MAX_BLOCK_LINES && block.continuation.len() < MAX_BLOCK_BYTES {
                    if !block.continuation.is_empty() {
                        block.continuation.push('\n');
                    }
                    block.continuation.push_str(line.text);
                }
                block.lines += 1;
                let request_id = block.request_id.clone();
                let owner = match request_id.as_deref() {
                    Some(id) => self.find_open(id).map_or(Owner::Stream, Owner::Open),
                    None => Owner::Stream,
                };
                self.count_line(shared, owner, ts);
                let key = self.key_of(shared, owner, request_id.as_deref());
                self.scan(shared, line.text, request_id, key, ts, out);
                return;
            }
        }
        self.close_block(shared, out);
        if let (Some(id), Some(ignored)) = (line.request_id, self.ignoring.as_deref()) {
            if id == ignored {
                // A line of an invocation read a second time.
                return;
            }
        }

        // The runtime's prefix (timestamp, request id, level) holds no signature and no
        // secret: scanning the body alone is most of the speed of the hot path.
        let scanned = if line.python_unhandled {
            line.text
        } else {
            line.body
        };
        let (signal, security_rules) = shared.triggers(scanned, shared.config.scan_security);
        let signal = if line.emf { None } else { signal };
        let error = if line.emf { None } else { error_start(&line) };
        let failing = signal.is_some() || error.is_some_and(|e| e.unhandled);
        let owner = match line.request_id {
            Some(id) => match self.find_open(id) {
                Some(i) => Owner::Open(i),
                None if shared.recent.get_mut(self.id, id).is_some() => Owner::Recent,
                // A failure line for a request whose START we never saw (a filtered
                // subscription, or the input starts mid-invocation): an invocation of its
                // own, incomplete until a REPORT comes.
                None if failing => {
                    let open = self.new_open(id.to_owned(), ts, shared.now_wall_ms);
                    self.open.push(open);
                    Owner::Open(self.open.len() - 1)
                }
                None => Owner::Stream,
            },
            None => {
                let anonymous_failure = line.python_unhandled
                    && crate::message::names_a_type(line.body)
                    && signal
                        .as_ref()
                        .is_none_or(|s| s.outcome != Outcome::InitError);
                match self.current_owner() {
                    // Two runtime error reports without request ids in a row are two
                    // failed invocations (a subscription filtered on `[ERROR]`).
                    Some(Owner::Open(i))
                        if anonymous_failure
                            && self.open[i].request_id.is_empty()
                            && self.open[i].verdict.is_some() =>
                    {
                        let earlier = self.open.remove(i);
                        self.emit(shared, earlier, out);
                        let open = self.new_open(String::new(), ts, shared.now_wall_ms);
                        self.open.push(open);
                        Owner::Open(self.open.len() - 1)
                    }
                    Some(owner) => owner,
                    // The runtime's own unhandled-error report names no request: with
                    // nothing open, it is a failed invocation of its own.
                    None if anonymous_failure => {
                        let open = self.new_open(String::new(), ts, shared.now_wall_ms);
                        self.open.push(open);
                        Owner::Open(self.open.len() - 1)
                    }
                    None => Owner::Stream,
                }
            }
        };
        if owner != Owner::Recent {
            self.count_line(shared, owner, ts);
        }
        let owner_id: Option<String> = match owner {
            Owner::Open(i) => Some(self.open[i].request_id.clone()).filter(|id| !id.is_empty()),
            Owner::Recent => line.request_id.map(str::to_owned),
            Owner::Stream => line.request_id.map(str::to_owned),
        };

        if line.emf {
            shared.stats.emf_documents += 1;
            if let Some(json) = &line.json {
                for mut point in emf_points(json, ts) {
                    point.function = self.function.clone();
                    point.request_id = owner_id.clone();
                    out.push(Emitted::Metric(Box::new(point)));
                }
            }
        } else {
            if let Some(signal) = &signal {
                match owner {
                    Owner::Recent => {
                        let id = owner_id.clone().unwrap_or_default();
                        self.signal_request(
                            shared,
                            &id,
                            signal.outcome,
                            signal.error_type,
                            Some(line.body),
                            out,
                        );
                    }
                    _ => match self.owner_mut(&mut shared.recent, owner, None) {
                        Some(open) => {
                            raise(open, signal.outcome, signal.error_type, Some(line.body));
                        }
                        None if signal.outcome == Outcome::InitError => {
                            self.init.failure = Some(signal.error_type.to_owned())
                        }
                        None => {}
                    },
                }
            }
            if let Some(start) = error {
                self.block = Some(ErrorBlock {
                    request_id: owner_id.clone(),
                    start,
                    first_body: line.body.to_owned(),
                    continuation: String::new(),
                    lines: 1,
                    json: line.json.take(),
                    timestamp_ms: ts,
                });
            }
        }
        // Code prints its environment early in an invocation; look at the first lines of
        // each, since a plain export may be several files of different functions.
        if !self.function_named && self.discovery_budget > 0 {
            self.discovery_budget -= 1;
            self.discover_function(&shared.matchers.function_name, &line);
        }
        if !self.arn_seen {
            let json = line.json.take().or_else(|| {
                self.block.as_mut().and_then(|b| {
                    b.json.take().inspect(|j| {
                        // Put a copy back: the block still needs it.
                        b.json = Some(j.clone());
                    })
                })
            });
            if let Some(json) = json {
                self.learn_arn(&json);
            }
        }
        if security_rules != 0 && shared.config.scan_security {
            shared
                .matchers
                .scanner
                .scan_rules(scanned, security_rules, &mut shared.hits);
            if !shared.hits.is_empty() {
                let key = self.key_of(shared, owner, owner_id.as_deref());
                self.scan(shared, "", owner_id, key, ts, out);
            }
        }
    }

    fn key_of(
        &self,
        shared: &mut Shared,
        owner: Owner,
        request_id: Option<&str>,
    ) -> Option<String> {
        match owner {
            Owner::Open(i) => self.open.get(i).map(|o| o.key.clone()),
            Owner::Recent => request_id
                .and_then(|id| shared.recent.get_mut(self.id, id))
                .map(|c| c.open.key.clone()),
            Owner::Stream => None,
        }
    }

    fn count_line(&mut self, shared: &mut Shared, owner: Owner, ts: Option<i64>) {
        let now = shared.now_wall_ms;
        match owner {
            Owner::Open(i) => {
                let open = &mut self.open[i];
                open.lines += 1;
                open.last_arrival_ms = now;
                if ts.is_some() {
                    open.last_ms = ts;
                }
            }
            Owner::Recent => {}
            Owner::Stream => shared.stats.unattributed_lines += 1,
        }
    }

    fn scan(
        &self,
        shared: &mut Shared,
        text: &str,
        request_id: Option<String>,
        invocation_key: Option<String>,
        ts: Option<i64>,
        out: &mut Vec<Emitted>,
    ) {
        if !shared.config.scan_security {
            return;
        }
        // Hits may already be there, from a caller that scanned first.
        if !text.is_empty() {
            shared.matchers.scanner.scan(text, &mut shared.hits);
        }
        for hit in shared.hits.drain(..) {
            out.push(Emitted::Security(Box::new(SecurityEvent {
                risk: hit.risk,
                kind: hit.kind,
                function: self.function.clone(),
                request_id: request_id.clone(),
                timestamp: ts,
                detail: hit.detail,
                invocation_key: invocation_key.clone(),
            })));
        }
    }

    /// Plain exports do not name the function, but the code often prints it.
    fn discover_function(&mut self, finder: &memmem::Finder<'_>, line: &AppLine<'_>) {
        let name = if let Some(name) = line
            .json
            .as_ref()
            .and_then(|j| j.get("function_name"))
            .and_then(Value::as_str)
        {
            name.to_owned()
        } else if let Some(at) = finder.find(line.text.as_bytes()) {
            let rest = line.text[at + finder.needle().len()..]
                .trim_start_matches(['"', '\'', ':', '=', ' ']);
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        } else {
            return;
        };
        if !name.is_empty() {
            self.function = name;
        }
    }

    /// Region, account and alias from a function ARN a structured record carries
    /// (Powertools' `function_arn`, `invoked_function_arn`).
    fn learn_arn(&mut self, json: &Value) {
        let Some(arn) = ["function_arn", "invoked_function_arn", "functionArn"]
            .iter()
            .find_map(|k| json.get(k).and_then(Value::as_str))
        else {
            return;
        };
        // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 7 || parts[2] != "lambda" || parts[5] != "function" {
            return;
        }
        self.arn_seen = true;
        if !parts[3].is_empty() {
            self.region = Some(parts[3].to_owned());
        }
        if !parts[4].is_empty() {
            self.account = Some(parts[4].to_owned());
        }
        if let Some(qualifier) = parts.get(7) {
            if *qualifier != "$LATEST" && !qualifier.bytes().all(|b| b.is_ascii_digit()) {
                self.alias = Some((*qualifier).to_owned());
            }
        }
    }

    fn close_block(&mut self, shared: &mut Shared, out: &mut Vec<Emitted>) {
        let Some(block) = self.block.take() else {
            return;
        };
        let Some(mut info) = extract_error(
            block.start,
            &block.first_body,
            &block.continuation,
            block.json.as_deref(),
        ) else {
            return;
        };
        if info.error_type == "Error" {
            // An untyped runtime message such as `Unable to import module …`: name it by
            // the failure it signals.
            if let Some(signal) = shared.matchers.signals.find(&info.message) {
                info.error_type = signal.error_type.to_owned();
            }
        }
        let message = shared.matchers.scanner.redact(&info.message).into_owned();
        let masked = mask_message(&message);
        let occurrence = ErrorOccurrence {
            fingerprint: fingerprint(&self.function, &info.error_type, &masked, &info.frames),
            function: self.function.clone(),
            request_id: block.request_id.clone(),
            timestamp: block.timestamp_ms,
            error_type: info.error_type,
            message,
            masked_message: masked,
            frames: info.frames,
            stack: info
                .stack
                .iter()
                .map(|l| shared.matchers.scanner.redact(l).into_owned())
                .collect(),
            unhandled: block.start.unhandled,
            xray_trace_id: None,
            invocation_key: None,
        };
        let id = block.request_id.as_deref();
        if let Some(i) = id.and_then(|id| self.find_open(id)).or_else(|| {
            // A runtime report without a request id (Python's `[ERROR]` line) belongs to
            // what is open.
            id.is_none()
                .then(|| self.current_owner())
                .flatten()
                .and_then(|o| match o {
                    Owner::Open(i) => Some(i),
                    _ => None,
                })
        }) {
            let open = &mut self.open[i];
            if occurrence.unhandled {
                let outcome = outcome_for_error_type(&occurrence.error_type);
                raise(open, outcome, &occurrence.error_type.clone(), None);
            }
            if open.errors.len() < MAX_ERRORS_PER_INVOCATION {
                open.errors.push(occurrence);
            } else {
                out.push(Emitted::Error(Box::new(occurrence)));
            }
            return;
        }
        if let Some(id) = id {
            if let Some(done) = shared.recent.touch(self.id, id) {
                // A late error report of a completed invocation.
                if occurrence.unhandled {
                    let outcome = outcome_for_error_type(&occurrence.error_type);
                    raise(
                        &mut done.open,
                        outcome,
                        &occurrence.error_type.clone(),
                        None,
                    );
                }
                done.open.errors.push(occurrence);
                let id = id.to_owned();
                self.amend(shared, &id, out);
                return;
            }
        }
        if id.is_none() && self.pending_errors.len() < MAX_PENDING_ERRORS {
            // Outside an invocation: init-phase errors explain the next invocation.
            if occurrence.unhandled
                && outcome_for_error_type(&occurrence.error_type) == Outcome::InitError
            {
                self.init
                    .failure
                    .get_or_insert_with(|| occurrence.error_type.clone());
            }
            self.pending_errors.push(occurrence);
        } else {
            out.push(Emitted::Error(Box::new(occurrence)));
        }
    }

    fn flush_pending_errors(&mut self, out: &mut Vec<Emitted>) {
        for occurrence in self.pending_errors.drain(..) {
            out.push(Emitted::Error(Box::new(occurrence)));
        }
    }

    fn finish(&mut self, shared: &mut Shared, out: &mut Vec<Emitted>) {
        self.close_block(shared, out);
        // Started, never reported, and a stranger's REPORT came meanwhile: in one sandbox
        // that is the same invocation under two ids (an edited log), in a merged export
        // most likely so. Counted as read, and said.
        let unmatched = self
            .open
            .iter()
            .filter(|o| o.orphan_report_seen && o.start_seen && o.report.is_none())
            .count() as u64;
        if unmatched > 0 {
            shared.stats.unmatched_starts += unmatched;
            shared.stats.unmatched_reports += mem::take(&mut self.orphan_reports);
        }
        let open: Vec<Open> = self.open.drain(..).collect();
        for open in open {
            self.emit(shared, open, out);
        }
        self.flush_pending_errors(out);
        self.init = SandboxInit::default();
    }

    /// Classifies an invocation and emits it after its errors; it is then remembered for
    /// late lines.
    fn emit(&mut self, shared: &mut Shared, mut open: Open, out: &mut Vec<Emitted>) {
        // A block still being read belongs to this invocation: finish it first.
        if self
            .block
            .as_ref()
            .is_some_and(|b| b.request_id.as_deref() == Some(&open.request_id))
        {
            self.open.push(open);
            self.close_block(shared, out);
            open = self.open.pop().expect("just pushed");
        }
        let invocation = self.build(shared, &mut open, 0, out);
        out.push(Emitted::Invocation(Box::new(invocation)));
        if !open.request_id.is_empty() {
            shared.recent.insert(self.id, open);
        }
    }

    /// Re-classifies a completed invocation after a late line and emits the change.
    fn amend(&mut self, shared: &mut Shared, request_id: &str, out: &mut Vec<Emitted>) {
        let id = Recent::id(self.id, request_id);
        let Some(done) = shared
            .recent
            .map
            .get_mut(&id)
            .filter(|c| c.open.request_id == request_id)
        else {
            return;
        };
        let mut open = mem::replace(&mut done.open, placeholder_open());
        let revision = done.revision;
        // What was emitted last, rebuilt from the state saved before the late line (its
        // errors went out with it, so this emits nothing).
        let mut before = done.before.take().map_or_else(|| open.clone(), |b| *b);
        let previous = self.build(shared, &mut before, revision, &mut Vec::new());
        let current = self.build(shared, &mut open, revision + 1, out);
        let done = shared
            .recent
            .map
            .get_mut(&id)
            .expect("still there: nothing was inserted");
        done.open = open;
        let unchanged = Invocation {
            revision: current.revision,
            ..previous.clone()
        };
        if current == unchanged {
            return;
        }
        done.revision = current.revision;
        shared.stats.amendments += 1;
        out.push(Emitted::Amended(Box::new(Amendment { previous, current })));
    }

    /// The invocation as it stands; error occurrences not emitted yet go to `out` first.
    fn build(
        &self,
        shared: &mut Shared,
        open: &mut Open,
        revision: u32,
        out: &mut Vec<Emitted>,
    ) -> Invocation {
        let report = open.report.clone().unwrap_or_default();
        let complete = open.report.is_some();
        if let Some(failure) = open.init.failure.clone() {
            raise(open, Outcome::InitError, &failure, None);
        }
        match report.status.as_deref() {
            Some("timeout") => {
                raise(
                    open,
                    Outcome::Timeout,
                    report.error_type.as_deref().unwrap_or("Sandbox.Timedout"),
                    None,
                );
            }
            Some("error" | "failure") => {
                let error_type = report
                    .error_type
                    .clone()
                    .unwrap_or_else(|| "Runtime.Unknown".to_owned());
                raise(open, outcome_for_error_type(&error_type), &error_type, None);
            }
            _ => {}
        }
        // Memory use above the limit, or a crash at the limit, is an out-of-memory kill
        // (docs/lambda-logs.md §2.3: old OOMs show `Max Memory Used` > `Memory Size`).
        if let (Some(used), Some(size)) = (report.max_memory_used_mb, report.memory_size_mb) {
            let crashed = open
                .verdict
                .as_ref()
                .is_some_and(|v| v.outcome == Outcome::Crash);
            if used > size || (crashed && used >= size) {
                raise(open, Outcome::OutOfMemory, "Runtime.OutOfMemory", None);
            }
        }
        let outcome = open
            .verdict
            .as_ref()
            .map_or(Outcome::Success, |v| v.outcome);

        let mut errors = mem::take(&mut open.errors);
        if outcome.is_failure() {
            let verdict = open.verdict.clone().expect("failure has a verdict");
            // The error report that explains the failure: one of the same class, or for
            // handler errors and crashes any unhandled one (a crash often follows one).
            let explained = errors
                .iter()
                .position(|e| e.unhandled && outcome_for_error_type(&e.error_type) == outcome)
                .or_else(|| {
                    matches!(
                        outcome,
                        Outcome::Error | Outcome::Crash | Outcome::InitError
                    )
                    .then(|| errors.iter().position(|e| e.unhandled))
                    .flatten()
                });
            let keep = open.error_ref.as_ref().is_some_and(|(_, o)| *o == outcome);
            let index = match explained {
                Some(i) => Some(i),
                None if keep => None,
                None => {
                    // A platform failure with no error report of its own: group it by type.
                    let message = shared
                        .matchers
                        .scanner
                        .redact(
                            &verdict
                                .message
                                .clone()
                                .unwrap_or_else(|| default_message(outcome, &report)),
                        )
                        .into_owned();
                    let masked = mask_message(&message);
                    errors.push(ErrorOccurrence {
                        fingerprint: fingerprint(&self.function, &verdict.error_type, &masked, &[]),
                        function: self.function.clone(),
                        request_id: None,
                        timestamp: open.last_ms,
                        error_type: verdict.error_type.clone(),
                        message,
                        masked_message: masked,
                        frames: Vec::new(),
                        stack: Vec::new(),
                        unhandled: true,
                        xray_trace_id: None,
                        invocation_key: None,
                    });
                    Some(errors.len() - 1)
                }
            };
            if let Some(index) = index {
                let e = &mut errors[index];
                if e.function != self.function {
                    rename(e, &self.function);
                }
                open.error_ref = Some((
                    ErrorRef {
                        fingerprint: e.fingerprint.clone(),
                        error_type: e.error_type.clone(),
                        message: e.message.clone(),
                    },
                    outcome,
                ));
            }
        }
        for mut error in errors {
            // Errors read before the function was known take its final name.
            if error.function != self.function {
                rename(&mut error, &self.function);
            }
            if !open.request_id.is_empty() {
                error
                    .request_id
                    .get_or_insert_with(|| open.request_id.clone());
            }
            error.xray_trace_id = open.trace_id.clone();
            error.invocation_key = Some(open.key.clone());
            out.push(Emitted::Error(Box::new(error)));
        }

        // The REPORT's own figures decide how the environment started: `Init Duration`
        // means an init ran for it, whatever restore records came earlier in the stream.
        let init_duration_ms = report.init_duration_ms.or(open.init.init_duration_ms);
        let restore_duration_ms = if report.init_duration_ms.is_some() {
            report.restore_duration_ms
        } else {
            report.restore_duration_ms.or(open.init.restore_duration_ms)
        };
        let snapstart_restore = restore_duration_ms.is_some()
            || (open.init.restore && report.init_duration_ms.is_none());
        let prepared = snapstart_restore || open.init.provisioned;
        let cold_start =
            !prepared && (init_duration_ms.is_some() || (open.init.init_seen && !complete));
        // An environment initialised ahead of demand reports no init with its first
        // invocation (only a named stream says which environment that is).
        let proactive_init = !prepared
            && complete
            && open.sandbox
            && open.init.init_seen
            && init_duration_ms.is_none();
        let billed = report.billed_duration_ms.map(|b| b.round() as u64);
        let cost_usd = match (billed, report.memory_size_mb) {
            (Some(billed), Some(memory)) => {
                Some((shared.config.cost.invocation_cost(billed, memory) * 1e12).round() / 1e12)
            }
            _ => None,
        };
        let version = open.version.clone().or_else(|| self.stream_version.clone());
        Invocation {
            key: open.key.clone(),
            revision,
            function: self.function.clone(),
            log_group: self.group().to_owned(),
            log_stream: self.stream().to_owned(),
            request_id: open.request_id.clone(),
            start: open.start_ms,
            end: open.last_ms,
            outcome,
            complete,
            cold_start,
            proactive_init,
            snapstart_restore,
            duration_ms: report.duration_ms,
            billed_duration_ms: billed,
            memory_size_mb: report.memory_size_mb,
            max_memory_used_mb: report.max_memory_used_mb,
            init_duration_ms,
            restore_duration_ms,
            status: report.status.clone(),
            error_type: open.verdict.as_ref().map(|v| v.error_type.clone()),
            version,
            alias: self.alias.clone(),
            account: self.account.clone(),
            region: self.region.clone(),
            xray_trace_id: open.trace_id.clone(),
            cost_usd,
            lines: open.lines,
            error: if outcome.is_failure() {
                open.error_ref.as_ref().map(|(r, _)| r.clone())
            } else {
                None
            },
        }
    }
}

fn rename(error: &mut ErrorOccurrence, function: &str) {
    error.function = function.to_owned();
    error.fingerprint = fingerprint(
        function,
        &error.error_type,
        &error.masked_message,
        &error.frames,
    );
}

fn placeholder_open() -> Open {
    Open {
        request_id: String::new(),
        key: String::new(),
        version: None,
        start_seen: false,
        start_ms: None,
        last_ms: None,
        last_arrival_ms: 0,
        report: None,
        trace_id: None,
        lines: 0,
        verdict: None,
        errors: Vec::new(),
        error_ref: None,
        init: SandboxInit::default(),
        sandbox: false,
        earlier_starts: Vec::new(),
        orphan_report_seen: false,
    }
}

/// Records a failure signal; the most severe one wins. Returns whether the verdict changed.
fn raise(open: &mut Open, outcome: Outcome, error_type: &str, message: Option<&str>) -> bool {
    let first_line =
        |m: &str| -> String { m.lines().next().unwrap_or("").chars().take(300).collect() };
    let stronger = open
        .verdict
        .as_ref()
        .is_none_or(|v| outcome.severity() > v.outcome.severity());
    if stronger {
        open.verdict = Some(Verdict {
            outcome,
            error_type: error_type.to_owned(),
            message: message.map(first_line),
        });
        true
    } else {
        if let Some(v) = open
            .verdict
            .as_mut()
            .filter(|v| v.outcome == outcome && v.message.is_none())
        {
            v.message = message.map(first_line);
        }
        false
    }
}

fn default_message(outcome: Outcome, report: &OwnedReport) -> String {
    match outcome {
        Outcome::Timeout => match report.duration_ms {
            Some(ms) => format!("Task timed out after {:.2} seconds", ms / 1000.0),
            None => "Task timed out".to_owned(),
        },
        Outcome::OutOfMemory => "The function ran out of memory".to_owned(),
        Outcome::Crash => "The runtime exited before completing the request".to_owned(),
        Outcome::InitError => "The init phase failed".to_owned(),
        Outcome::Error | Outcome::Success => "The invocation failed".to_owned(),
    }
}
