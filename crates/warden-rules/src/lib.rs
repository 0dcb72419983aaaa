//! Warden's posture rules.
//!
//! Each rule lives in its own file under `rules/<group>/`, declared with [`declare_rule!`]:
//! its doc comment (What it does, Why is this bad?, Example, Fix, References) becomes the
//! documentation `warden rule CODE` prints and the SARIF help text. Rules run on the shared
//! resource model of [`warden_iac`], never on raw YAML, so one rule covers every input
//! format. Codes are listed once, in [`registry`], and never change once released.

mod checker;
pub mod registry;
mod rules;
pub mod secrets;

pub use checker::{add_related, CheckOptions, Checker, Rule, RuleMeta};
pub use registry::{all_rules, rule_by_code, rule_infos};

use warden_diagnostics::Finding;
use warden_iac::Template;

/// Runs every rule that `enabled` accepts on one template.
pub fn check_template(
    template: &Template,
    enabled: &dyn Fn(&RuleMeta) -> bool,
    options: &CheckOptions,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in all_rules() {
        if enabled(rule.meta()) {
            let mut checker = Checker::new(template, rule.meta(), options);
            rule.check(template, &mut checker);
            findings.extend(checker.into_findings());
        }
    }
    findings
}

pub mod suppression;
