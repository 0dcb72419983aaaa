//! A real server on 127.0.0.1:0 with a temporary data directory, and an HTTP client.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use warden_logs::OwnedLogEvent;
use warden_server::auth::{Credentials, RateLimit, Secret};
pub use warden_server::{RunningServer, ServerConfig};

pub const INGEST: &str = "ingest-key-0123456789abcdef";
pub const READ: &str = "read-token-0123456789abcdef";
pub const ADMIN: &str = "admin-token-0123456789abcdef";

pub fn config(data_dir: &Path) -> ServerConfig {
    ServerConfig {
        data_dir: Some(data_dir.to_path_buf()),
        credentials: Credentials {
            ingest_keys: vec![Secret::new(INGEST)],
            read_tokens: vec![Secret::new(READ)],
            admin_tokens: vec![Secret::new(ADMIN)],
        },
        api_rate: RateLimit {
            per_second: 10_000.0,
            burst: 10_000.0,
        },
        ingest_rate: RateLimit {
            per_second: 10_000.0,
            burst: 10_000.0,
        },
        alert_interval: Duration::from_secs(3600),
        maintenance_interval: Duration::from_secs(3600),
        ..ServerConfig::default()
    }
}

pub async fn start(config: ServerConfig) -> (RunningServer, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = warden_server::start(config, listener).await.unwrap();
    let base = format!("http://{}", server.addr);
    (server, base)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn get_json(base: &str, path: &str, token: &str) -> serde_json::Value {
    let (status, body) = get_status(base, path, token).await;
    assert!((200..300).contains(&status), "GET {path}: {status} {body}");
    body
}

/// A GET's status and JSON body (`null` when the body is not JSON).
pub async fn get_status(base: &str, path: &str, token: &str) -> (u16, serde_json::Value) {
    let response = client()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

pub async fn post_lines(base: &str, events: &[OwnedLogEvent]) -> reqwest::Response {
    let body: String = events
        .iter()
        .map(|e| serde_json::json!({ "timestamp": e.timestamp_ms, "message": e.message, "log_group": e.log_group, "log_stream": e.log_stream }).to_string() + "\n")
        .collect();
    client()
        .post(format!("{base}/ingest/lines"))
        .bearer_auth(INGEST)
        .body(body)
        .send()
        .await
        .unwrap()
}

pub fn now_ms() -> i64 {
    warden_server::clock::now_ms()
}

/// One invocation's lines in a stream, `offset_ms` apart.
pub fn invocation_lines(
    function: &str,
    stream: &str,
    request: &str,
    at: i64,
    extra: &[&str],
    report_tail: &str,
) -> Vec<OwnedLogEvent> {
    let group = format!("/aws/lambda/{function}");
    let mut lines = vec![format!("START RequestId: {request} Version: $LATEST")];
    lines.extend(extra.iter().map(|s| s.to_string()));
    lines.push(format!("END RequestId: {request}"));
    lines.push(format!("REPORT RequestId: {request}\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB{report_tail}"));
    lines
        .into_iter()
        .enumerate()
        .map(|(i, message)| OwnedLogEvent {
            timestamp_ms: Some(at + i as i64),
            message,
            log_group: group.clone(),
            log_stream: stream.to_owned(),
            ..OwnedLogEvent::default()
        })
        .collect()
}

/// The `/api/v1/functions` entry of `function` over the last three hours.
pub async fn function_summary(base: &str, function: &str) -> Option<serde_json::Value> {
    let body = get_json(
        base,
        &format!("/api/v1/functions?from={}", now_ms() - 3 * 3_600_000),
        READ,
    )
    .await;
    body["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == function)
        .cloned()
}
