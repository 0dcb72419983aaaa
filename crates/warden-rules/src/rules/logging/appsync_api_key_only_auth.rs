use warden_iac::{Node, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags AppSync GraphQL APIs (`AWS::AppSync::GraphQLApi`) whose only authorization is
    /// an API key: `AuthenticationType: API_KEY` and no additional provider other than
    /// `API_KEY`.
    ///
    /// ## Why is this bad?
    /// An API key identifies an application, not a user: it ships inside every copy of the
    /// front end, so anyone who opens the page has it, and with it every query, mutation and
    /// resolver function of the API. Keys also expire (365 days at most) and break the app.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::AppSync::GraphQLApi
    ///   Properties:
    ///     Name: orders
    ///     AuthenticationType: API_KEY
    /// ```
    ///
    /// ## Fix
    /// Authorize with `AMAZON_COGNITO_USER_POOLS`, `OPENID_CONNECT`, `AWS_IAM` or
    /// `AWS_LAMBDA`, keeping `API_KEY` at most as an additional provider for public fields
    /// (`@aws_api_key`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html>
    /// - checkov CKV_AWS_194 (AppSync field-level logs) and CKV2_AWS_33 (AppSync WAF)
    pub struct AppsyncApiKeyOnlyAuth {
        code: "WD812",
        name: "appsync-api-key-only-auth",
        risk: BrokenAuthentication,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Authorize the API with Cognito, OIDC, IAM or a Lambda authorizer; keep API keys for public fields only.",
    }
}

impl Rule for AppsyncApiKeyOnlyAuth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for api in template.resources_of_type("AWS::AppSync::GraphQLApi") {
            let Some(kind) = api.prop("AuthenticationType") else {
                continue;
            };
            let is_key = |node: &Node| {
                node.as_str()
                    .is_some_and(|text| text.eq_ignore_ascii_case("API_KEY"))
            };
            if !kind.is_known() || !kind.alternatives().iter().all(|k| is_key(k)) {
                continue;
            }
            let additional = api.prop("AdditionalAuthenticationProviders");
            if additional.is_some_and(|providers| !providers.is_fully_known()) {
                continue;
            }
            let other = additional
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .any(|provider| {
                    provider
                        .get("AuthenticationType")
                        .is_some_and(|kind| !is_key(kind))
                });
            if other {
                continue;
            }
            checker.report(
                api,
                kind.span,
                format!(
                    "GraphQL API `{}` is authorized by an API key only: anyone with the front end has it",
                    api.origin.id
                ),
            );
        }
    }
}
