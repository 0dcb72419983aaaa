//! `warden serve --poll` as a process against moto's server (a local CloudWatch Logs):
//! SIGKILL in the middle of a poll and a restart on the same data directory store exactly
//! the invocations written — no gap, no duplicate line — including events written late
//! (inside the overlap) and a function created while the server runs. A second test puts a
//! loopback proxy between the server and moto that answers some requests as CloudWatch does
//! when it throttles, denies or has lost a log group: those are notices, and everything
//! else is still read exactly once.
//!
//! What moto (5.x) lacks, and these tests therefore cannot show: throttling, IAM denials
//! (without its opt-in auth mode) and ingestion delay — the proxy and late `PutLogEvents`
//! stand in for them; CloudWatch's 56-digit event ids (moto numbers events from 0 across the
//! process, which are unique all the same); empty pages that carry a `nextToken`; and
//! moto sorts `FilterLogEvents` by time only when asked (`interleaved`, which the reader
//! sends). Its `FilterLogEvents` pagination is checked here: pages of 7 events. For the push
//! path, moto 5.2 has `PutSubscriptionFilter` (to Lambda, Firehose or Kinesis) but no
//! `PutAccountPolicy`: the account-level subscription filter policy `warden connect` creates
//! cannot be exercised on it.

// Only the moto harness and `seed::config` are used here.
#[allow(dead_code)]
#[path = "../../warden-audit/tests/support/mod.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use support::moto::Moto;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `warden serve --poll` against `endpoint`, without tokens, on a free loopback port.
fn serve(moto: &Moto, endpoint: &str, data_dir: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "serve",
            "--insecure-no-auth",
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            data_dir,
            "--poll",
            "--log-group-prefix",
            "/aws/lambda/",
            "--poll-region",
            "us-east-1",
            "--endpoint-url",
            endpoint,
            "--poll-interval",
            "300ms",
            "--poll-discover-every",
            "1s",
            "--poll-page-size",
            "7",
            // Long enough that a REPORT one sweep after its START completes the invocation
            // without an amendment; the comparison does not depend on it.
            "--idle-timeout",
            "60",
            // The data spans a minute or two: the overlap re-reads a quarter of it each sweep.
            "--poll-overlap",
            "15s",
        ])
        .args(extra)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(moto.environment())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("warden starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let marker = "listening on http://";
    let addr = loop {
        let line = lines.next().expect("warden printed its address").unwrap();
        if let Some(at) = line.find(marker) {
            break line[at + marker.len()..].trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

fn get(addr: &str, path: &str) -> serde_json::Value {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{path}: {response}");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&tail[..size]);
        rest = &tail[size + 2..];
    }
    out
}

fn status(addr: &str) -> serde_json::Value {
    get(addr, "/api/v1/status")
}

/// Waits until `done` holds for the status and returns it, or fails with the last status.
fn wait_for(
    addr: &str,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let status = status(addr);
        if done(&status) {
            return status;
        }
        assert!(Instant::now() < deadline, "waiting for {what}: {status:#}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What was written: per function, request id → expected outcome; and the events.
#[derive(Default)]
struct Truth {
    invocations: BTreeMap<String, BTreeMap<String, &'static str>>,
    events: u64,
}

/// Writes `count` invocations of `function`, one a second, to a new stream, starting at
/// `at`: every third fails with an error, every ninth (from the fifth) times out. Creates
/// the group first when asked.
fn put_invocations(
    moto: &Moto,
    truth: &mut Truth,
    function: &str,
    stream: &str,
    at: i64,
    count: usize,
    create_group: bool,
) {
    let group = format!("/aws/lambda/{function}");
    let stream = format!("2026/01/01/[$LATEST]{stream}");
    let mut events = Vec::new();
    for n in 0..count {
        let id = format!(
            "{:08x}-0000-4000-8000-{n:012x}",
            fnv(&format!("{group}/{stream}")) as u32
        );
        let t = at + n as i64 * 1_000;
        let mut lines = vec![format!("START RequestId: {id} Version: $LATEST")];
        let (outcome, status) = if n % 9 == 4 {
            ("timeout", "\tStatus: timeout")
        } else if n % 3 == 0 {
            lines.push(format!("2026-01-01T00:00:00.001Z\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"OrderError\",\"errorMessage\":\"order {n} failed\"}}"));
            ("error", "")
        } else {
            ("success", "")
        };
        lines.push(format!("END RequestId: {id}"));
        lines.push(format!("REPORT RequestId: {id}\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB{status}"));
        for (i, line) in lines.into_iter().enumerate() {
            events.push(
                InputLogEvent::builder()
                    .timestamp(t + i as i64)
                    .message(line)
                    .build()
                    .unwrap(),
            );
        }
        truth
            .invocations
            .entry(function.to_owned())
            .or_default()
            .insert(id, outcome);
    }
    truth.events += events.len() as u64;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let logs = aws_sdk_cloudwatchlogs::Client::new(&support::seed::config(&moto.endpoint));
        if create_group {
            logs.create_log_group()
                .log_group_name(&group)
                .send()
                .await
                .unwrap();
        }
        logs.create_log_stream()
            .log_group_name(&group)
            .log_stream_name(&stream)
            .send()
            .await
            .unwrap();
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name(&stream)
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
    });
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3)
    })
}

/// The stored invocations of `function` through the API: request id → outcome.
fn stored(addr: &str, function: &str) -> Vec<(String, String)> {
    let found = get(
        addr,
        &format!("/api/v1/invocations?function={function}&limit=1000"),
    );
    found["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|invocation| {
            (
                invocation["request_id"].as_str().unwrap().to_owned(),
                invocation["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every written invocation is stored once with its outcome, and nothing else is; the
/// store holds exactly the lines written.
fn assert_matches(addr: &str, truth: &Truth) {
    for (function, expected) in &truth.invocations {
        let stored = stored(addr, function);
        let ids: BTreeSet<&str> = stored.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            ids.len(),
            stored.len(),
            "{function}: duplicates: {stored:?}"
        );
        let stored: BTreeMap<String, String> = stored.into_iter().collect();
        let expected: BTreeMap<String, String> = expected
            .iter()
            .map(|(id, outcome)| (id.clone(), outcome.to_string()))
            .collect();
        assert_eq!(stored, expected, "{function}");
    }
    let status = status(addr);
    assert_eq!(
        status["store"]["lines"], truth.events,
        "every line stored once: {status:#}"
    );
    let invocations: usize = truth.invocations.values().map(BTreeMap::len).sum();
    assert_eq!(
        status["store"]["invocations"], invocations as u64,
        "{status:#}"
    );
}

fn polled_events(status: &serde_json::Value) -> u64 {
    status["poll"]["events"].as_u64().unwrap_or(0)
}

#[test]
fn sigkill_mid_poll_and_restart_store_every_invocation_once() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    let base = now_ms() - 20 * 60_000;
    let mut truth = Truth::default();
    // Batch 1: three functions, two streams each, before the server starts.
    for function in ["checkout", "orders", "email"] {
        put_invocations(&moto, &mut truth, function, "aaaa", base, 60, true);
        put_invocations(&moto, &mut truth, function, "bbbb", base + 50, 60, false);
    }
    let first_batch = truth.events;
    // Slow enough (25 requests/s, 7 events a page: ~1,200 events in ~7 s) to kill mid-poll.
    let slow = ["--poll-requests-per-second", "25"];
    let mut server = serve(&moto, &moto.endpoint, &data_dir, &slow);
    let before_kill = wait_for(&server.addr, "a third of the first batch", |s| {
        polled_events(s) * 3 >= first_batch
    });
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);
    assert!(
        before_kill["store"]["lines"].as_u64().unwrap() < first_batch,
        "the kill came in the middle of the first batch: {before_kill:#}"
    );

    let server = serve(&moto, &moto.endpoint, &data_dir, &slow);
    let addr = server.addr.clone();
    wait_for(&addr, "the first batch", |s| {
        s["store"]["lines"].as_u64() == Some(first_batch)
    });
    // Batch 2: a late stream whose events are older than the newest read (inside the
    // overlap), and a function created while the server runs.
    put_invocations(
        &moto,
        &mut truth,
        "checkout",
        "cccc",
        base + 50_030,
        20,
        false,
    );
    put_invocations(
        &moto,
        &mut truth,
        "refunds",
        "dddd",
        base + 60_000,
        30,
        true,
    );
    let all = truth.events;
    wait_for(&addr, "the second batch", |s| {
        s["store"]["lines"].as_u64() == Some(all)
    });
    // Two more sweeps re-read the overlap: still nothing twice.
    let sweeps = status(&addr)["poll"]["sweeps"].as_u64().unwrap();
    wait_for(&addr, "two more sweeps", |s| {
        s["poll"]["sweeps"].as_u64().unwrap() >= sweeps + 2
    });
    assert_matches(&addr, &truth);

    let status = status(&addr);
    let groups = status["poll"]["log_groups"].as_array().unwrap();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g["log_group"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "/aws/lambda/checkout",
            "/aws/lambda/email",
            "/aws/lambda/orders",
            "/aws/lambda/refunds"
        ]
    );
    for group in groups {
        assert!(group["calls"].as_u64().unwrap() >= 1, "{group:#}");
        assert!(group["notice"].is_null(), "{group:#}");
        // The newest event was written about 19 minutes ago.
        let lag = group["lag_ms"].as_i64().unwrap();
        assert!(lag > 60_000 && lag < 3_600_000, "{group:#}");
    }
    // After the restart the server read what was left, the late stream and the new group,
    // not what was stored before the kill.
    let events_after_restart = polled_events(&status);
    assert!(
        events_after_restart > 0 && events_after_restart < truth.events,
        "{status:#}"
    );
    // One more restart with nothing new: the overlap is read again, nothing is stored.
    drop(server);
    let server = serve(
        &moto,
        &moto.endpoint,
        &data_dir,
        &["--poll-requests-per-second", "200"],
    );
    wait_for(&server.addr, "two sweeps after the second restart", |s| {
        s["poll"]["sweeps"].as_u64().unwrap() >= 2
    });
    assert_eq!(polled_events(&status_of(&server)), 0);
    assert_matches(&server.addr, &truth);
}

fn status_of(server: &Server) -> serde_json::Value {
    status(&server.addr)
}

/// A loopback HTTP proxy in front of moto that answers like CloudWatch Logs: a group it
/// denies, a group it has lost, and every third `FilterLogEvents` throttled.
struct Proxy {
    endpoint: String,
    throttled: Arc<AtomicU64>,
}

fn error_response(kind: &str, message: &str) -> Vec<u8> {
    let body = serde_json::json!({ "__type": kind, "message": message }).to_string();
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: 5c1e2a3b-0000-4000-8000-000000000000\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn proxy(upstream: String) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let throttled = Arc::new(AtomicU64::new(0));
    let filters = Arc::new(AtomicU64::new(0));
    let counter = throttled.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let (upstream, filters, throttled) =
                (upstream.clone(), filters.clone(), counter.clone());
            std::thread::spawn(move || relay(client, &upstream, &filters, &throttled));
        }
    });
    Proxy {
        endpoint,
        throttled,
    }
}

/// One request per connection (answered with `Connection: close`).
fn relay(mut client: TcpStream, upstream: &str, filters: &AtomicU64, throttled: &AtomicU64) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = Vec::new();
    let mut content_length = 0usize;
    let mut target = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            content_length = value.trim().parse().unwrap();
        }
        if let Some(value) = lower.strip_prefix("x-amz-target:") {
            target = value.trim().to_owned();
        }
        if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body).unwrap();
    let text = String::from_utf8_lossy(&body);
    let answer = if target.ends_with(".filterlogevents") {
        let n = filters.fetch_add(1, Ordering::SeqCst);
        if text.contains("\"/aws/lambda/denied\"") {
            Some(error_response(
                "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/warden is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/denied:log-stream: because no identity-based policy allows the logs:FilterLogEvents action",
            ))
        } else if text.contains("\"/aws/lambda/gone\"") {
            Some(error_response(
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            ))
        } else if n % 3 == 1 {
            throttled.fetch_add(1, Ordering::SeqCst);
            Some(error_response("ThrottlingException", "Rate exceeded"))
        } else {
            None
        }
    } else {
        None
    };
    let response = match answer {
        Some(response) => response,
        None => {
            let address = upstream.trim_start_matches("http://");
            let mut moto = TcpStream::connect(address).unwrap();
            let mut request = head.concat();
            request.push_str("Connection: close\r\n\r\n");
            moto.write_all(request.as_bytes()).unwrap();
            moto.write_all(&body).unwrap();
            let mut response = Vec::new();
            moto.read_to_end(&mut response).unwrap();
            response
        }
    };
    let _ = client.write_all(&response);
    let _ = client.shutdown(std::net::Shutdown::Both);
}

#[test]
fn throttled_denied_and_deleted_groups_are_notices_not_stops() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    let base = now_ms() - 10 * 60_000;
    let mut truth = Truth::default();
    for function in ["checkout", "orders"] {
        put_invocations(&moto, &mut truth, function, "aaaa", base, 30, true);
    }
    // Both exist in moto; the proxy answers for them as CloudWatch would.
    let mut ignored = Truth::default();
    put_invocations(&moto, &mut ignored, "denied", "aaaa", base, 3, true);
    put_invocations(&moto, &mut ignored, "gone", "aaaa", base, 3, true);
    let proxy = proxy(moto.endpoint.clone());
    let server = serve(
        &moto,
        &proxy.endpoint,
        &data_dir,
        &["--poll-requests-per-second", "200"],
    );
    let addr = server.addr.clone();
    wait_for(&addr, "both readable groups", |s| {
        s["store"]["lines"].as_u64() == Some(truth.events)
    });
    assert_matches(&addr, &truth);
    let status = status(&addr);
    assert!(proxy.throttled.load(Ordering::SeqCst) > 0);
    assert!(
        status["poll"]["throttled"].as_u64().unwrap() > 0,
        "{status:#}"
    );
    let groups: BTreeMap<&str, &serde_json::Value> = status["poll"]["log_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["log_group"].as_str().unwrap(), g))
        .collect();
    let denied = groups["/aws/lambda/denied"];
    assert_eq!(denied["notice"]["kind"], "denied", "{denied:#}");
    assert!(
        denied["notice"]["message"]
            .as_str()
            .unwrap()
            .contains("logs:FilterLogEvents is denied"),
        "{denied:#}"
    );
    assert_eq!(denied["events"], 0);
    let gone = groups["/aws/lambda/gone"];
    assert_eq!(gone["notice"]["kind"], "not_found", "{gone:#}");
    for name in ["/aws/lambda/checkout", "/aws/lambda/orders"] {
        let group = groups[name];
        // 30 invocations × 4 or 5 lines in pages of 7, each retried when throttled.
        let events = group["events"].as_u64().unwrap();
        assert_eq!(events, truth.events / 2, "{group:#}");
        assert!(
            group["calls"].as_u64().unwrap() > events.div_ceil(7),
            "throttled calls are counted: {group:#}"
        );
    }
}
