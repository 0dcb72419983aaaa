//! Custom metrics from Embedded Metric Format lines: aggregated per function, metric and
//! dimension set, bucketed over a window, counted once across a restart's replay.

mod common;

use common::*;

fn emf(at: i64, service: &str, values: &str, unit: &str) -> String {
    format!(
        r#"{{"_aws":{{"Timestamp":{at},"CloudWatchMetrics":[{{"Namespace":"Shop","Dimensions":[["service"]],"Metrics":[{{"Name":"OrderValue","Unit":"{unit}"}}]}}]}},"service":"{service}","OrderValue":{values}}}"#
    )
}

fn metric<'a>(body: &'a serde_json::Value, service: &str) -> &'a serde_json::Value {
    body["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["dimensions"]["service"] == service)
        .unwrap_or_else(|| panic!("no OrderValue for service {service}: {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emf_metrics_are_aggregated_per_dimension_set_and_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    // Two minutes, aligned, ten minutes ago.
    let minute = (now_ms() - 600_000).div_euclid(60_000) * 60_000;
    let mut events = invocation_lines(
        "checkout",
        "s1",
        "a0000000-0000-4000-8000-000000000001",
        minute + 1_000,
        &[
            &emf(minute + 1_000, "checkout", "[10, 30]", "None"),
            &emf(minute + 1_500, "refunds", "5", "Count"),
        ],
        "",
    );
    events.extend(invocation_lines(
        "checkout",
        "s1",
        "a0000000-0000-4000-8000-000000000002",
        minute + 61_000,
        &[&emf(minute + 61_000, "checkout", "2", "None")],
        "",
    ));
    assert_eq!(post_lines(&base, &events).await.status(), 200);

    let from = warden_logs::time::format_millis(minute - 60_000);
    let to = warden_logs::time::format_millis(minute + 180_000);
    let body = get_json(
        &base,
        &format!("/api/v1/functions/checkout/metrics?from={from}&to={to}&step=60"),
        READ,
    )
    .await;
    assert_eq!(body["metrics"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["truncated"], false);

    let checkout = metric(&body, "checkout");
    assert_eq!(checkout["namespace"], "Shop");
    assert_eq!(checkout["name"], "OrderValue");
    assert_eq!(
        checkout["unit"],
        serde_json::Value::Null,
        "EMF unit `None` means no unit"
    );
    assert_eq!(checkout["count"], 3, "an array holds several values");
    assert_eq!(checkout["sum"], 42.0);
    assert_eq!(checkout["min"], 2.0);
    assert_eq!(checkout["max"], 30.0);
    assert_eq!(checkout["average"], 14.0);
    let points = checkout["points"].as_array().unwrap();
    assert_eq!(points.len(), 2, "{checkout}");
    assert_eq!(points[0]["start"], warden_logs::time::format_millis(minute));
    assert_eq!(points[0]["count"], 2);
    assert_eq!(points[0]["average"], 20.0);
    assert_eq!(points[1]["count"], 1);
    assert_eq!(points[1]["max"], 2.0);

    let refunds = metric(&body, "refunds");
    assert_eq!(refunds["unit"], "Count");
    assert_eq!(refunds["sum"], 5.0);

    // Hour buckets fold the minutes.
    let hourly = get_json(
        &base,
        &format!("/api/v1/functions/checkout/metrics?from={from}&to={to}&step=3600"),
        READ,
    )
    .await;
    let folded = metric(&hourly, "checkout");
    let counts: u64 = folded["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counts, 3);

    // Another function, and a window before the data, have none.
    let other = get_json(&base, "/api/v1/functions/other/metrics", READ).await;
    assert_eq!(other["metrics"], serde_json::json!([]));
    let before = get_json(
        &base,
        &format!(
            "/api/v1/functions/checkout/metrics?from={}&to={}",
            warden_logs::time::format_millis(minute - 7_200_000),
            warden_logs::time::format_millis(minute - 3_600_000)
        ),
        READ,
    )
    .await;
    assert_eq!(before["metrics"], serde_json::json!([]));

    let bad = client()
        .get(format!("{base}/api/v1/functions/checkout/metrics?step=7"))
        .bearer_auth(READ)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metric_line_replayed_after_a_restart_is_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let at = now_ms() - 10_000;
    let request = "b0000000-0000-4000-8000-000000000001";
    let lines = invocation_lines(
        "replayed",
        "s1",
        request,
        at,
        &[&emf(at, "replayed", "7", "Milliseconds")],
        "",
    );
    let (server, base) = start(config(dir.path())).await;
    // START and the metric line: the invocation is still open when the server stops, so
    // both lines are replayed when it starts again.
    assert_eq!(post_lines(&base, &lines[..2]).await.status(), 200);
    server.stop().await;

    let (server, base) = start(config(dir.path())).await;
    assert_eq!(post_lines(&base, &lines[2..]).await.status(), 200);
    let status = get_json(&base, "/api/v1/status", READ).await;
    assert!(
        status["pipeline"]["replayed_lines"].as_u64().unwrap() >= 2,
        "{status}"
    );
    let body = get_json(&base, "/api/v1/functions/replayed/metrics", READ).await;
    let replayed = metric(&body, "replayed");
    assert_eq!(replayed["count"], 1, "{body}");
    assert_eq!(replayed["sum"], 7.0);
    server.stop().await;
}
