//! `warden logs` end to end: the built binary on corpus files, stdin and a growing file.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn warden() -> Command {
    Command::new(env!("CARGO_BIN_EXE_warden"))
}

fn fixture(name: &str) -> String {
    format!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logs/{}"),
        name
    )
}

#[test]
fn analyze_json_follows_the_contract() {
    let output = warden()
        .args(["logs", "analyze", "--format", "json"])
        .arg(fixture("datadog-cloudwatch-logs.json"))
        .arg(fixture("node-text.log"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let functions = report["functions"].as_array().unwrap();
    assert_eq!(functions.len(), 2);
    let dog = functions
        .iter()
        .find(|f| f["function"] == "hello-dog-node-dev-hello12x")
        .unwrap();
    for key in [
        "function",
        "log_group",
        "invocations",
        "failures",
        "cold_starts",
        "duration_ms",
        "billed_duration_ms_total",
        "max_memory_used_mb",
        "memory_size_mb",
        "cost_usd",
    ] {
        assert!(dog.get(key).is_some(), "missing {key}");
    }
    for key in ["error", "timeout", "out_of_memory", "init_error", "crash"] {
        assert_eq!(dog["failures"][key], 0, "{key}");
    }
    assert_eq!(dog["duration_ms"]["p50"], 619.31);
    assert_eq!(dog["billed_duration_ms_total"], 700);
    assert_eq!(report["totals"]["invocations"], 2);
    assert_eq!(report["totals"]["percentiles"], "exact");
    assert_eq!(report["totals"]["price_table"]["region"], "us-east-1");
    assert!(report["error_groups"].as_array().unwrap().is_empty());
    assert!(report["security_events"].as_array().unwrap().is_empty());
}

#[test]
fn analyze_text_from_gzipped_stdin_with_function_and_arm64() {
    let log = "START RequestId: 0aa7a2f1-8b2b-4d4e-9a59-4b1d4ab3c001 Version: $LATEST\n\
               2024-05-01T10:00:00.000Z\t0aa7a2f1-8b2b-4d4e-9a59-4b1d4ab3c001\tERROR\tInvoke Error \t{\"errorType\":\"OrderError\",\"errorMessage\":\"order 42 failed\"}\n\
               REPORT RequestId: 0aa7a2f1-8b2b-4d4e-9a59-4b1d4ab3c001\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB\t\n";
    let mut gz = flate2_like_gzip(log.as_bytes());
    let mut child = warden()
        .args([
            "logs",
            "analyze",
            "--function",
            "orders",
            "--arch",
            "arm64",
            "--format",
            "json",
            "--fail-on",
            "failures",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&gz).unwrap();
    gz.clear();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "--fail-on failures with a failure exits 1"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let f = &report["functions"][0];
    assert_eq!(f["function"], "orders");
    assert_eq!(f["failures"]["error"], 1);
    // 1 s × 1 GB × arm64 0.0000133334 + 0.0000002
    assert!((f["cost_usd"].as_f64().unwrap() - 0.000_013_533_4).abs() < 1e-10);
    assert_eq!(report["error_groups"][0]["error_type"], "OrderError");
    assert_eq!(
        report["error_groups"][0]["masked_message"],
        "order <num> failed"
    );
}

/// A gzip member with stored (uncompressed) deflate blocks: enough for the decoder, and
/// no compression dependency in the binary's tests.
fn flate2_like_gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i == chunks.len() - 1));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn malformed_input_is_reported_with_its_location_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.ndjson");
    std::fs::write(
        &path,
        "{\"awslogs\": {\"data\": \"not base64!\"}}\n{\"messageType\": \"DATA_MESSAGE\", \"logGroup\": \"/aws/lambda/a\", \"logStream\": \"s\", \"logEvents\": [\n{\"time\":\"2024-01-01T00:00:00Z\",\"type\":\"platform.report\",\"record\":{\"requestId\":\"r1\",\"metrics\":{\"durationMs\":5,\"billedDurationMs\":5,\"memorySizeMB\":128,\"maxMemoryUsedMB\":50},\"status\":\"success\"}}\n",
    )
    .unwrap();
    let output = warden()
        .args(["logs", "analyze", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.ndjson:1, record") || stderr.contains("broken.ndjson:1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("broken.ndjson:2: truncated JSON document"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["totals"]["invocations"], 1,
        "the good record after the bad ones is read"
    );
    assert_eq!(report["totals"]["input_problems"], 2);

    let missing = warden()
        .args(["logs", "analyze", "/nonexistent/x.log"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/x.log"));
    let region = warden()
        .args(["logs", "analyze", "--region", "mars-1", "-"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(region.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&region.stderr).contains("mars-1"));
}

#[test]
fn ndjson_prints_one_object_per_invocation_and_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(
        &path,
        "START RequestId: 11111111-1111-4111-8111-111111111111 Version: $LATEST\n\
         2024-05-01T10:00:00.000Z\t11111111-1111-4111-8111-111111111111\tINFO\tconnecting with password=Sup3rSecret! key AKIAIOSFODNN7EXAMPLE\n\
         2024-05-01T10:00:00.000Z\t11111111-1111-4111-8111-111111111111\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"login failed for password=Sup3rSecret!\"}\n\
         END RequestId: 11111111-1111-4111-8111-111111111111\n\
         REPORT RequestId: 11111111-1111-4111-8111-111111111111\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n\
         START RequestId: 22222222-2222-4222-8222-222222222222 Version: $LATEST\n\
         REPORT RequestId: 22222222-2222-4222-8222-222222222222\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\n",
    )
    .unwrap();
    for format in ["ndjson", "json", "text"] {
        let output = warden()
            .args(["logs", "analyze", "--color", "never", "--format", format])
            .arg(&path)
            .output()
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            !stdout.contains("Sup3rSecret") && !stdout.contains("IOSFODNN7EXAMPLE"),
            "{format}: {stdout}"
        );
        if format == "ndjson" {
            let outcomes: Vec<String> = stdout
                .lines()
                .map(|l| {
                    serde_json::from_str::<serde_json::Value>(l).unwrap()["outcome"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            assert_eq!(outcomes, ["error", "timeout"]);
        }
        if format == "text" {
            assert!(stdout.contains("insecure-secrets"), "{stdout}");
            assert!(
                stdout.contains("2 invocations in 1 function, 2 failed"),
                "{stdout}"
            );
        }
    }
}

/// Reads stdout lines on a thread so the test can wait with a deadline.
fn line_reader(stdout: std::process::ChildStdout) -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

fn next_line(lines: &mpsc::Receiver<String>, deadline: Instant) -> String {
    let left = deadline.saturating_duration_since(Instant::now());
    lines
        .recv_timeout(left)
        .expect("warden logs tail printed nothing in time")
}

#[test]
fn tail_prints_invocations_of_a_growing_file_as_they_complete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.log");
    std::fs::write(&path, "").unwrap();
    let mut child = warden()
        .args([
            "logs",
            "tail",
            "--from-start",
            "--poll-interval",
            "20",
            "--idle-timeout",
            "20",
            "--color",
            "never",
            "--function",
            "live",
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = line_reader(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();

    // First invocation, written in two appends with the REPORT line cut in half.
    file.write_all(b"START RequestId: aaaaaaaa-0000-4000-8000-000000000001 Version: $LATEST\nREPORT RequestId: aaaaaaaa-0000-4000-8000-000000000001\tDuration: 12.00 ms\tBilled").unwrap();
    file.flush().unwrap();
    thread::sleep(Duration::from_millis(150));
    file.write_all(b" Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\tInit Duration: 100.00 ms\t\n").unwrap();
    file.flush().unwrap();
    let first = next_line(&lines, deadline);
    assert!(
        first.contains("aaaaaaaa-0000-4000-8000-000000000001")
            && first.contains("success")
            && first.contains("cold"),
        "{first}"
    );

    // Second invocation: a timeout, highlighted as a failure.
    file.write_all(b"START RequestId: bbbbbbbb-0000-4000-8000-000000000002 Version: $LATEST\nREPORT RequestId: bbbbbbbb-0000-4000-8000-000000000002\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\tStatus: timeout\n").unwrap();
    file.flush().unwrap();
    let second = next_line(&lines, deadline);
    assert!(
        second.contains("bbbbbbbb-0000-4000-8000-000000000002")
            && second.contains("timeout")
            && second.contains("live"),
        "{second}"
    );

    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn tail_reads_stdin_until_it_ends() {
    let mut child = warden()
        .args(["logs", "tail", "--format", "ndjson", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(
            std::fs::read(fixture("python-text.log"))
                .unwrap()
                .as_slice(),
        )
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let invocation: serde_json::Value =
        serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        invocation["request_id"],
        "3e9d41a2-55c8-4f0b-8d7e-2a6c1b0f9e44"
    );
    assert_eq!(invocation["cold_start"], true);
}

fn shape(name: &str) -> String {
    format!(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../warden-logs/tests/fixtures/shapes/{}"
        ),
        name
    )
}

#[test]
fn a_console_csv_export_is_analysed() {
    let output = warden()
        .args(["logs", "analyze", "--format", "json"])
        .arg(shape("console-download.csv"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["totals"]["invocations"], 3);
    assert_eq!(report["totals"]["cold_starts"], 2);
    assert_eq!(report["totals"]["failures"]["error"], 1);
}

#[test]
fn lambda_lines_that_assemble_nothing_exit_2_with_the_reason() {
    let mut child = warden()
        .args(["logs", "analyze", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"END RequestId: 0aa7a2f1-8b2b-4d4e-9a59-4b1d4ab3c001\nEND RequestId: 1aa7a2f1-8b2b-4d4e-9a59-4b1d4ab3c001\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no invocation could be assembled") && stderr.contains("2 END lines"),
        "{stderr}"
    );
}

#[test]
fn a_lone_error_line_fails_the_run_with_fail_on_failures() {
    let output = warden()
        .args(["logs", "analyze", "--fail-on", "failures"])
        .arg(shape("filtered-errors.ndjson"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn analyze_text(args: &[&str]) -> (Option<i32>, String, String) {
    let output = warden()
        .args(["logs", "analyze", "--color", "never"])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn memory_at_the_limit_is_hinted_in_text_and_counted_in_json() {
    let (code, stdout, stderr) = analyze_text(&[&shape("memory-at-limit.log")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("unknown: 2 invocations used all 256 MB of memory (Max Memory Used >= Memory Size): likely out of memory or about to be"),
        "{stdout}"
    );
    let (_, stdout, _) = analyze_text(&["--format", "json", &shape("memory-at-limit.log")]);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["functions"][0]["memory_at_limit"], 2);
    assert_eq!(report["totals"]["memory_at_limit"], 2);
    // The outcomes stay as reported: one timeout, one out of memory (257 > 256).
    assert_eq!(report["totals"]["failed_invocations"], 2);
}

#[test]
fn a_control_message_alone_gets_a_note_not_an_unexplained_empty_report() {
    let (code, stdout, stderr) = analyze_text(&[&shape("control-message.json")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning: only CloudWatch Logs control / health-check messages: no log events"
        ),
        "{stderr}"
    );
    assert!(
        stdout.starts_with("No Lambda invocations found: the input held only CloudWatch Logs control / health-check messages"),
        "{stdout}"
    );
}

#[test]
fn costs_print_the_same_way_and_never_as_minus_zero() {
    let (_, stdout, _) = analyze_text(&["--format", "json", &shape("control-message.json")]);
    assert!(stdout.contains("\"cost_usd\": 0.0"), "{stdout}");
    assert!(!stdout.contains("-0.0"), "{stdout}");
    // A function with only an open invocation has no cost figure; the others have six
    // decimals, in the table as in the summary.
    let dir = std::env::temp_dir().join(format!("warden-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let open_only = dir.join("open-only.log");
    std::fs::write(
        &open_only,
        "START RequestId: 5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d Version: $LATEST\n",
    )
    .unwrap();
    let (_, stdout, stderr) =
        analyze_text(&["--function", "checkout", &shape("memory-at-limit.log")]);
    let row = stdout.lines().nth(1).unwrap();
    assert!(row.ends_with("  0.000639"), "{row}\n{stderr}");
    let (_, stdout, _) = analyze_text(&[open_only.to_str().unwrap()]);
    let row = stdout.lines().nth(1).unwrap();
    assert!(row.ends_with("  -") && row.contains("1 (1 open)"), "{row}");
    assert!(stdout.contains("estimated cost $0.000000 "), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}
