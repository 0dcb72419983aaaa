//! Input decoders: every supported input becomes a sequence of [`LogEvent`]s.
//!
//! - [`text`]: plain text exports, one line per event.
//! - [`json`]: JSON documents (single, concatenated or NDJSON), whose envelope
//!   [`envelope`] recognises: subscription payloads (plain or `awslogs.data`), Firehose
//!   HTTP endpoint bodies, Kinesis events, `get-log-events` / `filter-log-events` output,
//!   Telemetry API batches and JSON log format records.
//!
//! [`StreamDecoder`] picks text or JSON from the first byte that is not whitespace, and
//! [`decode_reader`] also unwraps gzip. Decoders are fed chunks of any size and give the
//! same events however the input is cut.
//!
//! [`LogEvent`]: crate::LogEvent

pub mod envelope;
pub mod json;
pub mod text;

use std::io::{self, BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;

use crate::event::EventSink;
use json::JsonDecoder;
use text::TextDecoder;

/// What an input is called in problem reports, and the group and stream its events
/// belong to when the input does not say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceContext {
    /// File name as given, or `<stdin>`.
    pub name: String,
    pub log_group: String,
    pub log_stream: String,
}

impl SourceContext {
    pub fn named(name: impl Into<String>) -> Self {
        SourceContext {
            name: name.into(),
            ..SourceContext::default()
        }
    }
}

enum Mode {
    Undecided,
    Text(TextDecoder),
    Json(JsonDecoder),
}

/// Detects the input kind from its first meaningful byte, then decodes it in chunks.
pub struct StreamDecoder {
    mode: Mode,
    /// Whitespace before the first meaningful byte, replayed to the chosen decoder so line
    /// numbers stay right.
    leading: Vec<u8>,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        StreamDecoder {
            mode: Mode::Undecided,
            leading: Vec::new(),
        }
    }
}

impl StreamDecoder {
    pub fn feed(&mut self, bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        if let Mode::Undecided = self.mode {
            let Some(at) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
                self.leading.extend_from_slice(bytes);
                return;
            };
            self.mode = if matches!(bytes[at], b'{' | b'[') {
                Mode::Json(JsonDecoder::default())
            } else {
                Mode::Text(TextDecoder::default())
            };
            let leading = std::mem::take(&mut self.leading);
            self.feed_mode(&leading, context, sink);
        }
        self.feed_mode(bytes, context, sink);
    }

    fn feed_mode(&mut self, bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        match &mut self.mode {
            Mode::Undecided => {}
            Mode::Text(decoder) => decoder.feed(bytes, context, sink),
            Mode::Json(decoder) => decoder.feed(bytes, context, sink),
        }
    }

    pub fn finish(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        match &mut self.mode {
            Mode::Undecided => {}
            Mode::Text(decoder) => decoder.finish(context, sink),
            Mode::Json(decoder) => decoder.finish(context, sink),
        }
    }
}

/// Decodes a whole input from a reader, gzip or not, in constant memory (apart from the
/// largest single JSON document). I/O errors end the input and are returned.
pub fn decode_reader(
    reader: impl Read,
    context: &SourceContext,
    sink: &mut impl EventSink,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(256 * 1024, reader);
    let gzip = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        let inner = BufReader::with_capacity(256 * 1024, MultiGzDecoder::new(reader));
        decode_buffered(inner, context, sink)
    } else {
        decode_buffered(reader, context, sink)
    }
}

fn decode_buffered(
    mut reader: impl BufRead,
    context: &SourceContext,
    sink: &mut impl EventSink,
) -> io::Result<()> {
    let mut decoder = StreamDecoder::default();
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                decoder.finish(context, sink);
                return Err(error);
            }
        };
        if chunk.is_empty() {
            break;
        }
        let len = chunk.len();
        decoder.feed(chunk, context, sink);
        reader.consume(len);
    }
    decoder.finish(context, sink);
    Ok(())
}
