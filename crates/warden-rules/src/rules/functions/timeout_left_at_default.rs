use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Points out functions that set no `Timeout` at all (neither on the function nor, for
    /// SAM, in `Globals.Function`), so Lambda's 3-second default applies. Reported at
    /// `info` severity.
    ///
    /// ## Why is this bad?
    /// Three seconds is rarely a measured choice: a cold start with a large package, a slow
    /// downstream call or a retry pushes the function past it and the invocation fails
    /// with `Task timed out`, retried for asynchronous events. Setting the timeout
    /// explicitly, from the function's observed duration, records the intent.
    ///
    /// ## Example
    /// ```yaml
    /// Report:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Runtime: python3.12
    ///     Handler: app.handler
    /// ```
    ///
    /// ## Fix
    /// Set `Timeout` (seconds) on the function, or once for all functions in SAM
    /// `Globals.Function.Timeout`, a little above the p99 duration and below the caller's
    /// own timeout (29 s behind a REST API).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html>
    /// - serverless-rules ES1006
    pub struct TimeoutLeftAtDefault {
        code: "WD125",
        name: "timeout-left-at-default",
        risk: Reliability,
        severity: Info,
        formats: ["cloudformation", "sam", "terraform", "live"],
        help: "Set `Timeout` explicitly (SAM: `Globals.Function.Timeout`) from the function's measured duration.",
    }
}

impl Rule for TimeoutLeftAtDefault {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            if function.prop("Timeout").is_none() {
                checker.report(
                    function,
                    function.span,
                    format!(
                        "`{}` sets no `Timeout`: Lambda stops it after the default 3 seconds",
                        function.origin.id
                    ),
                );
            }
        }
    }
}
