//! The dashboard's read endpoints beyond the basic API: the overview in one request, an
//! invocation opened on its own, security events grouped, an error group's occurrences
//! over a window, and the preview of an alert rule over the past day.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use warden_logs::time::format_millis;

use crate::alert_preview;
use crate::alert_rules::AlertRuleSpec;
use crate::api::{blocking, check_fingerprint, check_text, limit, summary, window};
use crate::auth::{AdminAccess, ReadAccess};
use crate::clock::now_ms;
use crate::error::{AppError, AppJson, AppQuery};
use crate::state::AppState;
use crate::store::{SecurityQuery, Window};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// A step from a fixed ladder giving about 30 points or fewer, so sparklines read whole
/// buckets of the coarsest tier (a 30-day window: one day per point, from the day tier).
pub fn sparkline_step(window: Window) -> i64 {
    let span = window.to_ms - window.from_ms;
    [
        MINUTE_MS,
        5 * MINUTE_MS,
        15 * MINUTE_MS,
        HOUR_MS,
        6 * HOUR_MS,
        DAY_MS,
        7 * DAY_MS,
    ]
    .into_iter()
    .find(|step| span / step <= 30)
    .unwrap_or(30 * DAY_MS)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v1/overview`: totals, every function's summary and its sparkline, and the
/// number of security events, in one request (the page used to make 2 + N).
pub async fn overview(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<WindowParams>,
) -> Result<Json<Value>, AppError> {
    let window = window(params.from.as_deref(), params.to.as_deref())?;
    let step_ms = sparkline_step(window);
    let (rollups, sparklines, security) = blocking(&state, move |store| {
        let security = store.security_groups(&SecurityQuery {
            window: Some(window),
            limit: 10_000,
            ..SecurityQuery::default()
        })?;
        Ok((
            store.rollups(window)?,
            store.sparklines(window, step_ms)?,
            security,
        ))
    })
    .await?;
    let mut lines: std::collections::HashMap<String, _> = sparklines
        .into_iter()
        .map(|line| (line.function.clone(), line))
        .collect();
    let mut totals = (0u64, 0u64, 0u64, 0.0f64);
    let functions: Vec<Value> = rollups
        .iter()
        .map(|rollup| {
            totals.0 += rollup.invocations;
            totals.1 += rollup.failures();
            totals.2 += rollup.cold_starts;
            totals.3 += rollup.cost_usd;
            let security_events: u64 = security
                .iter()
                .filter(|g| g.function == rollup.function)
                .map(|g| g.count)
                .sum();
            let mut value = json!(summary(rollup));
            let line = lines.remove(&rollup.function);
            value["security_events"] = json!(security_events);
            value["sparkline"] = json!({
                "invocations": line.as_ref().map_or(&[][..], |l| &l.invocations[..]),
                "failures": line.as_ref().map_or(&[][..], |l| &l.failures[..]),
            });
            value
        })
        .collect();
    let security_events: u64 = security.iter().map(|g| g.count).sum();
    Ok(Json(json!({
        "from": format_millis(window.from_ms),
        "to": format_millis(window.to_ms),
        "step_seconds": step_ms / 1000,
        "sparkline_start": format_millis(window.from_ms.div_euclid(step_ms) * step_ms),
        "totals": {
            "functions": functions.len(),
            "invocations": totals.0,
            "failures": totals.1,
            "cold_starts": totals.2,
            "cost_usd": (totals.3 * 1e9).round() / 1e9,
            "security_events": security_events,
        },
        "functions": functions,
    })))
}

/// `GET /api/v1/invocations/{id}`: the invocation, its lines, a timeline and its error.
pub async fn invocation(
    _: ReadAccess,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let id: i64 = id
        .parse()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::BadRequest("an invocation id is a positive integer".into()))?;
    let detail = blocking(&state, move |store| store.invocation(id, 1000))
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no invocation {id}")))?;
    let invocation = &detail.invocation.invocation;
    // The timeline as the Lambda console draws it: init (cold starts) before the handler,
    // the handler's duration, and what was billed.
    let timeline = json!({
        "start": invocation.start.map(format_millis),
        "end": invocation.end.map(format_millis),
        "init_ms": invocation.init_duration_ms,
        "restore_ms": invocation.restore_duration_ms,
        "duration_ms": invocation.duration_ms,
        "billed_ms": invocation.billed_duration_ms,
    });
    let memory = json!({
        "size_mb": invocation.memory_size_mb,
        "max_used_mb": invocation.max_memory_used_mb,
        "used_fraction": match (invocation.max_memory_used_mb, invocation.memory_size_mb) {
            (Some(used), Some(size)) if size > 0 => Some((f64::from(used) / f64::from(size) * 1000.0).round() / 1000.0),
            _ => None,
        },
    });
    let error = invocation.error.as_ref().map(|error| {
        json!({
            "fingerprint": error.fingerprint,
            "error_type": error.error_type,
            "message": error.message,
            "stack": detail.error.as_ref().map(|o| o.stack.clone()).unwrap_or_default(),
            "unhandled": detail.error.as_ref().map(|o| o.unhandled),
        })
    });
    Ok(Json(json!({
        "invocation": detail.invocation,
        "timeline": timeline,
        "memory": memory,
        "error": error,
        "lines": detail.lines,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupParams {
    function: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/security-groups`: events by kind × function with count, first and last
/// seen and the latest as a sample, over the window (default: the last 24 hours).
pub async fn security_groups(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<SecurityGroupParams>,
) -> Result<Json<Value>, AppError> {
    check_text("function", &params.function, 256)?;
    let window = window(params.from.as_deref(), params.to.as_deref())?;
    let query = SecurityQuery {
        function: params.function,
        window: Some(window),
        limit: limit(params.limit, 200)?,
        ..SecurityQuery::default()
    };
    let groups = blocking(&state, move |store| store.security_groups(&query)).await?;
    Ok(Json(json!({
        "from": format_millis(window.from_ms),
        "to": format_millis(window.to_ms),
        "security_groups": groups,
    })))
}

/// `GET /api/v1/error-groups/{fingerprint}/occurrences`: how often the group occurred per
/// step over the window, and its latest occurrences there (each with its request id).
pub async fn error_occurrences(
    _: ReadAccess,
    State(state): State<AppState>,
    Path(fingerprint): Path<String>,
    AppQuery(params): AppQuery<SecurityGroupParams>,
) -> Result<Json<Value>, AppError> {
    check_fingerprint(&fingerprint)?;
    if params.function.is_some() {
        return Err(AppError::BadRequest(
            "`function` does not apply to one error group".into(),
        ));
    }
    let window = window(params.from.as_deref(), params.to.as_deref())?;
    let step_ms = sparkline_step(window);
    let limit = limit(params.limit, 50)?;
    let key = fingerprint.clone();
    let series = blocking(&state, move |store| {
        store.error_occurrences(&key, window, step_ms, limit)
    })
    .await?;
    Ok(Json(json!({
        "fingerprint": fingerprint,
        "from": format_millis(window.from_ms),
        "to": format_millis(window.to_ms),
        "step_seconds": step_ms / 1000,
        "start": format_millis(window.from_ms.div_euclid(step_ms) * step_ms),
        "total": series.total,
        "counts": series.counts,
        "occurrences": series.occurrences,
    })))
}

/// `POST /api/v1/alerts/preview` (admin, like editing a rule): what the rule would have
/// done over the past day, evaluated as the alert engine would have (at its interval).
pub async fn alert_preview(
    _: AdminAccess,
    State(state): State<AppState>,
    AppJson(spec): AppJson<AlertRuleSpec>,
) -> Result<Json<Value>, AppError> {
    spec.validate().map_err(AppError::BadRequest)?;
    let now = now_ms();
    let interval_ms = i64::try_from(state.alert_interval.as_millis()).unwrap_or(i64::MAX);
    let preview = blocking(&state, move |store| {
        alert_preview::preview(store, &spec, now - DAY_MS, now, interval_ms)
    })
    .await?;
    Ok(Json(json!(preview)))
}
