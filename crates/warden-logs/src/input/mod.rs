//! Input decoders: every supported input becomes a sequence of [`LogEvent`]s.
//!
//! - [`text`]: text lines with whatever prefix the exporting tool put in front.
//! - [`json`]: text lines and JSON documents (single, concatenated, NDJSON, pretty-printed),
//!   decided record by record; [`envelope`] recognises a document: subscription payloads
//!   (plain or `awslogs.data`), Firehose HTTP endpoint bodies, Kinesis events,
//!   `get-log-events` / `filter-log-events` output, Logs Insights `get-query-results`,
//!   Telemetry API batches and JSON log format records.
//! - [`csv`]: CloudWatch CSV exports (Logs Insights, the console's download).
//!
//! [`StreamDecoder`] reads the first line: a CSV header of a CloudWatch export selects
//! [`csv`]; anything else is decided record by record. [`decode_reader`] also unwraps
//! gzip. Decoders are fed chunks of any size and give the same events however the input
//! is cut.
//!
//! [`LogEvent`]: crate::LogEvent

pub mod csv;
pub mod envelope;
pub mod json;
pub mod text;

use std::io::{self, BufRead, BufReader, Read};

use flate2::read::MultiGzDecoder;

use crate::event::EventSink;
use csv::{Columns, CsvDecoder};
use json::JsonDecoder;

/// What an input is called in problem reports, and the group and stream its events
/// belong to when the input does not say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceContext {
    /// File name as given, or `<stdin>`.
    pub name: String,
    pub log_group: String,
    pub log_stream: String,
    /// Account and region for events whose envelope does not say.
    pub account: Option<String>,
    pub region: Option<String>,
}

impl SourceContext {
    pub fn named(name: impl Into<String>) -> Self {
        SourceContext {
            name: name.into(),
            ..SourceContext::default()
        }
    }
}

/// The first line is looked at for a CSV header within this many bytes.
const HEADER_BYTES: usize = 8 * 1024;

enum Mode {
    Undecided,
    Records(Box<JsonDecoder>),
    Csv(Box<CsvDecoder>),
}

/// Detects the input kind from its first line, then decodes it in chunks.
pub struct StreamDecoder {
    mode: Mode,
    /// The first line, until it is complete.
    first: Vec<u8>,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        StreamDecoder {
            mode: Mode::Undecided,
            first: Vec::new(),
        }
    }
}

impl StreamDecoder {
    pub fn feed(&mut self, bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        if let Mode::Undecided = self.mode {
            let end = memchr::memchr(b'\n', bytes);
            let take = end.map_or(bytes.len(), |e| e + 1);
            self.first.extend_from_slice(&bytes[..take]);
            if end.is_none() && self.first.len() < HEADER_BYTES {
                return;
            }
            self.decide();
            let first = std::mem::take(&mut self.first);
            self.feed_mode(&first, context, sink);
            self.feed_mode(&bytes[take..], context, sink);
            return;
        }
        self.feed_mode(bytes, context, sink);
    }

    fn decide(&mut self) {
        self.mode = match Columns::from_header(&self.first) {
            Some(columns) => {
                self.first.clear();
                Mode::Csv(Box::new(CsvDecoder::new(columns)))
            }
            None => Mode::Records(Box::default()),
        };
    }

    fn feed_mode(&mut self, bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        match &mut self.mode {
            Mode::Undecided => {}
            Mode::Records(decoder) => decoder.feed(bytes, context, sink),
            Mode::Csv(decoder) => decoder.feed(bytes, context, sink),
        }
    }

    pub fn finish(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        if let Mode::Undecided = self.mode {
            if self.first.is_empty() {
                return;
            }
            self.decide();
            let first = std::mem::take(&mut self.first);
            self.feed_mode(&first, context, sink);
        }
        match &mut self.mode {
            Mode::Undecided => {}
            Mode::Records(decoder) => decoder.finish(context, sink),
            Mode::Csv(decoder) => decoder.finish(context, sink),
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
