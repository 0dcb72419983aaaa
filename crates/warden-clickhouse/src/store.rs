//! [`ClickHouseStore`]: the [`Store`] trait over ClickHouse's HTTP interface.
//!
//! Writes are idempotent like SQLite's: an invocation is inserted only when its key is not
//! stored yet, occurrences and security events carry content keys and live in
//! `ReplacingMergeTree` tables (reads use `FINAL`), and a delivery id is remembered in
//! `ingest_requests`. Rollups are never written by Warden: materialized views fold every
//! invocation row (sign +1, or −1 for a cancelled first version) into aggregate states.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use warden_logs::time::format_millis;
use warden_logs::{Emitted, Invocation, MetricStats, Sketch};
use warden_server::alert_rules::{AlertRuleSpec, AlertState};
use warden_server::store::{
    AlertEvent, AlertRule, AlertUpdate, CustomMetric, ErrorGroupDetail, ErrorGroupRecord,
    FindingRecord, FunctionRollup, GroupQuery, GroupStatus, InvocationDetail, InvocationQuery,
    InvocationRecord, LineQuery, LineRecord, MetricBucket, OccurrenceRecord, OccurrenceSeries,
    PollCheckpoint, RetentionPolicy, RetentionReport, SecurityEventRecord, SecurityGroup,
    SecurityQuery, SeriesBucket, Sparkline, Store, StoreError, StoreResult, StoreStats, StoredLine,
    StreamMark, Window, WriteBatch, WriteSummary, MAX_CUSTOM_METRICS,
};

use crate::http::{quote, ClickHouseUrl, Http};
use crate::schema::{Features, Layout, NO_MINIMUM, SCHEMA_VERSION, STAGED_PARTITION, TIERS};

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
/// Buckets one series answer holds at most (as SQLite's).
const MAX_SERIES_BUCKETS: i64 = 10_000;
/// A sketch holds its values, and answers exactly, up to this many (warden_logs).
const SKETCH_EXACT_LIMIT: i64 = warden_logs::percentiles::SKETCH_EXACT_LIMIT as i64;

pub struct ClickHouseStore {
    http: Http,
    layout: Layout,
    /// Versions for `ReplacingMergeTree` rows: strictly increasing in this process and
    /// seeded from the clock, so a later write from any node wins.
    version: AtomicI64,
    /// Staged events before this (µs) are assembled (see [`STAGED_MARGIN_US`]).
    staged_low_water: AtomicI64,
    /// One write at a time from this process (the pipeline thread is the only writer;
    /// the lock keeps the amendment read-then-write steps of one batch together).
    writer: Mutex<()>,
}

fn now_ms() -> i64 {
    warden_server::clock::now_ms()
}

/// Keys per existence lookup: 4 000 quoted 32-digit keys are about 144 KB of SQL.
const KEYS_PER_LOOKUP: usize = 4_000;

/// The conditions that confine a lookup of stored rows to where they can be, so that it
/// reads a few partitions and key ranges instead of the whole table: `column IN (values)`
/// (a sorting key prefix), and `at_ms` within `margin` of `times` when every candidate has
/// a time (a row's `at_ms` is derived from the same times as its key; without one it is
/// the arrival time, which a replay does not repeat, so the lookup reads everything).
fn narrowing(
    column: Option<(&str, &mut dyn Iterator<Item = &str>)>,
    times: &mut dyn Iterator<Item = Option<i64>>,
    margin: i64,
) -> String {
    let mut out = String::new();
    if let Some((column, values)) = column {
        let values: std::collections::BTreeSet<&str> = values.collect();
        if !values.is_empty() {
            let list = values
                .iter()
                .map(|v| quote(v))
                .collect::<Vec<_>>()
                .join(", ");
            out.push_str(&format!(" AND {column} IN ({list})"));
        }
    }
    let mut range: Option<(i64, i64)> = None;
    for time in times {
        let Some(time) = time else {
            return out;
        };
        range = Some(range.map_or((time, time), |(a, b)| (a.min(time), b.max(time))));
    }
    if let Some((first, last)) = range {
        out.push_str(&format!(
            " AND at_ms >= {} AND at_ms <= {}",
            first.saturating_sub(margin),
            last.saturating_add(margin)
        ));
    }
    out
}

/// A stable 63-bit id from a text key (ClickHouse has no autoincrement).
fn id_of(key: &str) -> i64 {
    let digest = Sha256::digest(key.as_bytes());
    (u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")) >> 1) as i64
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    let bytes = hasher.finalize();
    bytes[..12].iter().map(|b| format!("{b:02x}")).collect()
}

fn time(ms: Option<i64>) -> Option<String> {
    ms.map(format_millis)
}

fn backend(error: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(error.to_string())
}

fn invocation_time(invocation: &Invocation, received_at_ms: i64) -> i64 {
    invocation
        .end
        .or(invocation.start)
        .unwrap_or(received_at_ms)
}

/// The bucket a duration falls in, as `warden_logs::Sketch` computes it: `None` below
/// the smallest tracked value (the sketch's zeros).
fn sketch_bucket(value: f64) -> Option<i16> {
    let gamma: f64 = 1.01 / 0.99;
    (value >= 1e-3).then(|| {
        ((value.ln() / gamma.ln()).ceil() as i32).clamp(i16::MIN as i32, i16::MAX as i32) as i16
    })
}

/// One `invocations` row: `sign` +1 stores a version, −1 cancels it. `sketched` is the
/// duration this row adds to the rollup sketch (sketches cannot forget a value).
fn invocation_row(
    invocation: &Invocation,
    at_ms: i64,
    sign: i8,
    sketched: Option<f64>,
    kept: Option<f64>,
) -> StoreResult<Value> {
    let sketch_ms = kept.or(sketched).unwrap_or(-1.0);
    let bucket = kept.or(sketched).and_then(sketch_bucket);
    Ok(json!({
        "id": id_of(&invocation.key),
        "invocation_key": invocation.key,
        "sign": sign,
        "at_ms": at_ms,
        "function": invocation.function,
        "log_group": invocation.log_group,
        "request_id": invocation.request_id,
        "outcome": invocation.outcome.as_str(),
        "complete": u8::from(invocation.complete),
        "cold_start": u8::from(invocation.cold_start),
        "snapstart_restore": u8::from(invocation.snapstart_restore),
        "memory_at_limit": u8::from(warden_logs::aggregate::memory_at_limit(invocation)),
        "billed_ms": invocation.billed_duration_ms.unwrap_or(0),
        "cost_usd": invocation.cost_usd.unwrap_or(0.0),
        "max_memory_used_mb": invocation.max_memory_used_mb.unwrap_or(0),
        "memory_size_mb": invocation.memory_size_mb.unwrap_or(0),
        "duration_ms": invocation.duration_ms.unwrap_or(-1.0),
        "sketch_ms": sketch_ms,
        "sketch_new": u8::from(sign > 0 && sketched.is_some()),
        "sketch_bucket": bucket.unwrap_or(0),
        "sketch_zero": u8::from(bucket.is_none()),
        "error_fingerprint": invocation.error.as_ref().map(|e| e.fingerprint.as_str()).unwrap_or(""),
        "body": serde_json::to_string(invocation).map_err(backend)?,
    }))
}

#[derive(Deserialize)]
struct StoredInvocation {
    id: i64,
    at_ms: i64,
    duration_ms: f64,
    sketch_ms: f64,
    body: String,
}

impl StoredInvocation {
    fn invocation(&self) -> StoreResult<Invocation> {
        serde_json::from_str(&self.body).map_err(backend)
    }

    fn record(&self) -> StoreResult<InvocationRecord> {
        Ok(InvocationRecord {
            id: self.id,
            invocation: self.invocation()?,
        })
    }
}

const INVOCATION_READ: &str = "id, at_ms, duration_ms, sketch_ms, body";

/// Rollup columns read back with `-Merge`.
const ROLLUP_MERGE: &str = "anyMerge(log_group) AS log_group, sumMerge(invocations) AS invocations, sumMerge(error) AS error, sumMerge(timeout) AS timeout, sumMerge(out_of_memory) AS out_of_memory, sumMerge(init_error) AS init_error, sumMerge(crash) AS crash, sumMerge(cold_starts) AS cold_starts, sumMerge(snapstart_restores) AS snapstart_restores, sumMerge(memory_at_limit) AS memory_at_limit, sumMerge(incomplete) AS incomplete, sumMerge(billed_ms) AS billed_ms, sumMerge(cost_usd) AS cost_usd, maxMerge(max_memory_used_mb) AS max_memory_used_mb, maxMerge(memory_size_mb) AS memory_size_mb, maxMerge(duration_max_ms) AS duration_max_ms, sumMerge(sketch_count) AS sketch_count, minMerge(sketch_min) AS sketch_min, maxMerge(sketch_max) AS sketch_max, sumMerge(sketch_zeros) AS sketch_zeros, sumMapMerge(sketch_buckets) AS sketch_buckets";

#[derive(Deserialize, Default)]
struct RollupRow {
    function: String,
    /// The step a series row falls in.
    #[serde(default)]
    point: i64,
    log_group: String,
    invocations: i64,
    error: i64,
    timeout: i64,
    out_of_memory: i64,
    init_error: i64,
    crash: i64,
    cold_starts: i64,
    snapstart_restores: i64,
    memory_at_limit: i64,
    incomplete: i64,
    billed_ms: i64,
    cost_usd: f64,
    max_memory_used_mb: u32,
    memory_size_mb: u32,
    duration_max_ms: f64,
    sketch_count: i64,
    sketch_min: f64,
    sketch_max: f64,
    sketch_zeros: i64,
    sketch_buckets: (Vec<i16>, Vec<i64>),
}

impl RollupRow {
    /// The rollup with a bucketed sketch (exact values are filled in by the caller).
    fn rollup(&self) -> FunctionRollup {
        let n = |v: i64| v.max(0) as u64;
        FunctionRollup {
            function: self.function.clone(),
            log_group: self.log_group.clone(),
            invocations: n(self.invocations),
            error: n(self.error),
            timeout: n(self.timeout),
            out_of_memory: n(self.out_of_memory),
            init_error: n(self.init_error),
            crash: n(self.crash),
            cold_starts: n(self.cold_starts),
            snapstart_restores: n(self.snapstart_restores),
            memory_at_limit: n(self.memory_at_limit),
            incomplete: n(self.incomplete),
            billed_ms: n(self.billed_ms),
            cost_usd: self.cost_usd.max(0.0),
            max_memory_used_mb: (self.max_memory_used_mb > 0).then_some(self.max_memory_used_mb),
            memory_size_mb: (self.memory_size_mb > 0).then_some(self.memory_size_mb),
            duration_max_ms: (self.duration_max_ms >= 0.0).then_some(self.duration_max_ms),
            durations: self.bucketed_sketch(),
        }
    }

    /// The sketch from bucket counts, through `Sketch`'s own byte form.
    fn bucketed_sketch(&self) -> Sketch {
        if self.sketch_count <= 0 || self.sketch_min >= NO_MINIMUM {
            return Sketch::default();
        }
        let mut bytes = vec![2u8];
        bytes.extend_from_slice(&(self.sketch_count as u64).to_le_bytes());
        bytes.extend_from_slice(&self.sketch_min.to_le_bytes());
        bytes.extend_from_slice(&self.sketch_max.to_le_bytes());
        bytes.extend_from_slice(&(self.sketch_zeros as u64).to_le_bytes());
        for (index, count) in self.sketch_buckets.0.iter().zip(&self.sketch_buckets.1) {
            bytes.extend_from_slice(&index.to_le_bytes());
            bytes.extend_from_slice(&(*count as u32).to_le_bytes());
        }
        Sketch::decode(&bytes).unwrap_or_default()
    }
}

/// The bucket ranges per tier that cover `[from_ms, to_ms)` exactly (both on minutes),
/// the coarsest tier wherever whole buckets fit: `(table, width, first, end)`.
fn cover(from_ms: i64, to_ms: i64) -> Vec<(&'static str, i64, i64, i64)> {
    fn split(tier: usize, from_ms: i64, to_ms: i64, out: &mut Vec<(&'static str, i64, i64, i64)>) {
        if from_ms >= to_ms {
            return;
        }
        let (table, width) = TIERS[tier];
        if tier == TIERS.len() - 1 {
            out.push((table, width, from_ms / width, to_ms / width));
            return;
        }
        let first = from_ms.div_euclid(width) + i64::from(from_ms.rem_euclid(width) != 0);
        let end = to_ms.div_euclid(width);
        if first < end {
            out.push((table, width, first, end));
            split(tier + 1, from_ms, first * width, out);
            split(tier + 1, end * width, to_ms, out);
        } else {
            split(tier + 1, from_ms, to_ms, out);
        }
    }
    let mut out = Vec::new();
    split(0, from_ms, to_ms, &mut out);
    out
}

/// A window widened to whole minutes, the rollups' finest grain.
fn minute_window(window: Window) -> (i64, i64) {
    let from = window.from_ms.div_euclid(MINUTE_MS) * MINUTE_MS;
    let to = (window.to_ms.div_euclid(MINUTE_MS)
        + i64::from(window.to_ms.rem_euclid(MINUTE_MS) != 0))
        * MINUTE_MS;
    (from, to)
}

fn series_tier(step_ms: i64) -> (&'static str, i64) {
    TIERS
        .into_iter()
        .find(|&(_, width)| step_ms % width == 0)
        .unwrap_or(TIERS[TIERS.len() - 1])
}

#[derive(Deserialize)]
struct OccurrenceRow {
    id: i64,
    request_id: Option<String>,
    ts: Option<i64>,
    error_type: String,
    message: String,
    stack: String,
    unhandled: u8,
}

impl OccurrenceRow {
    fn record(&self) -> OccurrenceRecord {
        OccurrenceRecord {
            id: self.id,
            request_id: self.request_id.clone(),
            timestamp: time(self.ts),
            error_type: self.error_type.clone(),
            message: self.message.clone(),
            stack: serde_json::from_str(&self.stack).unwrap_or_default(),
            unhandled: self.unhandled != 0,
        }
    }
}

const OCCURRENCE_READ: &str = "id, request_id, ts, error_type, message, stack, unhandled";

#[derive(Deserialize)]
struct GroupRow {
    fingerprint: String,
    function: String,
    error_type: String,
    message: String,
    masked_message: String,
    frames: String,
    count: u64,
    unhandled: u64,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    sample_stack: String,
    status: String,
    resolved_at: Option<i64>,
    regressions: u64,
}

impl GroupRow {
    fn record(&self) -> ErrorGroupRecord {
        ErrorGroupRecord {
            fingerprint: self.fingerprint.clone(),
            function: self.function.clone(),
            error_type: self.error_type.clone(),
            message: self.message.clone(),
            masked_message: self.masked_message.clone(),
            count: self.count,
            unhandled: self.unhandled,
            first_seen: time(self.first_seen),
            last_seen: time(self.last_seen),
            frames: serde_json::from_str(&self.frames).unwrap_or_default(),
            sample_stack: serde_json::from_str(&self.sample_stack).unwrap_or_default(),
            status: GroupStatus::parse(&self.status).unwrap_or(GroupStatus::Open),
            resolved_at: time(self.resolved_at),
            regressions: self.regressions,
            in_window: None,
        }
    }
}

#[derive(Deserialize)]
struct SecurityRow {
    id: i64,
    risk: String,
    kind: String,
    function: String,
    request_id: Option<String>,
    ts: Option<i64>,
    detail: String,
}

impl SecurityRow {
    fn record(&self) -> SecurityEventRecord {
        SecurityEventRecord {
            id: self.id,
            risk: self.risk.clone(),
            kind: self.kind.clone(),
            function: self.function.clone(),
            request_id: self.request_id.clone(),
            timestamp: time(self.ts),
            detail: self.detail.clone(),
        }
    }
}

const SECURITY_READ: &str = "id, risk, kind, function, request_id, ts, detail";

#[derive(Deserialize)]
struct LineRow {
    id: i64,
    ts: Option<i64>,
    log_group: String,
    log_stream: String,
    function: String,
    request_id: Option<String>,
    event_id: Option<String>,
    message: String,
}

impl LineRow {
    fn record(&self) -> LineRecord {
        LineRecord {
            id: self.id,
            timestamp: time(self.ts),
            function: self.function.clone(),
            log_stream: self.log_stream.clone(),
            request_id: self.request_id.clone(),
            message: self.message.clone(),
        }
    }
}

const LINE_READ: &str = "id, ts, log_group, log_stream, function, request_id, event_id, message";

#[derive(Deserialize)]
struct AlertRuleRow {
    id: i64,
    spec: String,
    state: String,
    last_value: Option<f64>,
    last_notified_at: Option<i64>,
    cursor_at: i64,
    created_at: i64,
    updated_at: i64,
}

impl AlertRuleRow {
    fn rule(&self) -> StoreResult<AlertRule> {
        let spec: AlertRuleSpec = serde_json::from_str(&self.spec).map_err(backend)?;
        Ok(AlertRule {
            id: self.id,
            spec,
            state: AlertState::parse(&self.state).unwrap_or(AlertState::Ok),
            last_value: self.last_value,
            last_notified_at_ms: self.last_notified_at,
            cursor_at_ms: self.cursor_at,
            created_at: time(Some(self.created_at)).unwrap_or_default(),
            updated_at: time(Some(self.updated_at)).unwrap_or_default(),
        })
    }
}

impl ClickHouseStore {
    /// Connects, reads the server's version and checks that the schema is there (run
    /// `warden store migrate` first).
    pub fn open(url: &ClickHouseUrl, cluster: Option<&str>) -> StoreResult<ClickHouseStore> {
        let store = Self::connect(url, cluster)?;
        let applied: Vec<Value> = store
            .http
            .rows(&format!(
                "SELECT max(version) AS v FROM {}",
                store.layout.table("schema_migrations")
            ))
            .map_err(|e| {
                StoreError::Migration(format!(
                    "the schema is missing or unreadable (run `warden store migrate`): {e}"
                ))
            })?;
        let version = applied
            .first()
            .and_then(|row| row["v"].as_u64())
            .unwrap_or(0);
        if version < u64::from(SCHEMA_VERSION) {
            return Err(StoreError::Migration(format!(
                "schema version {version}, this warden needs {SCHEMA_VERSION}: run `warden store migrate`"
            )));
        }
        // Reading a cluster's shards as one table, or one shard's tables as the whole,
        // would answer wrongly without any error: the layout must be the migrated one.
        let engines: Vec<Value> = store.http.rows(&format!(
            "SELECT engine FROM system.tables WHERE database = {} AND name = 'schema_migrations'",
            quote(&store.layout.database)
        ))?;
        let distributed = engines
            .first()
            .is_some_and(|row| row["engine"].as_str() == Some("Distributed"));
        match (&store.layout.cluster, distributed) {
            (Some(cluster), false) => {
                return Err(StoreError::Migration(format!(
                    "the database `{}` was migrated without --clickhouse-cluster, not on cluster `{cluster}`",
                    store.layout.database
                )))
            }
            (None, true) => {
                return Err(StoreError::Migration(format!(
                    "the database `{}` was migrated on a cluster: pass its name with --clickhouse-cluster",
                    store.layout.database
                )))
            }
            _ => {}
        }
        Ok(store)
    }

    /// Connects without checking the schema.
    pub fn connect(url: &ClickHouseUrl, cluster: Option<&str>) -> StoreResult<ClickHouseStore> {
        let mut http = Http::new(url.clone())?;
        let version = http.text("SELECT version()")?;
        if let Some(cluster) = cluster {
            crate::schema::check_cluster_name(cluster).map_err(StoreError::Backend)?;
            let known = http.text(&format!(
                "SELECT count() FROM system.clusters WHERE cluster = {}",
                quote(cluster)
            ))?;
            if known.trim() == "0" {
                return Err(StoreError::Backend(format!(
                    "ClickHouse at {} has no cluster `{cluster}` in its remote_servers",
                    url.endpoint
                )));
            }
            // An insert into a `Distributed` table returns once every shard has its rows
            // (by default it queues them for a background send): acknowledged data is on
            // its shard, and a read right after a write (leases, positions) sees it.
            http.set("insert_distributed_sync", "1");
        }
        let layout = Layout {
            database: url.database.clone(),
            cluster: cluster.map(str::to_owned),
            features: Features::of_version(version.trim()),
        };
        Ok(ClickHouseStore {
            http,
            layout,
            version: AtomicI64::new(now_ms() * 1000),
            staged_low_water: AtomicI64::new(0),
            writer: Mutex::new(()),
        })
    }

    /// Logs every statement from now on (see [`Http::log_to`]).
    pub fn log_statements(&mut self, file: std::fs::File) {
        self.http.log_to(file);
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Creates or upgrades the schema; returns the statements run.
    pub fn migrate(&self) -> StoreResult<Vec<String>> {
        let statements = self.layout.statements();
        for statement in &statements {
            self.http
                .execute(statement)
                .map_err(|e| StoreError::Migration(e.to_string()))?;
        }
        self.http.insert(
            &self.layout.table("schema_migrations"),
            &[json!({"version": SCHEMA_VERSION, "applied_at": now_ms()})],
        )?;
        Ok(statements)
    }

    fn next_version(&self) -> i64 {
        self.next_versions(1)
    }

    /// The first of `count` consecutive versions, all after any handed out before.
    fn next_versions(&self, count: usize) -> i64 {
        let floor = now_ms() * 1000;
        let count = i64::try_from(count.max(1)).unwrap_or(i64::MAX);
        let mut current = self.version.load(Ordering::Relaxed);
        loop {
            let first = (current + 1).max(floor);
            let last = first.saturating_add(count - 1);
            match self
                .version
                .compare_exchange(current, last, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return first,
                Err(seen) => current = seen,
            }
        }
    }

    fn t(&self, name: &str) -> String {
        self.layout.table(name)
    }

    fn rows<T: serde::de::DeserializeOwned>(&self, sql: &str) -> StoreResult<Vec<T>> {
        self.http.rows(sql)
    }

    /// The per-node positions up to which staged events are assembled, as stored.
    fn stored_positions(&self) -> StoreResult<warden_server::store::AssemblyPositions> {
        #[derive(Deserialize)]
        struct Row {
            node: String,
            position: i64,
        }
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT node, position FROM {} FINAL",
            self.t("assembly_positions")
        ))?;
        Ok(rows.into_iter().map(|r| (r.node, r.position)).collect())
    }

    /// Staged events of one staging day (`YYYYMMDD`) after `positions`: not yet assembled.
    fn unassembled_on(
        &self,
        day: u32,
        positions: &warden_server::store::AssemblyPositions,
    ) -> StoreResult<u64> {
        self.count(&format!(
            "SELECT count() AS n FROM {} WHERE {STAGED_PARTITION} = {day} AND id > {}",
            self.t("staged"),
            position_expression(positions)
        ))
    }

    fn count(&self, sql: &str) -> StoreResult<u64> {
        let rows: Vec<Value> = self.rows(sql)?;
        Ok(rows
            .first()
            .and_then(|row| row.as_object()?.values().next()?.as_u64())
            .unwrap_or(0))
    }

    /// Keys among `keys` already stored in a table's `column`, looking only where
    /// `narrow` (from [`narrowing`]) says they can be.
    fn existing(
        &self,
        table: &str,
        column: &str,
        keys: &[String],
        narrow: &str,
    ) -> StoreResult<HashSet<String>> {
        let mut found = HashSet::new();
        // A few thousand keys per query: a statement may not exceed `max_query_size`
        // (256 KiB by default), and one assembler round can produce tens of thousands.
        for chunk in keys.chunks(KEYS_PER_LOOKUP) {
            let list = chunk
                .iter()
                .map(|k| quote(k))
                .collect::<Vec<_>>()
                .join(", ");
            let rows: Vec<Value> = self.rows(&format!(
                "SELECT DISTINCT {column} AS k FROM {} WHERE {column} IN ({list}){narrow}",
                self.t(table)
            ))?;
            found.extend(
                rows.iter()
                    .filter_map(|row| row["k"].as_str().map(str::to_owned)),
            );
        }
        Ok(found)
    }

    /// The stored (uncancelled) version of an invocation, found by the key of a later one.
    fn stored_invocation(&self, later: &Invocation) -> StoreResult<Option<StoredInvocation>> {
        let narrow = narrowing(
            Some(("function", &mut std::iter::once(later.function.as_str()))),
            &mut std::iter::once(later.end.or(later.start)),
            DAY_MS,
        );
        let mut rows: Vec<StoredInvocation> = self.rows(&format!(
            "SELECT {INVOCATION_READ} FROM {} FINAL WHERE invocation_key = {}{narrow} AND sign = 1 LIMIT 1",
            self.t("invocations"),
            quote(&later.key)
        ))?;
        Ok(rows.pop())
    }

    /// Folds the rollups of `[from_ms, to_ms)` per function from the coarsest tiers.
    fn fold_window(
        &self,
        window: Window,
        function: Option<&str>,
    ) -> StoreResult<Vec<FunctionRollup>> {
        let (from, to) = minute_window(window);
        let parts: Vec<String> = cover(from, to)
            .into_iter()
            .map(|(table, _, first, end)| {
                let only = function
                    .map(|f| format!(" AND function = {}", quote(f)))
                    .unwrap_or_default();
                format!(
                    "SELECT * FROM {} WHERE bucket >= {first} AND bucket < {end}{only}",
                    self.t(table)
                )
            })
            .collect();
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<RollupRow> = self.rows(&format!(
            "SELECT function, {ROLLUP_MERGE} FROM ({}) GROUP BY function HAVING invocations > 0 ORDER BY function",
            parts.join(" UNION ALL ")
        ))?;
        let mut rollups: Vec<FunctionRollup> = rows.iter().map(RollupRow::rollup).collect();
        // Small samples are exact, as SQLite's sketches are: read their durations.
        let small: Vec<String> = rows
            .iter()
            .filter(|row| row.sketch_count > 0 && row.sketch_count <= SKETCH_EXACT_LIMIT)
            .map(|row| quote(&row.function))
            .collect();
        if !small.is_empty() {
            let exact =
                self.exact_durations(&format!("function IN ({})", small.join(", ")), from, to)?;
            for rollup in &mut rollups {
                if let Some(values) = exact.get(&(rollup.function.clone(), 0)) {
                    rollup.durations = sketch_of(values);
                }
            }
        }
        Ok(rollups)
    }

    /// Durations the rollup sketches hold, per (function, bucket of `width`… 0 for none).
    fn exact_durations(
        &self,
        filter: &str,
        from: i64,
        to: i64,
    ) -> StoreResult<HashMap<(String, i64), Vec<f64>>> {
        self.exact_durations_by(filter, from, to, None)
    }

    fn exact_durations_by(
        &self,
        filter: &str,
        from: i64,
        to: i64,
        step: Option<(i64, i64)>,
    ) -> StoreResult<HashMap<(String, i64), Vec<f64>>> {
        #[derive(Deserialize)]
        struct Row {
            function: String,
            bucket: i64,
            values: Vec<f64>,
        }
        let bucket = match step {
            Some((origin, step)) => format!("intDiv(at_ms - {origin}, {step})"),
            None => "toInt64(0)".to_owned(),
        };
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT function, {bucket} AS bucket, groupArray(sketch_ms) AS values FROM {} FINAL WHERE {filter} AND at_ms >= {from} AND at_ms < {to} AND sketch_ms >= 0 GROUP BY function, bucket",
            self.t("invocations")
        ))?;
        Ok(rows
            .into_iter()
            .map(|row| ((row.function, row.bucket), row.values))
            .collect())
    }

    fn group_rows(&self, filter: &str, order_limit: &str) -> StoreResult<Vec<GroupRow>> {
        let occurrences = self.t("error_occurrences");
        // One JOIN per SELECT: 18.16 supports no more.
        let sql = format!(
            "SELECT fingerprint, function, error_type, message, masked_message, frames, created_at, count, unhandled, first_seen, last_seen, sample_stack, status, resolved_at, regressions FROM (
                SELECT fingerprint, function, error_type, message, masked_message, frames, created_at, count, unhandled, first_seen, last_seen, sample_stack FROM (SELECT fingerprint, function, error_type, message, masked_message, frames, created_at FROM {groups} FINAL) AS g
                ANY LEFT JOIN (SELECT fingerprint, toUInt64(count()) AS count, toUInt64(sum(unhandled)) AS unhandled, min(ts) AS first_seen, max(ts) AS last_seen,
                                      if(countIf(stack != '[]') > 0, argMinIf(stack, seq, stack != '[]'), '[]') AS sample_stack
                               FROM {occurrences} FINAL GROUP BY fingerprint) AS o USING fingerprint) AS go
             ANY LEFT JOIN (SELECT fingerprint, status, resolved_at, regressions FROM {status} FINAL) AS s USING fingerprint
             WHERE {filter} {order_limit}",
            groups = self.t("error_groups"),
            status = self.t("error_group_status"),
        );
        self.rows(&sql)
    }

    fn status_row(
        &self,
        fingerprint: &str,
        status: &str,
        resolved_at: Option<i64>,
        regressions: u64,
    ) -> Value {
        json!({
            "fingerprint": fingerprint,
            "status": status,
            "resolved_at": resolved_at,
            "regressions": regressions,
            "version": self.next_version(),
        })
    }

    fn security_filter(&self, query: &SecurityQuery) -> String {
        let mut filter = String::from("1 = 1");
        if let Some(function) = &query.function {
            filter.push_str(&format!(" AND function = {}", quote(function)));
        }
        if let Some(risk) = &query.risk {
            filter.push_str(&format!(" AND risk = {}", quote(risk)));
        }
        if let Some(window) = query.window {
            filter.push_str(&format!(
                " AND at_ms >= {} AND at_ms < {}",
                window.from_ms, window.to_ms
            ));
        }
        if let Some(after) = query.received_after_ms {
            filter.push_str(&format!(" AND received_at > {after}"));
        }
        filter
    }

    fn write_items(&self, batch: &WriteBatch, summary: &mut WriteSummary) -> StoreResult<()> {
        let received = batch.received_at_ms;
        let mut invocations = Vec::new();
        let mut keys = Vec::new();
        let mut occurrences = Vec::new();
        let mut occurrence_keys = Vec::new();
        let mut security = Vec::new();
        let mut security_keys = Vec::new();
        let mut metrics = Vec::new();
        let mut metric_seq: HashMap<Option<i64>, i64> = HashMap::new();
        let mut amendments = Vec::new();
        for item in &batch.items {
            match &item.item {
                Emitted::Invocation(invocation) => {
                    keys.push(invocation.key.clone());
                    invocations.push(invocation.as_ref());
                }
                Emitted::Amended(amendment) => amendments.push(amendment.as_ref()),
                Emitted::Error(error) => {
                    let ts = error.timestamp.map(|t| t.to_string()).unwrap_or_default();
                    let key = digest(&[
                        &error.fingerprint,
                        &error.function,
                        error.request_id.as_deref().unwrap_or(""),
                        &ts,
                        &error.message,
                        &error.stack.join("\n"),
                    ]);
                    occurrence_keys.push(key.clone());
                    occurrences.push((key, error.as_ref()));
                }
                Emitted::Security(event) => {
                    let origin = item.origin_line.map(|l| l.to_string()).unwrap_or_default();
                    let ts = event.timestamp.map(|t| t.to_string()).unwrap_or_default();
                    let key = digest(&[
                        event.kind,
                        event.risk.slug(),
                        &event.function,
                        event.request_id.as_deref().unwrap_or(""),
                        &ts,
                        &event.detail,
                        &origin,
                    ]);
                    security_keys.push(key.clone());
                    security.push((key, event.as_ref()));
                }
                Emitted::Metric(point) => {
                    let seq = metric_seq.entry(item.origin_line).or_insert(0);
                    let place = *seq;
                    *seq += 1;
                    if let Some(origin) = item.origin_line {
                        metrics.push((origin, place, point.as_ref()));
                    }
                }
            }
        }

        // Invocations: new keys only (a replay re-emits what is stored).
        // A stored version's time is its end (or start), at most an invocation's span
        // from a later emission's: a day of margin is far beyond that.
        let narrow = narrowing(
            Some((
                "function",
                &mut invocations.iter().map(|i| i.function.as_str()),
            )),
            &mut invocations.iter().map(|i| i.end.or(i.start)),
            DAY_MS,
        );
        let stored = self.existing("invocations", "invocation_key", &keys, &narrow)?;
        let mut rows = Vec::new();
        let mut seen = HashSet::new();
        for invocation in invocations {
            if stored.contains(&invocation.key) || !seen.insert(invocation.key.clone()) {
                continue;
            }
            // A REPORT-only invocation completes one stored incomplete (closed as idle).
            if invocation.complete && invocation.start.is_none() {
                if let Some(previous) = self.incomplete_invocation(invocation)? {
                    let current = completed_by(&previous.invocation()?, invocation);
                    self.amend_rows(&previous, &current, &mut rows)?;
                    continue;
                }
            }
            summary.new_invocations += 1;
            let at = invocation_time(invocation, received);
            rows.push(invocation_row(
                invocation,
                at,
                1,
                invocation.duration_ms,
                None,
            )?);
        }
        for amendment in amendments {
            if let Some(previous) = self.stored_invocation(&amendment.current)? {
                if previous.invocation()?.revision < amendment.current.revision {
                    self.amend_rows(&previous, &amendment.current, &mut rows)?;
                }
            }
        }
        self.http.insert(&self.t("invocations"), &rows)?;

        // Error occurrences and their groups.
        // An occurrence's key holds its fingerprint and time, and its `at_ms` is that time.
        let narrow = narrowing(
            Some((
                "fingerprint",
                &mut occurrences.iter().map(|(_, e)| e.fingerprint.as_str()),
            )),
            &mut occurrences.iter().map(|(_, e)| e.timestamp),
            0,
        );
        let stored = self.existing(
            "error_occurrences",
            "occurrence_key",
            &occurrence_keys,
            &narrow,
        )?;
        let mut fresh: Vec<(String, &warden_logs::ErrorOccurrence)> = Vec::new();
        let mut seen = HashSet::new();
        for (key, error) in occurrences {
            if !stored.contains(&key) && seen.insert(key.clone()) {
                fresh.push((key, error));
            }
        }
        if !fresh.is_empty() {
            let fingerprints: Vec<String> = fresh
                .iter()
                .map(|(_, e)| e.fingerprint.clone())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            let known = self.group_states(&fingerprints)?;
            let mut rows = Vec::new();
            let mut groups = Vec::new();
            let mut statuses = Vec::new();
            let mut created = HashSet::new();
            let mut last_seen: HashMap<String, Option<i64>> = HashMap::new();
            let mut reopened = HashSet::new();
            // Occurrences are ordered by `seq`: one block of versions for this batch's,
            // after every earlier batch's.
            let mut seq = self.next_versions(fresh.len() + 1);
            for (key, error) in &fresh {
                seq += 1;
                rows.push(json!({
                    "id": id_of(key),
                    "occurrence_key": key,
                    "fingerprint": error.fingerprint,
                    "function": error.function,
                    "request_id": error.request_id,
                    "ts": error.timestamp,
                    "at_ms": error.timestamp.unwrap_or(received),
                    "seq": seq,
                    "error_type": error.error_type,
                    "message": error.message,
                    "stack": serde_json::to_string(&error.stack).map_err(backend)?,
                    "unhandled": u8::from(error.unhandled),
                }));
                match known.get(&error.fingerprint) {
                    None if !created.contains(&error.fingerprint) => {
                        created.insert(error.fingerprint.clone());
                        summary.new_error_groups.push(error.fingerprint.clone());
                        groups.push(json!({
                            "fingerprint": error.fingerprint,
                            "function": error.function,
                            "error_type": error.error_type,
                            "message": error.message,
                            "masked_message": error.masked_message,
                            "frames": serde_json::to_string(&error.frames).map_err(backend)?,
                            "created_at": received,
                        }));
                        statuses.push(self.status_row(&error.fingerprint, "open", None, 0));
                        last_seen.insert(error.fingerprint.clone(), error.timestamp);
                    }
                    None => {
                        let last = last_seen.entry(error.fingerprint.clone()).or_default();
                        *last = (*last).max(error.timestamp);
                    }
                    Some((status, last, regressions)) => {
                        let before = last_seen.get(&error.fingerprint).copied().unwrap_or(*last);
                        let regressed = status == "resolved"
                            && !reopened.contains(&error.fingerprint)
                            && matches!((error.timestamp, before), (Some(t), Some(l)) if t > l);
                        if regressed {
                            reopened.insert(error.fingerprint.clone());
                            summary
                                .reopened_error_groups
                                .push(error.fingerprint.clone());
                            statuses.push(self.status_row(
                                &error.fingerprint,
                                "open",
                                None,
                                regressions + 1,
                            ));
                        }
                        last_seen.insert(error.fingerprint.clone(), before.max(error.timestamp));
                    }
                }
            }
            self.http.insert(&self.t("error_groups"), &groups)?;
            self.http.insert(&self.t("error_occurrences"), &rows)?;
            self.http.insert(&self.t("error_group_status"), &statuses)?;
        }

        // Security events.
        let narrow = narrowing(None, &mut security.iter().map(|(_, e)| e.timestamp), 0);
        let stored = self.existing("security_events", "event_key", &security_keys, &narrow)?;
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for (key, event) in security {
            if stored.contains(&key) || !seen.insert(key.clone()) {
                continue;
            }
            summary.new_security_events += 1;
            rows.push(json!({
                "id": id_of(&key),
                "event_key": key,
                "risk": event.risk.slug(),
                "kind": event.kind,
                "function": event.function,
                "request_id": event.request_id,
                "ts": event.timestamp,
                "at_ms": event.timestamp.unwrap_or(received),
                "detail": event.detail,
                "received_at": received,
            }));
        }
        self.http.insert(&self.t("security_events"), &rows)?;

        // Custom metric points, keyed by the line that carried them.
        let mut rows = Vec::new();
        for (origin, seq, point) in metrics {
            let mut stats = MetricStats::default();
            for &value in &point.values {
                stats.add(value);
            }
            if stats.count == 0 {
                continue;
            }
            rows.push(json!({
                "origin_line": origin,
                "seq": seq,
                "at_ms": point.timestamp.unwrap_or(received),
                "function": point.function,
                "namespace": point.namespace,
                "name": point.name,
                "dimensions": serde_json::to_string(&point.dimensions).map_err(backend)?,
                "unit": point.unit,
                "count": stats.count,
                "sum": stats.sum,
                "min": stats.min,
                "max": stats.max,
            }));
        }
        self.http.insert(&self.t("metric_points"), &rows)?;
        Ok(())
    }

    /// (status, last seen, regressions) of stored groups.
    fn group_states(&self, fingerprints: &[String]) -> StoreResult<HashMap<String, GroupState>> {
        #[derive(Deserialize)]
        struct Row {
            fingerprint: String,
            status: String,
            regressions: u64,
            last_seen: Option<i64>,
        }
        if fingerprints.is_empty() {
            return Ok(HashMap::new());
        }
        let list = fingerprints
            .iter()
            .map(|f| quote(f))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT fingerprint, status, regressions, last_seen
             FROM (SELECT fingerprint, status, regressions FROM {} FINAL WHERE fingerprint IN ({list})) AS s
             ANY LEFT JOIN (SELECT fingerprint, max(ts) AS last_seen FROM {} WHERE fingerprint IN ({list}) GROUP BY fingerprint) AS o USING fingerprint",
            self.t("error_group_status"),
            self.t("error_occurrences"),
        ))?;
        Ok(rows
            .into_iter()
            .map(|row| {
                (
                    row.fingerprint,
                    (row.status, row.last_seen, row.regressions),
                )
            })
            .collect())
    }

    fn incomplete_invocation(&self, report: &Invocation) -> StoreResult<Option<StoredInvocation>> {
        // The incomplete one ended (its last line) before the REPORT, within the span of
        // one invocation.
        let narrow = narrowing(
            Some(("function", &mut std::iter::once(report.function.as_str()))),
            &mut std::iter::once(report.end.or(report.start)),
            DAY_MS,
        );
        let mut rows: Vec<StoredInvocation> = self.rows(&format!(
            "SELECT {INVOCATION_READ} FROM {} FINAL WHERE request_id = {}{narrow} AND complete = 0 AND sign = 1 ORDER BY at_ms DESC LIMIT 10",
            self.t("invocations"),
            quote(&report.request_id),
        ))?;
        rows.retain(|row| {
            row.invocation()
                .is_ok_and(|i| i.log_stream == report.log_stream && i.log_group == report.log_group)
        });
        Ok(rows.into_iter().next())
    }

    /// Cancels a stored version and stores its successor in the same bucket.
    fn amend_rows(
        &self,
        previous: &StoredInvocation,
        current: &Invocation,
        rows: &mut Vec<Value>,
    ) -> StoreResult<()> {
        let old = previous.invocation()?;
        let had_duration = previous.duration_ms >= 0.0;
        let kept = (previous.sketch_ms >= 0.0).then_some(previous.sketch_ms);
        rows.push(invocation_row(&old, previous.at_ms, -1, None, kept)?);
        let mut current = current.clone();
        current.key.clone_from(&old.key);
        let sketched = if had_duration {
            None
        } else {
            current.duration_ms
        };
        rows.push(invocation_row(&current, previous.at_ms, 1, sketched, kept)?);
        Ok(())
    }
}

/// A stored error group's (status, last seen, regressions).
type GroupState = (String, Option<i64>, u64);

/// What the stored incomplete `previous` becomes with its late REPORT-only `report`
/// (as the SQLite store does).
fn completed_by(previous: &Invocation, report: &Invocation) -> Invocation {
    let mut current = report.clone();
    current.key.clone_from(&previous.key);
    current.revision = previous.revision + 1;
    current.start = previous.start;
    current.lines += previous.lines;
    current.cold_start |= previous.cold_start;
    if previous.outcome.severity() > current.outcome.severity() {
        current.outcome = previous.outcome;
        current.error_type = current.error_type.or_else(|| previous.error_type.clone());
    }
    current.error = current.error.or_else(|| previous.error.clone());
    current.version = current.version.or_else(|| previous.version.clone());
    current.xray_trace_id = current
        .xray_trace_id
        .or_else(|| previous.xray_trace_id.clone());
    current
}

fn sketch_of(values: &[f64]) -> Sketch {
    let mut sketch = Sketch::default();
    for &value in values {
        sketch.add(value);
    }
    sketch
}

/// Staged events older than the newest one assembled by this margin are taken as
/// assembled: a node's staging insert lands well within it (or fails).
const STAGED_MARGIN_US: i64 = 10 * 60 * 1_000_000;
/// The text one assembly round reads at most (escaped in JSON, up to about twice this).
const STAGED_ROUND_BYTES: u64 = 16 * 1024 * 1024;

/// How many of the leading items fit in `budget` bytes: at least one, so an item larger
/// than the budget is still read alone.
fn rows_within(sizes: impl Iterator<Item = u64>, budget: u64) -> usize {
    let mut total = 0u64;
    let mut count = 0;
    for size in sizes {
        total = total.saturating_add(size);
        if total > budget && count > 0 {
            break;
        }
        count += 1;
    }
    count
}

/// Staged events are dropped after a day: the assembler is never that far behind.
const STAGED_KEPT_DAYS: i64 = 1;

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

#[derive(Deserialize)]
struct StagedRow {
    node: String,
    id: i64,
    staged_at_us: i64,
    request_key: String,
    timestamp_ms: Option<i64>,
    message: String,
    log_group: String,
    log_stream: String,
    event_id: Option<String>,
    account: Option<String>,
    region: Option<String>,
}

impl ClickHouseStore {
    /// Staged events not yet assembled (for tests and the status of a deployment).
    pub fn unassembled(&self) -> StoreResult<u64> {
        let positions = self.assembly_positions()?;
        self.count(&format!(
            "SELECT count() AS n FROM {} WHERE id > {}",
            self.t("staged"),
            position_expression(&positions)
        ))
    }

    fn lease(&self, name: &str) -> StoreResult<Option<(String, i64)>> {
        #[derive(Deserialize)]
        struct Row {
            holder: String,
            until_ms: i64,
        }
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT holder, until_ms FROM {} FINAL WHERE name = {}",
            self.t("leases"),
            quote(name)
        ))?;
        Ok(rows.into_iter().next().map(|r| (r.holder, r.until_ms)))
    }
}

/// `multiIf(node = 'a', 12, …, -1)`: the position of each row's node.
fn position_expression(positions: &warden_server::store::AssemblyPositions) -> String {
    if positions.is_empty() {
        return "toInt64(-1)".to_owned();
    }
    let arms: Vec<String> = positions
        .iter()
        .map(|(node, position)| format!("node = {}, toInt64({position})", quote(node)))
        .collect();
    format!("multiIf({}, toInt64(-1))", arms.join(", "))
}

impl Store for ClickHouseStore {
    fn shared_assembly(&self) -> bool {
        true
    }

    fn stage_events(
        &self,
        events: &[warden_server::store::StagedEvent],
        request_keys: &[String],
        staged_at_ms: i64,
    ) -> StoreResult<()> {
        // Microseconds, taken just before the insert: staging order across nodes.
        let staged_at_us = now_us();
        let rows: Vec<Value> = events
            .iter()
            .map(|staged| {
                json!({
                    "node": staged.node,
                    "id": staged.id,
                    "staged_at_us": staged_at_us,
                    "request_key": staged.request_key.as_deref().unwrap_or(""),
                    "timestamp_ms": staged.event.timestamp_ms,
                    "message": staged.event.message,
                    "log_group": staged.event.log_group,
                    "log_stream": staged.event.log_stream,
                    "event_id": staged.event.id,
                    "account": staged.event.account,
                    "region": staged.event.region,
                })
            })
            .collect();
        // One insert, on one shard: it also records the delivery ids of these events
        // (`staged_requests_mv`), so they are staged and known together or not at all.
        self.http.insert(&self.t("staged"), &rows)?;
        // Deliveries without events have nothing to lose: their ids go straight in.
        let carried: HashSet<&str> = events
            .iter()
            .filter_map(|staged| staged.request_key.as_deref())
            .collect();
        let requests: Vec<Value> = request_keys
            .iter()
            .filter(|key| !carried.contains(key.as_str()))
            .map(|key| json!({"request_key": key, "at_ms": staged_at_ms}))
            .collect();
        self.http.insert(&self.t("ingest_requests"), &requests)
    }

    fn staged_events(
        &self,
        after: &warden_server::store::AssemblyPositions,
        limit: usize,
    ) -> StoreResult<Vec<warden_server::store::StagedEvent>> {
        let low = self.staged_low_water.load(Ordering::Relaxed);
        let pending = format!(
            "FROM {} WHERE staged_at_us >= {low} AND id > {} ORDER BY staged_at_us, node, id",
            self.t("staged"),
            position_expression(after)
        );
        // A round is bounded by bytes as well as rows: a backlog of long lines would
        // otherwise make one answer too large to read, and the same round fail forever.
        #[derive(Deserialize)]
        struct Size {
            bytes: u64,
        }
        let sizes: Vec<Size> = self.rows(&format!(
            "SELECT length(message) + length(log_group) + length(log_stream) + length(request_key) + length(ifNull(event_id, '')) + length(node) AS bytes
             {pending} LIMIT {limit}"
        ))?;
        let rows_in_budget = rows_within(sizes.iter().map(|s| s.bytes), STAGED_ROUND_BYTES);
        if rows_in_budget == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<StagedRow> = self.rows(&format!(
            "SELECT node, id, staged_at_us, request_key, timestamp_ms, message, log_group, log_stream, event_id, account, region
             {pending} LIMIT {rows_in_budget}"
        ))?;
        if let Some(newest) = rows.iter().map(|r| r.staged_at_us).max() {
            self.staged_low_water
                .fetch_max(newest - STAGED_MARGIN_US, Ordering::Relaxed);
        }
        Ok(rows
            .into_iter()
            .map(|row| warden_server::store::StagedEvent {
                node: row.node,
                id: row.id,
                request_key: (!row.request_key.is_empty()).then_some(row.request_key),
                event: warden_logs::OwnedLogEvent {
                    timestamp_ms: row.timestamp_ms,
                    message: row.message,
                    log_group: row.log_group,
                    log_stream: row.log_stream,
                    id: row.event_id,
                    account: row.account,
                    region: row.region,
                },
            })
            .collect())
    }

    fn assembly_positions(&self) -> StoreResult<warden_server::store::AssemblyPositions> {
        let positions = self.stored_positions()?;
        // A new holder rescans from the oldest staged event kept.
        self.staged_low_water.store(0, Ordering::Relaxed);
        Ok(positions)
    }

    fn save_assembly_positions(
        &self,
        positions: &warden_server::store::AssemblyPositions,
    ) -> StoreResult<()> {
        let version = self.next_version();
        let rows: Vec<Value> = positions
            .iter()
            .map(|(node, position)| json!({"node": node, "position": position, "version": version}))
            .collect();
        self.http.insert(&self.t("assembly_positions"), &rows)
    }

    fn try_lease(&self, name: &str, holder: &str, now_ms: i64, ttl_ms: i64) -> StoreResult<bool> {
        let current = self.lease(name)?;
        if let Some((other, until)) = &current {
            if other != holder && *until > now_ms {
                return Ok(false);
            }
        }
        let claiming = current.as_ref().is_none_or(|(other, _)| other != holder);
        self.http.insert(
            &self.t("leases"),
            &[json!({"name": name, "holder": holder, "until_ms": now_ms + ttl_ms, "version": self.next_version()})],
        )?;
        if claiming {
            // Nodes that claimed an expired lease at the same time: the latest claim wins,
            // and every claimant sees which after the others' claims have landed.
            std::thread::sleep(std::time::Duration::from_millis(300));
            return Ok(self
                .lease(name)?
                .is_some_and(|(winner, _)| winner == holder));
        }
        Ok(true)
    }

    fn write_batch(&self, batch: &WriteBatch) -> StoreResult<WriteSummary> {
        if !batch.checkpoints.is_empty() {
            // `warden serve --poll` refuses a shared store (launch.rs), so no batch has them.
            return Err(StoreError::Backend(
                "the ClickHouse store does not keep poll checkpoints".into(),
            ));
        }
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut summary = WriteSummary {
            lines: batch.lines.len() as u64,
            ..WriteSummary::default()
        };
        // Lines first: an acknowledged line is stored even if a later step fails (the
        // pipeline then rebuilds from what is stored, and the retry is deduplicated).
        let lines: Vec<Value> = batch
            .lines
            .iter()
            .map(|line| {
                json!({
                    "id": line.id,
                    "at_ms": line.timestamp_ms.unwrap_or(batch.received_at_ms),
                    "ts": line.timestamp_ms,
                    "received_at": batch.received_at_ms,
                    "log_group": line.log_group,
                    "log_stream": line.log_stream,
                    "function": line.function,
                    "request_id": line.request_id,
                    "event_id": line.event_id,
                    "message": line.message,
                })
            })
            .collect();
        self.http.insert(&self.t("lines"), &lines)?;
        self.write_items(batch, &mut summary)?;
        let marks: Vec<Value> = batch
            .marks
            .iter()
            .map(|mark| match mark {
                StreamMark::Open {
                    log_group,
                    log_stream,
                    replay_from,
                } => json!({"log_group": log_group, "log_stream": log_stream, "replay_from": replay_from, "open": 1, "version": self.next_version()}),
                StreamMark::Closed {
                    log_group,
                    log_stream,
                } => json!({"log_group": log_group, "log_stream": log_stream, "replay_from": 0, "open": 0, "version": self.next_version()}),
            })
            .collect();
        self.http.insert(&self.t("open_streams"), &marks)?;
        // The delivery ids last: a failure before this leaves the retry welcome.
        let requests: Vec<Value> = batch
            .request_keys
            .iter()
            .map(|key| json!({"request_key": key, "at_ms": batch.received_at_ms}))
            .collect();
        self.http.insert(&self.t("ingest_requests"), &requests)?;
        Ok(summary)
    }

    fn request_seen(&self, key: &str) -> StoreResult<bool> {
        Ok(self.count(&format!(
            "SELECT count() AS n FROM {} WHERE request_key = {}",
            self.t("ingest_requests"),
            quote(key)
        ))? > 0)
    }

    fn next_line_id(&self) -> StoreResult<i64> {
        // Nodes share the table: each starts its ids at its start time × 2^20 (a million
        // lines per millisecond between two nodes' starts before ranges could meet).
        let max = self.count(&format!(
            "SELECT toUInt64(max(id)) AS m FROM {}",
            self.t("lines")
        ))?;
        Ok((max as i64 + 1).max(now_ms() << 20))
    }

    fn replay_lines(&self, visit: &mut dyn FnMut(StoredLine)) -> StoreResult<()> {
        #[derive(Deserialize)]
        struct Open {
            log_group: String,
            log_stream: String,
            replay_from: i64,
        }
        let open: Vec<Open> = self.rows(&format!(
            "SELECT log_group, log_stream, replay_from FROM {} FINAL WHERE open = 1",
            self.t("open_streams")
        ))?;
        let Some(start) = open.iter().map(|o| o.replay_from).min() else {
            return Ok(());
        };
        let from: HashMap<(String, String), i64> = open
            .into_iter()
            .map(|o| ((o.log_group, o.log_stream), o.replay_from))
            .collect();
        let rows: Vec<LineRow> = self.rows(&format!(
            "SELECT {LINE_READ} FROM {} FINAL WHERE id >= {start} ORDER BY id",
            self.t("lines")
        ))?;
        for row in rows {
            let needed = from
                .get(&(row.log_group.clone(), row.log_stream.clone()))
                .is_some_and(|&first| row.id >= first);
            if needed {
                visit(StoredLine {
                    id: row.id,
                    timestamp_ms: row.ts,
                    log_group: row.log_group,
                    log_stream: row.log_stream,
                    function: row.function,
                    request_id: row.request_id,
                    event_id: row.event_id,
                    message: row.message,
                });
            }
        }
        Ok(())
    }

    /// None: `warden serve --poll` needs a store of its own, which this shared one is not.
    fn poll_checkpoints(&self) -> StoreResult<Vec<PollCheckpoint>> {
        Ok(Vec::new())
    }

    fn recent_event_ids(
        &self,
        lines: usize,
        visit: &mut dyn FnMut(&str, &str, &str),
    ) -> StoreResult<()> {
        #[derive(Deserialize)]
        struct EventId {
            log_group: String,
            log_stream: String,
            event_id: String,
        }
        // Line ids are dense and shared by every node (`next_line_id`), so the last
        // `lines` lines are the ids above max − lines, as in the SQLite store.
        let rows: Vec<EventId> = self.rows(&format!(
            "SELECT log_group, log_stream, assumeNotNull(event_id) AS event_id FROM {table} FINAL \
             WHERE id > (SELECT max(id) FROM {table}) - {lines} AND isNotNull(event_id) ORDER BY id",
            table = self.t("lines"),
            lines = i64::try_from(lines).unwrap_or(i64::MAX),
        ))?;
        for row in rows {
            visit(&row.log_group, &row.log_stream, &row.event_id);
        }
        Ok(())
    }

    fn rollups(&self, window: Window) -> StoreResult<Vec<FunctionRollup>> {
        self.fold_window(window, None)
    }

    fn series(
        &self,
        function: &str,
        window: Window,
        step_ms: i64,
    ) -> StoreResult<Vec<SeriesBucket>> {
        let buckets = window
            .to_ms
            .checked_sub(window.from_ms)
            .filter(|span| step_ms > 0 && *span >= 0)
            .map(|span| span / step_ms);
        if buckets.is_none_or(|n| n > MAX_SERIES_BUCKETS) {
            return Err(StoreError::Backend(format!(
                "a series of more than {MAX_SERIES_BUCKETS} buckets"
            )));
        }
        let (table, width) = series_tier(step_ms);
        let from = window.from_ms.div_euclid(width);
        let to = window.to_ms.div_euclid(width) + i64::from(window.to_ms.rem_euclid(width) != 0);
        let origin = window.from_ms.div_euclid(step_ms) * step_ms;
        let rows: Vec<RollupRow> = self.rows(&format!(
            "SELECT function, intDiv(bucket * {width} - {origin}, {step_ms}) AS point, {ROLLUP_MERGE} FROM {} WHERE function = {} AND bucket >= {from} AND bucket < {to} GROUP BY function, point",
            self.t(table),
            quote(function)
        ))?;
        let exact = self.exact_durations_by(
            &format!("function = {}", quote(function)),
            from * width,
            to * width,
            Some((origin, step_ms)),
        )?;
        let mut out = Vec::new();
        let mut start = origin;
        let by_bucket: HashMap<i64, &RollupRow> = rows.iter().map(|r| (r.point, r)).collect();
        while start < window.to_ms {
            let index = (start - origin) / step_ms;
            let rollup = match by_bucket.get(&index) {
                Some(row) if row.invocations > 0 => {
                    let mut rollup = row.rollup();
                    if row.sketch_count <= SKETCH_EXACT_LIMIT {
                        if let Some(values) = exact.get(&(function.to_owned(), index)) {
                            rollup.durations = sketch_of(values);
                        }
                    }
                    rollup
                }
                _ => FunctionRollup {
                    function: function.to_owned(),
                    ..FunctionRollup::default()
                },
            };
            out.push(SeriesBucket {
                start_ms: start,
                rollup,
            });
            start += step_ms;
        }
        Ok(out)
    }

    fn custom_metrics(
        &self,
        function: &str,
        window: Window,
        step_ms: i64,
    ) -> StoreResult<(Vec<CustomMetric>, bool)> {
        #[derive(Deserialize)]
        struct Row {
            namespace: String,
            name: String,
            dimensions: String,
            unit: Option<String>,
            bucket: i64,
            count: u64,
            sum: f64,
            min: f64,
            max: f64,
        }
        let step = step_ms.max(MINUTE_MS);
        let origin = window.from_ms.div_euclid(step) * step;
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT namespace, name, dimensions, any(unit) AS unit, {origin} + intDiv(intDiv(at_ms, 60000) * 60000 - {origin}, {step}) * {step} AS bucket,
                    toUInt64(sum(count)) AS count, sum(sum) AS sum, min(min) AS min, max(max) AS max
             FROM {} FINAL WHERE function = {} AND at_ms >= {} AND at_ms < {}
             GROUP BY namespace, name, dimensions, bucket ORDER BY namespace, name, dimensions, bucket",
            self.t("metric_points"),
            quote(function),
            window.from_ms.div_euclid(MINUTE_MS) * MINUTE_MS,
            window.to_ms,
        ))?;
        let mut metrics: BTreeMap<(String, String, String), CustomMetric> = BTreeMap::new();
        for row in rows {
            let key = (
                row.namespace.clone(),
                row.name.clone(),
                row.dimensions.clone(),
            );
            let metric = metrics.entry(key).or_insert_with(|| CustomMetric {
                namespace: row.namespace.clone(),
                name: row.name.clone(),
                unit: row.unit.clone(),
                dimensions: serde_json::from_str(&row.dimensions).unwrap_or_default(),
                total: MetricStats::default(),
                buckets: Vec::new(),
            });
            let aggregate = MetricStats {
                count: row.count,
                sum: row.sum,
                min: row.min,
                max: row.max,
            };
            metric.total.merge(&aggregate);
            metric.buckets.push(MetricBucket {
                start_ms: row.bucket,
                aggregate,
            });
        }
        let truncated = metrics.len() > MAX_CUSTOM_METRICS;
        Ok((
            metrics.into_values().take(MAX_CUSTOM_METRICS).collect(),
            truncated,
        ))
    }

    fn sparklines(&self, window: Window, step_ms: i64) -> StoreResult<Vec<Sparkline>> {
        #[derive(Deserialize)]
        struct Row {
            function: String,
            point: i64,
            invocations: i64,
            failures: i64,
        }
        let (table, width) = series_tier(step_ms);
        let from = window.from_ms.div_euclid(width);
        let to = window.to_ms.div_euclid(width) + i64::from(window.to_ms.rem_euclid(width) != 0);
        let origin = window.from_ms.div_euclid(step_ms) * step_ms;
        let points = usize::try_from((window.to_ms - origin + step_ms - 1) / step_ms).unwrap_or(0);
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT function, intDiv(bucket * {width} - {origin}, {step_ms}) AS point, sumMerge(invocations) AS invocations,
                    sumMerge(error) + sumMerge(timeout) + sumMerge(out_of_memory) + sumMerge(init_error) + sumMerge(crash) AS failures
             FROM {} WHERE bucket >= {from} AND bucket < {to} GROUP BY function, point ORDER BY function, point",
            self.t(table)
        ))?;
        let mut out: BTreeMap<String, Sparkline> = BTreeMap::new();
        for row in rows {
            if row.invocations <= 0 || row.point < 0 || row.point as usize >= points {
                continue;
            }
            let line = out
                .entry(row.function.clone())
                .or_insert_with(|| Sparkline {
                    function: row.function.clone(),
                    invocations: vec![0; points],
                    failures: vec![0; points],
                });
            line.invocations[row.point as usize] += row.invocations as u64;
            line.failures[row.point as usize] += row.failures.max(0) as u64;
        }
        Ok(out.into_values().collect())
    }

    fn search_invocations(&self, query: &InvocationQuery) -> StoreResult<Vec<InvocationRecord>> {
        let mut filter = String::from("sign = 1");
        if let Some(function) = &query.function {
            filter.push_str(&format!(" AND function = {}", quote(function)));
        }
        match query.outcome.as_deref() {
            Some("failure") => filter.push_str(" AND outcome != 'success'"),
            Some("incomplete") => filter.push_str(" AND complete = 0"),
            Some(outcome) => filter.push_str(&format!(" AND outcome = {}", quote(outcome))),
            None => {}
        }
        if let Some(request) = &query.request_id {
            filter.push_str(&format!(" AND request_id = {}", quote(request)));
        }
        if let Some(cold) = query.cold_start {
            filter.push_str(&format!(" AND cold_start = {}", u8::from(cold)));
        }
        if let Some(from) = query.from_ms {
            filter.push_str(&format!(" AND at_ms >= {from}"));
        }
        if let Some(to) = query.to_ms {
            filter.push_str(&format!(" AND at_ms < {to}"));
        }
        if let Some(text) = query.text.as_deref().filter(|t| !t.trim().is_empty()) {
            let mut lines = format!(
                "SELECT request_id FROM {} WHERE request_id IS NOT NULL AND positionCaseInsensitiveUTF8(message, {}) > 0",
                self.t("lines"),
                quote(text.trim())
            );
            if let Some(function) = &query.function {
                lines.push_str(&format!(" AND function = {}", quote(function)));
            }
            filter.push_str(&format!(
                " AND request_id {} ({lines})",
                self.layout.in_subquery()
            ));
        }
        let rows: Vec<StoredInvocation> = self.rows(&format!(
            "SELECT {INVOCATION_READ} FROM {} FINAL WHERE {filter} ORDER BY at_ms DESC, id DESC LIMIT {}",
            self.t("invocations"),
            query.limit
        ))?;
        rows.iter().map(StoredInvocation::record).collect()
    }

    fn search_lines(&self, query: &LineQuery) -> StoreResult<Vec<LineRecord>> {
        let mut filter = String::from("1 = 1");
        if let Some(function) = &query.function {
            filter.push_str(&format!(" AND function = {}", quote(function)));
        }
        if let Some(request) = &query.request_id {
            filter.push_str(&format!(" AND request_id = {}", quote(request)));
        }
        if let Some(text) = query.text.as_deref().filter(|t| !t.trim().is_empty()) {
            filter.push_str(&format!(
                " AND positionCaseInsensitiveUTF8(message, {}) > 0",
                quote(text.trim())
            ));
        }
        if let Some(window) = query.window {
            filter.push_str(&format!(
                " AND at_ms >= {} AND at_ms < {}",
                window.from_ms, window.to_ms
            ));
        }
        if let Some(outcome) = query.outcome.as_deref() {
            let condition = match outcome {
                "success" => "outcome = 'success'".to_owned(),
                "failure" => "outcome != 'success'".to_owned(),
                other => format!("outcome = {}", quote(other)),
            };
            filter.push_str(&format!(
                " AND request_id {} (SELECT request_id FROM {} FINAL WHERE sign = 1 AND {condition})",
                self.layout.in_subquery(),
                self.t("invocations")
            ));
        }
        let rows: Vec<LineRow> = self.rows(&format!(
            "SELECT {LINE_READ} FROM {} FINAL WHERE {filter} ORDER BY id DESC LIMIT {}",
            self.t("lines"),
            query.limit
        ))?;
        Ok(rows.iter().map(LineRow::record).collect())
    }

    fn error_groups(&self, query: &GroupQuery) -> StoreResult<Vec<ErrorGroupRecord>> {
        let mut filter = String::from("1 = 1");
        if let Some(function) = &query.function {
            filter.push_str(&format!(" AND function = {}", quote(function)));
        }
        if let Some(status) = query.status {
            filter.push_str(&format!(" AND status = {}", quote(status.as_str())));
        }
        let in_window = match query.window {
            Some(window) => {
                #[derive(Deserialize)]
                struct Row {
                    fingerprint: String,
                    n: u64,
                }
                let rows: Vec<Row> = self.rows(&format!(
                    "SELECT fingerprint, toUInt64(count()) AS n FROM {} FINAL WHERE at_ms >= {} AND at_ms < {} GROUP BY fingerprint",
                    self.t("error_occurrences"),
                    window.from_ms,
                    window.to_ms
                ))?;
                let counts: HashMap<String, u64> =
                    rows.into_iter().map(|r| (r.fingerprint, r.n)).collect();
                Some(counts)
            }
            None => None,
        };
        let mut groups: Vec<ErrorGroupRecord> = self
            .group_rows(&filter, "ORDER BY count DESC, fingerprint")?
            .iter()
            .map(GroupRow::record)
            .collect();
        if let Some(counts) = in_window {
            groups.retain_mut(|group| match counts.get(&group.fingerprint) {
                Some(&n) => {
                    group.in_window = Some(n);
                    true
                }
                None => false,
            });
            // As SQLite orders them: most frequent in the window first.
            groups.sort_by(|a, b| {
                b.in_window
                    .cmp(&a.in_window)
                    .then_with(|| a.fingerprint.cmp(&b.fingerprint))
            });
        }
        groups.truncate(query.limit as usize);
        Ok(groups)
    }

    fn error_group(
        &self,
        fingerprint: &str,
        occurrences: u32,
    ) -> StoreResult<Option<ErrorGroupDetail>> {
        let Some(group) = self
            .group_rows(&format!("fingerprint = {}", quote(fingerprint)), "LIMIT 1")?
            .first()
            .map(GroupRow::record)
        else {
            return Ok(None);
        };
        let rows: Vec<OccurrenceRow> = self.rows(&format!(
            "SELECT {OCCURRENCE_READ} FROM {} FINAL WHERE fingerprint = {} ORDER BY seq DESC LIMIT {occurrences}",
            self.t("error_occurrences"),
            quote(fingerprint)
        ))?;
        Ok(Some(ErrorGroupDetail {
            group,
            occurrences: rows.iter().map(OccurrenceRow::record).collect(),
        }))
    }

    fn set_error_group_status(
        &self,
        fingerprint: &str,
        status: GroupStatus,
        at_ms: i64,
    ) -> StoreResult<bool> {
        let known = self.group_states(&[fingerprint.to_owned()])?;
        let Some((_, _, regressions)) = known.get(fingerprint) else {
            return Ok(false);
        };
        let resolved_at = (status == GroupStatus::Resolved).then_some(at_ms);
        self.http.insert(
            &self.t("error_group_status"),
            &[self.status_row(fingerprint, status.as_str(), resolved_at, *regressions)],
        )?;
        Ok(true)
    }

    fn error_groups_created_after(&self, after_ms: i64) -> StoreResult<Vec<ErrorGroupRecord>> {
        Ok(self
            .group_rows(
                &format!("created_at > {after_ms}"),
                "ORDER BY created_at, fingerprint",
            )?
            .iter()
            .map(GroupRow::record)
            .collect())
    }

    fn security_events(&self, query: &SecurityQuery) -> StoreResult<Vec<SecurityEventRecord>> {
        let rows: Vec<SecurityRow> = self.rows(&format!(
            "SELECT {SECURITY_READ} FROM {} FINAL WHERE {} ORDER BY at_ms DESC, id DESC LIMIT {}",
            self.t("security_events"),
            self.security_filter(query),
            query.limit
        ))?;
        Ok(rows.iter().map(SecurityRow::record).collect())
    }

    fn replace_findings(
        &self,
        stack: &str,
        findings: &[FindingRecord],
        now_ms: i64,
    ) -> StoreResult<()> {
        let upload = self.next_version();
        let uploaded_at = time(Some(now_ms));
        let rows: Vec<Value> = findings
            .iter()
            .enumerate()
            .map(|(seq, finding)| {
                let mut finding = finding.clone();
                finding.stack = stack.to_owned();
                finding.uploaded_at.clone_from(&uploaded_at);
                Ok(json!({
                    "stack": stack,
                    "upload": upload,
                    "seq": seq,
                    "body": serde_json::to_string(&finding).map_err(backend)?,
                }))
            })
            .collect::<StoreResult<_>>()?;
        // Rows first, then the pointer: readers see the old set or the whole new one.
        self.http.insert(&self.t("findings"), &rows)?;
        self.http.insert(
            &self.t("finding_uploads"),
            &[json!({"stack": stack, "upload": upload})],
        )
    }

    fn findings(&self, stack: Option<&str>) -> StoreResult<Vec<FindingRecord>> {
        #[derive(Deserialize)]
        struct Row {
            body: String,
        }
        let only = stack
            .map(|s| format!(" WHERE stack = {}", quote(s)))
            .unwrap_or_default();
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT body FROM {} WHERE (stack, upload) {} (SELECT stack, upload FROM {} FINAL{only}) ORDER BY upload, seq",
            self.t("findings"),
            self.layout.in_subquery(),
            self.t("finding_uploads"),
        ))?;
        rows.iter()
            .map(|row| {
                let value: Value = serde_json::from_str(&row.body).map_err(backend)?;
                finding_from(&value)
            })
            .collect()
    }

    fn security_groups(&self, query: &SecurityQuery) -> StoreResult<Vec<SecurityGroup>> {
        #[derive(Deserialize)]
        struct Row {
            kind: String,
            function: String,
            n: u64,
            first_seen: Option<i64>,
            last_seen: Option<i64>,
            latest: i64,
        }
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT kind, function, toUInt64(count()) AS n, min(ts) AS first_seen, max(ts) AS last_seen, argMax(id, (at_ms, id)) AS latest
             FROM {} FINAL WHERE {} GROUP BY kind, function ORDER BY n DESC, kind, function LIMIT {}",
            self.t("security_events"),
            self.security_filter(query),
            query.limit
        ))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids = rows
            .iter()
            .map(|r| r.latest.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let samples: HashMap<i64, SecurityEventRecord> = self
            .rows::<SecurityRow>(&format!(
                "SELECT {SECURITY_READ} FROM {} FINAL WHERE id IN ({ids})",
                self.t("security_events")
            ))?
            .iter()
            .map(|row| (row.id, row.record()))
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let sample = samples.get(&row.latest)?.clone();
                Some(SecurityGroup {
                    kind: row.kind,
                    function: row.function,
                    risk: sample.risk.clone(),
                    count: row.n,
                    first_seen: time(row.first_seen),
                    last_seen: time(row.last_seen),
                    sample,
                })
            })
            .collect())
    }

    fn invocation(&self, id: i64, max_lines: u32) -> StoreResult<Option<InvocationDetail>> {
        let mut rows: Vec<StoredInvocation> = self.rows(&format!(
            "SELECT {INVOCATION_READ} FROM {} FINAL WHERE id = {id} AND sign = 1 LIMIT 1",
            self.t("invocations")
        ))?;
        let Some(stored) = rows.pop() else {
            return Ok(None);
        };
        let record = stored.record()?;
        let invocation = &record.invocation;
        let lines: Vec<LineRow> = self.rows(&format!(
            "SELECT {LINE_READ} FROM {} FINAL WHERE function = {} AND request_id = {} AND log_stream = {} ORDER BY id LIMIT {max_lines}",
            self.t("lines"),
            quote(&invocation.function),
            quote(&invocation.request_id),
            quote(&invocation.log_stream),
        ))?;
        let error = match &invocation.error {
            Some(error) => self
                .rows::<OccurrenceRow>(&format!(
                    "SELECT {OCCURRENCE_READ} FROM {} FINAL WHERE fingerprint = {} AND request_id = {} ORDER BY seq DESC LIMIT 1",
                    self.t("error_occurrences"),
                    quote(&error.fingerprint),
                    quote(&invocation.request_id),
                ))?
                .first()
                .map(OccurrenceRow::record),
            None => None,
        };
        Ok(Some(InvocationDetail {
            invocation: record,
            lines: lines.iter().map(LineRow::record).collect(),
            error,
        }))
    }

    fn error_occurrences(
        &self,
        fingerprint: &str,
        window: Window,
        step_ms: i64,
        limit: u32,
    ) -> StoreResult<OccurrenceSeries> {
        #[derive(Deserialize)]
        struct Row {
            step: i64,
            n: u64,
        }
        let step = step_ms.max(1);
        let origin = window.from_ms.div_euclid(step) * step;
        let points = usize::try_from((window.to_ms - origin + step - 1) / step).unwrap_or(0);
        // Occurrences without a time are not on the time axis (as in SQLite).
        let filter = format!(
            "fingerprint = {} AND ts >= {} AND ts < {}",
            quote(fingerprint),
            window.from_ms,
            window.to_ms
        );
        let table = self.t("error_occurrences");
        let counts: Vec<Row> = self.rows(&format!(
            "SELECT intDiv(assumeNotNull(ts) - {origin}, {step}) AS step, toUInt64(count()) AS n FROM {table} FINAL WHERE {filter} GROUP BY step"
        ))?;
        let mut series = vec![0; points];
        let mut total = 0;
        for row in counts {
            total += row.n;
            if let Some(slot) = usize::try_from(row.step)
                .ok()
                .and_then(|i| series.get_mut(i))
            {
                *slot += row.n;
            }
        }
        let rows: Vec<OccurrenceRow> = self.rows(&format!(
            "SELECT {OCCURRENCE_READ} FROM {table} FINAL WHERE {filter} ORDER BY ts DESC, seq DESC LIMIT {limit}"
        ))?;
        Ok(OccurrenceSeries {
            total,
            counts: series,
            occurrences: rows.iter().map(OccurrenceRow::record).collect(),
        })
    }

    fn alert_rules(&self) -> StoreResult<Vec<AlertRule>> {
        let rows: Vec<AlertRuleRow> = self.rows(&format!(
            "SELECT * FROM {} FINAL WHERE deleted = 0 ORDER BY id",
            self.t("alert_rules")
        ))?;
        rows.iter().map(AlertRuleRow::rule).collect()
    }

    fn alert_rule(&self, id: i64) -> StoreResult<Option<AlertRule>> {
        let rows: Vec<AlertRuleRow> = self.rows(&format!(
            "SELECT * FROM {} FINAL WHERE id = {id} AND deleted = 0",
            self.t("alert_rules")
        ))?;
        rows.first().map(AlertRuleRow::rule).transpose()
    }

    fn create_alert_rule(&self, spec: &AlertRuleSpec, now_ms: i64) -> StoreResult<AlertRule> {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let id = self.count(&format!(
            "SELECT toUInt64(max(id)) AS m FROM {}",
            self.t("alert_rules")
        ))? as i64
            + 1;
        self.http.insert(
            &self.t("alert_rules"),
            &[json!({
                "id": id, "version": self.next_version(), "deleted": 0,
                "spec": serde_json::to_string(spec).map_err(backend)?,
                "state": "ok", "last_value": null, "last_notified_at": null,
                "cursor_at": now_ms, "created_at": now_ms, "updated_at": now_ms,
            })],
        )?;
        self.alert_rule(id)?
            .ok_or_else(|| StoreError::Backend("a created alert rule is not readable".into()))
    }

    fn update_alert_rule(
        &self,
        id: i64,
        spec: &AlertRuleSpec,
        now_ms: i64,
    ) -> StoreResult<Option<AlertRule>> {
        let Some(rule) = self.alert_rule(id)? else {
            return Ok(None);
        };
        self.put_rule(&rule, Some(spec), now_ms, false, true)?;
        self.alert_rule(id)
    }

    fn delete_alert_rule(&self, id: i64) -> StoreResult<bool> {
        let Some(rule) = self.alert_rule(id)? else {
            return Ok(false);
        };
        self.put_rule(&rule, None, now_ms(), true, true)?;
        Ok(true)
    }

    fn apply_alert_update(&self, update: &AlertUpdate) -> StoreResult<()> {
        let Some(mut rule) = self.alert_rule(update.rule_id)? else {
            return Ok(());
        };
        rule.state = update.state;
        rule.last_value = update.value;
        rule.cursor_at_ms = update.cursor_at_ms;
        if update.notified_at_ms.is_some() {
            rule.last_notified_at_ms = update.notified_at_ms;
        }
        self.put_rule(&rule, None, update.at_ms, false, false)?;
        if let Some((message, deliveries)) = &update.event {
            self.http.insert(
                &self.t("alert_events"),
                &[json!({
                    "id": self.next_version(),
                    "rule_id": update.rule_id,
                    "at": update.at_ms,
                    "state": update.state.as_str(),
                    "value": update.value,
                    "message": message,
                    "deliveries": deliveries.to_string(),
                })],
            )?;
        }
        Ok(())
    }

    fn alert_history(&self, rule_id: Option<i64>, limit: u32) -> StoreResult<Vec<AlertEvent>> {
        #[derive(Deserialize)]
        struct Row {
            id: i64,
            rule_id: i64,
            at: i64,
            state: String,
            value: Option<f64>,
            message: String,
            deliveries: String,
        }
        let only = rule_id
            .map(|id| format!(" WHERE rule_id = {id}"))
            .unwrap_or_default();
        let rows: Vec<Row> = self.rows(&format!(
            "SELECT * FROM {}{only} ORDER BY id DESC LIMIT {limit}",
            self.t("alert_events")
        ))?;
        Ok(rows
            .into_iter()
            .map(|row| AlertEvent {
                id: row.id,
                rule_id: row.rule_id,
                at: time(Some(row.at)).unwrap_or_default(),
                state: AlertState::parse(&row.state).unwrap_or(AlertState::Ok),
                value: row.value,
                message: row.message,
                deliveries: serde_json::from_str(&row.deliveries).unwrap_or(Value::Null),
            })
            .collect())
    }

    fn apply_retention(
        &self,
        policy: RetentionPolicy,
        now_ms: i64,
    ) -> StoreResult<RetentionReport> {
        #[derive(Deserialize)]
        struct Part {
            table: String,
            partition: String,
            rows: u64,
        }
        let cutoff = now_ms - i64::from(policy.days) * DAY_MS;
        let cutoff_day: u32 = format_millis(cutoff)[..10]
            .replace('-', "")
            .parse()
            .unwrap_or(0);
        let tables = self.layout.partitioned_tables();
        let names = tables
            .iter()
            .map(|t| quote(&self.layout.storage_name(t)))
            .collect::<Vec<_>>()
            .join(", ");
        let parts: Vec<Part> = self.rows(&format!(
            "SELECT table, partition, toUInt64(sum(rows)) AS rows FROM {} WHERE active AND database = {} AND table IN ({names}) GROUP BY table, partition",
            self.layout.parts_table(),
            quote(&self.layout.database)
        ))?;
        let mut report = RetentionReport::default();
        // Read once: the positions only move forward, so a day they cover stays covered.
        let assembled = self.stored_positions()?;
        let staged_cutoff: u32 = format_millis(now_ms - STAGED_KEPT_DAYS * DAY_MS)[..10]
            .replace('-', "")
            .parse()
            .unwrap_or(0);
        for part in parts {
            let cutoff_day = if part.table.trim_end_matches("_local") == "staged" {
                staged_cutoff
            } else {
                cutoff_day
            };
            let day: u32 = part
                .partition
                .trim_matches('\'')
                .parse()
                .unwrap_or(u32::MAX);
            if day >= cutoff_day {
                continue;
            }
            let staged = part.table.trim_end_matches("_local") == "staged";
            if staged && self.unassembled_on(day, &assembled)? > 0 {
                // Acknowledged lines not yet assembled are kept however old: the assembler
                // may have been down or behind for longer than the staging day.
                continue;
            }
            self.http.execute(&format!(
                "ALTER TABLE {}.{}{} DROP PARTITION {}",
                self.layout.database,
                part.table,
                self.layout.on_cluster_clause(),
                day
            ))?;
            let logical = part.table.trim_end_matches("_local");
            if logical == "lines" {
                report.lines_deleted += part.rows;
            } else if logical == "invocations" {
                report.invocations_deleted += part.rows;
            }
        }
        report.size_bytes = self.stats()?.size_bytes;
        Ok(report)
    }

    fn stats(&self) -> StoreResult<StoreStats> {
        Ok(StoreStats {
            lines: self.count(&format!(
                "SELECT count() AS n FROM {} FINAL",
                self.t("lines")
            ))?,
            invocations: self.count(&format!(
                "SELECT toUInt64(sum(sign)) AS n FROM {}",
                self.t("invocations")
            ))?,
            error_groups: self.count(&format!(
                "SELECT uniqExact(fingerprint) AS n FROM {}",
                self.t("error_groups")
            ))?,
            security_events: self.count(&format!(
                "SELECT count() AS n FROM {} FINAL",
                self.t("security_events")
            ))?,
            size_bytes: self.count(&format!(
                "SELECT toUInt64(sum(bytes_on_disk)) AS n FROM {} WHERE active AND database = {}",
                self.layout.parts_table(),
                quote(&self.layout.database)
            ))?,
        })
    }
}

impl ClickHouseStore {
    fn put_rule(
        &self,
        rule: &AlertRule,
        spec: Option<&AlertRuleSpec>,
        now_ms: i64,
        deleted: bool,
        edited: bool,
    ) -> StoreResult<()> {
        #[derive(Deserialize)]
        struct Stamps {
            created_at: i64,
            updated_at: i64,
        }
        let stamps: Vec<Stamps> = self.rows(&format!(
            "SELECT created_at, updated_at FROM {} FINAL WHERE id = {}",
            self.t("alert_rules"),
            rule.id
        ))?;
        let created_at = stamps.first().map_or(now_ms, |c| c.created_at);
        // An evaluation is not an edit: it keeps the rule's updated time.
        let updated_at = match (edited, stamps.first()) {
            (false, Some(stamps)) => stamps.updated_at,
            _ => now_ms,
        };
        self.http.insert(
            &self.t("alert_rules"),
            &[json!({
                "id": rule.id, "version": self.next_version(), "deleted": u8::from(deleted),
                "spec": serde_json::to_string(spec.unwrap_or(&rule.spec)).map_err(backend)?,
                "state": rule.state.as_str(), "last_value": rule.last_value,
                "last_notified_at": rule.last_notified_at_ms,
                "cursor_at": rule.cursor_at_ms, "created_at": created_at, "updated_at": updated_at,
            })],
        )
    }
}

fn finding_from(value: &Value) -> StoreResult<FindingRecord> {
    let text = |key: &str| value[key].as_str().map(str::to_owned);
    Ok(FindingRecord {
        stack: text("stack").unwrap_or_default(),
        rule_id: text("rule_id").unwrap_or_default(),
        name: text("name"),
        severity: text("severity").unwrap_or_default(),
        risk: text("risk"),
        message: text("message").unwrap_or_default(),
        file: text("file"),
        line: value["line"].as_i64(),
        resource: text("resource"),
        resource_type: text("resource_type"),
        mapped_function: text("mapped_function"),
        uploaded_at: text("uploaded_at"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_takes_the_leading_rows_within_its_byte_budget() {
        assert_eq!(rows_within([4, 4, 4, 4].into_iter(), 10), 2);
        assert_eq!(rows_within([4, 6, 1].into_iter(), 10), 2);
        assert_eq!(rows_within([4, 4].into_iter(), 100), 2);
        assert_eq!(rows_within(std::iter::empty(), 10), 0);
        // A row over the budget is read alone, so a round always moves on.
        assert_eq!(rows_within([50, 1].into_iter(), 10), 1);
    }

    #[test]
    fn sketch_buckets_match_warden_logs() {
        // A bucketed sketch rebuilt from (count, min, max, zeros, buckets) answers as the
        // sketch that saw the values.
        let values: Vec<f64> = (0..1000).map(|i| 0.5 + f64::from(i) * 1.7).collect();
        let mut direct = Sketch::default();
        let mut buckets: BTreeMap<i16, i64> = BTreeMap::new();
        for &v in &values {
            direct.add(v);
            *buckets.entry(sketch_bucket(v).unwrap()).or_default() += 1;
        }
        let row = RollupRow {
            sketch_count: 1000,
            sketch_min: 0.5,
            sketch_max: values[999],
            sketch_buckets: (
                buckets.keys().copied().collect(),
                buckets.values().copied().collect(),
            ),
            ..RollupRow::default()
        };
        assert_eq!(row.bucketed_sketch().percentiles(), direct.percentiles());
    }

    #[test]
    fn lookups_are_narrowed_by_time_only_when_every_candidate_has_one() {
        let narrow = narrowing(
            Some(("function", &mut ["b", "a", "b"].into_iter())),
            &mut [Some(5_000), Some(1_000)].into_iter(),
            100,
        );
        assert_eq!(
            narrow,
            " AND function IN ('a', 'b') AND at_ms >= 900 AND at_ms <= 5100"
        );
        let narrow = narrowing(
            Some(("fingerprint", &mut ["f"].into_iter())),
            &mut [Some(5), None].into_iter(),
            0,
        );
        assert_eq!(narrow, " AND fingerprint IN ('f')");
        assert_eq!(narrowing(None, &mut std::iter::empty(), 0), "");
    }

    #[test]
    fn cover_uses_days_hours_and_minutes() {
        let from = DAY_MS - 2 * MINUTE_MS;
        let to = 2 * DAY_MS + 3_600_000 + MINUTE_MS;
        let parts = cover(from, to);
        assert_eq!(parts[0], ("rollups_day", DAY_MS, 1, 2));
        let covered: i64 = parts.iter().map(|(_, w, a, b)| (b - a) * w).sum();
        assert_eq!(covered, to - from);
    }
}
