//! Dogfooding: every generated stack, in both formats, passes Warden's own posture rules
//! (both profiles) with no finding at medium or above, loads without errors or notices, and
//! holds the resources it promises. A weakened copy shows the check can fail.

mod support;

use std::collections::BTreeSet;
use std::fmt::Write;

use warden_connect::Format;
use warden_diagnostics::{Date, Finding, Severity};
use warden_iac::{load_paths, LoadOptions, Loaded};
use warden_rules::{check_template, CheckOptions};

/// The low findings the stacks keep on purpose: an access log bucket for a bucket that only
/// holds failed deliveries, and a customer managed key for Firehose's error log group, are
/// left to the user.
const ACCEPTED_LOW: &[&str] = &["WD715", "WD802"];

fn file_name(format: Format) -> &'static str {
    match format {
        Format::CloudFormation => "warden-connect.yaml",
        Format::Terraform => "main.tf",
    }
}

/// Loads `text` as a file of its own and runs every rule of every profile on it.
fn scan(text: &str, format: Format) -> (Loaded, Vec<Finding>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file_name(format)), text).unwrap();
    let loaded = load_paths(
        &[dir.path().to_path_buf()],
        &LoadOptions::default(),
        &|_| false,
    );
    let options = CheckOptions {
        as_of: Date::parse("2026-12-01").unwrap(),
    };
    let findings = loaded
        .templates
        .iter()
        .flat_map(|template| check_template(template, &|_| true, &options))
        .collect();
    (loaded, findings)
}

fn describe(loaded: &Loaded, findings: &[&Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let place = loaded.sources.locate(finding.span).unwrap();
        writeln!(
            out,
            "{}:{} {} [{}] {}: {}",
            place.line,
            place.column,
            finding.code,
            finding.severity,
            finding.resource,
            finding.message
        )
        .unwrap();
    }
    out
}

fn resource_types(loaded: &Loaded) -> BTreeSet<String> {
    loaded
        .templates
        .iter()
        .flat_map(|t| t.resources.iter().map(|r| r.resource_type.clone()))
        .collect()
}

fn assert_clean(name: &str, text: &str, format: Format) {
    let (loaded, findings) = scan(text, format);
    assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
    assert_eq!(loaded.templates.len(), 1, "{name}: one template");
    let notices = loaded.all_notices();
    assert!(
        notices.is_empty(),
        "{name}: not fully analysed: {notices:?}"
    );
    let types = resource_types(&loaded);
    for expected in [
        "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
    ] {
        assert!(
            types.contains(expected),
            "{name}: no {expected} in {types:?}"
        );
    }
    let serious: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    assert!(
        serious.is_empty(),
        "{name} ({format:?}) has findings at medium or above:\n{}",
        describe(&loaded, &serious)
    );
    let unexpected: Vec<&Finding> = findings
        .iter()
        .filter(|f| !ACCEPTED_LOW.contains(&f.code))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{name} ({format:?}) has findings not reviewed yet:\n{}",
        describe(&loaded, &unexpected)
    );
}

#[test]
fn cloudformation_stacks_have_no_medium_or_higher_findings() {
    for (name, options) in support::variants() {
        let text = support::render(&options, Format::CloudFormation);
        assert_clean(name, &text, Format::CloudFormation);
    }
}

#[test]
fn terraform_stacks_have_no_medium_or_higher_findings() {
    for (name, options) in support::variants() {
        let text = support::render(&options, Format::Terraform);
        assert_clean(name, &text, Format::Terraform);
    }
}

/// The same scan finds a weakness put into the stack: the checks above can fail.
#[test]
fn a_weakened_stack_is_reported() {
    let (_, options) = &support::variants()[0];
    for (format, from, to) in [
        (
            Format::CloudFormation,
            "BlockPublicPolicy: true",
            "BlockPublicPolicy: false",
        ),
        (
            Format::Terraform,
            "block_public_policy     = true",
            "block_public_policy     = false",
        ),
    ] {
        let text = support::render(options, format);
        assert!(
            text.contains(from),
            "{format:?}: the stack changed, update this test"
        );
        let (_, findings) = scan(&text.replace(from, to), format);
        assert!(
            findings.iter().any(|f| f.severity >= Severity::Medium),
            "{format:?}: a bucket that may be made public is not reported"
        );
    }
}
