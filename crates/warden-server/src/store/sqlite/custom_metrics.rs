//! Custom metrics (EMF) in SQLite: per-minute aggregates per function, metric and dimension
//! set, and a ledger of counted points so that replays never count one twice.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection, Transaction};
use warden_logs::{MetricPoint, MetricStats};

use super::MINUTE_MS;
use crate::store::{CustomMetric, MetricBucket, StoreResult, Window, MAX_CUSTOM_METRICS};

/// Function, namespace, name, dimensions (JSON), minute.
pub(super) type MetricMinuteKey = (String, String, String, String, i64);

#[derive(Debug, Default)]
pub(super) struct MetricMinute {
    unit: Option<String>,
    aggregate: MetricStats,
}

/// Records that the `seq`-th point of a stored line was counted; false when it already was.
/// Points without a line (none today) are always counted.
pub(super) fn first_time_metric(
    tx: &Transaction<'_>,
    place: Option<(i64, i64)>,
    received_at_ms: i64,
) -> StoreResult<bool> {
    let Some((line, seq)) = place else {
        return Ok(true);
    };
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO metric_points (origin_line, seq, received_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![line, seq, received_at_ms])?;
    Ok(inserted == 1)
}

/// Adds a point's values to its minute.
pub(super) fn fold_metric(
    minutes: &mut HashMap<MetricMinuteKey, MetricMinute>,
    point: &MetricPoint,
    received_at_ms: i64,
) {
    let at = point.timestamp.unwrap_or(received_at_ms);
    let dimensions = serde_json::to_string(&point.dimensions).unwrap_or_else(|_| "{}".into());
    let minute = minutes
        .entry((
            point.function.clone(),
            point.namespace.clone(),
            point.name.clone(),
            dimensions,
            at.div_euclid(MINUTE_MS),
        ))
        .or_default();
    if point.unit.is_some() {
        minute.unit.clone_from(&point.unit);
    }
    for value in point.values.iter().copied().filter(|v| v.is_finite()) {
        minute.aggregate.add(value);
    }
}

pub(super) fn upsert_metric_minutes(
    tx: &Transaction<'_>,
    minutes: HashMap<MetricMinuteKey, MetricMinute>,
) -> StoreResult<()> {
    let mut upsert = tx.prepare_cached(
        "INSERT INTO metric_minutes (function, namespace, name, dimensions, minute, unit, count, sum, min, max)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (function, minute, namespace, name, dimensions) DO UPDATE SET
           unit = COALESCE(excluded.unit, unit),
           count = count + excluded.count,
           sum = sum + excluded.sum,
           min = MIN(min, excluded.min),
           max = MAX(max, excluded.max)",
    )?;
    for ((function, namespace, name, dimensions, minute), row) in minutes {
        // A point whose values were all non-finite adds nothing.
        if row.aggregate.count == 0 {
            continue;
        }
        let a = &row.aggregate;
        upsert.execute(params![
            function,
            namespace,
            name,
            dimensions,
            minute,
            row.unit,
            a.count as i64,
            a.sum,
            a.min,
            a.max
        ])?;
    }
    Ok(())
}

/// The custom metrics of a function in a window, with buckets of `step_ms` (only buckets
/// that hold values). At most [`MAX_CUSTOM_METRICS`] series, in name order; the flag says
/// whether more exist.
pub(super) fn custom_metrics(
    connection: &Connection,
    function: &str,
    window: Window,
    step_ms: i64,
) -> StoreResult<(Vec<CustomMetric>, bool)> {
    let from = window.from_ms.div_euclid(MINUTE_MS);
    let to =
        window.to_ms.div_euclid(MINUTE_MS) + i64::from(window.to_ms.rem_euclid(MINUTE_MS) != 0);
    let mut statement = connection.prepare_cached(
        "SELECT namespace, name, dimensions, minute, unit, count, sum, min, max FROM metric_minutes
         WHERE function = ?1 AND minute >= ?2 AND minute < ?3
         ORDER BY namespace, name, dimensions, minute",
    )?;
    let mut rows = statement.query(params![function, from, to])?;
    // Rows come in series order, so the first series are kept whole.
    let mut series: BTreeMap<(String, String, String), CustomMetric> = BTreeMap::new();
    let mut truncated = false;
    while let Some(row) = rows.next()? {
        let key: (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let minute: i64 = row.get(3)?;
        let unit: Option<String> = row.get(4)?;
        let aggregate = MetricStats {
            count: row.get::<_, i64>(5)?.max(0) as u64,
            sum: row.get(6)?,
            min: row.get(7)?,
            max: row.get(8)?,
        };
        if !series.contains_key(&key) {
            if series.len() >= MAX_CUSTOM_METRICS {
                truncated = true;
                continue;
            }
            let dimensions: BTreeMap<String, String> =
                serde_json::from_str(&key.2).unwrap_or_default();
            series.insert(
                key.clone(),
                CustomMetric {
                    namespace: key.0.clone(),
                    name: key.1.clone(),
                    unit: None,
                    dimensions,
                    total: MetricStats::default(),
                    buckets: Vec::new(),
                },
            );
        }
        let metric = series.get_mut(&key).expect("inserted above");
        if unit.is_some() {
            metric.unit = unit;
        }
        metric.total.merge(&aggregate);
        // Buckets start at a multiple of the step, like the invocation series.
        let start = (minute * MINUTE_MS).div_euclid(step_ms) * step_ms;
        match metric.buckets.binary_search_by_key(&start, |b| b.start_ms) {
            Ok(i) => metric.buckets[i].aggregate.merge(&aggregate),
            Err(i) => metric.buckets.insert(
                i,
                MetricBucket {
                    start_ms: start,
                    aggregate,
                },
            ),
        }
    }
    Ok((series.into_values().collect(), truncated))
}

/// Forgets counted points and minutes older than the cutoff.
pub(super) fn apply_retention(connection: &Connection, cutoff_ms: i64) -> StoreResult<()> {
    connection.execute(
        "DELETE FROM metric_minutes WHERE minute < ?1",
        params![cutoff_ms.div_euclid(MINUTE_MS)],
    )?;
    connection.execute(
        "DELETE FROM metric_points WHERE received_at < ?1",
        params![cutoff_ms],
    )?;
    Ok(())
}
