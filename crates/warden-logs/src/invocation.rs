//! What the assembler hands out: completed invocations and the errors seen in them.

use serde::Serialize;

use crate::time::format_millis;

/// How an invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    /// The handler threw (an unhandled exception).
    Error,
    Timeout,
    OutOfMemory,
    /// The init phase failed: import error, syntax error, missing handler, failed restore.
    InitError,
    /// The runtime process exited.
    Crash,
}

impl Outcome {
    pub const FAILURES: [Outcome; 5] = [
        Outcome::Error,
        Outcome::Timeout,
        Outcome::OutOfMemory,
        Outcome::InitError,
        Outcome::Crash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Error => "error",
            Outcome::Timeout => "timeout",
            Outcome::OutOfMemory => "out_of_memory",
            Outcome::InitError => "init_error",
            Outcome::Crash => "crash",
        }
    }

    pub fn is_failure(self) -> bool {
        self != Outcome::Success
    }

    /// Which class wins when several signals apply: the more specific platform verdicts
    /// (timeout, OOM) explain the others (a timeout often leaves a handler error behind,
    /// an OOM kills the runtime).
    pub fn severity(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Error => 1,
            Outcome::Crash => 2,
            Outcome::InitError => 3,
            Outcome::OutOfMemory => 4,
            Outcome::Timeout => 5,
        }
    }
}

/// One invocation, assembled from its START … REPORT records.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Invocation {
    pub function: String,
    pub log_group: String,
    pub log_stream: String,
    pub request_id: String,
    #[serde(serialize_with = "serialize_time")]
    pub start: Option<i64>,
    /// When the REPORT was written (or the last line seen, for incomplete invocations).
    #[serde(serialize_with = "serialize_time")]
    pub end: Option<i64>,
    pub outcome: Outcome,
    /// `false` when no REPORT arrived: the input ended, or the sandbox moved on.
    pub complete: bool,
    pub cold_start: bool,
    pub snapstart_restore: bool,
    pub duration_ms: Option<f64>,
    pub billed_duration_ms: Option<u64>,
    pub memory_size_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
    pub init_duration_ms: Option<f64>,
    pub restore_duration_ms: Option<f64>,
    pub status: Option<String>,
    pub error_type: Option<String>,
    pub version: Option<String>,
    pub xray_trace_id: Option<String>,
    /// List price of this invocation; `None` without billed duration and memory.
    pub cost_usd: Option<f64>,
    /// Log lines attributed to the invocation.
    pub lines: u32,
    /// The error that failed the invocation, if grouped.
    pub error: Option<ErrorRef>,
}

/// A pointer from an invocation to its error group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorRef {
    pub fingerprint: String,
    pub error_type: String,
    pub message: String,
}

/// One error report, grouped by fingerprint. Messages and stacks are already redacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorOccurrence {
    pub fingerprint: String,
    pub function: String,
    pub request_id: Option<String>,
    #[serde(serialize_with = "serialize_time")]
    pub timestamp: Option<i64>,
    pub error_type: String,
    pub message: String,
    /// The message with variable parts masked: what the group is named by.
    pub masked_message: String,
    pub frames: Vec<String>,
    pub stack: Vec<String>,
    /// The runtime reported it (the invocation failed), rather than the code logging it.
    pub unhandled: bool,
}

pub(crate) fn serialize_time<S: serde::Serializer>(
    value: &Option<i64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(ms) => serializer.serialize_str(&format_millis(*ms)),
        None => serializer.serialize_none(),
    }
}
