use warden_iac::{Node, Template};

use super::front_doors::forwards_to_lambda;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Application Load Balancer listeners (`AWS::ElasticLoadBalancingV2::Listener`)
    /// that accept plain `HTTP` and forward it to Lambda targets (a target group with
    /// `TargetType: lambda`, by default action or listener rule). A listener whose default
    /// action redirects to HTTPS is not reported.
    ///
    /// ## Why is this bad?
    /// Requests and responses travel unencrypted between clients and the load balancer:
    /// credentials, tokens and the data the functions return can be read or altered on the
    /// way.
    ///
    /// ## Example
    /// ```yaml
    /// Listener:
    ///   Type: AWS::ElasticLoadBalancingV2::Listener
    ///   Properties:
    ///     Protocol: HTTP
    ///     Port: 80
    ///     DefaultActions:
    ///       - Type: forward
    ///         TargetGroupArn: !Ref LambdaTargets
    /// ```
    ///
    /// ## Fix
    /// Listen with `Protocol: HTTPS` and a certificate (`Certificates`, `SslPolicy`), and make
    /// the HTTP listener redirect to HTTPS.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html>
    /// - checkov CKV_AWS_2, CKV_AWS_103
    pub struct AlbListenerWithoutTls {
        code: "WD209",
        name: "alb-listener-without-tls",
        risk: InsecureConfiguration,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Use an HTTPS listener with a certificate for Lambda targets, and redirect HTTP to it.",
    }
}

impl Rule for AlbListenerWithoutTls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for listener in template.resources_of_type("AWS::ElasticLoadBalancingV2::Listener") {
            let Some(protocol) = listener.prop("Protocol") else {
                continue;
            };
            let plain = protocol.alternatives().iter().any(|value| {
                value
                    .as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case("HTTP"))
            });
            if !plain || redirects_to_https(listener.prop("DefaultActions")) {
                continue;
            }
            if !forwards_to_lambda(template, listener) {
                continue;
            }
            checker.report(
                listener,
                protocol.span,
                format!(
                    "load balancer listener `{}` serves Lambda targets over plain HTTP",
                    listener.origin.id
                ),
            );
        }
    }
}

fn redirects_to_https(actions: Option<&Node>) -> bool {
    actions
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|action| {
            action
                .path("RedirectConfig.Protocol")
                .and_then(Node::as_str)
                .is_some_and(|protocol| protocol.eq_ignore_ascii_case("HTTPS"))
        })
}
