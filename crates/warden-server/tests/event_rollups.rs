//! Security groups and error-group counts over a window read day and hour rollups of the
//! events (written at ingest) and the raw events only at the window's ragged ends; whatever
//! the window, they equal what the raw events in it say.

use std::collections::BTreeMap;

use warden_diagnostics::Risk;
use warden_logs::{Emitted, ErrorOccurrence, SecurityEvent};
use warden_server::demo::Rng;
use warden_server::store::sqlite::SqliteStore;
use warden_server::store::{BatchItem, GroupQuery, SecurityQuery, Store, Window, WriteBatch};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;
const KINDS: [(&str, Risk); 3] = [
    ("sql-injection", Risk::EventInjection),
    ("access-denied", Risk::OverPrivileged),
    ("aws-access-key", Risk::InsecureSecrets),
];

#[test]
fn security_groups_and_error_counts_from_rollups_equal_the_raw_events() {
    let store = SqliteStore::in_memory().unwrap();
    let now = 1_780_000_000_000i64 + 13 * MINUTE + 4_321;
    let mut rng = Rng::new(11);
    // (kind, function, ts, detail) and (fingerprint, ts), in the order they were stored.
    let mut security = Vec::new();
    let mut errors = Vec::new();
    for round in 0..4 {
        let mut batch = WriteBatch {
            received_at_ms: now,
            ..WriteBatch::default()
        };
        for n in 0..1_500u64 {
            let at = now - (rng.unit() * 35.0 * DAY as f64) as i64;
            let function = format!("fn-{}", n % 6);
            let (kind, risk) = KINDS[(n % 3) as usize];
            let detail = format!("event {round}-{n}");
            security.push((kind, function.clone(), at, detail.clone()));
            batch.items.push(BatchItem {
                origin_line: Some((round * 10_000 + n) as i64),
                item: Emitted::Security(Box::new(SecurityEvent {
                    risk,
                    kind,
                    function: function.clone(),
                    request_id: None,
                    timestamp: Some(at),
                    detail,
                    invocation_key: None,
                })),
            });
            let fingerprint = format!("fp-{}", n % 9);
            errors.push((fingerprint.clone(), at));
            batch.items.push(BatchItem {
                origin_line: None,
                item: Emitted::Error(Box::new(ErrorOccurrence {
                    fingerprint,
                    function,
                    request_id: Some(format!("r-{round}-{n}")),
                    timestamp: Some(at),
                    error_type: "Error".into(),
                    message: "boom".into(),
                    masked_message: "boom".into(),
                    frames: Vec::new(),
                    stack: Vec::new(),
                    unhandled: true,
                    xray_trace_id: None,
                    invocation_key: None,
                })),
            });
        }
        store.write_batch(&batch).unwrap();
    }
    let mut windows = vec![
        Window {
            from_ms: now - DAY,
            to_ms: now,
        },
        Window {
            from_ms: now - 7 * DAY,
            to_ms: now,
        },
        Window {
            from_ms: now - 30 * DAY,
            to_ms: now,
        },
        // Whole days and whole hours only.
        Window {
            from_ms: (now / DAY - 10) * DAY,
            to_ms: (now / DAY - 2) * DAY,
        },
        Window {
            from_ms: (now / HOUR - 30) * HOUR,
            to_ms: (now / HOUR - 3) * HOUR,
        },
        // Shorter than an hour, inside one hour, and across an hour boundary.
        Window {
            from_ms: now - 20 * MINUTE,
            to_ms: now - 5 * MINUTE,
        },
        Window {
            from_ms: (now / HOUR) * HOUR - 17 * MINUTE,
            to_ms: (now / HOUR) * HOUR + 3 * MINUTE,
        },
    ];
    for _ in 0..20 {
        let from = now - (rng.unit() * 36.0 * DAY as f64) as i64;
        let to = from + 1 + (rng.unit() * 12.0 * DAY as f64) as i64;
        windows.push(Window {
            from_ms: from,
            to_ms: to,
        });
    }
    for window in windows {
        let inside = |at: i64| at >= window.from_ms && at < window.to_ms;
        // kind, function → (count, first, last, latest detail)
        let mut expected: BTreeMap<(String, String), (u64, i64, i64, String)> = BTreeMap::new();
        for (kind, function, at, detail) in security.iter().filter(|e| inside(e.2)) {
            let entry = expected
                .entry((kind.to_string(), function.clone()))
                .or_insert((0, *at, *at, String::new()));
            entry.0 += 1;
            entry.1 = entry.1.min(*at);
            entry.2 = entry.2.max(*at);
            entry.3.clone_from(detail);
        }
        let groups = store
            .security_groups(&SecurityQuery {
                window: Some(window),
                limit: 1000,
                ..SecurityQuery::default()
            })
            .unwrap();
        let found: BTreeMap<(String, String), (u64, i64, i64, String)> = groups
            .iter()
            .map(|g| {
                let time = |t: &Option<String>| {
                    warden_logs::time::parse_rfc3339(t.as_deref().unwrap()).unwrap()
                };
                (
                    (g.kind.clone(), g.function.clone()),
                    (
                        g.count,
                        time(&g.first_seen),
                        time(&g.last_seen),
                        g.sample.detail.clone(),
                    ),
                )
            })
            .collect();
        assert_eq!(found, expected, "security groups in {window:?}");
        let counts: Vec<u64> = groups.iter().map(|g| g.count).collect();
        assert!(
            counts.windows(2).all(|w| w[0] >= w[1]),
            "most frequent first"
        );

        // One function and one risk narrow the same way.
        let narrowed = store
            .security_groups(&SecurityQuery {
                function: Some("fn-2".into()),
                risk: Some(Risk::EventInjection.slug().into()),
                window: Some(window),
                limit: 1000,
                ..SecurityQuery::default()
            })
            .unwrap();
        let want: u64 = expected
            .iter()
            .filter(|((kind, function), _)| kind == "sql-injection" && function == "fn-2")
            .map(|(_, v)| v.0)
            .sum();
        assert_eq!(narrowed.iter().map(|g| g.count).sum::<u64>(), want);

        let mut expected_errors: BTreeMap<String, u64> = BTreeMap::new();
        for (fingerprint, _) in errors.iter().filter(|e| inside(e.1)) {
            *expected_errors.entry(fingerprint.clone()).or_insert(0) += 1;
        }
        let found_errors: BTreeMap<String, u64> = store
            .error_groups(&GroupQuery {
                window: Some(window),
                limit: 1000,
                ..GroupQuery::default()
            })
            .unwrap()
            .into_iter()
            .map(|g| (g.fingerprint, g.in_window.unwrap()))
            .collect();
        assert_eq!(found_errors, expected_errors, "error groups in {window:?}");
    }
}
