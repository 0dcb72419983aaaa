use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Amazon MQ brokers (`AWS::AmazonMQ::Broker`) with `PubliclyAccessible: true`.
    /// Brokers are event sources of Lambda functions (`MQ` events, event source mappings).
    ///
    /// ## Why is this bad?
    /// The broker gets a public IP address and its console and wire endpoints are reachable
    /// from the internet, protected only by the broker's user names and passwords: anyone
    /// who guesses or steals one can read the queues or inject messages into the functions
    /// that consume them.
    ///
    /// ## Example
    /// ```yaml
    /// Broker:
    ///   Type: AWS::AmazonMQ::Broker
    ///   Properties:
    ///     PubliclyAccessible: true
    /// ```
    ///
    /// ## Fix
    /// Set `PubliclyAccessible: false` and reach the broker from the VPC (the functions that
    /// consume it run in the VPC anyway), through a VPN or a bastion for administration.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/using-amazon-mq-securely.html>
    /// - checkov CKV_AWS_69
    pub struct MqBrokerPubliclyAccessible {
        code: "WD720",
        name: "mq-broker-publicly-accessible",
        risk: InsecureConfiguration,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Set `PubliclyAccessible: false` and reach the broker from inside the VPC.",
    }
}

impl Rule for MqBrokerPubliclyAccessible {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for broker in template.resources_of_type("AWS::AmazonMQ::Broker") {
            let Some(public) = broker.prop("PubliclyAccessible") else {
                continue;
            };
            for value in public.alternatives() {
                if value.as_bool() == Some(true) {
                    checker.report(
                        broker,
                        value.span,
                        format!(
                            "Amazon MQ broker `{}` is publicly accessible from the internet",
                            broker.origin.id
                        ),
                    );
                }
            }
        }
    }
}
