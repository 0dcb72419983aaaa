//! Reads one log message: a platform record, or an application line with the request id,
//! level and timestamp that the runtime's log format put in front of it.
//!
//! The runtimes' shapes (docs/lambda-logs.md §2.4–2.5):
//! - Node.js, .NET: `<ISO ts>\t<requestId>\t<LEVEL>\t<message>`
//! - Python `logging`: `[LEVEL]\t<ISO ts>\t<requestId>\t<message>`
//! - Python unhandled error: `[ERROR] Type: message\nTraceback …`
//! - legacy platform text: `<ISO ts> <requestId> Task timed out after 3.00 seconds`,
//!   `RequestId: <id> Error: Runtime exited with error: …`
//! - Java log4j2: `YYYY-MM-DD HH:MM:SS <requestId> INFO  Class - …`
//! - Go `log`: `YYYY/MM/DD HH:MM:SS <message>`
//! - JSON log format and structured loggers: one JSON object per message.

use serde_json::Value;

use crate::platform::{parse_platform_json, parse_platform_text, Platform};
use crate::time::{parse_rfc3339, parse_timestamp_prefix};

/// A log level, normalised across runtimes (`fail` is .NET's error, `crit` its fatal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    pub fn parse(word: &str) -> Option<Level> {
        let level = match word {
            "TRACE" | "trce" | "trace" | "Trace" => Level::Trace,
            "DEBUG" | "dbug" | "debug" | "Debug" => Level::Debug,
            "INFO" | "info" | "Info" | "Information" => Level::Info,
            "WARN" | "WARNING" | "warn" | "warning" | "Warning" => Level::Warn,
            "ERROR" | "fail" | "error" | "Error" => Level::Error,
            "FATAL" | "CRITICAL" | "crit" | "fatal" | "critical" | "Critical" => Level::Fatal,
            _ => return None,
        };
        Some(level)
    }
}

/// What a message is.
#[derive(Debug)]
pub enum Message<'a> {
    Platform(Platform<'a>),
    App(AppLine<'a>),
}

/// An application line with whatever its prefix told.
#[derive(Debug, Default)]
pub struct AppLine<'a> {
    /// The request id the runtime put in front of the line (or in the JSON record).
    pub request_id: Option<&'a str>,
    pub level: Option<Level>,
    pub timestamp_ms: Option<i64>,
    /// The message after the runtime's prefix.
    pub body: &'a str,
    /// The whole message.
    pub text: &'a str,
    /// The parsed object when the message is JSON.
    pub json: Option<Box<Value>>,
    /// A CloudWatch Embedded Metric Format document: metrics, never an error.
    pub emf: bool,
    /// The line starts a new record (it has a prefix, or is JSON). Lines without one
    /// continue the record before them: the rest of a stack trace in a line-split export.
    pub record_start: bool,
    /// Node prints `undefined` as the request id during init.
    pub init_phase: bool,
    /// A Python `[ERROR] Type: message` line: the runtime's unhandled-error report.
    pub python_unhandled: bool,
}

/// The request id of a JSON application record, whatever the runtime called it.
pub fn json_request_id(json: &Value) -> Option<&str> {
    [
        "requestId",
        "AWSRequestId",
        "function_request_id",
        "aws_request_id",
        "RequestId",
    ]
    .iter()
    .find_map(|key| json.get(key).and_then(Value::as_str))
}

/// Reads one message.
pub fn parse_message(message: &str) -> Message<'_> {
    // CloudWatch messages end with the newline the runtime wrote.
    let text = message.trim_end_matches(['\n', '\r']);
    if let Some(platform) = parse_platform_text(text) {
        return Message::Platform(platform);
    }
    let first = text.as_bytes().first().copied().unwrap_or(b' ');
    if first == b'{' {
        if let Some(message) = parse_json_message(text) {
            return message;
        }
    }
    let mut line = AppLine {
        text,
        body: text,
        ..AppLine::default()
    };
    let mut rest = text;
    // `[LEVEL]` (Python logging, PowerShell `[Information] - `).
    if first == b'[' {
        if let Some(close) = rest.as_bytes().iter().take(14).position(|&b| b == b']') {
            if let Some(level) = Level::parse(&rest[1..close]) {
                line.level = Some(level);
                line.record_start = true;
                let after = &rest[close + 1..];
                // `[ERROR] Type: message`: a space, not a tab, and no timestamp follows.
                line.python_unhandled = level == Level::Error
                    && after.starts_with(' ')
                    && parse_timestamp_prefix(after.trim_start()).is_none();
                rest = after
                    .trim_start_matches([' ', '\t'])
                    .trim_start_matches("- ");
            }
        }
    }
    if rest.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        if let Some((ms, len)) = parse_timestamp_prefix(rest) {
            line.timestamp_ms = Some(ms);
            line.record_start = true;
            rest = rest[len..].trim_start_matches([' ', '\t']);
        }
    }
    if let Some(after) = rest.strip_prefix("RequestId: ") {
        line.record_start = true;
        rest = after;
    }
    let token_end = rest
        .bytes()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let token = &rest[..token_end];
    if looks_like_request_id(token) {
        line.request_id = Some(token);
        rest = rest[token_end..].trim_start_matches([' ', '\t']);
    } else if token == "undefined" && line.timestamp_ms.is_some() {
        line.init_phase = true;
        rest = rest[token_end..].trim_start_matches([' ', '\t']);
    }
    if line.level.is_none() && line.timestamp_ms.is_some() {
        let end = rest
            .bytes()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        if let Some(level) = Level::parse(&rest[..end]) {
            line.level = Some(level);
            rest = rest[end..].trim_start_matches([' ', '\t']);
        }
    }
    line.body = rest;
    Message::App(line)
}

fn parse_json_message(text: &str) -> Option<Message<'_>> {
    let json: Value = serde_json::from_str(text).ok()?;
    let object = json.as_object()?;
    if let (Some(kind), Some(record)) = (
        object.get("type").and_then(Value::as_str),
        object.get("record"),
    ) {
        if kind.starts_with("platform.") {
            return parse_platform_json(kind, record).map(Message::Platform);
        }
    }
    let emf = object
        .get("_aws")
        .is_some_and(|aws| aws.get("CloudWatchMetrics").is_some());
    let level = ["level", "log_level", "levelname", "severity"]
        .iter()
        .find_map(|key| object.get(*key).and_then(Value::as_str))
        .and_then(|l| Level::parse(l).or_else(|| Level::parse(&l.to_ascii_uppercase())));
    let timestamp_ms = ["timestamp", "time", "@timestamp"]
        .iter()
        .find_map(|key| object.get(*key).and_then(Value::as_str))
        .and_then(parse_rfc3339);
    // The id borrows from `text`, not from the parsed value: find the same string there.
    let request_id =
        json_request_id(&json).and_then(|id| text.find(id).map(|at| &text[at..at + id.len()]));
    Some(Message::App(AppLine {
        request_id,
        level,
        timestamp_ms,
        body: text,
        text,
        json: Some(Box::new(json)),
        emf,
        record_start: true,
        init_phase: false,
        python_unhandled: false,
    }))
}

/// Python's runtime reports an unhandled exception as `[ERROR] Type: message`; a logging
/// call's `[ERROR] some text` names no type.
pub fn names_a_type(body: &str) -> bool {
    let head = body.lines().next().unwrap_or("");
    let end = head.find(':').unwrap_or(head.len());
    let name = &head[..end];
    !name.is_empty()
        && name.as_bytes()[0].is_ascii_alphabetic()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// A Lambda request id: a UUID, in practice; the AWS docs' samples put `xmpl` in place of
/// hex digits, so any alphanumerics in the 8-4-4-4-12 shape count. Old Logs API samples
/// use 32 hex digits without dashes.
pub fn looks_like_request_id(token: &str) -> bool {
    let b = token.as_bytes();
    match b.len() {
        36 => {
            b[8] == b'-'
                && b[13] == b'-'
                && b[18] == b'-'
                && b[23] == b'-'
                && [&b[..8], &b[9..13], &b[14..18], &b[19..23], &b[24..]]
                    .iter()
                    .all(|part| part.iter().all(u8::is_ascii_alphanumeric))
        }
        32 => b.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(message: &str) -> AppLine<'_> {
        match parse_message(message) {
            Message::App(line) => line,
            Message::Platform(p) => panic!("platform: {p:?}"),
        }
    }

    #[test]
    fn node_line() {
        let line = app("2019-06-07T19:11:20.564Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tWARN\tEvent not processed.\n");
        assert_eq!(
            line.request_id,
            Some("c793869b-ee49-115b-a5b6-4fd21e8dedac")
        );
        assert_eq!(line.level, Some(Level::Warn));
        assert_eq!(line.body, "Event not processed.");
        assert!(line.record_start);
    }

    #[test]
    fn python_logging_line_with_spaces() {
        let line = app(
            "[INFO]  2020-01-31T22:12:58.534Z    1c8df7d3-xmpl-46da-9778-518e6eca8125    ## EVENT",
        );
        assert_eq!(
            line.request_id,
            Some("1c8df7d3-xmpl-46da-9778-518e6eca8125")
        );
        assert_eq!(line.level, Some(Level::Info));
        assert_eq!(line.body, "## EVENT");
        assert!(!line.python_unhandled);
    }

    #[test]
    fn python_unhandled_error() {
        let line = app("[ERROR] KeyError: 'action'\nTraceback (most recent call last):");
        assert!(line.python_unhandled);
        assert_eq!(line.level, Some(Level::Error));
    }

    #[test]
    fn legacy_timeout_and_runtime_exit() {
        let line = app("2018-08-26T02:13:13.948Z 3364d63a-b18c-5ed6-97c7-85c6bf57800e Task timed out after 30.02 seconds");
        assert_eq!(
            line.request_id,
            Some("3364d63a-b18c-5ed6-97c7-85c6bf57800e")
        );
        assert_eq!(line.body, "Task timed out after 30.02 seconds");
        let line = app("RequestId: b86c93c6-e1d0-11e7-955b-539d8b965ff9 Process exited before completing request");
        assert_eq!(
            line.request_id,
            Some("b86c93c6-e1d0-11e7-955b-539d8b965ff9")
        );
    }

    #[test]
    fn continuation_lines_are_not_record_starts() {
        assert!(!app("  File \"/var/task/app.py\", line 3, in handler").record_start);
        assert!(!app("\tat example.Handler.handleRequest(Handler.java:12)").record_start);
    }

    #[test]
    fn json_records() {
        let line = app(
            r#"{"timestamp":"2024-01-01T00:00:00Z","level":"ERROR","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":"boom"}"#,
        );
        assert_eq!(line.level, Some(Level::Error));
        assert_eq!(
            line.request_id,
            Some("79b4f56e-95b1-4643-9700-2807f4e68189")
        );
        assert!(app(r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"x":[1.0]}"#).emf);
        assert!(matches!(
            parse_message(
                r#"{"time":"2022-10-21T14:05:03.165Z","type":"platform.start","record":{"requestId":"459921b5"}}"#
            ),
            Message::Platform(Platform::Start { .. })
        ));
    }
}
