//! SARIF 2.1.0, as GitHub code scanning reads it.
//!
//! One run, with one rule descriptor per rule and one result per finding. GitHub needs a
//! few things beyond the schema, all of which are here:
//!
//! * `properties.security-severity` on each rule (a number as a string) so alerts get a
//!   severity, and a `security` tag so they are filed as security alerts;
//! * relative `uri`s with forward slashes, resolved against `%SRCROOT%`;
//! * `partialFingerprints`, so alerts are tracked across commits even when lines move.
//!
//! Files that could not be loaded are reported as `toolExecutionNotifications` on the one
//! invocation, which GitHub shows on its tool status page; what was not analysed (notices)
//! is reported there too, as notes. Other places that share a finding's cause (the other
//! functions of a shared role) are the result's `relatedLocations`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use warden_diagnostics::{Finding, RuleInfo, Severity, SourceMap};

use crate::{error_path, fingerprint, RenderOptions, View};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/warden-dev/warden";
/// The key of Warden's partial fingerprint; the version matches the fingerprint scheme.
pub(crate) const FINGERPRINT_KEY: &str = "warden/v1";
const SOURCE_ROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: MultiformatText,
    full_description: MultiformatText,
    help: MultiformatText,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct MultiformatText {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties {
    tags: Vec<&'static str>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<ResultLocation<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation<'a> {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fully_qualified_name: Option<String>,
}

#[derive(Serialize)]
struct ResultProperties {
    severity: Severity,
    risk: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<NotificationLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<NotificationProperties>,
}

#[derive(Serialize)]
struct NotificationProperties {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    physical_location: PhysicalLocation,
}

pub(crate) fn render(
    view: &View<'_>,
    sources: &SourceMap,
    rules: &[RuleInfo],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let table = RuleTable::new(rules, view);

    let results = view
        .findings
        .iter()
        .map(|located| {
            let finding = located.finding;
            let location = &located.location;
            let mut logical_locations = Vec::new();
            if !finding.resource.is_empty() {
                logical_locations.push(LogicalLocation {
                    name: &finding.resource,
                    kind: "resource",
                    fully_qualified_name: (!finding.resource_type.is_empty())
                        .then(|| format!("{}::{}", finding.resource_type, finding.resource)),
                });
            }
            SarifResult {
                rule_id: finding.code,
                rule_index: table.index_of(finding.code),
                level: level(finding.severity),
                message: Message {
                    text: finding.message.clone(),
                },
                locations: vec![ResultLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: artifact_location(&location.file),
                        region: Some(Region {
                            start_line: location.line.max(1),
                            start_column: location.column.max(1),
                            end_line: Some(location.end_line.max(location.line).max(1)),
                            end_column: Some(location.end_column.max(1)),
                        }),
                    },
                    logical_locations,
                }],
                related_locations: located
                    .related
                    .iter()
                    .enumerate()
                    .map(|(index, (place, message))| RelatedLocation {
                        id: index + 1,
                        physical_location: physical(place),
                        message: Message {
                            text: message.to_string(),
                        },
                    })
                    .collect(),
                partial_fingerprints: BTreeMap::from([(
                    FINGERPRINT_KEY,
                    fingerprint(finding, sources),
                )]),
                properties: ResultProperties {
                    severity: finding.severity,
                    risk: finding.risk.slug(),
                },
            }
        })
        .collect();

    let mut notifications = view
        .errors
        .iter()
        .map(|error| Notification {
            level: "error",
            message: Message {
                text: error.message.clone(),
            },
            locations: vec![NotificationLocation {
                physical_location: PhysicalLocation {
                    artifact_location: artifact_location(&error_path(error)),
                    region: (error.line > 0).then(|| Region {
                        start_line: error.line,
                        start_column: error.column.max(1),
                        end_line: None,
                        end_column: None,
                    }),
                },
            }],
            properties: None,
        })
        .collect::<Vec<_>>();
    let execution_successful = notifications.is_empty();
    for located in &view.notices {
        let notice = located.notice;
        let mut text = notice.message.clone();
        if let Some(help) = &notice.help {
            text.push(' ');
            text.push_str(help);
        }
        notifications.push(Notification {
            level: "note",
            message: Message { text },
            locations: located
                .location
                .iter()
                .map(|location| NotificationLocation {
                    physical_location: physical(location),
                })
                .collect(),
            properties: Some(NotificationProperties {
                kind: notice.kind,
                path: notice.path.clone(),
            }),
        });
    }

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "warden",
                    version: options.tool_version,
                    information_uri: INFORMATION_URI,
                    rules: table.descriptors(),
                },
            },
            invocations: vec![Invocation {
                execution_successful,
                tool_execution_notifications: notifications,
            }],
            results,
            // Warden counts columns in characters, not UTF-16 code units.
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn physical(location: &warden_diagnostics::Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact_location(&location.file),
        region: Some(Region {
            start_line: location.line.max(1),
            start_column: location.column.max(1),
            end_line: Some(location.end_line.max(location.line).max(1)),
            end_column: Some(location.end_column.max(1)),
        }),
    }
}

/// The rules in the SARIF rule table: those the caller described, then any that only
/// appear in findings, so that every result's `ruleIndex` points at a descriptor.
struct RuleTable<'a> {
    entries: Vec<Entry<'a>>,
}

enum Entry<'a> {
    Known(&'a RuleInfo),
    FromFinding(&'a Finding),
}

impl<'a> RuleTable<'a> {
    fn new(rules: &'a [RuleInfo], view: &View<'a>) -> Self {
        let mut entries: Vec<Entry<'a>> = Vec::with_capacity(rules.len());
        for rule in rules {
            if !entries.iter().any(|entry| entry.code() == rule.code) {
                entries.push(Entry::Known(rule));
            }
        }
        for located in &view.findings {
            let finding = located.finding;
            if !entries.iter().any(|entry| entry.code() == finding.code) {
                entries.push(Entry::FromFinding(finding));
            }
        }
        RuleTable { entries }
    }

    fn index_of(&self, code: &str) -> usize {
        self.entries
            .iter()
            .position(|entry| entry.code() == code)
            .unwrap_or_default()
    }

    fn descriptors(&self) -> Vec<Descriptor<'a>> {
        self.entries.iter().map(Entry::descriptor).collect()
    }
}

impl<'a> Entry<'a> {
    fn code(&self) -> &'a str {
        match self {
            Entry::Known(rule) => rule.code,
            Entry::FromFinding(finding) => finding.code,
        }
    }

    fn descriptor(&self) -> Descriptor<'a> {
        let (code, name, risk, severity, summary, docs) = match self {
            Entry::Known(rule) => (
                rule.code,
                rule.name,
                rule.risk,
                rule.severity,
                rule.summary,
                rule.docs,
            ),
            Entry::FromFinding(finding) => (
                finding.code,
                finding.name,
                finding.risk,
                finding.severity,
                finding.name,
                "",
            ),
        };
        let summary = if summary.trim().is_empty() {
            name
        } else {
            summary.trim()
        };
        let docs = docs.trim();
        Descriptor {
            id: code,
            name,
            short_description: MultiformatText {
                text: summary.to_string(),
                markdown: None,
            },
            full_description: MultiformatText {
                text: what_it_does(docs).unwrap_or(summary).to_string(),
                markdown: None,
            },
            help: MultiformatText {
                text: if docs.is_empty() { summary } else { docs }.to_string(),
                markdown: (!docs.is_empty()).then(|| docs.to_string()),
            },
            default_configuration: Configuration {
                level: level(severity),
            },
            properties: DescriptorProperties {
                tags: vec!["security", risk.slug()],
                security_severity: security_severity(severity),
            },
        }
    }
}

/// The body of the `## What it does` section of a rule's documentation.
fn what_it_does(docs: &str) -> Option<&str> {
    let start = docs.find("## What it does")?;
    let body = &docs[start + "## What it does".len()..];
    let end = body.find("\n#").unwrap_or(body.len());
    let body = body[..end].trim();
    (!body.is_empty()).then_some(body)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub maps these to critical (9.0+), high (7.0+), medium (4.0+) and low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// A relative path becomes a percent-encoded URI relative to `%SRCROOT%`; an absolute one a
/// `file://` URI.
fn artifact_location(path: &str) -> ArtifactLocation {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let has_drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if has_drive {
        ArtifactLocation {
            uri: format!("file:///{}:{}", &path[..1], encode_path(&path[2..])),
            uri_base_id: None,
        }
    } else if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", encode_path(&path)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encode_path(&path),
            uri_base_id: Some(SOURCE_ROOT),
        }
    }
}

/// Percent-encodes everything but unreserved characters and `/` (RFC 3986).
fn encode_path(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for &byte in path.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_to_srcroot_and_encoded() {
        let location = artifact_location("dir\\my template.yaml");
        assert_eq!(location.uri, "dir/my%20template.yaml");
        assert_eq!(location.uri_base_id, Some(SOURCE_ROOT));
        assert_eq!(artifact_location("é.json").uri, "%C3%A9.json");
        assert_eq!(artifact_location("a:b.yaml").uri, "a%3Ab.yaml");
    }

    #[test]
    fn absolute_paths_become_file_uris() {
        let location = artifact_location("/abs/t.yaml");
        assert_eq!(location.uri, "file:///abs/t.yaml");
        assert_eq!(location.uri_base_id, None);
        assert_eq!(
            artifact_location("C:\\x\\t.yaml").uri,
            "file:///C:/x/t.yaml"
        );
    }

    #[test]
    fn what_it_does_takes_the_first_section() {
        let docs = "## What it does\nChecks X.\n\n## Why is this bad?\nBecause.";
        assert_eq!(what_it_does(docs), Some("Checks X."));
        assert_eq!(what_it_does("no headings"), None);
    }
}
