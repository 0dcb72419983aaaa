//! `warden serve` over ClickHouse, in process: ingest and API over real HTTP, and what a
//! ClickHouse restart during ingest looks like to a client (503 with Retry-After, then
//! recovery with nothing acknowledged lost).

mod support;

use std::sync::Arc;
use std::time::Duration;

use warden_server::auth::{Credentials, RateLimit, Secret};
use warden_server::{ExternalStore, ServerConfig};

const INGEST: &str = "ingest-key-0123456789abcdef";
const READ: &str = "read-token-0123456789abcdef";

fn config(store: ExternalStore) -> ServerConfig {
    ServerConfig {
        store: Some(store),
        credentials: Credentials {
            ingest_keys: vec![Secret::new(INGEST)],
            read_tokens: vec![Secret::new(READ)],
            admin_tokens: vec![],
        },
        ingest_rate: RateLimit {
            per_second: 10_000.0,
            burst: 10_000.0,
        },
        api_rate: RateLimit {
            per_second: 10_000.0,
            burst: 10_000.0,
        },
        idle_timeout: Duration::from_secs(1),
        alert_interval: Duration::from_secs(3600),
        maintenance_interval: Duration::from_secs(3600),
        ..ServerConfig::default()
    }
}

/// One invocation's four lines as an `/ingest/lines` body.
fn invocation(request: &str, at: i64) -> String {
    [
        format!("START RequestId: {request} Version: $LATEST"),
        format!("{}\t{request}\tINFO\tcharging card", "2026-01-01T00:00:00.000Z"),
        format!("END RequestId: {request}"),
        format!("REPORT RequestId: {request}\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB"),
    ]
    .iter()
    .enumerate()
    .map(|(i, message)| {
        serde_json::json!({"timestamp": at + i as i64, "message": message, "log_group": "/aws/lambda/checkout", "log_stream": "2026/01/01/[$LATEST]abc"}).to_string() + "\n"
    })
    .collect()
}

async fn post(base: &str, body: String) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/ingest/lines"))
        .bearer_auth(INGEST)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn invocations(base: &str) -> u64 {
    let now = warden_server::clock::now_ms();
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/functions?from={}", now - 3_600_000))
        .bearer_auth(READ)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "checkout")
        .map_or(0, |f| f["invocations"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clickhouse_restart_makes_ingest_retryable_and_loses_nothing_acknowledged() {
    if !support::available() {
        return;
    }
    let mut clickhouse = support::ClickHouse::start();
    let url = clickhouse.url();
    let store = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let store = warden_clickhouse::ClickHouseStore::connect(&url, None).unwrap();
            store.migrate().unwrap();
            warden_clickhouse::ClickHouseStore::open(&url, None).unwrap()
        })
        .await
        .unwrap()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = warden_server::start(config(ExternalStore(Arc::new(store))), listener)
        .await
        .unwrap();
    let base = format!("http://{}", server.addr);
    let now = warden_server::clock::now_ms();

    let mut acknowledged = 0;
    for i in 0..5 {
        let response = post(&base, invocation(&format!("before-{i}"), now - 60_000 + i)).await;
        assert_eq!(response.status(), 200);
        acknowledged += 1;
    }

    clickhouse.kill();
    let response = post(&base, invocation("during", now - 30_000)).await;
    assert_eq!(
        response.status(),
        503,
        "a commit that cannot be stored is retryable"
    );
    assert!(response.headers().contains_key("retry-after"));

    clickhouse.restart();
    // The client retries what was refused, and goes on.
    let mut retried = false;
    for _ in 0..50 {
        let response = post(&base, invocation("during", now - 30_000)).await;
        if response.status() == 200 {
            retried = true;
            break;
        }
        assert_eq!(response.status(), 503);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(retried, "ingest recovers once ClickHouse is back");
    acknowledged += 1;
    for i in 0..3 {
        assert_eq!(
            post(&base, invocation(&format!("after-{i}"), now - 10_000 + i))
                .await
                .status(),
            200
        );
        acknowledged += 1;
    }
    // Assembly follows staging by a poll or two.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while invocations(&base).await < acknowledged && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(invocations(&base).await, acknowledged);
    server.stop().await;
}
