use warden_iac::Template;

use super::common::report_public_policies;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags SNS topic policies with an `Allow` statement for every principal (`"*"`,
    /// `AWS: "*"`) that no condition restricts to an account, organisation or source
    /// (`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID` ...).
    ///
    /// ## Why is this bad?
    /// Anyone in the world can then publish to the topic (sending forged events to every
    /// subscriber, including functions), subscribe to it and receive its messages, or change
    /// it, depending on the actions allowed.
    ///
    /// ## Example
    /// ```yaml
    /// PolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: "*"
    ///       Action: sns:Publish
    ///       Resource: !Ref Topic
    /// ```
    ///
    /// ## Fix
    /// Name the principals that need the topic, or add an `aws:SourceArn`,
    /// `aws:SourceAccount` or `aws:PrincipalOrgID` condition.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html>
    /// - cfn_nag F18; KICS `ae53ce91`; checkov CKV_AWS_169; Prowler `sns_topics_not_publicly_accessible`
    pub struct SnsTopicPolicyPublic {
        code: "WD708",
        name: "sns-topic-policy-public",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Name the principals that need the topic, or add an `aws:SourceArn` / `aws:SourceAccount` / `aws:PrincipalOrgID` condition.",
    }
}

impl Rule for SnsTopicPolicyPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        report_public_policies(
            template,
            checker,
            "AWS::SNS::TopicPolicy",
            "Topics",
            "topic",
        );
    }
}
