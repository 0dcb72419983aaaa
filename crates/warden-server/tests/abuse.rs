//! A server under abuse: extreme query strings, memory bombs, floods of unauthenticated
//! uploads. Every answer is a bounded, clear error; memory stays bounded.

mod common;

use std::time::Duration;

use common::*;

/// Tests here measure this process's memory (the server runs in it): one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Resident memory of this test process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Samples resident memory every 10 ms until dropped; `peak_growth_mib` is the largest
/// rise over the level at the start.
struct RssWatch {
    start: u64,
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RssWatch {
    fn start() -> RssWatch {
        let start = rss_kib();
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(start));
        let sampled = peak.clone();
        let task = tokio::spawn(async move {
            loop {
                sampled.fetch_max(rss_kib(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        RssWatch { start, peak, task }
    }

    fn peak_growth_mib(&self) -> u64 {
        let peak = self
            .peak
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(rss_kib());
        peak.saturating_sub(self.start) / 1024
    }
}

impl Drop for RssWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Values that break naive arithmetic or parsing, for every numeric query parameter.
const EXTREMES: &[&str] = &[
    "-9223372036854775808",
    "9223372036854775807",
    "9223372036854775808",
    "-1",
    "0",
    "1",
    "60",
    "59",
    "61",
    "4294967295",
    "4294967296",
    "253402300799999",
    "253402300800000",
    "1e308",
    "NaN",
    "",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "%00",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_strings_are_checked_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let client = client();
    let _serial = SERIAL.lock().await;
    let watch = RssWatch::start();
    let endpoints = [
        (
            "/api/v1/functions/checkout/series",
            &["from", "to", "step"][..],
        ),
        ("/api/v1/functions", &["from", "to"][..]),
        ("/api/v1/invocations", &["from", "to", "limit"][..]),
        ("/api/v1/lines", &["from", "to", "limit"][..]),
        ("/api/v1/error-groups", &["from", "to", "limit"][..]),
        ("/api/v1/security-events", &["from", "to", "limit"][..]),
        ("/api/v1/alerts/history", &["rule_id", "limit"][..]),
    ];
    let mut requests = 0;
    for (path, params) in endpoints {
        // Every parameter alone, and every pair of extremes for the first two.
        let mut queries: Vec<String> = Vec::new();
        for param in params {
            for value in EXTREMES {
                queries.push(format!("{param}={value}"));
            }
        }
        for a in EXTREMES {
            for b in EXTREMES {
                queries.push(format!(
                    "{}={a}&{}={b}",
                    params[0],
                    params[params.len() - 1]
                ));
            }
        }
        if params.len() == 3 {
            for a in EXTREMES {
                queries.push(format!(
                    "{}={a}&{}={a}&{}=60",
                    params[0], params[1], params[2]
                ));
                queries.push(format!(
                    "{}=-9223372036854775808&{}=9223372036854775807&{}={a}",
                    params[0], params[1], params[2]
                ));
            }
        }
        for query in queries {
            requests += 1;
            let response = tokio::time::timeout(
                Duration::from_secs(10),
                client
                    .get(format!("{base}{path}?{query}"))
                    .bearer_auth(READ)
                    .send(),
            )
            .await
            .unwrap_or_else(|_| panic!("{path}?{query}: no answer within 10 s"))
            .unwrap_or_else(|e| panic!("{path}?{query}: {e}"));
            let status = response.status().as_u16();
            let body: serde_json::Value = response
                .json()
                .await
                .unwrap_or_else(|e| panic!("{path}?{query}: not JSON: {e}"));
            assert!(
                status == 200 || status == 400,
                "{path}?{query}: {status} {body}"
            );
            if status == 400 {
                assert_eq!(
                    body["error"]["code"], "bad_request",
                    "{path}?{query}: {body}"
                );
            }
        }
    }
    assert!(requests > 2000, "{requests}");
    let growth_mib = watch.peak_growth_mib();
    assert!(growth_mib < 200, "peak RSS grew by {growth_mib} MiB");
    // The request the issue found: the whole i64 range at one-minute steps.
    let response = client
        .get(format!(
            "{base}/api/v1/functions/x/series?from=-9223372036854775808&to=9223372036854775807&step=60"
        ))
        .bearer_auth(READ)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("1970"),
        "{body}"
    );
    server.stop().await;
}

/// Sends raw bytes on a new connection and returns the stream.
async fn raw(base: &str, bytes: &[u8]) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    stream
}

/// What the server says (or `None` if it closes without a word) within `wait`.
async fn read_answer(stream: &mut tokio::net::TcpStream, wait: Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut buffer = vec![0u8; 16 << 10];
    let n = tokio::time::timeout(wait, stream.read(&mut buffer))
        .await
        .expect("the server answers or closes in time")
        .unwrap_or(0);
    (n > 0).then(|| String::from_utf8_lossy(&buffer[..n]).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_uploads_are_refused_before_the_body_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    for (path, key_header) in [
        ("/ingest/lines", "Authorization: Bearer wrong"),
        ("/ingest/firehose", "X-Amz-Firehose-Access-Key: wrong"),
        ("/ingest/cloudwatch", "X-Other: 1"),
    ] {
        // Headers announcing 15 MiB, and not one byte of body.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\n{key_header}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            15 << 20
        );
        let mut stream = raw(&base, head.as_bytes()).await;
        let answer = read_answer(&mut stream, Duration::from_secs(5))
            .await
            .unwrap_or_default();
        assert!(answer.starts_with("HTTP/1.1 401"), "{path}: {answer}");
    }
    // An oversized body announced by an authorised client is refused before reading too.
    let head = format!(
        "POST /ingest/lines HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {INGEST}\r\nContent-Length: {}\r\n\r\n",
        64 << 20
    );
    let mut stream = raw(&base, head.as_bytes()).await;
    let answer = read_answer(&mut stream, Duration::from_secs(5))
        .await
        .unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_ingest_gate_answers_503_with_retry_after_and_firehose_its_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.limits.max_concurrent_ingest = 1;
    let (server, base) = start(config).await;
    // One slow upload holds the only slot: headers and half its body.
    let head = format!(
        "POST /ingest/lines HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {INGEST}\r\nContent-Length: 1000\r\n\r\n{{\"timestamp\":"
    );
    let _slow = raw(&base, head.as_bytes()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let response = client()
        .post(format!("{base}/ingest/firehose"))
        .header("X-Amz-Firehose-Access-Key", INGEST)
        .header("X-Amz-Firehose-Request-Id", "req-busy")
        .header("Content-Type", "application/json")
        .body(r#"{"requestId":"req-busy","timestamp":1,"records":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["requestId"], "req-busy", "{body}");
    assert!(body["timestamp"].as_i64().is_some(), "{body}");
    assert!(
        body["errorMessage"].as_str().unwrap().contains("retry"),
        "{body}"
    );

    let response = post_lines(&base, &invocation_lines("f", "s", "r", now_ms(), &[], "")).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_some());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    // The API is not behind the ingest gate.
    get_json(&base, "/api/v1/status", READ).await;
    server.stop().await;
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    warden_server::demo::gzip(bytes)
}

/// A subscription payload of `events` tiny log events, gzip: a memory bomb of a record.
fn bomb_record(events: usize) -> Vec<u8> {
    let mut json = String::from(
        r#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/bomb","logStream":"s","subscriptionFilters":[],"logEvents":["#,
    );
    for i in 0..events {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!(r#"{{"id":"{i}","timestamp":1,"message":"x"}}"#));
    }
    json.push_str("]}");
    gzip(json.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_bombs_get_413_and_memory_stays_bounded() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let _serial = SERIAL.lock().await;
    // One record that expands to 1.2 million events.
    let record = bomb_record(1_200_000);
    assert!(record.len() < 8 << 20, "{}", record.len());
    let data = base64::engine::general_purpose::STANDARD.encode(&record);
    let body = format!(r#"{{"requestId":"bomb","timestamp":1,"records":[{{"data":"{data}"}}]}}"#);
    let watch = RssWatch::start();
    let mut sends = Vec::new();
    for n in 0..6 {
        let (base, body) = (
            base.clone(),
            body.replace("\"bomb\"", &format!("\"bomb{n}\"")),
        );
        sends.push(tokio::spawn(async move {
            client()
                .post(format!("{base}/ingest/firehose"))
                .header("X-Amz-Firehose-Access-Key", INGEST)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
        }));
    }
    for send in sends {
        let response = send.await.unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert!(status == 413 || status == 503, "{status} {body}");
        assert!(!body["errorMessage"].as_str().unwrap().is_empty(), "{body}");
    }
    // A gzip bomb body: 256 MiB of zeros in 250 KiB.
    let zeros = {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let block = vec![0u8; 1 << 20];
        for _ in 0..256 {
            encoder.write_all(&block).unwrap();
        }
        encoder.finish().unwrap()
    };
    let response = client()
        .post(format!("{base}/ingest/lines"))
        .bearer_auth(INGEST)
        .header("Content-Encoding", "gzip")
        .body(zeros)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("decompresses"),
        "{body}"
    );
    let growth_mib = watch.peak_growth_mib();
    assert!(growth_mib < 400, "peak RSS grew by {growth_mib} MiB");
    // Nothing of the bombs was stored, and the server still ingests.
    let events = invocation_lines("after", "s", "r1", now_ms(), &[], "");
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_open_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.limits.header_read_timeout = Duration::from_secs(1);
    config.limits.body_read_timeout = Duration::from_secs(1);
    let (server, base) = start(config).await;
    // Connects and says nothing.
    let mut silent = raw(&base, b"").await;
    assert_eq!(read_answer(&mut silent, Duration::from_secs(5)).await, None);
    // Half a request head.
    let mut half_head = raw(&base, b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n").await;
    let answer = read_answer(&mut half_head, Duration::from_secs(5)).await;
    assert!(
        answer
            .as_deref()
            .is_none_or(|a| a.starts_with("HTTP/1.1 408")),
        "{answer:?}"
    );
    // A whole head, then part of the body.
    let head = format!(
        "POST /ingest/lines HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {INGEST}\r\nContent-Length: 100\r\n\r\n{{\"a\""
    );
    let mut half_body = raw(&base, head.as_bytes()).await;
    let answer = read_answer(&mut half_body, Duration::from_secs(5))
        .await
        .unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // The same on the API.
    let head = format!(
        "POST /api/v1/alerts/rules HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"a\""
    );
    let mut half_api_body = raw(&base, head.as_bytes()).await;
    let answer = read_answer(&mut half_api_body, Duration::from_secs(5))
        .await
        .unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // An idle keep-alive connection after a request.
    let mut keep_alive = raw(
        &base,
        format!("GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {READ}\r\n\r\n")
            .as_bytes(),
    )
    .await;
    let answer = read_answer(&mut keep_alive, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(
        read_answer(&mut keep_alive, Duration::from_secs(5)).await,
        None
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_while_large_deliveries_decode() {
    use base64::Engine;
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    // Records of 100 000 events each (about 6 MB of JSON): seconds of decoding per request.
    let record = base64::engine::general_purpose::STANDARD.encode(bomb_record(100_000));
    let records: Vec<String> = (0..4)
        .map(|_| format!(r#"{{"data":"{record}"}}"#))
        .collect();
    let mut sends = Vec::new();
    for n in 0..4 {
        let body = format!(
            r#"{{"requestId":"big{n}","timestamp":1,"records":[{}]}}"#,
            records.join(",")
        );
        let base = base.clone();
        sends.push(tokio::spawn(async move {
            client()
                .post(format!("{base}/ingest/firehose"))
                .header("X-Amz-Firehose-Access-Key", INGEST)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // While they decode, the API keeps answering: no request waits for a decoder.
    let mut slowest = Duration::ZERO;
    while !sends.iter().all(|s| s.is_finished()) {
        let started = std::time::Instant::now();
        get_json(&base, "/api/v1/status", READ).await;
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for send in sends {
        let status = send.await.unwrap();
        assert!(status == 200 || status == 503, "{status}");
    }
    assert!(slowest < Duration::from_secs(2), "status took {slowest:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_expansion_holds_pool_memory_for_its_buffer_not_only_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    // 20 MiB of expansion fits a 40 MiB pool by its bytes, but not by the buffer that
    // holds it: 32 MiB of capacity, and the 16 MiB one it grew from while copying.
    config.limits.ingest_memory_bytes = 40 << 20;
    let (server, base) = start(config).await;
    let body = gzip(&vec![b'\n'; 20 << 20]);
    let response = client()
        .post(format!("{base}/ingest/lines"))
        .bearer_auth(INGEST)
        .header("Content-Encoding", "gzip")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("retry-after").is_some());
    // Half of it fits, and is 20 MiB of empty lines: nothing to store.
    let response = client()
        .post(format!("{base}/ingest/lines"))
        .bearer_auth(INGEST)
        .header("Content-Encoding", "gzip")
        .body(gzip(&vec![b'\n'; 10 << 20]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    server.stop().await;
}
