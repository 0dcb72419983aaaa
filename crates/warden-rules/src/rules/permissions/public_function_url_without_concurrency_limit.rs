use warden_iac::Template;

use super::is_none_auth;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags functions that have a function URL with `AuthType: NONE` but no
    /// `ReservedConcurrentExecutions`.
    ///
    /// ## Why is this bad?
    /// Anyone on the internet can call a public URL as often as they like. Without a
    /// concurrency cap the function scales up to the account limit: every request is billed
    /// (denial of wallet), and the function can use up the concurrency that the account's
    /// other functions need.
    ///
    /// ## Example
    /// ```yaml
    /// Webhook:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     FunctionUrlConfig:
    ///       AuthType: NONE
    /// ```
    ///
    /// ## Fix
    /// Set `ReservedConcurrentExecutions` to the highest concurrency the function needs, or
    /// require `AuthType: AWS_IAM` and put CloudFront with AWS WAF rate limiting in front.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html>
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html>
    pub struct PublicFunctionUrlWithoutConcurrencyLimit {
        code: "WD203",
        name: "public-function-url-without-concurrency-limit",
        risk: DenialOfWallet,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `ReservedConcurrentExecutions` on the function, or require `AuthType: AWS_IAM` on its URL.",
    }
}

impl Rule for PublicFunctionUrlWithoutConcurrencyLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for url in template.resources_of_type("AWS::Lambda::Url") {
            if !url.prop("AuthType").is_some_and(is_none_auth) {
                continue;
            }
            let Some(function) = url
                .prop("TargetFunctionArn")
                .and_then(|target| template.referenced(target))
                .filter(|function| function.resource_type == "AWS::Lambda::Function")
            else {
                continue;
            };
            if function.prop("ReservedConcurrentExecutions").is_none() {
                checker.report(
                    function,
                    function.span,
                    format!(
                        "function `{}` has a public URL but no `ReservedConcurrentExecutions`: its concurrency and cost are unbounded",
                        function.origin.id
                    ),
                );
            }
        }
    }
}
