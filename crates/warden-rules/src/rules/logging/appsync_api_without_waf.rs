use warden_iac::analysis::refers_to;
use warden_iac::{Node, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags public AppSync GraphQL APIs (`AWS::AppSync::GraphQLApi`, not
    /// `Visibility: PRIVATE`) with no AWS WAF web ACL associated
    /// (`AWS::WAFv2::WebACLAssociation` whose `ResourceArn` is the API). An association
    /// whose target cannot be read counts as one.
    ///
    /// ## Why is this bad?
    /// Every GraphQL request runs resolvers, often Lambda functions, and is billed: without
    /// a rate-based rule, one client can drive the cost up (denial of wallet) or probe the
    /// schema with injection payloads.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::AppSync::GraphQLApi
    ///   Properties:
    ///     Name: orders
    ///     AuthenticationType: AMAZON_COGNITO_USER_POOLS
    /// ```
    ///
    /// ## Fix
    /// Associate a regional `AWS::WAFv2::WebACL` with a rate-based rule and the AWS managed
    /// rule groups (`AWS::WAFv2::WebACLAssociation` with `ResourceArn: !GetAtt Api.Arn`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/appsync/latest/devguide/WAF-Integration.html>
    /// - checkov CKV2_AWS_33
    pub struct AppsyncApiWithoutWaf {
        code: "WD813",
        name: "appsync-api-without-waf",
        risk: DenialOfWallet,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Associate a regional AWS WAF web ACL with a rate-based rule with the API.",
    }
}

impl Rule for AppsyncApiWithoutWaf {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let associations: Vec<&Node> = template
            .resources_of_type("AWS::WAFv2::WebACLAssociation")
            .filter_map(|association| association.prop("ResourceArn"))
            .collect();
        for api in template.resources_of_type("AWS::AppSync::GraphQLApi") {
            let private = api
                .prop("Visibility")
                .and_then(Node::as_str)
                .is_some_and(|visibility| visibility.eq_ignore_ascii_case("PRIVATE"));
            let protected = associations
                .iter()
                .any(|arn| refers_to(arn, &api.id) || !arn.is_known());
            if private || protected {
                continue;
            }
            checker.report(
                api,
                api.span,
                format!("GraphQL API `{}` has no AWS WAF web ACL", api.origin.id),
            );
        }
    }
}
