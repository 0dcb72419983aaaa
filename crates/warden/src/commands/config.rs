//! `warden.toml`: which rules run, how severe a finding must be to count, what to skip.
//!
//! ```toml
//! select = ["WD1", "WD201"]        # code prefixes or rule names; default: all
//! ignore = ["WD105"]
//! min-severity = "low"             # findings below are not reported (text default: medium)
//! fail-on = "medium"               # findings at or above fail the run (default: high)
//! profile = "well-architected"     # default: security
//! as-of = "2026-12-01"             # the day date-dependent rules judge against
//! exclude = ["tests/**", "legacy/*.yaml"]
//! [parameters]
//! Stage = "prod"
//! [audit.stacks]                   # `warden audit`: the template each stack deployed
//! orders-prod = "infra/orders.yaml"  # (relative to this file)
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use warden_diagnostics::Severity;
use warden_rules::RuleMeta;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    pub min_severity: Option<String>,
    pub fail_on: Option<String>,
    pub profile: Option<String>,
    pub as_of: Option<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub parameters: HashMap<String, toml::Value>,
    #[serde(default)]
    pub audit: AuditConfig,
}

/// The `[audit]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AuditConfig {
    /// CloudFormation stack name → its template, so that `warden audit` points live findings
    /// at the template's lines.
    #[serde(default)]
    pub stacks: std::collections::BTreeMap<String, PathBuf>,
}

impl Config {
    /// Reads `path`, or `warden.toml` in the current directory when it exists.
    pub fn load(path: Option<&Path>) -> anyhow::Result<(Config, Option<PathBuf>)> {
        let path = match path {
            Some(path) => path.to_path_buf(),
            None => {
                let default = PathBuf::from("warden.toml");
                if !default.exists() {
                    return Ok((Config::default(), None));
                }
                default
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let config: Config = toml::from_str(&text)
            .with_context(|| format!("invalid configuration in {}", path.display()))?;
        for rule in config.select.iter().chain(&config.ignore) {
            if !warden_rules::all_rules()
                .iter()
                .any(|r| selector_matches(rule, r.meta()))
            {
                anyhow::bail!(
                    "{}: `{rule}` matches no rule (see `warden rules`)",
                    path.display()
                );
            }
        }
        Ok((config, Some(path)))
    }

    pub fn min_severity(&self) -> anyhow::Result<Option<Severity>> {
        self.min_severity
            .as_deref()
            .map(|text| text.parse::<Severity>().map_err(anyhow::Error::msg))
            .transpose()
    }
}

/// A selector is a code prefix (`WD1`, `WD201`) or a rule name.
pub fn selector_matches(selector: &str, meta: &RuleMeta) -> bool {
    let selector = selector.trim();
    selector.eq_ignore_ascii_case("all")
        || meta.name == selector
        || meta
            .code
            .to_ascii_uppercase()
            .starts_with(&selector.to_ascii_uppercase())
}
