use std::collections::HashMap;
use std::sync::OnceLock;
use warden_diagnostics::{Date, Severity};
use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions whose `Runtime` is deprecated or soon will be. The scan's date
    /// (today, or `--as-of DATE` for a reproducible scan) is compared to AWS's published
    /// lifecycle dates: High once creating functions with the
    /// runtime is blocked, Medium once it is deprecated, Info when deprecation is less than
    /// 180 days away. Container-image functions (`PackageType: Image`) are skipped.
    ///
    /// ## Why is this bad?
    /// A deprecated runtime no longer receives security patches for the language runtime or
    /// the operating system. Once AWS blocks updates, the function cannot even be redeployed
    /// to fix a vulnerability in your own code.
    ///
    /// ## Example
    /// ```yaml
    /// Legacy:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Runtime: nodejs12.x
    /// ```
    ///
    /// ## Fix
    /// Move to the successor runtime named in the finding, test, and redeploy.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html>
    /// - checkov CKV_AWS_363; cfn-lint W2531/E2531/E2533; Prowler `awslambda_function_using_supported_runtimes`
    pub struct DeprecatedRuntime {
        code: "WD104",
        name: "deprecated-runtime",
        risk: InsecureConfiguration,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Upgrade to the successor runtime named in the finding and redeploy.",
    }
}

impl Rule for DeprecatedRuntime {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let today = checker.options().as_of.days();
        for info in &template.analysis.functions {
            let function = info.resource(template);
            match function.prop("PackageType") {
                None => {}
                Some(package)
                    if package
                        .as_str()
                        .is_some_and(|p| p.eq_ignore_ascii_case("Zip")) => {}
                // `Image` or unknown: the runtime is whatever the image holds.
                Some(_) => continue,
            }
            let Some(runtime) = function.prop("Runtime") else {
                continue;
            };
            for runtime in runtime.alternatives() {
                let Some(name) = runtime.as_str() else {
                    continue;
                };
                if let Some((severity, status)) = assess(name, today) {
                    checker
                        .report(
                            function,
                            runtime.span,
                            format!("runtime `{name}` of `{}` {status}", function.origin.id),
                        )
                        .severity = severity;
                }
            }
        }
    }
}

/// Lifecycle dates of one runtime, in days since 1970-01-01.
struct Lifecycle {
    deprecated: i64,
    block_create: Option<i64>,
    block_update: Option<i64>,
    successor: Option<String>,
}

/// The runtime table of `warden-iac/data/lambda-runtimes.json`.
fn lifecycles() -> &'static HashMap<String, Lifecycle> {
    static TABLE: OnceLock<HashMap<String, Lifecycle>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let data: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../warden-iac/data/lambda-runtimes.json"
        ))
        .unwrap_or_default();
        let date = |entry: &serde_json::Value, field: &str| {
            entry
                .get(field)
                .and_then(|d| d.as_str())
                .and_then(parse_date)
        };
        data.get("runtimes")
            .and_then(|runtimes| runtimes.as_object())
            .map(|runtimes| {
                runtimes
                    .iter()
                    .filter_map(|(name, entry)| {
                        let lifecycle = Lifecycle {
                            deprecated: date(entry, "deprecated")?,
                            block_create: date(entry, "block_create"),
                            block_update: date(entry, "block_update"),
                            successor: entry
                                .get("successor")
                                .and_then(|s| s.as_str())
                                .map(str::to_string),
                        };
                        Some((name.clone(), lifecycle))
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// How far along its lifecycle `runtime` is on day `today`: the severity and the rest of
/// the message, or `None` when it is supported for more than 180 days yet (or unknown).
fn assess(runtime: &str, today: i64) -> Option<(Severity, String)> {
    let lifecycle = lifecycles().get(runtime)?;
    let successor = lifecycle
        .successor
        .as_deref()
        .map_or_else(String::new, |successor| format!(": move to `{successor}`"));
    if let Some(block_update) = lifecycle.block_update.filter(|&day| today >= day) {
        return Some((
            Severity::High,
            format!(
                "is deprecated and AWS blocks function updates with it since {}{successor}",
                format_date(block_update)
            ),
        ));
    }
    if let Some(block_create) = lifecycle.block_create.filter(|&day| today >= day) {
        let updates = lifecycle.block_update.map_or_else(String::new, |day| {
            format!(", updates from {}", format_date(day))
        });
        return Some((
            Severity::High,
            format!("is deprecated and AWS blocks creating functions with it since {}{updates}{successor}", format_date(block_create)),
        ));
    }
    if today >= lifecycle.deprecated {
        return Some((
            Severity::Medium,
            format!(
                "is deprecated since {} and no longer receives security patches{successor}",
                format_date(lifecycle.deprecated)
            ),
        ));
    }
    if lifecycle.deprecated - today <= 180 {
        return Some((
            Severity::Info,
            format!(
                "will be deprecated on {}{successor}",
                format_date(lifecycle.deprecated)
            ),
        ));
    }
    None
}

/// `YYYY-MM-DD` to days since 1970-01-01.
fn parse_date(text: &str) -> Option<i64> {
    Date::parse(text).map(Date::days)
}

fn format_date(days: i64) -> String {
    Date(days).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> i64 {
        parse_date(text).unwrap()
    }

    #[test]
    fn the_table_loads() {
        assert!(lifecycles().len() > 40);
        assert!(lifecycles().contains_key("python3.12"));
    }

    #[test]
    fn severity_follows_the_dates() {
        // nodejs20.x: deprecated 2026-04-30, create blocked 2027-02-01, update blocked 2027-03-03.
        let (severity, message) = assess("nodejs20.x", day("2025-12-01")).unwrap();
        assert_eq!(severity, Severity::Info);
        assert!(
            message.contains("2026-04-30") && message.contains("nodejs24.x"),
            "{message}"
        );
        assert!(assess("nodejs20.x", day("2025-10-01")).is_none());
        assert_eq!(
            assess("nodejs20.x", day("2026-05-01")).unwrap().0,
            Severity::Medium
        );
        let (severity, message) = assess("nodejs20.x", day("2027-02-01")).unwrap();
        assert_eq!(severity, Severity::High);
        assert!(message.contains("creating"), "{message}");
        let (_, message) = assess("nodejs20.x", day("2027-03-03")).unwrap();
        assert!(
            message.contains("updates with it since 2027-03-03"),
            "{message}"
        );
        // Image-only runtimes have no block dates.
        assert_eq!(
            assess("dotnet7", day("2026-01-01")).unwrap().0,
            Severity::Medium
        );
        assert!(assess("provided.al2023", day("2026-01-01")).is_none());
        assert!(assess("cobol1.0", day("2026-01-01")).is_none());
    }
}
