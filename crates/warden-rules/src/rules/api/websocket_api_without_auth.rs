use warden_iac::{ApiKind, RouteAuth, Template};

use super::common::{api_label, route_label};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags WebSocket APIs (API Gateway v2, `ProtocolType: WEBSOCKET`) whose `$connect`
    /// route has no authorization, or that declare routes but no `$connect` route at all.
    ///
    /// Only `$connect` can carry an authorizer: `$disconnect`, `$default` and custom routes
    /// run on a connection `$connect` accepted, so they are judged through it and never
    /// reported on their own. Route keys are shown as written.
    ///
    /// ## Why is this bad?
    /// Anyone on the internet can open a connection and send messages to every route of the
    /// API, each invoking its function and billed to you, unless the functions authenticate
    /// every message themselves.
    ///
    /// ## Example
    /// ```yaml
    /// ConnectRoute:
    ///   Type: AWS::ApiGatewayV2::Route
    ///   Properties:
    ///     ApiId: !Ref ChatApi
    ///     RouteKey: $connect
    ///     AuthorizationType: NONE
    /// ```
    ///
    /// ## Fix
    /// Set `AuthorizationType: AWS_IAM` or `CUSTOM` with a Lambda authorizer on the
    /// `$connect` route, or suppress the finding with a reason for a public API.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-control-access.html>
    /// - checkov CKV_AWS_309 (on `$connect` only)
    pub struct WebsocketApiWithoutAuth {
        code: "WD404",
        name: "websocket-api-without-auth",
        risk: BrokenAuthentication,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Authorize the `$connect` route (`AWS_IAM` or a Lambda `CUSTOM` authorizer): the other routes run on the connections it accepts.",
    }
}

impl Rule for WebsocketApiWithoutAuth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let routes: Vec<_> = template
            .analysis
            .routes
            .iter()
            .filter(|route| route.kind == ApiKind::WebSocket)
            .collect();
        let mut apis: Vec<&str> = routes.iter().map(|route| route.api.as_str()).collect();
        apis.sort_unstable();
        apis.dedup();
        for api in apis {
            let connect = routes
                .iter()
                .find(|route| route.api == api && route.method == "$connect");
            match connect {
                Some(route) if route.auth == RouteAuth::None => {
                    checker.report_on(
                        &route.origin.id,
                        &route.origin.resource_type,
                        route.span,
                        format!(
                            "{} has no authorization: anyone can connect and call every route of the API",
                            route_label(template, route)
                        ),
                    );
                }
                Some(_) => {}
                None => {
                    let Some(resource) = template.resource(api) else {
                        continue;
                    };
                    checker.report(
                        resource,
                        resource.span,
                        format!(
                            "WebSocket API `{}` has no `$connect` route: connections are accepted without authorization",
                            api_label(template, api)
                        ),
                    );
                }
            }
        }
    }
}
