use warden_iac::Template;

use super::common::{acls_enabled, public_access_flag};
use crate::{declare_rule, Checker, Rule, RuleMeta};

const PUBLIC_ACLS: &[&str] = &["PublicRead", "PublicReadWrite", "AuthenticatedRead"];

declare_rule! {
    /// ## What it does
    /// Flags S3 buckets whose canned ACL (`AccessControl`) is `PublicRead`,
    /// `PublicReadWrite` or `AuthenticatedRead`, where the ACL takes effect: ACLs enabled
    /// (`OwnershipControls` with `ObjectWriter` or `BucketOwnerPreferred`) and
    /// `BlockPublicAcls` and `IgnorePublicAcls` turned off. Since April 2023 new buckets have
    /// ACLs disabled and Block Public Access on, so a bucket without those settings cannot be
    /// made public by its ACL.
    ///
    /// ## Why is this bad?
    /// These ACLs let everyone on the internet (or every AWS account in the world, for
    /// `AuthenticatedRead`) list the bucket, and with `PublicReadWrite` write and overwrite
    /// its objects. Public buckets are the most common cause of cloud data leaks.
    ///
    /// ## Example
    /// ```yaml
    /// Uploads:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     AccessControl: PublicRead
    /// ```
    ///
    /// ## Fix
    /// Remove `AccessControl` (new buckets disable ACLs with `BucketOwnerEnforced`), keep
    /// Block Public Access on, and serve public content through CloudFront with origin
    /// access control.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl>
    /// - checkov CKV_AWS_20, CKV_AWS_57; cfn_nag W31, F14; KICS `219f4c95`; Trivy AVD-AWS-0092; cfn-lint W3045
    pub struct S3BucketPublicAcl {
        code: "WD701",
        name: "bucket-public-acl",
        risk: InsecureConfiguration,
        severity: Critical,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Remove the public canned ACL and serve public content through CloudFront with origin access control.",
    }
}

impl Rule for S3BucketPublicAcl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for bucket in template.resources_of_type("AWS::S3::Bucket") {
            let Some(acl) = bucket.prop("AccessControl") else {
                continue;
            };
            // A public ACL takes effect only where ACLs are enabled and Block Public Access
            // lets it through; S3's defaults since April 2023 do neither.
            let effective = acls_enabled(bucket) == Some(true)
                && ["BlockPublicAcls", "IgnorePublicAcls"]
                    .iter()
                    .all(|flag| public_access_flag(template, bucket, flag) == Some(false));
            if !effective {
                continue;
            }
            for acl in acl.alternatives() {
                if let Some(name) = acl.as_str().filter(|name| PUBLIC_ACLS.contains(name)) {
                    checker.report(
                        bucket,
                        acl.span,
                        format!(
                            "bucket `{}` has the public canned ACL `{name}`",
                            bucket.origin.id
                        ),
                    );
                }
            }
        }
    }
}
