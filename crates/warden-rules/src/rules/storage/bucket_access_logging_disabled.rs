use warden_iac::analysis::refers_to;
use warden_iac::{Node, Resource, Template};

use super::common::resource_label;
use crate::rules::iam::common::policy_documents;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags S3 buckets without server access logging (`LoggingConfiguration`). Buckets that
    /// receive access logs themselves are not flagged: the destination of another bucket's
    /// `LoggingConfiguration` in the stack, a bucket with `AccessControl: LogDeliveryWrite`,
    /// or one whose bucket policy lets `logging.s3.amazonaws.com` write.
    ///
    /// ## Why is this bad?
    /// Server access logs record every request to the bucket, with the requester, the
    /// object and the result. Without them (or CloudTrail data events) there is no record of
    /// who read or deleted which object after a leak or an abuse.
    ///
    /// ## Example
    /// ```yaml
    /// Uploads:
    ///   Type: AWS::S3::Bucket
    ///   Properties:
    ///     BucketName: acme-uploads
    /// ```
    ///
    /// ## Fix
    /// Set `LoggingConfiguration.DestinationBucketName` to a dedicated log bucket (and a
    /// `LogFilePrefix`), or record S3 data events with CloudTrail and suppress the finding
    /// with a reason.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html>
    /// - checkov CKV_AWS_18; cfn_nag W35; KICS `4552b71f`; Trivy AVD-AWS-0089
    pub struct BucketAccessLoggingDisabled {
        code: "WD715",
        name: "bucket-access-logging-disabled",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `LoggingConfiguration.DestinationBucketName` to a log bucket, or record S3 data events with CloudTrail.",
    }
}

impl Rule for BucketAccessLoggingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for bucket in template.resources_of_type("AWS::S3::Bucket") {
            if bucket.prop("LoggingConfiguration").is_some() || is_log_bucket(template, bucket) {
                continue;
            }
            checker.report(
                bucket,
                bucket.span,
                format!(
                    "{} has no server access logging (`LoggingConfiguration`)",
                    resource_label(bucket, "bucket", "BucketName")
                ),
            );
        }
    }
}

/// True when the bucket is where access logs are delivered.
fn is_log_bucket(template: &Template, bucket: &Resource) -> bool {
    let destination = template.resources_of_type("AWS::S3::Bucket").any(|other| {
        other
            .prop("LoggingConfiguration.DestinationBucketName")
            .is_some_and(|name| refers_to(name, &bucket.id) || same_name(bucket, name))
    });
    let log_acl = bucket
        .prop("AccessControl")
        .and_then(Node::as_str)
        .is_some_and(|acl| acl == "LogDeliveryWrite");
    let log_policy = policy_documents(template).iter().any(|policy| {
        policy.resource.resource_type == "AWS::S3::BucketPolicy"
            && policy
                .resource
                .prop("Bucket")
                .is_some_and(|target| refers_to(target, &bucket.id) || same_name(bucket, target))
            && policy.statements().iter().any(|statement| {
                statement.allow
                    && statement.principal.as_ref().is_some_and(|principal| {
                        principal.get("Service").is_some_and(|service| {
                            service
                                .items()
                                .iter()
                                .any(|item| item.as_str() == Some("logging.s3.amazonaws.com"))
                        })
                    })
            })
    });
    destination || log_acl || log_policy
}

/// True when `name` is the bucket's literal `BucketName`.
fn same_name(bucket: &Resource, name: &Node) -> bool {
    match (
        bucket.prop("BucketName").and_then(Node::as_str),
        name.as_str(),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}
