use warden_iac::Template;

use super::common::sns_subscriptions;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags SNS subscriptions to Lambda functions and SQS queues without a dead-letter
    /// queue (`RedrivePolicy`): `AWS::SNS::Subscription` resources, SAM `SNS` events, and
    /// the inline `Subscription` list of a topic (which cannot take a redrive policy).
    ///
    /// ## Why is this bad?
    /// When SNS cannot deliver a message (the function is throttled or deleted, the queue
    /// policy or key denies SNS) it retries for a while and then drops the message. Without
    /// a dead-letter queue the message is lost and nobody is told.
    ///
    /// ## Example
    /// ```yaml
    /// Worker:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Events:
    ///       Orders:
    ///         Type: SNS
    ///         Properties:
    ///           Topic: !Ref OrdersTopic
    /// ```
    ///
    /// ## Fix
    /// Set `RedrivePolicy: {deadLetterTargetArn: <queue ARN>}` on the subscription (SAM: on
    /// the `SNS` event), allow SNS to send to that queue, and alarm on its depth. Replace
    /// inline topic subscriptions by `AWS::SNS::Subscription` resources.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html>
    /// - serverless-rules ES7000; sls-mentor `snsRedrivePolicy`
    pub struct SnsSubscriptionWithoutRedrive {
        code: "WD718",
        name: "sns-subscription-without-redrive",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `RedrivePolicy.deadLetterTargetArn` on the subscription (SAM: on the `SNS` event) to a dead-letter queue.",
    }
}

impl Rule for SnsSubscriptionWithoutRedrive {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for subscription in sns_subscriptions(template) {
            if subscription.get("RedrivePolicy").is_some() {
                continue;
            }
            let protocols = subscription.protocols();
            let Some((protocol, _)) = protocols
                .iter()
                .find(|(protocol, _)| protocol == "lambda" || protocol == "sqs")
            else {
                continue;
            };
            let target = if protocol == "lambda" {
                "function"
            } else {
                "queue"
            };
            let endpoint = subscription.get("Endpoint").map_or_else(
                || "?".to_string(),
                |endpoint| {
                    template
                        .referenced(endpoint)
                        .map_or_else(|| endpoint.display(), |r| r.origin.id.clone())
                },
            );
            // A Serverless `sns` event delivers to its own function: no need to name it twice.
            let to = if endpoint == subscription.resource.origin.id {
                String::new()
            } else {
                format!(" to {target} `{endpoint}`")
            };
            checker.report(
                subscription.resource,
                subscription.span(),
                format!(
                    "{}{to} has no `RedrivePolicy`: undeliverable messages are dropped",
                    subscription.label()
                ),
            );
        }
    }
}
