//! Per-rule fixtures: `fixtures/<CODE>/violating.<ext>` must raise the rule and
//! `compliant.<ext>` must not, for every input format the rule declares:
//!
//! | format | fixtures |
//! |---|---|
//! | cloudformation, sam | `violating.yaml`, `violating.json` (and `compliant.*`) |
//! | serverless | `violating.serverless.yml` |
//! | terraform | `violating.tf` |
//!
//! A fixture for a format the rule does not declare is an error too, so that `warden rules`
//! tells the truth. The violating findings are snapshotted (line, column, resource,
//! message) so that a change in where or how a rule reports is reviewed.

use std::fmt::Write;
use std::path::PathBuf;

use warden_diagnostics::Date;
use warden_diagnostics::SourceMap;
use warden_iac::{load_text, LoadOptions};
use warden_rules::{all_rules, check_template, CheckOptions};

fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
}

/// Fixtures are judged as of a fixed day, so that snapshots do not change with the calendar.
fn fixture_options() -> CheckOptions {
    CheckOptions {
        as_of: Date::parse("2026-12-01").expect("valid date"),
    }
}

fn run(code: &str, file: &str) -> Option<String> {
    let path = fixture_dir().join(code).join(file);
    let text = std::fs::read_to_string(&path).ok()?;
    let mut sources = SourceMap::new();
    let display = format!("fixtures/{code}/{file}");
    let template = load_text(&mut sources, &display, &text, &LoadOptions::default())
        .unwrap_or_else(|error| panic!("{display} does not load: {error}"))
        .unwrap_or_else(|| panic!("{display} is not recognised as a template"));
    let findings = check_template(&template, &|meta| meta.code == code, &fixture_options());
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
        for related in &finding.related {
            let place = sources.locate(related.span).expect("span in a known file");
            writeln!(
                rendered,
                "    also {}:{}:{} {}",
                place.file, place.line, place.column, related.message
            )
            .unwrap();
        }
    }
    Some(rendered)
}

/// Fixture file suffixes (after `violating.` / `compliant.`) and their snapshot names, for
/// one declared format.
fn fixture_kinds(format: &str) -> &'static [(&'static str, &'static str)] {
    match format {
        "cloudformation" | "sam" => &[("yaml", "yaml"), ("json", "json")],
        "serverless" => &[("serverless.yml", "serverless")],
        "terraform" => &[("tf", "terraform")],
        // Live data has no fixture files: `warden-audit`'s tests run the live rules on a
        // seeded moto account and on recorded AWS answers.
        "live" => &[],
        other => panic!("unknown format `{other}`"),
    }
}

fn declared_kinds(formats: &[&str]) -> Vec<(&'static str, &'static str)> {
    let mut kinds: Vec<_> = formats
        .iter()
        .flat_map(|format| fixture_kinds(format).iter().copied())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[test]
fn every_rule_has_fixtures_for_exactly_its_formats() {
    let mut problems = Vec::new();
    for rule in all_rules() {
        let meta = rule.meta();
        let kinds = declared_kinds(meta.formats);
        for (suffix, _) in &kinds {
            for side in ["violating", "compliant"] {
                let file = format!("{side}.{suffix}");
                if !fixture_dir().join(meta.code).join(&file).exists() {
                    problems.push(format!("missing {}/{file}", meta.code));
                }
            }
        }
        let Ok(entries) = std::fs::read_dir(fixture_dir().join(meta.code)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let suffix = name.split_once('.').map_or("", |(_, suffix)| suffix);
            if !kinds.iter().any(|(known, _)| *known == suffix) {
                problems.push(format!(
                    "{}/{name} is for a format the rule does not declare ({:?})",
                    meta.code, meta.formats
                ));
            }
        }
    }
    assert!(problems.is_empty(), "fixture problems: {problems:#?}");
}

#[test]
fn violating_fixtures_raise_their_rule() {
    for rule in all_rules() {
        let code = rule.meta().code;
        for (suffix, snapshot) in declared_kinds(rule.meta().formats) {
            let Some(rendered) = run(code, &format!("violating.{suffix}")) else {
                continue;
            };
            assert!(
                !rendered.is_empty(),
                "{code}/violating.{suffix} raised nothing"
            );
            insta::assert_snapshot!(format!("{code}_{snapshot}"), rendered);
        }
    }
}

#[test]
fn compliant_fixtures_are_clean() {
    for rule in all_rules() {
        let code = rule.meta().code;
        for (suffix, _) in declared_kinds(rule.meta().formats) {
            if let Some(rendered) = run(code, &format!("compliant.{suffix}")) {
                assert!(
                    rendered.is_empty(),
                    "{code}/compliant.{suffix} raised:\n{rendered}"
                );
            }
        }
    }
}
