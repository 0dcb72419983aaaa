use warden_iac::Template;

use super::common::{is_true, rest_stages};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST API stages whose method settings set `DataTraceEnabled: true`.
    ///
    /// ## Why is this bad?
    /// Data tracing writes full request and response bodies and headers to CloudWatch Logs:
    /// passwords, tokens, API keys and personal data end up in logs that many more people
    /// can read, kept for as long as the log group retains them.
    ///
    /// ## Example
    /// ```yaml
    /// MethodSettings:
    ///   - HttpMethod: "*"
    ///     ResourcePath: /*
    ///     LoggingLevel: INFO
    ///     DataTraceEnabled: true
    /// ```
    ///
    /// ## Fix
    /// Remove `DataTraceEnabled` (it defaults to `false`); use access logs with a chosen
    /// `Format` and `LoggingLevel: ERROR` or `INFO` instead. Turn it on only briefly while
    /// debugging a non-production stage.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>
    /// - checkov CKV_AWS_276
    pub struct ApiDataTraceEnabled {
        code: "WD304",
        name: "api-data-trace-enabled",
        risk: InsecureSecrets,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Remove `DataTraceEnabled: true`; rely on access logs and `LoggingLevel: ERROR` or `INFO`.",
    }
}

impl Rule for ApiDataTraceEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in rest_stages(template) {
            for setting in stage.method_settings() {
                if let Some(trace) = setting.get("DataTraceEnabled").filter(|node| is_true(node)) {
                    checker.report(
                        stage.resource,
                        trace.span,
                        format!(
                            "{} logs full requests and responses (`DataTraceEnabled: true`)",
                            stage.label()
                        ),
                    );
                }
            }
        }
    }
}
