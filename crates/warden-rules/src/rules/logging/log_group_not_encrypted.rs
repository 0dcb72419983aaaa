use warden_iac::Template;

use crate::rules::storage::common::resource_label;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `AWS::Logs::LogGroup` resources without a `KmsKeyId`.
    ///
    /// ## Why is this bad?
    /// CloudWatch Logs encrypts log data with a service key, but then anyone with
    /// `logs:GetLogEvents` can read it. Logs often hold request payloads, tokens and
    /// personal data; a customer managed key adds a second gate (the key policy), lets you
    /// revoke access by disabling the key and records every use in CloudTrail.
    ///
    /// ## Example
    /// ```yaml
    /// AuditLogs:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     RetentionInDays: 365
    /// ```
    ///
    /// ## Fix
    /// Set `KmsKeyId` to the ARN of a customer managed key whose policy allows the
    /// `logs.<region>.amazonaws.com` service principal to use it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html>
    /// - checkov CKV_AWS_158; cfn_nag W84; Trivy AVD-AWS-0017; Prowler `cloudwatch_log_group_kms_encryption_enabled`
    pub struct LogGroupNotEncrypted {
        code: "WD802",
        name: "log-group-not-encrypted",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `KmsKeyId` on the log group to a customer managed key that CloudWatch Logs may use.",
    }
}

impl Rule for LogGroupNotEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for group in template.resources_of_type("AWS::Logs::LogGroup") {
            if group.prop("KmsKeyId").is_none() {
                checker.report(
                    group,
                    group.span,
                    format!(
                        "{} has no `KmsKeyId`: it is not encrypted with a customer managed key",
                        resource_label(group, "log group", "LogGroupName")
                    ),
                );
            }
        }
    }
}
