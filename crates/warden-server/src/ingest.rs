//! Ingest endpoints. Each decodes its body into log events with `warden_logs`' decoders
//! (nothing is parsed a second way), submits them to the pipeline and answers only after
//! the commit.
//!
//! - `POST /ingest/firehose`: the Kinesis Data Firehose HTTP endpoint protocol — access key
//!   in `X-Amz-Firehose-Access-Key`, answers `{"requestId", "timestamp"}` (plus
//!   `errorMessage` on failure); the request id deduplicates Firehose retries.
//! - `POST /ingest/cloudwatch`: a subscription event as a forwarder sends it
//!   (`{"awslogs": {"data": …}}` or the decoded payload).
//! - `POST /ingest/telemetry?function=NAME&stream=ID`: a Lambda Telemetry API batch.
//! - `POST /ingest/lines`: NDJSON of `{timestamp, message, log_group, log_stream[, id]}`.
//!
//! Every request passes [`gate`] first: credentials are checked before a byte of the body
//! is read, then a slot among the concurrent ingest requests and a memory reservation for
//! the body are taken (503 with `Retry-After` when full). The body must arrive within the
//! body read timeout. Decompression (`Content-Encoding: gzip`) and parsing run on the
//! decoder threads ([`crate::admission`]) within the request's budgets of expanded bytes,
//! events and memory: a bomb ends in a 413, a busy server in a 503 that Firehose and
//! forwarders retry.

use std::io::Read;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use warden_logs::input::envelope::dispatch;
use warden_logs::{EventSink, InputProblem, LogEvent, OwnedLogEvent, SourceContext};

use crate::admission::{event_cost, parsed_json_cost, Admission, Refusal, Reservation};
use crate::clock::now_ms;
use crate::config::Limits;
use crate::error::{AppError, AppQuery};
use crate::pipeline::IngestFailure;
use crate::state::AppState;

/// CloudWatch Logs caps an event at 256 KiB.
const MAX_MESSAGE_BYTES: usize = 256 * 1024;
const MAX_NAME_BYTES: usize = 512;
/// Event memory is reserved from the pool in blocks of this many bytes.
const EVENT_BLOCK: u64 = 1 << 20;
const FIREHOSE_PATH: &str = "/ingest/firehose";

/// Credentials, concurrency and the body's memory, before the body is read.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let firehose = request.uri().path() == FIREHOSE_PATH;
    let headers = request.headers();
    let admitted = (|| {
        let key = if firehose {
            headers
                .get("x-amz-firehose-access-key")
                .and_then(|v| v.to_str().ok())
        } else {
            ingest_key(headers)
        };
        state.auth.check_ingest_key(key)?;
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let max_body = state.limits.max_body_bytes as u64;
        if declared.is_some_and(|n| n > max_body) {
            return Err(AppError::PayloadTooLarge(format!(
                "the body is over the {} MiB limit",
                max_body >> 20
            )));
        }
        let slot = state.admission.enter()?;
        let body = state.admission.reserve(declared.unwrap_or(max_body))?;
        Ok::<_, AppError>((slot, body))
    })();
    match admitted {
        Ok(held) => {
            let response = next.run(request).await;
            drop(held);
            response
        }
        Err(error) if firehose => firehose_error(&firehose_request_id(headers), error),
        Err(error) => error.into_response(),
    }
}

/// The body, within the size limit and the body read timeout.
async fn read_body(limits: &Limits, body: axum::body::Body) -> Result<Bytes, AppError> {
    match tokio::time::timeout(
        limits.body_read_timeout,
        axum::body::to_bytes(body, limits.max_body_bytes),
    )
    .await
    {
        Err(_) => Err(AppError::Timeout),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => {
            let too_large = std::error::Error::source(&error)
                .is_some_and(|e| e.is::<http_body_util::LengthLimitError>());
            Err(if too_large {
                AppError::PayloadTooLarge("request body exceeds the size limit".into())
            } else {
                AppError::BadRequest("could not read the request body".into())
            })
        }
    }
}

/// What a request may still spend while it decodes: expanded bytes, events, memory.
struct Budget<'a> {
    admission: &'a Admission,
    limits: Limits,
    expanded: u64,
    /// Held until the events are committed.
    events_memory: Reservation,
    events_bytes: u64,
    /// The document being parsed now.
    document: Reservation,
    stop: Option<AppError>,
}

impl<'a> Budget<'a> {
    fn new(admission: &'a Admission, limits: Limits) -> Budget<'a> {
        Budget {
            admission,
            limits,
            expanded: 0,
            events_memory: Reservation::default(),
            events_bytes: 0,
            document: Reservation::default(),
            stop: None,
        }
    }

    fn refuse(&mut self, refusal: Refusal) {
        if self.stop.is_none() {
            self.stop = Some(refusal.into());
        }
    }

    /// Counts `bytes` of decompressed data against the request's expansion budget.
    fn expand(&mut self, bytes: u64) -> bool {
        self.expanded += bytes;
        if self.expanded > self.limits.max_decompressed_bytes {
            self.refuse(Refusal::TooLarge(format!(
                "the request expands to more than {} MiB (records included)",
                self.limits.max_decompressed_bytes >> 20
            )));
            return false;
        }
        true
    }

    /// Reserves what parsing `json` costs, replacing the previous document's reservation.
    fn parse_reservation(&mut self, json: &[u8]) -> bool {
        self.document = Reservation::default();
        match self.admission.reserve(parsed_json_cost(json)) {
            Ok(reservation) => {
                self.document = reservation;
                true
            }
            Err(refusal) => {
                self.refuse(refusal);
                false
            }
        }
    }

    fn hold_event(&mut self, cost: u64) -> bool {
        self.events_bytes += cost;
        if self.events_bytes + self.document.bytes() > self.admission.capacity() {
            // Could never fit, however long the client waits: not a retry, a smaller batch.
            self.refuse(Refusal::TooLarge(format!(
                "the request's events need more than the server's ingest memory ({} MiB); send smaller batches",
                self.admission.capacity() >> 20
            )));
            return false;
        }
        while self.events_bytes > self.events_memory.bytes() {
            match self.admission.reserve(EVENT_BLOCK) {
                Ok(block) => self.events_memory.merge(block),
                Err(refusal) => {
                    self.refuse(refusal);
                    return false;
                }
            }
        }
        true
    }
}

/// Collects decoded events within the request's budget.
struct RequestSink<'a> {
    events: Vec<OwnedLogEvent>,
    problems: Vec<InputProblem>,
    budget: Budget<'a>,
}

impl EventSink for RequestSink<'_> {
    fn event(&mut self, event: LogEvent<'_>) {
        if self.budget.stop.is_some() {
            return;
        }
        if self.events.len() >= self.budget.limits.max_events_per_request {
            self.budget.stop = Some(AppError::PayloadTooLarge(format!(
                "more than {} log events in one request",
                self.budget.limits.max_events_per_request
            )));
            return;
        }
        if event.message.len() > MAX_MESSAGE_BYTES
            || event.log_group.len() > MAX_NAME_BYTES
            || event.log_stream.len() > MAX_NAME_BYTES
        {
            self.problem(InputProblem {
                location: "event".into(),
                message: "message over 256 KiB or group/stream name over 512 bytes".into(),
            });
            return;
        }
        let names = event.log_group.len()
            + event.log_stream.len()
            + event.id.map_or(0, str::len)
            + event.account.map_or(0, str::len)
            + event.region.map_or(0, str::len);
        if self
            .budget
            .hold_event(event_cost(event.message.len(), names))
        {
            self.events.push(event.into());
        }
    }

    fn problem(&mut self, problem: InputProblem) {
        if problem
            .message
            .starts_with("record data expands to more than")
        {
            self.budget
                .stop
                .get_or_insert(AppError::PayloadTooLarge(format!(
                    "{}: {}",
                    problem.location, problem.message
                )));
        } else if self.problems.len() < 10 {
            self.problems.push(problem);
        }
    }

    fn max_record_bytes(&self) -> u64 {
        self.budget.limits.max_record_bytes
    }

    fn record_expanded(&mut self, bytes: &[u8]) -> bool {
        self.budget.expand(bytes.len() as u64) && self.budget.parse_reservation(bytes)
    }

    fn wants_more(&self) -> bool {
        self.budget.stop.is_none()
    }
}

impl<'a> RequestSink<'a> {
    fn new(budget: Budget<'a>) -> RequestSink<'a> {
        RequestSink {
            events: Vec::new(),
            problems: Vec::new(),
            budget,
        }
    }

    fn finish(self) -> Result<Decoded, AppError> {
        if let Some(stop) = self.budget.stop {
            return Err(stop);
        }
        if let Some(problem) = self.problems.first() {
            return Err(AppError::BadRequest(format!("{problem}")));
        }
        Ok(Decoded {
            events: self.events,
            memory: self.budget.events_memory,
            key: None,
            request_id: None,
        })
    }
}

/// A decoded request: its events and the memory they hold until committed.
struct Decoded {
    events: Vec<OwnedLogEvent>,
    memory: Reservation,
    key: Option<String>,
    /// The Firehose request id.
    request_id: Option<String>,
}

/// The body, decompressed when `Content-Encoding: gzip`, within the request's budget.
fn decoded_body(
    encoding: &str,
    body: Bytes,
    budget: &mut Budget<'_>,
) -> Result<(Bytes, Reservation), AppError> {
    match encoding {
        "identity" | "" => Ok((body, Reservation::default())),
        "gzip" | "x-gzip" => {
            let limit = budget.limits.max_decompressed_bytes;
            // Hold memory for the expansion as it grows, in blocks.
            let mut held = Reservation::default();
            let mut out = Vec::new();
            let mut decoder = flate2::read::MultiGzDecoder::new(&body[..]).take(limit + 1);
            let mut chunk = vec![0u8; 64 << 10];
            loop {
                let n = decoder
                    .read(&mut chunk)
                    .map_err(|_| AppError::BadRequest("the body is not valid gzip".into()))?;
                if n == 0 {
                    break;
                }
                if out.len() as u64 + n as u64 > limit {
                    return Err(AppError::PayloadTooLarge(format!(
                        "the body decompresses to more than {} MiB",
                        limit >> 20
                    )));
                }
                let needed = out.len() + n;
                if needed > out.capacity() {
                    // Hold memory for what the buffer takes, not what it holds: a growing
                    // Vec doubles its capacity, and the old buffer lives until the copy.
                    let grown = needed.max(out.capacity() * 2);
                    while (grown + out.capacity()) as u64 > held.bytes() {
                        held.merge(budget.admission.reserve(EVENT_BLOCK * 4)?);
                    }
                    out.reserve_exact(grown - out.len());
                }
                out.extend_from_slice(&chunk[..n]);
            }
            if !budget.expand(out.len() as u64) {
                return Err(budget.stop.take().unwrap_or(AppError::Unavailable));
            }
            Ok((Bytes::from(out), held))
        }
        other => Err(AppError::UnsupportedMediaType(format!(
            "unsupported Content-Encoding `{other}` (use gzip or none)"
        ))),
    }
}

fn content_encoding(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase()
}

/// A delivery id for endpoints whose protocol has none: the endpoint, its parameters and
/// the decoded body. A forwarder or extension that retries sends the same bytes again.
fn content_key(endpoint: &str, parameters: &[&str], body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in parameters {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(body);
    let digest: String = hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{endpoint}:{digest}")
}

/// Parses a JSON body, with memory reserved for the parsed document.
fn parse_json(bytes: &[u8], budget: &mut Budget<'_>) -> Result<Value, AppError> {
    if !budget.parse_reservation(bytes) {
        return Err(budget.stop.take().unwrap_or(AppError::Unavailable));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))
}

/// Reads the body, then decodes it on a decoder thread with `decode`.
async fn decode_request(
    state: &AppState,
    headers: &HeaderMap,
    body: axum::body::Body,
    decode: impl for<'b> FnOnce(Bytes, Budget<'b>) -> Result<Decoded, AppError> + Send + 'static,
) -> Result<Decoded, AppError> {
    let bytes = read_body(&state.limits, body).await?;
    let encoding = content_encoding(headers);
    let worker_state = state.clone();
    state
        .admission
        .decode(move || {
            let mut budget = Budget::new(&worker_state.admission, worker_state.limits);
            let (bytes, _expanded) = decoded_body(&encoding, bytes, &mut budget)?;
            decode(bytes, budget)
        })
        .await?
}

async fn commit(state: &AppState, decoded: Decoded) -> Result<(usize, bool), AppError> {
    let Decoded {
        events,
        memory,
        key,
        ..
    } = decoded;
    let result = match state.ingest.submit(events, key).await {
        Ok(receipt) => Ok((receipt.events, receipt.duplicate)),
        Err(IngestFailure::Unavailable) => Err(AppError::Unavailable),
        // Nothing was stored: the store may be restarting, so the client should retry.
        Err(IngestFailure::Storage) => Err(AppError::Unavailable),
    };
    drop(memory);
    result
}

fn ingest_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    bearer.or_else(|| {
        headers
            .get("x-warden-ingest-key")
            .and_then(|v| v.to_str().ok())
    })
}

fn accepted(events: usize, duplicate: bool) -> Response {
    (
        StatusCode::OK,
        Json(serde_json::json!({ "accepted": events, "duplicate": duplicate })),
    )
        .into_response()
}

fn firehose_request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-amz-firehose-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// Firehose error bodies carry the request id and time, and `errorMessage`; a busy server
/// answers 503 with `Retry-After`, which Firehose retries.
fn firehose_error(request_id: &str, error: AppError) -> Response {
    error.log();
    let body = serde_json::json!({ "requestId": request_id, "timestamp": now_ms(), "errorMessage": error.public_message() });
    let mut response = (error.status(), Json(body)).into_response();
    if let Some(seconds) = error.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.into());
    }
    response
}

#[derive(Deserialize)]
struct FirehoseBody {
    #[serde(rename = "requestId")]
    request_id: String,
    #[allow(dead_code)]
    timestamp: i64,
    #[allow(dead_code)]
    records: Vec<FirehoseRecord>,
}

#[derive(Deserialize)]
struct FirehoseRecord {
    /// Required, decoded by `warden_logs`' envelope code.
    #[allow(dead_code)]
    data: serde::de::IgnoredAny,
}

pub async fn firehose(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let header_id = firehose_request_id(&parts.headers);
    let expected_id = header_id.clone();
    let result = async {
        let decoded = decode_request(&state, &parts.headers, body, move |bytes, mut budget| {
            let value = parse_json(&bytes, &mut budget)?;
            // Strict shape check first: a clear 400 for what is not a Firehose delivery.
            let delivery = FirehoseBody::deserialize(&value)
                .map_err(|e| AppError::BadRequest(format!("not a Firehose delivery: {e}")))?;
            if delivery.request_id.is_empty() || delivery.request_id.len() > 256 {
                return Err(AppError::BadRequest(
                    "`requestId` must be 1 to 256 characters".into(),
                ));
            }
            if !expected_id.is_empty() && expected_id != delivery.request_id {
                return Err(AppError::BadRequest(
                    "X-Amz-Firehose-Request-Id does not match the body's requestId".into(),
                ));
            }
            let context = SourceContext::named("firehose");
            let mut decoded = dispatch_document(value, &context, "firehose", budget)?;
            decoded.key = Some(format!("firehose:{}", delivery.request_id));
            decoded.request_id = Some(delivery.request_id);
            Ok(decoded)
        })
        .await?;
        let request_id = decoded.request_id.clone().unwrap_or_default();
        commit(&state, decoded).await?;
        Ok::<_, AppError>(request_id)
    }
    .await;
    match result {
        Ok(request_id) => (
            StatusCode::OK,
            Json(serde_json::json!({ "requestId": request_id, "timestamp": now_ms() })),
        )
            .into_response(),
        Err(error) => firehose_error(&header_id, error),
    }
}

/// Dispatches a parsed document; the sink takes over the request's budget. The document's
/// own reservation is held until it is dropped; records inside reserve their own.
fn dispatch_document(
    value: Value,
    context: &SourceContext,
    location: &str,
    mut budget: Budget<'_>,
) -> Result<Decoded, AppError> {
    let document = std::mem::take(&mut budget.document);
    let mut sink = RequestSink::new(budget);
    dispatch(&value, None, context, location, &mut sink);
    drop(value);
    drop(document);
    sink.finish()
}

pub async fn cloudwatch(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let decoded = decode_request(&state, &parts.headers, body, |bytes, mut budget| {
        let key = content_key("cloudwatch", &[], &bytes);
        let value = parse_json(&bytes, &mut budget)?;
        let recognised = value.get("awslogs").is_some()
            || value.get("logEvents").is_some()
            || value.get("messageType").is_some();
        if !recognised {
            return Err(AppError::BadRequest("expected a CloudWatch Logs subscription event (`awslogs.data`) or a decoded payload (`messageType`, `logEvents`)".into()));
        }
        let mut decoded =
            dispatch_document(value, &SourceContext::named("cloudwatch"), "cloudwatch", budget)?;
        decoded.key = Some(key);
        Ok(decoded)
    })
    .await?;
    let (events, duplicate) = commit(&state, decoded).await?;
    Ok(accepted(events, duplicate))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryParams {
    function: String,
    stream: Option<String>,
}

/// Lambda function names: letters, digits, `-`, `_`, up to 140 characters.
fn valid_function_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 140
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn telemetry(
    State(state): State<AppState>,
    params: Result<AppQuery<TelemetryParams>, AppError>,
    request: Request,
) -> Result<Response, AppError> {
    let AppQuery(params) = params?;
    if !valid_function_name(&params.function) {
        return Err(AppError::BadRequest(
            "`function` must be a Lambda function name (letters, digits, - and _, up to 140)"
                .into(),
        ));
    }
    let stream = params.stream.unwrap_or_else(|| "telemetry".into());
    if stream.is_empty() || stream.len() > MAX_NAME_BYTES || stream.chars().any(char::is_control) {
        return Err(AppError::BadRequest(
            "`stream` must be 1 to 512 printable characters".into(),
        ));
    }
    let (parts, body) = request.into_parts();
    let function = params.function;
    let decoded = decode_request(&state, &parts.headers, body, move |bytes, mut budget| {
        let key = content_key("telemetry", &[&function, &stream], &bytes);
        let value = parse_json(&bytes, &mut budget)?;
        if !value.is_array() {
            return Err(AppError::BadRequest(
                "a Telemetry API batch is a JSON array of events".into(),
            ));
        }
        let context = SourceContext {
            name: "telemetry".into(),
            log_group: format!("/aws/lambda/{function}"),
            log_stream: stream,
            ..SourceContext::default()
        };
        let mut decoded = dispatch_document(value, &context, "telemetry", budget)?;
        decoded.key = Some(key);
        Ok(decoded)
    })
    .await?;
    let (events, duplicate) = commit(&state, decoded).await?;
    Ok(accepted(events, duplicate))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineRecord {
    /// Optional event id: a line whose id was seen in its stream is a re-delivery.
    #[serde(default)]
    id: Option<String>,
    timestamp: Value,
    message: String,
    log_group: String,
    log_stream: String,
}

fn ndjson_events(bytes: &[u8], mut budget: Budget<'_>) -> Result<Decoded, AppError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| AppError::BadRequest("the body is not UTF-8".into()))?;
    let mut events = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |message: String| AppError::BadRequest(format!("line {}: {message}", number + 1));
        let record: LineRecord = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        let timestamp_ms = match &record.timestamp {
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| at("`timestamp` must be integer milliseconds".into()))?,
            Value::String(s) => warden_logs::time::parse_rfc3339(s)
                .ok_or_else(|| at("`timestamp` must be milliseconds or RFC 3339".into()))?,
            _ => return Err(at("`timestamp` must be milliseconds or RFC 3339".into())),
        };
        if record.message.len() > MAX_MESSAGE_BYTES {
            return Err(at("`message` is over 256 KiB".into()));
        }
        if record.log_group.is_empty()
            || record.log_group.len() > MAX_NAME_BYTES
            || record.log_stream.len() > MAX_NAME_BYTES
        {
            return Err(at(
                "`log_group` must be 1 to 512 bytes, `log_stream` at most 512".into(),
            ));
        }
        if events.len() >= budget.limits.max_events_per_request {
            return Err(AppError::PayloadTooLarge(format!(
                "more than {} log events in one request",
                budget.limits.max_events_per_request
            )));
        }
        let names = record.log_group.len() + record.log_stream.len();
        if !budget.hold_event(event_cost(record.message.len(), names)) {
            return Err(budget.stop.take().unwrap_or(AppError::Unavailable));
        }
        events.push(OwnedLogEvent {
            timestamp_ms: Some(timestamp_ms),
            message: record.message,
            log_group: record.log_group,
            log_stream: record.log_stream,
            id: record
                .id
                .filter(|id| !id.is_empty() && id.len() <= MAX_NAME_BYTES),
            ..OwnedLogEvent::default()
        });
    }
    Ok(Decoded {
        events,
        memory: budget.events_memory,
        key: Some(content_key("lines", &[], bytes)),
        request_id: None,
    })
}

pub async fn lines(State(state): State<AppState>, request: Request) -> Result<Response, AppError> {
    let (parts, body) = request.into_parts();
    let decoded = decode_request(&state, &parts.headers, body, |bytes, budget| {
        ndjson_events(&bytes, budget)
    })
    .await?;
    let (events, duplicate) = commit(&state, decoded).await?;
    Ok(accepted(events, duplicate))
}
