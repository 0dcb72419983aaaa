use warden_iac::{Node, Template, TriggerKind};

use super::common::timeouts;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// SQS's default `VisibilityTimeout`, in seconds.
const DEFAULT_VISIBILITY_TIMEOUT: i64 = 30;

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions whose `Timeout` is longer than their SQS queue's visibility
    /// timeout. The queue must be in the stack; the defaults are 30 seconds for
    /// `VisibilityTimeout` and 3 seconds for `Timeout`.
    ///
    /// ## Why is this bad?
    /// A message becomes visible again while the function is still working on it: another
    /// invocation picks it up and processes it a second time, so work is duplicated and
    /// billed twice, and the message may reach the dead-letter queue though nothing failed.
    /// CloudFormation rejects the mapping when the queue is created with such a timeout, but
    /// not when the function's timeout is raised later.
    ///
    /// ## Example
    /// ```yaml
    /// Jobs:
    ///   Type: AWS::SQS::Queue
    /// Worker:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Timeout: 120
    ///     Events:
    ///       Queue:
    ///         Type: SQS
    ///         Properties: {Queue: !GetAtt Jobs.Arn}
    /// ```
    ///
    /// ## Fix
    /// Set the queue's `VisibilityTimeout` to at least six times the function's `Timeout`
    /// (AWS's guidance, which leaves room for retries when the function is throttled).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html>
    /// - cfn-lint E3505; sls-mentor `timeoutSmallEnoughForSqsVisibility`
    pub struct SqsVisibilityTimeoutBelowFunctionTimeout {
        code: "WD108",
        name: "sqs-visibility-timeout-below-function-timeout",
        risk: Reliability,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set the queue's `VisibilityTimeout` to at least six times the function's `Timeout`.",
    }
}

impl Rule for SqsVisibilityTimeoutBelowFunctionTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            for trigger in info
                .triggers
                .iter()
                .filter(|trigger| trigger.kind == TriggerKind::Sqs)
            {
                let Some(queue) = trigger.source.map(|index| &template.resources[index]) else {
                    continue;
                };
                let visibilities: Vec<i64> = match queue.prop("VisibilityTimeout") {
                    None => vec![DEFAULT_VISIBILITY_TIMEOUT],
                    Some(node) => node
                        .alternatives()
                        .into_iter()
                        .filter_map(Node::as_i64)
                        .collect(),
                };
                let Some(visibility) = visibilities.into_iter().min() else {
                    continue;
                };
                for (seconds, node) in timeouts(function) {
                    if visibility < seconds {
                        checker.report(
                            function,
                            node.map_or(function.span, |node| node.span),
                            format!(
                                "`{}` has `Timeout: {seconds}` but its queue `{}` has a visibility timeout of {visibility} s: messages reappear while still being processed",
                                function.origin.id, queue.origin.id
                            ),
                        );
                    }
                }
            }
        }
    }
}
