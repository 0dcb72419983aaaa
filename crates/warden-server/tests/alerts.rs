//! Alerts end to end: rules over ingested data fire and resolve, and each notification
//! reaches a real local receiver — a webhook (HMAC verified), a Slack incoming webhook
//! and an SMTP server written here on a TcpListener.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::HeaderMap;
use axum::routing::post;
use common::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use warden_server::config::SmtpConfig;

type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;
/// (envelope recipients, DATA) per message.
type Mails = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// An HTTP receiver that records every POST.
async fn http_receiver() -> (String, Received) {
    flaky_receiver(0).await
}

/// A minimal SMTP server: records envelope recipients and the DATA of each message.
async fn smtp_receiver() -> (u16, Mails) {
    let mails: Mails = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let store = mails.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut read = BufReader::new(read);
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let (mut recipients, mut data, mut in_data) = (Vec::new(), String::new(), false);
                loop {
                    let mut line = String::new();
                    if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if in_data {
                        if line == ".\r\n" {
                            in_data = false;
                            store
                                .lock()
                                .unwrap()
                                .push((std::mem::take(&mut recipients), std::mem::take(&mut data)));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-test\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        recipients.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

/// The alert history of `rule_id` once it holds at least `events` entries.
async fn history_with(base: &str, rule_id: i64, events: usize) -> serde_json::Value {
    for _ in 0..100 {
        let history = get_json(
            base,
            &format!("/api/v1/alerts/history?rule_id={rule_id}"),
            READ,
        )
        .await;
        if history["events"]
            .as_array()
            .is_some_and(|e| e.len() >= events)
        {
            return history;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the history of rule {rule_id} never reached {events} events");
}

/// Replaces a rule (admin); returns the status.
async fn put_rule(base: &str, rule_id: i64, spec: &serde_json::Value) -> u16 {
    client()
        .put(format!("{base}/api/v1/alerts/rules/{rule_id}"))
        .bearer_auth(ADMIN)
        .json(spec)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..100 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_fire_notify_every_channel_and_resolve() {
    let (hook_base, hooks) = http_receiver().await;
    let (slack_base, slacks) = http_receiver().await;
    let (smtp_port, mails) = smtp_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.alert_interval = Duration::from_millis(200);
    config.smtp = Some(SmtpConfig {
        host: "127.0.0.1".into(),
        port: smtp_port,
        from: "warden@example.com".into(),
        username: None,
        password: None,
    });
    let (server, base) = start(config).await;
    let c = client();
    let secret = "webhook-secret-0123456789";
    let channels = serde_json::json!([
        { "type": "webhook", "url": format!("{hook_base}/hook"), "secret": secret },
        { "type": "slack", "url": format!("{slack_base}/services/T000/B000/XXXX") },
        { "type": "email", "to": ["oncall@example.com"] }
    ]);
    let failures = serde_json::json!({ "name": "timeouts on api-*", "condition": { "kind": "failure_count", "class": "timeout" },
        "functions": "api-*", "window_seconds": 600, "threshold": 0, "cooldown_seconds": 0, "channels": channels });
    let rule: serde_json::Value = c
        .post(format!("{base}/api/v1/alerts/rules"))
        .bearer_auth(ADMIN)
        .json(&failures)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rule_id = rule["id"].as_i64().unwrap();
    let new_group = serde_json::json!({ "name": "new errors", "condition": { "kind": "new_error_group" }, "cooldown_seconds": 0,
        "channels": [{ "type": "webhook", "url": format!("{hook_base}/groups"), "secret": secret }] });
    assert_eq!(
        c.post(format!("{base}/api/v1/alerts/rules"))
            .bearer_auth(ADMIN)
            .json(&new_group)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let leaks = serde_json::json!({ "name": "leaked secrets", "condition": { "kind": "security_event", "risk": "insecure-secrets" }, "cooldown_seconds": 0,
        "channels": [{ "type": "slack", "url": format!("{slack_base}/services/leaks") }] });
    assert_eq!(
        c.post(format!("{base}/api/v1/alerts/rules"))
            .bearer_auth(ADMIN)
            .json(&leaks)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );

    // A timeout on api-orders, an error group, and a leaked key, all just now.
    let at = now_ms() - 2_000;
    let error = format!("{}\tc0000000-0000-4000-8000-000000000001\tERROR\tInvoke Error \t{{\"errorType\":\"DbError\",\"errorMessage\":\"connection refused\",\"stack\":[\"DbError: connection refused\",\"    at query (/var/task/db.js:9:9)\"]}}", warden_logs::time::format_millis(at));
    let mut events = invocation_lines(
        "api-orders",
        "s",
        "a0000000-0000-4000-8000-000000000001",
        at,
        &["password=hunter2hunter2 AKIAIOSFODNN7EXAMPLE"],
        "\tStatus: timeout",
    );
    events.extend(invocation_lines(
        "api-orders",
        "s",
        "c0000000-0000-4000-8000-000000000001",
        at + 10,
        &[&error],
        "\tStatus: error\tError Type: DbError",
    ));
    events.extend(invocation_lines(
        "api-orders",
        "s",
        "a0000000-0000-4000-8000-000000000003",
        at + 20,
        &[],
        "",
    ));
    assert_eq!(post_lines(&base, &events).await.status(), 200);

    wait_until("the webhook", || {
        hooks
            .lock()
            .unwrap()
            .iter()
            .any(|(_, body)| body.contains("\"firing\"") && body.contains("timeouts on api-*"))
    })
    .await;
    wait_until("the error-group webhook", || {
        hooks
            .lock()
            .unwrap()
            .iter()
            .any(|(_, body)| body.contains("new errors"))
    })
    .await;
    wait_until("slack", || slacks.lock().unwrap().len() >= 2).await;
    wait_until("email", || !mails.lock().unwrap().is_empty()).await;

    // The webhook is signed: HMAC-SHA256 of `timestamp.body`.
    {
        let hooks = hooks.lock().unwrap();
        let (headers, body) = hooks
            .iter()
            .find(|(_, b)| b.contains("timeouts on api-*"))
            .unwrap();
        let timestamp = headers["x-warden-timestamp"].to_str().unwrap();
        let expected = format!(
            "sha256={}",
            warden_server::notify::sign(secret, timestamp, body.as_bytes())
        );
        assert_eq!(headers["x-warden-signature"].to_str().unwrap(), expected);
        let payload: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["state"], "firing");
        assert_eq!(payload["rule_id"], rule_id);
        assert!(payload["functions"][0]
            .as_str()
            .unwrap()
            .starts_with("api-orders"));
    }
    {
        let slacks = slacks.lock().unwrap();
        assert!(slacks.iter().any(
            |(_, b)| serde_json::from_str::<serde_json::Value>(b).unwrap()["text"]
                .as_str()
                .unwrap()
                .contains("FIRING")
        ));
        assert!(slacks.iter().any(|(_, b)| b.contains("leaked secrets")));
        let mails = mails.lock().unwrap();
        let (to, data) = &mails[0];
        assert_eq!(to, &["oncall@example.com"]);
        assert!(
            data.contains("Subject: [warden] FIRING timeouts on api-*"),
            "{data}"
        );
        assert!(!data.contains("AKIAIOSFODNN7EXAMPLE"));
    }
    // The history entry is committed after the notifications go out: poll for it.
    let history = history_with(&base, rule_id, 1).await;
    let event = &history["events"][0];
    assert_eq!(event["state"], "firing");
    assert!(
        event["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["ok"] == true),
        "{event}"
    );
    assert!(
        !history.to_string().contains("XXXX"),
        "no webhook URLs in the history"
    );

    // Raising the threshold above the count resolves the rule and notifies again.
    let mut raised = failures.clone();
    raised["threshold"] = serde_json::json!(5);
    assert_eq!(put_rule(&base, rule_id, &raised).await, 200);
    wait_until("the resolution", || {
        hooks
            .lock()
            .unwrap()
            .iter()
            .any(|(_, body)| body.contains("\"resolved\""))
    })
    .await;
    wait_until("the resolution mail", || {
        mails
            .lock()
            .unwrap()
            .iter()
            .any(|(_, d)| d.contains("RESOLVED"))
    })
    .await;
    // Notifications go out before the evaluation commits the new state: poll for it.
    let mut state = serde_json::Value::Null;
    for _ in 0..100 {
        let rule = get_json(&base, &format!("/api/v1/alerts/rules/{rule_id}"), READ).await;
        state = rule["state"].clone();
        if state == "resolved" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, "resolved");
    let states: Vec<String> = get_json(
        &base,
        &format!("/api/v1/alerts/history?rule_id={rule_id}"),
        READ,
    )
    .await["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states, ["resolved", "firing"]);
    assert_eq!(
        c.delete(format!("{base}/api/v1/alerts/rules/{rule_id}"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metric_rules_evaluate_rollups() {
    use warden_server::alert_rules::AlertRuleSpec;
    use warden_server::alerts::evaluate;
    let dir = tempfile::tempdir().unwrap();
    let (server, base) = start(config(dir.path())).await;
    let now = now_ms();
    let events = warden_server::demo::generate(now, 20, 1.0, 3);
    for chunk in events.chunks(4000) {
        assert_eq!(post_lines(&base, chunk).await.status(), 200);
    }
    let store = server.state.store.clone();
    let check = |spec: serde_json::Value| {
        let spec: AlertRuleSpec = serde_json::from_value(spec).unwrap();
        spec.validate().unwrap();
        let rule = store.create_alert_rule(&spec, now).unwrap();
        evaluate(store.as_ref(), &rule, now).unwrap()
    };
    let p95 = check(
        serde_json::json!({ "name": "slow reports", "condition": { "kind": "duration_p95" }, "functions": "report-*", "window_seconds": 1800, "threshold": 1000 }),
    );
    assert!(p95.breached && p95.value.unwrap() > 1000.0, "{p95:?}");
    let cold = check(
        serde_json::json!({ "name": "cold", "condition": { "kind": "cold_start_rate" }, "window_seconds": 1800, "threshold": 0.9 }),
    );
    assert!(!cold.breached, "{cold:?}");
    let cost = check(
        serde_json::json!({ "name": "cost", "condition": { "kind": "cost" }, "window_seconds": 3600, "threshold": 0.0 }),
    );
    assert!(cost.breached);
    let rate = check(
        serde_json::json!({ "name": "rate", "condition": { "kind": "failure_rate" }, "functions": "checkout-api", "window_seconds": 1800, "threshold": 0.5 }),
    );
    assert!(!rate.breached && rate.value.unwrap() > 0.0, "{rate:?}");
    // No history before the window: everything is a spike against a baseline of zero.
    let spike = check(
        serde_json::json!({ "name": "spike", "condition": { "kind": "invocation_spike", "baseline_seconds": 86400, "min_invocations": 10 }, "window_seconds": 600, "threshold": 3 }),
    );
    assert!(spike.breached, "{spike:?}");
    server.stop().await;
}

/// A receiver that answers 500 to the first `failures` POSTs, then 200 (and records them).
async fn flaky_receiver(failures: usize) -> (String, Received) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let received: Received = Arc::default();
    let store = received.clone();
    let seen = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/{*path}",
        post(move |headers: HeaderMap, body: String| {
            let (store, seen) = (store.clone(), seen.clone());
            async move {
                if seen.fetch_add(1, Ordering::SeqCst) < failures {
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                }
                store.lock().unwrap().push((headers, body));
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolved_notifications_ignore_the_cooldown_and_failed_deliveries_are_retried() {
    let (hook_base, hooks) = flaky_receiver(2).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.alert_interval = Duration::from_millis(200);
    config.delivery_backoff = vec![Duration::from_millis(50), Duration::from_millis(50)];
    let (server, base) = start(config).await;
    let c = client();
    let secret = "webhook-secret-0123456789";
    // The default cooldown (600 s) applies.
    let spec = serde_json::json!({ "name": "orders failure rate", "condition": { "kind": "failure_rate" },
        "functions": "orders", "window_seconds": 600, "threshold": 0.2,
        "channels": [{ "type": "webhook", "url": format!("{hook_base}/hook"), "secret": secret }] });
    let rule: serde_json::Value = c
        .post(format!("{base}/api/v1/alerts/rules"))
        .bearer_auth(ADMIN)
        .json(&spec)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rule["cooldown_seconds"], 600, "{rule}");
    let rule_id = rule["id"].as_i64().unwrap();
    let at = now_ms() - 5_000;
    let mut events = Vec::new();
    for i in 0..3 {
        let tail = if i == 0 { "\tStatus: timeout" } else { "" };
        events.extend(invocation_lines(
            "orders",
            "s",
            &format!("d0000000-0000-4000-8000-00000000000{i}"),
            at + i * 100,
            &[],
            tail,
        ));
    }
    assert_eq!(post_lines(&base, &events).await.status(), 200);
    // Two failed attempts, then the third gets through.
    wait_until("the firing webhook", || {
        hooks
            .lock()
            .unwrap()
            .iter()
            .any(|(_, b)| b.contains("\"firing\""))
    })
    .await;
    let history = history_with(&base, rule_id, 1).await;
    let attempts = &history["events"][0]["deliveries"][0]["attempts"];
    let outcomes: Vec<(bool, String)> = attempts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["ok"].as_bool().unwrap(),
                a["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (false, "HTTP 500".to_owned()),
            (false, "HTTP 500".to_owned()),
            (true, "HTTP 200".to_owned())
        ],
        "{history}"
    );
    assert_eq!(history["events"][0]["deliveries"][0]["ok"], true);
    // The message says 33.3 %, not 0.3333.
    let message = history["events"][0]["message"].as_str().unwrap();
    assert!(message.contains("= 33.3 % (threshold 20 %)"), "{message}");

    // Raising the threshold ends the incident within the cooldown: it is still told.
    let mut raised = spec.clone();
    raised["threshold"] = serde_json::json!(0.9);
    assert_eq!(put_rule(&base, rule_id, &raised).await, 200);
    wait_until("the resolved webhook", || {
        hooks
            .lock()
            .unwrap()
            .iter()
            .any(|(_, b)| b.contains("\"resolved\""))
    })
    .await;
    let history = history_with(&base, rule_id, 2).await;
    assert_eq!(history["events"][0]["state"], "resolved");
    assert_eq!(
        history["events"][0]["deliveries"][0]["ok"], true,
        "{history}"
    );
    server.stop().await;
}

#[test]
fn the_webhook_signature_is_documented_with_a_verification_example() {
    let openapi = warden_server::openapi::spec().to_string();
    for needle in ["X-Warden-Signature", "X-Warden-Timestamp", "HMAC-SHA256"] {
        assert!(openapi.contains(needle), "OpenAPI lacks {needle}");
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    for needle in [
        "X-Warden-Signature",
        "X-Warden-Timestamp",
        "hmac.compare_digest",
        "timestamp + \".\" + body",
    ] {
        assert!(readme.contains(needle), "README lacks {needle}");
    }
}
