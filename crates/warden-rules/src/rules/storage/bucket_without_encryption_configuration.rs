use warden_iac::Template;

use super::common::resource_label;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Points out S3 buckets without a `BucketEncryption` configuration. Reported at `info`
    /// severity: since January 2023 S3 encrypts every new object with SSE-S3 (AES-256, keys
    /// owned by S3) when the bucket sets nothing, so the data is encrypted at rest; what is
    /// missing is a deliberate choice of key.
    ///
    /// ## Why is this bad?
    /// With the default SSE-S3 key anyone who can read an object gets its plain text: the key
    /// adds no access control, no separate audit trail in CloudTrail and cannot be revoked.
    /// Data that needs those properties should be encrypted with a KMS key (`aws:kms`, with
    /// `BucketKeyEnabled` to keep KMS costs down). Writing the configuration down also makes
    /// the choice visible to reviewers and to compliance scanners.
    ///
    /// ## Example
    /// ```yaml
    /// Uploads:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     VersioningConfiguration:
    ///       Status: Enabled
    /// ```
    ///
    /// ## Fix
    /// Set `BucketEncryption.ServerSideEncryptionConfiguration` with
    /// `ServerSideEncryptionByDefault.SSEAlgorithm: aws:kms` and a `KMSMasterKeyID` (or
    /// `AES256` to record that the default is intended).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html>
    /// - checkov CKV_AWS_19; cfn_nag W41; KICS `b2e8752c`; Trivy AVD-AWS-0088, AVD-AWS-0132
    pub struct BucketWithoutEncryptionConfiguration {
        code: "WD714",
        name: "bucket-without-encryption-configuration",
        risk: InsecureConfiguration,
        severity: Info,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `BucketEncryption` with `SSEAlgorithm: aws:kms` and a KMS key (or `AES256` to make the default explicit).",
    }
}

impl Rule for BucketWithoutEncryptionConfiguration {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for bucket in template.resources_of_type("AWS::S3::Bucket") {
            if bucket.prop("BucketEncryption").is_none() {
                checker.report(
                    bucket,
                    bucket.span,
                    format!(
                        "{} has no `BucketEncryption`: objects get the SSE-S3 default, not a KMS key",
                        resource_label(bucket, "bucket", "BucketName")
                    ),
                );
            }
        }
    }
}
