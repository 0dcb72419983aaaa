//! CSV exports, read with `csv-core` (the incremental parser of the `csv` crate, so the
//! decoder can be fed chunks like the others):
//!
//! - CloudWatch Logs Insights "Export results → CSV": `@timestamp,@message,@logStream,@log`
//!   and whatever other fields the query selected (`@requestId`, `@ptr`, …);
//! - the console's log-events download: `timestamp,message` plus optional extracted columns.
//!
//! Quoted fields may hold line breaks (a `START` line's trailing newline is inside the quotes).
//! `@log` is `<account>:<log group>`. Insights returns rows newest first; the pipeline puts
//! them in time order (see [`crate::Pipeline::read`]).

use csv_core::{ReadRecordResult, Reader};

use crate::event::{EventSink, InputProblem, LogEvent};
use crate::input::SourceContext;
use crate::time::parse_timestamp_prefix;

const MAX_RECORD_BYTES: usize = 4 << 20;
const MAX_FIELDS: usize = 64;

/// The columns that matter, by index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    timestamp: Option<usize>,
    message: usize,
    stream: Option<usize>,
    log: Option<usize>,
    group: Option<usize>,
    id: Option<usize>,
}

impl Columns {
    /// Recognises a CSV header line of a CloudWatch export.
    pub fn from_header(line: &[u8]) -> Option<Columns> {
        let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
        let text = std::str::from_utf8(line)
            .ok()?
            .trim_end_matches(['\r', '\n']);
        if !text.contains(',') || text.len() > 4096 {
            return None;
        }
        let names: Vec<String> = text
            .split(',')
            .map(|n| n.trim().trim_matches('"').trim().to_ascii_lowercase())
            .collect();
        let plausible = names.iter().all(|n| {
            !n.is_empty()
                && n.len() <= 128
                && n.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'@' | b'_' | b'.' | b'-' | b' ')
                })
        });
        if !plausible {
            return None;
        }
        let find = |wanted: &[&str]| names.iter().position(|n| wanted.contains(&n.as_str()));
        let message = find(&["@message", "message"])?;
        let timestamp = find(&["@timestamp", "timestamp"]);
        timestamp?;
        Some(Columns {
            timestamp,
            message,
            stream: find(&["@logstream", "logstream", "log_stream", "logstreamname"]),
            log: find(&["@log"]),
            group: find(&["loggroup", "log_group", "loggroupname"]),
            id: find(&["@ptr", "eventid", "event_id"]),
        })
    }
}

/// Decodes CSV records after the header.
pub struct CsvDecoder {
    columns: Columns,
    reader: Reader,
    record: Vec<u8>,
    ends: Vec<usize>,
    /// Output bytes used in `record`, and field ends filled in `ends`.
    used: usize,
    fields: usize,
    /// Records read (the header is record 1).
    row: u64,
}

impl CsvDecoder {
    pub fn new(columns: Columns) -> Self {
        CsvDecoder {
            columns,
            reader: Reader::new(),
            record: vec![0; 64 * 1024],
            ends: vec![0; MAX_FIELDS],
            used: 0,
            fields: 0,
            row: 1,
        }
    }

    pub fn feed(&mut self, mut bytes: &[u8], context: &SourceContext, sink: &mut impl EventSink) {
        loop {
            let (result, read, written, ends) = self.reader.read_record(
                bytes,
                &mut self.record[self.used..],
                &mut self.ends[self.fields..],
            );
            bytes = &bytes[read..];
            // `ends` are offsets from the start of the record (csv-core keeps count).
            self.used += written;
            self.fields += ends;
            match result {
                ReadRecordResult::InputEmpty => return,
                ReadRecordResult::OutputFull => {
                    if self.record.len() >= MAX_RECORD_BYTES {
                        // Give up on this record and start afresh (memory stays bounded).
                        sink.problem(InputProblem {
                            location: format!("{}: record {}", context.name, self.row + 1),
                            message: format!(
                                "CSV record larger than {MAX_RECORD_BYTES} bytes skipped"
                            ),
                        });
                        self.reader.reset();
                        self.used = 0;
                        self.fields = 0;
                        self.record.truncate(64 * 1024);
                        self.record.shrink_to_fit();
                    } else {
                        let len = self.record.len();
                        self.record.resize(len * 2, 0);
                    }
                }
                ReadRecordResult::OutputEndsFull => {
                    // More fields than any export has: drop the extra ones.
                    self.fields = MAX_FIELDS - 1;
                }
                ReadRecordResult::Record => self.record_done(context, sink),
                ReadRecordResult::End => return,
            }
        }
    }

    pub fn finish(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        let (result, _, written, ends) = self.reader.read_record(
            &[],
            &mut self.record[self.used..],
            &mut self.ends[self.fields..],
        );
        self.used += written;
        self.fields += ends;
        if result == ReadRecordResult::Record {
            self.record_done(context, sink);
        }
    }

    fn record_done(&mut self, context: &SourceContext, sink: &mut impl EventSink) {
        self.row += 1;
        let fields = self.fields;
        let used = self.used;
        self.fields = 0;
        self.used = 0;
        if fields == 0 || (fields == 1 && used == 0) {
            return; // a blank line
        }
        let field = |i: usize| -> Option<&[u8]> {
            if i >= fields {
                return None;
            }
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            Some(&self.record[start..self.ends[i]])
        };
        let text = |i: Option<usize>| -> Option<String> {
            let bytes = field(i?)?;
            Some(String::from_utf8_lossy(bytes).into_owned())
        };
        let Some(message) = text(Some(self.columns.message)) else {
            sink.problem(InputProblem {
                location: format!("{}: record {}", context.name, self.row),
                message: format!("CSV record has {fields} fields, no message column"),
            });
            return;
        };
        let timestamp_ms = text(self.columns.timestamp).and_then(|t| parse_time(&t));
        let log = text(self.columns.log);
        // `@log` is `<account>:<log group>`.
        let (account, group) = match log.as_deref().and_then(|l| l.split_once(':')) {
            Some((account, group)) if account.bytes().all(|b| b.is_ascii_digit()) => {
                (Some(account.to_owned()), Some(group.to_owned()))
            }
            _ => (None, log.clone()),
        };
        let group = text(self.columns.group).or(group);
        let stream = text(self.columns.stream);
        let id = text(self.columns.id).filter(|i| !i.is_empty());
        sink.event(LogEvent {
            timestamp_ms,
            message: message.trim_end_matches(['\n', '\r']),
            log_group: group.as_deref().unwrap_or(&context.log_group),
            log_stream: stream.as_deref().unwrap_or(&context.log_stream),
            id: id.as_deref(),
            account: account.as_deref().or(context.account.as_deref()),
            region: context.region.as_deref(),
        });
    }
}

/// Insights' `2025-03-20 08:04:47.784`, ISO 8601, or Unix milliseconds / seconds.
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = text.parse().ok()?;
        return Some(if n >= 100_000_000_000 { n } else { n * 1000 });
    }
    parse_timestamp_prefix(text).map(|(ms, _)| ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CollectingSink;

    #[test]
    fn insights_export_with_quoted_newlines() {
        let header = b"@timestamp,@message,@logStream,@log\n";
        let columns = Columns::from_header(header).unwrap();
        let body = "2025-03-20 08:04:47.784,\"START RequestId: 1c8df7d3-0000-46da-9778-518e6eca8125 Version: $LATEST\n\",2025/03/20/[$LATEST]abc,123456789012:/aws/lambda/shop\n2025-03-20 08:04:47.790,\"[ERROR] KeyError: 'x'\nTraceback (most recent call last):\",2025/03/20/[$LATEST]abc,123456789012:/aws/lambda/shop\n";
        let context = SourceContext::named("e.csv");
        let mut sink = CollectingSink::default();
        let mut decoder = CsvDecoder::new(columns);
        for chunk in body.as_bytes().chunks(7) {
            decoder.feed(chunk, &context, &mut sink);
        }
        decoder.finish(&context, &mut sink);
        assert_eq!(sink.events.len(), 2, "{:?}", sink.problems);
        let e = &sink.events[0];
        assert_eq!(
            e.message,
            "START RequestId: 1c8df7d3-0000-46da-9778-518e6eca8125 Version: $LATEST"
        );
        assert_eq!(e.log_group, "/aws/lambda/shop");
        assert_eq!(e.account.as_deref(), Some("123456789012"));
        assert_eq!(e.log_stream, "2025/03/20/[$LATEST]abc");
        assert_eq!(e.timestamp_ms, Some(1_742_457_887_784));
        assert!(sink.events[1].message.contains("\nTraceback"));
    }

    #[test]
    fn headers() {
        assert!(Columns::from_header(b"timestamp,message\n").is_some());
        assert!(Columns::from_header(b"\"timestamp\",\"message\",\"requestId\"\n").is_some());
        assert!(Columns::from_header(b"message\n").is_none());
        assert!(Columns::from_header(b"START RequestId: x, Version: 1\n").is_none());
        assert_eq!(parse_time("1742457887784"), Some(1_742_457_887_784));
        assert_eq!(parse_time("1742457887"), Some(1_742_457_887_000));
    }
}
