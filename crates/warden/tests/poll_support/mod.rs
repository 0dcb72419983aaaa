//! `warden serve --poll` against moto's server as a process, shared by the polling tests:
//! start it, read its JSON API, write Lambda log events into CloudWatch Logs.
#![allow(dead_code)] // Each test file uses its own subset.

// Only the moto harness and `seed::config` are used here.
#[allow(dead_code)]
#[path = "../../../warden-audit/tests/support/mod.rs"]
pub mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use support::moto::Moto;

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `warden serve --poll` against `endpoint`, without tokens, on a free loopback port.
pub fn serve(moto: &Moto, endpoint: &str, data_dir: &str, extra: &[&str]) -> Server {
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

pub fn get(addr: &str, path: &str) -> serde_json::Value {
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

pub fn dechunk(body: &str) -> String {
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

pub fn status(addr: &str) -> serde_json::Value {
    get(addr, "/api/v1/status")
}

/// Waits until `done` holds for the status and returns it, or fails with the last status.
pub fn wait_for(
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
pub struct Truth {
    pub invocations: BTreeMap<String, BTreeMap<String, &'static str>>,
    pub events: u64,
}

/// Writes `count` invocations of `function`, one a second, to a new stream, starting at
/// `at`: every third fails with an error, every ninth (from the fifth) times out. Creates
/// the group first when asked.
pub fn put_invocations(
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

pub fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3)
    })
}
