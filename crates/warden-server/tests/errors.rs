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
