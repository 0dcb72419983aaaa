//! JSON inputs: one document, several concatenated, or one per line (NDJSON), pretty or
//! compact. A byte scanner finds where each top-level value ends, so a multi-GB NDJSON
//! archive streams through one value at a time, and a malformed line costs only itself.
//!
//! Each value is handed to [`crate::input::envelope::dispatch`], which recognises the
//! envelope by its keys.

use crate::event::{EventSink, InputProblem};
use crate::input::envelope::dispatch;
use crate::input::text::{TextDecoder, MAX_LINE_BYTES};
use crate::input::SourceContext;

/// Largest single JSON document kept in memory (a whole `get-log-events` page is ~1 MB,
/// a Firehose request up to a few MB).
pub const MAX_DOCUMENT_BYTES: usize = 256 << 20;

/// Cuts a byte stream into top-level JSON values; other lines are read as text.
#[derive(Default)]
pub struct JsonDecoder {
    buf: Vec<u8>,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Line (1-based) where the current value started.
    start_line: u64,
    /// Lines completed so far.
    line: u64,
    /// The current value started at the beginning of a line.
    at_line_start: bool,
    /// The previous value fitted on one line: we are reading NDJSON, where a line that
    /// starts a new object ends a broken one.
    ndjson: bool,
    /// Reading a line that is not JSON.
    text_line: Option<Vec<u8>>,
    column: u64,
    oversized: bool,
}

impl JsonDecoder {
    pub fn feed(&mut self, bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        for &b in bytes {
            self.byte(b, context, sink);
        }
    }

    pub fn finish(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        if let Some(text) = self.text_line.take() {
            self.text(&text, context, sink);
        }
        if self.depth > 0 || !self.buf.is_empty() {
            sink.problem(InputProblem {
                location: format!("{}:{}", context.name, self.start_line),
                message: "the input ends inside a JSON document".to_owned(),
            });
            self.reset_value();
        }
    }

    fn byte(&mut self, b: u8, context: &SourceContext, sink: &mut impl EventSink) {
        if let Some(text) = self.text_line.as_mut() {
            if b == b'\n' {
                let text = self.text_line.take().expect("checked");
                self.text(&text, context, sink);
                self.newline();
            } else if text.len() < MAX_LINE_BYTES {
                text.push(b);
            }
            return;
        }
        if self.depth == 0 {
            match b {
                b'\n' => self.newline(),
                b' ' | b'\t' | b'\r' | b',' => self.column += 1,
                b'{' | b'[' => {
                    self.start_line = self.line + 1;
                    self.at_line_start = self.column == 0;
                    self.depth = 1;
                    self.buf.push(b);
                    self.column += 1;
                }
                _ => {
                    // Not JSON: a plain log line among the documents.
                    self.text_line = Some(vec![b]);
                }
            }
            return;
        }
        if b == b'\n' {
            self.newline();
        } else {
            if self.column == 0 && self.ndjson && self.at_line_start && (b == b'{' || b == b'[') {
                // A new line starts a new document while the last one is unfinished: the
                // last line was cut. Report it and start over here.
                sink.problem(InputProblem {
                    location: format!("{}:{}", context.name, self.start_line),
                    message: "truncated JSON document (the next line starts a new one)".to_owned(),
                });
                self.reset_value();
                self.start_line = self.line + 1;
                self.depth = 1;
                self.buf.push(b);
                self.column += 1;
                return;
            }
            self.column += 1;
        }
        if self.buf.len() < MAX_DOCUMENT_BYTES {
            self.buf.push(b);
        } else if !self.oversized {
            self.oversized = true;
        }
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
                self.depth -= 1;
                if self.depth == 0 {
                    self.complete(context, sink);
                }
            }
            _ => {}
        }
    }

    fn newline(&mut self) {
        self.line += 1;
        self.column = 0;
        if self.depth > 0 && !self.in_string && self.buf.len() < MAX_DOCUMENT_BYTES {
            self.buf.push(b'\n');
        }
    }

    fn complete(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        let single_line = self.start_line == self.line + 1;
        if self.oversized {
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
                Err(error) => sink.problem(InputProblem {
                    location: format!(
                        "{}:{}",
                        context.name,
                        self.start_line + error.line() as u64 - 1
                    ),
                    message: format!("invalid JSON: {error}"),
                }),
            }
        }
        self.ndjson = single_line;
        self.reset_value();
    }

    fn reset_value(&mut self) {
        self.buf.clear();
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.oversized = false;
    }

    fn text(&mut self, text: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        let mut decoder = TextDecoder::starting_at_line(self.line);
        decoder.feed(text, context, sink);
        decoder.finish(context, sink);
    }
}
