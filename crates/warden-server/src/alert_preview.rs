//! What an alert rule would have done over a past period, replayed with the live
//! evaluator's semantics, so the form can show "this would have fired 3 times yesterday, on
//! these functions" before the rule is saved.
//!
//! The live evaluator runs every `alert_interval` (30 s by default): a metric rule reads the
//! sliding window `[now - window, now)` from the rollups (whole minutes), an event rule
//! counts what came since its previous look. The preview evaluates at the same interval
//! over the past day: metric rules from each matched function's minute rollups, read once
//! and folded per evaluation exactly as the window fold does (same minutes, same values
//! through [`alerts::metric_value`]); event rules count the events of each interval. What
//! cannot be replayed the same way is said: the past is replayed in event time (for live
//! traffic, arrival time is event time plus the delivery delay), the invocation-spike
//! condition is evaluated once per window (its baseline reads days of rollups), and a
//! preview over many functions with a percentile condition evaluates less often
//! (`step_seconds` says how often).

use serde::Serialize;
use warden_logs::time::{format_millis, parse_rfc3339};
use warden_logs::Sketch;

use crate::alert_rules::{AlertRuleSpec, AlertState, Condition};
use crate::alerts::{self, evaluate, format_value, matcher, transition, Verdict};
use crate::store::{
    AlertRule, FunctionRollup, GroupQuery, GroupStatus, SecurityQuery, Store, StoreResult, Window,
};

/// At most this many evaluations in a preview (a day at the default 30 s interval).
const MAX_STEPS: i64 = 2_880;
/// Duration sketches merged per preview at most; beyond it, percentile rules are evaluated
/// less often.
const MAX_SKETCH_MERGES: i64 = 3_000_000;
/// Events an event-rule preview reads at most.
const MAX_EVENTS: u32 = 100_000;
const MINUTE_MS: i64 = 60_000;

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

/// Replays `spec` from `from_ms` to `to_ms` at the live evaluator's `interval_ms` (see the
/// module documentation), with the engine's state machine.
pub fn preview(
    store: &dyn Store,
    spec: &AlertRuleSpec,
    from_ms: i64,
    to_ms: i64,
    interval_ms: i64,
) -> StoreResult<Preview> {
    let span = (to_ms - from_ms).max(1);
    let window_ms = spec.window_seconds as i64 * 1000;
    let interval_ms = interval_ms.max(1_000);
    let mut step_ms = interval_ms.max(span / MAX_STEPS);
    let verdicts: Box<dyn Fn(i64) -> StoreResult<Verdict> + '_> = match &spec.condition {
        Condition::NewErrorGroup | Condition::SecurityEvent { .. } => {
            let events = EventTimes::read(store, spec, Window { from_ms, to_ms })?;
            let step = step_ms;
            Box::new(move |at| Ok(events.verdict(spec, at - step, at)))
        }
        Condition::InvocationSpike { .. } => {
            step_ms = step_ms.max(window_ms);
            let rule = AlertRule {
                id: 0,
                spec: spec.clone(),
                state: AlertState::Ok,
                last_value: None,
                last_notified_at_ms: None,
                cursor_at_ms: from_ms,
                created_at: format_millis(from_ms),
                updated_at: format_millis(from_ms),
            };
            Box::new(move |at| evaluate(store, &rule, at))
        }
        _ => {
            let minutes = MinuteRollups::read(store, spec, from_ms - window_ms, to_ms)?;
            if minutes.needs_sketches {
                let evaluations = span / step_ms;
                let work = evaluations
                    .saturating_mul(minutes.functions.len() as i64)
                    .saturating_mul(window_ms / MINUTE_MS + 1);
                if work > MAX_SKETCH_MERGES {
                    step_ms *= (work + MAX_SKETCH_MERGES - 1) / MAX_SKETCH_MERGES;
                }
            }
            Box::new(move |at| Ok(minutes.verdict(spec, at - window_ms, at)))
        }
    };
    let mut state = AlertState::Ok;
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
        let verdict = verdicts(at)?;
        preview.evaluations += 1;
        preview.values.push(verdict.value);
        let (next, changed) = transition(state, verdict.breached);
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
        state = next;
        at += step_ms;
    }
    Ok(preview)
}

/// The matched functions' minute rollups over the preview, with running totals of the
/// counters so that any window's counts are two lookups.
struct MinuteRollups {
    first_minute: i64,
    functions: Vec<FunctionMinutes>,
    needs_sketches: bool,
}

struct FunctionMinutes {
    name: String,
    /// Running totals before each minute (one more entry than minutes).
    totals: Vec<Counters>,
    /// Each minute's duration sketch (empty unless a percentile is asked).
    sketches: Vec<Sketch>,
}

#[derive(Clone, Copy, Default)]
struct Counters {
    invocations: u64,
    failures: [u64; 5],
    cold_starts: u64,
    cost_usd: f64,
}

impl Counters {
    fn plus(self, rollup: &FunctionRollup) -> Counters {
        let mut failures = self.failures;
        for (slot, n) in failures.iter_mut().zip([
            rollup.error,
            rollup.timeout,
            rollup.out_of_memory,
            rollup.init_error,
            rollup.crash,
        ]) {
            *slot += n;
        }
        Counters {
            invocations: self.invocations + rollup.invocations,
            failures,
            cold_starts: self.cold_starts + rollup.cold_starts,
            cost_usd: self.cost_usd + rollup.cost_usd,
        }
    }

    /// The rollup of the minutes between `self` (running totals before them) and `end`.
    fn until(self, end: Counters, function: &str) -> FunctionRollup {
        let failure = |n: usize| end.failures[n] - self.failures[n];
        FunctionRollup {
            function: function.to_owned(),
            invocations: end.invocations - self.invocations,
            error: failure(0),
            timeout: failure(1),
            out_of_memory: failure(2),
            init_error: failure(3),
            crash: failure(4),
            cold_starts: end.cold_starts - self.cold_starts,
            cost_usd: end.cost_usd - self.cost_usd,
            ..FunctionRollup::default()
        }
    }
}

impl MinuteRollups {
    fn read(
        store: &dyn Store,
        spec: &AlertRuleSpec,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<MinuteRollups> {
        let matches = matcher(spec);
        let needs_sketches = matches!(
            spec.condition,
            Condition::DurationP95 | Condition::DurationP99
        );
        let first_minute = from_ms.div_euclid(MINUTE_MS);
        let end_minute = to_ms.div_euclid(MINUTE_MS) + 1;
        let range = Window {
            from_ms: first_minute * MINUTE_MS,
            to_ms: end_minute * MINUTE_MS,
        };
        let mut functions = Vec::new();
        for rollup in store.rollups(range)? {
            if !matches.is_match(&rollup.function) {
                continue;
            }
            let buckets = store.series(&rollup.function, range, MINUTE_MS)?;
            let mut totals = vec![Counters::default()];
            let mut sketches = Vec::new();
            for bucket in buckets {
                let last = *totals.last().expect("starts with one entry");
                totals.push(last.plus(&bucket.rollup));
                if needs_sketches {
                    sketches.push(bucket.rollup.durations);
                }
            }
            functions.push(FunctionMinutes {
                name: rollup.function,
                totals,
                sketches,
            });
        }
        Ok(MinuteRollups {
            first_minute,
            functions,
            needs_sketches,
        })
    }

    /// The verdict the live evaluator gives at `to_ms` for the window `[from_ms, to_ms)`,
    /// which it reads as whole minutes (see `SqliteStore::fold_window`).
    fn verdict(&self, spec: &AlertRuleSpec, from_ms: i64, to_ms: i64) -> Verdict {
        let first = from_ms.div_euclid(MINUTE_MS) - self.first_minute;
        let end = to_ms.div_euclid(MINUTE_MS) + i64::from(to_ms.rem_euclid(MINUTE_MS) != 0)
            - self.first_minute;
        let mut worst: Option<f64> = None;
        let mut breaching = Vec::new();
        for function in &self.functions {
            let minutes = function.totals.len() - 1;
            let clamp = |n: i64| usize::try_from(n.max(0)).unwrap_or(0).min(minutes);
            let (first, end) = (clamp(first), clamp(end));
            let mut rollup = function.totals[first].until(function.totals[end], &function.name);
            if rollup.invocations == 0 {
                // No row in the window: the live fold leaves the function out.
                continue;
            }
            if self.needs_sketches {
                for sketch in &function.sketches[first..end] {
                    rollup.durations.merge(sketch);
                }
            }
            if let Some(value) = alerts::metric_value(&spec.condition, &rollup) {
                worst = Some(worst.map_or(value, |w: f64| w.max(value)));
                if value > spec.threshold {
                    breaching.push(format!(
                        "{} ({})",
                        function.name,
                        format_value(&spec.condition, value)
                    ));
                }
            }
        }
        Verdict {
            breached: !breaching.is_empty(),
            value: worst,
            detail: alerts::describe(&spec.condition),
            functions: breaching,
        }
    }
}

/// The event times (and descriptions) an event rule counts, read once for the preview.
struct EventTimes {
    /// In time order.
    events: Vec<(i64, String)>,
    what: &'static str,
}

impl EventTimes {
    fn read(store: &dyn Store, spec: &AlertRuleSpec, window: Window) -> StoreResult<EventTimes> {
        let matches = matcher(spec);
        let time = |t: &Option<String>| t.as_deref().and_then(parse_rfc3339);
        let (events, what) = match &spec.condition {
            Condition::SecurityEvent { risk } => (
                store
                    .security_events(&SecurityQuery {
                        risk: risk.clone(),
                        window: Some(window),
                        limit: MAX_EVENTS,
                        ..SecurityQuery::default()
                    })?
                    .into_iter()
                    .filter(|e| matches.is_match(&e.function))
                    .filter_map(|e| {
                        let at = time(&e.timestamp)?;
                        Some((at, format!("{}: {} {}", e.function, e.risk, e.kind)))
                    })
                    .collect(),
                "security event(s)",
            ),
            _ => (
                store
                    .error_groups(&GroupQuery {
                        window: Some(window),
                        limit: 1000,
                        ..GroupQuery::default()
                    })?
                    .into_iter()
                    .filter(|g| matches.is_match(&g.function) && g.status != GroupStatus::Muted)
                    .filter_map(|g| {
                        let at = time(&g.first_seen)?;
                        Some((
                            at,
                            format!("{}: {} {}", g.function, g.error_type, g.message),
                        ))
                    })
                    .collect(),
                "new error group(s)",
            ),
        };
        let mut events: Vec<(i64, String)> = events;
        events.sort_by_key(|(at, _)| *at);
        Ok(EventTimes { events, what })
    }

    /// The verdict for the events of `[from_ms, to_ms)`.
    fn verdict(&self, spec: &AlertRuleSpec, from_ms: i64, to_ms: i64) -> Verdict {
        let first = self.events.partition_point(|(at, _)| *at < from_ms);
        let end = self.events.partition_point(|(at, _)| *at < to_ms);
        let functions: Vec<String> = self.events[first..end.max(first)]
            .iter()
            .map(|(_, what)| what.clone())
            .collect();
        let count = functions.len();
        Verdict {
            breached: count as f64 > spec.threshold,
            value: Some(count as f64),
            detail: format!("{count} {}", self.what),
            functions,
        }
    }
}
