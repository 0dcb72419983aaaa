//! JUnit XML, for CI systems that only show test reports.
//!
//! One `testsuite` named `warden`. Each (rule, resource) pair with findings is a failing
//! `testcase` whose body lists every location; each scanned file without findings or
//! errors is a passing `testcase`; each file that could not be loaded is a `testcase` with
//! an `<error>`; each thing that was not analysed (a notice) is a `<skipped>` test case.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write};

use warden_diagnostics::SourceMap;

use crate::{error_path, Located, View};

/// Findings of one rule in one resource.
struct Case<'v, 'a> {
    findings: Vec<&'v Located<'a>>,
}

pub(crate) fn render(view: &View<'_>, sources: &SourceMap, out: &mut dyn Write) -> io::Result<()> {
    // Group in output order, so the first finding of a group decides its position.
    let mut cases: Vec<Case<'_, '_>> = Vec::new();
    let mut index: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for located in &view.findings {
        let finding = located.finding;
        let key = (
            located.location.file.as_str(),
            finding.code,
            finding.resource.as_str(),
        );
        match index.get(&key) {
            Some(&case) => cases[case].findings.push(located),
            None => {
                index.insert(key, cases.len());
                cases.push(Case {
                    findings: vec![located],
                });
            }
        }
    }

    // Files that were read but produced nothing to report pass.
    let reported: HashSet<String> = view
        .findings
        .iter()
        .map(|located| located.location.file.clone())
        .chain(view.errors.iter().map(|error| error_path(error)))
        .collect();
    let passing: Vec<String> = sources
        .files()
        .iter()
        .map(|file| file.display_path())
        .filter(|path| !reported.contains(path))
        .collect();

    let tests = cases.len() + passing.len() + view.errors.len() + view.notices.len();
    let failures = cases.len();
    let errors = view.errors.len();
    let skipped = view.notices.len();

    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!("tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\"");
    let _ = writeln!(xml, "<testsuites name=\"warden\" {counts}>");
    let _ = writeln!(
        xml,
        "  <testsuite name=\"warden\" {counts} skipped=\"{skipped}\">"
    );

    for case in &cases {
        let first = case.findings[0].finding;
        let file = &case.findings[0].location.file;
        let severity = case
            .findings
            .iter()
            .map(|located| located.finding.severity)
            .max()
            .unwrap_or(first.severity);
        let _ = writeln!(
            xml,
            "    <testcase name=\"{}\" classname=\"{}\">",
            escape_xml(&format!(
                "{} {} ({})",
                first.code, first.name, first.resource
            )),
            escape_xml(file),
        );
        let mut body = String::new();
        for located in &case.findings {
            let finding = located.finding;
            let location = &located.location;
            let _ = writeln!(
                body,
                "{} [{}] {}\n  at {}:{}:{}\n  resource: {} ({})",
                finding.code,
                finding.severity,
                finding.message,
                location.file,
                location.line,
                location.column,
                finding.resource,
                finding.resource_type,
            );
            for (place, message) in &located.related {
                let _ = writeln!(
                    body,
                    "  also: {}:{}:{} {message}",
                    place.file, place.line, place.column
                );
            }
            if !finding.help.trim().is_empty() {
                let help = finding.help.trim().replace('\n', "\n        ");
                let _ = writeln!(body, "  help: {help}");
            }
        }
        let _ = writeln!(
            xml,
            "      <failure message=\"{}\" type=\"{}\">{}</failure>",
            escape_xml(&first.message),
            severity,
            escape_text(body.trim_end()),
        );
        xml.push_str("    </testcase>\n");
    }

    for path in &passing {
        let _ = writeln!(
            xml,
            "    <testcase name=\"{0}\" classname=\"{0}\"/>",
            escape_xml(path)
        );
    }

    for error in &view.errors {
        let path = error_path(error);
        let place = if error.line == 0 {
            path.clone()
        } else {
            format!("{path}:{}:{}", error.line, error.column)
        };
        let _ = writeln!(
            xml,
            "    <testcase name=\"load {0}\" classname=\"{0}\">",
            escape_xml(&path)
        );
        let _ = writeln!(
            xml,
            "      <error message=\"{}\" type=\"load-error\">{}</error>",
            escape_xml(&error.message),
            escape_text(&format!("{place}: {}", error.message)),
        );
        xml.push_str("    </testcase>\n");
    }

    for located in &view.notices {
        let notice = located.notice;
        let place = located.location.as_ref().map_or_else(
            || notice.path.clone().unwrap_or_default(),
            |location| format!("{}:{}:{}", location.file, location.line, location.column),
        );
        let _ = writeln!(
            xml,
            "    <testcase name=\"not analysed: {}\" classname=\"{}\">",
            escape_xml(notice.kind),
            escape_xml(&place)
        );
        let _ = writeln!(
            xml,
            "      <skipped message=\"{}\"/>",
            escape_xml(&notice.message)
        );
        xml.push_str("    </testcase>\n");
    }

    xml.push_str("  </testsuite>\n</testsuites>\n");
    out.write_all(xml.as_bytes())
}

/// Escapes text for an XML 1.0 attribute value (and, conservatively, for element content).
///
/// Besides the five markup characters, line breaks and tabs become character references,
/// so that attribute values keep them, and characters XML 1.0 cannot contain at all, such
/// as NUL and most other C0 controls, become U+FFFD.
pub fn escape_xml(text: &str) -> String {
    escape(text, true)
}

/// Escapes element content, where newlines and tabs may stay as they are.
fn escape_text(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, attribute: bool) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\r' => escaped.push_str("&#13;"),
            '\n' if attribute => escaped.push_str("&#10;"),
            '\t' if attribute => escaped.push_str("&#9;"),
            '\n' | '\t' => escaped.push(ch),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                escaped.push(char::REPLACEMENT_CHARACTER)
            }
            _ => escaped.push(ch),
        }
    }
    escaped
}
