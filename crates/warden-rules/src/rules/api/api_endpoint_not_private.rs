use warden_iac::Template;

use super::common::{endpoint_types, resource_label};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Lists REST APIs whose endpoint is reachable from the internet: `EndpointConfiguration`
    /// absent (the default is `EDGE`) or with a type other than `PRIVATE` (SAM:
    /// `EndpointConfiguration: REGIONAL`, `{Type: EDGE}`). An inventory at `info` severity,
    /// to review which APIs really need to be public; HTTP APIs, which have no private
    /// endpoint type, are not listed.
    ///
    /// ## Why is this bad?
    /// A public endpoint can be called by anyone who learns its URL; its protection rests
    /// entirely on authorization, throttling and WAF. APIs only called from inside a VPC
    /// (internal services, back-office tools) are safer as `PRIVATE` endpoints reached
    /// through an interface VPC endpoint, with a resource policy limiting the source VPC.
    ///
    /// ## Example
    /// ```yaml
    /// InternalApi:
    ///   Type: AWS::ApiGateway::RestApi
    ///   Properties:
    ///     Name: internal
    ///     EndpointConfiguration:
    ///       Types: [REGIONAL]
    /// ```
    ///
    /// ## Fix
    /// For internal APIs set `EndpointConfiguration: {Types: [PRIVATE]}` (SAM: `Type:
    /// PRIVATE` with `VPCEndpointIds`) and a resource policy with `aws:SourceVpce`; keep
    /// public APIs public and suppress the finding with the reason.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html>
    /// - KICS `4a8daf95`, `6b5b0313`; Prowler `apigateway_restapi_public`
    pub struct ApiEndpointNotPrivate {
        code: "WD316",
        name: "api-endpoint-not-private",
        risk: InsecureConfiguration,
        severity: Info,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Use a `PRIVATE` endpoint with a VPC endpoint for APIs only called from inside a VPC; suppress with a reason for public APIs.",
    }
}

impl Rule for ApiEndpointNotPrivate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for api in template.resources_of_type("AWS::ApiGateway::RestApi") {
            let Some(types) = endpoint_types(api) else {
                continue;
            };
            let id = resource_label(api);
            if types.is_empty() {
                checker.report(
                    api,
                    api.span,
                    format!("REST API `{id}` has a public edge-optimized endpoint (the default)"),
                );
                continue;
            }
            for (kind, node) in types {
                if kind != "PRIVATE" {
                    checker.report(
                        api,
                        node.span,
                        format!("REST API `{id}` has a public `{kind}` endpoint"),
                    );
                }
            }
        }
    }
}
