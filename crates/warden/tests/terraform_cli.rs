//! `warden scan` on Terraform: a finding on a `.tf` file points at the right line, and a
//! `terraform show -json` plan is scanned by content; `--var` binds variables.

use std::path::Path;
use std::process::Output;

mod common;
use common::warden;

fn findings(output: &Output) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    report["findings"].as_array().unwrap().clone()
}

const MAIN_TF: &str = r#"variable "auth" {
  type    = string
  default = "NONE"
}

resource "aws_lambda_function" "notifier" {
  function_name = "notifier"
  runtime       = "python3.12"
  handler       = "app.handler"
}

resource "aws_lambda_function_url" "notifier" {
  function_name      = aws_lambda_function.notifier.function_name
  authorization_type = var.auth
}
"#;

/// The rule code reporting a function URL without authentication.
fn url_rule(dir: &Path) -> String {
    let output = warden(&["scan", ".", "--format", "json", "--fail-on", "none"], dir);
    let found = findings(&output);
    let url = found
        .iter()
        .find(|f| {
            f["resource"] == "aws_lambda_function_url.notifier"
                && f["message"].as_str().unwrap().contains("NONE")
        })
        .unwrap_or_else(|| panic!("no URL finding in {found:#?}"));
    url["rule"].as_str().unwrap().to_string()
}

#[test]
fn terraform_finding_points_at_the_attribute_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN_TF).unwrap();
    let rule = url_rule(dir.path());
    let output = warden(
        &["scan", ".", "--format", "json", "--select", &rule],
        dir.path(),
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let found = findings(&output);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = &found[0];
    assert_eq!(finding["file"], "main.tf");
    assert_eq!(finding["resource"], "aws_lambda_function_url.notifier");
    assert_eq!(finding["resource_type"], "aws_lambda_function_url");
    // The value comes from the variable's default, on line 3.
    assert_eq!(finding["line"], 3, "{finding:#}");

    // `--var` wins over the default: with IAM auth the finding goes away.
    let output = warden(
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--select",
            &rule,
            "--var",
            "auth=AWS_IAM",
        ],
        dir.path(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(findings(&output).is_empty());
}

#[test]
fn plan_json_is_scanned_by_content() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), MAIN_TF).unwrap();
    let rule = url_rule(dir.path());
    std::fs::remove_file(dir.path().join("main.tf")).unwrap();
    let plan = r#"{
  "format_version": "1.2",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_lambda_function.notifier",
          "mode": "managed",
          "type": "aws_lambda_function",
          "name": "notifier",
          "values": { "function_name": "notifier", "runtime": "python3.12" }
        },
        {
          "address": "aws_lambda_function_url.notifier",
          "mode": "managed",
          "type": "aws_lambda_function_url",
          "name": "notifier",
          "values": {
            "function_name": "notifier",
            "authorization_type": "NONE"
          }
        }
      ]
    }
  },
  "configuration": {
    "root_module": {
      "resources": [
        {
          "address": "aws_lambda_function_url.notifier",
          "expressions": { "function_name": { "references": ["aws_lambda_function.notifier.function_name"] } }
        }
      ]
    }
  }
}
"#;
    std::fs::write(dir.path().join("tfplan.json"), plan).unwrap();
    let output = warden(
        &["scan", ".", "--format", "json", "--select", &rule],
        dir.path(),
    );
    let found = findings(&output);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["file"], "tfplan.json");
    assert_eq!(found[0]["resource"], "aws_lambda_function_url.notifier");
    // The `authorization_type` value in the plan.
    assert_eq!(found[0]["line"], 20);
}

#[test]
fn local_modules_are_reported_once_through_their_caller() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("modules/notifier")).unwrap();
    std::fs::write(dir.path().join("modules/notifier/main.tf"), MAIN_TF).unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "module \"notifier\" {\n  source = \"./modules/notifier\"\n  auth   = \"NONE\"\n}\n",
    )
    .unwrap();
    let output = warden(
        &["scan", ".", "--format", "json", "--select", "WD201"],
        dir.path(),
    );
    let found = findings(&output);
    let resources: Vec<&str> = found
        .iter()
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    // Once, addressed through the module; not a second time as a root module of its own.
    assert_eq!(
        resources,
        ["module.notifier.aws_lambda_function_url.notifier"]
    );
}
