//! Small things a user notices: percentiles, the login page, formatting.

mod common;

use common::*;
use warden_logs::OwnedLogEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quantiles_are_exact_on_small_samples_and_never_above_max() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 60_000;
    // 39 invocations of 100..290 ms and one that took 3000 ms.
    let mut events: Vec<OwnedLogEvent> = Vec::new();
    for i in 0..40 {
        let duration = if i == 39 {
            3000.0
        } else {
            100.0 + 5.0 * i as f64
        };
        let request = format!("e0000000-0000-4000-8000-{i:012}");
        for (offset, message) in [
            format!("START RequestId: {request} Version: $LATEST"),
            format!("END RequestId: {request}"),
            format!("REPORT RequestId: {request}\tDuration: {duration:.2} ms\tBilled Duration: {} ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB", duration as u64),
        ]
        .into_iter()
        .enumerate()
        {
            events.push(OwnedLogEvent {
                timestamp_ms: Some(at + i * 10 + offset as i64),
                message,
                log_group: "/aws/lambda/exact".into(),
                log_stream: "2026/12/05/[$LATEST]ab".into(),
                ..OwnedLogEvent::default()
            });
        }
    }
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    let body = get_json(
        &base,
        &format!("/api/v1/functions?from={}", at - 3_600_000),
        READ,
    )
    .await;
    let f = &body["functions"][0];
    assert_eq!(f["invocations"], 40, "{f}");
    assert_eq!(f["percentiles"], "exact", "{f}");
    let d = &f["duration_ms"];
    // Nearest rank: p50 of 40 is the 20th value, p99 the 40th (the maximum).
    assert_eq!(d["p50"], 195.0, "{d}");
    assert_eq!(d["p99"], 3000.0, "{d}");
    assert_eq!(d["max"], 3000.0, "{d}");
    assert!(d["p95"].as_f64().unwrap() <= 3000.0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_says_when_a_token_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let c = client();
    let plain = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!plain.contains("not valid"), "{plain}");
    let response = c
        .post(format!("{base}/login"))
        .form(&[("token", "wrong-token")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let page = c
        .get(format!("{base}{location}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("That token is not valid"), "{page}");
    server.stop().await;
}
