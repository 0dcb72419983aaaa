use warden_iac::Template;

use super::common::rest_stages;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST API stages without stage-wide execution logging: no `MethodSettings` entry
    /// for all methods (`HttpMethod: "*"`, `ResourcePath: "/*"`) with `LoggingLevel: INFO`
    /// or `ERROR`.
    ///
    /// ## Why is this bad?
    /// Execution logs record authorizer decisions, integration errors and throttling inside
    /// API Gateway. Without them, failed or rejected requests leave no trace to investigate.
    ///
    /// ## Example
    /// ```yaml
    /// MethodSettings:
    ///   - HttpMethod: "*"
    ///     ResourcePath: /*
    ///     LoggingLevel: "OFF"
    /// ```
    ///
    /// ## Fix
    /// Add a stage-wide method setting with `LoggingLevel: ERROR` (or `INFO`), and keep
    /// `DataTraceEnabled` off. The account needs an API Gateway CloudWatch role.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>
    /// - checkov CKV2_AWS_4
    pub struct ApiExecutionLoggingDisabled {
        code: "WD303",
        name: "api-execution-logging-disabled",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Add a `MethodSettings` entry with `HttpMethod: \"*\"`, `ResourcePath: \"/*\"` and `LoggingLevel: ERROR` or `INFO`.",
    }
}

impl Rule for ApiExecutionLoggingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in rest_stages(template) {
            let levels: Vec<_> = stage
                .stage_wide_settings()
                .into_iter()
                .filter_map(|setting| setting.get("LoggingLevel"))
                .collect();
            // Unknown levels and `INFO`/`ERROR` count as logging.
            let enabled = levels.iter().any(|level| {
                level.alternatives().iter().all(|value| {
                    value
                        .as_str()
                        .is_none_or(|text| !text.eq_ignore_ascii_case("OFF"))
                })
            });
            if enabled {
                continue;
            }
            match levels.first() {
                Some(level) => checker.report(
                    stage.resource,
                    level.span,
                    format!(
                        "{} has execution logging turned off (`LoggingLevel: OFF`)",
                        stage.label()
                    ),
                ),
                None => checker.report(
                    stage.resource,
                    stage.span(),
                    format!(
                        "{} has no stage-wide execution logging (`LoggingLevel`)",
                        stage.label()
                    ),
                ),
            };
        }
    }
}
