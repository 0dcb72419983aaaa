//! `warden connect`: the printed stack passes `warden scan --fail-on medium` (the binary's
//! own dogfooding), `-o` writes a file, and bad options are usage errors with a reason.

use std::path::Path;

mod common;
use common::warden;

fn connect(args: &[&str], dir: &Path) -> String {
    let output = warden(&[&["connect"], args].concat(), dir);
    assert!(
        output.status.success(),
        "warden connect {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn both_formats_pass_the_scan_at_medium() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = connect(
        &["--endpoint", "https://warden.example.com", "--audit-role"],
        dir.path(),
    );
    assert!(yaml.contains("Url: \"https://warden.example.com/ingest/firehose\""));
    assert!(yaml.contains("AWS::Logs::AccountPolicy"));
    std::fs::write(dir.path().join("connect.yaml"), yaml).unwrap();
    let tf = connect(
        &[
            "--endpoint",
            "https://warden.example.com/base/",
            "--format",
            "terraform",
            "--log-groups",
            "/aws/lambda/a,/aws/lambda/b",
        ],
        dir.path(),
    );
    assert!(tf.contains("url                = \"https://warden.example.com/base/ingest/firehose\""));
    assert_eq!(
        tf.matches("aws_cloudwatch_log_subscription_filter").count(),
        2
    );
    assert!(!tf.contains("aws_cloudwatch_log_account_policy"));
    std::fs::create_dir(dir.path().join("tf")).unwrap();
    std::fs::write(dir.path().join("tf/main.tf"), tf).unwrap();

    let scan = warden(
        &[
            "scan",
            ".",
            "--fail-on",
            "medium",
            "--profile",
            "well-architected",
            "--format",
            "json",
        ],
        dir.path(),
    );
    let report = common::json(&scan);
    assert_eq!(scan.status.code(), Some(0), "{report}");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let files: std::collections::BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    // Both stacks were scanned (each keeps its reviewed low findings).
    assert_eq!(files.len(), 2, "{report}");
}

#[test]
fn output_file_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let written = warden(
        &[
            "connect",
            "--endpoint",
            "https://w.example.com",
            "-o",
            "stack.yaml",
        ],
        dir.path(),
    );
    assert!(written.status.success());
    assert!(written.stdout.is_empty());
    let text = std::fs::read_to_string(dir.path().join("stack.yaml")).unwrap();
    assert!(text.starts_with("AWSTemplateFormatVersion"));

    for (args, reason) in [
        (
            &["--endpoint", "http://w.example.com"][..],
            "only to HTTPS endpoints",
        ),
        (
            &[
                "--endpoint",
                "https://w.example.com",
                "--log-groups",
                "/aws/lambda/*",
            ][..],
            "`*` is not allowed",
        ),
        (
            &["--endpoint", "https://w.example.com:8443"][..],
            "only to port 443",
        ),
        (
            &["--endpoint", "https://w.example.com", "--name", "Warden"][..],
            "lowercase",
        ),
        (
            &[
                "--endpoint",
                "https://w.example.com",
                "--log-groups",
                "/aws/lambda/a,/aws/lambda/a",
            ][..],
            "listed twice",
        ),
        (
            &[
                "--endpoint",
                "https://w.example.com",
                "--log-groups",
                "/aws/lambda/a",
                "--exclude-log-groups",
                "/aws/lambda/b",
            ][..],
            "cannot be used with",
        ),
    ] {
        let output = warden(&[&["connect"], args].concat(), dir.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

/// The audit role grants exactly what `warden audit` calls, no more, no less.
#[test]
fn audit_role_grants_the_printed_audit_policy() {
    let dir = tempfile::tempdir().unwrap();
    let printed = warden(&["audit", "--print-policy"], dir.path());
    assert!(printed.status.success());
    let policy = common::json(&printed);
    let actions: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(warden_connect::AUDIT_ACTIONS, actions.as_slice());
    let yaml = connect(
        &["--endpoint", "https://w.example.com", "--audit-role"],
        dir.path(),
    );
    for action in actions {
        assert!(
            yaml.contains(&format!("                  - {action}\n")),
            "{action}"
        );
    }
}
