use warden_iac::Template;

use super::common::resource_label;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags S3 buckets whose versioning is not `Enabled`: `VersioningConfiguration` absent
    /// or `Status: Suspended`.
    ///
    /// ## Why is this bad?
    /// Without versioning an overwritten or deleted object is gone: a bug, a compromised
    /// credential or ransomware that rewrites objects leaves nothing to restore. Versioning
    /// is also required for replication and for Object Lock.
    ///
    /// ## Example
    /// ```yaml
    /// Documents:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     VersioningConfiguration:
    ///       Status: Suspended
    /// ```
    ///
    /// ## Fix
    /// Set `VersioningConfiguration.Status: Enabled`, and add a lifecycle rule with
    /// `NoncurrentVersionExpiration` so old versions do not accumulate cost. Buckets of
    /// disposable data (build caches) can suppress the finding with a reason.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html>
    /// - checkov CKV_AWS_21; KICS `a227ec01`; Trivy AVD-AWS-0090
    pub struct BucketVersioningDisabled {
        code: "WD716",
        name: "bucket-versioning-disabled",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `VersioningConfiguration.Status: Enabled` and expire noncurrent versions with a lifecycle rule.",
    }
}

impl Rule for BucketVersioningDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for bucket in template.resources_of_type("AWS::S3::Bucket") {
            let label = resource_label(bucket, "bucket", "BucketName");
            let Some(status) = bucket.prop("VersioningConfiguration.Status") else {
                if bucket
                    .prop("VersioningConfiguration")
                    .is_none_or(|config| config.is_known())
                {
                    checker.report(
                        bucket,
                        bucket.span,
                        format!("{label} does not enable versioning"),
                    );
                }
                continue;
            };
            for status in status.alternatives() {
                if let Some(text) = status.as_str().filter(|text| *text != "Enabled") {
                    checker.report(
                        bucket,
                        status.span,
                        format!("{label} has versioning `Status: {text}`"),
                    );
                }
            }
        }
    }
}
