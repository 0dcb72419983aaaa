//! Suppressions work in code as in templates: a `warden:ignore CODE reason` comment on the
//! sink's line or the line above, `Metadata.warden.skip` on the function; no reason, no
//! suppression.

use warden_diagnostics::SourceMap;
use warden_iac::{load_text, LoadOptions};

const TEMPLATE: &str = "Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: python3.12
";

fn scan(handler: &str, template: &str) -> warden_code::CodeReport {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(dir.path().join("app.py"), handler).unwrap();
    let path = dir.path().join("template.yaml");
    std::fs::write(&path, template).unwrap();
    let mut sources = SourceMap::new();
    let loaded = load_text(&mut sources, &path, template, &LoadOptions::default())
        .expect("loads")
        .expect("a template");
    warden_code::analyse(&[loaded], &mut sources, &|_| true)
}

const SINK: &str = "import os\n\ndef handler(event, context):\n";

#[test]
fn a_comment_with_a_reason_suppresses_the_code_finding() {
    let open = scan(&format!("{SINK}    os.system(event['cmd'])\n"), TEMPLATE);
    assert_eq!(open.findings.len(), 1, "{:?}", open.findings);
    let above = scan(
        &format!("{SINK}    # warden:ignore WD001 the event comes from our own scheduler\n    os.system(event['cmd'])\n"),
        TEMPLATE,
    );
    assert!(above.findings.is_empty());
    assert_eq!(above.suppressed, 1);
    let same_line = scan(
        &format!("{SINK}    os.system(event['cmd'])  # warden:ignore event-data-to-shell trusted input\n"),
        TEMPLATE,
    );
    assert!(same_line.findings.is_empty());
}

#[test]
fn a_comment_without_a_reason_is_reported_and_not_applied() {
    let report = scan(
        &format!("{SINK}    os.system(event['cmd'])  # warden:ignore WD001\n"),
        TEMPLATE,
    );
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.problems.len(), 1);
}

#[test]
fn function_metadata_skips_its_code_findings() {
    let template = TEMPLATE.replace(
        "    Properties:\n",
        "    Metadata:\n      warden:\n        skip:\n          - rule: WD001\n            reason: internal tool\n    Properties:\n",
    );
    let report = scan(&format!("{SINK}    os.system(event['cmd'])\n"), &template);
    assert!(report.findings.is_empty());
    assert_eq!(report.suppressed, 1);
}
