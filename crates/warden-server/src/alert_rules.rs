//! Alert rule definitions: what a rule watches ([`Condition`]), where it notifies
//! ([`Channel`]), its states, and the validation of a rule a client sends. Shared by the
//! store (which keeps rules), the notifier and the evaluator (`alerts.rs`).

use std::str::FromStr;

use globset::Glob;
use serde::{Deserialize, Serialize};
use warden_diagnostics::Risk;

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

#[cfg(test)]
mod tests {
    use super::*;

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
