//! The ClickHouse store answers every `Store` question as the SQLite store does, for the
//! same lines fed through the server's real ingest pipeline (the demo generator's five
//! functions: errors, timeouts, cold starts, security events, EMF metrics).
//!
//! Row ids differ by design (SQLite counts, ClickHouse hashes keys), so records are compared
//! without them.
//!
//! The same suite runs on one server and on a two-shard cluster (two 18.16 servers with a
//! ZooKeeper for their `ON CLUSTER` DDL, the schema behind `Distributed` tables).

mod support;

use std::sync::Arc;

use serde_json::{json, Value};
use warden_clickhouse::ClickHouseStore;
use warden_logs::AssemblerConfig;
use warden_server::alert_rules::{AlertRuleSpec, AlertState};
use warden_server::store::sqlite::SqliteStore;
use warden_server::store::{
    AlertUpdate, FindingRecord, FunctionRollup, GroupQuery, GroupStatus, InvocationQuery,
    LineQuery, RetentionPolicy, SecurityQuery, Store, Window,
};

const HOUR: i64 = 3_600_000;

/// Feeds the events through a pipeline; with `clickhouse`, waits until the shared assembler
/// has assembled them and closed what went idle.
async fn ingest(
    store: Arc<dyn Store>,
    events: &[warden_logs::OwnedLogEvent],
    clickhouse: Option<Arc<ClickHouseStore>>,
) {
    let handle = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            warden_server::pipeline::start(
                store,
                AssemblerConfig {
                    scan_security: true,
                    ..AssemblerConfig::default()
                },
            )
        })
        .await
        .unwrap()
        .unwrap()
    };
    for chunk in events.chunks(400) {
        handle.submit(chunk.to_vec(), None).await.unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    handle.close_idle(1).await;
    if let Some(clickhouse) = clickhouse {
        support::wait_until_assembled(clickhouse).await;
    }
}

/// A rollup as comparable JSON: counts exact, cost to the micro-dollar, and the duration
/// sketch by what it answers.
fn rollup_json(rollup: &FunctionRollup) -> Value {
    json!({
        "function": rollup.function, "log_group": rollup.log_group,
        "invocations": rollup.invocations, "error": rollup.error, "timeout": rollup.timeout,
        "out_of_memory": rollup.out_of_memory, "init_error": rollup.init_error, "crash": rollup.crash,
        "cold_starts": rollup.cold_starts, "snapstart_restores": rollup.snapstart_restores,
        "memory_at_limit": rollup.memory_at_limit, "incomplete": rollup.incomplete,
        "billed_ms": rollup.billed_ms, "cost_micro_usd": (rollup.cost_usd * 1e6).round(),
        "max_memory_used_mb": rollup.max_memory_used_mb, "memory_size_mb": rollup.memory_size_mb,
        "duration_max_ms": rollup.duration_max_ms,
        "durations": { "count": rollup.durations.count(), "exact": rollup.durations.is_exact(),
                       "percentiles": serde_json::to_value(rollup.durations.percentiles()).unwrap() },
    })
}

/// Sums of floats differ in their last bits with the order of addition, and 18.16 parses
/// decimal text up to one unit in the last place off.
fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

/// A serialised record without its `id` fields (at any depth).
fn without_ids(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("id");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    value
}

/// Records in a stable order that ignores their ids.
fn sorted(items: Vec<Value>) -> Vec<Value> {
    let mut items: Vec<Value> = items.into_iter().map(without_ids).collect();
    items.sort_by_key(|v| v.to_string());
    items
}

fn both<T: serde::Serialize>(
    sqlite: &dyn Store,
    clickhouse: &dyn Store,
    what: &str,
    ask: impl Fn(&dyn Store) -> T,
) -> Value {
    let a = without_ids(serde_json::to_value(ask(sqlite)).unwrap());
    let b = without_ids(serde_json::to_value(ask(clickhouse)).unwrap());
    if let Some(difference) = first_difference(&a, &b, String::new()) {
        if let Some(dir) = std::env::var_os("WARDEN_PARITY_DUMP") {
            let dir = std::path::PathBuf::from(dir);
            let name = what.replace(' ', "-");
            let dump = |side: &str, v: &Value| {
                let text = match v {
                    Value::Array(items) => items.iter().map(|i| i.to_string() + "\n").collect(),
                    other => other.to_string(),
                };
                std::fs::write(dir.join(format!("{name}.{side}")), text).unwrap();
            };
            dump("sqlite", &a);
            dump("clickhouse", &b);
        }
        panic!("{what}: SQLite and ClickHouse differ at {difference}");
    }
    a
}

/// Where two JSON values first differ, with both sides there.
fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (l, r) = (
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                );
                if let Some(found) = first_difference(l, r, format!("{path}.{key}")) {
                    return Some(found);
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                let first = x.iter().zip(y).position(|(l, r)| l != r);
                return Some(format!(
                    "{path}: {} items (SQLite) vs {} (ClickHouse); first different: {:?}",
                    x.len(),
                    y.len(),
                    first.map(|i| (&x[i], &y[i]))
                ));
            }
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                if let Some(found) = first_difference(l, r, format!("{path}[{i}]")) {
                    return Some(found);
                }
            }
            (x.len() != y.len()).then(|| {
                format!(
                    "{path}: {} items (SQLite) vs {} (ClickHouse)",
                    x.len(),
                    y.len()
                )
            })
        }
        _ => (a != b).then(|| format!("{path}: {a} (SQLite) vs {b} (ClickHouse)")),
    }
}

/// Feeds the same lines to SQLite and to `store`, then compares every answer; returns
/// when the comparison was made.
async fn parity(store: Arc<ClickHouseStore>) -> i64 {
    let clickhouse: Arc<dyn Store> = store.clone();
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
    let now = warden_server::clock::now_ms();
    let events = warden_server::demo::generate(now - HOUR, 90, 0.15, 11);
    assert!(events.len() > 1_000, "{}", events.len());
    ingest(sqlite.clone(), &events, None).await;
    ingest(clickhouse.clone(), &events, Some(store.clone())).await;
    // The first lines again (a restarted forwarder without delivery ids).
    ingest(sqlite.clone(), &events[..600], None).await;
    ingest(clickhouse.clone(), &events[..600], Some(store.clone())).await;

    let (s, c) = (sqlite.clone(), clickhouse.clone());
    tokio::task::spawn_blocking(move || compare(s.as_ref(), c.as_ref(), now))
        .await
        .unwrap();
    now
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_answers_every_question_as_sqlite() {
    if !support::available() {
        return;
    }
    let server = support::ClickHouse::start();
    let statements = tempfile::tempdir().unwrap();
    let log = statements.path().join("statements.jsonl");
    let mut store = server.store();
    let database = store.layout().database.clone();
    store.log_statements(std::fs::File::create(&log).unwrap());
    parity(Arc::new(store)).await;

    // Every statement of this test, replayed on a current ClickHouse (chdb) over the schema
    // generated for it, answers as 18.16 did.
    if let Some(python) = support::chdb_python() {
        let schema = statements.path().join("schema.sql");
        let layout = warden_clickhouse::schema::Layout {
            database,
            cluster: None,
            features: warden_clickhouse::schema::Features::of_version("26.1"),
        };
        std::fs::write(&schema, layout.statements().join(";\n") + ";\n").unwrap();
        let output = std::process::Command::new(python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/chdb_replay.py"))
            .arg(&schema)
            .arg(&log)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{report}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        eprintln!("{report}");
    }
}

/// On a two-shard cluster: the same answers, with rows on both shards, and retention
/// dropping the partitions of both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_shard_cluster_answers_every_question_as_sqlite() {
    if !support::cluster_available() {
        return;
    }
    let cluster = support::Cluster::start();
    let store = Arc::new(cluster.store());
    let database = store.layout().database.clone();
    // Migrated once through the first shard, the schema is on both.
    for shard in &cluster.shards {
        let tables = shard.query(&format!(
            "SELECT name FROM system.tables WHERE database = '{database}' AND name IN ('invocations', 'invocations_local', 'rollups_day_local_mv', 'leases', 'leases_local') ORDER BY name"
        ));
        assert_eq!(
            tables.split_whitespace().collect::<Vec<_>>(),
            [
                "invocations",
                "invocations_local",
                "leases",
                "leases_local",
                "rollups_day_local_mv"
            ],
            "{database} on port {}",
            shard.http_port
        );
    }
    let now = parity(store.clone()).await;

    // The rows are spread: each shard holds some of them, and together all of them.
    let stats = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.stats().unwrap())
            .await
            .unwrap()
    };
    for table in ["lines", "invocations", "rollups_minute", "open_streams"] {
        let rows = cluster.rows_per_shard(&database, table);
        assert!(rows.iter().all(|&n| n > 0), "{table} per shard: {rows:?}");
    }
    let lines = cluster.rows_per_shard(&database, "lines");
    assert!(
        lines.iter().sum::<u64>() >= stats.lines,
        "{lines:?} {stats:?}"
    );
    // The store's size counts every shard's parts, not those of the host it talks to.
    let sizes: Vec<u64> = cluster
        .shards
        .iter()
        .map(|shard| {
            shard
                .query(&format!(
                    "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = '{database}'"
                ))
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        stats.size_bytes > *sizes.iter().max().unwrap(),
        "{} bytes vs shards {sizes:?}",
        stats.size_bytes
    );

    // Retention drops the old days' partitions on both shards (`ON CLUSTER`).
    let report = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            store
                .apply_retention(
                    RetentionPolicy {
                        days: 1,
                        max_bytes: u64::MAX,
                    },
                    now + 3 * 86_400_000,
                )
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(report.lines_deleted >= stats.lines, "{report:?}");
    for table in ["lines", "invocations", "security_events", "staged"] {
        assert_eq!(
            cluster.rows_per_shard(&database, table),
            [0, 0],
            "{table} after retention"
        );
    }
}

fn compare(sqlite: &dyn Store, clickhouse: &dyn Store, now: i64) {
    let window = Window {
        from_ms: now - 3 * HOUR,
        to_ms: now + HOUR,
    };
    // Rollups over the whole window and over ragged sub-windows.
    for window in [
        window,
        Window {
            from_ms: now - 100 * 60_000 - 1_234,
            to_ms: now - 70 * 60_000 + 17,
        },
    ] {
        let rollups = both(sqlite, clickhouse, "rollups", |store| {
            store
                .rollups(window)
                .unwrap()
                .iter()
                .map(rollup_json)
                .collect::<Vec<_>>()
        });
        assert!(!rollups.as_array().unwrap().is_empty());
    }
    let totals = sqlite.rollups(window).unwrap();
    assert!(totals.iter().any(|r| r.failures() > 0 && r.cold_starts > 0));
    assert!(
        totals.iter().any(|r| !r.durations.is_exact()),
        "a sketch past its exact limit"
    );
    let function = totals[0].function.clone();
    for step in [60_000, 300_000, HOUR] {
        both(sqlite, clickhouse, "series", |store| {
            store
                .series(&function, window, step)
                .unwrap()
                .iter()
                .map(|b| json!([b.start_ms, rollup_json(&b.rollup)]))
                .collect::<Vec<_>>()
        });
        both(sqlite, clickhouse, "sparklines", |store| {
            store.sparklines(window, step).unwrap()
        });
    }
    for function in totals.iter().map(|r| r.function.clone()) {
        both(sqlite, clickhouse, "custom metrics", |store| {
            let (metrics, truncated) = store.custom_metrics(&function, window, 300_000).unwrap();
            let metrics: Vec<Value> = metrics
                .iter()
                .map(|m| {
                    json!({
                        "namespace": m.namespace, "name": m.name, "unit": m.unit, "dimensions": m.dimensions,
                        "total": [m.total.count, round6(m.total.sum), round6(m.total.min), round6(m.total.max)],
                        "buckets": m.buckets.iter().map(|b| json!([b.start_ms, b.aggregate.count, round6(b.aggregate.sum), round6(b.aggregate.min), round6(b.aggregate.max)])).collect::<Vec<_>>(),
                    })
                })
                .collect();
            (metrics, truncated)
        });
    }

    // Invocations: every one, then narrowed searches.
    let all = both(sqlite, clickhouse, "invocations", |store| {
        sorted(
            store
                .search_invocations(&InvocationQuery {
                    limit: 100_000,
                    ..InvocationQuery::default()
                })
                .unwrap()
                .iter()
                .map(|r| serde_json::to_value(r).unwrap())
                .collect(),
        )
    });
    assert!(all.as_array().unwrap().len() > 200);
    for query in [
        InvocationQuery {
            function: Some(function.clone()),
            outcome: Some("failure".into()),
            limit: 50,
            ..InvocationQuery::default()
        },
        InvocationQuery {
            cold_start: Some(true),
            limit: 10_000,
            ..InvocationQuery::default()
        },
        InvocationQuery {
            text: Some("card declined".into()),
            limit: 10_000,
            ..InvocationQuery::default()
        },
        InvocationQuery {
            outcome: Some("timeout".into()),
            from_ms: Some(now - 120 * 60_000),
            to_ms: Some(now),
            limit: 10_000,
            ..InvocationQuery::default()
        },
    ] {
        both(sqlite, clickhouse, "invocation search", |store| {
            sorted(
                store
                    .search_invocations(&query)
                    .unwrap()
                    .iter()
                    .map(|r| serde_json::to_value(r).unwrap())
                    .collect(),
            )
        });
    }
    // One invocation opened with its lines and error, found by request id on each side.
    let failed = sqlite
        .search_invocations(&InvocationQuery {
            outcome: Some("error".into()),
            limit: 1,
            ..InvocationQuery::default()
        })
        .unwrap();
    let request = failed[0].invocation.request_id.clone();
    both(sqlite, clickhouse, "invocation detail", |store| {
        let found = store
            .search_invocations(&InvocationQuery {
                request_id: Some(request.clone()),
                limit: 1,
                ..InvocationQuery::default()
            })
            .unwrap();
        let detail = store.invocation(found[0].id, 100).unwrap().unwrap();
        assert!(detail.error.is_some() && !detail.lines.is_empty());
        detail
    });

    // Lines: all of them (the re-sent ones stored once), one request's, by outcome.
    let lines = both(sqlite, clickhouse, "lines", |store| {
        sorted(
            store
                .search_lines(&LineQuery {
                    limit: 1_000_000,
                    ..LineQuery::default()
                })
                .unwrap()
                .iter()
                .map(|r| serde_json::to_value(r).unwrap())
                .collect(),
        )
    });
    assert!(lines.as_array().unwrap().len() > 1_000);
    for query in [
        LineQuery {
            request_id: Some(request.clone()),
            limit: 100,
            ..LineQuery::default()
        },
        LineQuery {
            function: Some(function.clone()),
            outcome: Some("failure".into()),
            window: Some(window),
            limit: 100_000,
            ..LineQuery::default()
        },
    ] {
        both(sqlite, clickhouse, "line search", |store| {
            sorted(
                store
                    .search_lines(&query)
                    .unwrap()
                    .iter()
                    .map(|r| serde_json::to_value(r).unwrap())
                    .collect(),
            )
        });
    }

    // Error groups, their occurrences, status changes and a regression.
    // In their order: the dashboard lists them so.
    let groups = both(sqlite, clickhouse, "error groups", |store| {
        store
            .error_groups(&GroupQuery {
                limit: 1_000,
                ..GroupQuery::default()
            })
            .unwrap()
    });
    assert!(!groups.as_array().unwrap().is_empty());
    both(sqlite, clickhouse, "error groups in a window", |store| {
        store
            .error_groups(&GroupQuery {
                window: Some(Window {
                    from_ms: now - 100 * 60_000,
                    to_ms: now,
                }),
                limit: 1_000,
                ..GroupQuery::default()
            })
            .unwrap()
    });
    let fingerprint = groups[0]["fingerprint"].as_str().unwrap().to_owned();
    // The latest five, latest first (the group has more).
    let detail = both(sqlite, clickhouse, "error group detail", |store| {
        store.error_group(&fingerprint, 5).unwrap().unwrap()
    });
    assert!(detail["count"].as_u64().unwrap() > 5, "{detail}");
    both(sqlite, clickhouse, "error occurrences", |store| {
        let mut series = store
            .error_occurrences(&fingerprint, window, 600_000, 1_000)
            .unwrap();
        // Ids differ between the stores: order by what they say.
        series
            .occurrences
            .sort_by_key(|o| (o.timestamp.clone(), o.request_id.clone(), o.message.clone()));
        series
    });
    both(sqlite, clickhouse, "resolve", |store| {
        let resolved = store
            .set_error_group_status(&fingerprint, GroupStatus::Resolved, now)
            .unwrap();
        let missing = store
            .set_error_group_status("no-such-group", GroupStatus::Muted, now)
            .unwrap();
        let status = store
            .error_group(&fingerprint, 0)
            .unwrap()
            .unwrap()
            .group
            .status;
        (resolved, missing, status)
    });
    both(sqlite, clickhouse, "groups created later", |store| {
        store.error_groups_created_after(now + HOUR).unwrap()
    });

    // Security events and their groups.
    let query = SecurityQuery {
        window: Some(window),
        limit: 10_000,
        ..SecurityQuery::default()
    };
    let events = both(sqlite, clickhouse, "security events", |store| {
        sorted(
            store
                .security_events(&query)
                .unwrap()
                .iter()
                .map(|e| serde_json::to_value(e).unwrap())
                .collect(),
        )
    });
    assert!(!events.as_array().unwrap().is_empty());
    both(sqlite, clickhouse, "security groups", |store| {
        sorted(
            store
                .security_groups(&query)
                .unwrap()
                .iter()
                .map(|g| {
                    let mut g = serde_json::to_value(g).unwrap();
                    // The sample is the latest of equals; both pick one of the same kind.
                    g["sample"] = json!(g["sample"]["kind"]);
                    g
                })
                .collect(),
        )
    });

    // Findings: a stack's upload replaces its previous one.
    both(sqlite, clickhouse, "findings", |store| {
        let finding = |rule: &str| FindingRecord {
            stack: "shop".into(),
            rule_id: rule.into(),
            name: Some("a rule".into()),
            severity: "high".into(),
            risk: Some("broken-authentication".into()),
            message: "an open route".into(),
            file: Some("template.yaml".into()),
            line: Some(12),
            resource: Some("Api".into()),
            resource_type: Some("AWS::Serverless::Api".into()),
            mapped_function: None,
            uploaded_at: None,
        };
        store
            .replace_findings("shop", &[finding("WD101"), finding("WD102")], now)
            .unwrap();
        store
            .replace_findings("shop", &[finding("WD103")], now + 1)
            .unwrap();
        store.replace_findings("other", &[], now).unwrap();
        (
            store.findings(None).unwrap(),
            store.findings(Some("other")).unwrap(),
        )
    });

    // Alert rules: create, update, evaluate, history, delete.
    both(sqlite, clickhouse, "alert rules", |store| {
        let spec: AlertRuleSpec = serde_json::from_value(json!({
            "name": "timeouts", "condition": { "kind": "failure_count", "class": "timeout" },
            "window_seconds": 600, "threshold": 2 }))
        .unwrap();
        let rule = store.create_alert_rule(&spec, now).unwrap();
        let mut changed = spec.clone();
        changed.threshold = 5.0;
        store
            .update_alert_rule(rule.id, &changed, now + 1)
            .unwrap()
            .unwrap();
        store
            .apply_alert_update(&AlertUpdate {
                rule_id: rule.id,
                state: AlertState::Firing,
                value: Some(7.0),
                cursor_at_ms: now + 2,
                notified_at_ms: Some(now + 2),
                event: Some((
                    "7 timeouts".into(),
                    json!([{"channel": "webhook", "ok": true}]),
                )),
                at_ms: now + 2,
            })
            .unwrap();
        let rules = store.alert_rules().unwrap();
        let history = store.alert_history(Some(rule.id), 10).unwrap();
        let deleted = store.delete_alert_rule(rule.id).unwrap();
        let gone = store.alert_rule(rule.id).unwrap();
        (rules, history, deleted, gone, store.alert_rules().unwrap())
    });

    both(sqlite, clickhouse, "request keys", |store| {
        store.request_seen("never-sent").unwrap()
    });
    both(sqlite, clickhouse, "retention keeps recent data", |store| {
        let report = store
            .apply_retention(
                RetentionPolicy {
                    days: 30,
                    max_bytes: u64::MAX,
                },
                now,
            )
            .unwrap();
        (report.lines_deleted, report.invocations_deleted)
    });
    both(sqlite, clickhouse, "stats", |store| {
        let mut stats = store.stats().unwrap();
        stats.size_bytes = 0;
        stats
    });
}
