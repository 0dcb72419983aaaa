//! The ClickHouse schema, as DDL generated for one server version and layout.
//!
//! One schema for ClickHouse 18.16 (Debian bookworm's) and current releases: times are
//! `Int64` milliseconds (no `DateTime64`), flags `UInt8` (no `Bool`), retention drops daily
//! partitions (no `TTL`). On servers that have them (20.1 and later) the bulky or
//! repetitive columns get `LowCardinality` and `ZSTD` codecs; nothing reads differently.
//!
//! Mutable records (stream replay points, error group status, alert rules, leases) are
//! `ReplacingMergeTree` rows with a version, read with `FINAL`. Invocations are a
//! `CollapsingMergeTree`: an amendment cancels the first version (sign −1) and adds the
//! new one, and the rollup materialized views sum `sign`, so rollups take it back too.
//!
//! With a cluster, every table is a `_local` table on each shard (`ON CLUSTER`) under a
//! `Distributed` table of the plain name. `FINAL` and the background merges deduplicate
//! within one shard only, so every table is sharded by (a function of) the key its rows
//! deduplicate or collapse on: all versions of a row meet on one shard. The small mutable
//! tables (leases, positions, replay points, alert rules...) are sharded the same way
//! rather than kept on one host: each row then lives on exactly one shard, any node reads
//! it through any host, and with one replica per shard every shard is needed anyway.
//! `staged` is sharded by node alone, so one staging insert is one block on one shard
//! and becomes visible all at once (the assembler's per-node position relies on that).

/// What the server supports, from `version()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Features {
    /// `LowCardinality` without an experimental setting, and column codecs.
    pub modern: bool,
}

impl Features {
    /// From a `version()` string such as `18.16.1` or `24.8.4.13`.
    pub fn of_version(version: &str) -> Features {
        let major: u32 = version
            .split('.')
            .next()
            .and_then(|m| m.trim().parse().ok())
            .unwrap_or(0);
        Features {
            modern: major >= 20,
        }
    }
}

/// Where the tables go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub database: String,
    /// `--clickhouse-cluster`: shards behind `Distributed` tables.
    pub cluster: Option<String>,
    pub features: Features,
}

/// The schema version these statements create; `schema_migrations` records it.
/// 2: staging records its delivery ids through `staged_requests_mv`.
pub const SCHEMA_VERSION: u32 = 2;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// Rollup tiers: table suffix and bucket width.
pub const TIERS: [(&str, i64); 3] = [
    ("rollups_day", DAY_MS),
    ("rollups_hour", HOUR_MS),
    ("rollups_minute", MINUTE_MS),
];

struct Table {
    name: &'static str,
    columns: &'static str,
    engine: &'static str,
    /// A day (or month) expression over an `Int64` ms column; `None`: unpartitioned.
    partition: Option<&'static str>,
    order_by: &'static str,
    /// Which shard a row goes to: rows that must meet to deduplicate go to the same one.
    shard_key: &'static str,
}

const DAY_PARTITION: &str = "toYYYYMMDD(toDateTime(intDiv(at_ms, 1000)))";
/// The staging day of a staged event (`YYYYMMDD`).
pub const STAGED_PARTITION: &str = "toYYYYMMDD(toDateTime(intDiv(staged_at_us, 1000000)))";

const TABLES: &[Table] = &[
    Table {
        name: "lines",
        columns: "id Int64, at_ms Int64, ts Nullable(Int64), received_at Int64, log_group {lc}, log_stream String, function {lc}, request_id Nullable(String), event_id Nullable(String), message String {zstd}",
        engine: "ReplacingMergeTree()",
        partition: Some(DAY_PARTITION),
        order_by: "(function, at_ms, id)",
        // A line's id is its identity (a replayed line is written again with its id).
        shard_key: "intHash64(id)",
    },
    Table {
        name: "open_streams",
        columns: "log_group String, log_stream String, replay_from Int64, open UInt8, version Int64",
        engine: "ReplacingMergeTree(version)",
        partition: None,
        order_by: "(log_group, log_stream)",
        shard_key: "cityHash64(log_group, log_stream)",
    },
    Table {
        name: "ingest_requests",
        columns: "request_key String, at_ms Int64",
        engine: "ReplacingMergeTree()",
        partition: Some(DAY_PARTITION),
        order_by: "request_key",
        shard_key: "cityHash64(request_key)",
    },
    Table {
        name: "invocations",
        columns: "id Int64, invocation_key String, sign Int8, at_ms Int64, function {lc}, log_group {lc}, request_id String, outcome {lc}, complete UInt8, cold_start UInt8, snapstart_restore UInt8, memory_at_limit UInt8, billed_ms Int64, cost_usd Float64, max_memory_used_mb UInt32, memory_size_mb UInt32, duration_ms Float64, sketch_ms Float64, sketch_new UInt8, sketch_bucket Int16, sketch_zero UInt8, error_fingerprint String, body String {zstd}",
        engine: "CollapsingMergeTree(sign)",
        partition: Some(DAY_PARTITION),
        order_by: "(function, at_ms, invocation_key)",
        shard_key: "cityHash64(invocation_key)",
    },
    Table {
        name: "error_occurrences",
        columns: "id Int64, occurrence_key String, fingerprint String, function {lc}, request_id Nullable(String), ts Nullable(Int64), at_ms Int64, seq Int64, error_type String, message String, stack String {zstd}, unhandled UInt8",
        engine: "ReplacingMergeTree()",
        partition: Some(DAY_PARTITION),
        order_by: "(fingerprint, occurrence_key)",
        shard_key: "cityHash64(fingerprint)",
    },
    Table {
        name: "error_groups",
        columns: "fingerprint String, function String, error_type String, message String, masked_message String, frames String, created_at Int64",
        engine: "ReplacingMergeTree()",
        partition: None,
        order_by: "fingerprint",
        shard_key: "cityHash64(fingerprint)",
    },
    Table {
        name: "error_group_status",
        columns: "fingerprint String, status String, resolved_at Nullable(Int64), regressions UInt64, version Int64",
        engine: "ReplacingMergeTree(version)",
        partition: None,
        order_by: "fingerprint",
        shard_key: "cityHash64(fingerprint)",
    },
    Table {
        name: "security_events",
        columns: "id Int64, event_key String, risk {lc}, kind {lc}, function {lc}, request_id Nullable(String), ts Nullable(Int64), at_ms Int64, detail String, received_at Int64",
        engine: "ReplacingMergeTree()",
        partition: Some(DAY_PARTITION),
        order_by: "(at_ms, event_key)",
        shard_key: "cityHash64(event_key)",
    },
    Table {
        name: "metric_points",
        columns: "origin_line Int64, seq Int64, at_ms Int64, function {lc}, namespace String, name String, dimensions String, unit Nullable(String), count Int64, sum Float64, min Float64, max Float64",
        engine: "ReplacingMergeTree()",
        partition: Some(DAY_PARTITION),
        order_by: "(function, at_ms, origin_line, seq)",
        shard_key: "cityHash64(origin_line, seq)",
    },
    Table {
        name: "findings",
        columns: "stack String, upload Int64, seq UInt32, body String",
        engine: "MergeTree()",
        partition: None,
        order_by: "(stack, upload, seq)",
        shard_key: "cityHash64(stack)",
    },
    Table {
        name: "finding_uploads",
        columns: "stack String, upload Int64",
        engine: "ReplacingMergeTree(upload)",
        partition: None,
        order_by: "stack",
        shard_key: "cityHash64(stack)",
    },
    Table {
        name: "alert_rules",
        columns: "id Int64, version Int64, deleted UInt8, spec String, state String, last_value Nullable(Float64), last_notified_at Nullable(Int64), cursor_at Int64, created_at Int64, updated_at Int64",
        engine: "ReplacingMergeTree(version)",
        partition: None,
        order_by: "id",
        shard_key: "intHash64(id)",
    },
    Table {
        name: "alert_events",
        columns: "id Int64, rule_id Int64, at Int64, state String, value Nullable(Float64), message String, deliveries String",
        engine: "MergeTree()",
        partition: None,
        order_by: "(rule_id, id)",
        shard_key: "intHash64(rule_id)",
    },
    Table {
        name: "leases",
        columns: "name String, holder String, until_ms Int64, version Int64",
        engine: "ReplacingMergeTree(version)",
        partition: None,
        order_by: "name",
        shard_key: "cityHash64(name)",
    },
    // Events ingest nodes staged for the shared assembler, raw (redaction happens when
    // they are assembled); kept a day.
    Table {
        name: "staged",
        columns: "node String, id Int64, staged_at_us Int64, request_key String, timestamp_ms Nullable(Int64), message String {zstd}, log_group String, log_stream String, event_id Nullable(String), account Nullable(String), region Nullable(String)",
        engine: "ReplacingMergeTree()",
        partition: Some(STAGED_PARTITION),
        order_by: "(staged_at_us, node, id)",
        // By node only: a node's staging insert must land whole on one shard, or the
        // assembler could see ids after a gap still in flight and move past them.
        shard_key: "cityHash64(node)",
    },
    Table {
        name: "assembly_positions",
        columns: "node String, position Int64, version Int64",
        engine: "ReplacingMergeTree(version)",
        partition: None,
        order_by: "node",
        shard_key: "cityHash64(node)",
    },
    Table {
        name: "schema_migrations",
        columns: "version UInt32, applied_at Int64",
        engine: "ReplacingMergeTree()",
        partition: None,
        order_by: "version",
        shard_key: "version",
    },
];

/// The rollup columns: aggregate states the materialized views fill from `invocations`.
const ROLLUP_COLUMNS: &str = "function {lc}, bucket Int64, log_group AggregateFunction(any, String), invocations AggregateFunction(sum, Int64), error AggregateFunction(sum, Int64), timeout AggregateFunction(sum, Int64), out_of_memory AggregateFunction(sum, Int64), init_error AggregateFunction(sum, Int64), crash AggregateFunction(sum, Int64), cold_starts AggregateFunction(sum, Int64), snapstart_restores AggregateFunction(sum, Int64), memory_at_limit AggregateFunction(sum, Int64), incomplete AggregateFunction(sum, Int64), billed_ms AggregateFunction(sum, Int64), cost_usd AggregateFunction(sum, Float64), max_memory_used_mb AggregateFunction(max, UInt32), memory_size_mb AggregateFunction(max, UInt32), duration_max_ms AggregateFunction(max, Float64), sketch_count AggregateFunction(sum, Int64), sketch_min AggregateFunction(min, Float64), sketch_max AggregateFunction(max, Float64), sketch_zeros AggregateFunction(sum, Int64), sketch_buckets AggregateFunction(sumMap, Array(Int16), Array(Int64))";

/// No duration / no minimum: sentinels, since aggregate states of `Nullable` columns do
/// not mix across versions.
pub const NO_VALUE: f64 = -1.0;
pub const NO_MINIMUM: f64 = 1e300;

fn rollup_select(width: i64) -> String {
    let flag = |column: &str| format!("sumState(toInt64(sign * {column}))");
    let outcome = |name: &str| format!("sumState(toInt64(sign * (outcome = '{name}')))");
    let sketched = "sign > 0 AND sketch_new = 1 AND sketch_ms >= 0";
    format!(
        "SELECT function, intDiv(at_ms, {width}) AS bucket, anyState(toString(log_group)) AS log_group, \
         sumState(toInt64(sign)) AS invocations, {error} AS error, {timeout} AS timeout, {oom} AS out_of_memory, \
         {init} AS init_error, {crash} AS crash, {cold} AS cold_starts, {snap} AS snapstart_restores, \
         {limit} AS memory_at_limit, sumState(toInt64(sign * (1 - complete))) AS incomplete, \
         sumState(toInt64(sign * billed_ms)) AS billed_ms, sumState(sign * cost_usd) AS cost_usd, \
         maxState(if(sign > 0, max_memory_used_mb, toUInt32(0))) AS max_memory_used_mb, \
         maxState(if(sign > 0, memory_size_mb, toUInt32(0))) AS memory_size_mb, \
         maxState(if(sign > 0, duration_ms, {none})) AS duration_max_ms, \
         sumState(toInt64({sketched})) AS sketch_count, \
         minState(if({sketched}, sketch_ms, {nomin})) AS sketch_min, \
         maxState(if({sketched}, sketch_ms, {none})) AS sketch_max, \
         sumState(toInt64({sketched} AND sketch_zero = 1)) AS sketch_zeros, \
         sumMapState(if({sketched} AND sketch_zero = 0, [sketch_bucket], emptyArrayInt16()), if({sketched} AND sketch_zero = 0, [toInt64(1)], emptyArrayInt64())) AS sketch_buckets \
         FROM {{source}} GROUP BY function, bucket",
        error = outcome("error"),
        timeout = outcome("timeout"),
        oom = outcome("out_of_memory"),
        init = outcome("init_error"),
        crash = outcome("crash"),
        cold = flag("cold_start"),
        snap = flag("snapstart_restore"),
        limit = flag("memory_at_limit"),
        none = "-1.",
        nomin = "1e300",
    )
}

/// Checks a `--clickhouse-cluster` name, which goes into SQL unquoted.
pub fn check_cluster_name(name: &str) -> Result<(), String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "cluster name {name:?} may hold only letters, digits and _"
        ));
    }
    Ok(())
}

/// On a cluster, `system.parts` of every shard host, through a `Distributed` table
/// (retention and the store's size need every shard's parts, not the one host's).
const CLUSTER_PARTS: &str = "cluster_parts";

impl Layout {
    fn on_cluster(&self) -> String {
        match &self.cluster {
            Some(cluster) => format!(" ON CLUSTER {cluster}"),
            None => String::new(),
        }
    }

    /// The table rows are written to and read from (the `Distributed` one on a cluster).
    pub fn table(&self, name: &str) -> String {
        format!("{}.{name}", self.database)
    }

    /// The table that holds the data on a shard.
    fn storage(&self, name: &str) -> String {
        match self.cluster {
            Some(_) => format!("{}.{name}_local", self.database),
            None => self.table(name),
        }
    }

    fn columns(&self, columns: &str) -> String {
        if self.features.modern {
            columns
                .replace("{lc}", "LowCardinality(String)")
                .replace("{zstd}", "CODEC(ZSTD(3))")
        } else {
            columns.replace("{lc}", "String").replace(" {zstd}", "")
        }
    }

    fn create(
        &self,
        name: &str,
        columns: &str,
        engine: &str,
        partition: Option<&str>,
        order_by: &str,
        shard_key: &str,
    ) -> Vec<String> {
        let partition = partition
            .map(|p| format!(" PARTITION BY {p}"))
            .unwrap_or_default();
        let mut out = vec![format!(
            "CREATE TABLE IF NOT EXISTS {}{} ({}) ENGINE = {engine}{partition} ORDER BY {order_by}",
            self.storage(name),
            self.on_cluster(),
            self.columns(columns),
        )];
        if let Some(cluster) = &self.cluster {
            out.push(format!(
                "CREATE TABLE IF NOT EXISTS {}{} AS {} ENGINE = Distributed({cluster}, {}, {name}_local, {shard_key})",
                self.table(name),
                self.on_cluster(),
                self.storage(name),
                self.database,
            ));
        }
        out
    }

    /// Every statement `warden store migrate` runs, in order. All are idempotent.
    pub fn statements(&self) -> Vec<String> {
        let mut out = vec![format!(
            "CREATE DATABASE IF NOT EXISTS {}{}",
            self.database,
            self.on_cluster()
        )];
        if let Some(cluster) = &self.cluster {
            out.push(format!(
                "CREATE TABLE IF NOT EXISTS {}{} (database String, table String, partition String, rows UInt64, bytes_on_disk UInt64, active UInt8) ENGINE = Distributed({cluster}, system, parts)",
                self.table(CLUSTER_PARTS),
                self.on_cluster(),
            ));
        }
        for table in TABLES {
            let partition = table.partition;
            out.extend(self.create(
                table.name,
                table.columns,
                table.engine,
                partition,
                table.order_by,
                table.shard_key,
            ));
        }
        // A staging insert records its delivery ids itself, in the same insert on the same
        // server: a staging that failed leaves its delivery welcome again, one that landed
        // makes it a duplicate (two inserts could fail between them, and on a cluster the
        // ids' shard can be down while the events' is up: the retry would stage it twice).
        out.push(format!(
            "CREATE MATERIALIZED VIEW IF NOT EXISTS {}_requests_mv{} TO {} AS SELECT request_key, toInt64(intDiv(any(staged_at_us), 1000)) AS at_ms FROM {} WHERE request_key != '' GROUP BY request_key",
            self.storage("staged"),
            self.on_cluster(),
            self.storage("ingest_requests"),
            self.storage("staged"),
        ));
        for (name, width) in TIERS {
            let partition = if width == DAY_MS {
                "toYYYYMM(toDateTime(intDiv(bucket * 86400000, 1000)))".to_owned()
            } else {
                format!("toYYYYMMDD(toDateTime(intDiv(bucket * {width}, 1000)))")
            };
            out.extend(self.create(
                name,
                ROLLUP_COLUMNS,
                "AggregatingMergeTree()",
                Some(&partition),
                "(function, bucket)",
                "cityHash64(function)",
            ));
            // The view reads the shard's own invocations and writes its own rollups; a
            // `Distributed` read merges the states of every shard.
            out.push(format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {}_mv{} TO {} AS {}",
                self.storage(name),
                self.on_cluster(),
                self.storage(name),
                rollup_select(width).replace("{source}", &self.storage("invocations")),
            ));
        }
        out
    }

    /// The tables `apply_retention` drops daily partitions of, with the partition's unit.
    pub fn partitioned_tables(&self) -> Vec<String> {
        TABLES
            .iter()
            .filter(|t| matches!(t.partition, Some(DAY_PARTITION | STAGED_PARTITION)))
            .map(|t| t.name.to_owned())
            .collect()
    }

    /// The table name that holds a logical table's parts (for `system.parts`).
    pub fn storage_name(&self, name: &str) -> String {
        match self.cluster {
            Some(_) => format!("{name}_local"),
            None => name.to_owned(),
        }
    }

    pub fn on_cluster_clause(&self) -> String {
        self.on_cluster()
    }

    /// `system.parts` of every host that holds the tables.
    pub fn parts_table(&self) -> String {
        match self.cluster {
            Some(_) => self.table(CLUSTER_PARTS),
            None => "system.parts".to_owned(),
        }
    }

    /// `IN` for a subquery over a table of this layout: on a cluster `GLOBAL IN`, so the
    /// subquery runs once on the host asked and its result goes to every shard (a plain
    /// `IN` there would be a subquery over a `Distributed` table on each shard, which
    /// ClickHouse refuses by default and which would read every shard once per shard).
    pub fn in_subquery(&self) -> &'static str {
        match self.cluster {
            Some(_) => "GLOBAL IN",
            None => "IN",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(modern: bool, cluster: Option<&str>) -> Layout {
        Layout {
            database: "warden".into(),
            cluster: cluster.map(str::to_owned),
            features: Features { modern },
        }
    }

    #[test]
    fn versions_decide_the_modern_features() {
        assert!(!Features::of_version("18.16.1").modern);
        assert!(Features::of_version("24.8.4.13").modern);
        assert!(!Features::of_version("garbage").modern);
    }

    #[test]
    fn old_servers_get_no_codecs_and_no_low_cardinality() {
        let old = layout(false, None).statements().join("\n");
        assert!(
            !old.contains("LowCardinality") && !old.contains("CODEC"),
            "{old}"
        );
        assert!(!old.contains("{lc}") && !old.contains("{zstd}"));
        let new = layout(true, None).statements().join("\n");
        assert!(new.contains("function LowCardinality(String)"));
        assert!(new.contains("message String CODEC(ZSTD(3))"));
    }

    #[test]
    fn a_cluster_gets_local_tables_and_distributed_ones() {
        let statements = layout(false, Some("two")).statements();
        let all = statements.join("\n");
        assert!(all.contains("CREATE TABLE IF NOT EXISTS warden.lines_local ON CLUSTER two"));
        assert!(all.contains(
            "ENGINE = Distributed(two, warden, invocations_local, cityHash64(invocation_key))"
        ));
        assert!(all.contains("TO warden.rollups_hour_local AS SELECT"));
        assert!(all.contains("FROM warden.invocations_local GROUP BY"));
        assert!(all.contains(
            "CREATE TABLE IF NOT EXISTS warden.cluster_parts ON CLUSTER two (database String, table String, partition String, rows UInt64, bytes_on_disk UInt64, active UInt8) ENGINE = Distributed(two, system, parts)"
        ));
        // A node's staging insert lands on one shard whole.
        assert!(all.contains("Distributed(two, warden, staged_local, cityHash64(node))"));
        let single = layout(false, None).statements().join("\n");
        assert!(!single.contains("Distributed") && !single.contains("ON CLUSTER"));
    }

    /// Rows that deduplicate (ReplacingMergeTree), collapse (CollapsingMergeTree) or merge
    /// (rollups, written per shard by the views) must meet on one shard: every column of
    /// a table's shard key is part of its sorting key, so two rows with the same sorting
    /// key always go to the same shard.
    #[test]
    fn every_shard_key_is_made_of_sorting_key_columns() {
        for table in TABLES {
            let columns = table
                .shard_key
                .trim_start_matches("cityHash64(")
                .trim_start_matches("intHash64(")
                .trim_end_matches(')');
            for column in columns.split(',').map(str::trim) {
                assert!(
                    table.order_by.contains(column),
                    "{}: shard key column {column} is not in ORDER BY {}",
                    table.name,
                    table.order_by
                );
            }
        }
    }

    #[test]
    fn cluster_names_are_plain_identifiers() {
        assert!(check_cluster_name("two_shards").is_ok());
        assert!(check_cluster_name("").is_err());
        assert!(check_cluster_name("a; DROP DATABASE x").is_err());
    }
}
