//! Snapshot and behaviour tests for every output format.
//!
//! JSON and SARIF are snapshotted as the exact text written, so that key order and
//! formatting are pinned too; the tool version is replaced with `[VERSION]`.

mod common;

use common::{finding, fixture, json, output, span_of, OPTIONS, TEMPLATE, URL_WITHOUT_AUTH};
use warden_diagnostics::{FileId, LoadError, SourceMap, Span};
use warden_output::{
    escape_data, escape_property, escape_xml, fingerprint, Format, RenderOptions, Report,
};

fn redact_version(text: &str) -> String {
    let version = format!("\"version\": \"{}\"", OPTIONS.tool_version);
    assert_eq!(text.matches(&version).count(), 1, "{text}");
    text.replace(&version, "\"version\": \"[VERSION]\"")
}

#[test]
fn text_snapshot() {
    let fixture = fixture();
    insta::assert_snapshot!(output(
        Format::Text,
        &fixture.report,
        &fixture.sources,
        &OPTIONS
    ));
}

#[test]
fn json_snapshot() {
    let fixture = fixture();
    let text = output(Format::Json, &fixture.report, &fixture.sources, &OPTIONS);
    insta::assert_snapshot!(redact_version(&text));
}

#[test]
fn sarif_snapshot() {
    let fixture = fixture();
    let text = output(Format::Sarif, &fixture.report, &fixture.sources, &OPTIONS);
    insta::assert_snapshot!(redact_version(&text));
}

#[test]
fn github_snapshot() {
    let fixture = fixture();
    insta::assert_snapshot!(output(
        Format::Github,
        &fixture.report,
        &fixture.sources,
        &OPTIONS
    ));
}

#[test]
fn junit_snapshot() {
    let fixture = fixture();
    insta::assert_snapshot!(output(
        Format::Junit,
        &fixture.report,
        &fixture.sources,
        &OPTIONS
    ));
}

#[test]
fn formats_parse_from_their_lowercase_names() {
    for format in Format::ALL {
        assert_eq!(format.to_string().parse::<Format>(), Ok(format));
    }
    assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
    assert_eq!(Format::default(), Format::Text);
    let error = "yaml".parse::<Format>().unwrap_err();
    assert!(error.contains("unknown format `yaml`"), "{error}");
}

#[test]
fn json_carries_the_version_and_sorted_findings() {
    let fixture = fixture();
    let value = json(Format::Json, &fixture.report, &fixture.sources);
    assert_eq!(value["version"], "0.0.0-test");
    let order: Vec<(String, u64, String)> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["file"].as_str().unwrap().to_string(),
                finding["line"].as_u64().unwrap(),
                finding["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(value["summary"]["findings"], 5);
    assert_eq!(value["summary"]["by_severity"]["critical"], 1);
    assert_eq!(value["summary"]["by_risk"]["over-privileged"], 1);
    assert_eq!(value["summary"]["by_risk"]["cost"], 0);
    // Paths are shown with forward slashes and without `./`.
    assert_eq!(value["findings"][0]["file"], "nested/stack.json");
    assert_eq!(value["findings"][1]["file"], "template.yaml");
}

#[test]
fn text_colour_only_when_asked() {
    let fixture = fixture();
    let plain = output(Format::Text, &fixture.report, &fixture.sources, &OPTIONS);
    assert!(!plain.contains('\x1b'));
    let colored = output(
        Format::Text,
        &fixture.report,
        &fixture.sources,
        &RenderOptions {
            color: true,
            ..OPTIONS
        },
    );
    assert!(colored.contains("\x1b[1;35mWDN201\x1b[0m"), "{colored}");
}

#[test]
fn empty_report_in_every_format() {
    let sources = SourceMap::new();
    let report = Report::default();
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Junit] {
        let text = output(format, &report, &sources, &OPTIONS);
        assert!(!text.is_empty(), "{format} wrote nothing");
    }
    assert_eq!(
        output(Format::Text, &report, &sources, &OPTIONS),
        "No findings in 0 files (0 resources).\n"
    );
    assert_eq!(output(Format::Github, &report, &sources, &OPTIONS), "");
    let value = json(Format::Json, &report, &sources);
    assert_eq!(value["findings"], serde_json::json!([]));
    assert_eq!(value["summary"]["by_severity"]["info"], 0);
}

#[test]
fn clean_scan_is_one_friendly_line() {
    let report = Report {
        suppressed: 1,
        files_scanned: 3,
        resources_scanned: 1,
        ..Report::default()
    };
    assert_eq!(
        output(Format::Text, &report, &SourceMap::new(), &OPTIONS),
        "No findings in 3 files (1 resource); 1 finding suppressed.\n"
    );
}

#[test]
fn odd_spans_and_missing_files_do_not_panic() {
    let mut sources = SourceMap::new();
    let text = "k: é\n";
    let file = sources.add("t.yaml", text.to_string()).id;
    let spans = [
        Span::new(file, text.len(), text.len()),
        Span::new(file, 999, 1000),
        Span::new(file, 4, 5), // inside the two bytes of 'é'
        Span::new(FileId(7), 0, 3),
    ];
    let report = Report {
        findings: spans
            .iter()
            .map(|&span| finding(&URL_WITHOUT_AUTH, span, "", "", "m\r\nn"))
            .collect(),
        errors: vec![LoadError {
            file: String::new(),
            line: 0,
            column: 0,
            message: String::new(),
        }],
        ..Report::default()
    };
    for format in Format::ALL {
        let text = output(format, &report, &sources, &OPTIONS);
        assert!(!text.is_empty());
    }
    let value = json(Format::Json, &report, &sources);
    assert_eq!(value["findings"][0]["file"], "<unknown>");
    // Clamped into the file: inside 'é' (1:4), at the end of the file, and past it.
    assert_eq!(value["findings"][1]["column"], 4);
    assert_eq!(value["findings"][2]["line"], 2);
    assert_eq!(value["findings"][3]["line"], 2);
}

#[test]
fn github_escapes_data_and_properties() {
    assert_eq!(escape_data("100%\r\ndone"), "100%25%0D%0Adone");
    assert_eq!(escape_data("a: b, c"), "a: b, c");
    assert_eq!(escape_property("a: b, c%\n"), "a%3A b%2C c%25%0A");
    // `%` is escaped first, so escapes are not escaped twice.
    assert_eq!(escape_property("%3A"), "%253A");
}

#[test]
fn github_commands_stay_on_one_line() {
    let mut sources = SourceMap::new();
    let file = sources.add("dir,x/a:b.yaml", TEMPLATE.to_string()).id;
    let mut hostile = finding(
        &URL_WITHOUT_AUTH,
        span_of(file, TEMPLATE, "NONE", 0),
        "Fn",
        "T",
        "line one\n::error::injected",
    );
    hostile.help = "50% off".to_string();
    let report = Report {
        findings: vec![hostile],
        ..Report::default()
    };
    let text = output(Format::Github, &report, &sources, &OPTIONS);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert_eq!(
        text,
        "::error file=dir%2Cx/a%3Ab.yaml,line=9,col=19,endLine=9,endColumn=23,\
         title=WDN101 function-url-without-auth::line one%0A::error::injected%0A%0Ahelp: 50%25 off\n"
    );
}

#[test]
fn junit_is_well_formed_and_counts_cases() {
    let fixture = fixture();
    let xml = output(Format::Junit, &fixture.report, &fixture.sources, &OPTIONS);
    let document = roxmltree::Document::parse(&xml).expect("JUnit output is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suite = root
        .children()
        .find(|node| node.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some("warden"));
    let cases: Vec<_> = suite
        .children()
        .filter(|node| node.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        suite.attribute("tests"),
        Some(cases.len().to_string().as_str())
    );
    // Five findings, one of them per (rule, resource): five failures.
    let failures: Vec<_> = document
        .descendants()
        .filter(|node| node.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 5);
    assert_eq!(suite.attribute("failures"), Some("5"));
    assert_eq!(suite.attribute("errors"), Some("2"));
    // The two notices are skipped test cases.
    assert_eq!(suite.attribute("skipped"), Some("2"));
    assert_eq!(
        document
            .descendants()
            .filter(|node| node.has_tag_name("skipped"))
            .count(),
        2
    );
    assert_eq!(
        document
            .descendants()
            .filter(|node| node.has_tag_name("error"))
            .count(),
        2
    );
    // `clean.yaml` has nothing to report and passes.
    assert!(cases
        .iter()
        .any(|case| { case.attribute("name") == Some("clean.yaml") && !case.has_children() }));
    // Attribute values survive quoting, markup and newlines.
    let message = failures
        .iter()
        .find_map(|failure| {
            failure
                .attribute("message")
                .filter(|m| m.contains("every action"))
        })
        .unwrap();
    assert_eq!(
        message,
        "Policy of `ApiFunction` allows every action: \"*\" on \"*\""
    );
}

#[test]
fn junit_groups_findings_of_one_rule_and_resource() {
    let mut sources = SourceMap::new();
    let file = sources.add("t.yaml", TEMPLATE.to_string()).id;
    let report = Report {
        findings: vec![
            finding(
                &URL_WITHOUT_AUTH,
                span_of(file, TEMPLATE, "\"*\"", 0),
                "Fn",
                "T",
                "first",
            ),
            finding(
                &URL_WITHOUT_AUTH,
                span_of(file, TEMPLATE, "\"*\"", 1),
                "Fn",
                "T",
                "second",
            ),
        ],
        ..Report::default()
    };
    let xml = output(Format::Junit, &report, &sources, &OPTIONS);
    let document = roxmltree::Document::parse(&xml).unwrap();
    let failures: Vec<_> = document
        .descendants()
        .filter(|node| node.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1);
    let body = failures[0].text().unwrap();
    assert!(
        body.contains("t.yaml:13:23") && body.contains("t.yaml:14:25"),
        "{body}"
    );
}

#[test]
fn xml_escaping_round_trips_through_a_parser() {
    let hostile = "a<b>&\"c\" 'd'\n\tend\u{0}\u{1b}]]>";
    let xml = format!(
        "<x a=\"{}\">{}</x>",
        escape_xml(hostile),
        escape_xml(hostile)
    );
    let document = roxmltree::Document::parse(&xml).unwrap();
    let expected = "a<b>&\"c\" 'd'\n\tend\u{fffd}\u{fffd}]]>";
    assert_eq!(document.root_element().attribute("a"), Some(expected));
    assert_eq!(document.root_element().text(), Some(expected));
}

#[test]
fn fingerprint_ignores_position_but_not_identity() {
    let moved = format!("# a comment\n\n{TEMPLATE}");
    let mut sources = SourceMap::new();
    let original = sources.add("template.yaml", TEMPLATE.to_string()).id;
    let mut shifted_sources = SourceMap::new();
    let shifted = shifted_sources.add("./template.yaml", moved.clone()).id;

    let message = "Function URL of `ApiFunction` allows unauthenticated calls";
    let here = finding(
        &URL_WITHOUT_AUTH,
        span_of(original, TEMPLATE, "NONE", 0),
        "ApiFunction",
        "AWS::Serverless::Function",
        message,
    );
    let there = finding(
        &URL_WITHOUT_AUTH,
        span_of(shifted, &moved, "NONE", 0),
        "ApiFunction",
        "AWS::Serverless::Function",
        message,
    );
    let fingerprint_here = fingerprint(&here, &sources);
    assert_eq!(fingerprint_here.len(), 16);
    assert!(fingerprint_here.chars().all(|c| c.is_ascii_hexdigit()));
    // Two lines further down: same finding.
    assert_eq!(fingerprint_here, fingerprint(&there, &shifted_sources));

    // Whitespace in the message does not matter either.
    let mut reflowed = here.clone();
    reflowed.message = format!("  {}  ", message.replace(' ', "  "));
    assert_eq!(fingerprint_here, fingerprint(&reflowed, &sources));

    // A different resource, rule, or offending value is a different finding.
    let mut other_resource = here.clone();
    other_resource.resource = "OtherFunction".to_string();
    assert_ne!(fingerprint_here, fingerprint(&other_resource, &sources));
    let mut other_rule = here.clone();
    other_rule.code = "WDN102";
    assert_ne!(fingerprint_here, fingerprint(&other_rule, &sources));
    let mut other_value = here.clone();
    other_value.span = span_of(original, TEMPLATE, "python3.8", 0);
    assert_ne!(fingerprint_here, fingerprint(&other_value, &sources));

    // Pinned: the scheme must not drift between versions or platforms, since baselines
    // store it. Change this only together with the `warden/v1` scheme tag.
    assert_eq!(fingerprint_here, "bb730b3ffc997dbb");
}

#[test]
fn every_format_carries_notices_and_related_locations() {
    let fixture = fixture();
    for format in Format::ALL {
        let text = output(format, &fixture.report, &fixture.sources, &OPTIONS);
        assert!(
            text.contains("was not read") && text.contains("registry"),
            "{format} lacks the notices:\n{text}"
        );
        if format != Format::Github {
            assert!(
                text.contains("template.yaml:10:7")
                    || text.contains("\"startLine\": 10")
                    || text.contains("\"line\": 10"),
                "{format} lacks the related location:\n{text}"
            );
        }
    }
    let value = json(Format::Json, &fixture.report, &fixture.sources);
    assert_eq!(value["notices"].as_array().map(Vec::len), Some(2));
    assert_eq!(value["notices"][1]["path"], "s3://bucket/api.yaml");
    assert_eq!(value["summary"]["notices"], 2);
    assert_eq!(value["summary"]["hidden"], 3);
    assert_eq!(value["summary"]["as_of"], "2026-12-01");
    let sarif = json(Format::Sarif, &fixture.report, &fixture.sources);
    let notes: Vec<_> = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["level"] == "note")
        .collect();
    assert_eq!(notes.len(), 2);
    let related = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "WDN201")
        .unwrap()["relatedLocations"]
        .clone();
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 10);
}

#[test]
fn no_findings_is_only_claimed_when_everything_was_read() {
    let mut report = Report {
        files_scanned: 1,
        resources_scanned: 1,
        ..Report::default()
    };
    let clean = output(Format::Text, &report, &SourceMap::new(), &OPTIONS);
    assert!(clean.starts_with("No findings in 1 file"), "{clean}");
    report.notices.push(warden_diagnostics::Notice::new(
        "include-not-read",
        "`api.yaml` was not read",
    ));
    let partial = output(Format::Text, &report, &SourceMap::new(), &OPTIONS);
    assert!(!partial.contains("No findings in"), "{partial}");
    assert!(partial.contains("Not analysed:") && partial.contains("1 item not analysed"));
    report.notices.clear();
    report.hidden.low = 2;
    report.min_severity = Some(warden_diagnostics::Severity::Medium);
    let hidden = output(Format::Text, &report, &SourceMap::new(), &OPTIONS);
    assert!(
        hidden.contains("2 findings hidden below medium (2 low)"),
        "{hidden}"
    );
}
