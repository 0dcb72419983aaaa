//! Ingest → store → API over real HTTP: every ingest endpoint, committed-before-ack,
//! assembly across requests, restart replay, error groups, security events, search.

mod common;

use common::*;
use warden_logs::{AssemblerConfig, Emitted, OwnedLogEvent, Pipeline};
use warden_server::demo;

/// What the assembler emits for these events without a final flush: what the server
/// must have stored, however the events were cut into requests.
fn expected_invocations(events: &[OwnedLogEvent]) -> usize {
    let mut pipeline = Pipeline::new(AssemblerConfig {
        scan_security: true,
        ..AssemblerConfig::default()
    })
    .keep_emitted(true);
    for event in events {
        pipeline.push(&event.as_event());
    }
    pipeline
        .take_emitted()
        .iter()
        .filter(|e| matches!(e, Emitted::Invocation(_)))
        .count()
}

async fn total_invocations(base: &str) -> u64 {
    let body = get_json(
        base,
        &format!("/api/v1/functions?from={}", now_ms() - 86_400_000),
        READ,
    )
    .await;
    body["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["invocations"].as_u64().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firehose_batches_split_mid_invocation_assemble_like_one_input() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let events = demo::generate(now_ms(), 60, 0.5, 11);
    // Cut at arbitrary points, so invocations straddle requests.
    let mut sent = 0;
    for (n, chunk) in events.chunks(777).enumerate() {
        let body = demo::gzip(&demo::firehose_body(&format!("req-{n}"), now_ms(), chunk));
        let response = client()
            .post(format!("{base}/ingest/firehose"))
            .header("X-Amz-Firehose-Access-Key", INGEST)
            .header("X-Amz-Firehose-Request-Id", format!("req-{n}"))
            .header("Content-Encoding", "gzip")
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(answer["requestId"], format!("req-{n}"));
        assert!(answer["timestamp"].is_i64());
        sent += chunk.len();
    }
    assert_eq!(sent, events.len());
    // Acknowledged means committed: the API sees everything right away.
    assert_eq!(
        total_invocations(&base).await,
        expected_invocations(&events) as u64
    );

    // A Firehose retry (same request id) is acknowledged without storing twice.
    let body = demo::firehose_body("req-0", now_ms(), &events[..777]);
    let retry = client()
        .post(format!("{base}/ingest/firehose"))
        .header("X-Amz-Firehose-Access-Key", INGEST)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 200);
    assert_eq!(
        total_invocations(&base).await,
        expected_invocations(&events) as u64
    );

    let functions = get_json(
        &base,
        &format!("/api/v1/functions?from={}", now_ms() - 86_400_000),
        READ,
    )
    .await;
    let names: Vec<&str> = functions["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["function"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "auth-service",
            "checkout-api",
            "image-resize",
            "orders-worker",
            "report-generator"
        ]
    );
    let checkout = &functions["functions"][1];
    for field in [
        "log_group",
        "invocations",
        "failures",
        "cold_starts",
        "snapstart_restores",
        "incomplete",
        "duration_ms",
        "percentiles",
        "billed_duration_ms_total",
        "memory_size_mb",
        "cost_usd",
    ] {
        assert!(
            checkout.get(field).is_some(),
            "missing {field} in {checkout}"
        );
    }
    assert!(checkout["duration_ms"]["p95"].as_f64().unwrap() > 0.0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firehose_protocol_errors_use_its_response_shape() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.limits.max_decompressed_bytes = 1 << 20;
    let (server, base) = start(config).await;
    let post = |key: Option<&str>, body: Vec<u8>, gzip: bool| {
        let mut request = client()
            .post(format!("{base}/ingest/firehose"))
            .header("X-Amz-Firehose-Request-Id", "abc")
            .body(body);
        if let Some(key) = key {
            request = request.header("X-Amz-Firehose-Access-Key", key);
        }
        if gzip {
            request = request.header("Content-Encoding", "gzip");
        }
        request.send()
    };
    let good = demo::firehose_body("abc", 1, &[]);
    for (response, status) in [
        (post(None, good.clone(), false).await.unwrap(), 401),
        (
            post(Some("wrong-key-0123456789abcdef"), good.clone(), false)
                .await
                .unwrap(),
            401,
        ),
        (
            post(Some(INGEST), b"{not json".to_vec(), false)
                .await
                .unwrap(),
            400,
        ),
        (
            post(
                Some(INGEST),
                br#"{"requestId":"abc","timestamp":1,"records":[{"nodata":1}]}"#.to_vec(),
                false,
            )
            .await
            .unwrap(),
            400,
        ),
        (
            post(
                Some(INGEST),
                br#"{"requestId":"other","timestamp":1,"records":[]}"#.to_vec(),
                false,
            )
            .await
            .unwrap(),
            400,
        ),
        // A gzip bomb: 1 KiB that inflates past the 1 MiB limit.
        (
            post(Some(INGEST), demo::gzip(&vec![b' '; 8 << 20]), true)
                .await
                .unwrap(),
            413,
        ),
        (
            post(Some(INGEST), b"not gzip".to_vec(), true)
                .await
                .unwrap(),
            400,
        ),
    ] {
        assert_eq!(response.status(), status);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["requestId"], "abc", "{body}");
        assert!(body["timestamp"].is_i64());
        let message = body["errorMessage"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.contains("src/") && !message.contains("panicked"),
            "{message}"
        );
    }
    // A real CONTROL_MESSAGE delivery (see tests/fixtures/README.md).
    {
        let body = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/firehose-control-message.json"
        ))
        .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let body = value.get("body").cloned().unwrap_or(value);
        let response = client()
            .post(format!("{base}/ingest/firehose"))
            .header("X-Amz-Firehose-Access-Key", INGEST)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudwatch_telemetry_and_lines_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 60_000;
    // A forwarder's awslogs event, gzip + base64 as CloudWatch sends it.
    let mut events = invocation_lines(
        "forwarded",
        "s1",
        "11111111-0000-4000-8000-000000000001",
        at,
        &["hello"],
        "",
    );
    events.extend(invocation_lines(
        "forwarded",
        "s1",
        "11111111-0000-4000-8000-000000000002",
        at + 100,
        &[],
        "",
    ));
    let payload = serde_json::json!({ "messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/forwarded", "logStream": "s1",
        "logEvents": events.iter().enumerate().map(|(i, e)| serde_json::json!({"id": i.to_string(), "timestamp": e.timestamp_ms, "message": e.message})).collect::<Vec<_>>() });
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD
        .encode(demo::gzip(payload.to_string().as_bytes()));
    let response = client()
        .post(format!("{base}/ingest/cloudwatch"))
        .bearer_auth(INGEST)
        .body(serde_json::json!({ "awslogs": { "data": data } }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["accepted"], 7);
    let wrong = client()
        .post(format!("{base}/ingest/cloudwatch"))
        .bearer_auth(INGEST)
        .body(r#"{"hello": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);

    // Telemetry API batch.
    let batch = serde_json::json!([
        { "time": "2026-01-01T00:00:00.000Z", "type": "platform.start", "record": { "requestId": "t-1", "version": "$LATEST" } },
        { "time": "2026-01-01T00:00:00.010Z", "type": "function", "record": "working" },
        { "time": "2026-01-01T00:00:00.300Z", "type": "platform.report", "record": { "requestId": "t-1", "status": "timeout", "metrics": { "durationMs": 3000.0, "billedDurationMs": 3000, "memorySizeMB": 128, "maxMemoryUsedMB": 40 } } },
        { "time": "2026-01-01T00:00:01.000Z", "type": "platform.start", "record": { "requestId": "t-2" } }
    ]);
    let response = client()
        .post(format!(
            "{base}/ingest/telemetry?function=telemetry-fn&stream=sandbox-1"
        ))
        .bearer_auth(INGEST)
        .body(batch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let missing = client()
        .post(format!("{base}/ingest/telemetry"))
        .bearer_auth(INGEST)
        .body(batch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let bad_name = client()
        .post(format!("{base}/ingest/telemetry?function=a%20b"))
        .bearer_auth(INGEST)
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_name.status(), 400);
    let timeouts = get_json(
        &base,
        "/api/v1/invocations?function=telemetry-fn&outcome=timeout",
        READ,
    )
    .await;
    assert_eq!(timeouts["invocations"][0]["request_id"], "t-1");

    // NDJSON lines, with a line-numbered error for a bad record.
    let response = post_lines(
        &base,
        &invocation_lines("ndjson-fn", "s", "r-1", at, &[], ""),
    )
    .await;
    assert_eq!(response.status(), 200);
    let bad = client().post(format!("{base}/ingest/lines")).bearer_auth(INGEST).body("{\"timestamp\":1,\"message\":\"x\",\"log_group\":\"g\",\"log_stream\":\"s\"}\n{\"timestamp\":\"yesterday\",\"message\":\"x\",\"log_group\":\"g\",\"log_stream\":\"s\"}\n").send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 2:"),
        "{body}"
    );

    let forwarded = get_json(&base, "/api/v1/invocations?function=forwarded", READ).await;
    assert_eq!(
        forwarded["invocations"].as_array().unwrap().len(),
        2,
        "a REPORT completes its invocation: none waits for the stream to move on"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_invocations_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let at = now_ms() - 10_000;
    let first = invocation_lines("restarted", "s1", "req-a", at, &["step one"], "");
    let (server, base) = start(config(dir.path())).await;
    // START and an application line only: the invocation is open when the server stops.
    assert_eq!(post_lines(&base, &first[..2]).await.status(), 200);
    server.stop().await;

    let (server, base) = start(config(dir.path())).await;
    let mut rest = first[2..].to_vec();
    rest.extend(invocation_lines(
        "restarted",
        "s1",
        "req-b",
        at + 50,
        &[],
        "",
    ));
    assert_eq!(post_lines(&base, &rest).await.status(), 200);
    let found = get_json(&base, "/api/v1/invocations?function=restarted", READ).await;
    let list = found["invocations"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{found}");
    let first = list.iter().find(|i| i["request_id"] == "req-a").unwrap();
    assert_eq!(first["complete"], true);
    assert_eq!(
        first["lines"], 1,
        "the application line from before the restart is attributed"
    );
    let status = get_json(&base, "/api/v1/status", READ).await;
    assert!(status["pipeline"]["replayed_lines"].as_u64().unwrap() >= 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_groups_resolve_mute_and_reopen_on_regression() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 100_000;
    let error = |request: &str, t: i64| {
        format!("{}\t{request}\tERROR\tInvoke Error \t{{\"errorType\":\"OrderError\",\"errorMessage\":\"order 42 failed\",\"stack\":[\"OrderError: order 42 failed\",\"    at handler (/var/task/index.js:3:9)\"]}}", warden_logs::time::format_millis(t))
    };
    let mut events = invocation_lines(
        "orders",
        "s",
        "e0000000-0000-4000-8000-000000000001",
        at,
        &[&error("e0000000-0000-4000-8000-000000000001", at)],
        "\tStatus: error\tError Type: OrderError",
    );
    events.extend(invocation_lines(
        "orders",
        "s",
        "e0000000-0000-4000-8000-000000000002",
        at + 1000,
        &[],
        "",
    ));
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    let groups = get_json(&base, "/api/v1/error-groups?function=orders", READ).await;
    let group = groups["error_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["message"] == "order 42 failed")
        .unwrap_or_else(|| panic!("{groups}"));
    assert_eq!(group["error_type"], "OrderError");
    let fingerprint = group["fingerprint"].as_str().unwrap().to_owned();
    let detail = get_json(&base, &format!("/api/v1/error-groups/{fingerprint}"), READ).await;
    assert!(
        detail["sample_stack"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("index.js")),
        "{detail}"
    );
    assert_eq!(
        detail["occurrences"][0]["request_id"],
        "e0000000-0000-4000-8000-000000000001"
    );

    // Read tokens cannot change state; admin can.
    let url = format!("{base}/api/v1/error-groups/{fingerprint}/resolve");
    assert_eq!(
        client()
            .post(&url)
            .bearer_auth(READ)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        client()
            .post(&url)
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let resolved = get_json(&base, &format!("/api/v1/error-groups/{fingerprint}"), READ).await;
    assert_eq!(resolved["status"], "resolved");

    // A newer occurrence is a regression: the group reopens.
    let later = at + 50_000;
    let mut again = invocation_lines(
        "orders",
        "s",
        "e0000000-0000-4000-8000-000000000003",
        later,
        &[&error("e0000000-0000-4000-8000-000000000003", later)],
        "\tStatus: error\tError Type: OrderError",
    );
    again.extend(invocation_lines(
        "orders",
        "s",
        "e0000000-0000-4000-8000-000000000004",
        later + 1000,
        &[],
        "",
    ));
    assert_eq!(post_lines(&base, &again).await.status(), 200);
    let reopened = get_json(&base, &format!("/api/v1/error-groups/{fingerprint}"), READ).await;
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["regressions"], 1);
    assert_eq!(reopened["count"], 2);

    let mute = format!("{base}/api/v1/error-groups/{fingerprint}/mute");
    assert_eq!(
        client()
            .post(&mute)
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let muted = get_json(&base, "/api/v1/error-groups?status=muted", READ).await;
    assert_eq!(muted["error_groups"].as_array().unwrap().len(), 1);
    let missing = client()
        .post(format!("{base}/api/v1/error-groups/nope/resolve"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_redacted_before_storage_and_security_events_listed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 5_000;
    let mut events = invocation_lines(
        "leaky",
        "s",
        "l-1",
        at,
        &[
            "using key AKIAIOSFODNN7EXAMPLE now",
            "GET /items?id=1' OR '1'='1 HTTP/1.1",
        ],
        "",
    );
    events.extend(invocation_lines("leaky", "s", "l-2", at + 100, &[], ""));
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    let security = get_json(&base, "/api/v1/security-events?function=leaky", READ).await;
    let kinds: Vec<&str> = security["security_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"aws-access-key") && kinds.contains(&"sql-injection"),
        "{kinds:?}"
    );
    let injection = get_json(&base, "/api/v1/security-events?risk=event-injection", READ).await;
    assert_eq!(injection["security_events"].as_array().unwrap().len(), 1);
    let lines = get_json(&base, "/api/v1/lines?function=leaky&text=using%20key", READ).await;
    let message = lines["lines"][0]["message"].as_str().unwrap();
    assert!(!message.contains("AKIAIOSFODNN7EXAMPLE"), "{message}");
    assert_eq!(lines["lines"][0]["request_id"], "l-1");
    // No stored byte holds the secret.
    drop(lines);
    server.stop().await;
    let db = std::fs::read(dir.path().join("warden.db")).unwrap();
    let wal = std::fs::read(dir.path().join("warden.db-wal")).unwrap_or_default();
    let needle = b"AKIAIOSFODNN7EXAMPLE";
    assert!(
        !db.windows(needle.len()).any(|w| w == needle)
            && !wal.windows(needle.len()).any(|w| w == needle)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn series_and_invocation_search() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let now = now_ms();
    let events = demo::generate(now, 30, 1.0, 5);
    for chunk in events.chunks(3000) {
        assert_eq!(post_lines(&base, chunk).await.status(), 200);
    }
    let series = get_json(
        &base,
        &format!(
            "/api/v1/functions/checkout-api/series?from={}&to={now}&step=60",
            now - 30 * 60_000
        ),
        READ,
    )
    .await;
    let points = series["points"].as_array().unwrap();
    assert!((30..=31).contains(&points.len()), "{}", points.len());
    let invocations: u64 = points
        .iter()
        .map(|p| p["invocations"].as_u64().unwrap())
        .sum();
    assert!(invocations > 500, "{invocations}");
    assert!(points.iter().any(|p| p["p95"].is_f64()));
    let failed = get_json(
        &base,
        "/api/v1/invocations?function=checkout-api&outcome=failure&limit=5",
        READ,
    )
    .await;
    let first = &failed["invocations"][0];
    assert_eq!(first["outcome"], "error");
    let request = first["request_id"].as_str().unwrap();
    let by_id = get_json(
        &base,
        &format!("/api/v1/invocations?request_id={request}"),
        READ,
    )
    .await;
    assert_eq!(by_id["invocations"].as_array().unwrap().len(), 1);
    let lines = get_json(&base, &format!("/api/v1/lines?request_id={request}"), READ).await;
    let lines = lines["lines"].as_array().unwrap();
    assert!(
        lines.len() >= 4 && lines.iter().all(|l| l["request_id"] == request),
        "{lines:?}"
    );
    assert!(lines
        .iter()
        .any(|l| l["message"].as_str().unwrap().starts_with("REPORT")));
    let by_text = get_json(
        &base,
        "/api/v1/invocations?function=checkout-api&text=card%20declined&limit=1000",
        READ,
    )
    .await;
    assert!(!by_text["invocations"].as_array().unwrap().is_empty());
    assert!(by_text["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["outcome"] == "error"));
    let cold = get_json(&base, "/api/v1/invocations?cold_start=true&limit=3", READ).await;
    assert!(cold["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["cold_start"] == true));
    server.stop().await;
}
