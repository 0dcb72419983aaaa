//! Warden's own security: tokens per role, constant-time keys, sessions with CSRF, rate
//! limits, strict validation with JSON errors, the loopback-only unauthenticated mode,
//! and an OpenAPI document that covers every route.

mod common;

use common::*;
use warden_server::auth::RateLimit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_needs_the_right_credential() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let c = client();
    // No token, a wrong token, an ingest key: no reading.
    for token in [None, Some("not-a-token-0123456789"), Some(INGEST)] {
        for path in [
            "/api/v1/functions",
            "/api/v1/status",
            "/api/openapi.json",
            "/api/v1/alerts/rules",
        ] {
            let mut request = c.get(format!("{base}{path}"));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{path} with {token:?}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthorized");
        }
    }
    // Read and admin tokens cannot ingest.
    for token in [READ, ADMIN] {
        let response = c
            .post(format!("{base}/ingest/lines"))
            .bearer_auth(token)
            .body("")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    // Read can read but not change alert rules.
    assert_eq!(
        c.get(format!("{base}/api/v1/alerts/rules"))
            .bearer_auth(READ)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let rule =
        serde_json::json!({ "name": "x", "condition": { "kind": "cost" }, "threshold": 1.0 });
    assert_eq!(
        c.post(format!("{base}/api/v1/alerts/rules"))
            .bearer_auth(READ)
            .json(&rule)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        c.post(format!("{base}/api/v1/alerts/rules"))
            .bearer_auth(ADMIN)
            .json(&rule)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    // The dashboard sends unauthenticated visitors to the login page.
    let index = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(index.status(), 303);
    assert_eq!(index.headers()["location"], "/login");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_json_errors_without_internals() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let c = client();
    for (path, status) in [
        ("/api/v1/functions?from=yesterday", 400),
        ("/api/v1/functions?from=2000&to=1000", 400),
        ("/api/v1/functions?bogus=1", 400),
        ("/api/v1/invocations?outcome=weird", 400),
        ("/api/v1/invocations?limit=0", 400),
        ("/api/v1/invocations?limit=100000", 400),
        ("/api/v1/functions/x/series?step=7", 400),
        ("/api/v1/error-groups?status=closed", 400),
        ("/api/v1/error-groups/%27%20OR%201=1", 400),
        ("/api/v1/security-events?risk=evil", 400),
        ("/api/v1/alerts/rules/999", 404),
        ("/api/v1/nothing-here", 404),
    ] {
        let response = c
            .get(format!("{base}{path}"))
            .bearer_auth(READ)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        let text = response.text().await.unwrap();
        let body: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}"));
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{path}: {text}"
        );
        assert!(
            !text.contains("panicked") && !text.contains(".rs:") && !text.contains("rusqlite"),
            "{path}: {text}"
        );
    }
    let invalid_rules = [
        serde_json::json!({ "name": "", "condition": { "kind": "cost" } }),
        serde_json::json!({ "name": "x", "condition": { "kind": "nope" } }),
        serde_json::json!({ "name": "x", "condition": { "kind": "failure_rate" }, "threshold": 5 }),
        serde_json::json!({ "name": "x", "condition": { "kind": "cost" }, "channels": [{ "type": "webhook", "url": "ftp://x", "secret": "0123456789abcdef" }] }),
        serde_json::json!({ "name": "x", "condition": { "kind": "cost" }, "window_seconds": 1 }),
    ];
    for rule in invalid_rules {
        let response = c
            .post(format!("{base}/api/v1/alerts/rules"))
            .bearer_auth(ADMIN)
            .json(&rule)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{rule}");
    }
    let not_json = c
        .post(format!("{base}/api/v1/alerts/rules"))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let too_big = c
        .post(format!("{base}/api/v1/alerts/rules"))
        .bearer_auth(ADMIN)
        .header("content-type", "application/json")
        .body(vec![b' '; 2 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 413);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_need_csrf_tokens_for_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let c = client();
    let failed = c
        .post(format!("{base}/login"))
        .form(&[("token", "wrong-token-0123456789")])
        .send()
        .await
        .unwrap();
    assert_eq!(failed.headers()["location"], "/login?failed=1");
    let login = c
        .post(format!("{base}/login"))
        .form(&[("token", ADMIN)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("warden_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("warden_csrf="))
        .unwrap();
    let pair = |cookie: &str| cookie.split(';').next().unwrap().to_owned();
    let jar = format!("{}; {}", pair(session), pair(csrf));
    let csrf_value = pair(csrf).split_once('=').unwrap().1.to_owned();

    let index = c
        .get(format!("{base}/"))
        .header("cookie", &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    assert!(index.text().await.unwrap().contains("/assets/app.js"));
    assert_eq!(
        c.get(format!("{base}/api/v1/functions"))
            .header("cookie", &jar)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let rule = serde_json::json!({ "name": "x", "condition": { "kind": "cost" } });
    let url = format!("{base}/api/v1/alerts/rules");
    let without = c
        .post(&url)
        .header("cookie", &jar)
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), 403);
    let wrong = c
        .post(&url)
        .header("cookie", &jar)
        .header("x-csrf-token", "0".repeat(64))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let with = c
        .post(&url)
        .header("cookie", &jar)
        .header("x-csrf-token", &csrf_value)
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), 201);

    let logout = c
        .post(format!("{base}/logout"))
        .header("cookie", &jar)
        .header("x-csrf-token", &csrf_value)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    assert_eq!(
        c.get(format!("{base}/api/v1/functions"))
            .header("cookie", &jar)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_rate_limited_and_webhook_secrets_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.ingest_rate = RateLimit {
        per_second: 0.5,
        burst: 3.0,
    };
    let (server, base) = start(config).await;
    let c = client();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            c.post(format!("{base}/ingest/lines"))
                .bearer_auth(INGEST)
                .body("")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let rule = serde_json::json!({ "name": "hook", "condition": { "kind": "cost" },
        "channels": [{ "type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s3cr3t-0123456789abcdef" }, { "type": "slack", "url": "http://127.0.0.1:9/services/T/B/XXXX" }] });
    let created: serde_json::Value = c
        .post(format!("{base}/api/v1/alerts/rules"))
        .bearer_auth(ADMIN)
        .json(&rule)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = c
        .get(format!("{base}/api/v1/alerts/rules"))
        .bearer_auth(READ)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("s3cr3t") && !text.contains("XXXX"), "{text}");
    // Updating with the redacted placeholders keeps the stored secrets.
    let mut update = created.clone();
    update.as_object_mut().unwrap().retain(|k, _| {
        [
            "name",
            "condition",
            "functions",
            "window_seconds",
            "threshold",
            "cooldown_seconds",
            "channels",
            "enabled",
        ]
        .contains(&k.as_str())
    });
    update["threshold"] = serde_json::json!(2.0);
    let id = created["id"].as_i64().unwrap();
    let updated = c
        .put(format!("{base}/api/v1/alerts/rules/{id}"))
        .bearer_auth(ADMIN)
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200, "{}", updated.text().await.unwrap());
    let stored = server.state.store.alert_rule(id).unwrap().unwrap();
    assert_eq!(
        stored.spec.channels,
        serde_json::from_value::<warden_server::alert_rules::AlertRuleSpec>(rule)
            .unwrap()
            .channels
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_mode_is_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.insecure_no_auth = true;
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let refused = warden_server::start(config.clone(), listener).await;
    assert!(refused.is_err_and(|e| e.0.contains("loopback")));
    let (server, base) = start(config).await;
    assert_eq!(
        client()
            .get(format!("{base}/api/v1/functions"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client()
            .get(format!("{base}/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    server.stop().await;
    // Without credentials and without the flag, the server does not start.
    let mut bare = common::config(dir.path());
    bare.credentials = Default::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    assert!(warden_server::start(bare, listener).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_describes_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let doc = get_json(&base, "/api/openapi.json", READ).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let router_source = include_str!("../src/server.rs");
    let mut routes = 0;
    for piece in router_source.split(".route(").skip(1) {
        let path = piece.split('"').nth(1).unwrap();
        if path.contains('*') || !(path.starts_with("/api") || path.starts_with("/ingest")) {
            continue;
        }
        routes += 1;
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} is not in the OpenAPI document"
        );
    }
    assert!(routes >= 18, "{routes}");
    server.stop().await;
}
