//! `warden serve` processes for the multi-node tests: started on port 0 with fixed tokens,
//! fed over HTTP, and asked what they know through the API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const INGEST: &str = "ingest-key-0123456789abcdef";
pub const READ: &str = "read-token-0123456789abcdef";

pub struct Node {
    pub child: Child,
    pub addr: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `warden` binary: `WARDEN_BIN`, else the one beside this test in the target
/// directory (`cargo test --workspace` builds it; `cargo build -p warden` otherwise).
pub fn binary() -> Option<std::path::PathBuf> {
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

pub fn warden(args: &[&str]) -> Command {
    let mut command = Command::new(binary().expect("checked by the test"));
    command
        .args(args)
        .env("WARDEN_INGEST_KEYS", INGEST)
        .env("WARDEN_READ_TOKENS", READ)
        .env("WARDEN_ADMIN_TOKENS", "admin-token-0123456789abcdef");
    command
}

/// `warden serve` on port 0 with `store` (`--store URL`, `--clickhouse-cluster NAME`;
/// none for SQLite in `data_dir`).
pub fn serve(store: &[&str], data_dir: &std::path::Path) -> Node {
    let mut args = vec!["serve"];
    args.extend_from_slice(store);
    args.extend_from_slice(&[
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
    ]);
    let mut child = warden(&args)
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

pub fn http(addr: &str, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, String) {
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

pub fn get(addr: &str, path: &str) -> Value {
    let (status, body) = http(addr, "GET", path, READ, b"");
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Everything the API says about the data, without row ids (line ids differ by design).
pub fn answers(addr: &str, from: &str) -> Value {
    let mut all = serde_json::json!({
        "functions": get(addr, &format!("/api/v1/functions?from={from}"))["functions"],
        "invocations": get(addr, &format!("/api/v1/invocations?from={from}&limit=1000"))["invocations"],
        "failed": get(addr, &format!("/api/v1/invocations?from={from}&outcome=failure&limit=1000"))["invocations"],
        "error_groups": get(addr, &format!("/api/v1/error-groups?from={from}&limit=1000"))["error_groups"],
        "security": get(addr, &format!("/api/v1/security-events?from={from}&limit=1000")),
        "declined": get(addr, &format!("/api/v1/invocations?from={from}&text=card%20declined&limit=1000"))["invocations"],
    });
    strip_ids(&mut all);
    // Equal times tie-break on row ids, which differ between stores: compare as sets.
    for key in ["invocations", "failed", "declined"] {
        sort(&mut all[key]);
    }
    if let Some(events) = all["security"].as_object_mut() {
        events.values_mut().for_each(sort);
    }
    all
}

fn sort(items: &mut Value) {
    if let Some(items) = items.as_array_mut() {
        items.sort_by_key(|v| v.to_string());
    }
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
pub fn settled(addr: &str, from: &str) -> Value {
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
