//! Window queries read day, hour and minute rollups; whatever mix of tiers a window needs,
//! its totals and percentiles are those of the raw invocations in it (to the minute).

use warden_logs::{Emitted, Invocation, Outcome, Sketch};
use warden_server::demo::Rng;
use warden_server::store::sqlite::SqliteStore;
use warden_server::store::{BatchItem, Store, Window, WriteBatch};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;

fn invocation(n: u64, function: &str, end: i64, rng: &mut Rng) -> Invocation {
    let roll = rng.unit();
    let outcome = if roll < 0.05 {
        Outcome::Error
    } else if roll < 0.07 {
        Outcome::Timeout
    } else {
        Outcome::Success
    };
    let duration = (1.0 + rng.unit().powi(3) * 3000.0 * 100.0).round() / 100.0;
    Invocation {
        key: format!("{n:032x}"),
        revision: 0,
        proactive_init: false,
        alias: None,
        account: None,
        region: None,
        log_group: format!("/aws/lambda/{function}"),
        function: function.to_owned(),
        log_stream: format!("s{}", n % 7),
        request_id: format!("{n:08x}-0000-4000-8000-000000000000"),
        start: Some(end - duration as i64),
        end: Some(end),
        outcome,
        complete: true,
        cold_start: rng.unit() < 0.1,
        snapstart_restore: false,
        duration_ms: Some(duration),
        billed_duration_ms: Some(duration.ceil() as u64),
        memory_size_mb: Some(128),
        max_memory_used_mb: Some(40 + (n % 50) as u32),
        init_duration_ms: None,
        restore_duration_ms: None,
        status: None,
        error_type: None,
        version: None,
        xray_trace_id: None,
        cost_usd: Some(duration.ceil() / 1000.0 * 0.125 * 0.000_016_666_7),
        lines: 3,
        error: None,
    }
}

#[test]
fn window_totals_from_rollups_equal_the_raw_invocations() {
    let store = SqliteStore::in_memory().unwrap();
    let now = 1_780_000_000_000i64 + 37 * MINUTE + 12_345;
    let mut rng = Rng::new(7);
    let mut raw = Vec::new();
    // 40 days of invocations in three functions, at random times, written in batches
    // that cut across minutes, hours and days; some functions busy enough for bucketed
    // sketches, one sparse enough to stay exact over short windows.
    for (function, count) in [("busy", 30_000u64), ("steady", 6_000), ("sparse", 300)] {
        let mut batch = WriteBatch {
            received_at_ms: now,
            ..WriteBatch::default()
        };
        for n in 0..count {
            let end = now - (rng.unit() * 40.0 * DAY as f64) as i64;
            let id = raw.len() as u64;
            let item = invocation(id, function, end, &mut rng);
            raw.push(item.clone());
            batch.items.push(BatchItem {
                origin_line: None,
                item: Emitted::Invocation(Box::new(item)),
            });
            if n % 997 == 996 {
                store.write_batch(&batch).unwrap();
                batch.items.clear();
            }
        }
        store.write_batch(&batch).unwrap();
    }

    let mut windows = vec![
        (now - DAY, now),
        (now - 7 * DAY, now),
        (now - 30 * DAY, now),
        (now - 3 * HOUR - 17 * MINUTE, now - 11 * MINUTE),
        (now - 12 * MINUTE, now),
    ];
    for _ in 0..12 {
        let from = now - (rng.unit() * 39.0 * DAY as f64) as i64;
        let to = from + (rng.unit() * 20.0 * DAY as f64) as i64 + 1;
        windows.push((from, to.min(now)));
    }
    for (from, to) in windows {
        let window = Window {
            from_ms: from,
            to_ms: to,
        };
        let rollups = store.rollups(window).unwrap();
        // Minutes are the finest grain: the window's ends count whole minutes.
        let first = from.div_euclid(MINUTE) * MINUTE;
        let end = to.div_euclid(MINUTE) * MINUTE + if to % MINUTE != 0 { MINUTE } else { 0 };
        for function in ["busy", "steady", "sparse"] {
            let inside: Vec<&Invocation> = raw
                .iter()
                .filter(|i| i.function == function)
                .filter(|i| (first..end).contains(&i.end.unwrap()))
                .collect();
            let rollup = rollups.iter().find(|r| r.function == function);
            let Some(rollup) = rollup else {
                assert!(inside.is_empty(), "{function} missing in {from}..{to}");
                continue;
            };
            let label = format!(
                "{function} in {}..{} ({} min)",
                from,
                to,
                (to - from) / MINUTE
            );
            assert_eq!(rollup.invocations, inside.len() as u64, "{label}");
            let count =
                |outcome: Outcome| inside.iter().filter(|i| i.outcome == outcome).count() as u64;
            assert_eq!(rollup.error, count(Outcome::Error), "{label}");
            assert_eq!(rollup.timeout, count(Outcome::Timeout), "{label}");
            assert_eq!(
                rollup.cold_starts,
                inside.iter().filter(|i| i.cold_start).count() as u64,
                "{label}"
            );
            assert_eq!(
                rollup.billed_ms,
                inside
                    .iter()
                    .map(|i| i.billed_duration_ms.unwrap())
                    .sum::<u64>(),
                "{label}"
            );
            let cost: f64 = inside.iter().map(|i| i.cost_usd.unwrap()).sum();
            assert!((rollup.cost_usd - cost).abs() < 1e-9, "{label}");
            assert_eq!(
                rollup.max_memory_used_mb,
                inside.iter().map(|i| i.max_memory_used_mb.unwrap()).max(),
                "{label}"
            );
            // Percentiles: what one sketch of all the raw durations says (exact while
            // few, else the same buckets), and never above the maximum.
            let mut sketch = Sketch::default();
            for i in &inside {
                sketch.add(i.duration_ms.unwrap());
            }
            assert_eq!(rollup.durations.count(), inside.len() as u64, "{label}");
            assert_eq!(rollup.durations.is_exact(), sketch.is_exact(), "{label}");
            assert_eq!(
                rollup.durations.percentiles(),
                sketch.percentiles(),
                "{label}"
            );
        }
    }
}

#[test]
fn whole_days_read_from_the_day_tier_agree_with_their_hours() {
    // The day tier is maintained at ingest beside the hour tier; a window of whole days
    // reads only days, its hourly series only hours.
    let store = SqliteStore::in_memory().unwrap();
    let now = 1_780_000_000_000i64;
    let mut rng = Rng::new(3);
    let mut batch = WriteBatch {
        received_at_ms: now,
        ..WriteBatch::default()
    };
    for n in 0..5_000u64 {
        let end = now - (rng.unit() * 10.0 * DAY as f64) as i64;
        batch.items.push(BatchItem {
            origin_line: None,
            item: Emitted::Invocation(Box::new(invocation(n, "f", end, &mut rng))),
        });
    }
    store.write_batch(&batch).unwrap();
    // Whole days: read from the day tier only; the same span cut at hours reads hours.
    let day_start = (now - 8 * DAY).div_euclid(DAY) * DAY;
    let by_days = store
        .rollups(Window {
            from_ms: day_start,
            to_ms: day_start + 5 * DAY,
        })
        .unwrap();
    let by_hours: Vec<_> = (0..5)
        .map(|d| {
            store
                .series(
                    "f",
                    Window {
                        from_ms: day_start + d * DAY,
                        to_ms: day_start + (d + 1) * DAY,
                    },
                    HOUR,
                )
                .unwrap()
        })
        .collect();
    let hourly: u64 = by_hours
        .iter()
        .flatten()
        .map(|b| b.rollup.invocations)
        .sum();
    assert_eq!(by_days[0].invocations, hourly);
    assert!(hourly > 1_000);
}

#[test]
fn late_data_in_an_old_window_is_counted_after_the_window_was_read() {
    // Reading a window keeps the folds of its sealed ranges; an invocation that arrives
    // late into those ranges (or retention deleting them) must show on the next read.
    let store = SqliteStore::in_memory().unwrap();
    let now = warden_server::clock::now_ms();
    let mut rng = Rng::new(11);
    let write = |ids: std::ops::Range<u64>, days_ago: f64, rng: &mut Rng| {
        let mut batch = WriteBatch {
            received_at_ms: now,
            ..WriteBatch::default()
        };
        for n in ids {
            let end = now - (days_ago * DAY as f64) as i64 - (rng.unit() * HOUR as f64) as i64;
            batch.items.push(BatchItem {
                origin_line: None,
                item: Emitted::Invocation(Box::new(invocation(n, "f", end, rng))),
            });
        }
        store.write_batch(&batch).unwrap();
    };
    let window = Window {
        from_ms: now - 30 * DAY,
        to_ms: now,
    };
    let total = |store: &SqliteStore| store.rollups(window).unwrap()[0].invocations;
    write(0..500, 10.0, &mut rng);
    assert_eq!(total(&store), 500);
    assert_eq!(total(&store), 500);
    write(500..520, 10.0, &mut rng);
    assert_eq!(total(&store), 520);
    write(520..521, 0.0, &mut rng);
    assert_eq!(total(&store), 521);
    let report = store
        .apply_retention(
            warden_server::store::RetentionPolicy {
                days: 5,
                max_bytes: u64::MAX,
            },
            now,
        )
        .unwrap();
    assert_eq!(report.invocations_deleted, 520);
    assert_eq!(total(&store), 1);
}

fn write(store: &SqliteStore, now: i64, invocation: Invocation) {
    store
        .write_batch(&WriteBatch {
            received_at_ms: now,
            items: vec![BatchItem {
                origin_line: None,
                item: Emitted::Invocation(Box::new(invocation)),
            }],
            ..WriteBatch::default()
        })
        .unwrap();
}

/// An invocation as the engine emits it from its REPORT alone (it had forgotten the START:
/// a restart, or many invocations since).
fn report_only(of: &Invocation, key: &str, duration: f64) -> Invocation {
    Invocation {
        key: key.to_owned(),
        start: None,
        end: Some(of.start.unwrap() + duration as i64),
        outcome: Outcome::Success,
        complete: true,
        duration_ms: Some(duration),
        billed_duration_ms: Some(duration.ceil() as u64),
        lines: 1,
        ..of.clone()
    }
}

#[test]
fn an_amended_duration_is_counted_once() {
    let now = 1_780_000_000_000i64;
    let window = Window {
        from_ms: now - DAY,
        to_ms: now,
    };
    let mut rng = Rng::new(3);
    let totals = |store: &SqliteStore| {
        let rollup = store.rollups(window).unwrap().pop().unwrap();
        (
            rollup.invocations,
            rollup.durations.count(),
            rollup.billed_ms,
        )
    };

    // Closed by a timeout line (duration from it, no REPORT), then the REPORT comes after
    // a restart and then once more (a re-delivery without event ids).
    let store = SqliteStore::in_memory().unwrap();
    let mut timed_out = invocation(1, "amended", now - HOUR, &mut rng);
    timed_out.outcome = Outcome::Timeout;
    timed_out.duration_ms = Some(3000.0);
    timed_out.billed_duration_ms = None;
    timed_out.cost_usd = None;
    write(&store, now, timed_out.clone());
    assert_eq!(totals(&store), (1, 1, 0));
    let report = report_only(&timed_out, "report-1", 3000.8);
    write(&store, now, report.clone());
    assert_eq!(
        totals(&store),
        (1, 1, 3001),
        "the REPORT completes the timed-out invocation"
    );
    write(&store, now, report_only(&timed_out, "report-2", 3000.8));
    assert_eq!(
        totals(&store),
        (1, 1, 3001),
        "a re-delivered REPORT changes nothing"
    );

    // Closed by the idle timer (no duration), completed by its REPORT, which then comes
    // again.
    let store = SqliteStore::in_memory().unwrap();
    let mut idle = invocation(2, "amended", now - HOUR, &mut rng);
    idle.complete = false;
    idle.duration_ms = None;
    idle.billed_duration_ms = None;
    idle.cost_usd = None;
    write(&store, now, idle.clone());
    assert_eq!(totals(&store), (1, 0, 0));
    write(&store, now, report_only(&idle, "report-3", 250.0));
    assert_eq!(totals(&store), (1, 1, 250));
    write(&store, now, report_only(&idle, "report-4", 250.0));
    assert_eq!(
        totals(&store),
        (1, 1, 250),
        "a re-delivered REPORT changes nothing"
    );
}
