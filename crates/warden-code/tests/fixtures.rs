//! Per-rule fixtures: `fixtures/<CODE>/` holds a violating and a compliant handler for each
//! language (`violating.py`, `violating.js`, `violating-ts.ts`, and `compliant.*`), and a
//! `template.yaml` where the rule needs one (otherwise each handler sits behind its own
//! unauthenticated API route). Every line a finding must point at carries an `expect: CODE`
//! comment; the test requires exactly those findings, none on compliant code, and
//! snapshots the findings with their paths.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use warden_diagnostics::SourceMap;
use warden_iac::{load_text, LoadOptions};

const LANGUAGES: &[(&str, &str, &str)] = &[
    ("Python", "", "python3.12"),
    ("JavaScript", "", "nodejs20.x"),
    ("TypeScript", "-ts", "nodejs20.x"),
];

fn fixture_dir(code: &str) -> PathBuf {
    Path::new("fixtures").join(code)
}

fn default_template() -> String {
    let mut out = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\nResources:\n",
    );
    for (language, suffix, runtime) in LANGUAGES {
        for side in ["Violating", "Compliant"] {
            let file = format!("{}{suffix}", side.to_ascii_lowercase());
            let _ = write!(
                out,
                "  {side}{language}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n      Handler: {file}.handler\n      Runtime: {runtime}\n      Events:\n        Api:\n          Type: Api\n          Properties:\n            Path: /{side}{language}\n            Method: post\n"
            );
        }
    }
    out
}

struct Outcome {
    rendered: String,
    found: BTreeSet<(String, usize)>,
    expected: BTreeSet<(String, usize)>,
    resources: BTreeSet<String>,
}

fn run(code: &str) -> Outcome {
    let dir = fixture_dir(code);
    let template_path = dir.join("template.yaml");
    let text = std::fs::read_to_string(&template_path).unwrap_or_else(|_| default_template());
    let mut sources = SourceMap::new();
    let template = load_text(&mut sources, &template_path, &text, &LoadOptions::default())
        .unwrap_or_else(|error| panic!("{code}: template does not load: {error}"))
        .expect("a template");
    let templates = vec![template];
    let report = warden_code::analyse(&templates, &mut sources, &|meta| meta.code == code);
    let mut rendered = String::new();
    let mut found = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for finding in &report.findings {
        let location = sources.locate(finding.span).expect("located");
        let file = location.file.replace('\\', "/");
        found.insert((file.clone(), location.line));
        resources.insert(finding.resource.clone());
        let _ = writeln!(
            rendered,
            "{file}:{}:{} {} [{}] {}: {}",
            location.line,
            location.column,
            finding.code,
            finding.severity,
            finding.resource,
            finding.message
        );
        for step in &finding.path {
            let at = sources.locate(step.span).expect("located step");
            let _ = writeln!(
                rendered,
                "    {}:{}: {}",
                at.file.replace('\\', "/"),
                at.line,
                step.message
            );
        }
    }
    let mut expected = BTreeSet::new();
    let marker = format!("expect: {code}");
    for entry in std::fs::read_dir(&dir).expect("fixture folder") {
        let path = entry.expect("entry").path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            if line.contains(&marker) {
                expected.insert((path.display().to_string().replace('\\', "/"), index + 1));
            }
        }
    }
    Outcome {
        rendered,
        found,
        expected,
        resources,
    }
}

#[test]
fn every_rule_has_fixtures_for_each_language() {
    for info in warden_code::rule_infos() {
        let dir = fixture_dir(info.code);
        for (_, suffix, _) in LANGUAGES {
            for side in ["violating", "compliant"] {
                let extension = match suffix {
                    &"-ts" => "ts",
                    _ => "",
                };
                let candidates: Vec<PathBuf> = if extension.is_empty() {
                    vec![
                        dir.join(format!("{side}.py")),
                        dir.join(format!("{side}.js")),
                    ]
                } else {
                    vec![dir.join(format!("{side}-ts.ts"))]
                };
                for candidate in candidates {
                    assert!(candidate.is_file(), "missing {}", candidate.display());
                }
            }
        }
    }
}

#[test]
fn findings_are_exactly_the_expected_ones() {
    let mut problems = Vec::new();
    let (mut true_positives, mut false_positives, mut missed) = (0, 0, 0);
    for info in warden_code::rule_infos() {
        let outcome = run(info.code);
        for unexpected in outcome.found.difference(&outcome.expected) {
            false_positives += 1;
            problems.push(format!(
                "{}: unexpected finding at {unexpected:?}",
                info.code
            ));
        }
        for absent in outcome.expected.difference(&outcome.found) {
            missed += 1;
            problems.push(format!("{}: no finding at {absent:?}", info.code));
        }
        true_positives += outcome.found.intersection(&outcome.expected).count();
        for resource in &outcome.resources {
            if !resource.starts_with("Violating") {
                problems.push(format!("{}: finding on compliant `{resource}`", info.code));
            }
        }
        for (language, _, _) in LANGUAGES {
            if !outcome.resources.contains(&format!("Violating{language}")) {
                problems.push(format!(
                    "{}: nothing found in Violating{language}",
                    info.code
                ));
            }
        }
        insta::assert_snapshot!(info.code, outcome.rendered);
    }
    eprintln!(
        "fixture corpus: {true_positives} true positives, {false_positives} false positives, {missed} missed"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}
