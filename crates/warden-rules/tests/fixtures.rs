//! Per-rule fixtures: `fixtures/<CODE>/violating.{yaml,json}` must raise the rule and
//! `compliant.{yaml,json}` must not. The violating findings are snapshotted (line, column,
//! resource, message) so that a change in where or how a rule reports is reviewed.

use std::fmt::Write;
use std::path::PathBuf;

use warden_diagnostics::SourceMap;
use warden_iac::{load_text, LoadOptions};
use warden_rules::{all_rules, check_template};

fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

fn run(code: &str, file: &str) -> Option<String> {
    let path = fixture_dir().join(code).join(file);
    let text = std::fs::read_to_string(&path).ok()?;
    let mut sources = SourceMap::new();
    let display = format!("fixtures/{code}/{file}");
    let template = load_text(&mut sources, &display, &text, &LoadOptions::default())
        .unwrap_or_else(|error| panic!("{display} does not load: {error}"))
        .unwrap_or_else(|| panic!("{display} is not recognised as a template"));
    let findings = check_template(&template, &|meta| meta.code == code);
    let mut rendered = String::new();
    for finding in &findings {
        let location = sources.locate(finding.span).expect("span in a known file");
        writeln!(
            rendered,
            "{}:{}:{} {} [{}] {} ({}): {}",
            location.file,
            location.line,
            location.column,
            finding.code,
            finding.severity,
            finding.resource,
            finding.resource_type,
            finding.message
        )
        .unwrap();
    }
    Some(rendered)
}

#[test]
fn every_rule_has_violating_and_compliant_fixtures() {
    let mut missing = Vec::new();
    for rule in all_rules() {
        let code = rule.meta().code;
        for file in [
            "violating.yaml",
            "compliant.yaml",
            "violating.json",
            "compliant.json",
        ] {
            if !fixture_dir().join(code).join(file).exists() {
                missing.push(format!("{code}/{file}"));
            }
        }
    }
    assert!(missing.is_empty(), "missing fixtures: {missing:#?}");
}

#[test]
fn violating_fixtures_raise_their_rule() {
    for rule in all_rules() {
        let code = rule.meta().code;
        for format in ["yaml", "json"] {
            let Some(rendered) = run(code, &format!("violating.{format}")) else {
                continue;
            };
            assert!(
                !rendered.is_empty(),
                "{code}/violating.{format} raised nothing"
            );
            insta::assert_snapshot!(format!("{code}_{format}"), rendered);
        }
    }
}

#[test]
fn compliant_fixtures_are_clean() {
    for rule in all_rules() {
        let code = rule.meta().code;
        for format in ["yaml", "json"] {
            if let Some(rendered) = run(code, &format!("compliant.{format}")) {
                assert!(
                    rendered.is_empty(),
                    "{code}/compliant.{format} raised:\n{rendered}"
                );
            }
        }
    }
}
