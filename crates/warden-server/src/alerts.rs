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
use crate::store::{AlertRule, AlertUpdate, SecurityQuery, Store, StoreResult, Window};

/// One evaluation's verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub breached: bool,
    pub value: Option<f64>,
    pub functions: Vec<String>,
    pub detail: String,
}

fn matcher(spec: &AlertRuleSpec) -> GlobMatcher {
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
                breaching.push(format!("{function} ({})", round(value)));
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
                let rate =
                    |n: u64| (rollup.invocations > 0).then(|| n as f64 / rollup.invocations as f64);
                let value = match condition {
                    Condition::FailureCount { class: None } => Some(rollup.failures() as f64),
                    Condition::FailureCount { class: Some(class) } => {
                        rollup.failures_of(class).map(|n| n as f64)
                    }
                    Condition::FailureRate { class: None } => rate(rollup.failures()),
                    Condition::FailureRate { class: Some(class) } => {
                        rollup.failures_of(class).and_then(rate)
                    }
                    Condition::DurationP95 => rollup.durations.quantile(0.95),
                    Condition::DurationP99 => rollup.durations.quantile(0.99),
                    Condition::ColdStartRate => rate(rollup.cold_starts),
                    Condition::Cost => Some(rollup.cost_usd),
                    _ => None,
                };
                consider(&rollup.function, value);
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

fn describe(condition: &Condition) -> String {
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

fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
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
        if changed || renotify {
            let message = format!(
                "[{}] {}: {} = {} (threshold {}) over {}s{}",
                state.as_str().to_uppercase(),
                rule.spec.name,
                verdict.detail,
                verdict
                    .value
                    .map_or("n/a".to_owned(), |v| round(v).to_string()),
                rule.spec.threshold,
                rule.spec.window_seconds,
                if verdict.functions.is_empty() {
                    String::new()
                } else {
                    format!(": {}", verdict.functions.join("; "))
                }
            );
            let cooling = rule
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
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.apply_alert_update(&update))
            .await
            .map_err(join_error)??;
    }
    Ok(())
}

fn join_error(error: tokio::task::JoinError) -> crate::store::StoreError {
    crate::store::StoreError::Backend(format!("evaluation task: {error}"))
}

/// Runs evaluations every `interval`, and early when the pipeline reports new error
/// groups or security events.
pub async fn run(
    store: Arc<dyn Store>,
    notifier: Notifier,
    interval: Duration,
    activity: Arc<tokio::sync::Notify>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = activity.notified() => {}
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
