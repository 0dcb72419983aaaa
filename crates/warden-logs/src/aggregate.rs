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
use crate::metrics::{MetricPoint, MetricStats};
use crate::percentiles::{DurationDistribution, Method, Percentiles};
use crate::pricing::{CostModel, PRICE_TABLE_SOURCE, PRICE_TABLE_VERSION};
use crate::security::SecurityEvent;

pub const MAX_ERROR_GROUPS: usize = 10_000;
const SAMPLE_REQUEST_IDS: usize = 5;
const SECURITY_SAMPLES_PER_KIND: usize = 20;
const MAX_SECURITY_EVENTS: usize = 1_000;
/// Custom metric series kept (function × namespace × name × unit × dimensions).
pub const MAX_METRIC_SERIES: usize = 1_000;
/// Time buckets kept per metric series.
const MAX_METRIC_BUCKETS: usize = 10_000;
/// Width of a metric time bucket.
pub const METRIC_BUCKET_MS: i64 = 60_000;
/// Invocations with memory figures needed before a size is suggested.
const RIGHT_SIZING_MIN_INVOCATIONS: u64 = 10;

/// The analysis result. Field names are the API contract: add, never rename.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub functions: Vec<FunctionSummary>,
    pub error_groups: Vec<ErrorGroup>,
    pub security_events: Vec<SecurityEvent>,
    /// Custom metrics from Embedded Metric Format lines.
    pub metrics: Vec<MetricSeries>,
    pub totals: Totals,
    /// What Warden could not understand or had to guess, in words.
    pub warnings: Vec<String>,
}

/// One custom metric (EMF): totals and per-minute buckets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricSeries {
    pub function: String,
    pub namespace: String,
    pub name: String,
    pub unit: Option<String>,
    pub dimensions: BTreeMap<String, String>,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
    /// Width of each bucket in seconds.
    pub bucket_seconds: i64,
    pub buckets: Vec<MetricBucket>,
    /// Values without a time, or beyond the bucket cap, are in the totals only.
    pub unbucketed: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricBucket {
    #[serde(serialize_with = "serialize_ms")]
    pub start: i64,
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

fn serialize_ms<S: serde::Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serialize_time(&Some(*value), serializer)
}

/// Memory right-sizing for one function: how much of its configured memory it uses.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MemoryUse {
    /// The configured size most invocations ran with.
    pub configured_mb: Option<u32>,
    /// Nearest-rank percentiles of `Max Memory Used` over the invocations.
    pub max_used_p50_mb: Option<u32>,
    pub max_used_p99_mb: Option<u32>,
    pub max_used_mb: Option<u32>,
    /// A smaller size that still leaves headroom (max × 1.1 and p99 × 1.3, in 64 MB
    /// steps, at least 128 MB); `None` when the configured size is not larger.
    pub suggested_mb: Option<u32>,
    /// What the invocations seen would have cost less at the suggested size.
    pub estimated_saving_usd: Option<f64>,
    pub estimated_saving_percent: Option<f64>,
    pub note: &'static str,
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

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FunctionSummary {
    pub function: String,
    pub log_group: String,
    /// Every invocation seen, including incomplete ones.
    pub invocations: u64,
    pub failures: Failures,
    pub cold_starts: u64,
    /// SnapStart restores, counted apart from cold starts.
    pub snapstart_restores: u64,
    /// Environments initialised ahead of demand (not cold starts).
    pub proactive_inits: u64,
    /// Invocations without a REPORT (input ended, sandbox crashed, record lost).
    pub incomplete: u64,
    /// Invocations whose `Max Memory Used` reached `Memory Size` and were not reported as
    /// out of memory: likely out of memory, or about to be (docs/lambda-logs.md §2.3).
    /// Their outcome stays what Lambda reported.
    pub memory_at_limit: u64,
    pub duration_ms: Percentiles,
    /// `exact`, or `sketch` (within 1 %) past the per-function memory cap.
    pub percentiles: Method,
    pub billed_duration_ms_total: u64,
    pub max_memory_used_mb: Option<u32>,
    pub memory_size_mb: Option<u32>,
    pub cost_usd: f64,
    pub memory: MemoryUse,
    pub account: Option<String>,
    pub region: Option<String>,
    /// Versions and aliases seen.
    pub versions: Vec<String>,
    pub aliases: Vec<String>,
}

/// One occurrence of an error group, to look it up in X-Ray or the logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorSample {
    pub request_id: Option<String>,
    #[serde(serialize_with = "serialize_time")]
    pub timestamp: Option<i64>,
    pub xray_trace_id: Option<String>,
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
    pub samples: Vec<ErrorSample>,
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
    pub proactive_inits: u64,
    pub incomplete: u64,
    pub memory_at_limit: u64,
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
    proactive_inits: u64,
    incomplete: u64,
    memory_at_limit: u64,
    durations: DurationDistribution,
    billed_total: u64,
    max_memory_used: Option<u32>,
    memory_size: Option<u32>,
    cost: f64,
    /// `Max Memory Used` → invocations, for right-sizing percentiles.
    memory_used: BTreeMap<u32, u64>,
    /// Configured size → (invocations, billed ms), for the suggestion and its saving.
    memory_sizes: BTreeMap<u32, (u64, u64)>,
    account: Option<String>,
    region: Option<String>,
    versions: std::collections::BTreeSet<String>,
    aliases: std::collections::BTreeSet<String>,
}

#[derive(Default)]
struct SeriesState {
    total: MetricStats,
    buckets: BTreeMap<i64, MetricStats>,
    unbucketed: u64,
}

type SeriesKey = (
    String,
    String,
    String,
    Option<String>,
    BTreeMap<String, String>,
);

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
    metrics: BTreeMap<SeriesKey, SeriesState>,
    metric_points_dropped: u64,
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
            metrics: BTreeMap::new(),
            metric_points_dropped: 0,
        }
    }

    pub fn add(&mut self, item: &Emitted) {
        match item {
            Emitted::Invocation(invocation) => self.add_invocation(invocation),
            Emitted::Amended(amendment) => {
                self.count_invocation(&amendment.previous, -1);
                self.count_invocation(&amendment.current, 1);
            }
            Emitted::Error(error) => self.add_error(error),
            Emitted::Security(event) => self.add_security(event),
            Emitted::Metric(point) => self.add_metric(point),
        }
    }

    pub fn add_invocation(&mut self, invocation: &Invocation) {
        self.count_invocation(invocation, 1);
    }

    /// Adds (`sign` 1) or takes back (`sign` -1, the old version of an amended invocation)
    /// one invocation's contribution.
    fn count_invocation(&mut self, invocation: &Invocation, sign: i64) {
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
        let add = |counter: &mut u64, yes: bool| {
            if yes {
                *counter = counter.wrapping_add_signed(sign);
            }
        };
        add(&mut f.invocations, true);
        match invocation.outcome {
            Outcome::Success => {}
            Outcome::Error => add(&mut f.failures.error, true),
            Outcome::Timeout => add(&mut f.failures.timeout, true),
            Outcome::OutOfMemory => add(&mut f.failures.out_of_memory, true),
            Outcome::InitError => add(&mut f.failures.init_error, true),
            Outcome::Crash => add(&mut f.failures.crash, true),
        }
        add(&mut f.cold_starts, invocation.cold_start);
        add(&mut f.restores, invocation.snapstart_restore);
        add(&mut f.proactive_inits, invocation.proactive_init);
        add(&mut f.incomplete, !invocation.complete);
        add(&mut f.memory_at_limit, memory_at_limit(invocation));
        if let Some(d) = invocation.duration_ms {
            if sign > 0 {
                f.durations.add(d);
            } else {
                f.durations.remove(d);
            }
        }
        let billed = invocation.billed_duration_ms.unwrap_or(0);
        f.billed_total = f.billed_total.wrapping_add_signed(sign * billed as i64);
        if sign > 0 {
            if let Some(used) = invocation.max_memory_used_mb {
                f.max_memory_used = Some(f.max_memory_used.map_or(used, |m| m.max(used)));
            }
            if let Some(size) = invocation.memory_size_mb {
                f.memory_size = Some(f.memory_size.map_or(size, |m| m.max(size)));
            }
            if f.account.is_none() {
                f.account.clone_from(&invocation.account);
            }
            if f.region.is_none() {
                f.region.clone_from(&invocation.region);
            }
            if let Some(v) = &invocation.version {
                if f.versions.len() < 100 {
                    f.versions.insert(v.clone());
                }
            }
            if let Some(a) = &invocation.alias {
                if f.aliases.len() < 100 {
                    f.aliases.insert(a.clone());
                }
            }
        }
        if let Some(used) = invocation.max_memory_used_mb {
            let n = f.memory_used.entry(used).or_insert(0);
            *n = n.wrapping_add_signed(sign);
            if *n == 0 {
                f.memory_used.remove(&used);
            }
        }
        if let Some(size) = invocation.memory_size_mb {
            let (n, ms) = f.memory_sizes.entry(size).or_insert((0, 0));
            *n = n.wrapping_add_signed(sign);
            *ms = ms.wrapping_add_signed(sign * billed as i64);
        }
        f.cost += sign as f64 * invocation.cost_usd.unwrap_or(0.0);
    }

    pub fn add_metric(&mut self, point: &MetricPoint) {
        let key: SeriesKey = (
            point.function.clone(),
            point.namespace.clone(),
            point.name.clone(),
            point.unit.clone(),
            point.dimensions.clone(),
        );
        if !self.metrics.contains_key(&key) && self.metrics.len() >= MAX_METRIC_SERIES {
            self.metric_points_dropped += 1;
            return;
        }
        let series = self.metrics.entry(key).or_default();
        for &v in &point.values {
            series.total.add(v);
            let bucket = point
                .timestamp
                .map(|ts| ts.div_euclid(METRIC_BUCKET_MS) * METRIC_BUCKET_MS);
            match bucket {
                Some(start)
                    if series.buckets.contains_key(&start)
                        || series.buckets.len() < MAX_METRIC_BUCKETS =>
                {
                    series.buckets.entry(start).or_default().add(v);
                }
                _ => series.unbucketed += 1,
            }
        }
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
                    group.samples.push(ErrorSample {
                        request_id: Some(id.clone()),
                        timestamp: error.timestamp,
                        xray_trace_id: error.xray_trace_id.clone(),
                    });
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
                samples: vec![ErrorSample {
                    request_id: error.request_id.clone(),
                    timestamp: error.timestamp,
                    xray_trace_id: error.xray_trace_id.clone(),
                }],
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
                    proactive_inits: f.proactive_inits,
                    incomplete: f.incomplete,
                    memory_at_limit: f.memory_at_limit,
                    duration_ms: f.durations.percentiles(),
                    percentiles: f.durations.method(),
                    billed_duration_ms_total: f.billed_total,
                    max_memory_used_mb: f.max_memory_used,
                    memory_size_mb: f.memory_size,
                    cost_usd: round_cost(f.cost),
                    memory: memory_use(f, &self.cost),
                    account: f.account.clone(),
                    region: f.region.clone(),
                    versions: f.versions.iter().cloned().collect(),
                    aliases: f.aliases.iter().cloned().collect(),
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
            proactive_inits: sum(|f| f.proactive_inits),
            incomplete: sum(|f| f.incomplete),
            memory_at_limit: sum(|f| f.memory_at_limit),
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
        let metrics = self
            .metrics
            .iter()
            .map(
                |((function, namespace, name, unit, dimensions), s)| MetricSeries {
                    function: function.clone(),
                    namespace: namespace.clone(),
                    name: name.clone(),
                    unit: unit.clone(),
                    dimensions: dimensions.clone(),
                    count: s.total.count,
                    sum: s.total.sum,
                    min: s.total.min,
                    max: s.total.max,
                    bucket_seconds: METRIC_BUCKET_MS / 1000,
                    buckets: s
                        .buckets
                        .iter()
                        .map(|(&start, b)| MetricBucket {
                            start,
                            count: b.count,
                            sum: b.sum,
                            min: b.min,
                            max: b.max,
                        })
                        .collect(),
                    unbucketed: s.unbucketed,
                },
            )
            .collect();
        let warnings = warnings(&totals, self.metric_points_dropped);
        Report {
            functions,
            error_groups,
            security_events: self.security.clone(),
            metrics,
            totals,
            warnings,
        }
    }
}

/// `Max Memory Used` ≥ `Memory Size` on an invocation not already classified out of memory:
/// the usual signature of an OOM kill that Lambda reported otherwise, or of one to come.
pub fn memory_at_limit(invocation: &Invocation) -> bool {
    invocation.outcome != Outcome::OutOfMemory
        && matches!(
            (invocation.max_memory_used_mb, invocation.memory_size_mb),
            (Some(used), Some(size)) if used >= size
        )
}

const MEMORY_NOTE: &str = "estimate: assumes each invocation takes as long at the suggested size; Lambda gives CPU in proportion to memory, so CPU-bound code may run longer";

fn memory_use(f: &FunctionState, cost: &CostModel) -> MemoryUse {
    let total: u64 = f.memory_used.values().sum();
    let quantile = |q: f64| -> Option<u32> {
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        f.memory_used.iter().find_map(|(&mb, &n)| {
            seen += n;
            (seen >= rank).then_some(mb)
        })
    };
    let configured = f
        .memory_sizes
        .iter()
        .filter(|(_, (n, _))| *n > 0)
        .max_by_key(|(size, (n, _))| (*n, **size))
        .map(|(&size, _)| size);
    let (p50, p99, max) = (
        quantile(0.5),
        quantile(0.99),
        f.memory_used.keys().last().copied(),
    );
    let mut use_ = MemoryUse {
        configured_mb: configured,
        max_used_p50_mb: p50,
        max_used_p99_mb: p99,
        max_used_mb: max,
        suggested_mb: None,
        estimated_saving_usd: None,
        estimated_saving_percent: None,
        note: MEMORY_NOTE,
    };
    let (Some(configured), Some(p99), Some(max)) = (configured, p99, max) else {
        return use_;
    };
    if total < RIGHT_SIZING_MIN_INVOCATIONS {
        return use_;
    }
    let need = (f64::from(max) * 1.1).max(f64::from(p99) * 1.3);
    let suggested = ((need / 64.0).ceil() as u32 * 64).max(128);
    if suggested >= configured {
        return use_;
    }
    let billed = f.memory_sizes.get(&configured).map_or(0, |(_, ms)| *ms);
    let now = cost.invocation_cost(billed, configured);
    let then = cost.invocation_cost(billed, suggested);
    use_.suggested_mb = Some(suggested);
    use_.estimated_saving_usd = Some(round_cost(now - then));
    use_.estimated_saving_percent =
        Some(((1.0 - f64::from(suggested) / f64::from(configured)) * 1000.0).round() / 10.0);
    use_
}

/// Says in words what could not be understood, or what the counts rest on.
fn warnings(totals: &Totals, metric_points_dropped: u64) -> Vec<String> {
    let s = &totals.input;
    let mut out = Vec::new();
    if s.events == 0 && s.control_messages > 0 {
        out.push(format!(
            "only CloudWatch Logs control / health-check messages: no log events ({} CONTROL_MESSAGE payload{}, e.g. a subscription destination being checked)",
            s.control_messages,
            if s.control_messages == 1 { "" } else { "s" }
        ));
    }
    if totals.invocations == 0 && s.events > 0 {
        let lambda_lines = s.platform_records + s.request_id_lines;
        if lambda_lines == 0 && (totals.error_occurrences > 0 || s.emf_documents > 0) {
            out.push(format!(
                "no START/REPORT lines in {} events, so no invocation: only {} error reports and {} metric documents were read (a fragment or a filtered export?)",
                s.events, totals.error_occurrences, s.emf_documents
            ));
        } else if lambda_lines == 0 {
            out.push(format!(
                "no Lambda log lines recognised in {} events: expected START/END/REPORT lines, runtime lines with a request id, or platform.* records (is this a Lambda log, and is its format one of those listed by `warden logs analyze --help`?)",
                s.events
            ));
        } else {
            let mut why = Vec::new();
            if s.malformed_platform_lines > 0 {
                why.push(format!(
                    "{} START/REPORT lines could not be read (fields missing or cut)",
                    s.malformed_platform_lines
                ));
            }
            if s.ends > 0 {
                why.push(format!("{} END lines but no START or REPORT line", s.ends));
            }
            if s.request_id_lines > 0 {
                why.push(format!(
                    "{} lines carry a request id but no START or REPORT line names it (was the export filtered to application output?)",
                    s.request_id_lines
                ));
            }
            if why.is_empty() {
                why.push(format!(
                    "{} platform lines (INIT_START, EXTENSION, …) but no START or REPORT",
                    s.platform_records
                ));
            }
            out.push(format!(
                "Lambda log lines were recognised but no invocation could be assembled: {}",
                why.join("; ")
            ));
        }
    } else if s.malformed_platform_lines > 0 {
        out.push(format!(
            "{} START/REPORT lines could not be read and were skipped",
            s.malformed_platform_lines
        ));
    }
    if s.unmatched_starts > 0 {
        out.push(format!(
            "{} invocation{} never got a REPORT, while {} REPORT{} without a START came in the same stream: their request ids probably do not match (an edited or anonymised log?), so the same invocation may be counted twice (once open, once reported)",
            s.unmatched_starts,
            if s.unmatched_starts == 1 { "" } else { "s" },
            s.unmatched_reports,
            if s.unmatched_reports == 1 { "" } else { "s" },
        ));
    }
    if s.logs_dropped > 0 {
        out.push(format!(
            "the Telemetry API dropped {} records: counts may be low",
            s.logs_dropped
        ));
    }
    if s.duplicate_events > 0 {
        out.push(format!(
            "{} re-delivered events (same CloudWatch event id) were ignored",
            s.duplicate_events
        ));
    }
    if s.duplicate_records > 0 {
        out.push(format!(
            "{} START/REPORT lines were read twice (same request, same time) and counted once",
            s.duplicate_records
        ));
    }
    if s.reordered_inputs > 0 {
        out.push(format!(
            "{} inputs were newest first and were read in time order",
            s.reordered_inputs
        ));
    }
    if metric_points_dropped > 0 {
        out.push(format!(
            "{metric_points_dropped} custom metric points beyond {MAX_METRIC_SERIES} series were not kept"
        ));
    }
    out
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
/// Adding `0.0` turns the `-0.0` of an empty float sum into `0.0` (JSON prints the sign).
fn round_cost(cost: f64) -> f64 {
    (cost * 1e12).round() / 1e12 + 0.0
}
