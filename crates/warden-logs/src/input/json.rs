//! Mixed input, decided record by record: text lines and JSON documents (single,
//! concatenated, NDJSON, pretty-printed) in any order.
//!
//! Whether a line starts a JSON document is decided from its first bytes: `{` followed by a
//! quote or `}`, `[` followed by `{`, `[`, a quote, a digit or `]`. So a Python
//! `[WARNING] …` line, an extension's `[AWS Parameters and Secrets Lambda Extension] …`
//! line or a `{placeholder}` line is text, wherever it is, and a Powertools JSON line among
//! text lines is a JSON record. A byte scanner finds where a document ends, so a multi-GB
//! NDJSON archive streams through one value at a time; a document that turns out not to be
//! JSON (text after its closing bracket, a line break inside a string) is read as text.
//!
//! Each document is handed to [`crate::input::envelope::dispatch`], which recognises the
//! envelope by its keys.

use memchr::{memchr, memchr3};

use crate::event::{EventSink, InputProblem};
use crate::input::envelope::dispatch;
use crate::input::text::{append_bounded, TextLines};
use crate::input::SourceContext;

/// Largest single JSON document kept in memory (a whole `get-log-events` page is ~1 MB,
/// a Firehose request up to a few MB).
pub const MAX_DOCUMENT_BYTES: usize = 256 << 20;

#[derive(Default, PartialEq, Eq)]
enum State {
    /// At the start of a line.
    #[default]
    LineStart,
    /// A line that starts with `{` or `[`: is it JSON? (`buf` holds what was read.)
    Deciding,
    /// In a text line (`partial` holds what was read).
    Text,
    /// In a JSON document (`buf`).
    Value,
    /// After a document's closing bracket, before the end of its line (`tail`).
    AfterValue,
}

/// Splits a byte stream into text lines and JSON documents.
#[derive(Default)]
pub struct JsonDecoder {
    state: State,
    buf: Vec<u8>,
    tail: Vec<u8>,
    partial: Vec<u8>,
    truncated: bool,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Line (1-based) where the current value started.
    start_line: u64,
    /// Lines completed so far.
    line: u64,
    /// The previous value fitted on one line: we are reading NDJSON, where a line that
    /// starts a new object ends a broken one.
    ndjson: bool,
    /// Inside a document, at the start of a line: its first byte must be one JSON allows.
    fresh_line: bool,
    oversized: bool,
    text: TextLines,
}

impl JsonDecoder {
    pub fn feed(&mut self, mut bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        while !bytes.is_empty() {
            match self.state {
                State::LineStart => {
                    let b = bytes[0];
                    if b == b'{' || b == b'[' {
                        self.state = State::Deciding;
                        self.buf.clear();
                        self.buf.push(b);
                        self.start_line = self.line + 1;
                        bytes = &bytes[1..];
                    } else {
                        self.state = State::Text;
                    }
                }
                State::Text => match memchr(b'\n', bytes) {
                    Some(end) => {
                        if self.partial.is_empty() {
                            self.text.line(&bytes[..end], context, sink);
                        } else {
                            self.append_text(&bytes[..end], context, sink);
                            let line = std::mem::take(&mut self.partial);
                            self.text.line(&line, context, sink);
                            self.partial = line;
                            self.partial.clear();
                        }
                        self.line += 1;
                        self.truncated = false;
                        self.state = State::LineStart;
                        bytes = &bytes[end + 1..];
                    }
                    None => {
                        self.append_text(bytes, context, sink);
                        bytes = &[];
                    }
                },
                State::Deciding => {
                    let b = bytes[0];
                    if b.is_ascii_whitespace() {
                        self.buf.push(b);
                        bytes = &bytes[1..];
                        continue;
                    }
                    let opener = self.buf[0];
                    let json = match opener {
                        b'{' => matches!(b, b'"' | b'}'),
                        _ => matches!(b, b'{' | b'[' | b'"' | b']' | b'-' | b'0'..=b'9'),
                    };
                    let read = std::mem::take(&mut self.buf);
                    if json {
                        self.state = State::Value;
                        self.start_value();
                        for &c in &read {
                            self.scan(c, context, sink);
                        }
                    } else {
                        // Text that starts with a bracket: replay it as a text line.
                        self.state = State::Text;
                        self.replay_as_text(&read, context, sink);
                    }
                }
                State::Value => {
                    if self.in_string && !self.escaped {
                        // Inside a string most bytes are plain: copy up to the next byte
                        // that matters in one go.
                        let n = memchr3(b'"', b'\\', b'\n', bytes).unwrap_or(bytes.len());
                        if n > 0 {
                            self.push_slice(&bytes[..n]);
                            bytes = &bytes[n..];
                            continue;
                        }
                    }
                    let b = bytes[0];
                    if self.fresh_line && !matches!(b, b' ' | b'\t' | b'\r') {
                        self.fresh_line = false;
                        if !self.in_string && !continues_json(b) {
                            // `...`, `EVENT:`, `START RequestId…`: the document was cut off
                            // (a copied excerpt). What was read is text; so is this line.
                            let read = std::mem::take(&mut self.buf);
                            self.reset_value();
                            self.state = State::LineStart;
                            self.replay_as_text(&read, context, sink);
                            continue;
                        }
                    }
                    bytes = &bytes[1..];
                    self.scan(b, context, sink);
                }
                State::AfterValue => {
                    let b = bytes[0];
                    bytes = &bytes[1..];
                    match b {
                        b'\n' => {
                            self.line += 1;
                            self.complete(context, sink);
                            self.state = State::LineStart;
                        }
                        b' ' | b'\t' | b'\r' | b',' => self.tail.push(b),
                        b'{' | b'[' => {
                            // Another document on the same line.
                            self.complete(context, sink);
                            self.state = State::Value;
                            self.start_value();
                            self.start_line = self.line + 1;
                            self.scan(b, context, sink);
                        }
                        _ => {
                            // Text after the closing bracket: the whole line is text.
                            let mut read = std::mem::take(&mut self.buf);
                            read.append(&mut self.tail);
                            read.push(b);
                            self.reset_value();
                            self.state = State::Text;
                            self.replay_as_text(&read, context, sink);
                        }
                    }
                }
            }
        }
    }

    pub fn finish(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        match self.state {
            State::Text | State::LineStart => {
                if !self.partial.is_empty() {
                    let line = std::mem::take(&mut self.partial);
                    self.line += 1;
                    self.text.line(&line, context, sink);
                }
            }
            State::Deciding => {
                let read = std::mem::take(&mut self.buf);
                self.replay_as_text(&read, context, sink);
                let line = std::mem::take(&mut self.partial);
                self.text.line(&line, context, sink);
            }
            State::AfterValue => self.complete(context, sink),
            State::Value => {
                sink.problem(InputProblem {
                    location: format!("{}:{}", context.name, self.start_line),
                    message: "the input ends inside a JSON document".to_owned(),
                });
                self.reset_value();
            }
        }
        self.state = State::LineStart;
        self.truncated = false;
    }

    fn append_text(&mut self, bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        append_bounded(
            &mut self.partial,
            bytes,
            &mut self.truncated,
            self.line,
            context,
            sink,
        );
    }

    /// Bytes read as if they were JSON turn out to be text: complete lines among them are
    /// emitted, the last (unfinished) one becomes the text line being read.
    fn replay_as_text(&mut self, read: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        let mut rest = read;
        while let Some(end) = memchr(b'\n', rest) {
            self.append_text(&rest[..end], context, sink);
            let line = std::mem::take(&mut self.partial);
            self.text.line(&line, context, sink);
            rest = &rest[end + 1..];
        }
        self.append_text(rest, context, sink);
    }

    fn start_value(&mut self) {
        self.fresh_line = false;
        self.buf.clear();
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.oversized = false;
    }

    fn scan(&mut self, b: u8, context: &SourceContext, sink: &mut impl EventSink) {
        if b == b'\n' {
            self.line += 1;
            if self.in_string {
                // JSON strings hold no raw line breaks: this was text after all.
                let read = std::mem::take(&mut self.buf);
                self.reset_value();
                self.state = State::LineStart;
                self.replay_as_text(&read, context, sink);
                let line = std::mem::take(&mut self.partial);
                self.text.line(&line, context, sink);
                return;
            }
            self.push_byte(b);
            self.fresh_line = true;
            return;
        }
        if self.ndjson
            && self.depth > 0
            && (b == b'{' || b == b'[')
            && self.buf.last() == Some(&b'\n')
            && !self.in_string
        {
            // A new line starts a new document while the last one is unfinished: the
            // last line was cut. Report it and start over here.
            sink.problem(InputProblem {
                location: format!("{}:{}", context.name, self.start_line),
                message: "truncated JSON document (the next line starts a new one)".to_owned(),
            });
            self.start_value();
            self.start_line = self.line + 1;
        }
        self.push_byte(b);
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.state = State::AfterValue;
                    self.tail.clear();
                }
            }
            _ => {}
        }
    }

    fn push_slice(&mut self, bytes: &[u8]) {
        if self.buf.len() + bytes.len() <= MAX_DOCUMENT_BYTES {
            self.buf.extend_from_slice(bytes);
        } else {
            self.oversized = true;
        }
    }

    fn push_byte(&mut self, b: u8) {
        if self.buf.len() < MAX_DOCUMENT_BYTES {
            self.buf.push(b);
        } else {
            self.oversized = true;
        }
    }

    fn complete(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        let single_line = !self.buf.contains(&b'\n');
        if !self.text.in_logs() {
            // The console's `Response` section: the function's return value.
        } else if self.oversized {
            sink.problem(InputProblem {
                location: format!("{}:{}", context.name, self.start_line),
                message: format!("JSON document larger than {MAX_DOCUMENT_BYTES} bytes skipped"),
            });
        } else {
            let location = format!("{}:{}", context.name, self.start_line);
            match serde_json::from_slice::<serde_json::Value>(&self.buf) {
                Ok(value) => {
                    let raw = std::str::from_utf8(&self.buf).ok();
                    dispatch(&value, raw, context, &location, sink);
                }
                Err(_) if !self.buf.starts_with(b"{\"") && !self.buf.starts_with(b"[{") => {
                    // Bracketed text that happened to balance: a log line.
                    let read = std::mem::take(&mut self.buf);
                    self.replay_as_text(&read, context, sink);
                    let line = std::mem::take(&mut self.partial);
                    self.text.line(&line, context, sink);
                }
                Err(error) => sink.problem(InputProblem {
                    location: format!(
                        "{}:{}",
                        context.name,
                        self.start_line + error.line().max(1) as u64 - 1
                    ),
                    message: format!("invalid JSON: {error}"),
                }),
            }
        }
        self.ndjson = single_line;
        self.reset_value();
    }

    fn reset_value(&mut self) {
        self.fresh_line = false;
        self.buf.clear();
        self.tail.clear();
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.oversized = false;
    }
}

/// Bytes a line inside a pretty-printed JSON document can start with.
fn continues_json(b: u8) -> bool {
    matches!(
        b,
        b'"' | b'}' | b']' | b'{' | b'[' | b',' | b':' | b'-' | b'0'
            ..=b'9' | b't' | b'f' | b'n' | b'\n'
    )
}
