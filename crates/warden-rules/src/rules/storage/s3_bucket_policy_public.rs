use warden_iac::policy::principal_is_public;
use warden_iac::Template;

use super::common::public_access_flag;
use crate::rules::iam::common::{actions_text, is_restricted, policy_documents, target_name};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags S3 bucket policies that allow every principal without a restricting condition,
    /// on a bucket of the stack whose Block Public Access lets a public policy through. A
    /// statement counts when it allows `"*"` or `AWS: "*"` and no condition limits it to an
    /// account, organisation, network, source or access point (`aws:SourceArn`,
    /// `aws:SourceAccount`, `aws:SourceVpce`, `aws:PrincipalOrgID`, `aws:SourceIp`,
    /// `s3:DataAccessPointAccount` ...), decided per condition key and operator. Statements
    /// that grant every S3 action (`s3:*` or `*`) to everyone are flagged even when only
    /// `aws:SourceIp` limits them. A bucket without `PublicAccessBlockConfiguration` has
    /// `BlockPublicPolicy` on (S3's default since April 2023), which rejects a public policy,
    /// so only a bucket that turns `BlockPublicPolicy` and `RestrictPublicBuckets` off is
    /// public; the settings of a bucket outside the stack are not known, and not judged.
    ///
    /// ## Why is this bad?
    /// A public bucket policy exposes the objects (and, with write or `s3:*` actions, lets
    /// anyone overwrite, delete or re-permission them) to the whole internet, unless Block
    /// Public Access happens to reject the policy.
    ///
    /// ## Example
    /// ```yaml
    /// PolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: "*"
    ///       Action: s3:GetObject
    ///       Resource: !Sub ${Bucket.Arn}/*
    /// ```
    ///
    /// ## Fix
    /// Serve public content through CloudFront with origin access control (and an
    /// `aws:SourceArn` condition for the distribution), or name the principals that need
    /// access.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html>
    /// - cfn_nag F15, F16; KICS `7772bb8c`, `4ae8af91`; checkov CKV_AWS_70; LambdaGuard `Public.py`
    pub struct S3BucketPolicyPublic {
        code: "WD703",
        name: "bucket-policy-public",
        risk: InsecureConfiguration,
        severity: Critical,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Serve public content through CloudFront with origin access control, or name the principals that need the bucket.",
    }
}

impl Rule for S3BucketPolicyPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for policy in policy_documents(template) {
            if policy.resource.resource_type != "AWS::S3::BucketPolicy" {
                continue;
            }
            // Block Public Access (`BlockPublicPolicy`, on by default for new buckets)
            // rejects a public policy, and `RestrictPublicBuckets` ignores it. A bucket
            // outside the stack has settings Warden cannot read.
            let Some(target) = policy
                .resource
                .prop("Bucket")
                .and_then(|node| template.referenced(node))
                .filter(|target| target.resource_type == "AWS::S3::Bucket")
            else {
                continue;
            };
            let blocked = ["BlockPublicPolicy", "RestrictPublicBuckets"]
                .iter()
                .any(|flag| public_access_flag(template, target, flag) != Some(false));
            if blocked {
                continue;
            }
            let bucket = target_name(template, policy.resource.prop("Bucket"))
                .unwrap_or_else(|| policy.resource.origin.id.clone());
            for statement in policy.statements() {
                let Some(principal) = statement.principal.as_ref() else {
                    continue;
                };
                if !statement.allow || statement.not_principal || !principal_is_public(principal) {
                    continue;
                }
                let every_action = !statement.not_action
                    && statement
                        .action_names()
                        .any(|(name, _)| name == "*" || name.eq_ignore_ascii_case("s3:*"));
                let ignored: &[&str] = if every_action { &["aws:sourceip"] } else { &[] };
                if is_restricted(&statement, ignored) {
                    continue;
                }
                checker.report(
                    policy.resource,
                    principal.span,
                    format!(
                        "policy of bucket `{bucket}` allows any principal to `{}` without a restricting condition",
                        actions_text(&statement)
                    ),
                );
            }
        }
    }
}
