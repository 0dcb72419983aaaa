use std::collections::BTreeMap;

use warden_iac::analysis::refers_to;
use warden_iac::{ApiKind, Resource, RouteAuth, Template};

use super::common::resource_label;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST APIs that have no authentication at all: no `AWS::ApiGateway::Authorizer`
    /// for the API, no SAM `Auth.Authorizers` or `Auth.DefaultAuthorizer`, no security
    /// scheme in the OpenAPI body, and no route using `AWS_IAM`, Cognito or a Lambda
    /// authorizer. Reported once per API, at the API. This is the API-level view of
    /// `api-route-without-auth` (WD301), which reports each open route: WD301 also fires
    /// when an authorizer exists but some routes do not use it, while this rule says the
    /// API has no authentication mechanism to attach, including when its routes are only
    /// gated by API keys (which WD301 does not report). Routes whose auth is unknown count
    /// as authenticated.
    ///
    /// ## Why is this bad?
    /// Without any authorizer every route is either public or protected only by an API key,
    /// which identifies a client for usage plans but is not a credential: keys travel in
    /// requests and client code and cannot tell users apart.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Api
    ///   Properties:
    ///     StageName: prod
    ///     Auth:
    ///       ApiKeyRequired: true
    /// ```
    ///
    /// ## Fix
    /// Define an authorizer (SAM `Auth.Authorizers` with a `DefaultAuthorizer`, an
    /// `AWS::ApiGateway::Authorizer`, or `AWS_IAM`) and use it on the routes; mark the
    /// routes that must stay public with `Authorizer: NONE`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-to-api.html>
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html> (API keys are not for authentication)
    /// - KICS `7fd0d461`
    pub struct RestApiWithoutAuthorizer {
        code: "WD314",
        name: "rest-api-without-authorizer",
        risk: BrokenAuthentication,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Define an authorizer (Cognito, Lambda or `AWS_IAM`) for the API and make it the default, marking intentionally public routes `NONE`.",
    }
}

impl Rule for RestApiWithoutAuthorizer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        // Per API: (routes, routes gated by an API key), or None once one is authenticated.
        let mut apis: BTreeMap<&str, Option<(usize, usize)>> = BTreeMap::new();
        for route in &template.analysis.routes {
            if route.kind != ApiKind::Rest || route.is_preflight() {
                continue;
            }
            let entry = apis.entry(route.api.as_str()).or_insert(Some((0, 0)));
            match (&route.auth, entry.as_mut()) {
                (RouteAuth::None, Some((count, keyed))) => {
                    *count += 1;
                    if route.api_key_required {
                        *keyed += 1;
                    }
                }
                _ => *entry = None,
            }
        }
        for (api_id, counts) in apis {
            let Some((count, keyed)) = counts else {
                continue;
            };
            let Some(api) = template.resource(api_id) else {
                continue;
            };
            if has_authorizer(template, api) {
                continue;
            }
            let routes = if count == 1 {
                "its route requires no".to_string()
            } else {
                format!("none of its {count} routes requires")
            };
            let keys = match keyed {
                0 => String::new(),
                k if k == count => " (API keys are the only gate)".to_string(),
                k => format!(" ({k} gated by API keys only)"),
            };
            checker.report(
                api,
                api.span,
                format!(
                    "REST API `{}` has no authorizer: {routes} IAM, Cognito or Lambda authorization{keys}",
                    resource_label(api)
                ),
            );
        }
    }
}

/// True when the API defines some authorizer, or its definition cannot be read.
fn has_authorizer(template: &Template, api: &Resource) -> bool {
    let declared = template
        .resources_of_type("AWS::ApiGateway::Authorizer")
        .any(|authorizer| {
            authorizer
                .prop("RestApiId")
                .is_none_or(|id| refers_to(id, &api.id) || !id.is_known())
        });
    let sam = api.prop("Auth").is_some_and(|auth| {
        !auth.is_known()
            || auth.get("DefaultAuthorizer").is_some()
            || auth
                .get("Authorizers")
                .is_some_and(|authorizers| authorizers.as_map().is_none_or(|map| !map.is_empty()))
    });
    let body = api.prop("Body").is_some_and(|body| {
        !body.is_known()
            || ["securityDefinitions", "components.securitySchemes"]
                .iter()
                .any(|path| {
                    body.path(path)
                        .is_some_and(|schemes| schemes.as_map().is_none_or(|map| !map.is_empty()))
                })
    });
    declared || sam || body
}
