//! The JSON API under `/api/v1`. Read endpoints take a read or admin credential; changes
//! (error group status, alert rules) take admin. Query parameters are validated strictly;
//! times are RFC 3339 or Unix milliseconds.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use warden_logs::time::format_millis;
use warden_logs::{Failures, FunctionSummary, Method, MetricStats};

use crate::alert_rules::{AlertRuleSpec, Channel, FAILURE_CLASSES};
use crate::auth::{AdminAccess, ReadAccess};
use crate::clock::now_ms;
use crate::error::{AppError, AppJson, AppPath, AppQuery};
use crate::state::AppState;
use crate::store::{
    AlertRule, FunctionRollup, GroupQuery, GroupStatus, InvocationQuery, LineQuery, SecurityQuery,
    Store, Window,
};

const DAY_MS: i64 = 86_400_000;
const MAX_WINDOW_MS: i64 = 400 * DAY_MS;
const MAX_POINTS: i64 = 1_500;
const REDACTED: &str = "[redacted]";

/// Runs a blocking store call off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    call: impl FnOnce(&dyn Store) -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, AppError> {
    let store: Arc<dyn Store> = state.store.clone();
    Ok(tokio::task::spawn_blocking(move || call(store.as_ref())).await??)
}

/// The latest time a query may name: 9999-12-31T23:59:59.999Z. Times are bounded so that
/// every window, step and bucket computation below stays far inside `i64`.
const MAX_TIME_MS: i64 = 253_402_300_799_999;

fn parse_time(name: &str, text: &str) -> Result<i64, AppError> {
    let ms = match text.parse::<i64>() {
        Ok(ms) => Some(ms),
        Err(_) => warden_logs::time::parse_rfc3339(text),
    }
    .ok_or_else(|| {
        AppError::BadRequest(format!("`{name}` must be RFC 3339 or Unix milliseconds"))
    })?;
    if !(0..=MAX_TIME_MS).contains(&ms) {
        return Err(AppError::BadRequest(format!(
            "`{name}` must be between 1970-01-01 and 9999-12-31"
        )));
    }
    Ok(ms)
}

/// `from`/`to`, defaulting to the last 24 hours; at most [`MAX_WINDOW_MS`] long.
pub(crate) fn window(from: Option<&str>, to: Option<&str>) -> Result<Window, AppError> {
    let to_ms = to
        .map(|t| parse_time("to", t))
        .transpose()?
        .unwrap_or_else(now_ms);
    let from_ms = from
        .map(|f| parse_time("from", f))
        .transpose()?
        .unwrap_or(to_ms.saturating_sub(DAY_MS).max(0));
    if from_ms >= to_ms {
        return Err(AppError::BadRequest("`from` must be before `to`".into()));
    }
    match to_ms.checked_sub(from_ms) {
        Some(span) if span <= MAX_WINDOW_MS => Ok(Window { from_ms, to_ms }),
        _ => Err(AppError::BadRequest(
            "the window is longer than 400 days".into(),
        )),
    }
}

/// Milliseconds per series point: `step` seconds (a multiple of 60, at most the window), or
/// about 60 points; never more than [`MAX_POINTS`].
fn series_step(step_seconds: Option<i64>, window: Window) -> Result<i64, AppError> {
    let span = window.to_ms - window.from_ms;
    let step_ms = match step_seconds {
        Some(step) => step
            .checked_mul(1000)
            .filter(|ms| step >= 60 && step % 60 == 0 && *ms <= MAX_WINDOW_MS)
            .ok_or_else(|| {
                AppError::BadRequest(
                    "`step` must be a multiple of 60 seconds, at most 400 days".into(),
                )
            })?,
        None => {
            let raw = (span / 60).max(60_000);
            // Round to whole minutes, or whole hours past an hour.
            if raw >= 3_600_000 {
                raw.div_euclid(3_600_000) * 3_600_000
            } else {
                raw.div_euclid(60_000) * 60_000
            }
        }
    };
    // Buckets start at a multiple of the step at or before `from`.
    let buckets = (span + step_ms - 1) / step_ms + 1;
    if buckets > MAX_POINTS + 1 {
        return Err(AppError::BadRequest(format!(
            "more than {MAX_POINTS} points: use a larger `step`"
        )));
    }
    Ok(step_ms)
}

pub(crate) fn limit(value: Option<u32>, default: u32) -> Result<u32, AppError> {
    match value.unwrap_or(default) {
        0 => Err(AppError::BadRequest("`limit` must be at least 1".into())),
        n if n > 1000 => Err(AppError::BadRequest("`limit` must be at most 1000".into())),
        n => Ok(n),
    }
}

pub(crate) fn check_text(name: &str, value: &Option<String>, max: usize) -> Result<(), AppError> {
    match value {
        Some(text) if text.is_empty() || text.len() > max => Err(AppError::BadRequest(format!(
            "`{name}` must be 1 to {max} bytes"
        ))),
        _ => Ok(()),
    }
}

/// `outcome`: success, failure (any class) or one failure class.
pub(crate) fn check_outcome(outcome: &Option<String>) -> Result<(), AppError> {
    match outcome {
        Some(outcome)
            if outcome != "success"
                && outcome != "failure"
                && !FAILURE_CLASSES.contains(&outcome.as_str()) =>
        {
            Err(AppError::BadRequest(format!(
                "`outcome` must be success, failure or one of {}",
                FAILURE_CLASSES.join(", ")
            )))
        }
        _ => Ok(()),
    }
}

/// A rollup in the `warden logs` per-function shape.
pub fn summary(rollup: &FunctionRollup) -> FunctionSummary {
    FunctionSummary {
        function: rollup.function.clone(),
        log_group: rollup.log_group.clone(),
        invocations: rollup.invocations,
        failures: Failures {
            error: rollup.error,
            timeout: rollup.timeout,
            out_of_memory: rollup.out_of_memory,
            init_error: rollup.init_error,
            crash: rollup.crash,
        },
        cold_starts: rollup.cold_starts,
        snapstart_restores: rollup.snapstart_restores,
        memory_at_limit: rollup.memory_at_limit,
        incomplete: rollup.incomplete,
        duration_ms: rollup.durations.percentiles(),
        percentiles: if rollup.durations.is_exact() {
            Method::Exact
        } else {
            Method::Sketch
        },
        billed_duration_ms_total: rollup.billed_ms,
        max_memory_used_mb: rollup.max_memory_used_mb,
        memory_size_mb: rollup.memory_size_mb,
        cost_usd: (rollup.cost_usd * 1e9).round() / 1e9,
        ..FunctionSummary::default()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    from: Option<String>,
    to: Option<String>,
}

pub async fn functions(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<WindowParams>,
) -> Result<Json<Value>, AppError> {
    let window = window(params.from.as_deref(), params.to.as_deref())?;
    let rollups = blocking(&state, move |store| store.rollups(window)).await?;
    let functions: Vec<FunctionSummary> = rollups.iter().map(summary).collect();
    Ok(Json(
        json!({ "from": format_millis(window.from_ms), "to": format_millis(window.to_ms), "functions": functions }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesParams {
    from: Option<String>,
    to: Option<String>,
    /// Seconds per point; a multiple of 60. Default: about 60 points.
    step: Option<i64>,
}

pub async fn series(
    _: ReadAccess,
    State(state): State<AppState>,
    AppPath(function): AppPath<String>,
    AppQuery(params): AppQuery<SeriesParams>,
) -> Result<Json<Value>, AppError> {
    let window = window(params.from.as_deref(), params.to.as_deref())?;
    let step_ms = series_step(params.step, window)?;
    check_text("function", &Some(function.clone()), 256)?;
    let name = function.clone();
    let buckets = blocking(&state, move |store| store.series(&name, window, step_ms)).await?;
    let points: Vec<Value> = buckets
        .iter()
        .map(|b| {
            let r = &b.rollup;
            let percentiles = r.durations.percentiles();
            json!({
                "start": format_millis(b.start_ms),
                "invocations": r.invocations,
                "failures": { "error": r.error, "timeout": r.timeout, "out_of_memory": r.out_of_memory, "init_error": r.init_error, "crash": r.crash },
                "failed": r.failures(),
                "cold_starts": r.cold_starts,
                "p50": percentiles.p50,
                "p95": percentiles.p95,
                "p99": percentiles.p99,
                "billed_duration_ms": r.billed_ms,
                "cost_usd": (r.cost_usd * 1e9).round() / 1e9,
            })
        })
        .collect();
    Ok(Json(
        json!({ "function": function, "from": format_millis(window.from_ms), "to": format_millis(window.to_ms), "step_seconds": step_ms / 1000, "points": points }),
    ))
}

/// A function's custom metrics from Embedded Metric Format documents, per metric (namespace,
/// name, dimension set) with totals and the buckets of the window that hold values.
pub async fn custom_metrics(
    _: ReadAccess,
    State(state): State<AppState>,
    AppPath(function): AppPath<String>,
    AppQuery(params): AppQuery<SeriesParams>,
) -> Result<Json<Value>, AppError> {
    let window = window(params.from.as_deref(), params.to.as_deref())?;
    let step_ms = series_step(params.step, window)?;
    check_text("function", &Some(function.clone()), 256)?;
    let name = function.clone();
    let (metrics, truncated) = blocking(&state, move |store| {
        store.custom_metrics(&name, window, step_ms)
    })
    .await?;
    let aggregate = |a: &MetricStats| json!({ "count": a.count, "sum": a.sum, "min": a.min, "max": a.max, "average": a.average() });
    let metrics: Vec<Value> = metrics
        .iter()
        .map(|m| {
            let mut total = aggregate(&m.total);
            total["namespace"] = json!(m.namespace);
            total["name"] = json!(m.name);
            total["unit"] = json!(m.unit);
            total["dimensions"] = json!(m.dimensions);
            total["points"] = m
                .buckets
                .iter()
                .map(|b| {
                    let mut point = aggregate(&b.aggregate);
                    point["start"] = json!(format_millis(b.start_ms));
                    point
                })
                .collect();
            total
        })
        .collect();
    Ok(Json(json!({
        "function": function,
        "from": format_millis(window.from_ms),
        "to": format_millis(window.to_ms),
        "step_seconds": step_ms / 1000,
        "metrics": metrics,
        "truncated": truncated,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvocationParams {
    function: Option<String>,
    outcome: Option<String>,
    request_id: Option<String>,
    text: Option<String>,
    cold_start: Option<bool>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
}

pub async fn invocations(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<InvocationParams>,
) -> Result<Json<Value>, AppError> {
    check_outcome(&params.outcome)?;
    check_text("function", &params.function, 256)?;
    check_text("request_id", &params.request_id, 256)?;
    check_text("text", &params.text, 512)?;
    let window = (params.from.is_some() || params.to.is_some())
        .then(|| window(params.from.as_deref(), params.to.as_deref()))
        .transpose()?;
    let query = InvocationQuery {
        function: params.function,
        outcome: params.outcome,
        request_id: params.request_id,
        text: params.text,
        cold_start: params.cold_start,
        from_ms: window.map(|w| w.from_ms),
        to_ms: window.map(|w| w.to_ms),
        limit: limit(params.limit, 100)?,
    };
    let found = blocking(&state, move |store| store.search_invocations(&query)).await?;
    Ok(Json(json!({ "invocations": found })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineParams {
    function: Option<String>,
    request_id: Option<String>,
    /// Only lines of invocations that ended so: success, failure or a failure class.
    outcome: Option<String>,
    text: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
}

pub async fn lines(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<LineParams>,
) -> Result<Json<Value>, AppError> {
    check_text("function", &params.function, 256)?;
    check_text("request_id", &params.request_id, 256)?;
    check_text("text", &params.text, 512)?;
    check_outcome(&params.outcome)?;
    let window = (params.from.is_some() || params.to.is_some())
        .then(|| window(params.from.as_deref(), params.to.as_deref()))
        .transpose()?;
    let query = LineQuery {
        function: params.function,
        request_id: params.request_id,
        outcome: params.outcome,
        text: params.text,
        window,
        limit: limit(params.limit, 200)?,
    };
    let found = blocking(&state, move |store| store.search_lines(&query)).await?;
    Ok(Json(json!({ "lines": found })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupParams {
    function: Option<String>,
    status: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
}

pub async fn error_groups(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<GroupParams>,
) -> Result<Json<Value>, AppError> {
    check_text("function", &params.function, 256)?;
    let status = params
        .status
        .as_deref()
        .map(|s| {
            GroupStatus::parse(s).ok_or_else(|| {
                AppError::BadRequest("`status` must be open, resolved or muted".into())
            })
        })
        .transpose()?;
    let window = (params.from.is_some() || params.to.is_some())
        .then(|| window(params.from.as_deref(), params.to.as_deref()))
        .transpose()?;
    let query = GroupQuery {
        function: params.function,
        status,
        window,
        limit: limit(params.limit, 100)?,
    };
    let groups = blocking(&state, move |store| store.error_groups(&query)).await?;
    Ok(Json(json!({ "error_groups": groups })))
}

pub(crate) fn check_fingerprint(fingerprint: &str) -> Result<(), AppError> {
    if fingerprint.is_empty()
        || fingerprint.len() > 128
        || !fingerprint
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
    {
        return Err(AppError::BadRequest("not a fingerprint".into()));
    }
    Ok(())
}

pub async fn error_group(
    _: ReadAccess,
    State(state): State<AppState>,
    AppPath(fingerprint): AppPath<String>,
) -> Result<Json<Value>, AppError> {
    check_fingerprint(&fingerprint)?;
    let key = fingerprint.clone();
    let detail = blocking(&state, move |store| store.error_group(&key, 50)).await?;
    detail
        .map(|d| Json(json!(d)))
        .ok_or_else(|| AppError::NotFound(format!("no error group `{fingerprint}`")))
}

async fn set_status(
    state: AppState,
    fingerprint: String,
    status: GroupStatus,
) -> Result<Json<Value>, AppError> {
    check_fingerprint(&fingerprint)?;
    let key = fingerprint.clone();
    let found = blocking(&state, move |store| {
        store.set_error_group_status(&key, status, now_ms())
    })
    .await?;
    if !found {
        return Err(AppError::NotFound(format!(
            "no error group `{fingerprint}`"
        )));
    }
    Ok(Json(
        json!({ "fingerprint": fingerprint, "status": status }),
    ))
}

pub async fn resolve_group(
    _: AdminAccess,
    State(state): State<AppState>,
    AppPath(fingerprint): AppPath<String>,
) -> Result<Json<Value>, AppError> {
    set_status(state, fingerprint, GroupStatus::Resolved).await
}

pub async fn mute_group(
    _: AdminAccess,
    State(state): State<AppState>,
    AppPath(fingerprint): AppPath<String>,
) -> Result<Json<Value>, AppError> {
    set_status(state, fingerprint, GroupStatus::Muted).await
}

pub async fn reopen_group(
    _: AdminAccess,
    State(state): State<AppState>,
    AppPath(fingerprint): AppPath<String>,
) -> Result<Json<Value>, AppError> {
    set_status(state, fingerprint, GroupStatus::Open).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityParams {
    function: Option<String>,
    risk: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
}

pub async fn security_events(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<SecurityParams>,
) -> Result<Json<Value>, AppError> {
    check_text("function", &params.function, 256)?;
    if let Some(risk) = &params.risk {
        risk.parse::<warden_diagnostics::Risk>()
            .map_err(|e| AppError::BadRequest(format!("`risk`: {e}")))?;
    }
    let window = (params.from.is_some() || params.to.is_some())
        .then(|| window(params.from.as_deref(), params.to.as_deref()))
        .transpose()?;
    let query = SecurityQuery {
        function: params.function,
        risk: params.risk,
        window,
        received_after_ms: None,
        limit: limit(params.limit, 100)?,
    };
    let events = blocking(&state, move |store| store.security_events(&query)).await?;
    Ok(Json(json!({ "security_events": events })))
}

/// Channel secrets and URLs (a Slack URL is a credential) are not shown back.
fn redacted(mut rule: AlertRule) -> AlertRule {
    for channel in &mut rule.spec.channels {
        match channel {
            Channel::Webhook { secret, .. } => *secret = REDACTED.into(),
            Channel::Slack { url } => *url = REDACTED.into(),
            Channel::Email { .. } => {}
        }
    }
    rule
}

/// On update, `[redacted]` keeps the stored value of the same channel.
fn keep_secrets(spec: &mut AlertRuleSpec, stored: &AlertRuleSpec) {
    for (index, channel) in spec.channels.iter_mut().enumerate() {
        match (channel, stored.channels.get(index)) {
            (Channel::Webhook { secret, .. }, Some(Channel::Webhook { secret: old, .. }))
                if secret == REDACTED =>
            {
                secret.clone_from(old)
            }
            (Channel::Slack { url }, Some(Channel::Slack { url: old })) if url == REDACTED => {
                url.clone_from(old)
            }
            _ => {}
        }
    }
}

pub async fn list_rules(
    _: ReadAccess,
    State(state): State<AppState>,
) -> Result<Json<Value>, AppError> {
    let rules = blocking(&state, |store| store.alert_rules()).await?;
    Ok(Json(
        json!({ "rules": rules.into_iter().map(redacted).collect::<Vec<_>>() }),
    ))
}

pub async fn get_rule(
    _: ReadAccess,
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<Json<Value>, AppError> {
    let rule = blocking(&state, move |store| store.alert_rule(id)).await?;
    rule.map(|r| Json(json!(redacted(r))))
        .ok_or_else(|| AppError::NotFound(format!("no alert rule {id}")))
}

pub async fn create_rule(
    _: AdminAccess,
    State(state): State<AppState>,
    AppJson(spec): AppJson<AlertRuleSpec>,
) -> Result<Response, AppError> {
    spec.validate().map_err(AppError::BadRequest)?;
    let rule = blocking(&state, move |store| {
        store.create_alert_rule(&spec, now_ms())
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!(redacted(rule)))).into_response())
}

pub async fn update_rule(
    _: AdminAccess,
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
    AppJson(mut spec): AppJson<AlertRuleSpec>,
) -> Result<Json<Value>, AppError> {
    let stored = blocking(&state, move |store| store.alert_rule(id))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no alert rule {id}")))?;
    keep_secrets(&mut spec, &stored.spec);
    spec.validate().map_err(AppError::BadRequest)?;
    let rule = blocking(&state, move |store| {
        store.update_alert_rule(id, &spec, now_ms())
    })
    .await?;
    rule.map(|r| Json(json!(redacted(r))))
        .ok_or_else(|| AppError::NotFound(format!("no alert rule {id}")))
}

pub async fn delete_rule(
    _: AdminAccess,
    State(state): State<AppState>,
    AppPath(id): AppPath<i64>,
) -> Result<StatusCode, AppError> {
    if blocking(&state, move |store| store.delete_alert_rule(id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!("no alert rule {id}")))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    rule_id: Option<i64>,
    limit: Option<u32>,
}

pub async fn alert_history(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<HistoryParams>,
) -> Result<Json<Value>, AppError> {
    let limit = limit(params.limit, 100)?;
    let events = blocking(&state, move |store| {
        store.alert_history(params.rule_id, limit)
    })
    .await?;
    Ok(Json(json!({ "events": events })))
}

pub async fn status(_: ReadAccess, State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    use std::sync::atomic::Ordering::Relaxed;
    let stats = blocking(&state, |store| store.stats()).await?;
    let m = &state.ingest.metrics;
    Ok(Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "store": stats,
        "pipeline": {
            "lines": m.lines.load(Relaxed),
            "commits": m.commits.load(Relaxed),
            "commit_failures": m.commit_failures.load(Relaxed),
            "invocations": m.invocations.load(Relaxed),
            "replayed_lines": m.replayed_lines.load(Relaxed),
        },
        "poll": state.poll.as_ref().map(|poll| poll.to_json(now_ms())),
    })))
}

/// Unknown `/api` paths answer JSON too.
pub async fn not_found() -> AppError {
    AppError::NotFound("no such endpoint".into())
}
