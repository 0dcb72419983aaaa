//! API routes declared as plain resources or OpenAPI bodies, and function triggers.

use warden_diagnostics::Span;

use crate::analysis::{
    refers_to, ApiKind, IntegrationTimeout, Route, RouteAuth, Trigger, TriggerKind,
};
use crate::model::{Origin, Resource, Template};
use crate::node::{Node, Value};

/// Routes from `AWS::ApiGateway::Method`, `AWS::ApiGatewayV2::Route` and OpenAPI bodies of
/// APIs declared as plain resources.
pub fn declared_routes(template: &Template) -> Vec<Route> {
    let mut routes = Vec::new();
    for resource in &template.resources {
        match resource.resource_type.as_str() {
            "AWS::ApiGateway::Method" => routes.push(rest_method(template, resource)),
            "AWS::ApiGatewayV2::Route" => {
                if let Some(route) = http_route(template, resource) {
                    routes.push(route);
                }
            }
            "AWS::ApiGateway::RestApi" if is_plain(resource) => {
                if let Some(body) = resource.prop("Body") {
                    routes.extend(openapi_routes(
                        body,
                        &resource.id,
                        ApiKind::Rest,
                        &resource_origin(resource),
                        None,
                    ));
                }
            }
            "AWS::ApiGatewayV2::Api" if is_plain(resource) => {
                if let Some(body) = resource.prop("Body") {
                    routes.extend(openapi_routes(
                        body,
                        &resource.id,
                        ApiKind::Http,
                        &resource_origin(resource),
                        None,
                    ));
                }
            }
            _ => {}
        }
    }
    routes
}

/// True for an API the user declared as a plain resource: SAM APIs keep their logical ID
/// too, but their OpenAPI routes were already collected during SAM expansion.
fn is_plain(resource: &Resource) -> bool {
    resource.is_declared()
        && !resource
            .origin
            .resource_type
            .starts_with("AWS::Serverless::")
}

fn resource_origin(resource: &Resource) -> Origin {
    resource.origin.clone()
}

/// The full path of an `AWS::ApiGateway::Resource`: its `PathPart` under those of its
/// parents, up to the API's root (a `ParentId` that is not a resource of the stack).
fn rest_resource_path(template: &Template, resource: &Resource) -> String {
    let mut parts = Vec::new();
    let mut current = Some(resource);
    // Parents form a tree; the bound only guards against a cycle in a broken template.
    while let Some(resource) = current.filter(|_| parts.len() < 64) {
        match resource.prop("PathPart") {
            Some(part) => parts.push(part.display()),
            None => break,
        }
        current = resource
            .prop("ParentId")
            .and_then(|parent| template.referenced(parent))
            .filter(|parent| parent.resource_type == "AWS::ApiGateway::Resource");
    }
    if parts.is_empty() {
        return "/".to_string();
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

fn rest_method(template: &Template, method: &Resource) -> Route {
    let auth_type = method.prop("AuthorizationType");
    let auth = match auth_type {
        None => RouteAuth::None,
        Some(node) if !node.is_known() => RouteAuth::Unknown(node.display()),
        Some(node) => match node.as_str().unwrap_or("").to_ascii_uppercase().as_str() {
            "NONE" | "" => RouteAuth::None,
            "AWS_IAM" => RouteAuth::Iam,
            "COGNITO_USER_POOLS" => RouteAuth::Cognito(display_opt(method.prop("AuthorizerId"))),
            "CUSTOM" => RouteAuth::Custom(display_opt(method.prop("AuthorizerId"))),
            other => RouteAuth::Unknown(other.to_string()),
        },
    };
    let api = method
        .prop("RestApiId")
        .and_then(Node::resource_ref)
        .unwrap_or("")
        .to_string();
    let path = method
        .prop("ResourceId")
        .and_then(|node| template.referenced(node))
        .map_or_else(
            || "/".to_string(),
            |resource| rest_resource_path(template, resource),
        );
    let request_validation = match method.prop("RequestValidatorId") {
        None => Some(false),
        Some(node) => template.referenced(node).map(|validator| {
            validator
                .prop("ValidateRequestBody")
                .and_then(Node::as_bool)
                == Some(true)
                || validator
                    .prop("ValidateRequestParameters")
                    .and_then(Node::as_bool)
                    == Some(true)
        }),
    };
    let function = method
        .prop("Integration.Uri")
        .and_then(|uri| function_in_uri(template, uri));
    Route {
        api,
        kind: ApiKind::Rest,
        method: method
            .prop("HttpMethod")
            .and_then(Node::as_str)
            .unwrap_or("ANY")
            .to_ascii_uppercase(),
        path,
        auth,
        api_key_required: method.prop("ApiKeyRequired").and_then(Node::as_bool) == Some(true),
        request_validation,
        span: auth_type.map_or(method.span, |node| node.span),
        origin: method.origin.clone(),
        function,
        integration_timeout: if method
            .prop("Integration.ResponseTransferMode")
            .and_then(Node::as_str)
            .is_some_and(|mode| mode.eq_ignore_ascii_case("STREAM"))
        {
            IntegrationTimeout::Unknown
        } else {
            IntegrationTimeout::from_node(method.prop("Integration.TimeoutInMillis"))
        },
    }
}

fn http_route(template: &Template, route: &Resource) -> Option<Route> {
    let key = route
        .prop("RouteKey")?
        .as_str()
        .unwrap_or("ANY /")
        .to_string();
    let api_id = route.prop("ApiId").and_then(Node::resource_ref);
    let protocol = api_id
        .and_then(|id| template.resource(id))
        .and_then(|api| api.prop("ProtocolType"))
        .and_then(Node::as_str);
    let websocket = match protocol {
        Some(protocol) => protocol.eq_ignore_ascii_case("WEBSOCKET"),
        None => matches!(key.as_str(), "$connect" | "$disconnect"),
    };
    // WebSocket route keys are action names and `$default` is a catch-all: both are shown
    // as written; other HTTP keys are `METHOD /path`.
    let as_written = websocket || key.starts_with('$');
    let (method, path) = if as_written {
        (key.as_str(), "")
    } else {
        key.split_once(' ').unwrap_or((key.as_str(), ""))
    };
    let auth_type = route.prop("AuthorizationType");
    let auth = match auth_type {
        None => RouteAuth::None,
        Some(node) if !node.is_known() => RouteAuth::Unknown(node.display()),
        Some(node) => match node.as_str().unwrap_or("").to_ascii_uppercase().as_str() {
            "NONE" | "" => RouteAuth::None,
            "AWS_IAM" => RouteAuth::Iam,
            "JWT" => RouteAuth::Jwt(display_opt(route.prop("AuthorizerId"))),
            "CUSTOM" => RouteAuth::Custom(display_opt(route.prop("AuthorizerId"))),
            other => RouteAuth::Unknown(other.to_string()),
        },
    };
    let integration = route.prop("Target").and_then(|target| {
        let text = target.display();
        let id = text
            .rsplit('/')
            .next()?
            .trim_start_matches("${")
            .trim_end_matches('}')
            .to_string();
        template.resource(&id)
    });
    let function = integration
        .and_then(|integration| integration.prop("IntegrationUri"))
        .and_then(|uri| function_in_uri(template, uri));
    Some(Route {
        api: route
            .prop("ApiId")
            .and_then(Node::resource_ref)
            .unwrap_or("")
            .to_string(),
        kind: if websocket {
            ApiKind::WebSocket
        } else {
            ApiKind::Http
        },
        method: if as_written {
            method.to_string()
        } else {
            method.to_ascii_uppercase()
        },
        path: path.to_string(),
        auth,
        api_key_required: route.prop("ApiKeyRequired").and_then(Node::as_bool) == Some(true),
        request_validation: None,
        span: auth_type.map_or(route.span, |node| node.span),
        origin: route.origin.clone(),
        function,
        integration_timeout: IntegrationTimeout::from_node(
            integration.and_then(|integration| integration.prop("TimeoutInMillis")),
        ),
    })
}

/// Routes of a WebSocket API other than `$connect` cannot carry an authorizer: a message
/// arrives on a connection that `$connect` accepted, so they take its authorization (or
/// none, when the API has no `$connect` route).
pub fn authorize_websocket_routes(routes: &mut [Route]) {
    let connects: Vec<(String, RouteAuth)> = routes
        .iter()
        .filter(|route| route.kind == ApiKind::WebSocket && route.method == "$connect")
        .map(|route| (route.api.clone(), route.auth.clone()))
        .collect();
    for route in routes.iter_mut() {
        if route.kind != ApiKind::WebSocket || route.method == "$connect" {
            continue;
        }
        route.auth = connects
            .iter()
            .find(|(api, _)| *api == route.api)
            .map_or(RouteAuth::None, |(_, auth)| auth.clone());
    }
}

fn display_opt(node: Option<&Node>) -> String {
    node.map(Node::display).unwrap_or_default()
}

/// The function an integration URI invokes (`...functions/${Fn.Arn}/invocations`).
pub fn function_in_uri(template: &Template, uri: &Node) -> Option<String> {
    if let Some(id) = uri.resource_ref() {
        return Some(id.to_string());
    }
    let text = uri.display();
    template
        .resources
        .iter()
        .filter(|r| r.resource_type == "AWS::Lambda::Function")
        .find(|r| {
            text.contains(&format!("${{{}.Arn}}", r.id)) || text.contains(&format!("${{{}}}", r.id))
        })
        .map(|r| r.id.clone())
}

/// Routes of an OpenAPI/Swagger body with per-operation `security`. `default_auth` is the
/// auth SAM applies when an operation has no `security` (the API's `DefaultAuthorizer`).
pub fn openapi_routes(
    body: &Node,
    api: &str,
    kind: ApiKind,
    origin: &Origin,
    default_auth: Option<&RouteAuth>,
) -> Vec<Route> {
    let mut routes = Vec::new();
    let Some(paths) = body.get("paths").and_then(Node::as_map) else {
        return routes;
    };
    let schemes = security_schemes(body);
    let top_security = body.get("security");
    let api_key_schemes: Vec<&str> = schemes
        .iter()
        .filter(|(_, auth)| matches!(auth, SchemeKind::ApiKey))
        .map(|(name, _)| name.as_str())
        .collect();
    for (path, operations) in paths.iter() {
        let Some(operations) = operations.as_map() else {
            continue;
        };
        for (method, operation) in operations.iter() {
            let method_upper = method.name.to_ascii_uppercase();
            let http_method = method_upper.trim_start_matches("X-AMAZON-APIGATEWAY-ANY-");
            let method_name = if method.name == "x-amazon-apigateway-any-method" {
                "ANY"
            } else if matches!(
                http_method,
                "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH"
            ) {
                http_method
            } else {
                continue;
            };
            let security = operation.get("security").or(top_security);
            let (auth, api_key_required) = match security {
                Some(security) if !security.is_known() => {
                    (RouteAuth::Unknown(security.display()), false)
                }
                Some(security) => security_auth(security, &schemes, &api_key_schemes),
                None => (default_auth.cloned().unwrap_or(RouteAuth::None), false),
            };
            let integration = operation.get("x-amazon-apigateway-integration");
            let function = integration
                .and_then(|integration| integration.get("uri"))
                .map(Node::display)
                .and_then(|uri| {
                    let start = uri.find("functions/${")? + "functions/${".len();
                    let rest = &uri[start..];
                    let end = rest.find(['.', '}'])?;
                    Some(rest[..end].to_string())
                });
            routes.push(Route {
                api: api.to_string(),
                kind,
                method: method_name.to_string(),
                path: path.name.clone(),
                auth,
                api_key_required,
                request_validation: operation
                    .get("x-amazon-apigateway-request-validator")
                    .or_else(|| body.get("x-amazon-apigateway-request-validator"))
                    .map(|_| true)
                    .or(Some(false)),
                span: method.span,
                origin: origin.clone(),
                function,
                // A streamed response is not cut at the 29 s integration timeout.
                integration_timeout: if integration
                    .and_then(|integration| integration.get("responseTransferMode"))
                    .and_then(Node::as_str)
                    .is_some_and(|mode| mode.eq_ignore_ascii_case("STREAM"))
                {
                    IntegrationTimeout::Unknown
                } else {
                    IntegrationTimeout::from_node(
                        integration.and_then(|integration| integration.get("timeoutInMillis")),
                    )
                },
            });
        }
    }
    routes
}

#[derive(Debug, PartialEq)]
enum SchemeKind {
    ApiKey,
    Iam,
    Cognito,
    Custom,
    Jwt,
    Other,
}

fn security_schemes(body: &Node) -> Vec<(String, SchemeKind)> {
    let mut out = Vec::new();
    let definitions = body
        .get("securityDefinitions")
        .or_else(|| body.path("components.securitySchemes"));
    let Some(definitions) = definitions.and_then(Node::as_map) else {
        return out;
    };
    for (name, scheme) in definitions.iter() {
        let auth_type = scheme
            .get("x-amazon-apigateway-authtype")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let authorizer_type = scheme
            .path("x-amazon-apigateway-authorizer.type")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let kind = if auth_type == "awssigv4" {
            SchemeKind::Iam
        } else if authorizer_type == "cognito_user_pools" || auth_type == "cognito_user_pools" {
            SchemeKind::Cognito
        } else if authorizer_type == "jwt" {
            SchemeKind::Jwt
        } else if authorizer_type == "token"
            || authorizer_type == "request"
            || auth_type == "custom"
        {
            SchemeKind::Custom
        } else if scheme.get("type").and_then(Node::as_str) == Some("apiKey") {
            SchemeKind::ApiKey
        } else if scheme.get("type").and_then(Node::as_str) == Some("oauth2")
            || scheme.get("type").and_then(Node::as_str) == Some("openIdConnect")
        {
            SchemeKind::Jwt
        } else {
            SchemeKind::Other
        };
        out.push((name.name.clone(), kind));
    }
    out
}

fn security_auth(
    security: &Node,
    schemes: &[(String, SchemeKind)],
    api_key_schemes: &[&str],
) -> (RouteAuth, bool) {
    let mut api_key = false;
    let mut auth = RouteAuth::None;
    for requirement in security.items() {
        let Some(requirement) = requirement.as_map() else {
            continue;
        };
        for name in requirement.keys() {
            if api_key_schemes.contains(&name) {
                api_key = true;
                continue;
            }
            auth = match schemes
                .iter()
                .find(|(scheme, _)| scheme == name)
                .map(|(_, kind)| kind)
            {
                Some(SchemeKind::Iam) => RouteAuth::Iam,
                Some(SchemeKind::Cognito) => RouteAuth::Cognito(name.to_string()),
                Some(SchemeKind::Jwt) => RouteAuth::Jwt(name.to_string()),
                Some(SchemeKind::Custom) | Some(SchemeKind::Other) => {
                    RouteAuth::Custom(name.to_string())
                }
                Some(SchemeKind::ApiKey) => continue,
                // A scheme the body does not define may be added by SAM (`Auth.Authorizers`).
                None => RouteAuth::Custom(name.to_string()),
            };
        }
    }
    (auth, api_key)
}

/// Triggers declared by event source mappings, permissions, subscriptions, rules and
/// bucket notifications that point at `function`.
pub fn triggers(template: &Template, function: &Resource) -> Vec<Trigger> {
    let mut out = Vec::new();
    let id = function.id.as_str();
    for (index, resource) in template.resources.iter().enumerate() {
        let trigger = |kind: TriggerKind, span: Span, source: Option<usize>| Trigger {
            kind,
            span,
            declared_by: Some(index),
            source,
            integration_timeout: IntegrationTimeout::Default,
        };
        match resource.resource_type.as_str() {
            "AWS::Lambda::EventSourceMapping"
                if resource
                    .prop("FunctionName")
                    .is_some_and(|n| refers_to(n, id)) =>
            {
                let source_node = resource.prop("EventSourceArn");
                let source = source_node.and_then(|node| position_of_ref(template, node));
                let kind = source
                    .map(|s| match template.resources[s].resource_type.as_str() {
                        "AWS::SQS::Queue" => TriggerKind::Sqs,
                        "AWS::Kinesis::Stream" => TriggerKind::Kinesis,
                        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" => {
                            TriggerKind::DynamoDb
                        }
                        "AWS::AmazonMQ::Broker" => TriggerKind::Mq,
                        "AWS::MSK::Cluster" => TriggerKind::Kafka,
                        _ => TriggerKind::Other,
                    })
                    .unwrap_or_else(|| {
                        let text = source_node.map(Node::display).unwrap_or_default();
                        if text.contains(":sqs:") {
                            TriggerKind::Sqs
                        } else if text.contains(":kinesis:") {
                            TriggerKind::Kinesis
                        } else if text.contains(":dynamodb:") {
                            TriggerKind::DynamoDb
                        } else if resource.prop("SelfManagedEventSource").is_some()
                            || text.contains(":kafka:")
                        {
                            TriggerKind::Kafka
                        } else if text.contains(":mq:") {
                            TriggerKind::Mq
                        } else {
                            TriggerKind::Other
                        }
                    });
                out.push(trigger(kind, resource.span, source));
            }
            "AWS::Lambda::Permission"
                if resource
                    .prop("FunctionName")
                    .is_some_and(|n| refers_to(n, id)) =>
            {
                let principal = resource
                    .prop("Principal")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let kind = match principal.as_str() {
                    "s3.amazonaws.com" => TriggerKind::S3,
                    "sns.amazonaws.com" => TriggerKind::Sns,
                    "events.amazonaws.com" => TriggerKind::EventBridge,
                    "scheduler.amazonaws.com" => TriggerKind::Schedule,
                    "logs.amazonaws.com" => TriggerKind::CloudWatchLogs,
                    "iot.amazonaws.com" => TriggerKind::Iot,
                    "cognito-idp.amazonaws.com" => TriggerKind::Cognito,
                    // API permissions are covered by routes; URLs by the URL resource.
                    _ => continue,
                };
                let source = resource
                    .prop("SourceArn")
                    .and_then(|node| position_of_ref(template, node));
                out.push(trigger(kind, resource.span, source));
            }
            "AWS::SNS::Subscription"
                if resource.prop("Endpoint").is_some_and(|n| refers_to(n, id)) =>
            {
                let source = resource
                    .prop("TopicArn")
                    .and_then(|node| position_of_ref(template, node));
                out.push(trigger(TriggerKind::Sns, resource.span, source));
            }
            "AWS::SNS::Topic" => {
                if let Some(subscriptions) = resource.prop("Subscription") {
                    for subscription in subscriptions.items() {
                        if subscription
                            .get("Endpoint")
                            .is_some_and(|n| refers_to(n, id))
                        {
                            out.push(trigger(TriggerKind::Sns, subscription.span, Some(index)));
                        }
                    }
                }
            }
            "AWS::Events::Rule" => {
                if let Some(targets) = resource.prop("Targets") {
                    for target in targets.items() {
                        if target.get("Arn").is_some_and(|n| refers_to(n, id)) {
                            let kind = if resource.prop("ScheduleExpression").is_some() {
                                TriggerKind::Schedule
                            } else {
                                TriggerKind::EventBridge
                            };
                            out.push(trigger(kind, target.span, Some(index)));
                        }
                    }
                }
            }
            "AWS::Scheduler::Schedule"
                if resource
                    .prop("Target.Arn")
                    .is_some_and(|n| refers_to(n, id)) =>
            {
                out.push(trigger(TriggerKind::Schedule, resource.span, Some(index)));
            }
            "AWS::S3::Bucket" => {
                if let Some(configurations) =
                    resource.prop("NotificationConfiguration.LambdaConfigurations")
                {
                    for configuration in configurations.items() {
                        if configuration
                            .get("Function")
                            .is_some_and(|n| refers_to(n, id))
                        {
                            out.push(trigger(TriggerKind::S3, configuration.span, Some(index)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // A permission and a subscription may both describe one SNS trigger: keep one per kind
    // and source.
    out.dedup_by(|a, b| a.kind == b.kind && a.source.is_some() && a.source == b.source);
    out
}

fn position_of_ref(template: &Template, node: &Node) -> Option<usize> {
    let id = match &node.value {
        Value::ResourceRef { logical_id, .. } => logical_id.as_str(),
        _ => return None,
    };
    template.resources.iter().position(|r| r.id == id)
}
