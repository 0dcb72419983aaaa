use warden_iac::{ApiKind, RouteAuth, Template};

use super::common::route_label;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags HTTP API routes without authorization.
    ///
    /// It reads SAM `HttpApi` events without an
    /// authorizer (or with `Auth.Authorizer: NONE`), OpenAPI operations without `security`,
    /// and `AWS::ApiGatewayV2::Route` resources with `AuthorizationType: NONE`. CORS
    /// preflight (`OPTIONS`) routes are skipped.
    ///
    /// ## Why is this bad?
    /// Anyone on the internet can call the route. Unless the function authenticates every
    /// request itself, its data and side effects are open to all, and every call is billed to
    /// you.
    ///
    /// ## Example
    /// ```yaml
    /// Events:
    ///   GetProfile:
    ///     Type: HttpApi
    ///     Properties:
    ///       Path: /profile
    ///       Method: get
    /// ```
    ///
    /// ## Fix
    /// Set a JWT, Lambda or `AWS_IAM` authorizer on the API (`Auth.DefaultAuthorizer`) or on
    /// the route, or suppress the finding with a reason for routes that are public by design.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control.html>
    /// - checkov CKV_AWS_309; sls-mentor `noUnauthorizedApiGatewaysV2Routes`; Prowler `apigatewayv2_api_authorizers_enabled`
    pub struct HttpRouteWithoutAuth {
        code: "WD401",
        name: "http-route-without-auth",
        risk: BrokenAuthentication,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set a JWT, Lambda or `AWS_IAM` authorizer on the API or the route, or suppress with a reason when the route is public by design.",
    }
}

impl Rule for HttpRouteWithoutAuth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for route in &template.analysis.routes {
            if route.kind == ApiKind::Http && route.auth == RouteAuth::None && !route.is_preflight()
            {
                checker.report_on(
                    &route.origin.id,
                    &route.origin.resource_type,
                    route.span,
                    format!(
                        "{} has no authorization: anyone can call it",
                        route_label(template, route)
                    ),
                );
            }
        }
    }
}
