//! End-to-end tests of `warden scan`: exit codes, the JSON contract, suppressions, the
//! baseline, configuration and parameters, and carrying on past malformed files.

mod common;
use common::{json, warden, write};

const PUBLIC_URL: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
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

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn findings_exit_one_and_follow_the_json_contract() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "template.yaml", PUBLIC_URL);
    let output = warden(
        &["scan", ".", "--format", "json", "--select", "WD201"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert!(report["version"].is_string());
    let finding = &report["findings"][0];
    for field in [
        "rule",
        "name",
        "risk",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "resource",
        "resource_type",
        "help",
    ] {
        assert!(!finding[field].is_null(), "missing {field} in {finding}");
    }
    assert_eq!(finding["rule"], "WD201");
    assert_eq!(finding["name"], "function-url-without-auth");
    assert_eq!(finding["risk"], "broken-authentication");
    assert_eq!(finding["file"], "template.yaml");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(11), Some(19))
    );
    assert_eq!(finding["resource"], "Public");
    assert_eq!(finding["resource_type"], "AWS::Serverless::Function");
    assert_eq!(report["summary"]["files_scanned"], 1);
}

#[test]
fn fail_on_threshold_decides_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "template.yaml", PUBLIC_URL);
    let high = warden(
        &["scan", ".", "--select", "WD201", "--fail-on", "critical"],
        dir.path(),
    );
    assert_eq!(
        high.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&high.stdout)
    );
    let none = warden(
        &["scan", ".", "--select", "WD201", "--fail-on", "none"],
        dir.path(),
    );
    assert_eq!(none.status.code(), Some(0));
    let bad = warden(&["scan", ".", "--fail-on", "severe"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    let unknown_rule = warden(&["scan", ".", "--select", "WD999"], dir.path());
    assert_eq!(unknown_rule.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown_rule.stderr).contains("matches no rule"));
}

#[test]
fn clean_templates_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "template.yaml",
        &PUBLIC_URL.replace("AuthType: NONE", "AuthType: AWS_IAM"),
    );
    let output = warden(&["scan", ".", "--select", "WD201"], dir.path());
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("No findings"));
}

#[test]
fn malformed_files_are_located_errors_and_the_scan_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/template.yaml", PUBLIC_URL);
    write(dir.path(), "b/template.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n    Type: AWS::SQS::Queue\n  A:\n    Type: AWS::SNS::Topic\n");
    write(
        dir.path(),
        "c/template.json",
        "{\"Resources\": {\"Q\": {\"Type\": \"AWS::SQS::Queue\"}",
    );
    write(dir.path(), "d/template.yaml", "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: !Bogus x\n");
    write(
        dir.path(),
        "e/template.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
    );
    write(dir.path(), "node_modules/x/template.yaml", PUBLIC_URL);
    write(dir.path(), "package.json", "{\"name\": \"not a template\"}");
    let output = warden(
        &["scan", ".", "--format", "json", "--select", "WD201"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(codes(&report), ["WD201"], "node_modules must be skipped");
    let errors = report["errors"].as_array().unwrap();
    let by_file = |file: &str| {
        errors
            .iter()
            .find(|e| e["file"] == file)
            .unwrap_or_else(|| panic!("no error for {file}: {errors:#?}"))
    };
    let duplicate = by_file("b/template.yaml");
    assert_eq!(
        (duplicate["line"].as_u64(), duplicate["column"].as_u64()),
        (Some(5), Some(3))
    );
    assert!(duplicate["message"]
        .as_str()
        .unwrap()
        .contains("duplicate key `A`"));
    assert!(by_file("c/template.json")["line"].as_u64().unwrap() >= 1);
    assert!(by_file("d/template.yaml")["message"]
        .as_str()
        .unwrap()
        .contains("unknown tag `!Bogus`"));
    assert!(by_file("e/template.yaml")["message"]
        .as_str()
        .unwrap()
        .contains("empty"));
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn metadata_and_comment_suppressions_need_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let with_metadata = PUBLIC_URL.replace(
        "    Type: AWS::Serverless::Function\n",
        "    Type: AWS::Serverless::Function\n    Metadata:\n      warden:\n        skip:\n          - rule: WD201\n            reason: webhook verifies signatures\n",
    );
    write(dir.path(), "meta/template.yaml", &with_metadata);
    write(
        dir.path(),
        "comment/template.yaml",
        &PUBLIC_URL.replace(
            "AuthType: NONE",
            "AuthType: NONE # warden:ignore WD201 public status page",
        ),
    );
    write(dir.path(), "above/template.yaml", &PUBLIC_URL.replace("        AuthType: NONE", "        # warden:ignore function-url-without-auth public by design\n        AuthType: NONE"));
    write(
        dir.path(),
        "noreason/template.yaml",
        &PUBLIC_URL.replace("AuthType: NONE", "AuthType: NONE # warden:ignore WD201"),
    );
    let json_template = r#"{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Metadata": {"warden": {"skip": [{"rule": "WD201", "reason": "internal"}]}}, "Properties": {"Role": "arn:aws:iam::123456789012:role/r", "Runtime": "python3.12", "Handler": "a.b", "Code": {"ZipFile": "x"}}},
      "Url": {"Type": "AWS::Lambda::Url", "Metadata": {"warden": {"skip": [{"rule": "WD201", "reason": "internal"}]}}, "Properties": {"AuthType": "NONE", "TargetFunctionArn": {"Fn::GetAtt": ["Fn", "Arn"]}}}}}"#;
    write(dir.path(), "json/template.json", json_template);
    let output = warden(
        &["scan", ".", "--format", "json", "--select", "WD201"],
        dir.path(),
    );
    let report = json(&output);
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["noreason/template.yaml"]);
    assert_eq!(report["summary"]["suppressed"], 4);
    let problem = &report["errors"][0];
    assert_eq!(problem["file"], "noreason/template.yaml");
    assert!(problem["message"]
        .as_str()
        .unwrap()
        .contains("needs a reason"));
}

#[test]
fn baseline_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "template.yaml", PUBLIC_URL);
    let written = warden(
        &[
            "scan",
            ".",
            "--select",
            "WD201",
            "--write-baseline",
            "baseline.json",
        ],
        dir.path(),
    );
    assert_eq!(written.status.code(), Some(0));
    // Moving the finding down a few lines keeps its fingerprint.
    write(
        dir.path(),
        "template.yaml",
        &PUBLIC_URL.replace(
            "Resources:\n",
            "Description: shifted\nMetadata: {}\nResources:\n",
        ),
    );
    let again = warden(
        &[
            "scan",
            ".",
            "--select",
            "WD201",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(json(&again)["summary"]["suppressed"], 1);
    // A new public URL is reported.
    let mut two = PUBLIC_URL.to_string();
    two.push_str(
        &PUBLIC_URL
            .lines()
            .skip(3)
            .collect::<Vec<_>>()
            .join("\n")
            .replace("Public:", "Other:"),
    );
    write(dir.path(), "template.yaml", &two);
    let new = warden(
        &[
            "scan",
            ".",
            "--select",
            "WD201",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(new.status.code(), Some(1));
    let report = json(&new);
    assert_eq!(report["findings"][0]["resource"], "Other");
}

#[test]
fn parameters_decide_what_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let template = PUBLIC_URL
        .replace(
            "Resources:\n",
            "Parameters:\n  UrlAuth:\n    Type: String\nResources:\n",
        )
        .replace("AuthType: NONE", "AuthType: !Ref UrlAuth");
    write(dir.path(), "template.yaml", &template);
    // Unknown without a value: nothing reported.
    let unknown = warden(
        &["scan", ".", "--select", "WD201", "--format", "json"],
        dir.path(),
    );
    assert_eq!(codes(&json(&unknown)), Vec::<String>::new());
    let given = warden(
        &[
            "scan",
            ".",
            "--select",
            "WD201",
            "--format",
            "json",
            "-p",
            "UrlAuth=NONE",
        ],
        dir.path(),
    );
    assert_eq!(codes(&json(&given)), ["WD201"]);
    write(
        dir.path(),
        "params.json",
        r#"[{"ParameterKey": "UrlAuth", "ParameterValue": "NONE"}]"#,
    );
    let file = warden(
        &[
            "scan",
            "template.yaml",
            "--select",
            "WD201",
            "--format",
            "json",
            "--parameters-file",
            "params.json",
        ],
        dir.path(),
    );
    assert_eq!(codes(&json(&file)), ["WD201"]);
    write(dir.path(), "samconfig.toml", "version = 0.1\n[default.deploy.parameters]\nparameter_overrides = \"UrlAuth=NONE Other=\\\"a b\\\"\"\n");
    let sam = warden(
        &[
            "scan",
            "template.yaml",
            "--select",
            "WD201",
            "--format",
            "json",
            "--parameters-file",
            "samconfig.toml",
        ],
        dir.path(),
    );
    assert_eq!(codes(&json(&sam)), ["WD201"]);
}

#[test]
fn config_file_selects_ignores_and_excludes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/template.yaml", PUBLIC_URL);
    write(dir.path(), "legacy/template.yaml", PUBLIC_URL);
    write(
        dir.path(),
        "warden.toml",
        "select = [\"WD2\"]\nexclude = [\"legacy\"]\n",
    );
    let report = json(&warden(&["scan", ".", "--format", "json"], dir.path()));
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.iter().all(|f| f.starts_with("app/")), "{files:?}");
    assert!(codes(&report).iter().all(|c| c.starts_with("WD2")));
    write(
        dir.path(),
        "warden.toml",
        "ignore = [\"function-url-without-auth\"]\nselect = [\"WD201\"]\n",
    );
    assert_eq!(
        codes(&json(&warden(
            &["scan", ".", "--format", "json"],
            dir.path()
        ))),
        Vec::<String>::new()
    );
    write(dir.path(), "warden.toml", "selct = [\"WD2\"]\n");
    let bad = warden(&["scan", "."], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("warden.toml"));
}

#[test]
fn every_format_renders() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "template.yaml", PUBLIC_URL);
    for format in ["text", "json", "sarif", "github", "junit"] {
        let output = warden(
            &["scan", ".", "--select", "WD201", "--format", format],
            dir.path(),
        );
        assert_eq!(output.status.code(), Some(1), "{format}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("WD201"), "{format}: {text}");
    }
    let sarif = warden(
        &["scan", ".", "--format", "sarif", "-o", "out.sarif"],
        dir.path(),
    );
    assert_eq!(sarif.status.code(), Some(1));
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(value["version"], "2.1.0");
}

#[test]
fn rules_and_rule_print_documentation() {
    let dir = tempfile::tempdir().unwrap();
    let list = warden(&["rules"], dir.path());
    assert_eq!(list.status.code(), Some(0));
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("WD201")
            && text.contains("function-url-without-auth")
            && text.contains("sam")
    );
    let one = warden(&["rule", "WD201"], dir.path());
    let docs = String::from_utf8_lossy(&one.stdout);
    assert!(docs.contains("## Why is this bad?") && docs.contains("AuthType"));
    assert_eq!(
        warden(&["rule", "WD999"], dir.path()).status.code(),
        Some(2)
    );
}

#[test]
fn cdk_output_and_json_templates_are_found_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let cdk = r#"{"Resources": {"FnUrl0A1B2C3D": {"Type": "AWS::Lambda::Url", "Properties": {"AuthType": "NONE", "TargetFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}}}}"#;
    write(dir.path(), "cdk.out/AppStack.template.json", cdk);
    write(dir.path(), "infra/stack.yml", PUBLIC_URL);
    write(dir.path(), ".aws-sam/build/template.yaml", PUBLIC_URL);
    let report = json(&warden(
        &["scan", ".", "--format", "json", "--select", "WD201"],
        dir.path(),
    ));
    let mut files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["cdk.out/AppStack.template.json", "infra/stack.yml"]);
}

#[test]
fn missing_paths_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "template.yaml", PUBLIC_URL);
    let output = warden(
        &[
            "scan",
            "template.yaml",
            "nope/",
            "--format",
            "json",
            "--select",
            "WD201",
        ],
        dir.path(),
    );
    // Everything else is scanned; the missing path makes it an I/O error (exit 2).
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(codes(&report), ["WD201"]);
    assert!(report["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no such file"));
}

/// A function with only hygiene gaps (low, well-architected) and a deprecated runtime whose
/// severity depends on the day.
const HYGIENE_AND_RUNTIME: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src/
"#;

#[test]
fn the_text_view_shows_medium_and_above_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "template.yaml", HYGIENE_AND_RUNTIME);
    // nodejs20.x is deprecated (medium) from 2026-04-30; the WA profile adds low hygiene.
    let text = warden(
        &[
            "scan",
            ".",
            "--profile",
            "well-architected",
            "--as-of",
            "2026-06-01",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("WD104 [medium]"), "{stdout}");
    assert!(!stdout.contains("WD111 [low]"), "{stdout}");
    assert!(
        stdout.contains("hidden below medium") && stdout.contains("`--min-severity info`"),
        "{stdout}"
    );
    assert!(stdout.contains("well-architected profile, as of 2026-06-01"));
    // Medium is below the default `--fail-on high`.
    assert_eq!(text.status.code(), Some(0), "{stdout}");
    // JSON keeps everything.
    let report = json(&warden(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--profile",
            "well-architected",
            "--as-of",
            "2026-06-01",
        ],
        dir.path(),
    ));
    let rules = codes(&report);
    assert!(rules.contains(&"WD111".to_string()), "{rules:?}");
    assert_eq!(report["summary"]["hidden"], 0);
    assert_eq!(report["summary"]["as_of"], "2026-06-01");
    // `--min-severity info` shows everything in text too.
    let all = warden(
        &[
            "scan",
            ".",
            "--profile",
            "well-architected",
            "--min-severity",
            "info",
        ],
        dir.path(),
    );
    assert!(String::from_utf8_lossy(&all.stdout).contains("WD111 [low]"));
}

#[test]
fn as_of_makes_runtime_findings_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "template.yaml", HYGIENE_AND_RUNTIME);
    let severity_on = |day: &str| {
        let report = json(&warden(
            &[
                "scan", ".", "--format", "json", "--select", "WD104", "--as-of", day,
            ],
            dir.path(),
        ));
        report["findings"]
            .as_array()
            .unwrap()
            .first()
            .map(|f| f["severity"].as_str().unwrap().to_string())
    };
    assert_eq!(severity_on("2025-06-01"), None);
    assert_eq!(severity_on("2026-06-01").as_deref(), Some("medium"));
    assert_eq!(severity_on("2027-02-02").as_deref(), Some("high"));
    // The configuration file sets it too, and a bad date is a usage error.
    write(dir.path(), "warden.toml", "as-of = \"2027-02-02\"\n");
    assert_eq!(severity_on("2027-02-02").as_deref(), Some("high"));
    let report = json(&warden(
        &["scan", ".", "--format", "json", "--select", "WD104"],
        dir.path(),
    ));
    assert_eq!(report["summary"]["as_of"], "2027-02-02");
    let bad = warden(&["scan", ".", "--as-of", "2026-02-30"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_security_profile_leaves_hygiene_to_well_architected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "template.yaml", HYGIENE_AND_RUNTIME);
    let run = |profile: &str| {
        codes(&json(&warden(
            &[
                "scan",
                ".",
                "--format",
                "json",
                "--profile",
                profile,
                "--as-of",
                "2025-01-01",
            ],
            dir.path(),
        )))
    };
    let security = run("security");
    let all = run("well-architected");
    for hygiene in ["WD105", "WD111", "WD118", "WD124", "WD808"] {
        assert!(!security.contains(&hygiene.to_string()), "{security:?}");
        assert!(all.contains(&hygiene.to_string()), "{all:?}");
    }
    // `--select` names rules whatever the profile.
    let selected = codes(&json(&warden(
        &["scan", ".", "--format", "json", "--select", "WD111"],
        dir.path(),
    )));
    assert_eq!(selected, vec!["WD111".to_string()]);
    let bad = warden(&["scan", ".", "--profile", "paranoid"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn no_findings_is_not_claimed_when_something_was_not_read() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "template.yaml",
        r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionUri: s3://artifacts/openapi.yaml
"#,
    );
    let output = warden(&["scan", ".", "--select", "WD301"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("No findings in"), "{stdout}");
    assert!(
        stdout.contains("Not analysed:") && stdout.contains("s3://artifacts/openapi.yaml"),
        "{stdout}"
    );
    let report = json(&warden(
        &["scan", ".", "--format", "json", "--select", "WD301"],
        dir.path(),
    ));
    assert_eq!(report["notices"][0]["kind"], "definition-not-read");
    assert_eq!(report["summary"]["notices"], 1);
}
