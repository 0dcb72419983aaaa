//! Renders a Warden scan [`Report`] in one of five [`Format`]s.
//!
//! A report is the findings a scan kept (after suppressions and the baseline), the files
//! that could not be loaded, and a few counts. Each format is written by [`render`]:
//!
//! * `text`: rustc-style diagnostics with a code frame under each finding, then the load
//!   errors and a summary. Meant for people at a terminal.
//! * `json`: the machine-readable contract (see `json.rs` for the exact shape).
//! * `sarif`: SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.
//! * `github`: GitHub Actions workflow commands, so findings show up as annotations.
//! * `junit`: JUnit XML, for CI systems that only understand test reports.
//!
//! Every format orders findings the same way: by file, line, column and rule code.
//! [`fingerprint`] gives each finding an identity that survives unrelated edits; SARIF
//! carries it as a partial fingerprint and the baseline file stores it.
//!
//! ```
//! use warden_diagnostics::{Finding, Risk, Severity, SourceMap, Span};
//! use warden_output::{render, Format, RenderOptions, Report};
//!
//! let mut sources = SourceMap::new();
//! let file = sources.add("template.yaml", "Resources:\n  Fn:\n    Type: X\n".to_string());
//! let report = Report {
//!     findings: vec![Finding {
//!         code: "WDN001",
//!         name: "example-rule",
//!         risk: Risk::Cost,
//!         severity: Severity::Low,
//!         message: "Function `Fn` has an example problem".to_string(),
//!         span: Span::new(file.id, 13, 15),
//!         resource: "Fn".to_string(),
//!         resource_type: "X".to_string(),
//!         help: "Fix the example.".to_string(),
//!         related: vec![],
//!     }],
//!     files_scanned: 1,
//!     resources_scanned: 1,
//!     ..Report::default()
//! };
//! let options = RenderOptions { color: false, tool_version: "0.1.0" };
//! let mut out = Vec::new();
//! render(Format::Github, &report, &sources, &[], &options, &mut out)?;
//! assert!(String::from_utf8(out)?.starts_with("::notice file=template.yaml,line=2,col=3"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::str::FromStr;

use warden_diagnostics::{
    display_path, Date, Finding, LoadError, Location, Notice, Profile, Risk, RuleInfo, Severity,
    SourceMap,
};

mod fingerprint;
mod github;
mod json;
mod junit;
mod sarif;
mod text;

pub use fingerprint::fingerprint;
pub use github::{escape_data, escape_property};
pub use junit::escape_xml;

/// What a scan produced, ready to be rendered.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings left after suppressions and the baseline. Renderers sort them by file, line,
    /// column and code, so their order here does not matter.
    pub findings: Vec<Finding>,
    /// Files that could not be read or parsed, each with the position of the problem.
    pub errors: Vec<LoadError>,
    /// Findings hidden by inline suppressions or the baseline.
    pub suppressed: usize,
    pub files_scanned: usize,
    pub resources_scanned: usize,
    /// What the scan did not analyse (unreadable includes, registry modules ...): without
    /// them, "no findings" would claim more than was checked.
    pub notices: Vec<Notice>,
    /// Findings left out of this report because they are below [`Report::min_severity`].
    pub hidden: SeverityCounts,
    /// The lowest severity reported, when the report is filtered.
    pub min_severity: Option<Severity>,
    /// The day date-dependent rules were judged against (`--as-of`, or today).
    pub as_of: Option<Date>,
    /// The rule profile the scan ran.
    pub profile: Option<Profile>,
}

impl Report {
    /// Sorts findings by file, line, column, code and resource, and errors by position.
    ///
    /// [`render`] does not need this (it sorts a view of its own), but callers that store
    /// findings, such as the baseline writer, want the same order as the output.
    pub fn sort(&mut self, sources: &SourceMap) {
        self.findings.sort_by_cached_key(|finding| {
            let location = locate(finding, sources);
            (
                location.file,
                location.line,
                location.column,
                finding.code,
                finding.resource.clone(),
                finding.message.clone(),
            )
        });
        self.errors.sort_by(compare_errors);
    }

    /// Counts of findings per severity.
    pub fn count_by_severity(&self) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for finding in &self.findings {
            counts.add(finding.severity);
        }
        counts
    }
}

/// How many findings there are of each severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeverityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.info
    }

    /// Non-zero counts from most to least severe.
    pub fn iter(&self) -> impl Iterator<Item = (Severity, usize)> {
        [
            (Severity::Critical, self.critical),
            (Severity::High, self.high),
            (Severity::Medium, self.medium),
            (Severity::Low, self.low),
            (Severity::Info, self.info),
        ]
        .into_iter()
        .filter(|&(_, count)| count > 0)
    }
}

/// An output format. Parses from and displays as its lowercase name, so it can be used
/// directly as a clap argument (`value_parser` picks up [`FromStr`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Human-readable diagnostics with code frames.
    #[default]
    Text,
    /// The JSON report, Warden's stable machine-readable contract.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
    /// JUnit XML test report.
    Junit,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!("unknown format `{text}` (expected text, json, sarif, github or junit)")
            })
    }
}

/// Settings that do not come from the scan itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// Use ANSI colours. Only the `text` format has any.
    pub color: bool,
    /// Warden's version, written into the JSON and SARIF reports.
    pub tool_version: &'static str,
}

/// Writes `report` to `out` in `format`.
///
/// `sources` must hold the files that the findings' spans point into; a finding whose file
/// is missing is still reported, at line 1 of `<unknown>`. `rules` describes the rules in
/// SARIF's rule table; findings of a rule that is not listed get a descriptor made from the
/// finding itself.
pub fn render(
    format: Format,
    report: &Report,
    sources: &SourceMap,
    rules: &[RuleInfo],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let view = View::new(report, sources);
    match format {
        Format::Text => text::render(&view, sources, options, out),
        Format::Json => json::render(&view, sources, options, out),
        Format::Sarif => sarif::render(&view, sources, rules, options, out),
        Format::Github => github::render(&view, out),
        Format::Junit => junit::render(&view, sources, out),
    }
}

/// A report with each finding located and everything in output order.
pub(crate) struct View<'a> {
    pub(crate) report: &'a Report,
    pub(crate) findings: Vec<Located<'a>>,
    pub(crate) errors: Vec<&'a LoadError>,
    pub(crate) notices: Vec<LocatedNotice<'a>>,
    pub(crate) by_severity: SeverityCounts,
}

pub(crate) struct Located<'a> {
    pub(crate) finding: &'a Finding,
    pub(crate) location: Location,
    /// The finding's related places, located, in the finding's order.
    pub(crate) related: Vec<(Location, &'a str)>,
}

pub(crate) struct LocatedNotice<'a> {
    pub(crate) notice: &'a Notice,
    pub(crate) location: Option<Location>,
}

impl<'a> View<'a> {
    fn new(report: &'a Report, sources: &SourceMap) -> Self {
        let mut findings: Vec<Located<'a>> = report
            .findings
            .iter()
            .map(|finding| Located {
                finding,
                location: locate(finding, sources),
                related: finding
                    .related
                    .iter()
                    .filter_map(|related| {
                        Some((sources.locate(related.span)?, related.message.as_str()))
                    })
                    .collect(),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.location.file, a.location.line, a.location.column)
                .cmp(&(&b.location.file, b.location.line, b.location.column))
                .then_with(|| a.finding.code.cmp(b.finding.code))
                .then_with(|| a.finding.resource.cmp(&b.finding.resource))
                .then_with(|| a.finding.message.cmp(&b.finding.message))
        });
        let mut errors: Vec<&LoadError> = report.errors.iter().collect();
        errors.sort_by(|a, b| compare_errors(a, b));
        let mut notices: Vec<LocatedNotice<'a>> = report
            .notices
            .iter()
            .map(|notice| LocatedNotice {
                notice,
                location: notice.span.and_then(|span| sources.locate(span)),
            })
            .collect();
        notices.sort_by(|a, b| {
            let key = |n: &LocatedNotice<'_>| {
                (
                    n.location
                        .as_ref()
                        .map(|l| (l.file.clone(), l.line, l.column)),
                    n.notice.path.clone(),
                    n.notice.message.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        notices.dedup_by(|a, b| {
            a.notice.kind == b.notice.kind
                && a.notice.message == b.notice.message
                && a.location == b.location
        });
        View {
            report,
            findings,
            errors,
            notices,
            by_severity: report.count_by_severity(),
        }
    }

    /// Counts per risk, in [`Risk::ALL`] order, including zeros.
    pub(crate) fn by_risk(&self) -> Vec<(Risk, usize)> {
        Risk::ALL
            .into_iter()
            .map(|risk| {
                let count = self
                    .findings
                    .iter()
                    .filter(|located| located.finding.risk == risk)
                    .count();
                (risk, count)
            })
            .collect()
    }
}

fn compare_errors(a: &LoadError, b: &LoadError) -> Ordering {
    (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
}

/// Where a finding is, or line 1 of `<unknown>` when its file is not in `sources`.
///
/// A span that ends just after a line break (a whole resource up to the next key, say)
/// ends at the end of its last line rather than at column 1 of the line after it.
pub(crate) fn locate(finding: &Finding, sources: &SourceMap) -> Location {
    let Some(mut location) = sources.locate(finding.span) else {
        return Location {
            file: UNKNOWN_FILE.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        };
    };
    if location.end_column == 1 && location.end_line > location.line {
        if let Some(file) = sources.get(finding.span.file) {
            location.end_line -= 1;
            location.end_column = file.line_text(location.end_line - 1).chars().count() + 1;
        }
    }
    location
}

pub(crate) const UNKNOWN_FILE: &str = "<unknown>";

/// A load error's file as shown in reports: forward slashes, no leading `./`.
pub(crate) fn error_path(error: &LoadError) -> String {
    display_path(Path::new(&error.file))
}

/// `1 finding`, `2 findings`.
pub(crate) fn plural(count: usize, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("{count} {singular}")
    } else {
        format!("{count} {plural}")
    }
}
