//! Lambda's own records: the `START` / `END` / `REPORT` / `INIT_*` / `RESTORE_*` /
//! `EXTENSION` text lines and their JSON twins (`platform.*` records of the JSON log
//! format and the Telemetry API).
//!
//! Text fields are read as `Label: value [unit]` tokens, never by position: tabs, spaces
//! and a stray space before a tab all occur in real lines, fields come and go between
//! runtime generations (`Restore Duration`, `Status`, `Error Type`), and the XRAY part may be
//! on the same line or the next one (docs/lambda-logs.md §2.2).

use std::borrow::Cow;

use serde_json::Value;

use crate::time::parse_rfc3339;

/// One platform record, text or JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum Platform<'a> {
    Start {
        request_id: Cow<'a, str>,
        version: Option<Cow<'a, str>>,
        trace_id: Option<String>,
    },
    End {
        request_id: Cow<'a, str>,
    },
    Report(Box<ReportFields<'a>>),
    /// `INIT_START` / `platform.initStart`: a new sandbox begins its init phase.
    InitStart {
        runtime_version: Option<Cow<'a, str>>,
        initialization_type: Option<String>,
    },
    /// `platform.initRuntimeDone`.
    InitRuntimeDone {
        status: Option<String>,
        error_type: Option<String>,
    },
    /// `INIT_REPORT` / `platform.initReport`: only printed in text when init failed or timed
    /// out; `phase: invoke` is the "suppressed init" retried inside an invocation.
    InitReport {
        duration_ms: Option<f64>,
        phase: Option<Cow<'a, str>>,
        status: Option<Cow<'a, str>>,
        error_type: Option<Cow<'a, str>>,
    },
    /// `RESTORE_START` / `platform.restoreStart`: a SnapStart restore.
    RestoreStart,
    /// `RESTORE_REPORT` / `platform.restoreReport` / `platform.restoreRuntimeDone`.
    RestoreReport {
        duration_ms: Option<f64>,
        status: Option<Cow<'a, str>>,
        error_type: Option<Cow<'a, str>>,
    },
    /// `platform.runtimeDone`: the runtime's verdict for one request.
    RuntimeDone {
        request_id: String,
        status: Option<String>,
        error_type: Option<String>,
    },
    /// A standalone `XRAY TraceId:` line (the second line of a REPORT event in text exports).
    Xray {
        trace_id: Cow<'a, str>,
    },
    /// `EXTENSION`, `TELEMETRY`, `LOGS` lines and their JSON twins: sandbox bookkeeping.
    Extension,
    /// `platform.logsDropped`: the extension lost records, so counts may be low.
    LogsDropped {
        records: u64,
    },
    /// `platform.fault` (Logs API): `RequestId: … Process exited before completing request`.
    Fault {
        text: String,
    },
    /// A line with a platform keyword whose fields could not be read, e.g.
    /// `REPORT invalid report log line`.
    Malformed,
}

/// The fields of a `REPORT` line or `platform.report` record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportFields<'a> {
    pub request_id: Cow<'a, str>,
    pub duration_ms: Option<f64>,
    pub billed_duration_ms: Option<f64>,
    pub memory_size_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
    pub init_duration_ms: Option<f64>,
    pub restore_duration_ms: Option<f64>,
    pub billed_restore_duration_ms: Option<f64>,
    /// `timeout` or `error` in text; JSON also says `success` / `failure`.
    pub status: Option<Cow<'a, str>>,
    pub error_type: Option<Cow<'a, str>>,
    pub xray_trace_id: Option<Cow<'a, str>>,
}

/// Recognises a platform text line. `None` means the message is not one (application
/// output); a platform keyword with unreadable fields gives [`Platform::Malformed`].
pub fn parse_platform_text(message: &str) -> Option<Platform<'_>> {
    let first = *message.as_bytes().first()?;
    // Cheap reject: every platform line starts with an upper-case keyword.
    if !matches!(first, b'S' | b'E' | b'R' | b'I' | b'X' | b'T' | b'L') {
        return None;
    }
    let (keyword, rest) = split_keyword(message)?;
    let platform = match keyword {
        "START" => {
            let mut request_id = None;
            let mut version = None;
            for_each_field(rest, |label, value| match label {
                "RequestId" => request_id = Some(value),
                "Version" => version = Some(Cow::Borrowed(value)),
                _ => {}
            });
            match request_id {
                Some(id) => Platform::Start {
                    request_id: Cow::Borrowed(id),
                    version,
                    trace_id: None,
                },
                None => Platform::Malformed,
            }
        }
        "END" => {
            let mut request_id = None;
            for_each_field(rest, |label, value| {
                if label == "RequestId" {
                    request_id = Some(value);
                }
            });
            match request_id {
                Some(id) => Platform::End {
                    request_id: Cow::Borrowed(id),
                },
                None => Platform::Malformed,
            }
        }
        "REPORT" => {
            let mut report = ReportFields::default();
            let mut has_id = false;
            for_each_field(rest, |label, value| match label {
                "RequestId" => {
                    report.request_id = Cow::Borrowed(value);
                    has_id = true;
                }
                "Duration" => report.duration_ms = number(value),
                "Billed Duration" => report.billed_duration_ms = number(value),
                "Memory Size" => report.memory_size_mb = number(value).map(|v| v as u32),
                "Max Memory Used" => report.max_memory_used_mb = number(value).map(|v| v as u32),
                "Init Duration" => report.init_duration_ms = number(value),
                "Restore Duration" => report.restore_duration_ms = number(value),
                "Billed Restore Duration" => report.billed_restore_duration_ms = number(value),
                "Status" => report.status = Some(Cow::Borrowed(value)),
                "Error Type" => report.error_type = Some(Cow::Borrowed(value)),
                "XRAY TraceId" => report.xray_trace_id = Some(Cow::Borrowed(value)),
                _ => {}
            });
            if has_id && report.duration_ms.is_some() {
                Platform::Report(Box::new(report))
            } else {
                Platform::Malformed
            }
        }
        "INIT_START" => {
            let mut runtime_version = None;
            for_each_field(rest, |label, value| {
                if label == "Runtime Version" {
                    runtime_version = Some(Cow::Borrowed(value));
                }
            });
            Platform::InitStart {
                runtime_version,
                initialization_type: None,
            }
        }
        "INIT_REPORT" => {
            let (mut duration_ms, mut phase, mut status, mut error_type) = (None, None, None, None);
            for_each_field(rest, |label, value| match label {
                "Init Duration" => duration_ms = number(value),
                "Phase" => phase = Some(Cow::Borrowed(value)),
                "Status" => status = Some(Cow::Borrowed(value)),
                "Error Type" => error_type = Some(Cow::Borrowed(value)),
                _ => {}
            });
            Platform::InitReport {
                duration_ms,
                phase,
                status,
                error_type,
            }
        }
        "RESTORE_START" => Platform::RestoreStart,
        "RESTORE_REPORT" => {
            let (mut duration_ms, mut status, mut error_type) = (None, None, None);
            for_each_field(rest, |label, value| match label {
                "Restore Duration" => duration_ms = number(value),
                "Status" => status = Some(Cow::Borrowed(value)),
                "Error Type" => error_type = Some(Cow::Borrowed(value)),
                _ => {}
            });
            Platform::RestoreReport {
                duration_ms,
                status,
                error_type,
            }
        }
        "XRAY" => {
            let mut trace_id = None;
            for_each_field(message, |label, value| {
                if label == "XRAY TraceId" {
                    trace_id = Some(value);
                }
            });
            match trace_id {
                Some(id) => Platform::Xray {
                    trace_id: Cow::Borrowed(id),
                },
                None => return None,
            }
        }
        "EXTENSION" | "TELEMETRY" | "LOGS" => {
            // Only with the `Name:` field: "LOGS" alone is a plausible application word.
            if !rest.trim_start().starts_with("Name:") {
                return None;
            }
            Platform::Extension
        }
        _ => return None,
    };
    Some(platform)
}

/// Splits `KEYWORD<whitespace>rest`. The keyword must be followed by whitespace or end the
/// message, so `STARTING up` is not a START line.
fn split_keyword(message: &str) -> Option<(&str, &str)> {
    let end = message
        .bytes()
        .position(|b| !(b.is_ascii_uppercase() || b == b'_'))
        .unwrap_or(message.len());
    let keyword = &message[..end];
    let rest = &message[end..];
    if keyword.is_empty() || !(rest.is_empty() || rest.as_bytes()[0].is_ascii_whitespace()) {
        return None;
    }
    Some((keyword, rest))
}

/// Calls `visit(label, value)` for each `Label words: value [unit]` in `text`.
///
/// Values are one token; a following `ms` / `MB` unit is skipped. Labels are the words
/// between two values, normalised to single spaces, so unknown future labels pass by.
fn for_each_field<'t>(text: &'t str, mut visit: impl FnMut(&str, &'t str)) {
    let mut label = String::new();
    let mut tokens = text
        .split(|c: char| c.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
        .peekable();
    while let Some(token) = tokens.next() {
        if let Some(word) = token.strip_suffix(':') {
            if !label.is_empty() {
                label.push(' ');
            }
            label.push_str(word);
            if let Some(value) = tokens.next() {
                if matches!(tokens.peek(), Some(&"ms") | Some(&"MB")) {
                    tokens.next();
                }
                visit(&label, value);
            }
            label.clear();
        } else {
            if !label.is_empty() {
                label.push(' ');
            }
            // Bound the label so a long free-text tail cannot grow it without limit.
            if label.len() < 64 {
                label.push_str(token);
            }
        }
    }
}

fn number(value: &str) -> Option<f64> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Maps a JSON platform record (`{"time", "type": "platform.*", "record"}`) to a
/// [`Platform`]. Returns `None` for types that are not platform records.
pub fn parse_platform_json(kind: &str, record: &Value) -> Option<Platform<'static>> {
    let text = |key: &str| record.get(key).and_then(Value::as_str).map(str::to_owned);
    let cow = |key: &str| text(key).map(Cow::Owned);
    let metric = |key: &str| {
        record
            .get("metrics")
            .and_then(|m| m.get(key))
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    let trace_id = || {
        record
            .get("tracing")
            .and_then(|t| t.get("value"))
            .and_then(Value::as_str)
            .and_then(|v| v.split(';').find_map(|part| part.strip_prefix("Root=")))
            .map(str::to_owned)
    };
    let platform = match kind {
        "platform.start" => Platform::Start {
            request_id: Cow::Owned(text("requestId")?),
            version: cow("version"),
            trace_id: trace_id(),
        },
        "platform.end" => Platform::End {
            request_id: Cow::Owned(text("requestId")?),
        },
        "platform.report" => Platform::Report(Box::new(ReportFields {
            request_id: Cow::Owned(text("requestId")?),
            duration_ms: metric("durationMs"),
            billed_duration_ms: metric("billedDurationMs"),
            memory_size_mb: metric("memorySizeMB").map(|v| v as u32),
            max_memory_used_mb: metric("maxMemoryUsedMB").map(|v| v as u32),
            init_duration_ms: metric("initDurationMs"),
            restore_duration_ms: metric("restoreDurationMs"),
            billed_restore_duration_ms: None,
            status: cow("status"),
            error_type: cow("errorType"),
            xray_trace_id: trace_id().map(Cow::Owned),
        })),
        "platform.runtimeDone" => Platform::RuntimeDone {
            request_id: text("requestId")?,
            status: text("status"),
            error_type: text("errorType"),
        },
        "platform.initStart" => Platform::InitStart {
            runtime_version: cow("runtimeVersion"),
            initialization_type: text("initializationType"),
        },
        "platform.initRuntimeDone" => Platform::InitRuntimeDone {
            status: text("status"),
            error_type: text("errorType"),
        },
        "platform.initReport" => Platform::InitReport {
            duration_ms: metric("durationMs"),
            phase: cow("phase"),
            status: cow("status"),
            error_type: cow("errorType"),
        },
        "platform.restoreStart" => Platform::RestoreStart,
        "platform.restoreRuntimeDone" | "platform.restoreReport" => Platform::RestoreReport {
            duration_ms: metric("durationMs"),
            status: cow("status"),
            error_type: cow("errorType"),
        },
        "platform.extension" | "platform.telemetrySubscription" | "platform.logsSubscription" => {
            Platform::Extension
        }
        "platform.logsDropped" => Platform::LogsDropped {
            records: record
                .get("droppedRecords")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        },
        "platform.fault" => Platform::Fault {
            text: record
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| record.to_string()),
        },
        _ => return None,
    };
    Some(platform)
}

/// The `time` of a Telemetry / JSON-format envelope, in Unix milliseconds.
pub fn envelope_time(document: &Value) -> Option<i64> {
    document
        .get("time")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(line: &str) -> ReportFields<'_> {
        match parse_platform_text(line) {
            Some(Platform::Report(r)) => *r,
            other => panic!("not a report: {other:?}"),
        }
    }

    #[test]
    fn report_with_tabs_init_and_trailing_tab() {
        let r = report("REPORT RequestId: 01b0e4ee-b1bf-489b-b78c-d2ec23c2edf7\tDuration: 2.02 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 31 MB\tInit Duration: 83.50 ms\t");
        assert_eq!(r.request_id, "01b0e4ee-b1bf-489b-b78c-d2ec23c2edf7");
        assert_eq!(r.duration_ms, Some(2.02));
        assert_eq!(r.billed_duration_ms, Some(3.0));
        assert_eq!(r.memory_size_mb, Some(128));
        assert_eq!(r.max_memory_used_mb, Some(31));
        assert_eq!(r.init_duration_ms, Some(83.5));
        assert_eq!(r.status, None);
    }

    #[test]
    fn report_with_spaces_status_and_restore() {
        let r = report("REPORT RequestId: 595492f6-5916-4b98-94e5-a1079dfab87b Duration: 5000.00 ms Billed Duration: 5579 ms Memory Size: 3008 MB Max Memory Used: 113 MB Init Duration: 578.07 ms Status: timeout");
        assert_eq!(r.status.as_deref(), Some("timeout"));
        assert_eq!(r.billed_duration_ms, Some(5579.0));
        let r = report("REPORT RequestId: b771fecc-1b53-4faf-922d-1d74357b1676\tDuration: 306.34 ms\tBilled Duration: 610 ms\tMemory Size: 3009 MB\tMax Memory Used: 155 MB\tRestore Duration: 511.25 ms\tBilled Restore Duration: 303 ms\t");
        assert_eq!(r.restore_duration_ms, Some(511.25));
        assert_eq!(r.billed_restore_duration_ms, Some(303.0));
        assert_eq!(r.init_duration_ms, None);
        let r = report("REPORT RequestId: f8400400-dd9e-4025-b644-4c78df3287c7\tDuration: 1338.34 ms\tBilled Duration: 1339 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tStatus: error\tError Type: Runtime.UserCodeSyntaxError");
        assert_eq!(r.error_type.as_deref(), Some("Runtime.UserCodeSyntaxError"));
    }

    #[test]
    fn report_with_xray_on_the_next_line_and_stray_space() {
        let r = report("REPORT RequestId: f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb\tDuration: 619.31 ms\tBilled Duration: 700 ms \tMemory Size: 128 MB\tMax Memory Used: 118 MB\t\nXRAY TraceId: 1-5e61292c-cc1229a4dfbeae1043928548\tSegmentId: 07a85e713f6302b2\tSampled: true\t\n");
        assert_eq!(r.billed_duration_ms, Some(700.0));
        assert_eq!(
            r.xray_trace_id.as_deref(),
            Some("1-5e61292c-cc1229a4dfbeae1043928548")
        );
    }

    #[test]
    fn other_platform_lines() {
        assert!(matches!(
            parse_platform_text("INIT_REPORT Init Duration: 9999.79 ms    Phase: init    Status: timeout"),
            Some(Platform::InitReport { status: Some(s), .. }) if s == "timeout"
        ));
        assert!(matches!(
            parse_platform_text("RESTORE_REPORT Restore Duration: 511.25 ms"),
            Some(Platform::RestoreReport { duration_ms: Some(d), .. }) if d == 511.25
        ));
        assert!(matches!(
            parse_platform_text("START RequestId: abc Version: $LATEST\n"),
            Some(Platform::Start { request_id, version: Some(v), .. }) if request_id == "abc" && v == "$LATEST"
        ));
        assert_eq!(
            parse_platform_text(
                "EXTENSION\tName: datadog-agent\tState: Ready\tEvents: [INVOKE,SHUTDOWN]"
            ),
            Some(Platform::Extension)
        );
        assert_eq!(
            parse_platform_text("REPORT invalid report log line"),
            Some(Platform::Malformed)
        );
        assert_eq!(parse_platform_text("STARTING the engine"), None);
        assert_eq!(parse_platform_text("LOGS are great"), None);
        assert_eq!(parse_platform_text("Event not processed."), None);
    }

    #[test]
    fn json_report_with_status() {
        let doc: Value = serde_json::from_str(r#"{"time": "2024-10-18T19:38:39.661Z", "type": "platform.report", "record": {"requestId": "b441820a", "metrics": {"durationMs": 30000.0, "billedDurationMs": 30000, "memorySizeMB": 128, "maxMemoryUsedMB": 74, "initDurationMs": 985.413}, "status": "timeout"}}"#).unwrap();
        let Some(Platform::Report(r)) = parse_platform_json("platform.report", &doc["record"])
        else {
            panic!()
        };
        assert_eq!(r.status.as_deref(), Some("timeout"));
        assert_eq!(r.memory_size_mb, Some(128));
        assert_eq!(r.init_duration_ms, Some(985.413));
        assert_eq!(envelope_time(&doc), Some(1_729_280_319_661));
    }
}
