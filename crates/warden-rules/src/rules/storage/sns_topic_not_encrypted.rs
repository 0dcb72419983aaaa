use warden_iac::Template;

use super::common::resource_label;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags SNS topics without a `KmsMasterKeyId`. Unlike SQS, SNS does not encrypt
    /// topics unless a key is set.
    ///
    /// ## Why is this bad?
    /// Messages are stored unencrypted while SNS delivers them, and access to them is not
    /// controlled or audited through KMS.
    ///
    /// ## Example
    /// ```yaml
    /// Notifications:
    ///   Type: AWS::SNS::Topic
    /// ```
    ///
    /// ## Fix
    /// Set `KmsMasterKeyId` to a customer managed key (or `alias/aws/sns`). Grant the
    /// publishing services `kms:GenerateDataKey` and `kms:Decrypt` in the key policy.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html>
    /// - checkov CKV_AWS_26; cfn_nag W47; KICS `9d13b150`; Trivy AVD-AWS-0095; Prowler `sns_topics_kms_encryption_at_rest_enabled`
    pub struct SnsTopicNotEncrypted {
        code: "WD707",
        name: "sns-topic-not-encrypted",
        risk: InsecureConfiguration,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `KmsMasterKeyId` on the topic and allow the publishers to use the key.",
    }
}

impl Rule for SnsTopicNotEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for topic in template.resources_of_type("AWS::SNS::Topic") {
            if topic.prop("KmsMasterKeyId").is_none() {
                checker.report(
                    topic,
                    topic.span,
                    format!(
                        "{} has no `KmsMasterKeyId`: messages are not encrypted at rest",
                        resource_label(topic, "topic", "TopicName")
                    ),
                );
            }
        }
    }
}
