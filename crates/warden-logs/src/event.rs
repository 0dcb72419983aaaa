//! The unit every input decoder produces and the assembler consumes: one CloudWatch log
//! event, whatever envelope it arrived in.

use std::fmt;

/// One log event as CloudWatch Logs stores it: a message in a stream of a group.
///
/// Borrowed so that the text decoder can hand out lines straight from its read buffer; the
/// assembler copies only what it keeps. Empty `log_group` / `log_stream` mean "not named by
/// the input" (a plain text export): events without a stream share one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogEvent<'a> {
    /// Unix milliseconds, when the envelope or the line says.
    pub timestamp_ms: Option<i64>,
    /// The message, possibly several lines (a stack trace is one event).
    pub message: &'a str,
    /// e.g. `/aws/lambda/checkout`.
    pub log_group: &'a str,
    /// e.g. `2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef`: one per sandbox.
    pub log_stream: &'a str,
    /// CloudWatch's event id (`logEvents[].id`, `events[].eventId`, Insights `@ptr`): the
    /// assembler drops an event whose id it has already seen in the same stream.
    pub id: Option<&'a str>,
    /// The AWS account that owns the log group (subscription `owner`, Insights `@log`).
    pub account: Option<&'a str>,
    /// The AWS region, when an ARN in the envelope says.
    pub region: Option<&'a str>,
}

/// An owned [`LogEvent`], for callers that collect events before feeding them (the server's
/// ingest batches, tests).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedLogEvent {
    pub timestamp_ms: Option<i64>,
    pub message: String,
    pub log_group: String,
    pub log_stream: String,
    pub id: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
}

impl OwnedLogEvent {
    pub fn as_event(&self) -> LogEvent<'_> {
        LogEvent {
            timestamp_ms: self.timestamp_ms,
            message: &self.message,
            log_group: &self.log_group,
            log_stream: &self.log_stream,
            id: self.id.as_deref(),
            account: self.account.as_deref(),
            region: self.region.as_deref(),
        }
    }
}

impl From<LogEvent<'_>> for OwnedLogEvent {
    fn from(event: LogEvent<'_>) -> Self {
        OwnedLogEvent {
            timestamp_ms: event.timestamp_ms,
            message: event.message.to_owned(),
            log_group: event.log_group.to_owned(),
            log_stream: event.log_stream.to_owned(),
            id: event.id.map(str::to_owned),
            account: event.account.map(str::to_owned),
            region: event.region.map(str::to_owned),
        }
    }
}

/// Input that could not be decoded: where it is and what is wrong. The decoders report it
/// and go on with the next record.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InputProblem {
    /// `file:line`, with `, record N` when the problem is inside an envelope.
    pub location: String,
    pub message: String,
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Where decoders deliver their output. [`crate::Pipeline`] implements it; tests collect.
pub trait EventSink {
    fn event(&mut self, event: LogEvent<'_>);
    fn problem(&mut self, problem: InputProblem);
    /// A CloudWatch Logs `CONTROL_MESSAGE` (a subscription destination's health check): no
    /// log events, but worth saying that this is all an input held.
    fn control_message(&mut self) {}
    /// Largest size one encoded record (Firehose/Kinesis `data`, `awslogs.data`) may
    /// decompress to; a larger one is a problem, not decoded.
    fn max_record_bytes(&self) -> u64 {
        crate::input::envelope::MAX_DECOMPRESSED
    }
    /// Called with a record's bytes once decompressed, before they are parsed. Returning
    /// `false` skips the record: a caller's budget (expanded bytes, memory) is spent.
    fn record_expanded(&mut self, _bytes: &[u8]) -> bool {
        true
    }
    /// `false` once the sink wants nothing more (it hit a limit): decoders stop early
    /// instead of decoding the rest of the input for nothing.
    fn wants_more(&self) -> bool {
        true
    }
}

/// A sink that keeps everything, for tests and small inputs.
#[derive(Debug, Default)]
pub struct CollectingSink {
    pub events: Vec<OwnedLogEvent>,
    pub problems: Vec<InputProblem>,
}

impl EventSink for CollectingSink {
    fn event(&mut self, event: LogEvent<'_>) {
        self.events.push(event.into());
    }

    fn problem(&mut self, problem: InputProblem) {
        self.problems.push(problem);
    }
}
