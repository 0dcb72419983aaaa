//! Seeds a data directory with N synthetic invocations spread over the last 30 days, through
//! the store's own write path (rollups included), for the API latency benchmark. Failed
//! invocations (1.2 %) carry an error occurrence (five error groups per function) and one
//! invocation in 200 a security event (four kinds), so the windows' error and security
//! groups are measured at scale too.
//!
//! `seed DATA_DIR INVOCATIONS [FUNCTIONS]`

use std::time::Instant;

use warden_diagnostics::Risk;
use warden_logs::{Emitted, ErrorOccurrence, ErrorRef, Invocation, Outcome, SecurityEvent};
use warden_server::demo::Rng;
use warden_server::store::sqlite::SqliteStore;
use warden_server::store::{BatchItem, Store, WriteBatch};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: seed DATA_DIR INVOCATIONS [FUNCTIONS]";
    let dir = std::path::PathBuf::from(args.get(1).expect(usage));
    let total: u64 = args.get(2).expect(usage).parse().expect(usage);
    let functions: u64 = args.get(3).map_or(20, |f| f.parse().expect(usage));
    let store = SqliteStore::open(&dir).expect("open the store");
    let now = warden_server::clock::now_ms();
    let span = 30 * 86_400_000i64;
    let mut rng = Rng::new(99);
    let started = Instant::now();
    let batch_size = 50_000u64;
    let mut written = 0u64;
    let (mut errors, mut security) = (0u64, 0u64);
    const KINDS: [(&str, Risk); 4] = [
        ("sql-injection", Risk::EventInjection),
        ("path-traversal", Risk::EventInjection),
        ("access-denied", Risk::OverPrivileged),
        ("aws-access-key", Risk::InsecureSecrets),
    ];
    while written < total {
        let mut batch = WriteBatch {
            received_at_ms: now,
            ..WriteBatch::default()
        };
        for n in written..(written + batch_size).min(total) {
            let function = format!("bench-fn-{:02}", n % functions);
            // Spread evenly over the span, oldest first.
            let end = now - span + (n as i128 * span as i128 / total as i128) as i64;
            let roll = rng.unit();
            let outcome = if roll < 0.01 {
                Outcome::Error
            } else if roll < 0.012 {
                Outcome::Timeout
            } else {
                Outcome::Success
            };
            let duration = 5.0 + rng.unit().powi(3) * 900.0;
            let billed = duration.ceil() as u64;
            let request_id = format!("{n:08x}-0000-4000-8000-000000000000");
            let error = (outcome != Outcome::Success).then(|| {
                let group = n % 5;
                ErrorOccurrence {
                    fingerprint: format!("{function}-{group}"),
                    function: function.clone(),
                    request_id: Some(request_id.clone()),
                    timestamp: Some(end),
                    error_type: "Error".into(),
                    message: format!("failure {group} of order {n}"),
                    masked_message: format!("failure {group} of order <n>"),
                    frames: vec![format!("handler.js:{group}")],
                    stack: vec![format!("at handler (handler.js:{group}:1)")],
                    unhandled: true,
                    xray_trace_id: None,
                    invocation_key: Some(format!("{n:032x}")),
                }
            });
            if let Some(error) = &error {
                errors += 1;
                batch.items.push(BatchItem {
                    origin_line: None,
                    item: Emitted::Error(Box::new(error.clone())),
                });
            }
            if n % 200 == 7 {
                security += 1;
                let (kind, risk) = KINDS[(n / 200 % 4) as usize];
                batch.items.push(BatchItem {
                    origin_line: Some(n as i64),
                    item: Emitted::Security(Box::new(SecurityEvent {
                        risk,
                        kind,
                        function: function.clone(),
                        request_id: Some(request_id.clone()),
                        timestamp: Some(end - 1),
                        detail: format!("seeded {kind} attempt {n}"),
                        invocation_key: Some(format!("{n:032x}")),
                    })),
                });
            }
            batch.items.push(BatchItem {
                origin_line: None,
                item: Emitted::Invocation(Box::new(Invocation {
                    key: format!("{n:032x}"),
                    revision: 0,
                    proactive_init: false,
                    alias: None,
                    account: None,
                    region: None,
                    log_group: format!("/aws/lambda/{function}"),
                    function,
                    log_stream: format!("2026/01/01/[$LATEST]{:032x}", n % 997),
                    request_id,
                    start: Some(end - duration as i64),
                    end: Some(end),
                    outcome,
                    complete: true,
                    cold_start: rng.unit() < 0.02,
                    snapstart_restore: false,
                    duration_ms: Some(duration),
                    billed_duration_ms: Some(billed),
                    memory_size_mb: Some(256),
                    max_memory_used_mb: Some(90),
                    init_duration_ms: None,
                    restore_duration_ms: None,
                    status: None,
                    error_type: None,
                    version: Some("$LATEST".into()),
                    xray_trace_id: None,
                    cost_usd: Some(0.000_000_2 + billed as f64 / 1000.0 * 0.25 * 0.000_016_666_7),
                    lines: 2,
                    error: error.map(|e| ErrorRef {
                        fingerprint: e.fingerprint,
                        error_type: e.error_type,
                        message: e.message,
                    }),
                })),
            });
        }
        written = (written + batch_size).min(total);
        store.write_batch(&batch).expect("write");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("seed: {written} invocations ({errors} error occurrences, {security} security events) over 30 days in {functions} functions in {seconds:.1}s ({:.0} invocations/s)", written as f64 / seconds);
}
