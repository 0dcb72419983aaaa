use warden_iac::Template;

use super::common::report_public_policies;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags SQS queue policies with an `Allow` statement for every principal (`"*"`,
    /// `AWS: "*"`) that no condition restricts to an account, organisation, network or
    /// source. The usual pattern for SNS or EventBridge delivery, `Principal: "*"` with an
    /// `aws:SourceArn` condition, is not flagged.
    ///
    /// ## Why is this bad?
    /// Anyone in the world can then send messages to the queue (feeding forged events to
    /// the functions that consume it and running up costs), read and delete its messages,
    /// or change it, depending on the actions allowed.
    ///
    /// ## Example
    /// ```yaml
    /// PolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: "*"
    ///       Action: sqs:SendMessage
    ///       Resource: !GetAtt Queue.Arn
    /// ```
    ///
    /// ## Fix
    /// Name the principals (a service with an `aws:SourceArn` condition, or accounts and
    /// roles) that need the queue.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-examples-of-sqs-policies.html>
    /// - cfn_nag F20, F21; KICS `9b6a3f5b`; Trivy AVD-AWS-0097; checkov CKV_AWS_168; Prowler `sqs_queues_not_publicly_accessible`
    pub struct SqsQueuePolicyPublic {
        code: "WD706",
        name: "sqs-queue-policy-public",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Name the principals that need the queue, or add an `aws:SourceArn` / `aws:PrincipalOrgID` condition.",
    }
}

impl Rule for SqsQueuePolicyPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        report_public_policies(
            template,
            checker,
            "AWS::SQS::QueuePolicy",
            "Queues",
            "queue",
        );
    }
}
