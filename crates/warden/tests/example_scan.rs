//! The bundled example is the README's first command: its findings are a contract worth
//! reviewing when they change.

use std::fmt::Write;
use std::process::Command;

#[test]
fn example_app_findings() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let output = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "scan",
            "examples/",
            "--format",
            "json",
            "--profile",
            "well-architected",
            "--as-of",
            "2026-12-01",
        ])
        .current_dir(root)
        .output()
        .expect("warden runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "findings remain, so the exit code is 1"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0));
    let mut rendered = String::new();
    for finding in report["findings"].as_array().expect("findings") {
        writeln!(
            rendered,
            "{}:{}:{} {} {} [{}] {}: {}",
            finding["file"].as_str().unwrap(),
            finding["line"],
            finding["column"],
            finding["rule"].as_str().unwrap(),
            finding["name"].as_str().unwrap(),
            finding["severity"].as_str().unwrap(),
            finding["resource"].as_str().unwrap(),
            finding["message"].as_str().unwrap(),
        )
        .unwrap();
    }
    insta::assert_snapshot!(rendered);
    // Every risk the example is meant to show is there.
    for risk in [
        "broken-authentication",
        "insecure-configuration",
        "over-privileged",
        "insufficient-logging",
        "insecure-secrets",
        "denial-of-wallet",
        "improper-error-handling",
        "event-injection",
        "reliability",
        "cost",
    ] {
        assert!(
            report["summary"]["by_risk"][risk].as_u64().unwrap_or(0) > 0,
            "no {risk} finding"
        );
    }
}
