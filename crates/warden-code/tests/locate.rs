//! Following functions to their code in every format: SAM, CloudFormation inline code, CDK
//! `cdk.out` assets, Serverless Framework services, Terraform `archive_file`; and the notices
//! for code that is not there.

use std::path::Path;

use warden_diagnostics::SourceMap;
use warden_iac::{load_paths, LoadOptions};

const SINK_JS: &str = "const { execSync } = require('child_process');\nexports.handler = async (event) => { execSync('ls ' + event.body); };\n";
const SINK_PY: &str =
    "import os\n\ndef handler(event, context):\n    os.system('ls ' + event['body'])\n";

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn scan(root: &Path) -> (warden_code::CodeReport, SourceMap) {
    let loaded = load_paths(&[root.to_path_buf()], &LoadOptions::default(), &|_| false);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let mut sources = loaded.sources.clone();
    let report = warden_code::analyse(&loaded.templates, &mut sources, &|_| true);
    (report, sources)
}

fn sink_files(report: &warden_code::CodeReport, sources: &SourceMap) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.code == "WD001")
        .map(|f| sources.locate(f.span).unwrap().file)
        .collect()
}

#[test]
fn cdk_assets_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "cdk.out/asset.0123abcd/index.js", SINK_JS);
    write(
        dir.path(),
        "cdk.out/AppStack.template.json",
        r#"{"Resources": {
  "Fn9270CBC0": {"Type": "AWS::Lambda::Function",
    "Properties": {"Code": {"S3Bucket": "cdk-assets", "S3Key": "0123abcd.zip"},
      "Handler": "index.handler", "Runtime": "nodejs20.x", "Role": "arn:aws:iam::1:role/x"},
    "Metadata": {"aws:asset:path": "asset.0123abcd", "aws:asset:property": "Code"}}}}"#,
    );
    let (report, sources) = scan(dir.path());
    let files = sink_files(&report, &sources);
    assert_eq!(files.len(), 1, "{:?}", report.notices);
    assert!(files[0].ends_with("cdk.out/asset.0123abcd/index.js"));
}

#[test]
fn terraform_archive_sources_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/app.py", SINK_PY);
    write(
        dir.path(),
        "main.tf",
        r#"
data "archive_file" "zip" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/lambda.zip"
}

resource "aws_lambda_function" "api" {
  function_name = "api"
  filename      = data.archive_file.zip.output_path
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::1:role/x"
}
"#,
    );
    let (report, sources) = scan(dir.path());
    let files = sink_files(&report, &sources);
    assert_eq!(files.len(), 1, "{:?}", report.notices);
    assert!(files[0].ends_with("src/app.py"));
}

#[test]
fn serverless_handlers_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "handlers/run.js", SINK_JS);
    write(
        dir.path(),
        "serverless.yml",
        "service: demo\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  run:\n    handler: handlers/run.handler\n    events:\n      - httpApi:\n          method: post\n          path: /run\n",
    );
    let (report, sources) = scan(dir.path());
    let findings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "WD001")
        .collect();
    assert_eq!(findings.len(), 1, "{:?}", report.notices);
    assert!(sources
        .locate(findings[0].span)
        .unwrap()
        .file
        .ends_with("handlers/run.js"));
    // An HTTP API route without an authorizer: critical, and the finding says which route.
    assert_eq!(findings[0].severity, warden_diagnostics::Severity::Critical);
    assert!(
        findings[0].message.contains("POST /run"),
        "{}",
        findings[0].message
    );
}

#[test]
fn inline_code_is_analysed_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let template = format!(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: index.handler\n      Runtime: python3.12\n      InlineCode: |\n{}",
        SINK_PY
            .lines()
            .map(|line| format!("        {line}\n"))
            .collect::<String>()
    );
    write(dir.path(), "template.yaml", &template);
    let (report, sources) = scan(dir.path());
    let findings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "WD001")
        .collect();
    assert_eq!(findings.len(), 1, "{:?}", report.notices);
    let at = sources.locate(findings[0].span).unwrap();
    assert!(at.file.ends_with("template.yaml"));
    // `os.system(...)` is on the 4th line of the code (indented by 4), the 12th of the
    // template (indented by 8 more).
    assert_eq!((at.line, at.column), (12, 13));
}

#[test]
fn code_that_is_not_there_is_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "template.yaml",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Remote:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://bucket/code.zip\n      Handler: app.handler\n      Runtime: python3.12\n  Missing:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.12\n  Java:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n      Handler: example.Handler::handleRequest\n      Runtime: java21\n  Placeholder:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: agent.handler.main\n      Runtime: python3.12\n      Role: arn:aws:iam::1:role/x\n      Code:\n        ZipFile: |\n          def main(event, context):\n              return {}\n",
    );
    let (report, _) = scan(dir.path());
    let messages: Vec<&str> = report
        .notices
        .iter()
        .filter(|n| n.kind == "code-not-analysed")
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(messages.len(), 4, "{messages:#?}");
    for (function, reason) in [
        ("Remote", "code in S3"),
        ("Missing", "does not exist"),
        ("Java", "runtime `java21`"),
        ("Placeholder", "placeholder"),
    ] {
        assert!(
            messages
                .iter()
                .any(|m| m.contains(&format!("`{function}`")) && m.contains(reason)),
            "{function}: {messages:#?}"
        );
    }
    assert_eq!(report.functions_analysed, 0);
}

#[test]
fn serverless_package_patterns_decide_what_is_deployed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/kept.js", SINK_JS);
    write(dir.path(), "src/dropped.js", SINK_JS);
    write(dir.path(), "legacy/old.js", SINK_JS);
    write(dir.path(), "own/fn.js", SINK_JS);
    write(
        dir.path(),
        "serverless.yml",
        r#"service: demo
provider:
  name: aws
  runtime: nodejs20.x
package:
  exclude:
    - legacy/**
  patterns:
    - '!src/**'
    - src/kept.js
functions:
  kept:
    handler: src/kept.handler
  dropped:
    handler: src/dropped.handler
  old:
    handler: legacy/old.handler
  own:
    handler: own/fn.handler
    package:
      patterns:
        - '!own/**'
"#,
    );
    let (report, sources) = scan(dir.path());
    let mut files = sink_files(&report, &sources);
    files.sort();
    // Only the handler that the patterns put back into the package is analysed.
    assert_eq!(files.len(), 1, "{files:?} {:#?}", report.notices);
    assert!(files[0].ends_with("src/kept.js"));
    let left_out: Vec<&str> = report
        .notices
        .iter()
        .filter(|n| n.message.contains("left out of the deployment package"))
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(left_out.len(), 3, "{left_out:#?}");
    for (handler, pattern) in [
        ("src/dropped.js", "!src/**"),
        ("legacy/old.js", "!legacy/**"),
        ("own/fn.js", "!own/**"),
    ] {
        assert!(
            left_out
                .iter()
                .any(|m| m.contains(handler) && m.contains(pattern)),
            "{handler}: {left_out:#?}"
        );
    }
}
