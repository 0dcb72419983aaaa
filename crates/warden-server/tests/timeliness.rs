//! Invocations appear when they end, not when other traffic pushes them out: a REPORT
//! completes its invocation at once, late lines attach by request id, a wall-clock idle
//! timer closes what never reports, and one source lagging another changes nothing.

mod common;

use std::time::Duration;

use common::*;
use warden_logs::OwnedLogEvent;

fn line(function: &str, stream: &str, at: i64, message: &str) -> OwnedLogEvent {
    OwnedLogEvent {
        timestamp_ms: Some(at),
        message: message.to_owned(),
        log_group: format!("/aws/lambda/{function}"),
        log_stream: stream.to_owned(),
        ..OwnedLogEvent::default()
    }
}

async fn invocations(base: &str, function: &str) -> Vec<serde_json::Value> {
    get_json(
        base,
        &format!("/api/v1/invocations?function={function}"),
        READ,
    )
    .await["invocations"]
        .as_array()
        .unwrap()
        .clone()
}

async fn summary(base: &str, function: &str) -> serde_json::Value {
    function_summary(base, function)
        .await
        .unwrap_or_else(|| panic!("no {function}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_completes_its_invocation_at_once_and_late_lines_amend_it() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 5_000;
    // The last invocation of a function that is then never called again.
    let events = invocation_lines(
        "quiet",
        "2026/12/05/[$LATEST]aa",
        "3364d63a-b18c-5ed6-97c7-85c6bf57800e",
        at,
        &["working"],
        "",
    );
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    let found = invocations(&base, "quiet").await;
    assert_eq!(found.len(), 1, "stored without waiting for other traffic");
    assert_eq!(found[0]["complete"], true);
    assert_eq!(found[0]["outcome"], "success");

    // A line written after the REPORT (the legacy timeout line) names the request id.
    let late = line(
        "quiet",
        "2026/12/05/[$LATEST]aa",
        at + 10,
        "2026-12-05T07:00:00.000Z 3364d63a-b18c-5ed6-97c7-85c6bf57800e Task timed out after 3.00 seconds",
    );
    assert_eq!(post_lines(&base, &[late]).await.status(), 200);
    let found = invocations(&base, "quiet").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["outcome"], "timeout", "{:?}", found[0]);
    let summary = summary(&base, "quiet").await;
    assert_eq!(summary["invocations"], 1, "{summary}");
    assert_eq!(
        summary["failures"]["timeout"], 1,
        "rollups follow the amendment: {summary}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_invocation_closes_on_the_idle_timer_and_a_late_report_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(ServerConfig {
        idle_timeout: Duration::from_secs(1),
        ..config(dir.path())
    })
    .await;
    let stream = "2026/12/05/[$LATEST]bb";
    let at = now_ms() - 2_000;
    let events = vec![
        line(
            "silent",
            stream,
            at,
            "START RequestId: r-open Version: $LATEST",
        ),
        line("silent", stream, at + 1, "still working"),
    ];
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    assert!(
        invocations(&base, "silent").await.is_empty(),
        "open, not stored yet"
    );
    // No other traffic: only the timer can close it.
    let mut found = Vec::new();
    for _ in 0..100 {
        found = invocations(&base, "silent").await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "closed by the idle timer within 10 s");
    assert_eq!(found[0]["complete"], false);
    assert_eq!(summary(&base, "silent").await["incomplete"], 1);

    let report = vec![
        line("silent", stream, at + 3_000, "END RequestId: r-open"),
        line(
            "silent",
            stream,
            at + 3_001,
            "REPORT RequestId: r-open\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
        ),
    ];
    assert_eq!(post_lines(&base, &report).await.status(), 200);
    let found = invocations(&base, "silent").await;
    assert_eq!(
        found.len(),
        1,
        "the late REPORT completes it, no second row: {found:?}"
    );
    assert_eq!(found[0]["complete"], true);
    assert_eq!(found[0]["duration_ms"], 3000.0);
    let summary = summary(&base, "silent").await;
    assert_eq!(summary["invocations"], 1, "{summary}");
    assert_eq!(summary["incomplete"], 0, "{summary}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_behind_another_keeps_its_invocations() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let now = now_ms();
    // A source 40 minutes behind: its invocation opens…
    let behind = now - 40 * 60_000;
    let stream_b = "2026/12/05/[$LATEST]cc";
    let start_b = vec![line(
        "lagging",
        stream_b,
        behind,
        "START RequestId: r-b Version: $LATEST",
    )];
    assert_eq!(post_lines(&base, &start_b).await.status(), 200);
    // …while a current source moves on by much more than 15 minutes of event time…
    for i in 0..20 {
        let events = invocation_lines(
            "current",
            "2026/12/05/[$LATEST]dd",
            &format!("r-a{i}"),
            now - 20 * 60_000 + i * 60_000,
            &[],
            "",
        );
        assert_eq!(post_lines(&base, &events).await.status(), 200);
    }
    // …and then its REPORT arrives.
    let end_b = vec![
        line("lagging", stream_b, behind + 500, "END RequestId: r-b"),
        line(
            "lagging",
            stream_b,
            behind + 501,
            "REPORT RequestId: r-b\tDuration: 500.00 ms\tBilled Duration: 500 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
        ),
    ];
    assert_eq!(post_lines(&base, &end_b).await.status(), 200);
    let found = invocations(&base, "lagging").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["complete"], true, "{:?}", found[0]);
    assert_eq!(found[0]["duration_ms"], 500.0);
    assert_eq!(invocations(&base, "current").await.len(), 20);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_after_a_restart_completes_the_invocation_the_idle_timer_closed() {
    let dir = tempfile::tempdir().unwrap();
    let quick = || ServerConfig {
        idle_timeout: Duration::from_secs(1),
        ..config(dir.path())
    };
    let (server, base) = start(quick()).await;
    let stream = "2026/12/05/[$LATEST]rr";
    let at = now_ms() - 5_000;
    let opened = vec![
        line(
            "restarted",
            stream,
            at,
            "START RequestId: r-long Version: $LATEST",
        ),
        line("restarted", stream, at + 1, "working"),
    ];
    assert_eq!(post_lines(&base, &opened).await.status(), 200);
    let mut found = Vec::new();
    for _ in 0..100 {
        found = invocations(&base, "restarted").await;
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "closed by the idle timer");
    assert_eq!(found[0]["complete"], false);
    // The engine's memory of it goes with the restart; the store still knows it.
    server.stop().await;
    let (server, base) = start(quick()).await;
    let report = vec![line(
        "restarted",
        stream,
        at + 4_000,
        "REPORT RequestId: r-long\tDuration: 4000.00 ms\tBilled Duration: 4000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB",
    )];
    assert_eq!(post_lines(&base, &report).await.status(), 200);
    let found = invocations(&base, "restarted").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["complete"], true);
    assert_eq!(found[0]["lines"], 1, "the line before the restart is kept");
    assert_eq!(found[0]["duration_ms"], 4000.0);
    let summary = summary(&base, "restarted").await;
    assert_eq!(summary["invocations"], 1, "{summary}");
    assert_eq!(summary["incomplete"], 0, "{summary}");
    server.stop().await;
}
