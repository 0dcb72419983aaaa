//! A server under abuse: extreme query strings, memory bombs, floods of unauthenticated
//! uploads. Every answer is a bounded, clear error; memory stays bounded.

mod common;

use std::time::Duration;

use common::*;

/// Peak resident memory of this test process (the server runs in it), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
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
    let before = peak_rss_kib();
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
    let growth_mib = peak_rss_kib().saturating_sub(before) / 1024;
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
