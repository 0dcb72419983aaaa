//! The per-function picture: folds emitted invocations, errors and security events into
//! the report whose JSON shape is shared with the server's API.
//!
//! Memory is bounded: durations go to [`DurationDistribution`] (exact up to a cap, then a
//! sketch), error groups are capped at [`MAX_ERROR_GROUPS`], and security events keep a
//! few samples per (risk, kind, function) while counting all of them.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use warden_diagnostics::Risk;

use crate::assembler::{AssemblerStats, Emitted};
use crate::invocation::{serialize_time, ErrorOccurrence, Invocation, Outcome};
use crate::percentiles::{DurationDistribution, Method, Percentiles};
use crate::pricing::{CostModel, PRICE_TABLE_SOURCE, PRICE_TABLE_VERSION};
use crate::security::SecurityEvent;

pub const MAX_ERROR_GROUPS: usize = 10_000;
const SAMPLE_REQUEST_IDS: usize = 5;
const SECURITY_SAMPLES_PER_KIND: usize = 20;
const MAX_SECURITY_EVENTS: usize = 1_000;

/// The analysis result. Field names are the API contract: add, never rename.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub functions: Vec<FunctionSummary>,
    pub error_groups: Vec<ErrorGroup>,
    pub security_events: Vec<SecurityEvent>,
    pub totals: Totals,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Failures {
    pub error: u64,
    pub timeout: u64,
    pub out_of_memory: u64,
    pub init_error: u64,
    pub crash: u64,
}

impl Failures {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Success => {}
            Outcome::Error => self.error += 1,
            Outcome::Timeout => self.timeout += 1,
            Outcome::OutOfMemory => self.out_of_memory += 1,
            Outcome::InitError => self.init_error += 1,
            Outcome::Crash => self.crash += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.error + self.timeout + self.out_of_memory + self.init_error + self.crash
    }

    fn merge(&mut self, other: &Failures) {
        self.error += other.error;
        self.timeout += other.timeout;
        self.out_of_memory += other.out_of_memory;
        self.init_error += other.init_error;
        self.crash += other.crash;
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FunctionSummary {
    pub function: String,
    pub log_group: String,
    /// Every invocation seen, including incomplete ones.
    pub invocations: u64,
    pub failures: Failures,
    pub cold_starts: u64,
    /// SnapStart restores, counted apart from cold starts.
    pub snapstart_restores: u64,
    /// Invocations without a REPORT (input ended, sandbox crashed, record lost).
    pub incomplete: u64,
    pub duration_ms: Percentiles,
    /// `exact`, or `sketch` (within 1 %) past the per-function memory cap.
    pub percentiles: Method,
    pub billed_duration_ms_total: u64,
    pub max_memory_used_mb: Option<u32>,
    pub memory_size_mb: Option<u32>,
    pub cost_usd: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorGroup {
    pub fingerprint: String,
    pub function: String,
    pub error_type: String,
    /// The first occurrence's message (secrets redacted).
    pub message: String,
    /// The message with its variable parts masked: what makes occurrences one group.
    pub masked_message: String,
    pub count: u64,
    /// Occurrences that failed their invocation (the rest were logged and handled).
    pub unhandled: u64,
    #[serde(serialize_with = "serialize_time")]
    pub first_seen: Option<i64>,
    #[serde(serialize_with = "serialize_time")]
    pub last_seen: Option<i64>,
    pub sample_request_ids: Vec<String>,
    pub frames: Vec<String>,
    pub sample_stack: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PriceTable {
    pub version: &'static str,
    pub source: &'static str,
    pub architecture: &'static str,
    pub region: &'static str,
    pub note: &'static str,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Totals {
    pub functions: u64,
    pub invocations: u64,
    pub failures: Failures,
    pub failed_invocations: u64,
    pub cold_starts: u64,
    pub snapstart_restores: u64,
    pub incomplete: u64,
    pub billed_duration_ms_total: u64,
    pub cost_usd: f64,
    pub error_groups: u64,
    /// Groups beyond the cap, whose occurrences are counted here only.
    pub error_groups_dropped: u64,
    pub error_occurrences: u64,
    pub security_events: u64,
    pub security_events_by_risk: BTreeMap<String, u64>,
    /// `exact` when every function's percentiles are exact, else `sketch`.
    pub percentiles: Method,
    pub price_table: PriceTable,
    pub input: AssemblerStats,
    pub input_problems: u64,
}

#[derive(Default)]
struct FunctionState {
    log_group: String,
    invocations: u64,
    failures: Failures,
    cold_starts: u64,
    restores: u64,
    incomplete: u64,
    durations: DurationDistribution,
    billed_total: u64,
    max_memory_used: Option<u32>,
    memory_size: Option<u32>,
    cost: f64,
}

/// Folds [`Emitted`] items into a [`Report`].
pub struct Aggregator {
    cost: CostModel,
    functions: BTreeMap<String, FunctionState>,
    groups: HashMap<String, ErrorGroup>,
    groups_dropped: u64,
    occurrences: u64,
    security: Vec<SecurityEvent>,
    security_seen: HashMap<(Risk, &'static str, String), usize>,
    security_total: u64,
    security_by_risk: BTreeMap<String, u64>,
    exact_cap: usize,
}

impl Aggregator {
    pub fn new(cost: CostModel) -> Self {
        Aggregator::with_exact_cap(cost, crate::percentiles::EXACT_CAP)
    }

    /// Like [`Aggregator::new`] with a different cap on exact durations per function.
    pub fn with_exact_cap(cost: CostModel, exact_cap: usize) -> Self {
        Aggregator {
            cost,
            functions: BTreeMap::new(),
            groups: HashMap::new(),
            groups_dropped: 0,
            occurrences: 0,
            security: Vec::new(),
            security_seen: HashMap::new(),
            security_total: 0,
            security_by_risk: BTreeMap::new(),
            exact_cap,
        }
    }

    pub fn add(&mut self, item: &Emitted) {
        match item {
            Emitted::Invocation(invocation) => self.add_invocation(invocation),
            Emitted::Error(error) => self.add_error(error),
            Emitted::Security(event) => self.add_security(event),
        }
    }

    pub fn add_invocation(&mut self, invocation: &Invocation) {
        let exact_cap = self.exact_cap;
        let f = self
            .functions
            .entry(invocation.function.clone())
            .or_insert_with(|| FunctionState {
                durations: DurationDistribution::with_cap(exact_cap),
                ..FunctionState::default()
            });
        if f.log_group.is_empty() {
            f.log_group = invocation.log_group.clone();
        }
        f.invocations += 1;
        f.failures.add(invocation.outcome);
        f.cold_starts += u64::from(invocation.cold_start);
        f.restores += u64::from(invocation.snapstart_restore);
        f.incomplete += u64::from(!invocation.complete);
        if let Some(d) = invocation.duration_ms {
            f.durations.add(d);
        }
        f.billed_total += invocation.billed_duration_ms.unwrap_or(0);
        if let Some(used) = invocation.max_memory_used_mb {
            f.max_memory_used = Some(f.max_memory_used.map_or(used, |m| m.max(used)));
        }
        if let Some(size) = invocation.memory_size_mb {
            f.memory_size = Some(f.memory_size.map_or(size, |m| m.max(size)));
        }
        f.cost += invocation.cost_usd.unwrap_or(0.0);
    }

    pub fn add_error(&mut self, error: &ErrorOccurrence) {
        self.occurrences += 1;
        if let Some(group) = self.groups.get_mut(&error.fingerprint) {
            group.count += 1;
            group.unhandled += u64::from(error.unhandled);
            group.first_seen = min_time(group.first_seen, error.timestamp);
            group.last_seen = max_time(group.last_seen, error.timestamp);
            if let Some(id) = &error.request_id {
                if group.sample_request_ids.len() < SAMPLE_REQUEST_IDS
                    && !group.sample_request_ids.contains(id)
                {
                    group.sample_request_ids.push(id.clone());
                }
            }
            if group.sample_stack.is_empty() && !error.stack.is_empty() {
                group.sample_stack = error.stack.clone();
            }
            return;
        }
        if self.groups.len() >= MAX_ERROR_GROUPS {
            self.groups_dropped += 1;
            return;
        }
        self.groups.insert(
            error.fingerprint.clone(),
            ErrorGroup {
                fingerprint: error.fingerprint.clone(),
                function: error.function.clone(),
                error_type: error.error_type.clone(),
                message: error.message.clone(),
                masked_message: error.masked_message.clone(),
                count: 1,
                unhandled: u64::from(error.unhandled),
                first_seen: error.timestamp,
                last_seen: error.timestamp,
                sample_request_ids: error.request_id.iter().cloned().collect(),
                frames: error.frames.clone(),
                sample_stack: error.stack.clone(),
            },
        );
    }

    pub fn add_security(&mut self, event: &SecurityEvent) {
        self.security_total += 1;
        *self
            .security_by_risk
            .entry(event.risk.slug().to_owned())
            .or_insert(0) += 1;
        let seen = self
            .security_seen
            .entry((event.risk, event.kind, event.function.clone()))
            .or_insert(0);
        *seen += 1;
        if *seen <= SECURITY_SAMPLES_PER_KIND && self.security.len() < MAX_SECURITY_EVENTS {
            self.security.push(event.clone());
        }
    }

    /// The report so far. `stats` and `input_problems` come from the assembler and the
    /// decoders.
    pub fn report(&self, stats: &AssemblerStats, input_problems: u64) -> Report {
        let mut totals_failures = Failures::default();
        let mut method = Method::Exact;
        let functions: Vec<FunctionSummary> = self
            .functions
            .iter()
            .map(|(name, f)| {
                totals_failures.merge(&f.failures);
                if f.durations.method() == Method::Sketch {
                    method = Method::Sketch;
                }
                FunctionSummary {
                    function: name.clone(),
                    log_group: f.log_group.clone(),
                    invocations: f.invocations,
                    failures: f.failures.clone(),
                    cold_starts: f.cold_starts,
                    snapstart_restores: f.restores,
                    incomplete: f.incomplete,
                    duration_ms: f.durations.percentiles(),
                    percentiles: f.durations.method(),
                    billed_duration_ms_total: f.billed_total,
                    max_memory_used_mb: f.max_memory_used,
                    memory_size_mb: f.memory_size,
                    cost_usd: round_cost(f.cost),
                }
            })
            .collect();
        let mut error_groups: Vec<ErrorGroup> = self.groups.values().cloned().collect();
        error_groups.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.first_seen.cmp(&b.first_seen))
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        let sum = |get: fn(&FunctionSummary) -> u64| functions.iter().map(get).sum::<u64>();
        let totals = Totals {
            functions: functions.len() as u64,
            invocations: sum(|f| f.invocations),
            failed_invocations: totals_failures.total(),
            failures: totals_failures,
            cold_starts: sum(|f| f.cold_starts),
            snapstart_restores: sum(|f| f.snapstart_restores),
            incomplete: sum(|f| f.incomplete),
            billed_duration_ms_total: sum(|f| f.billed_duration_ms_total),
            cost_usd: round_cost(self.functions.values().map(|f| f.cost).sum()),
            error_groups: error_groups.len() as u64,
            error_groups_dropped: self.groups_dropped,
            error_occurrences: self.occurrences,
            security_events: self.security_total,
            security_events_by_risk: self.security_by_risk.clone(),
            percentiles: method,
            price_table: PriceTable {
                version: PRICE_TABLE_VERSION,
                source: PRICE_TABLE_SOURCE,
                architecture: self.cost.architecture.as_str(),
                region: self.cost.region,
                note: "list price: request + billed GB-seconds at tier 1; billed duration already includes INIT (since 2025-08-01) and SnapStart restore; free tier, volume tiers and ephemeral storage not applied",
            },
            input: stats.clone(),
            input_problems,
        };
        Report {
            functions,
            error_groups,
            security_events: self.security.clone(),
            totals,
        }
    }
}

fn min_time(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_time(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Costs are reported to 10⁻¹² dollars (a request costs 2·10⁻⁷), so sums print stably.
fn round_cost(cost: f64) -> f64 {
    (cost * 1e12).round() / 1e12
}
