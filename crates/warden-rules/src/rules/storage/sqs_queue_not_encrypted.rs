use warden_iac::Template;

use super::common::explicit_false;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags SQS queues that turn off server-side encryption: `SqsManagedSseEnabled: false`
    /// without a `KmsMasterKeyId`. A queue with neither property is not flagged: SQS
    /// encrypts new queues with SQS-managed keys (SSE-SQS) by default.
    ///
    /// ## Why is this bad?
    /// Without encryption at rest, messages (often whole business events with personal
    /// data) are stored in clear on AWS's disks and excluded from KMS-based access control
    /// and audit.
    ///
    /// ## Example
    /// ```yaml
    /// Jobs:
    ///   Type: AWS::SQS::Queue
    ///   Properties:
    ///     SqsManagedSseEnabled: false
    /// ```
    ///
    /// ## Fix
    /// Remove `SqsManagedSseEnabled: false`, or set `KmsMasterKeyId` to a customer managed
    /// key to control who can read the messages.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html>
    /// - checkov CKV_AWS_27; cfn_nag W48; KICS `12726829`; Trivy AVD-AWS-0096; Prowler `sqs_queues_server_side_encryption_enabled`
    pub struct SqsQueueNotEncrypted {
        code: "WD705",
        name: "sqs-queue-not-encrypted",
        risk: InsecureConfiguration,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Remove `SqsManagedSseEnabled: false`, or set `KmsMasterKeyId` to a customer managed key.",
    }
}

impl Rule for SqsQueueNotEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for queue in template.resources_of_type("AWS::SQS::Queue") {
            if queue.prop("KmsMasterKeyId").is_some() {
                continue;
            }
            for value in explicit_false(queue.prop("SqsManagedSseEnabled")) {
                checker.report(
                    queue,
                    value.span,
                    format!(
                        "queue `{}` turns off server-side encryption and has no `KmsMasterKeyId`",
                        queue.origin.id
                    ),
                );
            }
        }
    }
}
