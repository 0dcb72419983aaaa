use warden_diagnostics::Severity;
use warden_iac::{ApiKind, RouteAuth, Template};

use super::common::{endpoint_types, route_label};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST API routes that require neither authorization nor an API key.
    ///
    /// It reads SAM `Api`
    /// events without an authorizer (or with `Auth.Authorizer: NONE`), OpenAPI operations
    /// without `security`, and `AWS::ApiGateway::Method` resources with
    /// `AuthorizationType: NONE`. CORS preflight (`OPTIONS`) routes are skipped. A route of
    /// a private API (`EndpointConfiguration: PRIVATE`, reachable only through VPC
    /// endpoints) is reported at medium severity.
    ///
    /// ## Why is this bad?
    /// Anyone on the internet can call the route. Unless the function authenticates every
    /// request itself, its data and side effects are open to all, and every call is billed to
    /// you.
    ///
    /// ## Example
    /// ```yaml
    /// Events:
    ///   ListOrders:
    ///     Type: Api
    ///     Properties:
    ///       Path: /orders
    ///       Method: get
    /// ```
    ///
    /// ## Fix
    /// Set an authorizer on the API (`Auth.DefaultAuthorizer`: Cognito, Lambda or `AWS_IAM`)
    /// or on the route, or suppress the finding with a reason for routes that are public by
    /// design.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html>
    /// - <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-controlling-access-to-apis.html>
    /// - checkov CKV_AWS_59; cfn_nag W59; KICS `1056dfbb`; Trivy AVD-AWS-0004; Prowler `apigateway_restapi_authorizers_enabled`
    pub struct ApiRouteWithoutAuth {
        code: "WD301",
        name: "api-route-without-auth",
        risk: BrokenAuthentication,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set an authorizer (Cognito, Lambda or `AWS_IAM`) on the API or the route, or suppress with a reason when the route is public by design.",
    }
}

impl Rule for ApiRouteWithoutAuth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for route in &template.analysis.routes {
            if route.kind == ApiKind::Rest
                && route.auth == RouteAuth::None
                && !route.api_key_required
                && !route.is_preflight()
            {
                // A private API is reachable only through VPC endpoints: still no
                // authorization, but not for the whole internet.
                let private = template
                    .resource(&route.api)
                    .and_then(endpoint_types)
                    .is_some_and(|types| types.iter().any(|(kind, _)| kind == "PRIVATE"));
                let who = if private {
                    "anyone who can reach its private endpoint can call it"
                } else {
                    "anyone can call it"
                };
                let finding = checker.report_on(
                    &route.origin.id,
                    &route.origin.resource_type,
                    route.span,
                    format!(
                        "{} has no authorization: {who}",
                        route_label(template, route)
                    ),
                );
                if private {
                    finding.severity = Severity::Medium;
                }
            }
        }
    }
}
