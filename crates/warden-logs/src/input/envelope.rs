//! Recognises what a JSON document is and turns it into log events:
//!
//! | keys | what |
//! |---|---|
//! | `awslogs.data` | subscription event for a Lambda forwarder (gzip or zlib, base64) |
//! | `messageType`, `logEvents` | decoded subscription payload; `CONTROL_MESSAGE` dropped |
//! | `requestId`, `records[].data` | Firehose HTTP endpoint body (also transformation events) |
//! | `Records[].kinesis.data` | Kinesis Data Streams event carrying subscription payloads |
//! | `events[]` | `aws logs get-log-events` / `filter-log-events` output |
//! | `results[][]{field,value}` | Logs Insights `get-query-results` (newest first) |
//! | `time`, `type`, `record` | Telemetry API event / JSON log format record |
//! | `LogResult` | `aws lambda invoke --log-type Tail` output |
//! | `message` and `logStreamName` / `eventId` / …, or a Lambda line in `message` | one log event per line (`jq -c '.events[]'`), a forwarder's record |
//! | an array | a Telemetry API batch, or a list of records |
//! | anything else | an application's structured log line (Powertools, EMF, …) |

use std::io::Read;

use base64::Engine;
use flate2::read::{MultiGzDecoder, ZlibDecoder};
use serde_json::Value;

use crate::event::{EventSink, InputProblem, LogEvent};
use crate::input::text::TextDecoder;
use crate::input::SourceContext;
use crate::message::{parse_message, Message};
use crate::platform::{envelope_time, Platform};

/// Largest decompressed record accepted by default ([`EventSink::max_record_bytes`]):
/// guards against compression bombs.
pub const MAX_DECOMPRESSED: u64 = 64 << 20;
/// Envelopes inside envelopes (Firehose record → subscription payload) nest this deep at most.
const MAX_NESTING: u32 = 4;

/// Dispatches one JSON document. `raw` is its source text when it was read from one, used
/// as the message of application records so they are not re-serialised.
pub fn dispatch(
    value: &Value,
    raw: Option<&str>,
    context: &SourceContext,
    location: &str,
    sink: &mut impl EventSink,
) {
    dispatch_nested(value, raw, context, location, sink, 0);
}

fn dispatch_nested(
    value: &Value,
    raw: Option<&str>,
    context: &SourceContext,
    location: &str,
    sink: &mut impl EventSink,
    nesting: u32,
) {
    if nesting > MAX_NESTING {
        problem(sink, location, "envelopes nested too deep");
        return;
    }
    let object = match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if !sink.wants_more() {
                    return;
                }
                dispatch_nested(
                    item,
                    None,
                    context,
                    &format!("{location}, item {}", i + 1),
                    sink,
                    nesting + 1,
                );
            }
            return;
        }
        Value::Object(object) => object,
        _ => {
            problem(sink, location, "expected a JSON object or array");
            return;
        }
    };
    if let Some(awslogs) = object.get("awslogs") {
        match awslogs.get("data").and_then(Value::as_str) {
            Some(data) => decode_subscription_data(data, context, location, sink, nesting),
            None => problem(sink, location, "`awslogs` without a `data` string"),
        }
    } else if object.contains_key("messageType") || object.contains_key("logEvents") {
        subscription(object, context, location, sink);
    } else if let Some(records) = object.get("records").and_then(Value::as_array) {
        // Firehose HTTP endpoint body or Firehose transformation event.
        for (i, record) in records.iter().enumerate() {
            if !sink.wants_more() {
                return;
            }
            let location = format!("{location}, record {}", i + 1);
            match record.get("data").and_then(Value::as_str) {
                Some(data) => decode_encoded(data, context, &location, sink, nesting),
                None => problem(sink, &location, "record without a `data` string"),
            }
        }
    } else if let Some(records) = object.get("Records").and_then(Value::as_array) {
        for (i, record) in records.iter().enumerate() {
            if !sink.wants_more() {
                return;
            }
            let location = format!("{location}, record {}", i + 1);
            match record.pointer("/kinesis/data").and_then(Value::as_str) {
                Some(data) => decode_encoded(data, context, &location, sink, nesting),
                None => problem(
                    sink,
                    &location,
                    "`Records` entry without `kinesis.data` (not a Kinesis event)",
                ),
            }
        }
    } else if let Some(events) = object.get("events").and_then(Value::as_array) {
        log_events(events, context, location, sink);
    } else if let Some(results) = object.get("results").and_then(Value::as_array) {
        insights_results(object, results, context, location, sink);
    } else if let (Some(kind), Some(record)) = (
        object.get("type").and_then(Value::as_str),
        object.get("record"),
    ) {
        telemetry(value, kind, record, raw, context, sink);
    } else if let Some(log) = object.get("LogResult").and_then(Value::as_str) {
        match base64::engine::general_purpose::STANDARD.decode(log.trim()) {
            Ok(bytes) => text_lines(&bytes, context, sink),
            Err(error) => problem(
                sink,
                location,
                &format!("`LogResult` is not base64: {error}"),
            ),
        }
    } else if object.contains_key("StatusCode") && object.contains_key("ExecutedVersion") {
        // `aws lambda invoke` metadata without logs: nothing to read.
    } else if is_wrapped_log_event(object) {
        log_event(object, context, sink);
    } else {
        let message = match raw {
            Some(raw) if !raw.contains('\n') => std::borrow::Cow::Borrowed(raw),
            _ => std::borrow::Cow::Owned(value.to_string()),
        };
        sink.event(LogEvent {
            timestamp_ms: None,
            message: &message,
            log_group: &context.log_group,
            log_stream: &context.log_stream,
            ..LogEvent::default()
        });
    }
}

fn problem(sink: &mut impl EventSink, location: &str, message: &str) {
    sink.problem(InputProblem {
        location: location.to_owned(),
        message: message.to_owned(),
    });
}

/// A decoded subscription payload.
fn subscription(
    object: &serde_json::Map<String, Value>,
    context: &SourceContext,
    location: &str,
    sink: &mut impl EventSink,
) {
    if object.get("messageType").and_then(Value::as_str) == Some("CONTROL_MESSAGE") {
        sink.control_message();
        return;
    }
    let text = |key: &str| object.get(key).and_then(Value::as_str).unwrap_or("");
    let group = match text("logGroup") {
        "" => context.log_group.as_str(),
        g => g,
    };
    let stream = match text("logStream") {
        "" => context.log_stream.as_str(),
        s => s,
    };
    let Some(events) = object.get("logEvents").and_then(Value::as_array) else {
        problem(sink, location, "subscription payload without `logEvents`");
        return;
    };
    let owner = match text("owner") {
        "" => context.account.as_deref(),
        owner => Some(owner),
    };
    for (i, event) in events.iter().enumerate() {
        if !sink.wants_more() {
            return;
        }
        match event.get("message").and_then(Value::as_str) {
            Some(message) => sink.event(LogEvent {
                timestamp_ms: event.get("timestamp").and_then(Value::as_i64),
                message,
                log_group: group,
                log_stream: stream,
                id: event.get("id").and_then(Value::as_str),
                account: owner,
                region: context.region.as_deref(),
            }),
            None => problem(
                sink,
                &format!("{location}, log event {}", i + 1),
                "log event without a `message` string",
            ),
        }
    }
}

/// `get-log-events` / `filter-log-events` output.
fn log_events(
    events: &[Value],
    context: &SourceContext,
    location: &str,
    sink: &mut impl EventSink,
) {
    for (i, event) in events.iter().enumerate() {
        if !sink.wants_more() {
            return;
        }
        match event.as_object() {
            Some(event) if event.get("message").is_some_and(Value::is_string) => {
                log_event(event, context, sink)
            }
            _ => problem(
                sink,
                &format!("{location}, event {}", i + 1),
                "event without a `message` string",
            ),
        }
    }
}

/// Keys only a CloudWatch Logs event has (`get-log-events` / `filter-log-events` events,
/// subscription `logEvents`), never an application's structured log line.
const LOG_EVENT_KEYS: [&str; 4] = ["logStreamName", "logGroupName", "ingestionTime", "eventId"];

/// Keys of a structured logger's record (Powertools, pino, structlog, …).
const LOGGER_KEYS: [&str; 5] = ["level", "log_level", "levelname", "severity", "_aws"];

/// A JSON object that carries a CloudWatch log event in its `message` rather than being an
/// application's log line: one event per line as `jq -c '.events[]'` or
/// `jq -c '.logEvents[]'` print them, a test record `{"name", "message"}`, a forwarder's
/// record. It is one when it has an event's keys, or when its message is itself Lambda's
/// text: a platform record (`REPORT …`, `{"type": "platform.report", …}`) or a runtime line
/// with its request id prefix. A Powertools line (`{"level", "message", …}`) whose message
/// is application text stays an application line.
fn is_wrapped_log_event(object: &serde_json::Map<String, Value>) -> bool {
    let Some(message) = object.get("message").and_then(Value::as_str) else {
        return false;
    };
    if LOG_EVENT_KEYS.iter().any(|k| object.contains_key(*k))
        || (object.len() <= 3
            && object.contains_key("id")
            && object.get("timestamp").is_some_and(Value::is_i64))
    {
        return true;
    }
    match parse_message(message) {
        // A word such as `START processing` in a logger's message is not a platform line.
        Message::Platform(Platform::Malformed) => {
            !LOGGER_KEYS.iter().any(|k| object.contains_key(*k))
        }
        Message::Platform(_) => true,
        Message::App(line) => {
            line.json.is_none()
                && line.request_id.is_some()
                && (line.timestamp_ms.is_some() || line.text.starts_with("RequestId: "))
        }
    }
}

/// One CloudWatch log event object: `message`, and `timestamp`, `logStreamName`,
/// `logGroupName`, `eventId` (or a subscription event's `id`) when present.
fn log_event(
    event: &serde_json::Map<String, Value>,
    context: &SourceContext,
    sink: &mut impl EventSink,
) {
    let text = |key: &str| event.get(key).and_then(Value::as_str);
    let Some(message) = text("message") else {
        return;
    };
    let stream = text("logStreamName").unwrap_or(&context.log_stream);
    let group = text("logGroupName").unwrap_or(&context.log_group);
    // Old Node runtimes separated lines inside one event with `\r`.
    let message = if message.contains('\r') && !message.contains('\n') {
        std::borrow::Cow::Owned(message.replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(message)
    };
    // A test record without a time may hold a JSON platform record that has one.
    let timestamp_ms = event.get("timestamp").and_then(Value::as_i64).or_else(|| {
        message
            .starts_with("{\"time\"")
            .then(|| serde_json::from_str::<Value>(&message).ok())
            .flatten()
            .and_then(|record| envelope_time(&record))
    });
    sink.event(LogEvent {
        timestamp_ms,
        message: &message,
        log_group: group,
        log_stream: stream,
        id: text("eventId").or_else(|| text("id")),
        account: context.account.as_deref(),
        region: context.region.as_deref(),
    });
}

/// Logs Insights `get-query-results`: rows of `{field, value}`, newest first.
fn insights_results(
    object: &serde_json::Map<String, Value>,
    results: &[Value],
    context: &SourceContext,
    location: &str,
    sink: &mut impl EventSink,
) {
    if let Some(status) = object.get("status").and_then(Value::as_str) {
        if status != "Complete" {
            problem(
                sink,
                location,
                &format!("the Logs Insights query is `{status}`, not `Complete`: its results may be partial"),
            );
        }
    }
    for (i, row) in results.iter().enumerate() {
        let Some(fields) = row.as_array() else {
            problem(
                sink,
                &format!("{location}, result {}", i + 1),
                "a result row is not an array of fields",
            );
            continue;
        };
        let field = |name: &str| {
            fields.iter().find_map(|f| {
                (f.get("field").and_then(Value::as_str) == Some(name))
                    .then(|| f.get("value").and_then(Value::as_str))
                    .flatten()
            })
        };
        let Some(message) = field("@message") else {
            problem(
                sink,
                &format!("{location}, result {}", i + 1),
                "a result row without `@message` (add `@message` to the query's fields)",
            );
            continue;
        };
        let (account, group) = match field("@log").and_then(|l| l.split_once(':')) {
            Some((account, group)) if account.bytes().all(|b| b.is_ascii_digit()) => {
                (Some(account), Some(group))
            }
            _ => (None, field("@log")),
        };
        sink.event(LogEvent {
            timestamp_ms: field("@timestamp").and_then(crate::input::csv::parse_time),
            message: message.trim_end_matches(['\n', '\r']),
            log_group: group.unwrap_or(&context.log_group),
            log_stream: field("@logStream").unwrap_or(&context.log_stream),
            id: field("@ptr"),
            account: account.or(context.account.as_deref()),
            region: context.region.as_deref(),
        });
    }
}

/// One Telemetry API event. Platform records are passed on as their JSON text (what the
/// JSON log format writes to CloudWatch); `function` / `extension` records as the line
/// the code wrote.
fn telemetry(
    document: &Value,
    kind: &str,
    record: &Value,
    raw: Option<&str>,
    context: &SourceContext,
    sink: &mut impl EventSink,
) {
    let timestamp_ms = envelope_time(document);
    let owned;
    let message: &str = match (kind, record) {
        ("function" | "extension", Value::String(line)) => line,
        ("function" | "extension", other) => {
            owned = other.to_string();
            &owned
        }
        _ => match raw {
            Some(raw) if !raw.contains('\n') => raw,
            _ => {
                owned = document.to_string();
                &owned
            }
        },
    };
    sink.event(LogEvent {
        timestamp_ms,
        message,
        log_group: &context.log_group,
        log_stream: &context.log_stream,
        ..LogEvent::default()
    });
}

/// `awslogs.data`: CloudWatch Logs always compresses it (gzip; zlib from some forwarders),
/// so anything else is not a subscription event (rather than lines of an unnamed function).
fn decode_subscription_data(
    data: &str,
    context: &SourceContext,
    location: &str,
    sink: &mut impl EventSink,
    nesting: u32,
) {
    let gzip = base64::engine::general_purpose::STANDARD
        .decode(data.trim().get(..8).unwrap_or(data.trim()))
        .is_ok_and(|head| head.starts_with(&[0x1f, 0x8b]) || is_zlib(&head));
    if gzip {
        decode_encoded(data, context, location, sink, nesting);
    } else {
        problem(
            sink,
            location,
            "`awslogs.data` is not base64 of gzip data (CloudWatch Logs always compresses it)",
        );
    }
}

/// A base64 record: gzip, zlib or plain inside; JSON documents or text lines after that.
fn decode_encoded(
    data: &str,
    context: &SourceContext,
    location: &str,
    sink: &mut impl EventSink,
    nesting: u32,
) {
    let bytes = match base64::engine::general_purpose::STANDARD.decode(data.trim()) {
        Ok(bytes) => bytes,
        Err(error) => {
            return problem(
                sink,
                location,
                &format!("record data is not base64: {error}"),
            )
        }
    };
    let limit = sink.max_record_bytes();
    let bytes = match decompress_within(&bytes, limit) {
        Ok(bytes) => bytes,
        Err(error) => {
            return problem(
                sink,
                location,
                &format!("record data does not decompress: {error}"),
            )
        }
    };
    if bytes.len() as u64 > limit {
        return problem(
            sink,
            location,
            &format!("record data expands to more than {limit} bytes"),
        );
    }
    if !sink.record_expanded(&bytes) {
        return;
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if matches!(first, Some(b'{' | b'[')) {
        // Several documents may be concatenated in one record (Firehose aggregation).
        let stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>();
        for (i, document) in stream.enumerate() {
            match document {
                Ok(document) => {
                    dispatch_nested(&document, None, context, location, sink, nesting + 1)
                }
                Err(error) => {
                    problem(
                        sink,
                        location,
                        &format!(
                            "document {} of the record is not valid JSON: {error}",
                            i + 1
                        ),
                    );
                    break;
                }
            }
        }
    } else {
        // Firehose with "extract message" on, or a non-CloudWatch source: raw lines.
        text_lines(&bytes, context, sink);
    }
}

/// Gunzips (every member) or inflates zlib data; anything else passes through.
pub fn decompress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    decompress_within(bytes, MAX_DECOMPRESSED)
}

/// [`decompress`], reading at most `limit + 1` bytes of output: more than `limit` means
/// the data expands beyond it.
pub fn decompress_within(bytes: &[u8], limit: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let limit = limit.saturating_add(1);
    if bytes.starts_with(&[0x1f, 0x8b]) {
        MultiGzDecoder::new(bytes)
            .take(limit)
            .read_to_end(&mut out)?;
    } else if is_zlib(bytes) {
        ZlibDecoder::new(bytes).take(limit).read_to_end(&mut out)?;
    } else {
        out.extend_from_slice(bytes);
    }
    Ok(out)
}

/// A zlib header: deflate method, and the check bits make the pair a multiple of 31.
fn is_zlib(bytes: &[u8]) -> bool {
    bytes.len() >= 2
        && bytes[0] & 0x0f == 8
        && (u16::from(bytes[0]) << 8 | u16::from(bytes[1])) % 31 == 0
}

fn text_lines(bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
    let mut decoder = TextDecoder::default();
    decoder.feed(bytes, context, sink);
    decoder.finish(context, sink);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CollectingSink;

    fn gzip_base64(bytes: &[u8]) -> String {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        base64::engine::general_purpose::STANDARD.encode(encoder.finish().unwrap())
    }

    #[test]
    fn awslogs_data_that_is_not_compressed_is_a_problem_not_lines() {
        let plain = base64::engine::general_purpose::STANDARD.encode("hello\nworld\n");
        let value = serde_json::json!({ "awslogs": { "data": plain } });
        let mut sink = CollectingSink::default();
        dispatch(&value, None, &SourceContext::named("t"), "body", &mut sink);
        assert!(sink.events.is_empty(), "{:?}", sink.events);
        assert!(sink.problems[0].message.contains("not base64 of gzip"));
    }

    /// A sink with a record limit and an event budget, as a server request has.
    #[derive(Default)]
    struct Bounded {
        inner: CollectingSink,
        expanded: Vec<usize>,
    }

    impl EventSink for Bounded {
        fn event(&mut self, event: LogEvent<'_>) {
            self.inner.event(event)
        }
        fn problem(&mut self, problem: InputProblem) {
            self.inner.problem(problem)
        }
        fn max_record_bytes(&self) -> u64 {
            1000
        }
        fn record_expanded(&mut self, bytes: &[u8]) -> bool {
            self.expanded.push(bytes.len());
            true
        }
        fn wants_more(&self) -> bool {
            self.inner.events.len() < 3
        }
    }

    #[test]
    fn sinks_bound_record_expansion_and_stop_decoding_early() {
        let events: Vec<Value> = (0..10)
            .map(|i| serde_json::json!({ "id": i.to_string(), "timestamp": i, "message": "m" }))
            .collect();
        let small = serde_json::json!({ "logGroup": "/aws/lambda/f", "logStream": "s", "logEvents": events });
        let big = serde_json::json!({ "logGroup": "/aws/lambda/f", "logStream": "s", "logEvents": [{ "timestamp": 1, "message": "x".repeat(5000) }] });
        let value = serde_json::json!({ "records": [
            { "data": gzip_base64(big.to_string().as_bytes()) },
            { "data": gzip_base64(small.to_string().as_bytes()) },
            { "data": gzip_base64(small.to_string().as_bytes()) },
        ] });
        let mut sink = Bounded::default();
        dispatch(&value, None, &SourceContext::named("t"), "body", &mut sink);
        assert!(sink.inner.problems[0]
            .message
            .contains("more than 1000 bytes"));
        assert_eq!(sink.expanded.len(), 1, "the third record is never decoded");
        assert_eq!(sink.inner.events.len(), 3);
    }
}
