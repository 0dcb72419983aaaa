use warden_iac::analysis::refers_to;
use warden_iac::{Node, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags SQS queues that feed a Lambda function (an `AWS::Lambda::EventSourceMapping`,
    /// or a SAM `SQS` event, reads them) and have no `RedrivePolicy.deadLetterTargetArn`.
    /// Queues that are themselves the dead-letter queue of another queue are skipped.
    ///
    /// ## Why is this bad?
    /// A message the function cannot process (a poison message) is retried until it
    /// expires, blocking or slowing the batch it arrives in and costing an invocation each
    /// time; when it expires it is lost without trace.
    ///
    /// ## Example
    /// ```yaml
    /// Jobs:
    ///   Type: AWS::SQS::Queue
    /// Worker:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Events:
    ///       Jobs:
    ///         Type: SQS
    ///         Properties:
    ///           Queue: !GetAtt Jobs.Arn
    /// ```
    ///
    /// ## Fix
    /// Create a dead-letter queue and set
    /// `RedrivePolicy: {deadLetterTargetArn: !GetAtt JobsDlq.Arn, maxReceiveCount: 5}`;
    /// alarm on its depth.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html>
    /// - serverless-rules ES6000; sls-mentor `specifyDlqOnSqs`
    pub struct SqsQueueWithoutDeadLetterQueue {
        code: "WD713",
        name: "sqs-queue-without-dead-letter-queue",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Give the queue a `RedrivePolicy` with a `deadLetterTargetArn` and a `maxReceiveCount`, and alarm on the DLQ.",
    }
}

impl Rule for SqsQueueWithoutDeadLetterQueue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let queues: Vec<_> = template.resources_of_type("AWS::SQS::Queue").collect();
        let dlq_targets: Vec<&Node> = queues
            .iter()
            .filter_map(|queue| queue.prop("RedrivePolicy.deadLetterTargetArn"))
            .collect();
        for queue in &queues {
            if queue.prop("RedrivePolicy").is_some() {
                continue; // set (a DLQ), or unknown: not judged
            }
            if dlq_targets
                .iter()
                .any(|target| refers_to(target, &queue.id))
            {
                continue;
            }
            let consumer = template
                .resources_of_type("AWS::Lambda::EventSourceMapping")
                .find(|mapping| {
                    mapping
                        .prop("EventSourceArn")
                        .is_some_and(|arn| refers_to(arn, &queue.id))
                });
            let Some(mapping) = consumer else {
                continue;
            };
            let function = mapping
                .prop("FunctionName")
                .map(|name| {
                    template
                        .referenced(name)
                        .map_or_else(|| name.display(), |f| f.origin.id.clone())
                })
                .unwrap_or_else(|| mapping.origin.id.clone());
            checker.report(
                queue,
                queue.span,
                format!("queue `{}` feeds function `{function}` but has no dead-letter queue (`RedrivePolicy`)", queue.origin.id),
            );
        }
    }
}
