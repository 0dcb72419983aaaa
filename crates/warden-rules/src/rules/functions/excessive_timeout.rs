use warden_iac::Template;

use super::common::timeouts;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Lambda's maximum timeout, in seconds.
const MAX_TIMEOUT: i64 = 900;

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions whose `Timeout` is the 900-second maximum (or more).
    ///
    /// ## Why is this bad?
    /// A function that hangs (a slow dependency, an infinite loop, an attacker's crafted
    /// input) is billed for up to 15 minutes per invocation before Lambda stops it. Left at
    /// the maximum, the timeout no longer protects you: it only bounds the bill.
    ///
    /// ## Example
    /// ```yaml
    /// Report:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Timeout: 900
    /// ```
    ///
    /// ## Fix
    /// Set `Timeout` a little above the longest run you measured. Split long jobs into
    /// steps (Step Functions) rather than running them in one invocation.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html>
    /// - sls-mentor `noMaxTimeout` (live accounts only; no static peer)
    pub struct ExcessiveTimeout {
        code: "WD106",
        name: "excessive-timeout",
        risk: DenialOfWallet,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Lower `Timeout` to a little above the longest run you expect, and split long jobs into steps.",
    }
}

impl Rule for ExcessiveTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            for (seconds, node) in timeouts(function) {
                if let (true, Some(node)) = (seconds >= MAX_TIMEOUT, node) {
                    checker.report(
                        function,
                        node.span,
                        format!("`{}` has `Timeout: {seconds}`: a hung invocation is billed for 15 minutes", function.origin.id),
                    );
                }
            }
        }
    }
}
