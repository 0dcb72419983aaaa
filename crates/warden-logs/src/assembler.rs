//! Invocation assembly: log events in, completed invocations out.
//!
//! State is kept per log stream, i.e. per sandbox (docs/lambda-logs.md §2.1): `START`
//! opens an invocation, lines in between belong to it, `REPORT` closes it. Invocations are
//! keyed by request id, so END/REPORT order swaps, interleaved streams and invocations
//! split across batches or files all assemble the same way. A reported invocation waits
//! ("settles") until the stream moves on, because the legacy `Task timed out` line and the
//! XRAY line come after the REPORT.
//!
//! Memory is bounded by what is open: a stream holds its open invocations (at most
//! [`MAX_OPEN_PER_STREAM`]), one settling invocation and one error report being read;
//! invocations keep counters and their error reports, never their lines. Idle streams are
//! dropped.

use std::collections::HashMap;
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
use crate::invocation::{ErrorOccurrence, ErrorRef, Invocation, Outcome};
use crate::message::{parse_message, AppLine, Message};
use crate::platform::{Platform, ReportFields};
use crate::pricing::CostModel;
use crate::security::{SecurityEvent, SecurityHit, SecurityScanner};

/// Open invocations one stream may hold. On-demand sandboxes run one at a time; Lambda
/// Managed Instances run several, but not this many.
pub const MAX_OPEN_PER_STREAM: usize = 64;
const MAX_ERRORS_PER_INVOCATION: usize = 8;
const MAX_PENDING_ERRORS: usize = 16;
const MAX_BLOCK_LINES: u32 = 200;
const MAX_BLOCK_BYTES: usize = 32 * 1024;
/// How many events pass between sweeps for idle streams.
const SWEEP_EVERY: u64 = 1 << 16;
/// Lines after each START in which to look for the function's name (unnamed streams).
const DISCOVERY_LINES: u32 = 200;

/// How the assembler names and prices what it sees.
#[derive(Clone, Debug, Default)]
pub struct AssemblerConfig {
    /// The function for events whose log group does not name one (plain text exports).
    pub default_function: Option<String>,
    pub cost: CostModel,
    /// Scan application lines for security events.
    pub scan_security: bool,
}

/// What the assembler emits, in order: a completed invocation comes right after its error
/// occurrences; security events come as soon as their line is read.
#[derive(Clone, Debug, PartialEq)]
pub enum Emitted {
    Invocation(Box<Invocation>),
    Error(Box<ErrorOccurrence>),
    Security(Box<SecurityEvent>),
}

/// Counters over everything pushed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AssemblerStats {
    pub events: u64,
    pub platform_records: u64,
    pub application_lines: u64,
    /// Application lines outside any invocation (init phase, or before the first START).
    pub unattributed_lines: u64,
    pub malformed_platform_lines: u64,
    pub emf_documents: u64,
    /// Records the Telemetry API reported as dropped: counts may be low.
    pub logs_dropped: u64,
    pub extension_records: u64,
    /// END or REPORT lines for a request already emitted (duplicates across inputs).
    pub duplicate_records: u64,
}

/// Turns log events into invocations. See the module docs.
pub struct Assembler {
    shared: Shared,
    streams: Vec<Option<Stream>>,
    index: HashMap<(Box<str>, Box<str>), usize>,
    free: Vec<usize>,
    last_slot: Option<usize>,
}

struct Shared {
    config: AssemblerConfig,
    matchers: &'static Matchers,
    stats: AssemblerStats,
    hits: Vec<SecurityHit>,
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

impl Assembler {
    pub fn new(config: AssemblerConfig) -> Self {
        Assembler {
            shared: Shared {
                config,
                matchers: Matchers::get(),
                stats: AssemblerStats::default(),
                hits: Vec::new(),
            },
            streams: Vec::new(),
            index: HashMap::new(),
            free: Vec::new(),
            last_slot: None,
        }
    }

    pub fn stats(&self) -> &AssemblerStats {
        &self.shared.stats
    }

    pub fn config(&self) -> &AssemblerConfig {
        &self.shared.config
    }

    /// Redacts secrets from text meant for output (used by renderers of raw lines).
    pub fn redact<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        self.shared.matchers.scanner.redact(text)
    }

    /// Invocations currently open or settling, across all streams.
    pub fn open_invocations(&self) -> usize {
        self.streams
            .iter()
            .flatten()
            .map(|s| s.open.len() + usize::from(s.settling.is_some()))
            .sum()
    }

    /// Feeds one event; whatever it completes is appended to `out`.
    pub fn push(&mut self, event: &LogEvent<'_>, out: &mut Vec<Emitted>) {
        let stats = &mut self.shared.stats;
        stats.events += 1;
        let seq = stats.events;
        let slot = self.slot(event.log_group, event.log_stream);
        let stream = self.streams[slot].as_mut().expect("slot is live");
        stream.last_seq = seq;
        if event.timestamp_ms.is_some() {
            stream.last_ms = event.timestamp_ms;
        }
        stream.push(&mut self.shared, event, out);
        if seq % SWEEP_EVERY == 0 {
            self.sweep(seq);
        }
    }

    /// Emits every reported invocation now instead of waiting for its stream to move on.
    /// `warden logs tail` calls this when the input goes quiet.
    pub fn flush_settled(&mut self, out: &mut Vec<Emitted>) {
        for stream in self.streams.iter_mut().flatten() {
            stream.close_block(&mut self.shared, out);
            stream.emit_settling(&mut self.shared, out);
        }
    }

    /// Closes streams that saw no event for `max_idle_ms` before `now_ms` (event time):
    /// reported invocations are emitted, open ones as incomplete. The server calls this
    /// periodically so a sandbox that died without a REPORT does not hold memory forever.
    pub fn close_idle(&mut self, now_ms: i64, max_idle_ms: i64, out: &mut Vec<Emitted>) {
        for stream in self.streams.iter_mut().flatten() {
            if stream
                .last_ms
                .is_some_and(|last| now_ms - last > max_idle_ms)
            {
                stream.finish(&mut self.shared, out);
            }
        }
    }

    /// Ends the input: everything still held is emitted, open invocations as incomplete.
    pub fn finish(&mut self, out: &mut Vec<Emitted>) {
        for stream in self.streams.iter_mut().flatten() {
            stream.finish(&mut self.shared, out);
        }
    }

    fn slot(&mut self, group: &str, stream: &str) -> usize {
        if let Some(slot) = self.last_slot {
            if let Some(s) = &self.streams[slot] {
                if &*s.group == group && &*s.stream == stream {
                    return slot;
                }
            }
        }
        let key = (Box::<str>::from(group), Box::<str>::from(stream));
        let slot = match self.index.get(&key) {
            Some(&slot) => slot,
            None => {
                let state = Stream::new(
                    group,
                    stream,
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
                self.index.insert(key, slot);
                slot
            }
        };
        self.last_slot = Some(slot);
        slot
    }

    /// Drops streams that hold nothing and saw no event for a sweep period.
    fn sweep(&mut self, seq: u64) {
        for slot in 0..self.streams.len() {
            let idle = self.streams[slot]
                .as_ref()
                .is_some_and(|s| s.is_empty() && seq - s.last_seq >= SWEEP_EVERY);
            if idle {
                let s = self.streams[slot].take().expect("checked above");
                self.index.remove(&(s.group, s.stream));
                self.free.push(slot);
                if self.last_slot == Some(slot) {
                    self.last_slot = None;
                }
            }
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

struct Open {
    request_id: String,
    version: Option<String>,
    start_ms: Option<i64>,
    last_ms: Option<i64>,
    report: Option<OwnedReport>,
    trace_id: Option<String>,
    lines: u32,
    verdict: Option<Verdict>,
    errors: Vec<ErrorOccurrence>,
    init: SandboxInit,
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
}

impl From<&ReportFields<'_>> for OwnedReport {
    fn from(r: &ReportFields<'_>) -> Self {
        OwnedReport {
            duration_ms: r.duration_ms,
            billed_duration_ms: r.billed_duration_ms,
            memory_size_mb: r.memory_size_mb,
            max_memory_used_mb: r.max_memory_used_mb,
            init_duration_ms: r.init_duration_ms,
            restore_duration_ms: r.restore_duration_ms,
            status: r.status.as_deref().map(str::to_owned),
            error_type: r.error_type.as_deref().map(str::to_owned),
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
    Settling,
    Stream,
}

struct Stream {
    group: Box<str>,
    stream: Box<str>,
    function: String,
    /// The function came from the log group or `--function`; otherwise it is read from
    /// what the code prints (`AWS_LAMBDA_FUNCTION_NAME`, Powertools' `function_name`).
    function_named: bool,
    /// Lines left to look for the function's name in.
    discovery_budget: u32,
    open: Vec<Open>,
    settling: Option<Open>,
    init: SandboxInit,
    pending_errors: Vec<ErrorOccurrence>,
    block: Option<ErrorBlock>,
    last_seq: u64,
    last_ms: Option<i64>,
}

impl Stream {
    fn new(group: &str, stream: &str, default_function: Option<&str>) -> Self {
        let from_group = group.strip_prefix("/aws/lambda/").filter(|n| !n.is_empty());
        let (function, named) = match (from_group, default_function) {
            (Some(name), _) => (name.to_owned(), true),
            (None, Some(name)) => (name.to_owned(), true),
            (None, None) if !group.is_empty() => (group.to_owned(), true),
            (None, None) => ("unknown".to_owned(), false),
        };
        Stream {
            group: group.into(),
            stream: stream.into(),
            function,
            function_named: named,
            discovery_budget: DISCOVERY_LINES,
            open: Vec::new(),
            settling: None,
            init: SandboxInit::default(),
            pending_errors: Vec::new(),
            block: None,
            last_seq: 0,
            last_ms: None,
        }
    }

    fn is_empty(&self) -> bool {
        self.open.is_empty()
            && self.settling.is_none()
            && self.block.is_none()
            && self.pending_errors.is_empty()
            && self.init == SandboxInit::default()
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

    fn owner_of(&self, request_id: &str) -> Option<Owner> {
        if let Some(i) = self.find_open(request_id) {
            return Some(Owner::Open(i));
        }
        self.settling
            .as_ref()
            .filter(|s| s.request_id == request_id)
            .map(|_| Owner::Settling)
    }

    fn owner_mut(&mut self, owner: Owner) -> Option<&mut Open> {
        match owner {
            Owner::Open(i) => self.open.get_mut(i),
            Owner::Settling => self.settling.as_mut(),
            Owner::Stream => None,
        }
    }

    fn new_open(&mut self, request_id: String, start_ms: Option<i64>) -> Open {
        Open {
            request_id,
            version: None,
            start_ms,
            last_ms: start_ms,
            report: None,
            trace_id: None,
            lines: 0,
            verdict: None,
            errors: mem::take(&mut self.pending_errors),
            init: mem::take(&mut self.init),
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
        match platform {
            Platform::Start {
                request_id,
                version,
                trace_id,
            } => {
                if self.owner_of(&request_id).is_some() {
                    shared.stats.duplicate_records += 1;
                    return;
                }
                self.emit_settling(shared, out);
                if sequential {
                    // A text START means the previous invocation of this sandbox is over
                    // even though its REPORT never came (crash, lost record).
                    let earlier: Vec<Open> = self.open.drain(..).collect();
                    for open in earlier {
                        self.emit(shared, open, false, out);
                    }
                } else if self.open.len() >= MAX_OPEN_PER_STREAM {
                    let oldest = self.open.remove(0);
                    self.emit(shared, oldest, false, out);
                }
                self.discovery_budget = DISCOVERY_LINES;
                let mut open = self.new_open(request_id.into_owned(), ts);
                open.version = version.map(|v| v.into_owned());
                open.trace_id = trace_id;
                self.open.push(open);
            }
            Platform::End { request_id } => {
                if self.owner_of(&request_id).is_none() {
                    shared.stats.duplicate_records += 1;
                }
            }
            Platform::Report(fields) => {
                let mut open = match self.find_open(&fields.request_id) {
                    Some(i) => self.open.remove(i),
                    None if self
                        .settling
                        .as_ref()
                        .is_some_and(|s| s.request_id == *fields.request_id) =>
                    {
                        shared.stats.duplicate_records += 1;
                        return;
                    }
                    // A REPORT without its START: the input began mid-invocation.
                    None => self.new_open(fields.request_id.to_string(), None),
                };
                open.report = Some(OwnedReport::from(&*fields));
                if let Some(trace) = &fields.xray_trace_id {
                    open.trace_id = Some(trace.to_string());
                }
                if ts.is_some() {
                    open.last_ms = ts;
                }
                self.emit_settling(shared, out);
                self.settling = Some(open);
            }
            Platform::Xray { trace_id } => {
                if let Some(settling) = self.settling.as_mut().filter(|s| s.trace_id.is_none()) {
                    settling.trace_id = Some(trace_id.into_owned());
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
            Platform::RestoreStart => self.init.restore = true,
            Platform::RestoreReport {
                duration_ms,
                status,
                error_type,
            } => {
                self.init.restore = true;
                self.init.restore_duration_ms = self.init.restore_duration_ms.or(duration_ms);
                if status.as_deref().is_some_and(|s| s != "success") {
                    self.init.failure = Some(
                        error_type.map_or_else(|| "RestoreError".to_owned(), |e| e.into_owned()),
                    );
                }
            }
            Platform::RuntimeDone {
                request_id,
                status,
                error_type,
            } => {
                let Some(owner) = self.owner_of(&request_id) else {
                    return;
                };
                let open = self.owner_mut(owner).expect("owner exists");
                match status.as_deref() {
                    Some("timeout") => raise(
                        open,
                        Outcome::Timeout,
                        error_type.as_deref().unwrap_or("Sandbox.Timedout"),
                        None,
                    ),
                    Some("error" | "failure") => {
                        let error_type = error_type.unwrap_or_else(|| "Runtime.Unknown".to_owned());
                        raise(open, outcome_for_error_type(&error_type), &error_type, None);
                    }
                    _ => {}
                }
            }
            Platform::Fault { text } => {
                // Logs API: "RequestId: <id> Process exited before completing request".
                let owner = text
                    .split_whitespace()
                    .find(|t| crate::message::looks_like_request_id(t))
                    .and_then(|id| self.owner_of(id))
                    .or_else(|| self.current_owner());
                if let (Some(owner), Some(signal)) = (owner, shared.matchers.signals.find(&text)) {
                    if let Some(open) = self.owner_mut(owner) {
                        raise(open, signal.outcome, signal.error_type, Some(&text));
                    }
                }
            }
            Platform::Extension => shared.stats.extension_records += 1,
            Platform::LogsDropped { records } => shared.stats.logs_dropped += records,
            Platform::Malformed => shared.stats.malformed_platform_lines += 1,
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
                let owner = request_id
                    .as_deref()
                    .and_then(|id| self.owner_of(id))
                    .unwrap_or(Owner::Stream);
                self.count_line(shared, owner, ts);
                self.scan(shared, line.text, request_id, ts, out);
                return;
            }
        }
        self.close_block(shared, out);

        // The runtime's prefix (timestamp, request id, level) holds no signature and no
        // secret: scanning the body alone is most of the speed of the hot path.
        let scanned = if line.python_unhandled {
            line.text
        } else {
            line.body
        };
        let (signal, security_rules) = shared.triggers(scanned, shared.config.scan_security);
        let signal = if line.emf { None } else { signal };
        let owner = match line.request_id {
            Some(id) => match self.owner_of(id) {
                Some(owner) => owner,
                // A failure line for a request whose START we never saw (the input starts
                // mid-invocation, or was filtered): keep it as an invocation of its own.
                None if signal.is_some() => {
                    self.emit_settling(shared, out);
                    let open = self.new_open(id.to_owned(), ts);
                    self.open.push(open);
                    Owner::Open(self.open.len() - 1)
                }
                None => {
                    // Another request's line: a reported invocation of this sandbox is done.
                    self.emit_settling(shared, out);
                    self.current_owner().unwrap_or(Owner::Stream)
                }
            },
            None => self.current_owner().unwrap_or(Owner::Stream),
        };
        self.count_line(shared, owner, ts);
        let request_id = |stream: &Stream| -> Option<String> {
            match owner {
                Owner::Open(i) => stream.open.get(i).map(|o| o.request_id.clone()),
                Owner::Settling => stream.settling.as_ref().map(|o| o.request_id.clone()),
                Owner::Stream => line.request_id.map(str::to_owned),
            }
        };

        if line.emf {
            shared.stats.emf_documents += 1;
        } else {
            if let Some(signal) = signal {
                match self.owner_mut(owner) {
                    Some(open) => raise(open, signal.outcome, signal.error_type, Some(line.body)),
                    None if signal.outcome == Outcome::InitError => {
                        self.init.failure = Some(signal.error_type.to_owned())
                    }
                    None => {}
                }
            }
            if let Some(start) = error_start(&line) {
                self.block = Some(ErrorBlock {
                    request_id: request_id(self),
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
        if security_rules != 0 {
            shared
                .matchers
                .scanner
                .scan_rules(scanned, security_rules, &mut shared.hits);
            if !shared.hits.is_empty() {
                let id = request_id(self);
                self.scan(shared, "", id, ts, out);
            }
        }
    }

    fn count_line(&mut self, shared: &mut Shared, owner: Owner, ts: Option<i64>) {
        match self.owner_mut(owner) {
            Some(open) => {
                open.lines += 1;
                if ts.is_some() {
                    open.last_ms = ts;
                }
            }
            None => shared.stats.unattributed_lines += 1,
        }
    }

    fn scan(
        &self,
        shared: &mut Shared,
        text: &str,
        request_id: Option<String>,
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
        };
        let owner = block.request_id.as_deref().and_then(|id| self.owner_of(id));
        let pending_full = self.pending_errors.len() >= MAX_PENDING_ERRORS;
        match owner.and_then(|o| self.owner_mut(o)) {
            Some(open) => {
                if occurrence.unhandled {
                    let outcome = outcome_for_error_type(&occurrence.error_type);
                    raise(open, outcome, &occurrence.error_type.clone(), None);
                }
                if open.errors.len() < MAX_ERRORS_PER_INVOCATION {
                    open.errors.push(occurrence);
                } else {
                    out.push(Emitted::Error(Box::new(occurrence)));
                }
            }
            // Outside an invocation: init-phase errors explain the next invocation.
            None if block.request_id.is_none() && !pending_full => {
                if occurrence.unhandled
                    && outcome_for_error_type(&occurrence.error_type) == Outcome::InitError
                {
                    self.init
                        .failure
                        .get_or_insert_with(|| occurrence.error_type.clone());
                }
                self.pending_errors.push(occurrence);
            }
            None => out.push(Emitted::Error(Box::new(occurrence))),
        }
    }

    fn emit_settling(&mut self, shared: &mut Shared, out: &mut Vec<Emitted>) {
        if let Some(settling) = self.settling.take() {
            self.emit(shared, settling, true, out);
        }
    }

    fn finish(&mut self, shared: &mut Shared, out: &mut Vec<Emitted>) {
        self.close_block(shared, out);
        self.emit_settling(shared, out);
        let open: Vec<Open> = self.open.drain(..).collect();
        for open in open {
            self.emit(shared, open, false, out);
        }
        for occurrence in self.pending_errors.drain(..) {
            out.push(Emitted::Error(Box::new(occurrence)));
        }
        self.init = SandboxInit::default();
    }

    /// Classifies a finished invocation and emits it after its errors.
    fn emit(
        &mut self,
        shared: &mut Shared,
        mut open: Open,
        complete: bool,
        out: &mut Vec<Emitted>,
    ) {
        // A block still being read belongs to this invocation: finish it first.
        if self
            .block
            .as_ref()
            .is_some_and(|b| b.request_id.as_deref() == Some(&open.request_id))
        {
            self.settling = Some(open);
            self.close_block(shared, out);
            open = self.settling.take().expect("just put back");
        }
        let report = open.report.clone().unwrap_or_default();
        let complete = complete && open.report.is_some();
        if let Some(failure) = open.init.failure.clone() {
            raise(&mut open, Outcome::InitError, &failure, None);
        }
        match report.status.as_deref() {
            Some("timeout") => raise(
                &mut open,
                Outcome::Timeout,
                report.error_type.as_deref().unwrap_or("Sandbox.Timedout"),
                None,
            ),
            Some("error" | "failure") => {
                let error_type = report
                    .error_type
                    .clone()
                    .unwrap_or_else(|| "Runtime.Unknown".to_owned());
                raise(
                    &mut open,
                    outcome_for_error_type(&error_type),
                    &error_type,
                    None,
                );
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
                raise(&mut open, Outcome::OutOfMemory, "Runtime.OutOfMemory", None);
            }
        }
        let outcome = open
            .verdict
            .as_ref()
            .map_or(Outcome::Success, |v| v.outcome);

        let mut errors = mem::take(&mut open.errors);
        let mut error_ref = None;
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
            let index = match explained {
                Some(i) => i,
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
                        request_id: Some(open.request_id.clone()),
                        timestamp: open.last_ms,
                        error_type: verdict.error_type.clone(),
                        message,
                        masked_message: masked,
                        frames: Vec::new(),
                        stack: Vec::new(),
                        unhandled: true,
                    });
                    errors.len() - 1
                }
            };
            let e = &errors[index];
            error_ref = Some(ErrorRef {
                fingerprint: e.fingerprint.clone(),
                error_type: e.error_type.clone(),
                message: e.message.clone(),
            });
        }
        for mut error in errors {
            // Errors read before the function was known take its final name.
            if error.function != self.function {
                error.function = self.function.clone();
                error.fingerprint = fingerprint(
                    &self.function,
                    &error.error_type,
                    &error.masked_message,
                    &error.frames,
                );
                if let Some(r) = error_ref
                    .as_mut()
                    .filter(|r| r.error_type == error.error_type && r.message == error.message)
                {
                    r.fingerprint = error.fingerprint.clone();
                }
            }
            error
                .request_id
                .get_or_insert_with(|| open.request_id.clone());
            out.push(Emitted::Error(Box::new(error)));
        }

        let init_duration_ms = report.init_duration_ms.or(open.init.init_duration_ms);
        let restore_duration_ms = report.restore_duration_ms.or(open.init.restore_duration_ms);
        let snapstart_restore = restore_duration_ms.is_some() || open.init.restore;
        let cold_start = !snapstart_restore
            && !open.init.provisioned
            && (report.init_duration_ms.is_some() || open.init.init_seen);
        let billed = report.billed_duration_ms.map(|b| b.round() as u64);
        let cost_usd = match (billed, report.memory_size_mb) {
            (Some(billed), Some(memory)) => {
                Some((shared.config.cost.invocation_cost(billed, memory) * 1e12).round() / 1e12)
            }
            _ => None,
        };
        out.push(Emitted::Invocation(Box::new(Invocation {
            function: self.function.clone(),
            log_group: self.group.to_string(),
            log_stream: self.stream.to_string(),
            request_id: open.request_id,
            start: open.start_ms,
            end: open.last_ms,
            outcome,
            complete,
            cold_start,
            snapstart_restore,
            duration_ms: report.duration_ms,
            billed_duration_ms: billed,
            memory_size_mb: report.memory_size_mb,
            max_memory_used_mb: report.max_memory_used_mb,
            init_duration_ms,
            restore_duration_ms,
            status: report.status.clone(),
            error_type: open.verdict.map(|v| v.error_type),
            version: open.version,
            xray_trace_id: open.trace_id,
            cost_usd,
            lines: open.lines,
            error: error_ref,
        })));
    }
}

/// Records a failure signal; the most severe one wins.
fn raise(open: &mut Open, outcome: Outcome, error_type: &str, message: Option<&str>) {
    let stronger = open
        .verdict
        .as_ref()
        .is_none_or(|v| outcome.severity() > v.outcome.severity());
    if stronger {
        open.verdict = Some(Verdict {
            outcome,
            error_type: error_type.to_owned(),
            message: message.map(|m| m.lines().next().unwrap_or("").chars().take(300).collect()),
        });
    } else if let Some(v) = open
        .verdict
        .as_mut()
        .filter(|v| v.outcome == outcome && v.message.is_none())
    {
        v.message = message.map(|m| m.lines().next().unwrap_or("").chars().take(300).collect());
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
