use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda function URLs whose `AuthType` is `NONE`, wherever they are declared:
    /// `AWS::Lambda::Url` resources and SAM `FunctionUrlConfig`.
    ///
    /// ## Why is this bad?
    /// A URL without authentication lets anyone on the internet invoke the function. Unless
    /// the function authenticates every request itself, its data and side effects are open
    /// to all, and every call is billed to you.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     FunctionUrlConfig:
    ///       AuthType: NONE
    /// ```
    ///
    /// ## Fix
    /// Use `AuthType: AWS_IAM` and sign requests with SigV4 (put CloudFront with origin access
    /// control in front for browsers), or suppress the finding with a reason when the
    /// function verifies a signature or token itself.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html>
    /// - checkov CKV_AWS_258; Prowler `awslambda_function_url_public`
    pub struct FunctionUrlWithoutAuth {
        code: "WD201",
        name: "function-url-without-auth",
        risk: BrokenAuthentication,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `AuthType: AWS_IAM` and sign requests, or authenticate every request in the function and suppress with a reason.",
    }
}

impl Rule for FunctionUrlWithoutAuth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for url in template.resources_of_type("AWS::Lambda::Url") {
            let Some(auth) = url.prop("AuthType") else {
                continue;
            };
            for auth in auth.alternatives() {
                if auth
                    .as_str()
                    .is_some_and(|value| value.eq_ignore_ascii_case("NONE"))
                {
                    let function = url
                        .prop("TargetFunctionArn")
                        .map(|target| match template.referenced(target) {
                            Some(function) => function.origin.id.clone(),
                            None => target.display(),
                        })
                        .unwrap_or_else(|| url.origin.id.clone());
                    checker.report(
                        url,
                        auth.span,
                        format!("function URL of `{function}` has `AuthType: NONE`: anyone on the internet can invoke it"),
                    );
                }
            }
        }
    }
}
