use warden_iac::{Node, Template};

use crate::rules::iam::common::{policy_documents, target_name};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags S3 bucket policies that lack a `Deny` statement for requests without TLS
    /// (`Condition: {Bool: {aws:SecureTransport: false}}`). Buckets without any bucket
    /// policy in the template are not flagged, to keep the rule quiet on buckets that no
    /// policy work has been done for yet.
    ///
    /// ## Why is this bad?
    /// S3 accepts plain HTTP requests. Without the deny, a misconfigured client can send
    /// credentials-signed requests and object data in clear text, where they can be read or
    /// altered on the network.
    ///
    /// ## Example
    /// ```yaml
    /// BucketPolicy:
    ///   Type: AWS::S3::BucketPolicy
    ///   Properties:
    ///     Bucket: !Ref Bucket
    ///     PolicyDocument:
    ///       Statement:
    ///         - Effect: Allow
    ///           Principal: {AWS: !Ref ReaderRoleArn}
    ///           Action: s3:GetObject
    ///           Resource: !Sub ${Bucket.Arn}/*
    /// ```
    ///
    /// ## Fix
    /// Add a statement: `Effect: Deny`, `Principal: "*"`, `Action: s3:*`, the bucket and
    /// its objects as `Resource`, and `Condition: {Bool: {aws:SecureTransport: false}}`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit>
    /// - KICS `38c64e76`; Serverless Framework safeguards `forbid-s3-http-access`; Prowler `s3_bucket_secure_transport_policy`; sls-mentor `s3OnlyAllowHTTPS`
    pub struct S3BucketWithoutTlsPolicy {
        code: "WD704",
        name: "bucket-without-tls-policy",
        risk: InsecureConfiguration,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Add a `Deny` statement for `s3:*` with `Condition: {Bool: {aws:SecureTransport: false}}` to the bucket policy.",
    }
}

impl Rule for S3BucketWithoutTlsPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for policy in policy_documents(template) {
            if policy.resource.resource_type != "AWS::S3::BucketPolicy"
                || !policy.document.is_known()
            {
                continue;
            }
            let denies_plain_http = policy.statements().iter().any(|statement| {
                !statement.allow
                    && statement
                        .condition
                        .as_ref()
                        .is_some_and(denies_insecure_transport)
            });
            if !denies_plain_http {
                let bucket = target_name(template, policy.resource.prop("Bucket"))
                    .unwrap_or_else(|| policy.resource.origin.id.clone());
                checker.report(
                    policy.resource,
                    policy.resource.span,
                    format!("policy of bucket `{bucket}` does not deny requests without TLS (`aws:SecureTransport: false`)"),
                );
            }
        }
    }
}

/// True when the condition matches requests made without TLS.
fn denies_insecure_transport(condition: &Node) -> bool {
    condition.alternatives().into_iter().any(|condition| {
        let Some(operators) = condition.as_map() else {
            return false;
        };
        operators.iter().any(|(operator, tests)| {
            let bool_test = operator.name.eq_ignore_ascii_case("Bool")
                || operator.name.eq_ignore_ascii_case("BoolIfExists");
            bool_test
                && tests.as_map().is_some_and(|tests| {
                    tests.iter().any(|(key, value)| {
                        key.name.eq_ignore_ascii_case("aws:SecureTransport")
                            && value
                                .items()
                                .iter()
                                .any(|item| item.as_bool() == Some(false))
                    })
                })
        })
    })
}
