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

mod poll_support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use poll_support::support::moto::Moto;
use poll_support::{get, now_ms, put_invocations, serve, status, wait_for, Server, Truth};

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
