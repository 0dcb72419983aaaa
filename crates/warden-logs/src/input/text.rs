//! Plain text: one log line per line, as exported from CloudWatch.
//!
//! A line is the message alone, or the message behind a timestamp (`<ISO ts> <message>`),
//! or `aws logs tail` output (`<ISO ts> <log stream> <message>`), which also names the
//! stream and so keeps interleaved sandboxes apart. Bytes are fed in chunks of any size:
//! a line split between two chunks is put back together, so the result does not depend on
//! where the input was cut.

use std::borrow::Cow;

use memchr::memchr;

use crate::event::{EventSink, InputProblem, LogEvent};
use crate::input::SourceContext;
use crate::platform::parse_platform_text;
use crate::time::parse_timestamp_prefix;

/// Longest line kept whole; longer lines are cut (and reported) so one missing newline
/// cannot grow memory without bound.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Splits chunks of bytes into lines and lines into events.
pub struct TextDecoder {
    partial: Vec<u8>,
    line: u64,
    truncated: bool,
}

impl Default for TextDecoder {
    fn default() -> Self {
        TextDecoder::starting_at_line(0)
    }
}

impl TextDecoder {
    /// A decoder whose first line is numbered `line + 1` in problem reports.
    pub fn starting_at_line(line: u64) -> Self {
        TextDecoder {
            partial: Vec::new(),
            line,
            truncated: false,
        }
    }

    /// Lines completed so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// Feeds the next chunk; every line it completes goes to `sink`.
    pub fn feed(&mut self, mut bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        while let Some(end) = memchr(b'\n', bytes) {
            if self.partial.is_empty() {
                self.emit_line(&bytes[..end], context, sink);
            } else {
                self.append(&bytes[..end], context, sink);
                let line = std::mem::take(&mut self.partial);
                self.emit_line(&line, context, sink);
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
            let line = std::mem::take(&mut self.partial);
            self.emit_line(&line, context, sink);
        }
        self.truncated = false;
    }

    fn append(&mut self, bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        let room = MAX_LINE_BYTES.saturating_sub(self.partial.len());
        if bytes.len() > room {
            if !self.truncated {
                sink.problem(InputProblem {
                    location: format!("{}:{}", context.name, self.line + 1),
                    message: format!(
                        "line longer than {MAX_LINE_BYTES} bytes; the rest of it is ignored"
                    ),
                });
                self.truncated = true;
            }
            self.partial.extend_from_slice(&bytes[..room]);
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    fn emit_line(&mut self, line: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        self.line += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return;
        }
        let text = match std::str::from_utf8(line) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(line),
        };
        sink.event(line_event(&text, context));
    }
}

/// Reads the export prefix of one line, if it has one.
pub fn line_event<'a>(line: &'a str, context: &'a SourceContext) -> LogEvent<'a> {
    let mut event = LogEvent {
        timestamp_ms: None,
        message: line,
        log_group: &context.log_group,
        log_stream: &context.log_stream,
        ..LogEvent::default()
    };
    if !line.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return event;
    }
    let Some((ms, len)) = parse_timestamp_prefix(line) else {
        return event;
    };
    event.timestamp_ms = Some(ms);
    // A tab after the timestamp is the runtime's own format (Node, .NET): keep the line.
    let Some(rest) = line[len..].strip_prefix(' ') else {
        return event;
    };
    let token_end = rest.find(' ').unwrap_or(rest.len());
    let token = &rest[..token_end];
    if is_stream_name(token) {
        event.log_stream = token;
        event.message = rest.get(token_end + 1..).unwrap_or("");
    } else if parse_platform_text(rest.trim_end()).is_some() {
        event.message = rest;
    }
    event
}

/// `YYYY/MM/DD/[<version>]<id>`: a Lambda log stream name.
pub fn is_stream_name(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() > 13
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'/'
        && b[7] == b'/'
        && b[10] == b'/'
        && b[11] == b'['
        && token[12..].contains(']')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CollectingSink;

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
