//! Validates Warden's SARIF against the official SARIF 2.1.0 JSON schema, offline.
//!
//! The schema is vendored in `tests/data` (see the README there for its provenance). It
//! declares JSON Schema draft-04, whose meta-schema the `jsonschema` crate ships, and it
//! only refers to its own `#/definitions`, so nothing is fetched.

mod common;

use common::{fixture, json};
use serde_json::Value;
use warden_diagnostics::SourceMap;
use warden_output::{Format, Report};

fn validator() -> jsonschema::Validator {
    let text = include_str!("data/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(text).expect("the vendored schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the vendored schema compiles")
}

fn assert_valid(sarif: &Value) {
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not match the schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_matches_the_schema() {
    let fixture = fixture();
    let sarif = json(Format::Sarif, &fixture.report, &fixture.sources);
    assert_valid(&sarif);
}

#[test]
fn empty_sarif_matches_the_schema() {
    let sarif = json(Format::Sarif, &Report::default(), &SourceMap::new());
    assert_valid(&sarif);
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn the_schema_rejects_broken_sarif() {
    // Guards against a validator that accepts anything (e.g. a schema that failed to load).
    let fixture = fixture();
    let mut sarif = json(Format::Sarif, &fixture.report, &fixture.sources);
    sarif["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator().is_valid(&sarif));
    let mut sarif = json(Format::Sarif, &fixture.report, &fixture.sources);
    sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!validator().is_valid(&sarif));
}

#[test]
fn sarif_has_what_github_needs() {
    let fixture = fixture();
    let sarif = json(Format::Sarif, &fixture.report, &fixture.sources);
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // Four described rules plus WDN501, which only appears in a finding.
    assert_eq!(rules.len(), 5);
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let fingerprint = result["partialFingerprints"]["warden/v1"].as_str().unwrap();
        assert_eq!(fingerprint.len(), 16);
        let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uriBaseId"], "%SRCROOT%");
        assert!(!location["uri"].as_str().unwrap().contains('\\'));
    }
    let severity = |code: &str| {
        rules.iter().find(|rule| rule["id"] == code).unwrap()["properties"]["security-severity"]
            .clone()
    };
    assert_eq!(severity("WDN201"), "9.5");
    assert_eq!(severity("WDN101"), "8.0");
    assert_eq!(severity("WDN301"), "5.5");
    assert_eq!(severity("WDN401"), "3.0");
    assert_eq!(severity("WDN501"), "1.0");
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    // Two load errors and two notes for what was not analysed.
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    let level = |name: &str| notifications.iter().filter(|n| n["level"] == name).count();
    assert_eq!((level("error"), level("note")), (2, 2));
}
