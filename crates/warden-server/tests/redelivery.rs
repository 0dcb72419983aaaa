//! Retries and re-deliveries: the same events sent twice are stored once, on every
//! endpoint; retries of one request in one stream are separate invocations.

mod common;

use common::*;
use warden_logs::{AssemblerConfig, Emitted, OwnedLogEvent, Pipeline};

async fn function_totals(base: &str, function: &str) -> (u64, u64) {
    let invocations = function_summary(base, function)
        .await
        .map_or(0, |f| f["invocations"].as_u64().unwrap());
    let lines = get_json(
        base,
        &format!("/api/v1/lines?function={function}&limit=1000"),
        READ,
    )
    .await["lines"]
        .as_array()
        .unwrap()
        .len() as u64;
    (invocations, lines)
}

fn subscription_payload(
    function: &str,
    events: &[OwnedLogEvent],
    first_id: u64,
) -> serde_json::Value {
    serde_json::json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": format!("/aws/lambda/{function}"),
        "logStream": events[0].log_stream,
        "subscriptionFilters": ["warden"],
        "logEvents": events.iter().enumerate().map(|(i, e)| serde_json::json!({
            "id": format!("{:056}", first_id + i as u64),
            "timestamp": e.timestamp_ms,
            "message": e.message,
        })).collect::<Vec<_>>(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_events_twice_are_stored_once_on_every_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let c = client();
    let at = now_ms() - 60_000;

    // CloudWatch forwarder: the decoded payload, then the same one gzip+base64 wrapped.
    let events = invocation_lines("cw", "2026/12/05/[$LATEST]ee", "r-cw", at, &["hello"], "");
    let payload = subscription_payload("cw", &events, 1);
    let wrapped = serde_json::json!({ "awslogs": { "data": base64_gzip(&payload.to_string()) } });
    for body in [&payload, &payload, &wrapped] {
        let response = c
            .post(format!("{base}/ingest/cloudwatch"))
            .bearer_auth(INGEST)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    // Overlapping re-delivery: half the events again plus nothing new.
    let half = subscription_payload("cw", &events[..2], 1);
    let response = c
        .post(format!("{base}/ingest/cloudwatch"))
        .bearer_auth(INGEST)
        .json(&half)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(function_totals(&base, "cw").await, (1, events.len() as u64));

    // NDJSON and Telemetry API batches sent twice.
    let events = invocation_lines("nd", "2026/12/05/[$LATEST]ff", "r-nd", at, &["hello"], "");
    for _ in 0..2 {
        assert_eq!(post_lines(&base, &events).await.status(), 200);
    }
    assert_eq!(function_totals(&base, "nd").await, (1, events.len() as u64));

    let telemetry = serde_json::json!([
        { "time": warden_logs::time::format_millis(at), "type": "platform.start", "record": { "requestId": "r-tm", "version": "$LATEST" } },
        { "time": warden_logs::time::format_millis(at + 5), "type": "function", "record": "working" },
        { "time": warden_logs::time::format_millis(at + 10), "type": "platform.report", "record": { "requestId": "r-tm", "status": "success", "metrics": { "durationMs": 10.0, "billedDurationMs": 10, "memorySizeMB": 128, "maxMemoryUsedMB": 50 } } }
    ]);
    for _ in 0..2 {
        let response = c
            .post(format!("{base}/ingest/telemetry?function=tm&stream=s1"))
            .bearer_auth(INGEST)
            .json(&telemetry)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    assert_eq!(function_totals(&base, "tm").await, (1, 3));
    server.stop().await;
}

fn base64_gzip(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(warden_server::demo::gzip(text.as_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_retries_sharing_a_request_id_are_separate_invocations() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 10 * 60_000;
    let stream = "2026/12/05/[$LATEST]aa11";
    // Lambda retries a failed asynchronous event twice, with the same request id; here
    // all three attempts run in the same sandbox.
    let mut events = Vec::new();
    for attempt in 0..3 {
        events.extend(invocation_lines(
            "retried",
            stream,
            "7c9567b5-aaaa-bbbb-cccc-000000000001",
            at + attempt * 60_000,
            &["2026-12-05T07:00:00.000Z\t7c9567b5-aaaa-bbbb-cccc-000000000001\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"boom\"}"],
            "",
        ));
    }
    // The CLI's engine over the same lines.
    let mut pipeline = Pipeline::new(AssemblerConfig::default()).keep_emitted(true);
    for event in &events {
        pipeline.push(&event.as_event());
    }
    let cli = pipeline
        .take_emitted()
        .iter()
        .filter(|e| matches!(e, Emitted::Invocation(_)))
        .count();
    assert_eq!(cli, 3, "warden logs counts every attempt");
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    let found = get_json(&base, "/api/v1/invocations?function=retried", READ).await;
    assert_eq!(found["invocations"].as_array().unwrap().len(), 3, "{found}");
    assert_eq!(function_totals(&base, "retried").await.0, 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivery_after_a_restart_is_still_recognised_by_its_event_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let c = client();
    let at = now_ms() - 60_000;
    let send = |payload: serde_json::Value| {
        let (c, base) = (c.clone(), base.clone());
        async move {
            c.post(format!("{base}/ingest/cloudwatch"))
                .bearer_auth(INGEST)
                .json(&payload)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let events = invocation_lines("rs", "2026/12/05/[$LATEST]rs", "r-rs", at, &["hello"], "");
    assert_eq!(send(subscription_payload("rs", &events, 100)).await, 200);
    assert_eq!(function_totals(&base, "rs").await, (1, events.len() as u64));
    server.stop().await;

    // After the restart, the same events come again in a delivery of another shape (the
    // first half only, so no delivery key matches): their event ids say they were stored.
    let (server, base) = start(config(dir.path())).await;
    let again = subscription_payload("rs", &events[..2], 100);
    let status = client()
        .post(format!("{base}/ingest/cloudwatch"))
        .bearer_auth(INGEST)
        .json(&again)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    assert_eq!(
        function_totals(&base, "rs").await,
        (1, events.len() as u64),
        "re-delivered lines were stored again"
    );
    server.stop().await;
}
