//! Plain text: one log line per line, with whatever prefix the export put in front.
//!
//! A line is the message alone, or the message behind what the tool that printed it added:
//!
//! | shape | from |
//! |---|---|
//! | `<ISO ts> <log stream> <message>` | `aws logs tail` |
//! | `<log stream> <ISO ts> <message>` | `sam logs`, `sam logs --tail` |
//! | `<ISO ts> <message>`, `<ISO ts>\t<message>` | console copies, `--format short`, hand-made reports |
//! | `HH:MM:SS <message>` | clock prefixes of terminal and console copies |
//!
//! The runtime's own formats (`<ts>\t<request id>\t<LEVEL>\t…`, the legacy
//! `<ts> <request id> Task timed out …`) are left for [`crate::message`] to read. ANSI colour
//! codes (`sam logs` colours its prefixes) are removed, a platform record glued to the end of
//! the previous line (`…)END RequestId: …`, console Test output) is split off, and the
//! `Response` section of console Test output (the function's return value, not a log) is
//! skipped.

use std::borrow::Cow;

use memchr::{memchr, memmem};

use crate::event::{EventSink, InputProblem, LogEvent};
use crate::input::SourceContext;
use crate::naming::is_lambda_stream;
use crate::platform::parse_platform_text;
use crate::time::parse_timestamp_prefix;

/// Longest line kept whole; longer lines are cut (and reported) so one missing newline
/// cannot grow memory without bound.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Section headers of the Lambda console's Test output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Section {
    /// Log lines (or no console framing at all).
    #[default]
    Logs,
    /// `Response`: the function's return value, skipped.
    Response,
    /// `Test Event Name` / `Request ID`: one value line follows, skipped.
    Value,
}

/// What a text line is, once read: a log event, a console header, or nothing.
pub struct TextLines {
    section: Section,
    glue: memmem::Finder<'static>,
}

impl Default for TextLines {
    fn default() -> Self {
        TextLines {
            section: Section::Logs,
            glue: memmem::Finder::new("RequestId: "),
        }
    }
}

impl TextLines {
    /// Whether JSON documents met now are part of the log (not a console `Response`).
    pub fn in_logs(&self) -> bool {
        self.section != Section::Response
    }

    /// Reads one line (without its newline) and sends its event(s) to `sink`.
    pub fn line(&mut self, raw: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = match std::str::from_utf8(raw) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(raw),
        };
        let text = if text.contains('\x1b') {
            Cow::Owned(strip_ansi(&text))
        } else {
            text
        };
        if text.trim().is_empty() {
            return;
        }
        if let Some(section) = console_header(&text) {
            self.section = section;
            return;
        }
        match self.section {
            Section::Response => return,
            Section::Value => {
                self.section = Section::Logs;
                return;
            }
            Section::Logs => {}
        }
        let event = line_event(&text, context);
        // A platform record glued to the end of the line before it.
        if let Some(at) = self.glued_record(event.message) {
            let (head, tail) = event.message.split_at(at);
            if !head.trim().is_empty() {
                sink.event(LogEvent {
                    message: head,
                    ..event
                });
            }
            sink.event(LogEvent {
                message: tail,
                ..event
            });
            return;
        }
        sink.event(event);
    }

    fn glued_record(&self, message: &str) -> Option<usize> {
        let found = self.glue.find(message.as_bytes())?;
        let before = &message[..found];
        for keyword in ["START ", "END ", "REPORT "] {
            if let Some(head) = before.strip_suffix(keyword) {
                return (!head.is_empty()
                    && !head.ends_with([' ', '\t'])
                    && parse_platform_text(&message[head.len()..]).is_some())
                .then_some(head.len());
            }
        }
        None
    }
}

/// A console Test output section header, if the line is one.
fn console_header(text: &str) -> Option<Section> {
    let header = text.trim().trim_end_matches(':');
    match header.len() {
        8..=15 => {}
        _ => return None,
    }
    if header.eq_ignore_ascii_case("Response") {
        Some(Section::Response)
    } else if header.eq_ignore_ascii_case("Function Logs") {
        Some(Section::Logs)
    } else if header.eq_ignore_ascii_case("Request ID")
        || header.eq_ignore_ascii_case("Test Event Name")
    {
        Some(Section::Value)
    } else {
        None
    }
}

/// Removes ANSI escape sequences (`ESC [ … letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for n in chars.by_ref() {
                    if n.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits chunks of bytes into lines and lines into events (text only: see
/// [`crate::input::json`] for the decoder that also reads JSON records).
#[derive(Default)]
pub struct TextDecoder {
    partial: Vec<u8>,
    line: u64,
    truncated: bool,
    lines: TextLines,
}

impl TextDecoder {
    /// A decoder whose first line is numbered `line + 1` in problem reports.
    pub fn starting_at_line(line: u64) -> Self {
        TextDecoder {
            line,
            ..TextDecoder::default()
        }
    }

    /// Lines completed so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// Feeds the next chunk; every line it completes goes to `sink`.
    pub fn feed(&mut self, mut bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        while let Some(end) = memchr(b'\n', bytes) {
            self.line += 1;
            if self.partial.is_empty() {
                self.lines.line(&bytes[..end], context, sink);
            } else {
                self.append(&bytes[..end], context, sink);
                let line = std::mem::take(&mut self.partial);
                self.lines.line(&line, context, sink);
                self.partial = line;
                self.partial.clear();
            }
            self.truncated = false;
            bytes = &bytes[end + 1..];
        }
        self.append(bytes, context, sink);
    }

    /// Ends the input: a last line without a newline is still a line.
    pub fn finish(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        if !self.partial.is_empty() {
            self.line += 1;
            let line = std::mem::take(&mut self.partial);
            self.lines.line(&line, context, sink);
        }
        self.truncated = false;
    }

    fn append(&mut self, bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        append_bounded(
            &mut self.partial,
            bytes,
            &mut self.truncated,
            self.line,
            context,
            sink,
        );
    }
}

/// Appends to a line being collected, cutting (and reporting once) past [`MAX_LINE_BYTES`].
pub(crate) fn append_bounded(
    partial: &mut Vec<u8>,
    bytes: &[u8],
    truncated: &mut bool,
    line: u64,
    context: &SourceContext,
    sink: &mut impl EventSink,
) {
    let room = MAX_LINE_BYTES.saturating_sub(partial.len());
    if bytes.len() > room {
        if !*truncated {
            sink.problem(InputProblem {
                location: format!("{}:{}", context.name, line + 1),
                message: format!(
                    "line longer than {MAX_LINE_BYTES} bytes; the rest of it is ignored"
                ),
            });
            *truncated = true;
        }
        partial.extend_from_slice(&bytes[..room]);
    } else {
        partial.extend_from_slice(bytes);
    }
}

/// Reads the export prefix of one line, if it has one.
pub fn line_event<'a>(line: &'a str, context: &'a SourceContext) -> LogEvent<'a> {
    let mut event = LogEvent {
        timestamp_ms: None,
        message: line,
        log_group: &context.log_group,
        log_stream: &context.log_stream,
        account: context.account.as_deref(),
        region: context.region.as_deref(),
        ..LogEvent::default()
    };
    let Some(&first) = line.as_bytes().first() else {
        return event;
    };
    if first.is_ascii_digit() {
        if let Some((ms, len)) = parse_timestamp_prefix(line) {
            let after = &line[len..];
            let separator = after.as_bytes().first().copied();
            let rest = after.trim_start_matches([' ', '\t']);
            if separator == Some(b' ') {
                // `aws logs tail`: `<ts> <stream> <message>`.
                let token_end = rest.find(' ').unwrap_or(rest.len());
                if is_lambda_stream(&rest[..token_end]) {
                    event.timestamp_ms = Some(ms);
                    event.log_stream = &rest[..token_end];
                    event.message = rest.get(token_end + 1..).unwrap_or("");
                    return event;
                }
            }
            if matches!(separator, Some(b' ' | b'\t')) && is_export_prefix(rest, separator) {
                event.timestamp_ms = Some(ms);
                event.message = rest;
            } else if separator.is_some() {
                // The runtime's own format: the time is the line's, the line stays whole.
                event.timestamp_ms = Some(ms);
            }
            return event;
        }
        if let Some(len) = clock_prefix(line) {
            let rest = line[len..].trim_start_matches([' ', '\t']);
            if !rest.is_empty() {
                event.message = rest;
            }
            return event;
        }
        // `sam logs`: `<stream> <ts> <message>` (streams start with the date).
        let token_end = line.find(' ').unwrap_or(line.len());
        if is_lambda_stream(&line[..token_end]) {
            let rest = line.get(token_end + 1..).unwrap_or("");
            if let Some((ms, len)) = parse_timestamp_prefix(rest) {
                event.log_stream = &line[..token_end];
                event.timestamp_ms = Some(ms);
                event.message = rest[len..].strip_prefix(' ').unwrap_or(&rest[len..]);
            }
        }
    }
    event
}

/// Whether what follows a timestamp is a whole message that the export put the time in
/// front of, rather than the runtime's own `<ts>\t<request id>\t…` format.
fn is_export_prefix(rest: &str, separator: Option<u8>) -> bool {
    let Some(&first) = rest.as_bytes().first() else {
        return false;
    };
    if parse_platform_text(rest.trim_end()).is_some() {
        return true;
    }
    match first {
        // `[ERROR] …` (Python), `{…}` (JSON records), another timestamp (the runtime's).
        b'[' | b'{' => true,
        b'0'..=b'9' => parse_timestamp_prefix(rest).is_some(),
        _ => {
            // `<ts> <request id> …` is the legacy runtime line: keep it whole.
            let token = rest.split([' ', '\t']).next().unwrap_or("");
            separator == Some(b' ') && !crate::message::looks_like_request_id(token)
        }
    }
}

/// `HH:MM:SS` or `HH:MM:SS.fff` followed by whitespace.
fn clock_prefix(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..2) && digits(3..5) && digits(6..8)) {
        return None;
    }
    let mut end = 8;
    if b[end] == b'.' {
        end += 1;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
    }
    matches!(b.get(end), Some(b' ' | b'\t')).then_some(end)
}

/// `YYYY/MM/DD/[<version>]<id>`: a Lambda log stream name.
pub fn is_stream_name(token: &str) -> bool {
    is_lambda_stream(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CollectingSink;

    fn read(text: &str) -> Vec<crate::event::OwnedLogEvent> {
        let context = SourceContext::named("t");
        let mut sink = CollectingSink::default();
        let mut decoder = TextDecoder::default();
        decoder.feed(text.as_bytes(), &context, &mut sink);
        decoder.finish(&context, &mut sink);
        sink.events
    }

    #[test]
    fn timestamp_and_stream_prefixes() {
        let context = SourceContext::named("t");
        let e = line_event("2024-01-02T03:04:05.678000+00:00 2024/01/02/[$LATEST]0123abcd START RequestId: x Version: $LATEST", &context);
        assert_eq!(e.log_stream, "2024/01/02/[$LATEST]0123abcd");
        assert_eq!(e.message, "START RequestId: x Version: $LATEST");
        assert_eq!(e.timestamp_ms, Some(1_704_164_645_678));
        let e = line_event(
            "2024-01-02T03:04:05Z REPORT RequestId: x\tDuration: 1 ms",
            &context,
        );
        assert_eq!(e.message, "REPORT RequestId: x\tDuration: 1 ms");
        let node = "2019-06-07T19:11:20.564Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tWARN\tx";
        assert_eq!(line_event(node, &context).message, node);
        let legacy = "2018-08-26T02:13:13.948Z 3364d63a-b18c-5ed6-97c7-85c6bf57800e Task timed out after 30.02 seconds";
        assert_eq!(line_event(legacy, &context).message, legacy);
        // `sam logs`
        let e = line_event("2023/01/17/[$LATEST]88f2b2c3d4e5f60718293a4b5c6d7e8f 2023-01-17T14:34:37.395000 END RequestId: x", &context);
        assert_eq!(e.message, "END RequestId: x");
        assert_eq!(
            e.log_stream,
            "2023/01/17/[$LATEST]88f2b2c3d4e5f60718293a4b5c6d7e8f"
        );
        assert_eq!(e.timestamp_ms, Some(1_673_966_077_395));
        // A Python error behind an export timestamp, and a clock prefix.
        let e = line_event(
            "2025-03-20T08:04:47.784Z [ERROR] JSONDecodeError: Expecting value",
            &context,
        );
        assert_eq!(e.message, "[ERROR] JSONDecodeError: Expecting value");
        let e = line_event("21:00:55  REPORT RequestId: x\tDuration: 1 ms", &context);
        assert_eq!(e.message, "REPORT RequestId: x\tDuration: 1 ms");
        // Tab-separated console copy: `<ts>\t<message>`.
        let e = line_event(
            "2025-03-20T08:04:47.784+09:00\tSTART RequestId: x Version: $LATEST",
            &context,
        );
        assert_eq!(e.message, "START RequestId: x Version: $LATEST");
    }

    #[test]
    fn lines_split_across_chunks_and_crlf() {
        let context = SourceContext::named("t");
        let mut sink = CollectingSink::default();
        let mut decoder = TextDecoder::default();
        for chunk in [&b"START Req"[..], b"uestId: a\r\nEND RequestId: a\n\nlast"] {
            decoder.feed(chunk, &context, &mut sink);
        }
        decoder.finish(&context, &mut sink);
        let messages: Vec<_> = sink.events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["START RequestId: a", "END RequestId: a", "last"]);
        assert_eq!(decoder.lines(), 4);
    }

    #[test]
    fn glued_records_ansi_and_console_sections() {
        let events = read("    at Runtime.handler (file:///var/task/index.mjs:3:9)END RequestId: 5c3b1d0e-2f4a-4b6c-8d9e-0a1b2c3d4e5f\n\x1b[36m2023/01/17/[$LATEST]88f2\x1b[0m \x1b[33m2023-01-17T14:34:37.395000\x1b[0m hello\nResponse\n{\n  \"errorType\": \"Error\"\n}\nFunction Logs\nSTART RequestId: 5c3b1d0e-2f4a-4b6c-8d9e-0a1b2c3d4e5f Version: $LATEST\nRequest ID\n5c3b1d0e-2f4a-4b6c-8d9e-0a1b2c3d4e5f\n");
        let messages: Vec<_> = events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "    at Runtime.handler (file:///var/task/index.mjs:3:9)",
                "END RequestId: 5c3b1d0e-2f4a-4b6c-8d9e-0a1b2c3d4e5f",
                "hello",
                "START RequestId: 5c3b1d0e-2f4a-4b6c-8d9e-0a1b2c3d4e5f Version: $LATEST",
            ]
        );
        assert_eq!(events[2].log_stream, "2023/01/17/[$LATEST]88f2");
    }

    #[test]
    fn overlong_lines_are_cut_and_reported() {
        let context = SourceContext::named("big.log");
        let mut sink = CollectingSink::default();
        let mut decoder = TextDecoder::default();
        let long = vec![b'x'; MAX_LINE_BYTES + 10];
        decoder.feed(&long, &context, &mut sink);
        decoder.feed(b"tail\nnext\n", &context, &mut sink);
        assert_eq!(sink.events.len(), 2);
        assert_eq!(sink.events[0].message.len(), MAX_LINE_BYTES);
        assert_eq!(sink.problems.len(), 1);
        assert!(sink.problems[0].location.starts_with("big.log:1"));
    }
}
