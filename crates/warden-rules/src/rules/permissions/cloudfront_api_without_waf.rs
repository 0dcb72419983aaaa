use warden_iac::Template;

use super::front_doors::serverless_origins;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags CloudFront distributions in front of an API or a function URL without a web
    /// ACL (`DistributionConfig.WebACLId`). A web ACL that cannot be read is not judged.
    ///
    /// ## Why is this bad?
    /// The distribution is the public entry point of the functions: without AWS WAF nothing
    /// rate-limits or filters requests before they are billed as invocations (denial of
    /// wallet) or reach the code with injection payloads.
    ///
    /// ## Example
    /// ```yaml
    /// DistributionConfig:
    ///   Origins:
    ///     - DomainName: !Sub ${Api}.execute-api.${AWS::Region}.amazonaws.com
    /// ```
    ///
    /// ## Fix
    /// Attach an `AWS::WAFv2::WebACL` with `Scope: CLOUDFRONT` (`WebACLId`), with a
    /// rate-based rule and the AWS managed rule groups.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/waf/latest/developerguide/cloudfront-features.html>
    /// - checkov CKV_AWS_68
    pub struct CloudfrontApiWithoutWaf {
        code: "WD211",
        name: "cloudfront-api-without-waf",
        risk: DenialOfWallet,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Attach a CloudFront-scoped AWS WAF web ACL (`WebACLId`) with a rate-based rule.",
    }
}

impl Rule for CloudfrontApiWithoutWaf {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for distribution in template.resources_of_type("AWS::CloudFront::Distribution") {
            let origins = serverless_origins(template, distribution);
            let Some(origin) = origins.first() else {
                continue;
            };
            let Some(config) = distribution.prop("DistributionConfig") else {
                continue;
            };
            if config.get("WebACLId").is_some() || !config.is_known() {
                continue;
            }
            checker.report(
                distribution,
                distribution.span,
                format!(
                    "distribution `{}` in front of `{origin}` has no AWS WAF web ACL",
                    distribution.origin.id
                ),
            );
        }
    }
}
