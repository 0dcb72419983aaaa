use warden_iac::analysis::refers_to;
use warden_iac::{Node, Resource, Template, Value};

use super::common::{is_public_rest_api, rest_stages, RestStage};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags stages of public (not `PRIVATE`) REST APIs that no AWS WAF web ACL protects. A
    /// stage is protected when an `AWS::WAFv2::WebACLAssociation` (or WAF Classic
    /// `AWS::WAFRegional::WebACLAssociation`) in the stack has a `ResourceArn` naming the
    /// API, and the stage when the ARN names one
    /// (`arn:aws:apigateway:<region>::/restapis/${Api}/stages/<stage>`). An association
    /// whose ARN the scanner cannot read and that names no resource of the stack counts as
    /// protecting every stage. APIs declared outside the stack, or whose endpoint type is
    /// unknown, are not judged.
    ///
    /// ## Why is this bad?
    /// A public API without a web ACL takes every request to the backend: floods, scrapers,
    /// credential stuffing and injection payloads all reach the integration and are billed
    /// per request and per Lambda invocation. Stage throttling limits the rate, but cannot
    /// tell bad traffic from good.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Api
    ///   Properties:
    ///     StageName: prod
    /// ```
    ///
    /// ## Fix
    /// Create an `AWS::WAFv2::WebACL` with `Scope: REGIONAL` (AWS managed rule groups and a
    /// rate-based rule) and an `AWS::WAFv2::WebACLAssociation` with `ResourceArn:
    /// !Sub arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/prod`. When the web ACL is
    /// attached elsewhere (Firewall Manager, a CloudFront distribution in front), suppress
    /// the finding with a reason.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html>
    /// - checkov CKV2_AWS_29 (Terraform); KICS `fcbf9019`; Prowler `apigateway_restapi_waf_acl_attached`
    pub struct PublicApiWithoutWaf {
        code: "WD315",
        name: "public-api-without-waf",
        risk: DenialOfWallet,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Associate a regional AWS WAF web ACL with the stage (`AWS::WAFv2::WebACLAssociation`), or suppress with a reason when it is attached elsewhere.",
    }
}

impl Rule for PublicApiWithoutWaf {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let associations: Vec<&Node> = template
            .resources
            .iter()
            .filter(|resource| {
                matches!(
                    resource.resource_type.as_str(),
                    "AWS::WAFv2::WebACLAssociation" | "AWS::WAFRegional::WebACLAssociation"
                )
            })
            .filter_map(|association| association.prop("ResourceArn"))
            .collect();
        for stage in rest_stages(template) {
            let Some(api) = template
                .resource(&stage.api)
                .filter(|api| api.resource_type == "AWS::ApiGateway::RestApi")
            else {
                continue;
            };
            if !is_public_rest_api(api) {
                continue;
            }
            if associations
                .iter()
                .any(|arn| protects(template, arn, api, &stage))
            {
                continue;
            }
            checker.report(
                stage.resource,
                stage.span(),
                format!(
                    "{} is public and has no AWS WAF web ACL association",
                    stage.label()
                ),
            );
        }
    }
}

/// True when an association's `ResourceArn` may be the stage.
fn protects(template: &Template, arn: &Node, api: &Resource, stage: &RestStage<'_>) -> bool {
    arn.alternatives().into_iter().any(|arn| {
        // The stage's own ARN (Terraform's `aws_api_gateway_stage.x.arn`).
        if refers_to(arn, &stage.resource.id) {
            return true;
        }
        if refers_to(arn, &api.id) {
            let text = arn.display();
            return match text.split_once("/stages/") {
                Some((_, name)) => {
                    name.starts_with("${") || name == stage.name || stage.name == "?"
                }
                None => true,
            };
        }
        // An ARN the scanner cannot read may be this stage's, unless it names another
        // resource of the stack.
        match &arn.value {
            Value::Unknown { partial, .. } => !partial.as_deref().is_some_and(|partial| {
                template.resources.iter().any(|resource| {
                    refers_to(arn, &resource.id) || partial.contains(&format!("${{{}", resource.id))
                })
            }),
            _ => false,
        }
    })
}
