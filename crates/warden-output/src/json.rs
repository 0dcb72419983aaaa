//! The JSON report: Warden's machine-readable contract.
//!
//! ```json
//! {
//!   "version": "0.1.0",
//!   "findings": [{"rule", "name", "risk", "severity", "message", "file", "line", "column",
//!                 "end_line", "end_column", "resource", "resource_type", "help", "fingerprint",
//!                 "related": [{"file", "line", "column", "end_line", "end_column", "message"}]}],
//!   "errors": [{"file", "line", "column", "message"}],
//!   "notices": [{"kind", "message", "file"?, "line"?, "column"?, "path"?, "help"?}],
//!   "summary": {"files_scanned", "resources_scanned", "findings", "suppressed", "errors",
//!               "notices", "hidden", "as_of"?, "profile"?,
//!               "by_severity": {"critical", "high", "medium", "low", "info"},
//!               "by_risk": {"event-injection": 0, ...}}
//! }
//! ```
//!
//! Fields are only ever added. `by_risk` lists every risk, zeros included, in a fixed order.

use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use warden_diagnostics::{Location, Risk, Severity, SourceMap};

use crate::{error_path, fingerprint, RenderOptions, SeverityCounts, View};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: &'a str,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    notices: Vec<JsonNotice<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonNotice<'a> {
    kind: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    risk: Risk,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    resource: &'a str,
    resource_type: &'a str,
    help: &'a str,
    fingerprint: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: String,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    resources_scanned: usize,
    findings: usize,
    suppressed: usize,
    errors: usize,
    notices: usize,
    /// Findings below `min_severity`, left out of this report.
    hidden: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    as_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'static str>,
    by_severity: SeverityCounts,
    by_risk: ByRisk,
}

/// Counts per risk slug, serialized as an object in [`Risk::ALL`] order.
struct ByRisk(Vec<(Risk, usize)>);

impl Serialize for ByRisk {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (risk, count) in &self.0 {
            map.serialize_entry(risk.slug(), count)?;
        }
        map.end()
    }
}

pub(crate) fn render(
    view: &View<'_>,
    sources: &SourceMap,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let report = JsonReport {
        version: options.tool_version,
        findings: view
            .findings
            .iter()
            .map(|located| {
                let finding = located.finding;
                let location = &located.location;
                JsonFinding {
                    rule: finding.code,
                    name: finding.name,
                    risk: finding.risk,
                    severity: finding.severity,
                    message: &finding.message,
                    file: &location.file,
                    line: location.line,
                    column: location.column,
                    end_line: location.end_line,
                    end_column: location.end_column,
                    resource: &finding.resource,
                    resource_type: &finding.resource_type,
                    help: &finding.help,
                    fingerprint: fingerprint(finding, sources),
                    related: located
                        .related
                        .iter()
                        .map(|(place, message)| related(place, message))
                        .collect(),
                }
            })
            .collect(),
        errors: view
            .errors
            .iter()
            .map(|error| JsonError {
                file: error_path(error),
                line: error.line,
                column: error.column,
                message: &error.message,
            })
            .collect(),
        notices: view
            .notices
            .iter()
            .map(|located| {
                let notice = located.notice;
                JsonNotice {
                    kind: notice.kind,
                    message: &notice.message,
                    file: located.location.as_ref().map(|l| l.file.as_str()),
                    line: located.location.as_ref().map(|l| l.line),
                    column: located.location.as_ref().map(|l| l.column),
                    path: notice.path.as_deref(),
                    help: notice.help.as_deref(),
                }
            })
            .collect(),
        summary: Summary {
            files_scanned: view.report.files_scanned,
            resources_scanned: view.report.resources_scanned,
            findings: view.findings.len(),
            suppressed: view.report.suppressed,
            errors: view.errors.len(),
            notices: view.notices.len(),
            hidden: view.report.hidden.total(),
            as_of: view.report.as_of.map(|date| date.to_string()),
            profile: view.report.profile.map(|profile| profile.as_str()),
            by_severity: view.by_severity,
            by_risk: ByRisk(view.by_risk()),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

fn related<'a>(place: &'a Location, message: &'a str) -> JsonRelated<'a> {
    JsonRelated {
        file: &place.file,
        line: place.line,
        column: place.column,
        end_line: place.end_line,
        end_column: place.end_column,
        message,
    }
}
