use warden_iac::Template;

use super::common::{account_blocks, explicit_false};
use crate::{add_related, declare_rule, Checker, Rule, RuleMeta};

const FLAGS: &[&str] = &[
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
];

declare_rule! {
    /// ## What it does
    /// Flags S3 buckets whose `PublicAccessBlockConfiguration` sets any of
    /// `BlockPublicAcls`, `BlockPublicPolicy`, `IgnorePublicAcls` or `RestrictPublicBuckets`
    /// to `false`. A bucket without the property is not flagged: since April 2023 S3 turns
    /// all four settings on for every new bucket, so only an explicit `false` opens it. A
    /// flag that the account's Block Public Access turns on (read by `warden audit`) is
    /// not flagged either.
    ///
    /// ## Why is this bad?
    /// Block Public Access is the safety net that stops a public ACL or bucket policy,
    /// written now or by mistake later, from exposing the bucket. Turning a flag off removes
    /// that net for every future change.
    ///
    /// ## Example
    /// ```yaml
    /// PublicAccessBlockConfiguration:
    ///   BlockPublicAcls: true
    ///   BlockPublicPolicy: false
    ///   IgnorePublicAcls: true
    ///   RestrictPublicBuckets: true
    /// ```
    ///
    /// ## Fix
    /// Set all four flags to `true` (or remove the property). Serve public content through
    /// CloudFront with origin access control instead of a public bucket.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
    /// - checkov CKV_AWS_53–56; Trivy AVD-AWS-0086, AVD-AWS-0087, AVD-AWS-0091, AVD-AWS-0093; Prowler `s3_bucket_level_public_access_block`
    pub struct S3PublicAccessBlockIncomplete {
        code: "WD702",
        name: "bucket-public-access-block-incomplete",
        risk: InsecureConfiguration,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set all four `PublicAccessBlockConfiguration` flags to `true`, or remove the property to keep S3's default.",
    }
}

impl Rule for S3PublicAccessBlockIncomplete {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for bucket in template.resources_of_type("AWS::S3::Bucket") {
            let Some(block) = bucket.prop("PublicAccessBlockConfiguration") else {
                continue;
            };
            // One bucket, one cause: the flags it turns off are one finding.
            let mut off: Vec<(&str, &warden_iac::Node)> = Vec::new();
            // A flag the account's Block Public Access turns on is on for every bucket.
            for flag in FLAGS
                .iter()
                .copied()
                .filter(|flag| !account_blocks(template, flag))
            {
                for value in explicit_false(block.get(flag)) {
                    off.push((flag, value));
                }
            }
            let Some((_, first)) = off.first() else {
                continue;
            };
            let names: Vec<&str> = off.iter().map(|(flag, _)| *flag).collect();
            let finding = checker.report(
                bucket,
                first.span,
                format!(
                    "bucket `{}` turns off Block Public Access {}",
                    bucket.origin.id,
                    crate::rules::code_list(&names)
                ),
            );
            for (flag, value) in &off[1..] {
                add_related(finding, value.span, format!("`{flag}: false`"));
            }
        }
    }
}
