use warden_iac::Template;

use super::front_doors::serverless_origins;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags CloudFront distributions in front of an API or a function URL without access
    /// logging (`DistributionConfig.Logging`). Distributions logged through a CloudWatch
    /// Logs delivery (`AWS::Logs::DeliverySource` naming the distribution) are not reported.
    ///
    /// ## Why is this bad?
    /// The distribution sees every request before the API does, including the ones it
    /// answers from cache or blocks: without its logs an incident cannot be traced to the
    /// clients and requests that caused it.
    ///
    /// ## Example
    /// ```yaml
    /// DistributionConfig:
    ///   Enabled: true
    ///   Origins:
    ///     - DomainName: !Sub ${Api}.execute-api.${AWS::Region}.amazonaws.com
    /// ```
    ///
    /// ## Fix
    /// Set `Logging: {Bucket: logs-bucket.s3.amazonaws.com, Prefix: cdn/}`, or deliver
    /// standard logs v2 to CloudWatch Logs.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html>
    /// - checkov CKV_AWS_86
    pub struct CloudfrontApiWithoutLogging {
        code: "WD212",
        name: "cloudfront-api-without-logging",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Turn on the distribution's access logs (`Logging`, or standard logs v2 to CloudWatch Logs).",
    }
}

impl Rule for CloudfrontApiWithoutLogging {
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
            if config.get("Logging").is_some() || !config.is_known() {
                continue;
            }
            let delivered = template
                .resources_of_type("AWS::Logs::DeliverySource")
                .any(|source| {
                    source.prop("ResourceArn").is_some_and(|arn| {
                        warden_iac::analysis::refers_to(arn, &distribution.id) || !arn.is_known()
                    })
                });
            if delivered {
                continue;
            }
            checker.report(
                distribution,
                distribution.span,
                format!(
                    "distribution `{}` in front of `{origin}` has no access logging",
                    distribution.origin.id
                ),
            );
        }
    }
}
