use warden_diagnostics::Severity;
use warden_iac::{Node, Template, Value};

use super::common::{is_true, resource_label};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags API CORS configurations that allow any origin.
    ///
    /// It reads SAM `AWS::Serverless::Api`
    /// `Cors: "'*'"` or `Cors.AllowOrigin: "'*'"`, and HTTP API `CorsConfiguration`
    /// (`AWS::Serverless::HttpApi`, `AWS::ApiGatewayV2::Api`) whose `AllowOrigins` contains
    /// `*`. The finding is high when credentials are also allowed (`AllowCredentials: true`).
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
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "List the allowed origins instead of `*`, and allow credentials only for them.",
    }
}

/// True for a CORS origin that allows every origin (`*`, or SAM's quoted `'*'`).
fn is_wildcard(origin: &Node) -> bool {
    origin
        .as_str()
        .is_some_and(|text| text.trim().trim_matches('\'').trim() == "*")
}

impl Rule for ApiCorsWildcardWithCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for api in template.resources_of_type("AWS::ApiGateway::RestApi") {
            let Some(cors) = api.prop("Cors") else {
                continue;
            };
            for cors in cors.alternatives() {
                let (origin, credentials) = match &cors.value {
                    Value::String(_) => (Some(cors), false),
                    Value::Map(map) => (
                        map.get("AllowOrigin"),
                        map.get("AllowCredentials").is_some_and(is_true),
                    ),
                    _ => continue,
                };
                for origin in origin.map(Node::alternatives).unwrap_or_default() {
                    if is_wildcard(origin) {
                        report(checker, api, origin.span, "API", credentials);
                    }
                }
            }
        }
        for api in template.resources_of_type("AWS::ApiGatewayV2::Api") {
            let Some(cors) = api.prop("CorsConfiguration") else {
                continue;
            };
            for cors in cors.alternatives() {
                match &cors.value {
                    // SAM `CorsConfiguration: true` allows every origin.
                    Value::Bool(true) => report(checker, api, cors.span, "HTTP API", false),
                    Value::Map(map) => {
                        let credentials = map.get("AllowCredentials").is_some_and(is_true);
                        for origin in map.get("AllowOrigins").map(Node::items).unwrap_or_default() {
                            if is_wildcard(origin) {
                                report(checker, api, origin.span, "HTTP API", credentials);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

fn report(
    checker: &mut Checker<'_>,
    api: &warden_iac::Resource,
    span: warden_diagnostics::Span,
    kind: &str,
    credentials: bool,
) {
    let message = if credentials {
        format!(
            "{kind} `{}` allows CORS from any origin (`*`) with credentials",
            resource_label(api)
        )
    } else {
        format!(
            "{kind} `{}` allows CORS from any origin (`*`)",
            resource_label(api)
        )
    };
    let finding = checker.report(api, span, message);
    if credentials {
        finding.severity = Severity::High;
    }
}
