use warden_iac::Template;

use super::common::{cors_wildcards, resource_label};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags API CORS configurations that allow any origin (`*`) without allowing
    /// credentials.
    ///
    /// It reads SAM `AWS::Serverless::Api` `Cors: "'*'"` or `Cors.AllowOrigin: "'*'"`, and
    /// HTTP API `CorsConfiguration` (`AWS::Serverless::HttpApi`, `AWS::ApiGatewayV2::Api`)
    /// whose `AllowOrigins` contains `*` or that is `true`. With credentials allowed too, the
    /// finding is `api-cors-wildcard-with-credentials` (WD313) instead.
    ///
    /// ## Why is this bad?
    /// Any web page can call the API from a visitor's browser and read the response.
    /// Browsers send no cookies or HTTP authentication with a wildcard origin, so the harm
    /// is limited to what the API returns to anonymous or token-bearing callers, but a page on
    /// an attacker's site can still read responses meant for your own front end, for example
    /// from APIs reachable only inside a corporate network the visitor is on.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Api
    ///   Properties:
    ///     Cors: "'*'"
    /// ```
    ///
    /// ## Fix
    /// List the origins of your front ends (`AllowOrigin: "'https://app.example.com'"`), or
    /// suppress the finding with a reason for an API meant to be called from any site.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html>
    /// - <https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS>
    pub struct ApiCorsWildcardOrigin {
        code: "WD317",
        name: "api-cors-wildcard-origin",
        risk: BrokenAuthentication,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "List the origins of your front ends instead of `*`, or suppress with a reason for an API meant to be called from any site.",
    }
}

impl Rule for ApiCorsWildcardOrigin {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for cors in cors_wildcards(template) {
            if !cors.credentials {
                checker.report(
                    cors.api,
                    cors.span,
                    format!(
                        "{} `{}` allows CORS from any origin (`*`)",
                        cors.kind,
                        resource_label(cors.api)
                    ),
                );
            }
        }
    }
}
