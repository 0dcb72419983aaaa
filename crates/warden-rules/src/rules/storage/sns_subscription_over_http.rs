use warden_iac::Template;

use super::common::sns_subscriptions;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags SNS subscriptions that deliver over plain HTTP (`Protocol: http`), in
    /// `AWS::SNS::Subscription` resources and in a topic's inline `Subscription` list.
    ///
    /// ## Why is this bad?
    /// SNS posts every message, with its full body and attributes, to an `http` endpoint in
    /// clear text. Anyone on the network path can read or alter it, and the subscription
    /// confirmation token travels the same way.
    ///
    /// ## Example
    /// ```yaml
    /// Webhook:
    ///   Type: AWS::SNS::Subscription
    ///   Properties:
    ///     TopicArn: !Ref Orders
    ///     Protocol: http
    ///     Endpoint: http://hooks.example.com/orders
    /// ```
    ///
    /// ## Fix
    /// Use `Protocol: https` with an `https://` endpoint (and verify the message signature
    /// in the receiver).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html>
    /// - Prowler `sns_subscription_not_using_http_endpoints`
    pub struct SnsSubscriptionOverHttp {
        code: "WD717",
        name: "sns-subscription-over-http",
        risk: InsecureConfiguration,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Use `Protocol: https` with an `https://` endpoint.",
    }
}

impl Rule for SnsSubscriptionOverHttp {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for subscription in sns_subscriptions(template) {
            for (protocol, node) in subscription.protocols() {
                if protocol == "http" {
                    let endpoint = subscription
                        .get("Endpoint")
                        .map_or_else(|| "?".to_string(), |endpoint| endpoint.display());
                    checker.report(
                        subscription.resource,
                        node.span,
                        format!(
                            "{} delivers messages to `{endpoint}` over plain HTTP",
                            subscription.label()
                        ),
                    );
                }
            }
        }
    }
}
