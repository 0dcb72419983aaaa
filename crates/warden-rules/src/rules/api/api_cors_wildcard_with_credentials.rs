use warden_iac::Template;

use super::common::{cors_wildcards, resource_label};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags API CORS configurations that allow any origin *and* credentials
    /// (`AllowCredentials: true`).
    ///
    /// It reads SAM `AWS::Serverless::Api` `Cors.AllowOrigin: "'*'"`, and HTTP API
    /// `CorsConfiguration` (`AWS::Serverless::HttpApi`, `AWS::ApiGatewayV2::Api`) whose
    /// `AllowOrigins` contains `*`. A wildcard origin without credentials is
    /// `api-cors-wildcard-origin` (WD317).
    ///
    /// ## Why is this bad?
    /// Any web page, including a malicious one, can call the API from a visitor's browser and
    /// read the response. With credentials allowed, the browser also sends the visitor's
    /// cookies or authorization, so the page can act as the visitor.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Api
    ///   Properties:
    ///     Cors:
    ///       AllowOrigin: "'*'"
    ///       AllowCredentials: true
    /// ```
    ///
    /// ## Fix
    /// List the origins of your front ends (`AllowOrigin: "'https://app.example.com'"`), and
    /// allow credentials only for them.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html>
    /// - <https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS#credentialed_requests_and_wildcards>
    pub struct ApiCorsWildcardWithCredentials {
        code: "WD313",
        name: "api-cors-wildcard-with-credentials",
        risk: BrokenAuthentication,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "List the allowed origins instead of `*`, and allow credentials only for them.",
    }
}

impl Rule for ApiCorsWildcardWithCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for cors in cors_wildcards(template) {
            if cors.credentials {
                checker.report(
                    cors.api,
                    cors.span,
                    format!(
                        "{} `{}` allows CORS from any origin (`*`) with credentials",
                        cors.kind,
                        resource_label(cors.api)
                    ),
                );
            }
        }
    }
}
