//! A small hand-built scan over two in-memory templates, shared by the output tests.

#![allow(dead_code)]

use warden_diagnostics::{
    Date, FileId, Finding, LoadError, Notice, Profile, Related, Risk, RuleInfo, Severity,
    SourceMap, Span,
};
use warden_output::SeverityCounts;
use warden_output::{render, Format, RenderOptions, Report};

pub const TEMPLATE: &str = r#"AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.8
      FunctionUrlConfig:
        AuthType: NONE
      Policies:
        - Statement:
            - Effect: Allow
              Action: "*"
              Resource: "*"
"#;

pub const STACK: &str = r#"{
  "Resources": {
    "Bücket": {
      "Type": "AWS::S3::Bucket",
      "Properties": { "BucketName": "données-€" }
    }
  }
}
"#;

pub const URL_WITHOUT_AUTH: RuleInfo = RuleInfo {
    code: "WDN101",
    name: "function-url-without-auth",
    risk: Risk::BrokenAuthentication,
    severity: Severity::High,
    summary: "Checks for Lambda function URLs that anyone can call without authentication.",
    docs: "## What it does\nChecks for Lambda function URLs whose `AuthType` is `NONE`.\n\n\
           ## Why is this bad?\nAnyone who finds the URL can invoke the function.\n\n\
           ## Example\n```yaml\nFunctionUrlConfig:\n  AuthType: NONE\n```\n",
    formats: &["cloudformation", "sam"],
    profile: Profile::Security,
};

pub const WILDCARD_ACTION: RuleInfo = RuleInfo {
    code: "WDN201",
    name: "wildcard-iam-action",
    risk: Risk::OverPrivileged,
    severity: Severity::Critical,
    summary: "Checks for IAM statements that allow every action.",
    docs: "## What it does\nChecks for `Action: \"*\"` in an `Allow` statement.\n",
    formats: &["cloudformation", "sam"],
    profile: Profile::Security,
};

pub const DEPRECATED_RUNTIME: RuleInfo = RuleInfo {
    code: "WDN301",
    name: "deprecated-runtime",
    risk: Risk::InsecureConfiguration,
    severity: Severity::Medium,
    summary: "Checks for Lambda runtimes that no longer get security patches.",
    docs: "",
    formats: &["cloudformation", "sam"],
    profile: Profile::Security,
};

pub const BUCKET_WITHOUT_ENCRYPTION: RuleInfo = RuleInfo {
    code: "WDN401",
    name: "bucket-without-encryption",
    risk: Risk::InsecureSecrets,
    severity: Severity::Low,
    summary: "Checks for S3 buckets without default encryption.",
    docs: "## What it does\nChecks for buckets without `BucketEncryption`.\n",
    formats: &["cloudformation"],
    profile: Profile::Security,
};

/// WDN501 (`function-without-dlq`) is left out on purpose: SARIF must still describe it.
pub const RULES: &[RuleInfo] = &[
    URL_WITHOUT_AUTH,
    WILDCARD_ACTION,
    DEPRECATED_RUNTIME,
    BUCKET_WITHOUT_ENCRYPTION,
];

pub struct Fixture {
    pub sources: SourceMap,
    pub report: Report,
}

/// The span of the `occurrence`-th (zero-based) `needle` in `text`.
pub fn span_of(file: FileId, text: &str, needle: &str, occurrence: usize) -> Span {
    let start = text
        .match_indices(needle)
        .nth(occurrence)
        .unwrap_or_else(|| panic!("`{needle}` #{occurrence} not in fixture"))
        .0;
    Span::new(file, start, start + needle.len())
}

pub fn finding(rule: &RuleInfo, span: Span, resource: &str, kind: &str, message: &str) -> Finding {
    Finding {
        code: rule.code,
        name: rule.name,
        risk: rule.risk,
        severity: rule.severity,
        message: message.to_string(),
        span,
        resource: resource.to_string(),
        resource_type: kind.to_string(),
        help: String::new(),
        related: Vec::new(),
    }
}

pub fn fixture() -> Fixture {
    let mut sources = SourceMap::new();
    let template = sources.add("./template.yaml", TEMPLATE.to_string()).id;
    let stack = sources.add("nested\\stack.json", STACK.to_string()).id;
    // A file with nothing to report: a passing JUnit test case.
    sources.add("clean.yaml", "Resources: {}\n".to_string());

    let function = "AWS::Serverless::Function";
    let mut url = finding(
        &URL_WITHOUT_AUTH,
        span_of(template, TEMPLATE, "NONE", 0),
        "ApiFunction",
        function,
        "Function URL of `ApiFunction` allows unauthenticated calls (AuthType: NONE)",
    );
    url.help = "Set `AuthType: AWS_IAM` and sign requests with SigV4.".to_string();

    let mut wildcard = finding(
        &WILDCARD_ACTION,
        span_of(template, TEMPLATE, "\"*\"", 0),
        "ApiFunction",
        function,
        "Policy of `ApiFunction` allows every action: \"*\" on \"*\"",
    );
    wildcard.help = "List the actions the function needs,\nfor example `s3:GetObject`.".to_string();
    // The same statement reaches another place: a related location.
    wildcard.related.push(Related {
        span: span_of(template, TEMPLATE, "Policies", 0),
        message: "the statement is in the function's `Policies`".to_string(),
    });

    let mut runtime = finding(
        &DEPRECATED_RUNTIME,
        span_of(template, TEMPLATE, "python3.8", 0),
        "ApiFunction",
        function,
        "Function `ApiFunction` uses python3.8, deprecated since 2024-10-14",
    );
    runtime.help = "Move to python3.12 or later.".to_string();

    let mut dlq = Finding {
        code: "WDN501",
        name: "function-without-dlq",
        risk: Risk::Reliability,
        severity: Severity::Info,
        message:
            "Function `ApiFunction` has no dead-letter queue: 100% of failed async events are lost"
                .to_string(),
        // The whole resource, from its logical ID to the end of the file.
        span: Span::new(
            template,
            TEMPLATE.find("ApiFunction:").unwrap(),
            TEMPLATE.len(),
        ),
        resource: "ApiFunction".to_string(),
        resource_type: function.to_string(),
        help: "Add `DeadLetterQueue` <Type: SQS> & a target ARN.".to_string(),
        related: Vec::new(),
    };
    dlq.help.push_str("\n\nSee the SAM docs.");

    let mut bucket = finding(
        &BUCKET_WITHOUT_ENCRYPTION,
        span_of(stack, STACK, "\"Bücket\"", 0),
        "Bücket",
        "AWS::S3::Bucket",
        "Bucket `Bücket` (\"données-€\") has no default encryption",
    );
    bucket.help = "Add `BucketEncryption` with SSE-S3 or SSE-KMS.".to_string();

    Fixture {
        sources,
        report: Report {
            // Deliberately out of order: renderers sort.
            findings: vec![bucket, dlq, runtime, wildcard, url],
            errors: vec![
                LoadError {
                    file: "unreadable.json".to_string(),
                    line: 0,
                    column: 0,
                    message: "permission denied".to_string(),
                },
                LoadError {
                    file: "broken.yaml".to_string(),
                    line: 3,
                    column: 9,
                    message: "mapping values are not allowed in this context".to_string(),
                },
            ],
            suppressed: 2,
            files_scanned: 5,
            resources_scanned: 2,
            notices: vec![
                Notice::new(
                    "include-not-read",
                    "`s3://bucket/api.yaml` included by `ApiFunction` was not read: routes that depend on it are not judged",
                )
                .at(span_of(template, TEMPLATE, "ApiFunction", 0))
                .path("s3://bucket/api.yaml")
                .help("Scan a copy of the file next to the template."),
                Notice::new("registry-module", "module `vpc` comes from a registry and was not read")
                    .path("terraform-aws-modules/vpc/aws"),
            ],
            hidden: SeverityCounts {
                info: 3,
                ..SeverityCounts::default()
            },
            min_severity: Some(Severity::Low),
            as_of: Date::parse("2026-12-01"),
            profile: Some(Profile::Security),
        },
    }
}

pub const OPTIONS: RenderOptions = RenderOptions {
    color: false,
    tool_version: "0.0.0-test",
};

pub fn output(
    format: Format,
    report: &Report,
    sources: &SourceMap,
    options: &RenderOptions,
) -> String {
    let mut out = Vec::new();
    render(format, report, sources, RULES, options, &mut out)
        .expect("rendering to a Vec never fails");
    String::from_utf8(out).expect("output is UTF-8")
}

pub fn json(format: Format, report: &Report, sources: &SourceMap) -> serde_json::Value {
    serde_json::from_str(&output(format, report, sources, &OPTIONS)).expect("output is JSON")
}
