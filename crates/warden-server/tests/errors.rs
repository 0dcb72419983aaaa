//! Every error a client can get from `/api` and `/ingest` has one shape:
//! `{"error": {"code", "message"}}`.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_the_json_error_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let c = client();
    let cases = [
        ("GET", "/api/v1/alerts/rules/abc", ADMIN, 400),
        ("DELETE", "/api/v1/alerts/rules/abc", ADMIN, 400),
        (
            "GET",
            "/api/v1/alerts/rules/99999999999999999999",
            ADMIN,
            400,
        ),
        ("POST", "/api/v1/status", ADMIN, 405),
        ("GET", "/ingest/lines", INGEST, 405),
        ("GET", "/api/v1/alerts/rules/1", "wrong-token", 401),
    ];
    for (method, path, token, status) in cases {
        let response = c
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{method} {path}");
        let text = response.text().await.unwrap();
        let body: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"));
        assert!(
            body["error"]["code"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
                && body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
            "{method} {path}: {text}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslogs_data_that_is_not_gzip_is_a_400() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let plain = base64::engine::general_purpose::STANDARD.encode("START RequestId: r1\nhello\n");
    let response = client()
        .post(format!("{base}/ingest/cloudwatch"))
        .bearer_auth(INGEST)
        .json(&serde_json::json!({ "awslogs": { "data": plain } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not base64 of gzip"),
        "{body}"
    );
    let lines = get_json(&base, "/api/v1/lines?function=unknown", READ).await;
    assert_eq!(lines["lines"].as_array().unwrap().len(), 0, "{lines}");
    server.stop().await;
}
