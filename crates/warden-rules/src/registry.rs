//! The one list of rules. A rule's code never changes once released; add new rules at the
//! end of their group.

use std::sync::OnceLock;

use warden_diagnostics::RuleInfo;

use crate::rules::*;
use crate::Rule;

/// The groups, in code order. Each group lists its rules in its `mod.rs`.
const GROUPS: &[&[&dyn Rule]] = &[
    functions::RULES,
    permissions::RULES,
    api::RULES,
    iam::RULES,
    secrets::RULES,
    storage::RULES,
    logging::RULES,
    serverless::RULES,
];

/// Every rule, in code order.
pub fn all_rules() -> &'static [&'static dyn Rule] {
    static ALL: OnceLock<Vec<&'static dyn Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        GROUPS
            .iter()
            .flat_map(|group| group.iter().copied())
            .collect()
    })
}

pub fn rule_by_code(code: &str) -> Option<&'static dyn Rule> {
    all_rules()
        .iter()
        .copied()
        .find(|rule| rule.meta().code.eq_ignore_ascii_case(code) || rule.meta().name == code)
}

/// Rule descriptions for output formats and docs, with the doc comment cleaned up.
pub fn rule_infos() -> &'static [RuleInfo] {
    static INFOS: OnceLock<Vec<RuleInfo>> = OnceLock::new();
    INFOS.get_or_init(|| {
        all_rules()
            .iter()
            .map(|rule| {
                let meta = rule.meta();
                // Built once per process; leaking gives the `&'static str` the type needs.
                let docs: &'static str = Box::leak(clean_docs(meta.raw_docs).into_boxed_str());
                RuleInfo {
                    code: meta.code,
                    name: meta.name,
                    risk: meta.risk,
                    severity: meta.severity,
                    summary: summary(docs),
                    docs,
                    formats: meta.formats,
                    profile: meta.profile,
                }
            })
            .collect()
    })
}

/// `///` comments arrive with one leading space per line.
fn clean_docs(raw: &str) -> String {
    raw.lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// The first sentence under "## What it does".
fn summary(docs: &'static str) -> &'static str {
    let body = docs
        .split_once("## What it does")
        .map_or(docs, |(_, rest)| rest)
        .trim_start();
    let paragraph = body.split("\n\n").next().unwrap_or(body);
    let end = paragraph
        .find(". ")
        .map(|index| index + 1)
        .unwrap_or(paragraph.len());
    paragraph[..end].trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for rule in all_rules() {
            let meta = rule.meta();
            assert!(codes.insert(meta.code), "duplicate code {}", meta.code);
            assert!(names.insert(meta.name), "duplicate name {}", meta.name);
            assert!(
                meta.code.starts_with("WD") && meta.code.len() == 5,
                "{}",
                meta.code
            );
            assert!(
                meta.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                meta.name
            );
            assert!(!meta.formats.is_empty(), "{} has no formats", meta.code);
        }
    }

    #[test]
    fn every_rule_is_documented_with_the_house_headings() {
        for info in rule_infos() {
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fix",
                "## References",
            ] {
                assert!(
                    info.docs.contains(heading),
                    "{} lacks `{heading}`",
                    info.code
                );
            }
            assert!(
                !info.summary.is_empty() && info.summary.len() < 300,
                "{} summary: {}",
                info.code,
                info.summary
            );
        }
    }

    #[test]
    fn every_risk_has_a_rule() {
        for risk in warden_diagnostics::Risk::ALL {
            assert!(
                all_rules().iter().any(|r| r.meta().risk == risk),
                "no rule for {risk}"
            );
        }
    }
}
