//! What stands in front of the functions: load balancers with Lambda targets and CloudFront
//! distributions whose origin is an API or a function URL.

use warden_iac::analysis::refers_to;
use warden_iac::{Node, Resource, Template, Value};

/// Resource types an origin may name that serve functions.
const SERVERLESS_ORIGINS: &[&str] = &[
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGatewayV2::Api",
    "AWS::Lambda::Url",
    "AWS::Lambda::Function",
];

/// True when a target group sends requests to Lambda functions.
pub(crate) fn is_lambda_target_group(group: &Resource) -> bool {
    group
        .prop("TargetType")
        .and_then(Node::as_str)
        .is_some_and(|kind| kind.eq_ignore_ascii_case("lambda"))
}

/// The Lambda target groups a listener forwards to (default actions and rules).
pub(crate) fn forwards_to_lambda(template: &Template, listener: &Resource) -> bool {
    let mut actions: Vec<&Node> = listener
        .prop("DefaultActions")
        .map(Node::items)
        .unwrap_or_default();
    for rule in template.resources_of_type("AWS::ElasticLoadBalancingV2::ListenerRule") {
        if rule
            .prop("ListenerArn")
            .is_some_and(|arn| refers_to(arn, &listener.id))
        {
            actions.extend(rule.prop("Actions").map(Node::items).unwrap_or_default());
        }
    }
    actions.iter().any(|action| {
        let mut groups: Vec<&Node> = action.get("TargetGroupArn").into_iter().collect();
        if let Some(forward) = action.path("ForwardConfig.TargetGroups") {
            groups.extend(
                forward
                    .items()
                    .into_iter()
                    .filter_map(|group| group.get("TargetGroupArn")),
            );
        }
        groups
            .iter()
            .any(|arn| template.referenced(arn).is_some_and(is_lambda_target_group))
    })
}

/// The origins of a distribution that are an API or a function URL of the stack, or an
/// API Gateway / Lambda URL domain written out; with the resource or domain named.
pub(crate) fn serverless_origins(template: &Template, distribution: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    let origins = distribution
        .prop("DistributionConfig.Origins")
        .map(Node::items)
        .unwrap_or_default();
    for origin in origins {
        let Some(domain) = origin.get("DomainName") else {
            continue;
        };
        let text = match &domain.value {
            Value::String(text) => text.clone(),
            Value::Unknown {
                partial: Some(partial),
                ..
            } => partial.clone(),
            _ => domain.display(),
        };
        let named = template.resources.iter().find(|resource| {
            SERVERLESS_ORIGINS.contains(&resource.resource_type.as_str())
                && (refers_to(domain, &resource.id)
                    || text.contains(&format!("${{{}", resource.id))
                    || domain.resource_ref() == Some(resource.id.as_str()))
        });
        if let Some(resource) = named {
            out.push(resource.origin.id.clone());
        } else if text.contains(".execute-api.") || text.contains(".lambda-url.") {
            out.push(text);
        }
    }
    out
}
