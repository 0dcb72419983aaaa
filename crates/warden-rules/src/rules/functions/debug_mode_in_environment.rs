use warden_iac::Template;

use super::common::environment;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Variables that switch on debug behaviour, with the values that do (case-insensitive).
/// Only values a framework reads as a mode: `NODE_ENV=dev` names a stage, and no Node
/// framework treats it as development.
const DEBUG_SETTINGS: &[(&str, &[&str])] = &[
    ("DEBUG", &["true", "1", "yes", "on"]),
    ("NODE_ENV", &["development"]),
    ("FLASK_DEBUG", &["1", "true"]),
    ("FLASK_ENV", &["development"]),
    ("DJANGO_DEBUG", &["true", "1"]),
    ("ASPNETCORE_ENVIRONMENT", &["development"]),
    ("DOTNET_ENVIRONMENT", &["development"]),
    ("POWERTOOLS_LOGGER_LOG_EVENT", &["true", "1"]),
    ("POWERTOOLS_DEV", &["true", "1"]),
    ("LOG_LEVEL", &["debug", "trace"]),
    ("POWERTOOLS_LOG_LEVEL", &["debug", "trace"]),
    ("AWS_LAMBDA_LOG_LEVEL", &["debug", "trace"]),
];

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions configured for debugging. It looks for environment variables
    /// such as `DEBUG=true`, `NODE_ENV=development`, `FLASK_DEBUG=1`, `DJANGO_DEBUG=True`,
    /// `ASPNETCORE_ENVIRONMENT=Development`, `POWERTOOLS_LOGGER_LOG_EVENT=true`,
    /// `POWERTOOLS_DEV=true`, `LOG_LEVEL`/`POWERTOOLS_LOG_LEVEL` `DEBUG` or `TRACE`, and
    /// `LoggingConfig.ApplicationLogLevel` `DEBUG` or `TRACE`.
    ///
    /// ## Why is this bad?
    /// Debug modes return stack traces and internal details to callers, and verbose logging
    /// writes whole events (tokens, personal data, request bodies) to CloudWatch Logs, where
    /// many more people can read them than can read the data itself.
    ///
    /// ## Example
    /// ```yaml
    /// Environment:
    ///   Variables:
    ///     NODE_ENV: development
    ///     POWERTOOLS_LOGGER_LOG_EVENT: "true"
    /// ```
    ///
    /// ## Fix
    /// Use production settings in deployed stages (`NODE_ENV: production`, `LOG_LEVEL: INFO`)
    /// and switch debug logging on per stage with a parameter when you need it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html>
    /// - <https://docs.powertools.aws.dev/lambda/python/latest/core/logger/>
    /// - No static peer (PureSec SAS-10 mitigation)
    pub struct DebugModeInEnvironment {
        code: "WD119",
        name: "debug-mode-in-environment",
        risk: ImproperErrorHandling,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Use production settings (`NODE_ENV: production`, `LOG_LEVEL: INFO`) and enable debugging per stage only when needed.",
    }
}

impl Rule for DebugModeInEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            if let Some(variables) = environment(function) {
                for (key, value) in variables.iter() {
                    let Some((_, debug_values)) = DEBUG_SETTINGS
                        .iter()
                        .find(|(name, _)| key.name.eq_ignore_ascii_case(name))
                    else {
                        continue;
                    };
                    for value in value.alternatives() {
                        let Some(text) = value.as_str() else {
                            continue;
                        };
                        if debug_values
                            .iter()
                            .any(|debug| text.trim().eq_ignore_ascii_case(debug))
                        {
                            checker.report(
                                function,
                                value.span,
                                format!("`{}` runs in debug mode: environment variable `{}` is `{text}`", function.origin.id, key.name),
                            );
                        }
                    }
                }
            }
            if let Some(level) = function.prop("LoggingConfig.ApplicationLogLevel") {
                for level in level.alternatives() {
                    if let Some(text) = level.as_str().filter(|text| {
                        matches!(text.to_ascii_uppercase().as_str(), "DEBUG" | "TRACE")
                    }) {
                        checker.report(
                            function,
                            level.span,
                            format!(
                                "`{}` logs at `ApplicationLogLevel: {text}`",
                                function.origin.id
                            ),
                        );
                    }
                }
            }
        }
    }
}
