//! `warden scan` on Serverless Framework services: a directory mixing SAM and
//! `serverless.yml` is scanned in one run with one report, and Serverless findings point at
//! the line the user wrote.

mod common;
use common::{json, warden, write};

const SAM_PUBLIC_URL: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Public:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      FunctionUrlConfig:
        AuthType: NONE
"#;

const SERVICE: &str = r#"service: orders
provider:
  name: aws
  runtime: nodejs20.x
  stage: ${opt:stage, 'dev'}
  region: ${opt:region, 'us-east-1'}
functions:
  webhook:
    handler: src/webhook.handler
    url: true
  internal:
    handler: src/internal.handler
    url:
      authorizer: aws_iam
"#;

#[test]
fn mixed_directory_is_one_report_with_serverless_findings_located() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sam/template.yaml", SAM_PUBLIC_URL);
    write(dir.path(), "orders/serverless.yml", SERVICE);
    // Not a service for AWS: ignored.
    write(
        dir.path(),
        "gcp/serverless.yml",
        "service: x\nprovider:\n  name: google\n",
    );
    let output = warden(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--select",
            "WD201",
            "--stage",
            "prod",
            "--option",
            "region=eu-west-1",
        ],
        dir.path(),
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["summary"]["files_scanned"], 2, "{report}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{report}");
    let sam = findings
        .iter()
        .find(|f| f["file"] == "sam/template.yaml")
        .expect("SAM finding");
    assert_eq!(sam["resource"], "Public");
    let sls = findings
        .iter()
        .find(|f| f["file"] == "orders/serverless.yml")
        .expect("Serverless finding");
    assert_eq!(sls["rule"], "WD201");
    assert_eq!(sls["resource"], "webhook");
    assert_eq!(sls["resource_type"], "Serverless::Function");
    // `url: true` is on line 10.
    assert_eq!(sls["line"].as_u64(), Some(10), "{sls}");
}

#[test]
fn option_flags_must_be_key_value() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "serverless.yml", SERVICE);
    let output = warden(&["scan", ".", "--option", "region"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--option"));
}
