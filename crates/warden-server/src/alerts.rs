//! Alert rules and their evaluation.
//!
//! A rule watches one condition over the functions its glob matches: failures (count or
//! rate, any class or one), p95/p99 duration, cold-start rate, cost over the window, an
//! invocation spike against the function's own baseline (denial-of-wallet), new error
//! groups, or security events of a risk. Metric conditions read the per-minute rollups
//! over the last `window_seconds`; event conditions look at what arrived since the last
//! evaluation. States go ok → firing → resolved (→ firing …); every change is recorded in
//! the rule's history and notified, at most once per `cooldown_seconds`.

use std::sync::Arc;
use std::time::Duration;

use globset::{Glob, GlobMatcher};

use crate::alert_rules::{AlertRuleSpec, AlertState, Condition};
use crate::clock::now_ms;
use crate::notify::{Notification, Notifier};
use crate::store::{
    AlertRule, AlertUpdate, FunctionRollup, SecurityQuery, Store, StoreResult, Window,
};

/// One evaluation's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub breached: bool,
    pub value: Option<f64>,
    pub functions: Vec<String>,
    pub detail: String,
}

/// The functions a rule watches (its `functions` glob; validation rejects bad globs).
pub fn matcher(spec: &AlertRuleSpec) -> GlobMatcher {
    Glob::new(&spec.functions)
        .unwrap_or_else(|_| Glob::new("*").expect("`*` is a glob"))
        .compile_matcher()
}

/// Evaluates one rule at `now_ms` (server time; the rollups are in event time, which for
/// live ingest is the same clock).
pub fn evaluate(store: &dyn Store, rule: &AlertRule, now_ms: i64) -> StoreResult<Verdict> {
    let spec = &rule.spec;
    let matches = matcher(spec);
    let window_ms = spec.window_seconds as i64 * 1000;
    let window = Window {
        from_ms: now_ms - window_ms,
        to_ms: now_ms,
    };
    let mut worst: Option<f64> = None;
    let mut breaching = Vec::new();
    let mut consider = |function: &str, value: Option<f64>| {
        if let Some(value) = value {
            worst = Some(worst.map_or(value, |w: f64| w.max(value)));
            if value > spec.threshold {
                breaching.push(format!(
                    "{function} ({})",
                    format_value(&spec.condition, value)
                ));
            }
        }
    };
    match &spec.condition {
        Condition::NewErrorGroup => {
            let groups: Vec<_> = store
                .error_groups_created_after(rule.cursor_at_ms)?
                .into_iter()
                .filter(|g| {
                    matches.is_match(&g.function) && g.status != crate::store::GroupStatus::Muted
                })
                .collect();
            let count = groups.len() as f64;
            let functions: Vec<String> = groups
                .iter()
                .map(|g| format!("{}: {} {}", g.function, g.error_type, g.message))
                .collect();
            return Ok(Verdict {
                breached: count > spec.threshold,
                value: Some(count),
                detail: format!("{} new error group(s)", groups.len()),
                functions,
            });
        }
        Condition::SecurityEvent { risk } => {
            let events: Vec<_> = store
                .security_events(&SecurityQuery {
                    risk: risk.clone(),
                    received_after_ms: Some(rule.cursor_at_ms),
                    limit: 1000,
                    ..SecurityQuery::default()
                })?
                .into_iter()
                .filter(|e| matches.is_match(&e.function))
                .collect();
            let count = events.len() as f64;
            let functions: Vec<String> = events
                .iter()
                .map(|e| format!("{}: {} {}", e.function, e.risk, e.kind))
                .collect();
            return Ok(Verdict {
                breached: count > spec.threshold,
                value: Some(count),
                detail: format!("{} security event(s)", events.len()),
                functions,
            });
        }
        Condition::InvocationSpike {
            baseline_seconds,
            min_invocations,
        } => {
            let baseline_ms = *baseline_seconds as i64 * 1000;
            let before = Window {
                from_ms: window.from_ms - baseline_ms,
                to_ms: window.from_ms,
            };
            let baseline = store.rollups(before)?;
            for current in store
                .rollups(window)?
                .iter()
                .filter(|r| matches.is_match(&r.function))
            {
                if current.invocations < *min_invocations {
                    continue;
                }
                let past = baseline
                    .iter()
                    .find(|b| b.function == current.function)
                    .map_or(0, |b| b.invocations);
                let expected = past as f64 * window_ms as f64 / baseline_ms as f64;
                consider(
                    &current.function,
                    Some(current.invocations as f64 / expected.max(1.0)),
                );
            }
        }
        condition => {
            for rollup in store
                .rollups(window)?
                .iter()
                .filter(|r| matches.is_match(&r.function))
            {
                consider(&rollup.function, metric_value(condition, rollup));
            }
        }
    }
    let breached = !breaching.is_empty();
    Ok(Verdict {
        breached,
        value: worst,
        detail: describe(&spec.condition),
        functions: breaching,
    })
}

/// The value a metric condition measures on a function's rollup over the window (`None`
/// for event and spike conditions, and where nothing was measured).
pub fn metric_value(condition: &Condition, rollup: &FunctionRollup) -> Option<f64> {
    let rate = |n: u64| (rollup.invocations > 0).then(|| n as f64 / rollup.invocations as f64);
    match condition {
        Condition::FailureCount { class: None } => Some(rollup.failures() as f64),
        Condition::FailureCount { class: Some(class) } => {
            rollup.failures_of(class).map(|n| n as f64)
        }
        Condition::FailureRate { class: None } => rate(rollup.failures()),
        Condition::FailureRate { class: Some(class) } => rollup.failures_of(class).and_then(rate),
        Condition::DurationP95 => rollup.durations.quantile(0.95),
        Condition::DurationP99 => rollup.durations.quantile(0.99),
        Condition::ColdStartRate => rate(rollup.cold_starts),
        Condition::Cost => Some(rollup.cost_usd),
        _ => None,
    }
}

pub(crate) fn describe(condition: &Condition) -> String {
    match condition {
        Condition::FailureCount { class } => {
            format!("{} failures", class.as_deref().unwrap_or("all"))
        }
        Condition::FailureRate { class } => {
            format!("{} failure rate", class.as_deref().unwrap_or("overall"))
        }
        Condition::DurationP95 => "p95 duration (ms)".into(),
        Condition::DurationP99 => "p99 duration (ms)".into(),
        Condition::ColdStartRate => "cold-start rate".into(),
        Condition::Cost => "cost (USD)".into(),
        Condition::InvocationSpike { .. } => "invocations over baseline".into(),
        Condition::NewErrorGroup => "new error groups".into(),
        Condition::SecurityEvent { .. } => "security events".into(),
    }
}

/// The next state and whether this is a change worth recording.
pub fn transition(current: AlertState, breached: bool) -> (AlertState, bool) {
    match (current, breached) {
        (AlertState::Firing, true) => (AlertState::Firing, false),
        (_, true) => (AlertState::Firing, true),
        (AlertState::Firing, false) => (AlertState::Resolved, true),
        (state, false) => (state, false),
    }
}

/// Evaluates every enabled rule once, records state changes and sends notifications.
pub async fn evaluate_all(
    store: Arc<dyn Store>,
    notifier: &Notifier,
    now_ms: i64,
) -> StoreResult<()> {
    let rules = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.alert_rules())
            .await
            .map_err(join_error)??
    };
    // Each rule's notifications (with their retries) and its update run on their own
    // task: a receiver that is down delays only its own rule's history entry.
    let mut pending = tokio::task::JoinSet::new();
    for rule in rules.into_iter().filter(|r| r.spec.enabled) {
        let verdict = {
            let store = store.clone();
            let rule = rule.clone();
            tokio::task::spawn_blocking(move || evaluate(store.as_ref(), &rule, now_ms))
                .await
                .map_err(join_error)??
        };
        let (state, changed) = transition(rule.state, verdict.breached);
        // Event rules that keep seeing new events while firing notify again (after the
        // cooldown); metric rules notify on changes only.
        let is_event_rule = matches!(
            rule.spec.condition,
            Condition::NewErrorGroup | Condition::SecurityEvent { .. }
        );
        let renotify = is_event_rule
            && !changed
            && state == AlertState::Firing
            && verdict.value.unwrap_or(0.0) > rule.spec.threshold;
        let mut update = AlertUpdate {
            rule_id: rule.id,
            state,
            value: verdict.value,
            cursor_at_ms: now_ms,
            notified_at_ms: None,
            event: None,
            at_ms: now_ms,
        };
        let store = store.clone();
        let notifier = notifier.clone();
        pending.spawn(async move {
            if changed || renotify {
                let message = message(&rule, state, &verdict);
                // The cooldown limits repeated alarms; the end of an incident is always
                // told.
                let cooling = state == AlertState::Firing
                    && rule
                        .last_notified_at_ms
                        .is_some_and(|at| now_ms - at < rule.spec.cooldown_seconds as i64 * 1000);
                let deliveries = if cooling {
                    serde_json::json!([{ "skipped": "cooldown" }])
                } else {
                    update.notified_at_ms = Some(now_ms);
                    let notification = Notification {
                        rule_id: rule.id,
                        rule_name: rule.spec.name.clone(),
                        state,
                        value: verdict.value,
                        threshold: rule.spec.threshold,
                        message: message.clone(),
                        functions: verdict.functions.clone(),
                        at_ms: now_ms,
                    };
                    serde_json::to_value(notifier.deliver(&rule.spec.channels, &notification).await)
                        .unwrap_or_default()
                };
                update.event = Some((message, deliveries));
            }
            tokio::task::spawn_blocking(move || store.apply_alert_update(&update))
                .await
                .map_err(join_error)?
        });
    }
    let mut result = Ok(());
    while let Some(done) = pending.join_next().await {
        if let Err(error) = done.map_err(join_error).and_then(|r| r) {
            result = Err(error);
        }
    }
    result
}

/// The text of a notification, with values in the condition's unit.
fn message(rule: &AlertRule, state: AlertState, verdict: &Verdict) -> String {
    let condition = &rule.spec.condition;
    format!(
        "[{}] {}: {} = {} (threshold {}) over {}{}",
        state.as_str().to_uppercase(),
        rule.spec.name,
        verdict.detail,
        verdict
            .value
            .map_or("n/a".to_owned(), |v| format_value(condition, v)),
        format_value(condition, rule.spec.threshold),
        format_seconds(rule.spec.window_seconds),
        if verdict.functions.is_empty() {
            String::new()
        } else {
            format!(": {}", verdict.functions.join("; "))
        }
    )
}

/// A value as a person reads it: rates in percent, durations in ms, cost in dollars with
/// enough digits to be told apart, counts whole.
pub fn format_value(condition: &Condition, value: f64) -> String {
    match condition {
        Condition::FailureRate { .. } | Condition::ColdStartRate => {
            format!("{} %", significant(value * 100.0))
        }
        Condition::DurationP95 | Condition::DurationP99 => format!("{} ms", significant(value)),
        Condition::Cost if value >= 1.0 => format!("${value:.2}"),
        Condition::Cost => format!("${}", significant(value)),
        Condition::InvocationSpike { .. } => format!("{}×", significant(value)),
        Condition::FailureCount { .. }
        | Condition::NewErrorGroup
        | Condition::SecurityEvent { .. } => {
            format!("{}", value.round() as i64)
        }
    }
}

/// Three significant digits, at most two decimals past a whole number, no trailing zeros.
fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 8) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

fn format_seconds(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn join_error(error: tokio::task::JoinError) -> crate::store::StoreError {
    crate::store::StoreError::Backend(format!("evaluation task: {error}"))
}

/// Runs evaluations every `interval`, and early when the pipeline reports new error
/// groups or security events.
/// The lease whose holder evaluates alert rules when several nodes share a store.
pub const ALERTS_LEASE: &str = "alerts";

pub async fn run(
    store: Arc<dyn Store>,
    notifier: Notifier,
    interval: Duration,
    activity: Arc<tokio::sync::Notify>,
) {
    // Nodes sharing a store take turns by lease: one evaluates (and notifies) at a time.
    let lease_ms = (interval.as_millis() as i64).saturating_mul(3).max(10_000);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = activity.notified() => {}
        }
        let lease = {
            let store = store.clone();
            tokio::task::spawn_blocking(move || {
                store.try_lease(ALERTS_LEASE, crate::pipeline::node_id(), now_ms(), lease_ms)
            })
            .await
        };
        match lease {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => continue,
            Ok(Err(error)) => {
                eprintln!("warden serve: alert lease: {error}");
                continue;
            }
            Err(error) => {
                eprintln!("warden serve: alert lease task failed: {error}");
                continue;
            }
        }
        if let Err(error) = evaluate_all(store.clone(), &notifier, now_ms()).await {
            eprintln!("warden serve: alert evaluation failed: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_formatted_in_their_unit() {
        let rate = Condition::FailureRate { class: None };
        assert_eq!(format_value(&rate, 0.023_809_523_8), "2.38 %");
        assert_eq!(format_value(&rate, 0.5), "50 %");
        assert_eq!(format_value(&Condition::Cost, 0.001_604_123), "$0.0016");
        assert_eq!(format_value(&Condition::Cost, 12.345_678), "$12.35");
        assert_eq!(format_value(&Condition::DurationP99, 3011.5712), "3012 ms");
        assert_eq!(
            format_value(&Condition::FailureCount { class: None }, 3.0),
            "3"
        );
        assert_eq!(format_seconds(3600), "1 h");
        assert_eq!(format_seconds(90), "90 s");
    }

    #[test]
    fn states_go_ok_firing_resolved_firing() {
        assert_eq!(transition(AlertState::Ok, false), (AlertState::Ok, false));
        assert_eq!(transition(AlertState::Ok, true), (AlertState::Firing, true));
        assert_eq!(
            transition(AlertState::Firing, true),
            (AlertState::Firing, false)
        );
        assert_eq!(
            transition(AlertState::Firing, false),
            (AlertState::Resolved, true)
        );
        assert_eq!(
            transition(AlertState::Resolved, false),
            (AlertState::Resolved, false)
        );
        assert_eq!(
            transition(AlertState::Resolved, true),
            (AlertState::Firing, true)
        );
    }
}
