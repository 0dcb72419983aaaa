//! What the assembler hands out: completed invocations and the errors seen in them.

use serde::{Deserialize, Serialize};

use crate::time::{format_millis, parse_rfc3339};

/// How an invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

    /// The outcome named by [`Outcome::as_str`].
    pub fn parse(text: &str) -> Option<Outcome> {
        [Outcome::Success]
            .into_iter()
            .chain(Outcome::FAILURES)
            .find(|o| o.as_str() == text)
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
///
/// Suitable for storage as it is: `key` is a stable identity (the same for every revision,
/// and for the same events fed again), `revision` grows with each amendment
/// ([`crate::Emitted::Amended`]). Times serialise as RFC 3339 strings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// 32 hex digits: FNV-1a-128 of (log group, log stream, request id, anchor), where the
    /// anchor is the time of the event that opened the invocation (or an attempt counter for
    /// inputs without times). Retries of a request get different keys.
    pub key: String,
    /// 0 when first emitted; one more for each amendment.
    #[serde(default)]
    pub revision: u32,
    pub function: String,
    pub log_group: String,
    pub log_stream: String,
    pub request_id: String,
    #[serde(with = "time_format")]
    pub start: Option<i64>,
    /// When the REPORT was written (or the last line seen, for incomplete invocations).
    #[serde(with = "time_format")]
    pub end: Option<i64>,
    pub outcome: Outcome,
    /// `false` when no REPORT arrived: the input ended, the sandbox moved on, or the caller
    /// closed it as idle.
    pub complete: bool,
    pub cold_start: bool,
    /// The environment was initialised ahead of demand (INIT_START long before a START whose
    /// REPORT has no `Init Duration`): not a cold start.
    #[serde(default)]
    pub proactive_init: bool,
    pub snapstart_restore: bool,
    pub duration_ms: Option<f64>,
    pub billed_duration_ms: Option<u64>,
    pub memory_size_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
    pub init_duration_ms: Option<f64>,
    pub restore_duration_ms: Option<f64>,
    pub status: Option<String>,
    pub error_type: Option<String>,
    /// `$LATEST` or a version number, from START or the stream name.
    pub version: Option<String>,
    /// The alias, when a function ARN with a qualifier named one.
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    pub xray_trace_id: Option<String>,
    /// List price of this invocation; `None` without billed duration and memory.
    pub cost_usd: Option<f64>,
    /// Log lines attributed to the invocation up to its REPORT.
    pub lines: u32,
    /// The error that failed the invocation, if grouped.
    pub error: Option<ErrorRef>,
}

/// A change to an invocation already emitted: a store upserts `current` by its key and
/// rollups subtract `previous`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Amendment {
    pub previous: Invocation,
    pub current: Invocation,
}

/// A pointer from an invocation to its error group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The X-Ray trace of the invocation, when known.
    pub xray_trace_id: Option<String>,
    /// The [`Invocation::key`] of the invocation it belongs to, when it belongs to one.
    pub invocation_key: Option<String>,
}

/// Stable identity of an invocation: FNV-1a-128 over its parts, as 32 hex digits.
pub fn invocation_key(log_group: &str, log_stream: &str, request_id: &str, anchor: i64) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut hash = OFFSET;
    let anchor = anchor.to_le_bytes();
    for part in [
        log_group.as_bytes(),
        log_stream.as_bytes(),
        request_id.as_bytes(),
        &anchor[..],
    ] {
        for &b in part.iter().chain([&0xffu8]) {
            hash ^= u128::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:032x}")
}

/// RFC 3339 strings in JSON for `Option<i64>` Unix milliseconds.
pub(crate) mod time_format {
    use super::*;

    pub fn serialize<S: serde::Serializer>(
        value: &Option<i64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        super::serialize_time(value, serializer)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<i64>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        match text {
            None => Ok(None),
            Some(text) => parse_rfc3339(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {text}"))),
        }
    }
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
