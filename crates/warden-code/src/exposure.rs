//! Who can reach a function, from the template: this decides the severity of what its code
//! does with the event.
//!
//! | what reaches the function | severity of an injection path |
//! |---|---|
//! | an API route without authorization, a function URL with `AuthType: NONE`, a Lambda authorizer (it runs before authentication) | critical |
//! | a route behind an authorizer (Cognito, JWT, Lambda, IAM) or an API key, an IAM-authorised URL | high |
//! | only internal triggers (queues, streams, buckets, topics, schedules, rules), or none in the template | medium |

use warden_diagnostics::{Severity, Span};
use warden_iac::analysis::refers_to;
use warden_iac::{FunctionInfo, Node, RouteAuth, Template, TriggerKind};

/// The most exposed way a function is reached.
#[derive(Clone, Debug)]
pub struct Exposure {
    pub severity: Severity,
    /// What reaches it and with which auth, for messages: "the unauthenticated route
    /// `GET /items` of `ServerlessRestApi`".
    pub description: String,
    /// Where that route or trigger is declared in the template.
    pub span: Span,
    /// Reached through API Gateway or a function URL: its responses go to callers.
    pub http: bool,
    /// Reached through a non-proxy (`AWS`) API Gateway integration, where an error becomes
    /// the response body.
    pub non_proxy: bool,
}

pub fn exposure(template: &Template, info: &FunctionInfo) -> Exposure {
    let function = info.resource(template);
    let mut best: Option<Exposure> = None;
    let mut consider = |candidate: Exposure| {
        if best
            .as_ref()
            .is_none_or(|current| candidate.severity > current.severity)
        {
            best = Some(candidate);
        }
    };
    let non_proxy = non_proxy_integration(template, &function.id);
    for route in &template.analysis.routes {
        if route.function.as_deref() != Some(function.id.as_str()) || route.is_preflight() {
            continue;
        }
        let websocket = is_websocket(template, &route.api);
        let name = if websocket {
            format!(
                "`{}` of the WebSocket API `{}`",
                route.method.to_ascii_lowercase(),
                route.api
            )
        } else {
            format!("`{} {}` of `{}`", route.method, route.path, route.api)
        };
        // A WebSocket API authorizes `$connect` only; its other routes run on connections
        // that `$connect` admitted.
        let connect_auth = websocket
            .then(|| {
                template
                    .analysis
                    .routes
                    .iter()
                    .find(|r| r.api == route.api && r.method.eq_ignore_ascii_case("$connect"))
            })
            .flatten()
            .map(|r| r.auth.clone());
        let auth = match (&route.auth, connect_auth) {
            (RouteAuth::None, Some(connect)) if connect != RouteAuth::None => connect,
            (auth, _) => auth.clone(),
        };
        let (severity, description) = match &auth {
            RouteAuth::None if !route.api_key_required => (
                Severity::Critical,
                format!("the unauthenticated public route {name}"),
            ),
            RouteAuth::None => (
                Severity::High,
                format!("the route {name}, which requires only an API key"),
            ),
            RouteAuth::Iam => (Severity::High, format!("the IAM-authorised route {name}")),
            RouteAuth::Cognito(authorizer)
            | RouteAuth::Custom(authorizer)
            | RouteAuth::Jwt(authorizer) => (
                Severity::High,
                format!("the route {name} behind the `{authorizer}` authorizer"),
            ),
            RouteAuth::Unknown(reason) => (
                Severity::High,
                format!("the route {name}, whose authorization is unknown ({reason})"),
            ),
        };
        consider(Exposure {
            severity,
            description,
            span: route.span,
            // A WebSocket route's return value is not sent to the client (without a route
            // response), so it cannot leak an exception.
            http: !websocket,
            non_proxy,
        });
    }
    if let Some(url) = info.url {
        let url = &template.resources[url];
        let public = url
            .prop("AuthType")
            .and_then(Node::as_str)
            .is_some_and(|auth| auth.eq_ignore_ascii_case("NONE"));
        consider(Exposure {
            severity: if public {
                Severity::Critical
            } else {
                Severity::High
            },
            description: if public {
                "its public function URL (`AuthType: NONE`)".into()
            } else {
                "its IAM-authorised function URL".into()
            },
            span: url.prop("AuthType").map_or(url.span, |node| node.span),
            http: true,
            non_proxy: false,
        });
    }
    // A Lambda authorizer sees every request before it is authenticated.
    for resource in &template.resources {
        if matches!(
            resource.resource_type.as_str(),
            "AWS::ApiGateway::Authorizer" | "AWS::ApiGatewayV2::Authorizer"
        ) && resource
            .prop("AuthorizerUri")
            .is_some_and(|uri| refers_to(uri, &function.id))
        {
            consider(Exposure {
                severity: Severity::Critical,
                description: format!(
                    "API Gateway, before authentication, as the authorizer `{}`",
                    resource.origin.id
                ),
                span: resource.span,
                http: false,
                non_proxy: false,
            });
        }
    }
    for trigger in &info.triggers {
        if trigger.kind.is_api() || trigger.kind == TriggerKind::FunctionUrl {
            continue;
        }
        let source = trigger
            .source
            .map(|index| format!(" `{}`", template.resources[index].origin.id))
            .unwrap_or_default();
        consider(Exposure {
            severity: Severity::Medium,
            description: format!(
                "the internal trigger {}{source}",
                trigger_name(trigger.kind)
            ),
            span: trigger.span,
            http: false,
            non_proxy: false,
        });
    }
    best.unwrap_or_else(|| Exposure {
        severity: Severity::Medium,
        description: "no route or trigger declared in the template (it is invoked directly or by another service)".into(),
        span: function.span,
        http: false,
        non_proxy: false,
    })
}

fn trigger_name(kind: TriggerKind) -> &'static str {
    match kind {
        TriggerKind::S3 => "S3 bucket",
        TriggerKind::Sns => "SNS topic",
        TriggerKind::Sqs => "SQS queue",
        TriggerKind::Kinesis => "Kinesis stream",
        TriggerKind::DynamoDb => "DynamoDB stream",
        TriggerKind::Schedule => "schedule",
        TriggerKind::EventBridge => "EventBridge rule",
        TriggerKind::CloudWatchLogs => "CloudWatch Logs subscription",
        TriggerKind::Cognito => "Cognito trigger",
        TriggerKind::Iot => "IoT rule",
        TriggerKind::Kafka => "Kafka topic",
        TriggerKind::Mq => "Amazon MQ broker",
        _ => "event source",
    }
}

/// True when an `AWS::ApiGateway::Method` integrates the function with `Type: AWS` (not
/// `AWS_PROXY`): API Gateway then maps errors through integration responses, and a
/// `callback(err)` becomes the response body.
fn non_proxy_integration(template: &Template, function: &str) -> bool {
    template
        .resources_of_type("AWS::ApiGateway::Method")
        .any(|method| {
            method
                .prop("Integration.Type")
                .and_then(Node::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("AWS"))
                && method
                    .prop("Integration.Uri")
                    .is_some_and(|uri| refers_to(uri, function))
        })
}

/// True for an `AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`.
fn is_websocket(template: &Template, api: &str) -> bool {
    template.resource(api).is_some_and(|resource| {
        resource
            .prop("ProtocolType")
            .and_then(Node::as_str)
            .is_some_and(|p| p.eq_ignore_ascii_case("WEBSOCKET"))
    })
}
