//! `warden logs pull` against moto's server: the report is the one `warden logs analyze`
//! prints for the same events, and a log group that does not exist is a notice.

// Only the moto harness and `seed::config` are used here.
#[allow(dead_code)]
#[path = "../../warden-audit/tests/support/mod.rs"]
mod support;

use std::process::{Command, Output};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use support::moto::Moto;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn warden(moto: &Moto, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_warden"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .envs(moto.environment());
    match stdin {
        None => command.output().unwrap(),
        Some(text) => {
            use std::io::Write;
            let mut child = command
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            child.wait_with_output().unwrap()
        }
    }
}

/// Two invocations of `checkout` (one failing) and one of `orders`, as JSON lines too.
fn seed(moto: &Moto) -> String {
    let at = now_ms() - 5 * 60_000;
    let functions = [
        ("checkout", vec![("a1", false), ("a2", true)]),
        ("orders", vec![("b1", false)]),
    ];
    let mut ndjson = String::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let logs = aws_sdk_cloudwatchlogs::Client::new(&support::seed::config(&moto.endpoint));
        for (function, invocations) in functions {
            let group = format!("/aws/lambda/{function}");
            let stream = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef";
            logs.create_log_group().log_group_name(&group).send().await.unwrap();
            logs.create_log_stream()
                .log_group_name(&group)
                .log_stream_name(stream)
                .send()
                .await
                .unwrap();
            let mut events = Vec::new();
            for (n, (suffix, fails)) in invocations.iter().enumerate() {
                let id = format!("00000000-0000-4000-8000-0000000000{suffix}");
                let t = at + n as i64 * 1_000;
                let mut lines = vec![format!("START RequestId: {id} Version: $LATEST")];
                if *fails {
                    lines.push(format!("2026-01-01T00:00:00.001Z\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"PaymentError\",\"errorMessage\":\"card declined\"}}"));
                }
                lines.push(format!("END RequestId: {id}"));
                lines.push(format!("REPORT RequestId: {id}\tDuration: 20.00 ms\tBilled Duration: 20 ms\tMemory Size: 256 MB\tMax Memory Used: 60 MB"));
                for (i, line) in lines.into_iter().enumerate() {
                    let timestamp = t + i as i64;
                    ndjson.push_str(&format!(
                        "{}\n",
                        serde_json::json!({"logGroupName": group, "logStreamName": stream, "timestamp": timestamp, "message": line})
                    ));
                    events.push(
                        InputLogEvent::builder()
                            .timestamp(timestamp)
                            .message(line)
                            .build()
                            .unwrap(),
                    );
                }
            }
            logs.put_log_events()
                .log_group_name(&group)
                .log_stream_name(stream)
                .set_log_events(Some(events))
                .send()
                .await
                .unwrap();
        }
    });
    ndjson
}

#[test]
fn pull_reports_what_analyze_reports_for_the_same_events() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let ndjson = seed(&moto);
    let pulled = warden(
        &moto,
        &[
            "logs",
            "pull",
            "--log-group-prefix",
            "/aws/lambda/",
            "--log-group",
            "/aws/lambda/deleted",
            "--since",
            "1h",
            "--format",
            "json",
            "--region",
            "us-east-1",
        ],
        None,
    );
    let stderr = String::from_utf8_lossy(&pulled.stderr);
    assert_eq!(pulled.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("`/aws/lambda/deleted` not read"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pulled 10 events from 3 log groups"),
        "{stderr}"
    );
    let pulled: serde_json::Value = serde_json::from_slice(&pulled.stdout).unwrap();
    assert_eq!(pulled["totals"]["invocations"], 3, "{pulled}");
    assert_eq!(pulled["totals"]["failed_invocations"], 1, "{pulled}");

    let analyzed = warden(
        &moto,
        &["logs", "analyze", "-", "--format", "json"],
        Some(&ndjson),
    );
    assert_eq!(analyzed.status.code(), Some(0));
    let mut analyzed: serde_json::Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    // Pulled events know their region; the exported lines do not say it.
    let mut pulled = pulled;
    for function in pulled["functions"].as_array_mut().unwrap() {
        assert_eq!(function["region"], "us-east-1", "{function}");
        function.as_object_mut().unwrap().remove("region");
    }
    for function in analyzed["functions"].as_array_mut().unwrap() {
        function.as_object_mut().unwrap().remove("region");
    }
    assert_eq!(pulled["functions"], analyzed["functions"]);
    assert_eq!(pulled["error_groups"], analyzed["error_groups"]);
}

#[test]
fn a_bad_window_is_a_usage_error() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let output = warden(
        &moto,
        &[
            "logs",
            "pull",
            "--log-group-prefix",
            "/aws/lambda/",
            "--since",
            "1h",
            "--until",
            "2h",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--since must be further back"));
    let output = warden(
        &moto,
        &[
            "logs",
            "pull",
            "--log-group-prefix",
            "/aws/lambda/",
            "--since",
            "1 week",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
}
