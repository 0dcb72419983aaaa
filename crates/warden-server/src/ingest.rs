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
//! - `POST /ingest/lines`: NDJSON of `{timestamp, message, log_group, log_stream}`.
//!
//! Bodies may be gzip (`Content-Encoding: gzip`); decompression is capped, so a gzip bomb
//! ends in a 413, not in memory exhaustion.

use std::io::Read;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use warden_logs::input::envelope::dispatch;
use warden_logs::{EventSink, InputProblem, LogEvent, OwnedLogEvent, SourceContext};

use crate::clock::now_ms;
use crate::error::{AppError, AppQuery, Body};
use crate::pipeline::IngestFailure;
use crate::state::AppState;

/// CloudWatch Logs caps an event at 256 KiB.
const MAX_MESSAGE_BYTES: usize = 256 * 1024;
const MAX_NAME_BYTES: usize = 512;

/// Collects decoded events with the limits a request must respect.
struct RequestSink {
    events: Vec<OwnedLogEvent>,
    problems: Vec<InputProblem>,
    max_events: usize,
    overflow: bool,
}

impl EventSink for RequestSink {
    fn event(&mut self, event: LogEvent<'_>) {
        if self.events.len() >= self.max_events {
            self.overflow = true;
            return;
        }
        if event.message.len() > MAX_MESSAGE_BYTES
            || event.log_group.len() > MAX_NAME_BYTES
            || event.log_stream.len() > MAX_NAME_BYTES
        {
            self.problems.push(InputProblem {
                location: "event".into(),
                message: "message over 256 KiB or group/stream name over 512 bytes".into(),
            });
            return;
        }
        self.events.push(event.into());
    }

    fn problem(&mut self, problem: InputProblem) {
        if self.problems.len() < 10 {
            self.problems.push(problem);
        }
    }
}

impl RequestSink {
    fn new(state: &AppState) -> RequestSink {
        RequestSink {
            events: Vec::new(),
            problems: Vec::new(),
            max_events: state.limits.max_events_per_request,
            overflow: false,
        }
    }

    fn finish(self) -> Result<Vec<OwnedLogEvent>, AppError> {
        if self.overflow {
            return Err(AppError::PayloadTooLarge(
                "too many log events in one request".into(),
            ));
        }
        if let Some(problem) = self.problems.first() {
            return Err(AppError::BadRequest(format!("{problem}")));
        }
        Ok(self.events)
    }
}

/// The body, decompressed when `Content-Encoding: gzip`, within the decompressed limit.
fn decoded_body(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, AppError> {
    let encoding = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    match encoding.as_str() {
        "identity" | "" => Ok(body.to_vec()),
        "gzip" | "x-gzip" => {
            let limit = state.limits.max_decompressed_bytes;
            let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit as usize));
            flate2::read::MultiGzDecoder::new(body)
                .take(limit + 1)
                .read_to_end(&mut out)
                .map_err(|_| AppError::BadRequest("the body is not valid gzip".into()))?;
            if out.len() as u64 > limit {
                return Err(AppError::PayloadTooLarge(format!(
                    "decompressed body exceeds {limit} bytes"
                )));
            }
            Ok(out)
        }
        other => Err(AppError::UnsupportedMediaType(format!(
            "unsupported Content-Encoding `{other}` (use gzip or none)"
        ))),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, AppError> {
    serde_json::from_slice(bytes)
        .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))
}

async fn commit(
    state: &AppState,
    events: Vec<OwnedLogEvent>,
    request_key: Option<String>,
) -> Result<(usize, bool), AppError> {
    match state.ingest.submit(events, request_key).await {
        Ok(receipt) => Ok((receipt.events, receipt.duplicate)),
        Err(IngestFailure::Unavailable) => Err(AppError::Unavailable),
        Err(IngestFailure::Storage) => Err(AppError::Internal("commit failed".into())),
    }
}

fn ingest_key(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
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

/// Firehose error bodies carry the request id and time, and `errorMessage`.
fn firehose_error(request_id: &str, error: AppError) -> Response {
    error.log();
    let body = serde_json::json!({ "requestId": request_id, "timestamp": now_ms(), "errorMessage": error.public_message() });
    let mut response = (error.status(), Json(body)).into_response();
    if let AppError::TooManyRequests {
        retry_after_seconds,
    } = error
    {
        if let Ok(value) = retry_after_seconds.to_string().parse() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
    }
    response
}

#[derive(Deserialize)]
struct FirehoseBody {
    #[serde(rename = "requestId")]
    request_id: String,
    #[allow(dead_code)]
    timestamp: i64,
    records: Vec<FirehoseRecord>,
}

#[derive(Deserialize)]
struct FirehoseRecord {
    /// Required, decoded by `warden_logs`' envelope code.
    #[allow(dead_code)]
    data: serde::de::IgnoredAny,
}

pub async fn firehose(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Body, AppError>,
) -> Response {
    let header_id = headers
        .get("x-amz-firehose-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let result = async {
        state.auth.check_ingest_key(
            headers
                .get("x-amz-firehose-access-key")
                .and_then(|v| v.to_str().ok()),
        )?;
        let Body(body) = body?;
        let bytes = decoded_body(&state, &headers, &body)?;
        let value = parse_json(&bytes)?;
        // Strict shape check first: a clear 400 for what is not a Firehose delivery.
        let delivery = FirehoseBody::deserialize(&value)
            .map_err(|e| AppError::BadRequest(format!("not a Firehose delivery: {e}")))?;
        if delivery.request_id.is_empty() || delivery.request_id.len() > 256 {
            return Err(AppError::BadRequest(
                "`requestId` must be 1 to 256 characters".into(),
            ));
        }
        if !header_id.is_empty() && header_id != delivery.request_id {
            return Err(AppError::BadRequest(
                "X-Amz-Firehose-Request-Id does not match the body's requestId".into(),
            ));
        }
        let _ = delivery.records.len();
        let mut sink = RequestSink::new(&state);
        dispatch(
            &value,
            None,
            &SourceContext::named("firehose"),
            "firehose",
            &mut sink,
        );
        let events = sink.finish()?;
        commit(
            &state,
            events,
            Some(format!("firehose:{}", delivery.request_id)),
        )
        .await?;
        Ok(delivery.request_id)
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

pub async fn cloudwatch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Body, AppError>,
) -> Result<Response, AppError> {
    state.auth.check_ingest_key(ingest_key(&headers))?;
    let Body(body) = body?;
    let value = parse_json(&decoded_body(&state, &headers, &body)?)?;
    let recognised = value.get("awslogs").is_some()
        || value.get("logEvents").is_some()
        || value.get("messageType").is_some();
    if !recognised {
        return Err(AppError::BadRequest("expected a CloudWatch Logs subscription event (`awslogs.data`) or a decoded payload (`messageType`, `logEvents`)".into()));
    }
    let mut sink = RequestSink::new(&state);
    dispatch(
        &value,
        None,
        &SourceContext::named("cloudwatch"),
        "cloudwatch",
        &mut sink,
    );
    let (events, duplicate) = commit(&state, sink.finish()?, None).await?;
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
    headers: HeaderMap,
    params: Result<AppQuery<TelemetryParams>, AppError>,
    body: Result<Body, AppError>,
) -> Result<Response, AppError> {
    state.auth.check_ingest_key(ingest_key(&headers))?;
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
    let Body(body) = body?;
    let value = parse_json(&decoded_body(&state, &headers, &body)?)?;
    if !value.is_array() {
        return Err(AppError::BadRequest(
            "a Telemetry API batch is a JSON array of events".into(),
        ));
    }
    let context = SourceContext {
        name: "telemetry".into(),
        log_group: format!("/aws/lambda/{}", params.function),
        log_stream: stream,
        ..SourceContext::default()
    };
    let mut sink = RequestSink::new(&state);
    dispatch(&value, None, &context, "telemetry", &mut sink);
    let (events, duplicate) = commit(&state, sink.finish()?, None).await?;
    Ok(accepted(events, duplicate))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineRecord {
    timestamp: Value,
    message: String,
    log_group: String,
    log_stream: String,
}

pub async fn lines(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Body, AppError>,
) -> Result<Response, AppError> {
    state.auth.check_ingest_key(ingest_key(&headers))?;
    let Body(body) = body?;
    let bytes = decoded_body(&state, &headers, &body)?;
    let text = std::str::from_utf8(&bytes)
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
        if events.len() >= state.limits.max_events_per_request {
            return Err(AppError::PayloadTooLarge(
                "too many log events in one request".into(),
            ));
        }
        events.push(OwnedLogEvent {
            timestamp_ms: Some(timestamp_ms),
            message: record.message,
            log_group: record.log_group,
            log_stream: record.log_stream,
            ..OwnedLogEvent::default()
        });
    }
    let (events, duplicate) = commit(&state, events, None).await?;
    Ok(accepted(events, duplicate))
}
