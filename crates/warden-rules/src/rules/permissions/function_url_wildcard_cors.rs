use warden_diagnostics::Severity;
use warden_iac::Template;

use super::is_none_auth;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags function URLs with `AuthType: NONE` whose CORS configuration allows any origin
    /// (`Cors.AllowOrigins` contains `*`). The finding is critical when `AllowCredentials` is
    /// also `true`.
    ///
    /// ## Why is this bad?
    /// A public URL with wildcard CORS lets any web page, including a malicious one, call the
    /// function from a visitor's browser and read the response. With credentials allowed, the
    /// browser also sends the visitor's cookies, so the page acts on the visitor's behalf.
    ///
    /// ## Example
    /// ```yaml
    /// FunctionUrlConfig:
    ///   AuthType: NONE
    ///   Cors:
    ///     AllowOrigins: ["*"]
    ///     AllowCredentials: true
    /// ```
    ///
    /// ## Fix
    /// List the origins that may call the function (`AllowOrigins: [https://app.example.com]`),
    /// and allow credentials only for those. Better, require `AuthType: AWS_IAM`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors>
    /// - checkov CKV2_AWS_75; Prowler `awslambda_function_url_cors_policy`
    pub struct FunctionUrlWildcardCors {
        code: "WD202",
        name: "function-url-wildcard-cors",
        risk: BrokenAuthentication,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "List the allowed origins in `Cors.AllowOrigins` instead of `*`, and require `AuthType: AWS_IAM` where possible.",
    }
}

impl Rule for FunctionUrlWildcardCors {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for url in template.resources_of_type("AWS::Lambda::Url") {
            if !url.prop("AuthType").is_some_and(is_none_auth) {
                continue;
            }
            let Some(origins) = url.prop("Cors.AllowOrigins") else {
                continue;
            };
            let credentials = url.prop("Cors.AllowCredentials").is_some_and(|node| {
                node.alternatives()
                    .iter()
                    .any(|value| value.as_bool() == Some(true))
            });
            for origin in origins.items() {
                if origin.as_str().is_some_and(|value| value.trim() == "*") {
                    let finding = checker.report(
                        url,
                        origin.span,
                        if credentials {
                            format!(
                                "public function URL `{}` allows CORS from any origin (`*`) with credentials",
                                url.origin.id
                            )
                        } else {
                            format!("public function URL `{}` allows CORS from any origin (`*`)", url.origin.id)
                        },
                    );
                    if credentials {
                        finding.severity = Severity::Critical;
                    }
                }
            }
        }
    }
}
