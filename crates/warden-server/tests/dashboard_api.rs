//! The endpoints the dashboard lives on, over real HTTP: the overview in one request, line
//! search, the invocation drill-down, windowed error groups and security groups, and the
//! alert preview.

mod common;

use common::*;
use serde_json::Value;
use warden_logs::time::format_millis;
use warden_logs::OwnedLogEvent;
use warden_server::auth::RateLimit;

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// Stores everything sent so far: invocations wait for their stream to move on, so close
/// every stream (as the idle timer would).
async fn settle(server: &warden_server::RunningServer) {
    server.state.ingest.close_idle(0).await;
}

fn node_error(at: i64, request: &str, error_type: &str, message: &str) -> String {
    format!(
        "{}\t{request}\tERROR\tInvoke Error \t{{\"errorType\":\"{error_type}\",\"errorMessage\":\"{message}\",\"stack\":[\"{error_type}: {message}\",\"    at charge (/var/task/payments.js:88:11)\",\"    at handler (/var/task/index.js:23:5)\"]}}",
        format_millis(at)
    )
}

fn request_id(n: usize) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_of_220_functions_is_one_request() {
    let dir = tempfile::tempdir().unwrap();
    // A tight API limit: three requests in a burst. The overview must fit in one.
    let mut config = config(dir.path());
    config.api_rate = RateLimit {
        per_second: 0.01,
        burst: 3.0,
    };
    let (server, base) = start(config).await;
    let at = now_ms() - 30 * MINUTE;
    let mut events = Vec::new();
    for f in 0..220 {
        let function = format!("fn-{f:03}");
        for n in 0..3 {
            let tail = if n == 0 && f % 10 == 0 {
                "\tStatus: timeout"
            } else {
                ""
            };
            events.extend(invocation_lines(
                &function,
                "s",
                &request_id(f * 10 + n),
                at + n as i64 * 1_000,
                &["working"],
                tail,
            ));
        }
    }
    for chunk in events.chunks(5_000) {
        assert_eq!(post_lines(&base, chunk).await.status(), 200);
    }
    settle(&server).await;

    let (status, overview) = get_status(&base, "/api/v1/overview", READ).await;
    assert_eq!(status, 200, "{overview}");
    let functions = overview["functions"].as_array().unwrap();
    assert_eq!(functions.len(), 220);
    assert_eq!(overview["totals"]["functions"], 220);
    assert_eq!(overview["totals"]["invocations"], 660);
    assert_eq!(overview["totals"]["failures"], 22);
    // 24 hours in hourly points; each function's sparkline adds up to its invocations.
    assert_eq!(overview["step_seconds"], 3600);
    for function in functions {
        let line = &function["sparkline"];
        let points = line["invocations"].as_array().unwrap();
        assert!((24..=25).contains(&points.len()), "{line}");
        let sum: u64 = points.iter().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(sum, function["invocations"].as_u64().unwrap(), "{function}");
        let failed: u64 = line["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum();
        let name = function["function"].as_str().unwrap();
        let expected = u64::from(name.ends_with('0'));
        assert_eq!(failed, expected, "{function}");
        assert!(function["duration_ms"]["p95"].is_number(), "{function}");
    }

    // Past the burst, the limit answers 429 in the JSON error shape, with Retry-After.
    let mut limited = None;
    for _ in 0..5 {
        let response = client()
            .get(format!("{base}/api/v1/overview"))
            .bearer_auth(READ)
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("the tight limit throttles");
    assert!(limited.headers().contains_key("retry-after"));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_words_and_respects_filters() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 10 * MINUTE;
    let mut events = invocation_lines(
        "payments",
        "s1",
        &request_id(1),
        at,
        &["charging card for order 7781", "card declined by issuer"],
        "",
    );
    events.extend(invocation_lines(
        "payments",
        "s1",
        &request_id(2),
        at + 1_000,
        &[&node_error(
            at + 1_001,
            &request_id(2),
            "PaymentDeclinedError",
            "card declined for order 7782",
        )],
        "\tStatus: error\tError Type: PaymentDeclinedError",
    ));
    events.extend(invocation_lines(
        "shipping",
        "s2",
        &request_id(3),
        at + 2_000,
        &["label printed for order 7781"],
        "",
    ));
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    settle(&server).await;

    let search = |query: &str| {
        let base = base.clone();
        let query = query.to_owned();
        async move {
            let (status, body) = get_status(&base, &format!("/api/v1/lines?{query}"), READ).await;
            assert_eq!(status, 200, "{query}: {body}");
            let mut messages: Vec<String> = body["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["message"].as_str().unwrap().to_owned())
                .collect();
            messages.sort();
            messages
        }
    };
    // A word, everywhere.
    let declined = search("text=declined").await;
    assert_eq!(declined.len(), 2, "{declined:?}");
    // Two words, any order, case-insensitive.
    assert_eq!(search("text=ORDER%207781").await.len(), 2);
    assert_eq!(
        search("text=order%207781&function=shipping").await,
        vec!["label printed for order 7781".to_owned()]
    );
    // A prefix ("charg*" is "charging" and the stack's "charge").
    assert_eq!(
        search("text=issu*").await,
        vec!["card declined by issuer".to_owned()]
    );
    assert!(search("text=issu").await.is_empty());
    assert_eq!(search("text=charg*").await.len(), 2);
    // A quoted phrase: its words next to each other, in order (case-insensitive,
    // punctuation between words ignored); with other words beside it.
    assert_eq!(search("text=%22card%20declined%22").await.len(), 2);
    assert!(search("text=%22declined%20card%22").await.is_empty());
    assert!(search("text=%22card%20issuer%22").await.is_empty());
    assert_eq!(
        search("text=label%20%22ORDER%207781%22").await,
        vec!["label printed for order 7781".to_owned()]
    );
    assert_eq!(
        search("text=%22card%20for%20order%22%20charg*").await,
        vec!["charging card for order 7781".to_owned()]
    );
    // Only lines of failed invocations.
    let failed = search("text=declined&outcome=failure").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains("PaymentDeclinedError"), "{failed:?}");
    assert_eq!(search("text=declined&outcome=success").await.len(), 1);
    // A request id typed as text finds every line of its invocation (through the request
    // id column: the index leaves request ids out), with the rest of the text searched.
    let its_lines = search(&format!("text={}", request_id(2))).await;
    assert_eq!(its_lines.len(), 4, "{its_lines:?}");
    assert!(its_lines.iter().all(|line| line.contains(&request_id(2))));
    assert_eq!(
        search(&format!("text=declined%20{}", request_id(1))).await,
        vec!["card declined by issuer".to_owned()]
    );
    assert!(search(&format!("text=shipping%20{}", request_id(1)))
        .await
        .is_empty());
    // So does the invocation search.
    let (status, body) = get_status(
        &base,
        &format!("/api/v1/invocations?text={}", request_id(2)),
        READ,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let found = body["invocations"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{body}");
    assert_eq!(found[0]["request_id"], request_id(2));
    // A window still applies.
    let old = now_ms() - 5 * DAY;
    assert!(search(&format!(
        "text={}&from={}&to={}",
        request_id(2),
        old,
        old + DAY
    ))
    .await
    .is_empty());
    // The runtime's prefix (time, request id) is not in the index; the level and the
    // message's own words are.
    assert!(search("text=000Z").await.is_empty());
    assert_eq!(search("text=ERROR%20declined").await.len(), 1);
    // Platform lines are not indexed; FTS syntax in the input is literal, not an error.
    assert!(search("text=Billed").await.is_empty());
    assert!(search("text=%22declined%20OR%20-x%3A").await.is_empty());
    assert!(search("text=***").await.is_empty());
    // Outside the window nothing is found.
    assert!(
        search(&format!("text=declined&from={}&to={}", old, old + DAY))
            .await
            .is_empty()
    );
    let (status, body) = get_status(&base, "/api/v1/lines?text=x&outcome=maybe", READ).await;
    assert_eq!(status, 400, "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invocation_opens_with_its_lines_timeline_and_error() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 10 * MINUTE;
    let id = request_id(42);
    let mut events = invocation_lines(
        "checkout",
        "s1",
        &id,
        at,
        &[
            "validating basket",
            &node_error(at + 2, &id, "PaymentDeclinedError", "card declined"),
        ],
        "\tInit Duration: 301.25 ms\tStatus: error\tError Type: PaymentDeclinedError",
    );
    events.extend(invocation_lines(
        "checkout",
        "s1",
        &request_id(43),
        at + 5_000,
        &["another request"],
        "",
    ));
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    settle(&server).await;

    let found = get_json(&base, &format!("/api/v1/invocations?request_id={id}"), READ).await;
    let invocation_id = found["invocations"][0]["id"].as_i64().unwrap();
    let detail = get_json(&base, &format!("/api/v1/invocations/{invocation_id}"), READ).await;
    assert_eq!(detail["invocation"]["request_id"], id.as_str());
    assert_eq!(detail["invocation"]["outcome"], "error");
    assert_eq!(detail["timeline"]["init_ms"], 301.25);
    assert_eq!(detail["timeline"]["duration_ms"], 12.5);
    assert_eq!(detail["timeline"]["billed_ms"], 13);
    assert_eq!(detail["memory"]["size_mb"], 128);
    assert_eq!(detail["memory"]["max_used_mb"], 60);
    assert_eq!(detail["error"]["error_type"], "PaymentDeclinedError");
    let stack: Vec<&str> = detail["error"]["stack"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        stack.iter().any(|f| f.contains("payments.js:88")),
        "{stack:?}"
    );
    // Its own lines, in order, and none of the next request's.
    let lines: Vec<&str> = detail["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["message"].as_str().unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(lines[0].starts_with("START RequestId"), "{lines:?}");
    assert_eq!(lines[1], "validating basket");
    assert!(lines[2].contains("card declined"), "{lines:?}");
    assert!(lines[4].starts_with("REPORT RequestId"), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("another request")));

    let (status, body) = get_status(&base, "/api/v1/invocations/99999999", READ).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, "not_found".into())
    );
    let (status, _) = get_status(&base, "/api/v1/invocations/abc", READ).await;
    assert_eq!(status, 400);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_groups_and_security_events_follow_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let now = now_ms();
    let mut events: Vec<OwnedLogEvent> = Vec::new();
    // The same error three days ago and twice an hour ago; a leaked key in each too.
    for (n, at) in [now - 3 * DAY, now - 60 * MINUTE, now - 59 * MINUTE]
        .into_iter()
        .enumerate()
    {
        let id = request_id(100 + n);
        events.extend(invocation_lines(
            "billing",
            &format!("s{n}"),
            &id,
            at,
            &[
                "using key AKIAIOSFODNN7EXAMPLE for export",
                &node_error(at + 1, &id, "LedgerError", "ledger locked"),
            ],
            "\tStatus: error\tError Type: LedgerError",
        ));
    }
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    settle(&server).await;

    let range = |days: i64| format!("from={}&to={}", now - days * DAY, now + MINUTE);
    let groups = get_json(&base, &format!("/api/v1/error-groups?{}", range(1)), READ).await;
    let group = &groups["error_groups"][0];
    assert_eq!(group["error_type"], "LedgerError");
    assert_eq!(group["in_window"], 2);
    assert_eq!(group["count"], 3);
    let groups = get_json(&base, &format!("/api/v1/error-groups?{}", range(7)), READ).await;
    assert_eq!(groups["error_groups"][0]["in_window"], 3);
    // A window with none of its occurrences does not list it.
    let quiet = format!("from={}&to={}", now - 2 * DAY, now - DAY);
    let groups = get_json(&base, &format!("/api/v1/error-groups?{quiet}"), READ).await;
    assert_eq!(
        groups["error_groups"].as_array().unwrap().len(),
        0,
        "{groups}"
    );

    let fingerprint = group["fingerprint"].as_str().unwrap();
    let occurrences = get_json(
        &base,
        &format!(
            "/api/v1/error-groups/{fingerprint}/occurrences?{}",
            range(7)
        ),
        READ,
    )
    .await;
    assert_eq!(occurrences["total"], 3);
    let counts: Vec<u64> = occurrences["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<u64>(), 3);
    assert_eq!(counts.iter().filter(|&&c| c > 0).count(), 2, "{counts:?}");
    assert_eq!(occurrences["occurrences"].as_array().unwrap().len(), 3);
    assert_eq!(
        occurrences["occurrences"][0]["request_id"],
        request_id(102).as_str()
    );

    // Security events: one group per kind × function, counted over the window.
    let security = get_json(
        &base,
        &format!("/api/v1/security-groups?{}", range(1)),
        READ,
    )
    .await;
    let groups = security["security_groups"].as_array().unwrap();
    let key = groups
        .iter()
        .find(|g| g["kind"] == "aws-access-key")
        .unwrap_or_else(|| panic!("{security}"));
    assert_eq!(key["function"], "billing");
    assert_eq!(key["count"], 2);
    assert_eq!(key["sample"]["request_id"], request_id(102).as_str());
    assert_eq!(
        groups
            .iter()
            .filter(|g| g["kind"] == "aws-access-key")
            .count(),
        1
    );
    let security = get_json(
        &base,
        &format!("/api/v1/security-groups?{}", range(7)),
        READ,
    )
    .await;
    let key = security["security_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "aws-access-key")
        .unwrap()
        .clone();
    assert_eq!(key["count"], 3);
    // The key is on the invocation's second line, a millisecond after its start.
    assert_eq!(key["first_seen"], format_millis(now - 3 * DAY + 1).as_str());
    server.stop().await;
}

/// A server whose alert evaluator runs every 30 s (the default), which the preview follows.
fn evaluating_every_30_seconds(dir: &std::path::Path) -> warden_server::ServerConfig {
    warden_server::ServerConfig {
        alert_interval: std::time::Duration::from_secs(30),
        ..config(dir)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_preview_lists_what_would_have_fired() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(evaluating_every_30_seconds(dir.path())).await;
    let now = now_ms();
    // Six hours ago, a burst of five timeouts on `orders` within 20 s of one minute; quiet
    // otherwise.
    let burst = (now - 6 * 3_600_000).div_euclid(MINUTE) * MINUTE + 5_000;
    let mut events = Vec::new();
    for n in 0..5 {
        events.extend(invocation_lines(
            "orders",
            "s",
            &request_id(200 + n),
            burst + n as i64 * 5_000,
            &[],
            "\tStatus: timeout",
        ));
    }
    events.extend(invocation_lines(
        "orders",
        "s",
        &request_id(299),
        now - 3 * 3_600_000,
        &[],
        "",
    ));
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    settle(&server).await;

    let rule = serde_json::json!({
        "name": "orders timeouts",
        "condition": { "kind": "failure_count", "class": "timeout" },
        "functions": "orders",
        "window_seconds": 300,
        "threshold": 2,
    });
    let preview = client()
        .post(format!("{base}/api/v1/alerts/preview"))
        .bearer_auth(ADMIN)
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), 200);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(preview["fired"], 1, "{preview}");
    // One evaluation per interval of the live evaluator, as it would have run.
    assert_eq!(preview["step_seconds"], 30);
    assert_eq!(preview["evaluations"], 2880);
    let events = preview["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{preview}");
    assert_eq!(events[0]["state"], "firing");
    assert_eq!(events[0]["value"], 5.0);
    assert!(
        events[0]["functions"][0]
            .as_str()
            .unwrap()
            .starts_with("orders"),
        "{preview}"
    );
    assert_eq!(events[1]["state"], "resolved");
    // A higher threshold would not have fired.
    let mut quiet = rule.clone();
    quiet["threshold"] = 5.into();
    let preview: Value = client()
        .post(format!("{base}/api/v1/alerts/preview"))
        .bearer_auth(ADMIN)
        .json(&quiet)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview["fired"], 0, "{preview}");
    // Previewing is for those who may edit rules; a bad rule is a located 400.
    let read = client()
        .post(format!("{base}/api/v1/alerts/preview"))
        .bearer_auth(READ)
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 403);
    let mut bad = rule.clone();
    bad["window_seconds"] = 0.into();
    let response = client()
        .post(format!("{base}/api/v1/alerts/preview"))
        .bearer_auth(ADMIN)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_uploads_are_matched_by_logical_id_physical_name_and_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let at = now_ms() - 20 * MINUTE;
    // The stack `shop` of examples/serverless-shop as deployed: CloudFormation named
    // OrdersApi `shop-OrdersApi-1A2B3C4D`, ReportsFunction has its logical id as its
    // physical name, ReceiptProcessor is `receipts-worker` (only a mapping can tell).
    let injection = r#"INFO	received event {"httpMethod":"GET","path":"/orders","body":"{\"id\":\"1' OR '1'='1\"}"}"#;
    let mut events = Vec::new();
    for (n, (function, extra)) in [
        ("shop-OrdersApi-1A2B3C4D", injection),
        ("ReportsFunction", "report built"),
        ("receipts-worker", "receipt stored"),
        ("unrelated", "nothing to see"),
    ]
    .into_iter()
    .enumerate()
    {
        events.extend(invocation_lines(
            function,
            "s",
            &request_id(300 + n),
            at + n as i64 * 1_000,
            &[extra],
            "",
        ));
    }
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    settle(&server).await;

    let report: Value =
        serde_json::from_str(include_str!("fixtures/scan-serverless-shop.json")).unwrap();
    let sarif: Value =
        serde_json::from_str(include_str!("fixtures/scan-serverless-shop.sarif")).unwrap();
    let upload = |token: &'static str, body: Value| {
        let base = base.clone();
        async move {
            let response = client()
                .post(format!("{base}/api/v1/findings"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let body = serde_json::json!({ "stack": "shop", "report": report, "mapping": { "ReceiptProcessor": "receipts-worker" } });
    let (status, stored) = upload(ADMIN, body.clone()).await;
    assert_eq!(status, 200, "{stored}");
    let total = report["findings"].as_array().unwrap().len();
    assert_eq!(stored["findings"], total);
    assert_eq!(
        stored["functions"],
        serde_json::json!([
            "ReportsFunction",
            "receipts-worker",
            "shop-OrdersApi-1A2B3C4D"
        ])
    );
    assert!(stored["unmatched"].as_u64().unwrap() > 0, "{stored}");

    let posture = |function: &'static str| {
        let base = base.clone();
        async move {
            get_json(
                &base,
                &format!("/api/v1/functions/{function}/posture"),
                READ,
            )
            .await
        }
    };
    let orders = posture("shop-OrdersApi-1A2B3C4D").await;
    let findings = orders["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings
        .iter()
        .all(|f| f["resource"] == "OrdersApi" && f["matched_by"] == "logical id"));
    // Most severe first.
    assert_eq!(findings[0]["severity"], "critical");
    assert!(
        orders["runtime"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["kind"] == "sql-injection"),
        "{orders}"
    );
    let highlights: Vec<&str> = orders["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        highlights.contains(&"Unauthenticated route + 1 injection attempt(s) seen in its logs"),
        "{highlights:?}"
    );
    let reports = posture("ReportsFunction").await;
    assert!(reports["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["matched_by"] == "physical name" && f["resource"] == "ReportsFunction"));
    assert!(!reports["findings"].as_array().unwrap().is_empty());
    assert!(reports["highlights"].as_array().unwrap().is_empty());
    let receipts = posture("receipts-worker").await;
    assert!(receipts["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["matched_by"] == "mapping" && f["resource"] == "ReceiptProcessor"));
    assert!(!receipts["findings"].as_array().unwrap().is_empty());
    assert!(posture("unrelated").await["findings"]
        .as_array()
        .unwrap()
        .is_empty());

    // SARIF of the same scan replaces the stack's findings and matches the same way.
    let (status, stored) = upload(
        ADMIN,
        serde_json::json!({ "stack": "shop", "report": sarif, "mapping": { "ReceiptProcessor": "receipts-worker" } }),
    )
    .await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["findings"], total);
    let listed = get_json(&base, "/api/v1/findings?function=ReportsFunction", READ).await;
    let listed = listed["findings"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        reports["findings"].as_array().unwrap().len(),
        "{listed:?}"
    );
    assert!(listed.iter().all(|f| f["function"] == "ReportsFunction"
        && f["severity"].is_string()
        && f["risk"].is_string()));

    // Only admins upload; what is not a report is a located 400.
    let (status, _) = upload(READ, body).await;
    assert_eq!(status, 403);
    let (status, error) = upload(
        ADMIN,
        serde_json::json!({ "stack": "shop", "report": { "findings": [{ "rule": "WD001", "severity": "bad", "message": "m" }] } }),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("report.findings[0]: severity"),
        "{error}"
    );
    let (status, _) = upload(ADMIN, serde_json::json!({ "stack": "", "report": {} })).await;
    assert_eq!(status, 400);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_preview_slides_its_window_like_the_live_evaluator() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(evaluating_every_30_seconds(dir.path())).await;
    let now = now_ms();
    // A one-minute window and three timeouts within 10 s, two and a half minutes after a
    // five-minute mark counted back from now: the live evaluator (every 30 s, sliding)
    // fires on them; evaluating only every five minutes would look at other minutes.
    let burst = now - 6 * 3_600_000 + 150_000;
    let mut events = Vec::new();
    for n in 0..3 {
        events.extend(invocation_lines(
            "billing",
            "s",
            &request_id(400 + n),
            burst + n as i64 * 5_000,
            &[],
            "\tStatus: timeout",
        ));
    }
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    settle(&server).await;
    let rule = serde_json::json!({
        "name": "billing timeouts",
        "condition": { "kind": "failure_count", "class": "timeout" },
        "functions": "billing",
        "window_seconds": 60,
        "threshold": 2,
    });
    let preview: Value = client()
        .post(format!("{base}/api/v1/alerts/preview"))
        .bearer_auth(ADMIN)
        .json(&rule)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(preview["fired"], 1, "{preview}");
    let events = preview["events"].as_array().unwrap();
    let fired_at = warden_logs::time::parse_rfc3339(events[0]["at"].as_str().unwrap()).unwrap();
    // Windows are read as whole minutes, so the replay may see the burst's minute up to
    // a minute before its last timeout.
    assert!(
        (burst - MINUTE..burst + 2 * MINUTE).contains(&fired_at),
        "fires at the burst: {preview}"
    );
    server.stop().await;
}
