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

#[test]
fn suppressions_and_baselines_work_in_serverless_and_terraform_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "orders/serverless.yml",
        &SERVICE.replace(
            "    url: true\n",
            "    url: true # warden:ignore WD201 verifies the provider's HMAC signature\n",
        ),
    );
    write(
        dir.path(),
        "infra/main.tf",
        "resource \"aws_lambda_function_url\" \"hook\" {\n  function_name      = \"hook\"\n  # warden:ignore function-url-without-auth public health check\n  authorization_type = \"NONE\"\n}\nresource \"aws_lambda_function_url\" \"open\" {\n  function_name      = \"open\"\n  authorization_type = \"NONE\" // warden:ignore WD201\n}\n",
    );
    let output = warden(
        &["scan", ".", "--format", "json", "--select", "WD201"],
        dir.path(),
    );
    let report = json(&output);
    let resources: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    // The HCL `//` comment has no reason: reported, and not applied.
    assert_eq!(resources, ["aws_lambda_function_url.open"]);
    assert_eq!(report["summary"]["suppressed"], 2);
    let problem = &report["errors"][0];
    assert_eq!(problem["file"], "infra/main.tf");
    assert_eq!(problem["line"], 8);

    // A baseline written now makes the remaining finding known.
    let written = warden(
        &[
            "scan",
            ".",
            "--select",
            "WD201",
            "--write-baseline",
            "base.json",
        ],
        dir.path(),
    );
    assert_eq!(written.status.code(), Some(0));
    let again = warden(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--select",
            "WD201",
            "--baseline",
            "base.json",
        ],
        dir.path(),
    );
    assert_eq!(json(&again)["findings"].as_array().unwrap().len(), 0);
}
