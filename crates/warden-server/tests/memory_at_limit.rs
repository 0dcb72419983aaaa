//! Invocations whose max memory used reached the memory size are counted per function, as
//! `warden logs` counts them (`memory_at_limit`), from every rollup tier.

mod common;

use common::*;
use warden_logs::OwnedLogEvent;

fn invocation(request: &str, at: i64, max_used_mb: u32) -> Vec<OwnedLogEvent> {
    [
        format!("START RequestId: {request} Version: $LATEST"),
        format!("END RequestId: {request}"),
        format!("REPORT RequestId: {request}\tDuration: 812.50 ms\tBilled Duration: 813 ms\tMemory Size: 256 MB\tMax Memory Used: {max_used_mb} MB"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, message)| OwnedLogEvent {
        timestamp_ms: Some(at + i as i64),
        message,
        log_group: "/aws/lambda/resize".into(),
        log_stream: "2026/12/05/[$LATEST]a".into(),
        ..OwnedLogEvent::default()
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_at_the_memory_limit_are_counted_in_every_window() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 3 * 86_400_000;
    let mut events = invocation("c0000000-0000-4000-8000-000000000001", at, 256);
    events.extend(invocation(
        "c0000000-0000-4000-8000-000000000002",
        at + 1_000,
        255,
    ));
    events.extend(invocation(
        "c0000000-0000-4000-8000-000000000003",
        at + 2_000,
        256,
    ));
    assert_eq!(post_lines(&base, &events).await.status(), 200);

    // A one-hour window reads minutes; seven days read whole days from the day tier.
    let hour = format!(
        "/api/v1/functions?from={}&to={}",
        warden_logs::time::format_millis(at - 60_000),
        warden_logs::time::format_millis(at + 3_540_000)
    );
    let week = format!(
        "/api/v1/functions?from={}",
        warden_logs::time::format_millis(now_ms() - 7 * 86_400_000)
    );
    for path in [hour.as_str(), week.as_str()] {
        let body = get_json(&base, path, READ).await;
        let resize = body["functions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["function"] == "resize")
            .unwrap_or_else(|| panic!("{path}: {body}"));
        assert_eq!(resize["invocations"], 3, "{path}: {resize}");
        assert_eq!(resize["memory_at_limit"], 2, "{path}: {resize}");
    }
    server.stop().await;
}
