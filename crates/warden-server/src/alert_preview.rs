//! What an alert rule would have done over a past period: the engine's own evaluation
//! replayed at each step, with the same state machine, so the form can show "this would
//! have fired 3 times yesterday, on these functions" before the rule is saved.

use serde::Serialize;
use warden_logs::time::format_millis;

use crate::alert_rules::{AlertRuleSpec, AlertState, Condition};
use crate::alerts::{evaluate, transition, Verdict};
use crate::store::{AlertRule, GroupQuery, GroupStatus, SecurityQuery, Store, StoreResult, Window};

/// At most this many evaluations in a preview.
const MAX_STEPS: i64 = 288;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PreviewEvent {
    pub at: String,
    pub state: AlertState,
    pub value: Option<f64>,
    pub functions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Preview {
    pub from: String,
    pub to: String,
    pub step_seconds: i64,
    pub evaluations: u64,
    /// How many times the rule would have gone to firing.
    pub fired: u64,
    /// Every state change, oldest first.
    pub events: Vec<PreviewEvent>,
    /// The value at each evaluation (`null` where nothing was measured).
    pub values: Vec<Option<f64>>,
}

/// Replays `spec` from `from_ms` to `to_ms`, one evaluation per window (at least five
/// minutes, at most [`MAX_STEPS`] evaluations). Event conditions (new error groups,
/// security events) look at what arrived during each step, as the engine's cursor does.
pub fn preview(
    store: &dyn Store,
    spec: &AlertRuleSpec,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Preview> {
    let span = (to_ms - from_ms).max(1);
    let step_ms = (spec.window_seconds as i64 * 1000)
        .max(300_000)
        .max(span / MAX_STEPS);
    let mut rule = AlertRule {
        id: 0,
        spec: spec.clone(),
        state: AlertState::Ok,
        last_value: None,
        last_notified_at_ms: None,
        cursor_at_ms: from_ms,
        created_at: format_millis(from_ms),
        updated_at: format_millis(from_ms),
    };
    let event_rule = matches!(
        spec.condition,
        Condition::NewErrorGroup | Condition::SecurityEvent { .. }
    );
    let mut preview = Preview {
        from: format_millis(from_ms),
        to: format_millis(to_ms),
        step_seconds: step_ms / 1000,
        evaluations: 0,
        fired: 0,
        events: Vec::new(),
        values: Vec::new(),
    };
    let mut at = from_ms + step_ms;
    while at <= to_ms {
        let verdict = if event_rule {
            events_between(store, spec, at - step_ms, at)?
        } else {
            evaluate(store, &rule, at)?
        };
        preview.evaluations += 1;
        preview.values.push(verdict.value);
        let (next, changed) = transition(rule.state, verdict.breached);
        if changed {
            if next == AlertState::Firing {
                preview.fired += 1;
            }
            preview.events.push(PreviewEvent {
                at: format_millis(at),
                state: next,
                value: verdict.value,
                functions: verdict.functions,
            });
        }
        rule.state = next;
        rule.cursor_at_ms = at;
        at += step_ms;
    }
    Ok(preview)
}

/// An event rule's verdict for events that happened (event time) in `[from_ms, to_ms)`:
/// the engine counts what arrived since its last look, which for the past is the same.
fn events_between(
    store: &dyn Store,
    spec: &AlertRuleSpec,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Verdict> {
    let matches = globset::Glob::new(&spec.functions)
        .unwrap_or_else(|_| globset::Glob::new("*").expect("`*` is a glob"))
        .compile_matcher();
    let window = Some(Window { from_ms, to_ms });
    let (count, functions, detail) = match &spec.condition {
        Condition::SecurityEvent { risk } => {
            let events: Vec<_> = store
                .security_events(&SecurityQuery {
                    risk: risk.clone(),
                    window,
                    limit: 1000,
                    ..SecurityQuery::default()
                })?
                .into_iter()
                .filter(|e| matches.is_match(&e.function))
                .collect();
            let functions = events
                .iter()
                .map(|e| format!("{}: {} {}", e.function, e.risk, e.kind))
                .collect();
            (events.len(), functions, "security event(s)")
        }
        _ => {
            let groups: Vec<_> = store
                .error_groups(&GroupQuery {
                    window,
                    limit: 1000,
                    ..GroupQuery::default()
                })?
                .into_iter()
                .filter(|g| {
                    matches.is_match(&g.function)
                        && g.status != GroupStatus::Muted
                        && g.first_seen
                            .as_deref()
                            .and_then(warden_logs::time::parse_rfc3339)
                            .is_some_and(|first| first >= from_ms && first < to_ms)
                })
                .collect();
            let functions = groups
                .iter()
                .map(|g| format!("{}: {} {}", g.function, g.error_type, g.message))
                .collect();
            (groups.len(), functions, "new error group(s)")
        }
    };
    Ok(Verdict {
        breached: count as f64 > spec.threshold,
        value: Some(count as f64),
        detail: format!("{count} {detail}"),
        functions,
    })
}
