use warden_diagnostics::Severity;
use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions without `ReservedConcurrentExecutions`. The finding is Medium
    /// instead of Low when anyone on the internet can invoke the function (a URL with
    /// `AuthType: NONE` or an API route without authorization).
    ///
    /// ## Why is this bad?
    /// Without a cap, one function can scale to the whole account's concurrency: a flood of
    /// requests (an attack or a retry storm) runs up the bill and throttles every other
    /// function in the account and region.
    ///
    /// ## Example
    /// ```yaml
    /// PublicApi:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     FunctionUrlConfig:
    ///       AuthType: NONE
    /// ```
    ///
    /// ## Fix
    /// Set `ReservedConcurrentExecutions` to the highest concurrency the function should
    /// ever need (measure it first: a cap too low throttles legitimate traffic), and throttle
    /// the API in front of it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html>
    /// - checkov CKV_AWS_115; cfn_nag W92
    pub struct FunctionWithoutConcurrencyLimit {
        code: "WD105",
        name: "function-without-concurrency-limit",
        risk: DenialOfWallet,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `ReservedConcurrentExecutions` to the concurrency the function needs at most.",
    }
}

impl Rule for FunctionWithoutConcurrencyLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            if function.prop("ReservedConcurrentExecutions").is_some() {
                continue;
            }
            let public = info.is_publicly_invocable(template);
            let message = if public {
                format!(
                    "`{}` can be invoked by anyone without authentication and has no `ReservedConcurrentExecutions` cap",
                    function.origin.id
                )
            } else {
                format!(
                    "`{}` has no `ReservedConcurrentExecutions` cap",
                    function.origin.id
                )
            };
            let finding = checker.report(function, function.span, message);
            if public {
                finding.severity = Severity::Medium;
            }
        }
    }
}
