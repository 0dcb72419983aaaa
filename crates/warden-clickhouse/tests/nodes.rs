//! Several `warden serve` processes on one ClickHouse (Debian's 18.16, started on loopback
//! ports): `warden store migrate`, three nodes fed round-robin answer exactly as one node
//! fed the same requests, and a node SIGKILLed mid-ingest loses nothing it acknowledged.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const INGEST: &str = "ingest-key-0123456789abcdef";
const READ: &str = "read-token-0123456789abcdef";

struct Node {
    child: Child,
    addr: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `warden` binary: `WARDEN_BIN`, else the one beside this test in the target
/// directory (`cargo test --workspace` builds it; `cargo build -p warden` otherwise).
fn binary() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("WARDEN_BIN")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.join("warden"))
        })?;
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("no warden binary at {} under CI=true", path.display());
    }
    eprintln!(
        "skipped: no warden binary at {} (cargo build -p warden)",
        path.display()
    );
    None
}

fn warden(args: &[&str]) -> Command {
    let mut command = Command::new(binary().expect("checked by the test"));
    command
        .args(args)
        .env("WARDEN_INGEST_KEYS", INGEST)
        .env("WARDEN_READ_TOKENS", READ)
        .env("WARDEN_ADMIN_TOKENS", "admin-token-0123456789abcdef");
    command
}

fn serve(store: &str, data_dir: &std::path::Path) -> Node {
    let mut child = warden(&[
        "serve",
        "--store",
        store,
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--bind",
        "127.0.0.1:0",
        "--idle-timeout",
        "1",
        "--ingest-rate",
        "100000",
        "--api-rate",
        "100000",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit())
    .spawn()
    .expect("warden serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let marker = "listening on http://";
    let addr = loop {
        let line = lines
            .next()
            .expect("warden serve printed its address")
            .unwrap();
        if let Some(at) = line.find(marker) {
            break line[at + marker.len()..].trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Node { child, addr }
}

fn http(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    // The API answers with a length, never chunked, for these small answers.
    (status, body.to_owned())
}

fn get(addr: &str, path: &str) -> Value {
    let (status, body) = http(addr, "GET", path, READ, b"");
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Everything the API says about the data, without row ids (line ids differ by design).
fn answers(addr: &str, from: &str) -> Value {
    let mut all = serde_json::json!({
        "functions": get(addr, &format!("/api/v1/functions?from={from}"))["functions"],
        "invocations": get(addr, &format!("/api/v1/invocations?from={from}&limit=1000"))["invocations"],
        "failed": get(addr, &format!("/api/v1/invocations?from={from}&outcome=failure&limit=1000"))["invocations"],
        "error_groups": get(addr, &format!("/api/v1/error-groups?from={from}&limit=1000"))["error_groups"],
        "security": get(addr, &format!("/api/v1/security-events?from={from}&limit=1000")),
    });
    strip_ids(&mut all);
    for key in ["invocations", "failed"] {
        if let Some(items) = all[key].as_array_mut() {
            items.sort_by_key(|v| v.to_string());
        }
    }
    all
}

fn strip_ids(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("id");
            map.values_mut().for_each(strip_ids);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_ids),
        _ => {}
    }
}

/// Waits until a deployment's answers stop changing (assembly and idle closes done).
fn settled(addr: &str, from: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = answers(addr, from);
    let mut stable = 0;
    while stable < 3 {
        assert!(Instant::now() < deadline, "answers never settled");
        std::thread::sleep(Duration::from_millis(700));
        let now = answers(addr, from);
        stable = if now == last { stable + 1 } else { 0 };
        last = now;
    }
    last
}

#[test]
fn three_nodes_fed_round_robin_answer_as_one_and_a_killed_node_loses_nothing() {
    if !support::available() || binary().is_none() {
        return;
    }
    let clickhouse = support::ClickHouse::start();
    let single = format!(
        "clickhouse://default@127.0.0.1:{}/warden_one",
        clickhouse.http_port
    );
    let shared = format!(
        "clickhouse://default@127.0.0.1:{}/warden_three",
        clickhouse.http_port
    );
    for store in [&single, &shared] {
        for _ in 0..2 {
            // Twice: migrating is idempotent.
            let output = warden(&["store", "migrate", "--store", store])
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(String::from_utf8_lossy(&output.stdout).contains("is current"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let one = serve(&single, &dir.path().join("one"));
    let mut nodes: Vec<Option<Node>> = (0..3)
        .map(|i| Some(serve(&shared, &dir.path().join(format!("node{i}")))))
        .collect();

    // Requests of 37 lines: invocations are cut across requests, so across nodes.
    let now = warden_server::clock::now_ms();
    let events = warden_server::demo::generate(now - 60_000, 40, 0.15, 5);
    let requests: Vec<Vec<u8>> = events
        .chunks(37)
        .map(|chunk| {
            chunk
                .iter()
                .map(|e| {
                    serde_json::json!({"timestamp": e.timestamp_ms, "message": e.message, "log_group": e.log_group, "log_stream": e.log_stream}).to_string() + "\n"
                })
                .collect::<String>()
                .into_bytes()
        })
        .collect();
    assert!(requests.len() > 40, "{}", requests.len());
    let kill_at = requests.len() / 2;
    let mut next = 0;
    for (i, body) in requests.iter().enumerate() {
        if i == kill_at {
            // SIGKILL the node that has the assembler lease or not: either way nothing it
            // acknowledged may be lost.
            let mut killed = nodes[1].take().unwrap();
            killed.child.kill().unwrap();
            killed.child.wait().unwrap();
        }
        let node = loop {
            next = (next + 1) % nodes.len();
            if let Some(node) = &nodes[next] {
                break node;
            }
        };
        let (status, answer) = http(&node.addr, "POST", "/ingest/lines", INGEST, body);
        assert_eq!(status, 200, "{answer}");
        // Only what the cluster acknowledged goes to the single node.
        let (status, answer) = http(&one.addr, "POST", "/ingest/lines", INGEST, body);
        assert_eq!(status, 200, "{answer}");
    }

    let from = (now - 3 * 3_600_000).to_string();
    let from = from.as_str();
    let expected = settled(&one.addr, from);
    let functions = expected["functions"].as_array().unwrap();
    let invocations: u64 = functions
        .iter()
        .map(|f| f["invocations"].as_u64().unwrap())
        .sum();
    assert!(invocations > 50, "{expected}");
    for node in nodes.iter().flatten() {
        let got = settled(&node.addr, from);
        if got != expected {
            let (a, b) = (expected.to_string(), got.to_string());
            let at = a
                .chars()
                .zip(b.chars())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            panic!(
                "three nodes differ from one at char {at}:\none:   {}\nthree: {}",
                &a[at.saturating_sub(200)..(at + 300).min(a.len())],
                &b[at.saturating_sub(200)..(at + 300).min(b.len())]
            );
        }
    }
}
