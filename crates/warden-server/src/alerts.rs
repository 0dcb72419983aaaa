//! Alert rules and their evaluation.
//!
//! A rule watches one condition over the functions its glob matches: failures (count or
//! rate, any class or one), p95/p99 duration, cold-start rate, cost over the window, an
//! invocation spike against the function's own baseline (denial-of-wallet), new error
//! groups, or security events of a risk. Metric conditions read the per-minute rollups
//! over the last `window_seconds`; event conditions look at what arrived since the last
//! evaluation. States go ok → firing → resolved (→ firing …); every change is recorded in
//! the rule's history and notified, at most once per `cooldown_seconds`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};
use warden_diagnostics::Risk;

use crate::notify::{Notification, Notifier};
use crate::store::{AlertRule, AlertUpdate, SecurityQuery, Store, StoreResult, Window};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Ok,
    Firing,
    Resolved,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Ok => "ok",
            AlertState::Firing => "firing",
            AlertState::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<AlertState> {
        match text {
            "ok" => Some(AlertState::Ok),
            "firing" => Some(AlertState::Firing),
            "resolved" => Some(AlertState::Resolved),
            _ => None,
        }
    }
}

/// What a rule watches. Thresholds: counts for counts, fractions (0..1) for rates,
/// milliseconds for durations, USD for cost, a factor over baseline for spikes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    FailureCount {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class: Option<String>,
    },
    FailureRate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        class: Option<String>,
    },
    DurationP95,
    DurationP99,
    ColdStartRate,
    /// Cost over the window: a one-hour window is cost per hour, a day per day.
    Cost,
    /// Invocations in the window against the function's rate over `baseline_seconds`
    /// before it; fires when the ratio exceeds the threshold.
    InvocationSpike {
        #[serde(default = "default_baseline")]
        baseline_seconds: u64,
        #[serde(default = "default_min_invocations")]
        min_invocations: u64,
    },
    NewErrorGroup,
    SecurityEvent {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        risk: Option<String>,
    },
}

fn default_baseline() -> u64 {
    86_400
}
fn default_min_invocations() -> u64 {
    100
}
fn default_functions() -> String {
    "*".to_owned()
}
fn default_window() -> u64 {
    300
}
fn default_cooldown() -> u64 {
    600
}
fn default_enabled() -> bool {
    true
}

/// Where a notification goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Channel {
    /// JSON POST signed with HMAC-SHA256 of `timestamp.body` under `secret`.
    Webhook { url: String, secret: String },
    /// A Slack incoming webhook.
    Slack { url: String },
    /// Email through the server's SMTP settings.
    Email { to: Vec<String> },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRuleSpec {
    pub name: String,
    pub condition: Condition,
    /// Function name or glob (`checkout-*`).
    #[serde(default = "default_functions")]
    pub functions: String,
    #[serde(default = "default_window")]
    pub window_seconds: u64,
    #[serde(default)]
    pub threshold: f64,
    #[serde(default = "default_cooldown")]
    pub cooldown_seconds: u64,
    #[serde(default)]
    pub channels: Vec<Channel>,
    #[serde(default = "default_enabled")]
    pub enabled: bool,
}

pub const FAILURE_CLASSES: [&str; 5] = ["error", "timeout", "out_of_memory", "init_error", "crash"];
const MAX_WINDOW: u64 = 30 * 86_400;

impl AlertRuleSpec {
    /// Checks everything a client could get wrong; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.len() > 200 {
            return Err("`name` must be 1 to 200 characters".into());
        }
        if self.functions.is_empty() || self.functions.len() > 200 {
            return Err(
                "`functions` must be a function name or glob of 1 to 200 characters".into(),
            );
        }
        Glob::new(&self.functions).map_err(|e| format!("`functions` is not a valid glob: {e}"))?;
        if !(60..=MAX_WINDOW).contains(&self.window_seconds) {
            return Err(format!(
                "`window_seconds` must be between 60 and {MAX_WINDOW}"
            ));
        }
        if self.cooldown_seconds > MAX_WINDOW {
            return Err(format!("`cooldown_seconds` must be at most {MAX_WINDOW}"));
        }
        if !self.threshold.is_finite() || self.threshold < 0.0 {
            return Err("`threshold` must be a finite number ≥ 0".into());
        }
        match &self.condition {
            Condition::FailureCount { class } | Condition::FailureRate { class } => {
                if let Some(class) = class {
                    if !FAILURE_CLASSES.contains(&class.as_str()) {
                        return Err(format!(
                            "`condition.class` must be one of {}",
                            FAILURE_CLASSES.join(", ")
                        ));
                    }
                }
                if matches!(self.condition, Condition::FailureRate { .. }) && self.threshold > 1.0 {
                    return Err("a rate `threshold` is a fraction between 0 and 1".into());
                }
            }
            Condition::ColdStartRate if self.threshold > 1.0 => {
                return Err("a rate `threshold` is a fraction between 0 and 1".into())
            }
            Condition::InvocationSpike {
                baseline_seconds, ..
            } if !(self.window_seconds..=MAX_WINDOW).contains(baseline_seconds) => {
                return Err(
                    "`condition.baseline_seconds` must be at least the window and at most 30 days"
                        .into(),
                );
            }
            Condition::SecurityEvent { risk: Some(risk) } => {
                Risk::from_str(risk).map_err(|e| format!("`condition.risk`: {e}"))?;
            }
            _ => {}
        }
        if self.channels.len() > 10 {
            return Err("at most 10 `channels`".into());
        }
        for channel in &self.channels {
            match channel {
                Channel::Webhook { url, secret } => {
                    check_url(url)?;
                    if secret.len() < 16 || secret.len() > 256 {
                        return Err("a webhook `secret` must be 16 to 256 characters".into());
                    }
                }
                Channel::Slack { url } => check_url(url)?,
                Channel::Email { to } => {
                    if to.is_empty() || to.len() > 20 {
                        return Err("an email channel needs 1 to 20 `to` addresses".into());
                    }
                    for address in to {
                        check_email(address)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| format!("`{url}` is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || url.len() > 2048
    {
        return Err("channel URLs must be http(s) URLs with a host".into());
    }
    Ok(())
}

/// An address that is safe to put in an SMTP envelope and header: no spaces, controls or
/// angle brackets (header and command injection), one `@` with text on both sides.
pub fn check_email(address: &str) -> Result<(), String> {
    let ok = address.len() <= 254
        && address.chars().all(|c| {
            c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '\\' | '(' | ')')
        })
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("`{address}` is not a plain email address"))
    }
}

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
        if let Err(error) = evaluate_all(store.clone(), &notifier, crate::pipeline::now_ms()).await
        {
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

    #[test]
    fn specs_are_validated() {
        let spec: AlertRuleSpec = serde_json::from_value(serde_json::json!({
            "name": "timeouts", "condition": {"kind": "failure_rate", "class": "timeout"}, "threshold": 0.1
        }))
        .unwrap();
        assert_eq!(spec.validate(), Ok(()));
        let mut bad = spec.clone();
        bad.threshold = 2.0;
        assert!(bad.validate().is_err());
        bad = spec.clone();
        bad.condition = Condition::FailureCount {
            class: Some("nope".into()),
        };
        assert!(bad.validate().unwrap_err().contains("class"));
        bad = spec;
        bad.channels = vec![Channel::Email {
            to: vec!["a@b.c\r\nRCPT TO:<x@y>".into()],
        }];
        assert!(bad.validate().is_err());
        assert!(serde_json::from_value::<AlertRuleSpec>(
            serde_json::json!({"name": "x", "condition": {"kind": "cost"}, "extra": 1})
        )
        .is_err());
    }
}
