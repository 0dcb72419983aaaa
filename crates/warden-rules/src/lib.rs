//! Warden's posture rules.
//!
//! Each rule lives in its own file under `rules/<group>/`, declared with [`declare_rule!`]:
//! its doc comment (What it does, Why is this bad?, Example, Fix, References) becomes the
//! documentation `warden rule CODE` prints and the SARIF help text. Rules run on the shared
//! resource model of [`warden_iac`], never on raw YAML, so one rule covers every input
//! format. Codes are listed once, in [`registry`], and never change once released.

mod checker;
pub mod conditions;
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
            findings.extend(merge_shared_causes(template, checker.into_findings()));
        }
    }
    findings
}

pub mod suppression;

/// One finding per cause: findings of one rule at the same place that differ only in the
/// resource they name (a runtime set once in `Globals` or `provider`, read by every
/// function) become one finding that lists the resources, each a related location.
fn merge_shared_causes(template: &Template, findings: Vec<Finding>) -> Vec<Finding> {
    if findings.len() < 2 {
        return findings;
    }
    let placeholder = |finding: &Finding| {
        finding
            .message
            .replacen(&format!("`{}`", finding.resource), "`\u{0}`", 1)
    };
    let mut groups: Vec<(String, Vec<Finding>)> = Vec::new();
    for finding in findings {
        let key = placeholder(&finding);
        match groups
            .iter_mut()
            .find(|(k, group)| *k == key && group[0].span == finding.span)
        {
            Some((_, group)) if group.iter().all(|f| f.resource != finding.resource) => {
                group.push(finding)
            }
            _ => groups.push((key, vec![finding])),
        }
    }
    groups
        .into_iter()
        .map(|(key, mut group)| {
            if group.len() == 1 || !key.contains("`\u{0}`") {
                return group.swap_remove(0);
            }
            // "`a` (also `b`, `c` and 2 more)": the first stays the grammatical subject.
            let others: Vec<&str> = group[1..].iter().map(|f| f.resource.as_str()).collect();
            let listed = format!(
                "`{}` (also {})",
                group[0].resource,
                rules::name_list(&others)
            );
            let mut merged = group[0].clone();
            merged.message = key.replacen("`\u{0}`", &listed, 1);
            for other in &group {
                if let Some(resource) = template
                    .resources
                    .iter()
                    .find(|resource| resource.origin.id == other.resource)
                {
                    add_related(
                        &mut merged,
                        resource.span,
                        format!("`{}` has the same setting", other.resource),
                    );
                }
            }
            merged
        })
        .collect()
}
