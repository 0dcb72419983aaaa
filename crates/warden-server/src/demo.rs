//! Sample data for `warden demo`, the tests and the load generator: realistic Lambda log
//! lines for a handful of functions — cold starts, handled and unhandled errors, timeouts,
//! an out-of-memory kill, a leaked access key and an injection attempt — and the Firehose
//! request bodies that carry them. Deterministic for a seed.

use std::collections::BTreeMap;
use std::io::Write;

use base64::Engine;
use flate2::write::GzEncoder;
use flate2::Compression;
use warden_logs::time::format_millis;
use warden_logs::OwnedLogEvent;

/// xorshift64*: enough randomness for sample data, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[derive(Clone, Copy)]
enum Runtime {
    Node,
    Python,
}

struct FunctionProfile {
    name: &'static str,
    runtime: Runtime,
    memory_mb: u32,
    /// Invocations per minute.
    rate: f64,
    base_ms: f64,
    spread_ms: f64,
    error_rate: f64,
    timeout_rate: f64,
    timeout_s: u32,
    oom_rate: f64,
}

const PROFILES: &[FunctionProfile] = &[
    FunctionProfile {
        name: "checkout-api",
        runtime: Runtime::Node,
        memory_mb: 512,
        rate: 30.0,
        base_ms: 45.0,
        spread_ms: 160.0,
        error_rate: 0.02,
        timeout_rate: 0.0,
        timeout_s: 10,
        oom_rate: 0.0,
    },
    FunctionProfile {
        name: "orders-worker",
        runtime: Runtime::Python,
        memory_mb: 1024,
        rate: 18.0,
        base_ms: 120.0,
        spread_ms: 600.0,
        error_rate: 0.03,
        timeout_rate: 0.0,
        timeout_s: 60,
        oom_rate: 0.0,
    },
    FunctionProfile {
        name: "image-resize",
        runtime: Runtime::Node,
        memory_mb: 256,
        rate: 8.0,
        base_ms: 400.0,
        spread_ms: 1500.0,
        error_rate: 0.0,
        timeout_rate: 0.0,
        timeout_s: 30,
        oom_rate: 0.01,
    },
    FunctionProfile {
        name: "report-generator",
        runtime: Runtime::Python,
        memory_mb: 2048,
        rate: 2.0,
        base_ms: 4_000.0,
        spread_ms: 20_000.0,
        error_rate: 0.0,
        timeout_rate: 0.08,
        timeout_s: 30,
        oom_rate: 0.0,
    },
    FunctionProfile {
        name: "auth-service",
        runtime: Runtime::Node,
        memory_mb: 256,
        rate: 12.0,
        base_ms: 20.0,
        spread_ms: 60.0,
        error_rate: 0.01,
        timeout_rate: 0.0,
        timeout_s: 6,
        oom_rate: 0.0,
    },
];

/// The function names the demo data uses.
pub fn function_names() -> Vec<&'static str> {
    PROFILES.iter().map(|p| p.name).collect()
}

fn request_id(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

struct Sandbox {
    stream: String,
    /// No invocation yet: the next one is a cold start.
    fresh: bool,
}

fn new_sandbox(rng: &mut Rng, at_ms: i64) -> Sandbox {
    let date = format_millis(at_ms);
    let day = date.get(..10).unwrap_or("2026/01/01").replace('-', "/");
    Sandbox {
        stream: format!(
            "{day}/[$LATEST]{:016x}{:016x}",
            rng.next_u64(),
            rng.next_u64()
        ),
        fresh: true,
    }
}

/// Log events for `minutes` minutes ending at `end_ms`, scaled by `scale` (1.0 ≈ 70
/// invocations a minute over five functions), ordered by time.
pub fn generate(end_ms: i64, minutes: i64, scale: f64, seed: u64) -> Vec<OwnedLogEvent> {
    let mut rng = Rng::new(seed);
    let mut events = Vec::new();
    let start_ms = end_ms - minutes * 60_000;
    for (index, profile) in PROFILES.iter().enumerate() {
        let group = format!("/aws/lambda/{}", profile.name);
        // One invocation at a time per sandbox: a busy pool scales out (a cold start).
        let mut sandboxes: Vec<(Sandbox, i64)> = (0..2)
            .map(|_| (new_sandbox(&mut rng, start_ms), i64::MIN))
            .collect();
        let per_ms = profile.rate * scale / 60_000.0;
        let mut at = start_ms as f64 + rng.unit() / per_ms.max(1e-9);
        let mut n = 0u64;
        while (at as i64) < end_ms - 60_000 {
            n += 1;
            let now = at as i64;
            let slot = match sandboxes
                .iter()
                .position(|(_, busy_until)| *busy_until < now)
            {
                Some(slot) => slot,
                None => {
                    sandboxes.push((new_sandbox(&mut rng, now), i64::MIN));
                    sandboxes.len() - 1
                }
            };
            // Now and then a sandbox is recycled: the next invocation there is cold.
            if rng.unit() < 0.01 {
                sandboxes[slot].0 = new_sandbox(&mut rng, now);
            }
            let special = special_line(profile.name, n, index);
            let (sandbox, busy_until) = &mut sandboxes[slot];
            *busy_until = invocation(
                &mut rng,
                profile,
                &group,
                sandbox,
                now,
                special,
                &mut events,
            ) + 5;
            at += -(1.0 - rng.unit()).ln() / per_ms.max(1e-9);
        }
    }
    events.sort_by_key(|e| e.timestamp_ms);
    events
}

/// Security-relevant lines sprinkled into the auth service's logs.
fn special_line(function: &str, n: u64, _: usize) -> Option<String> {
    if function != "auth-service" {
        return None;
    }
    match n % 400 {
        17 => Some("INFO\tassuming role with key AKIAIOSFODNN7EXAMPLE for partner sync".into()),
        211 => Some(r#"INFO	received event {"httpMethod":"POST","path":"/login","body":"{\"username\":\"admin' OR '1'='1\",\"password_hint\":\"none\"}"}"#.into()),
        307 => Some("WARN\tAccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/auth-service-role/auth-service is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/db".into()),
        _ => None,
    }
}

fn push(events: &mut Vec<OwnedLogEvent>, group: &str, stream: &str, at: i64, message: String) {
    events.push(OwnedLogEvent {
        timestamp_ms: Some(at),
        message,
        log_group: group.to_owned(),
        log_stream: stream.to_owned(),
        ..OwnedLogEvent::default()
    });
}

fn invocation(
    rng: &mut Rng,
    p: &FunctionProfile,
    group: &str,
    sandbox: &mut Sandbox,
    at: i64,
    special: Option<String>,
    events: &mut Vec<OwnedLogEvent>,
) -> i64 {
    let id = request_id(rng);
    let stream = sandbox.stream.clone();
    let cold = std::mem::replace(&mut sandbox.fresh, false);
    let mut t = at;
    let init_ms = if cold {
        150.0 + rng.unit() * 600.0
    } else {
        0.0
    };
    if cold {
        let runtime = match p.runtime {
            Runtime::Node => "nodejs20.x",
            Runtime::Python => "python3.12",
        };
        push(events, group, &stream, t, format!("INIT_START Runtime Version: {runtime}.v31\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0123456789abcdef"));
        t += init_ms as i64;
    }
    push(
        events,
        group,
        &stream,
        t,
        format!("START RequestId: {id} Version: $LATEST"),
    );
    let roll = rng.unit();
    let timeout = roll < p.timeout_rate;
    let oom = !timeout && roll < p.timeout_rate + p.oom_rate;
    let error = !timeout && !oom && roll < p.timeout_rate + p.oom_rate + p.error_rate;
    let mut duration = p.base_ms + rng.unit().powi(3) * p.spread_ms;
    if timeout {
        duration = p.timeout_s as f64 * 1000.0;
    }
    let app = |t: i64, level: &str, text: &str| match p.runtime {
        Runtime::Node => format!("{}\t{id}\t{level}\t{text}", format_millis(t)),
        Runtime::Python => format!("[{level}]\t{}\t{id}\t{text}", format_millis(t)),
    };
    push(
        events,
        group,
        &stream,
        t + 1,
        app(t + 1, "INFO", &format!("handling request for {}", p.name)),
    );
    if let Some(line) = special {
        let (level, text) = line.split_once('\t').unwrap_or(("INFO", &line));
        push(events, group, &stream, t + 2, app(t + 2, level, text));
    }
    if p.name == "checkout-api" && !error {
        // What Powertools Metrics prints: one Embedded Metric Format document per
        // invocation, written raw to stdout.
        let cents = 500 + rng.below(20_000);
        push(
            events,
            group,
            &stream,
            t + 3,
            format!(
                r#"{{"_aws":{{"Timestamp":{},"CloudWatchMetrics":[{{"Namespace":"Shop","Dimensions":[["service"]],"Metrics":[{{"Name":"OrderValue","Unit":"None"}},{{"Name":"OrdersPlaced","Unit":"Count"}}]}}]}},"service":"checkout","OrderValue":{}.{:02},"OrdersPlaced":1}}"#,
                t + 3,
                cents / 100,
                cents % 100
            ),
        );
    }
    let end = t + duration as i64;
    let mut status = String::new();
    if error {
        match (p.runtime, p.name) {
            (Runtime::Node, "checkout-api") => {
                let order = 1000 + rng.below(9000);
                push(events, group, &stream, end - 1, format!(
                    "{}\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"PaymentDeclinedError\",\"errorMessage\":\"card declined for order {order}\",\"stack\":[\"PaymentDeclinedError: card declined for order {order}\",\"    at charge (/var/task/payments.js:88:11)\",\"    at async handler (/var/task/index.js:23:5)\"]}}",
                    format_millis(end - 1)));
                status = "\tStatus: error\tError Type: PaymentDeclinedError".into();
            }
            (Runtime::Node, _) => {
                push(events, group, &stream, end - 1, format!(
                    "{}\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"TypeError\",\"errorMessage\":\"Cannot read properties of undefined (reading 'sub')\",\"stack\":[\"TypeError: Cannot read properties of undefined (reading 'sub')\",\"    at verify (/var/task/jwt.js:41:20)\",\"    at handler (/var/task/index.js:12:3)\"]}}",
                    format_millis(end - 1)));
                status = "\tStatus: error\tError Type: TypeError".into();
            }
            (Runtime::Python, _) => {
                let key = ["customer_id", "sku", "quantity"][rng.below(3) as usize];
                push(events, group, &stream, end - 1, format!(
                    "[ERROR] KeyError: '{key}'\nTraceback (most recent call last):\n\u{a0}\u{a0}File \"/var/task/app.py\", line 42, in handler\n\u{a0}\u{a0}\u{a0}\u{a0}order = parse(event)\n\u{a0}\u{a0}File \"/var/task/orders.py\", line 17, in parse\n\u{a0}\u{a0}\u{a0}\u{a0}return body['{key}']"));
                status = "\tStatus: error\tError Type: KeyError".into();
            }
        }
    }
    if oom {
        push(events, group, &stream, end, format!("RequestId: {id} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"));
        status = "\tStatus: error\tError Type: Runtime.OutOfMemory".into();
    }
    if timeout {
        status = "\tStatus: timeout".into();
    }
    push(events, group, &stream, end, format!("END RequestId: {id}"));
    let billed = duration.ceil() as u64 + init_ms.ceil() as u64;
    let used = if oom {
        p.memory_mb
    } else {
        (p.memory_mb as f64 * (0.25 + rng.unit() * 0.4)) as u32
    };
    let init = if cold {
        format!("\tInit Duration: {init_ms:.2} ms")
    } else {
        String::new()
    };
    push(events, group, &stream, end, format!(
        "REPORT RequestId: {id}\tDuration: {duration:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {used} MB{init}{status}",
        p.memory_mb));
    if oom || timeout {
        // The sandbox is torn down after a kill or a timeout.
        *sandbox = new_sandbox(rng, end);
    }
    end
}

/// A Firehose HTTP endpoint body carrying `events` as CloudWatch Logs subscription
/// payloads (gzip + base64 per record, one record per stream).
/// A CloudWatch-like event id: time, a hash of the message and its place in the payload.
fn event_id(timestamp_ms: i64, message: &str, record: usize, index: usize) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in message.as_bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{timestamp_ms:013}{hash:020}{record:06}{index:06}")
}

pub fn firehose_body(request_id: &str, timestamp_ms: i64, events: &[OwnedLogEvent]) -> Vec<u8> {
    let mut by_stream: BTreeMap<(&str, &str), Vec<&OwnedLogEvent>> = BTreeMap::new();
    for event in events {
        by_stream
            .entry((&event.log_group, &event.log_stream))
            .or_default()
            .push(event);
    }
    let records: Vec<serde_json::Value> = by_stream
        .into_iter()
        .enumerate()
        .map(|(n, ((group, stream), events))| {
            let payload = serde_json::json!({
                "messageType": "DATA_MESSAGE",
                "owner": "123456789012",
                "logGroup": group,
                "logStream": stream,
                "subscriptionFilters": ["warden"],
                "logEvents": events.iter().enumerate().map(|(i, e)| serde_json::json!({
                    // Unique per event like CloudWatch's, and the same when the body is
                    // sent again (the engine de-duplicates re-deliveries by it).
                    "id": event_id(e.timestamp_ms.unwrap_or(timestamp_ms), &e.message, n, i),
                    "timestamp": e.timestamp_ms.unwrap_or(timestamp_ms),
                    "message": e.message,
                })).collect::<Vec<_>>(),
            });
            let mut gzip = GzEncoder::new(Vec::new(), Compression::fast());
            // Writing to a Vec cannot fail.
            let _ = gzip.write_all(payload.to_string().as_bytes());
            let bytes = gzip.finish().unwrap_or_default();
            serde_json::json!({ "data": base64::engine::general_purpose::STANDARD.encode(bytes) })
        })
        .collect();
    serde_json::json!({ "requestId": request_id, "timestamp": timestamp_ms, "records": records })
        .to_string()
        .into_bytes()
}

/// gzip for request bodies.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gzip = GzEncoder::new(Vec::new(), Compression::fast());
    let _ = gzip.write_all(bytes);
    gzip.finish().unwrap_or_default()
}

/// What [`seed`] wrote.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seeded {
    pub invocations: u64,
    pub errors: u64,
    pub security: u64,
}

/// Writes `total` synthetic invocations of `functions` functions, spread evenly over the
/// 30 days before `now_ms` (oldest first), through the store's own write path in batches of
/// 50 000, rollups included: the API latency benchmark's data (`examples/seed.rs`, and the
/// ClickHouse store's `seed_clickhouse`). Failed invocations (1.2 %) carry an error
/// occurrence (five error groups per function) and one invocation in 200 a security event
/// (four kinds), so the windows' error and security groups are measured at scale too.
pub fn seed(
    store: &dyn crate::store::Store,
    total: u64,
    functions: u64,
    now_ms: i64,
) -> crate::store::StoreResult<Seeded> {
    use crate::store::{BatchItem, WriteBatch};
    use warden_diagnostics::Risk;
    use warden_logs::{Emitted, ErrorOccurrence, ErrorRef, Invocation, Outcome, SecurityEvent};

    let span = 30 * 86_400_000i64;
    let mut rng = Rng::new(99);
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
            received_at_ms: now_ms,
            ..WriteBatch::default()
        };
        for n in written..(written + batch_size).min(total) {
            let function = format!("bench-fn-{:02}", n % functions.max(1));
            // Spread evenly over the span, oldest first.
            let end = now_ms - span + (n as i128 * span as i128 / total as i128) as i64;
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
        store.write_batch(&batch)?;
    }
    Ok(Seeded {
        invocations: written,
        errors,
        security,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_has_every_kind_of_failure_and_event() {
        let events = generate(1_800_000_000_000, 240, 1.0, 7);
        let mut pipeline = warden_logs::Pipeline::new(warden_logs::AssemblerConfig {
            scan_security: true,
            ..Default::default()
        });
        for event in &events {
            pipeline.push(&event.as_event());
        }
        pipeline.finish();
        let report = pipeline.report();
        assert_eq!(report.functions.len(), 5);
        let failures = &report.totals.failures;
        assert!(
            failures.error > 0 && failures.timeout > 0 && failures.out_of_memory > 0,
            "{failures:?}"
        );
        assert!(report.totals.cold_starts > 0);
        assert!(
            report
                .totals
                .security_events_by_risk
                .contains_key("insecure-secrets"),
            "{:?}",
            report.totals.security_events_by_risk
        );
        assert!(
            report
                .totals
                .security_events_by_risk
                .contains_key("event-injection"),
            "{:?}",
            report.totals.security_events_by_risk
        );
        assert!(!report.error_groups.is_empty());
        assert!(
            report
                .metrics
                .iter()
                .any(|m| m.function == "checkout-api" && m.name == "OrdersPlaced"),
            "the demo's checkout function prints EMF metrics"
        );
    }
}
