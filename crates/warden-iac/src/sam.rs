//! SAM expansion: `AWS::Serverless::*` resources become the plain resources the SAM
//! translator would create, so that one set of rules covers both.
//!
//! Every generated node keeps the span of the SAM text it came from, and every generated
//! resource keeps the SAM resource as its [`Origin`], so findings point at what the user
//! wrote. What is expanded: `Globals`; functions with their generated role (managed
//! policies, inline statements, policy templates), URL, event invoke config and events
//! (API routes with effective auth, permissions, subscriptions, rules, event source
//! mappings); implicit `ServerlessRestApi`/`ServerlessHttpApi`; explicit APIs with their
//! stage and OpenAPI body; simple tables; state machines; layers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use warden_diagnostics::{Notice, Span};

use crate::analysis::{ApiKind, IntegrationTimeout, Route, RouteAuth};
use crate::model::{Origin, Resource};
use crate::node::{Key, Map, Node, Value};
use crate::policy::{node_from_json, sam_policy_templates};
use crate::resolve::Resolver;
use crate::routes::openapi_routes;

const BASIC_EXECUTION_ROLE: &str =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const DURABLE_EXECUTION_ROLE: &str =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy";
const VPC_EXECUTION_ROLE: &str =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole";
const XRAY_WRITE: &str = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess";
const SQS_EXECUTION_ROLE: &str =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole";
const KINESIS_EXECUTION_ROLE: &str =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole";
const DYNAMODB_EXECUTION_ROLE: &str =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole";
const MSK_EXECUTION_ROLE: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole";

/// Function properties that carry over to `AWS::Lambda::Function` unchanged.
const FUNCTION_PROPERTIES: &[&str] = &[
    "Architectures",
    // Where the code is: SAM's local path or S3 location, or the code itself.
    "CodeUri",
    "InlineCode",
    "CodeSigningConfigArn",
    "Description",
    "Environment",
    "EphemeralStorage",
    "FileSystemConfigs",
    "FunctionName",
    "Handler",
    "ImageConfig",
    "KmsKeyArn",
    "Layers",
    "LoggingConfig",
    "MemorySize",
    "PackageType",
    "ReservedConcurrentExecutions",
    "Role",
    "Runtime",
    "RuntimeManagementConfig",
    "SnapStart",
    "Tags",
    "Timeout",
    "VpcConfig",
    // Not Lambda properties, but kept for the cost rules (SAM puts them on the alias).
    "ProvisionedConcurrencyConfig",
    "AutoPublishAlias",
];

/// Expands SAM resources in place and returns the routes their events and bodies declare.
/// `dir` is the template's directory, for `DefinitionUri` files; what cannot be read is
/// added to `notices`.
pub fn expand(
    resources: &mut Vec<Resource>,
    globals: Option<&Node>,
    resolver: &Resolver<'_>,
    dir: Option<&Path>,
    notices: &mut Vec<Notice>,
) -> Vec<Route> {
    for resource in resources.iter_mut() {
        read_definition_uri(resource, dir, notices);
    }
    let mut expander = Expander {
        generated: Vec::new(),
        routes: Vec::new(),
        resolver,
        implicit_rest: None,
        implicit_http: None,
        event_key: Span::default(),
    };
    let declared: Vec<Resource> = std::mem::take(resources);
    // Explicit APIs first, so that function events can look up their `Auth`.
    let apis: Vec<(String, String, Node)> = declared
        .iter()
        .filter(|r| {
            matches!(
                r.resource_type.as_str(),
                "AWS::Serverless::Api" | "AWS::Serverless::HttpApi"
            )
        })
        .map(|r| {
            let section = if r.resource_type == "AWS::Serverless::Api" {
                "Api"
            } else {
                "HttpApi"
            };
            (
                r.id.clone(),
                r.resource_type.clone(),
                with_globals(&r.properties, globals, section),
            )
        })
        .collect();
    for resource in declared {
        match resource.resource_type.as_str() {
            "AWS::Serverless::Function" => {
                let properties = with_globals(&resource.properties, globals, "Function");
                expander.function(&resource, &properties, &apis, globals);
            }
            "AWS::Serverless::Api" => {
                let properties = with_globals(&resource.properties, globals, "Api");
                expander.rest_api(&resource, &properties);
            }
            "AWS::Serverless::HttpApi" => {
                let properties = with_globals(&resource.properties, globals, "HttpApi");
                expander.http_api(&resource, &properties);
            }
            "AWS::Serverless::SimpleTable" => {
                let properties = with_globals(&resource.properties, globals, "SimpleTable");
                expander.simple_table(&resource, &properties);
            }
            "AWS::Serverless::StateMachine" => expander.state_machine(&resource),
            "AWS::Serverless::LayerVersion" => {
                let mut layer = resource.clone();
                layer.resource_type = "AWS::Lambda::LayerVersion".into();
                expander.generated.push(layer);
            }
            _ => expander.generated.push(resource),
        }
    }
    expander.finish_implicit_apis(globals);
    *resources = expander.generated;
    dedup_routes(expander.routes)
}

/// Loads a local `DefinitionUri` (an OpenAPI file, a state machine definition) into
/// `DefinitionBody` / `Definition`, as `sam deploy` uploads it. One that cannot be read
/// becomes an unknown body and a notice: routes that depend on it are not judged.
fn read_definition_uri(resource: &mut Resource, dir: Option<&Path>, notices: &mut Vec<Notice>) {
    let body_property = match resource.resource_type.as_str() {
        "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => "DefinitionBody",
        "AWS::Serverless::StateMachine" => "Definition",
        _ => return,
    };
    let Some(properties) = resource.properties.as_map_mut() else {
        return;
    };
    if properties.get(body_property).is_some() {
        return;
    }
    let Some((uri_key, uri)) = properties
        .get_entry("DefinitionUri")
        .map(|(key, uri)| (key.clone(), uri.clone()))
    else {
        return;
    };
    let written = uri.display();
    let what = if body_property == "Definition" {
        "its workflow is not analysed"
    } else {
        "its routes and their authorization are not analysed"
    };
    let mut help = "Scan the source template, whose `DefinitionUri` names a file beside it.";
    let why = match crate::include::location(&uri, dir) {
        crate::include::Location::Local(path) => {
            match crate::include::read_local(&path, uri.span) {
                Ok(body) => {
                    properties.insert(
                        Key {
                            name: body_property.to_string(),
                            span: uri_key.span,
                        },
                        body,
                    );
                    return;
                }
                Err(error) if error.is_empty() => {
                    help = "Keep the file beside the template (`DefinitionUri` is relative to it).";
                    "no such file".to_string()
                }
                Err(error) => error,
            }
        }
        crate::include::Location::Remote => "not a local file".to_string(),
        crate::include::Location::Unknown => "its location is not a literal".to_string(),
    };
    notices.push(
        Notice::new(
            "definition-not-read",
            format!(
                "`DefinitionUri` `{written}` of `{}` was not read ({why}): {what}",
                resource.id
            ),
        )
        .at(uri.span)
        .path(written.clone())
        .help(help),
    );
    properties.insert(
        Key {
            name: body_property.to_string(),
            span: uri_key.span,
        },
        Node::unknown(format!("DefinitionUri `{written}` not read"), uri.span),
    );
}

/// One route per API, method and path. The first declaration wins (events before the
/// OpenAPI body of a later API), but an event that names no authorizer takes the
/// `security` the OpenAPI body gives the same operation, as SAM merges them.
fn dedup_routes(routes: Vec<Route>) -> Vec<Route> {
    let mut out: Vec<Route> = Vec::with_capacity(routes.len());
    for route in routes {
        let duplicate = out.iter_mut().find(|r| {
            r.api == route.api
                && r.method.eq_ignore_ascii_case(&route.method)
                && r.path.trim_end_matches('/') == route.path.trim_end_matches('/')
        });
        match duplicate {
            Some(existing) => {
                if existing.auth == RouteAuth::None && route.auth != RouteAuth::None {
                    existing.auth = route.auth;
                }
                existing.api_key_required |= route.api_key_required;
                // The OpenAPI integration may set the timeout (or stream the response).
                if existing.integration_timeout == IntegrationTimeout::Default {
                    existing.integration_timeout = route.integration_timeout;
                }
            }
            None => out.push(route),
        }
    }
    out
}

/// Merges `Globals.<section>` under a resource's properties: the resource wins, maps are
/// merged, lists are appended to the global ones.
fn with_globals(properties: &Node, globals: Option<&Node>, section: &str) -> Node {
    match globals.and_then(|globals| globals.get(section)) {
        Some(global) if global.as_map().is_some() => merge(global, properties),
        _ => properties.clone(),
    }
}

fn merge(base: &Node, over: &Node) -> Node {
    match (&base.value, &over.value) {
        (Value::Map(base_map), Value::Map(over_map)) => {
            let mut merged = base_map.clone();
            for (key, value) in over_map.iter() {
                let value = match merged.get(&key.name) {
                    Some(existing) => merge(existing, value),
                    None => value.clone(),
                };
                merged.insert(key.clone(), value);
            }
            Node::map(merged, over.span)
        }
        (Value::Seq(base_items), Value::Seq(over_items)) => {
            let mut items = base_items.clone();
            items.extend(over_items.iter().cloned());
            Node::new(Value::Seq(items), over.span)
        }
        _ => over.clone(),
    }
}

struct Expander<'r, 'a> {
    generated: Vec<Resource>,
    routes: Vec<Route>,
    resolver: &'r Resolver<'a>,
    /// The first event that needs the implicit REST / HTTP API, for its span.
    implicit_rest: Option<Span>,
    implicit_http: Option<Span>,
    /// The key of the event being expanded.
    event_key: Span,
}

fn key(name: &str, span: Span) -> Key {
    Key {
        name: name.to_string(),
        span,
    }
}

fn entries(span: Span, items: Vec<(&str, Node)>) -> Node {
    let mut map = Map::default();
    for (name, node) in items {
        map.entries.push((key(name, span), node));
    }
    Node::map(map, span)
}

fn reference(id: &str, attribute: Option<&str>, span: Span) -> Node {
    Node::new(
        Value::ResourceRef {
            logical_id: id.to_string(),
            attribute: attribute.map(str::to_string),
        },
        span,
    )
}

/// The properties among `names` that are present, with their values.
fn present(properties: &Node, names: &[&'static str]) -> Vec<(&'static str, Node)> {
    names
        .iter()
        .filter_map(|&name| Some((name, properties.get(name)?.clone())))
        .collect()
}

fn text(value: &str, span: Span) -> Node {
    Node::string(value, span)
}

fn seq(items: Vec<Node>, span: Span) -> Node {
    Node::new(Value::Seq(items), span)
}

impl Expander<'_, '_> {
    fn push(
        &mut self,
        id: String,
        resource_type: &str,
        properties: Node,
        span: Span,
        origin: &Origin,
    ) {
        self.generated.push(Resource::new(
            id,
            resource_type,
            properties,
            span,
            origin.clone(),
        ));
    }

    /// The plain resource a SAM resource becomes: same logical ID, origin and metadata.
    fn replace(&mut self, sam: &Resource, resource_type: &str, properties: Node) {
        let mut resource = sam.clone();
        resource.resource_type = resource_type.into();
        resource.properties = properties;
        self.generated.push(resource);
    }

    fn function(
        &mut self,
        sam: &Resource,
        properties: &Node,
        apis: &[(String, String, Node)],
        globals: Option<&Node>,
    ) {
        let origin = sam.origin.clone();
        let id = sam.id.clone();
        let span = sam.span;
        let mut lambda = Map::default();
        for name in FUNCTION_PROPERTIES {
            if let Some((key, value)) = properties.as_map().and_then(|m| m.get_entry(name)) {
                lambda.entries.push((key.clone(), value.clone()));
            }
        }
        if let Some((tracing_key, tracing)) =
            properties.as_map().and_then(|m| m.get_entry("Tracing"))
        {
            lambda.entries.push((
                key("TracingConfig", tracing_key.span),
                entries(tracing.span, vec![("Mode", tracing.clone())]),
            ));
        }
        if let Some((dlq_key, dlq)) = properties
            .as_map()
            .and_then(|m| m.get_entry("DeadLetterQueue"))
        {
            if let Some(target) = dlq.get("TargetArn") {
                lambda.entries.push((
                    Key {
                        name: "DeadLetterConfig".into(),
                        span: dlq_key.span,
                    },
                    entries(dlq.span, vec![("TargetArn", target.clone())]),
                ));
            }
        }
        let role_given = properties.get("Role").is_some();
        if !role_given {
            let role_id = format!("{id}Role");
            lambda
                .entries
                .push((key("Role", span), reference(&role_id, Some("Arn"), span)));
            let role = self.generated_role(&role_id, properties, span, "lambda.amazonaws.com");
            self.push(role_id, "AWS::IAM::Role", role, span, &origin);
        }
        self.replace(
            sam,
            "AWS::Lambda::Function",
            Node::map(lambda, properties.span),
        );

        if let Some(url) = properties.get("FunctionUrlConfig") {
            let auth_type = url
                .get("AuthType")
                .cloned()
                .unwrap_or_else(|| text("AWS_IAM", url.span));
            let mut url_props = vec![
                ("TargetFunctionArn", reference(&id, None, url.span)),
                ("AuthType", auth_type.clone()),
            ];
            if let Some(cors) = url.get("Cors") {
                url_props.push(("Cors", cors.clone()));
            }
            if let Some(mode) = url.get("InvokeMode") {
                url_props.push(("InvokeMode", mode.clone()));
            }
            self.push(
                format!("{id}Url"),
                "AWS::Lambda::Url",
                entries(url.span, url_props),
                url.span,
                &origin,
            );
            if auth_type
                .as_str()
                .is_some_and(|auth| auth.eq_ignore_ascii_case("NONE"))
            {
                let permission = entries(
                    url.span,
                    vec![
                        ("Action", text("lambda:InvokeFunctionUrl", url.span)),
                        ("FunctionName", reference(&id, None, url.span)),
                        ("Principal", text("*", url.span)),
                        ("FunctionUrlAuthType", text("NONE", url.span)),
                    ],
                );
                self.push(
                    format!("{id}UrlPublicPermissions"),
                    "AWS::Lambda::Permission",
                    permission,
                    url.span,
                    &origin,
                );
            }
        }

        if let Some(config) = properties.get("EventInvokeConfig") {
            let mut map = config.as_map().cloned().unwrap_or_default();
            map.insert(
                key("FunctionName", config.span),
                reference(&id, None, config.span),
            );
            self.push(
                format!("{id}EventInvokeConfig"),
                "AWS::Lambda::EventInvokeConfig",
                Node::map(map, config.span),
                config.span,
                &origin,
            );
        }

        if let Some(events) = properties.get("Events").and_then(Node::as_map) {
            for (event_key, event) in events.iter() {
                self.event_key = event_key.span;
                self.event(
                    &id,
                    &origin,
                    properties,
                    &event_key.name,
                    event,
                    apis,
                    globals,
                );
            }
        }
    }

    /// The role SAM creates for a function or state machine without `Role`.
    fn generated_role(
        &mut self,
        role_id: &str,
        properties: &Node,
        span: Span,
        service: &str,
    ) -> Node {
        // SAM names an inline policy by its role and its place in `Policies`, as the
        // account then lists it.
        let inline_name = |index: usize| format!("{role_id}Policy{index}");
        let mut managed = Vec::new();
        if service == "lambda.amazonaws.com" {
            // A durable function's basic policy also lets it checkpoint its executions.
            let basic = if properties.get("DurableConfig").is_some() {
                DURABLE_EXECUTION_ROLE
            } else {
                BASIC_EXECUTION_ROLE
            };
            managed.push(text(basic, span));
            // SAM adds X-Ray for any `Tracing` but `Disabled` (`PassThrough` included).
            if let Some(tracing) = properties.get("Tracing") {
                let disabled = tracing
                    .as_str()
                    .is_some_and(|mode| mode.is_empty() || mode == "Disabled");
                if !disabled {
                    managed.push(text(XRAY_WRITE, tracing.span));
                }
            }
            if let Some(vpc) = properties.get("VpcConfig") {
                managed.push(text(VPC_EXECUTION_ROLE, vpc.span));
            }
        }
        let mut inline = Vec::new();
        if let Some(dlq) = properties.get("DeadLetterQueue") {
            let action = match dlq.get("Type").and_then(Node::as_str) {
                Some("SQS") => Some("sqs:SendMessage"),
                Some("SNS") => Some("sns:Publish"),
                _ => None,
            };
            if let (Some(action), Some(target)) = (action, dlq.get("TargetArn")) {
                let statement = entries(
                    dlq.span,
                    vec![
                        ("Effect", text("Allow", dlq.span)),
                        ("Action", text(action, dlq.span)),
                        ("Resource", target.clone()),
                    ],
                );
                let document = entries(
                    dlq.span,
                    vec![
                        ("Version", text("2012-10-17", dlq.span)),
                        ("Statement", seq(vec![statement], dlq.span)),
                    ],
                );
                inline.push(entries(
                    dlq.span,
                    vec![
                        ("PolicyName", text("DeadLetterQueuePolicy", dlq.span)),
                        ("PolicyDocument", document),
                    ],
                ));
            }
        }
        if let Some(policies) = properties.get("Policies") {
            for (index, policy) in policies.items().into_iter().enumerate() {
                match &policy.value {
                    Value::String(name) => {
                        let arn = managed_policy_arn(name);
                        // SAM lists an ARN once: `AWSLambdaBasicExecutionRole` in
                        // `Policies` adds nothing to the basic policy it attached itself.
                        if !managed.iter().any(|policy| policy.as_str() == Some(&arn)) {
                            managed.push(text(&arn, policy.span));
                        }
                    }
                    Value::Map(map) if map.get("Statement").is_some() => {
                        inline.push(entries(
                            policy.span,
                            vec![
                                ("PolicyName", text(&inline_name(index), policy.span)),
                                ("PolicyDocument", policy.clone()),
                            ],
                        ));
                    }
                    Value::Map(map) if map.len() == 1 => {
                        let (template_key, parameters) = &map.entries[0];
                        if let Some(document) =
                            self.policy_template(&template_key.name, parameters, policy.span)
                        {
                            inline.push(entries(
                                policy.span,
                                vec![
                                    ("PolicyName", text(&inline_name(index), template_key.span)),
                                    ("PolicyDocument", document),
                                ],
                            ));
                        } else {
                            // Unknown template name: keep it as an unreadable policy.
                            inline.push(entries(
                                policy.span,
                                vec![
                                    ("PolicyName", text(&inline_name(index), template_key.span)),
                                    (
                                        "PolicyDocument",
                                        Node::unknown(
                                            format!(
                                                "unknown SAM policy template `{}`",
                                                template_key.name
                                            ),
                                            policy.span,
                                        ),
                                    ),
                                ],
                            ));
                        }
                    }
                    _ => {
                        // A managed policy ARN built with Sub/Ref, or a ResourceRef.
                        managed.push(policy.clone());
                    }
                }
            }
        }
        if service == "lambda.amazonaws.com" {
            // Each stream or queue event adds its service's managed policy, events taken in
            // name order, as SAM does.
            let mut events: Vec<(&Key, &Node)> = properties
                .get("Events")
                .and_then(Node::as_map)
                .map(|events| events.iter().collect())
                .unwrap_or_default();
            events.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            let function_id = role_id.strip_suffix("Role").unwrap_or(role_id);
            for (event_id, event) in events {
                let arn = match event.get("Type").and_then(Node::as_str) {
                    Some("SQS") => Some(SQS_EXECUTION_ROLE),
                    Some("Kinesis") => Some(KINESIS_EXECUTION_ROLE),
                    Some("DynamoDB") => Some(DYNAMODB_EXECUTION_ROLE),
                    Some("MSK") => Some(MSK_EXECUTION_ROLE),
                    Some("SelfManagedKafka" | "MQ" | "DocumentDB") => None,
                    _ => continue,
                };
                if let Some(arn) = arn {
                    if !managed.iter().any(|policy| policy.as_str() == Some(arn)) {
                        managed.push(text(arn, event.span));
                    }
                }
                if let Some(policy) = on_failure_policy(
                    &format!("{function_id}{}", event_id.name),
                    event.get("Properties"),
                ) {
                    inline.push(policy);
                }
            }
        }
        let mut role = vec![
            (
                "AssumeRolePolicyDocument",
                node_from_json(
                    &serde_json::json!({
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": [service]}}]
                    }),
                    span,
                ),
            ),
            ("ManagedPolicyArns", seq(managed, span)),
        ];
        if !inline.is_empty() {
            role.push(("Policies", seq(inline, span)));
        }
        if let Some(boundary) = properties.get("PermissionsBoundary") {
            role.push(("PermissionsBoundary", boundary.clone()));
        }
        entries(span, role)
    }

    /// Expands a SAM policy template with the user's parameter values.
    fn policy_template(&self, name: &str, parameters: &Node, span: Span) -> Option<Node> {
        let template = sam_policy_templates().get(name)?;
        let definition = template.get("Definition")?;
        let definition = node_from_json(definition, span);
        let substituted = substitute_refs(&definition, parameters);
        Some(self.resolver.resolve(&substituted))
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        function: &str,
        origin: &Origin,
        function_properties: &Node,
        name: &str,
        event: &Node,
        apis: &[(String, String, Node)],
        globals: Option<&Node>,
    ) {
        let span = event.span;
        let event_type = event.get("Type").and_then(Node::as_str).unwrap_or("");
        let empty = Node::map(Map::default(), span);
        let properties = event.get("Properties").unwrap_or(&empty);
        let function_ref = || reference(function, Some("Arn"), span);
        let id = format!("{function}{name}");
        match event_type {
            "Api" => self.api_event(function, origin, name, properties, span, apis, globals),
            "HttpApi" => self.http_api_event(function, origin, properties, span, apis, globals),
            "S3" => {
                let mut permission = vec![
                    ("Action", text("lambda:InvokeFunction", span)),
                    ("FunctionName", reference(function, None, span)),
                    ("Principal", text("s3.amazonaws.com", span)),
                    ("SourceAccount", Node::unknown("AWS::AccountId", span)),
                ];
                if let Some(bucket) = properties.get("Bucket") {
                    permission.push(("SourceArn", bucket.clone()));
                }
                self.push(
                    format!("{id}Permission"),
                    "AWS::Lambda::Permission",
                    entries(span, permission),
                    span,
                    origin,
                );
            }
            "SNS" => {
                let topic = properties
                    .get("Topic")
                    .cloned()
                    .unwrap_or_else(|| Node::unknown("topic", span));
                let mut subscription = vec![
                    ("Endpoint", function_ref()),
                    ("Protocol", text("lambda", span)),
                    ("TopicArn", topic.clone()),
                ];
                if let Some(redrive) = properties.get("RedrivePolicy") {
                    subscription.push(("RedrivePolicy", redrive.clone()));
                }
                if let Some(queue) = properties.get("SqsSubscription") {
                    subscription.push(("SqsSubscription", queue.clone()));
                }
                self.push(
                    id.clone(),
                    "AWS::SNS::Subscription",
                    entries(span, subscription),
                    span,
                    origin,
                );
                self.push(
                    format!("{id}Permission"),
                    "AWS::Lambda::Permission",
                    entries(
                        span,
                        vec![
                            ("Action", text("lambda:InvokeFunction", span)),
                            ("FunctionName", reference(function, None, span)),
                            ("Principal", text("sns.amazonaws.com", span)),
                            ("SourceArn", topic),
                        ],
                    ),
                    span,
                    origin,
                );
            }
            "SQS" | "Kinesis" | "DynamoDB" | "MSK" | "MQ" | "SelfManagedKafka" | "DocumentDB" => {
                let mut mapping = properties.as_map().cloned().unwrap_or_default();
                let source = mapping
                    .remove("Queue")
                    .or_else(|| mapping.remove("Stream"))
                    .or_else(|| mapping.remove("Broker"))
                    .or_else(|| mapping.remove("Cluster"));
                if let Some(source) = source {
                    mapping.insert(key("EventSourceArn", source.span), source);
                }
                mapping.insert(key("FunctionName", span), reference(function, None, span));
                self.push(
                    id,
                    "AWS::Lambda::EventSourceMapping",
                    Node::map(mapping, span),
                    span,
                    origin,
                );
            }
            "Schedule" | "ScheduleV2" | "CloudWatchEvent" | "EventBridgeRule" => {
                let mut target = vec![
                    ("Arn", function_ref()),
                    ("Id", text(&format!("{id}LambdaTarget"), span)),
                ];
                if let Some(dlq) = properties.get("DeadLetterConfig") {
                    target.push(("DeadLetterConfig", dlq.clone()));
                }
                if let Some(retry) = properties.get("RetryPolicy") {
                    target.push(("RetryPolicy", retry.clone()));
                }
                let mut rule = vec![("Targets", seq(vec![entries(span, target)], span))];
                let principal = if event_type.starts_with("Schedule") {
                    if let Some(expression) = properties
                        .get("Schedule")
                        .or_else(|| properties.get("ScheduleExpression"))
                    {
                        rule.push(("ScheduleExpression", expression.clone()));
                    }
                    "events.amazonaws.com"
                } else {
                    if let Some(pattern) = properties.get("Pattern") {
                        rule.push(("EventPattern", pattern.clone()));
                    }
                    if let Some(bus) = properties.get("EventBusName") {
                        rule.push(("EventBusName", bus.clone()));
                    }
                    "events.amazonaws.com"
                };
                self.push(
                    id.clone(),
                    "AWS::Events::Rule",
                    entries(span, rule),
                    span,
                    origin,
                );
                self.push(
                    format!("{id}Permission"),
                    "AWS::Lambda::Permission",
                    entries(
                        span,
                        vec![
                            ("Action", text("lambda:InvokeFunction", span)),
                            ("FunctionName", reference(function, None, span)),
                            ("Principal", text(principal, span)),
                            ("SourceArn", reference(&id, Some("Arn"), span)),
                        ],
                    ),
                    span,
                    origin,
                );
            }
            "CloudWatchLogs" | "IoTRule" | "Cognito" | "AlexaSkill" => {
                let principal = match event_type {
                    "CloudWatchLogs" => "logs.amazonaws.com",
                    "IoTRule" => "iot.amazonaws.com",
                    "Cognito" => "cognito-idp.amazonaws.com",
                    _ => "alexa-appkit.amazon.com",
                };
                let mut permission = vec![
                    ("Action", text("lambda:InvokeFunction", span)),
                    ("FunctionName", reference(function, None, span)),
                    ("Principal", text(principal, span)),
                ];
                // SAM scopes these with SourceArn/SourceAccount (Alexa uses the skill id).
                permission.push(("SourceAccount", Node::unknown("AWS::AccountId", span)));
                self.push(
                    format!("{id}Permission"),
                    "AWS::Lambda::Permission",
                    entries(span, permission),
                    span,
                    origin,
                );
            }
            _ => {}
        }
        let _ = function_properties;
    }

    /// The API an event attaches to, and that API's properties: the one `api_ref` names, or
    /// the implicit API (created at the first event that needs it, and configured from
    /// `Globals`).
    fn event_api(
        &mut self,
        api_ref: Option<&Node>,
        apis: &[(String, String, Node)],
        globals: Option<&Node>,
        kind: ApiKind,
    ) -> (String, Option<Node>) {
        match api_ref.and_then(Node::resource_ref) {
            Some(id) => (
                id.to_string(),
                apis.iter()
                    .find(|(api, _, _)| api == id)
                    .map(|(_, _, p)| p.clone()),
            ),
            None if api_ref.is_some() => ("<unknown API>".to_string(), None),
            None => {
                // Point at the name of the event that brings the implicit API into being.
                let (implicit, id, section) = match kind {
                    ApiKind::Rest => (&mut self.implicit_rest, "ServerlessRestApi", "Api"),
                    ApiKind::Http | ApiKind::WebSocket => {
                        (&mut self.implicit_http, "ServerlessHttpApi", "HttpApi")
                    }
                };
                implicit.get_or_insert(self.event_key);
                (
                    id.to_string(),
                    globals.and_then(|g| g.get(section)).cloned(),
                )
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn api_event(
        &mut self,
        function: &str,
        origin: &Origin,
        name: &str,
        properties: &Node,
        span: Span,
        apis: &[(String, String, Node)],
        globals: Option<&Node>,
    ) {
        let (api_id, api_properties) =
            self.event_api(properties.get("RestApiId"), apis, globals, ApiKind::Rest);
        let api_auth = api_properties.as_ref().and_then(|p| p.get("Auth"));
        let event_auth = properties.get("Auth");
        let authorizer = event_auth
            .and_then(|auth| auth.get("Authorizer"))
            .or_else(|| api_auth.and_then(|auth| auth.get("DefaultAuthorizer")));
        let auth = authorizer.map_or_else(
            || unread_definition(api_properties.as_ref()),
            |node| authorizer_auth(node, api_auth),
        );
        let api_key_required = event_auth
            .and_then(|auth| auth.get("ApiKeyRequired"))
            .or_else(|| api_auth.and_then(|auth| auth.get("ApiKeyRequired")))
            .and_then(Node::as_bool)
            == Some(true);
        let validates = |node: Option<&Node>| {
            node.is_some_and(|node| {
                node.get("ValidateBody").and_then(Node::as_bool) == Some(true)
                    || node.get("ValidateParameters").and_then(Node::as_bool) == Some(true)
            })
        };
        // Only a request model with validation creates a validator; `Required` parameters
        // alone are documentation that API Gateway does not enforce.
        let request_validation = Some(validates(properties.get("RequestModel")));
        // The route is easiest to recognise by its path.
        let route_span = properties.get("Path").map_or(span, |path| path.span);
        self.routes.push(Route {
            api: api_id,
            kind: ApiKind::Rest,
            method: properties
                .get("Method")
                .and_then(Node::as_str)
                .unwrap_or("ANY")
                .to_ascii_uppercase(),
            path: properties
                .get("Path")
                .map(Node::display)
                .unwrap_or_else(|| "/".into()),
            auth,
            api_key_required,
            request_validation,
            span: route_span,
            origin: origin.clone(),
            function: Some(function.to_string()),
            integration_timeout: IntegrationTimeout::from_node(properties.get("TimeoutInMillis")),
        });
        let _ = name;
    }

    fn http_api_event(
        &mut self,
        function: &str,
        origin: &Origin,
        properties: &Node,
        span: Span,
        apis: &[(String, String, Node)],
        globals: Option<&Node>,
    ) {
        let (api_id, api_properties) =
            self.event_api(properties.get("ApiId"), apis, globals, ApiKind::Http);
        let api_auth = api_properties.as_ref().and_then(|p| p.get("Auth"));
        let authorizer = properties
            .path("Auth.Authorizer")
            .or_else(|| api_auth.and_then(|auth| auth.get("DefaultAuthorizer")));
        let auth = authorizer.map_or_else(
            || unread_definition(api_properties.as_ref()),
            |node| authorizer_auth(node, api_auth),
        );
        let method = properties
            .get("Method")
            .and_then(Node::as_str)
            .unwrap_or("ANY")
            .to_ascii_uppercase();
        let path = properties
            .get("Path")
            .map(Node::display)
            .unwrap_or_else(|| "$default".into());
        self.routes.push(Route {
            api: api_id,
            kind: ApiKind::Http,
            method,
            path,
            auth,
            api_key_required: false,
            request_validation: None,
            span: properties.get("Path").map_or(span, |path| path.span),
            origin: origin.clone(),
            function: Some(function.to_string()),
            integration_timeout: IntegrationTimeout::from_node(properties.get("TimeoutInMillis")),
        });
    }

    fn rest_api(&mut self, sam: &Resource, properties: &Node) {
        let origin = sam.origin.clone();
        let span = sam.span;
        let mut api = Vec::new();
        api.extend(present(
            properties,
            &[
                "Name",
                "Description",
                "EndpointConfiguration",
                "BinaryMediaTypes",
                "MinimumCompressionSize",
                "DisableExecuteApiEndpoint",
                "Policy",
                "Cors",
                "Auth",
            ],
        ));
        if let Some(body) = properties.get("DefinitionBody") {
            api.push(("Body", body.clone()));
        }
        self.replace(
            sam,
            "AWS::ApiGateway::RestApi",
            entries(properties.span, api),
        );
        let stage_name = properties
            .get("StageName")
            .map(Node::display)
            .unwrap_or_else(|| "Prod".into());
        let mut stage = vec![
            ("RestApiId", reference(&sam.id, None, span)),
            ("StageName", text(&stage_name, span)),
        ];
        stage.extend(present(
            properties,
            &[
                "MethodSettings",
                "AccessLogSetting",
                "TracingEnabled",
                "Variables",
                "CacheClusterEnabled",
                "CacheClusterSize",
                "CanarySetting",
            ],
        ));
        let stage_id = format!(
            "{}{}Stage",
            sam.id,
            stage_name.replace(|c: char| !c.is_ascii_alphanumeric(), "")
        );
        self.push(
            stage_id,
            "AWS::ApiGateway::Stage",
            entries(span, stage),
            span,
            &origin,
        );
        if let Some(responses) = properties.get("GatewayResponses").and_then(Node::as_map) {
            for (response_key, response) in responses.iter() {
                let mut map = response.as_map().cloned().unwrap_or_default();
                map.insert(
                    key("ResponseType", response_key.span),
                    text(&response_key.name, response_key.span),
                );
                map.insert(
                    key("RestApiId", response_key.span),
                    reference(&sam.id, None, response_key.span),
                );
                self.push(
                    format!("{}{}GatewayResponse", sam.id, response_key.name),
                    "AWS::ApiGateway::GatewayResponse",
                    Node::map(map, response.span),
                    response_key.span,
                    &origin,
                );
            }
        }
        if let Some(domain) = properties.get("Domain") {
            let mut props = vec![];
            for name in [
                "DomainName",
                "SecurityPolicy",
                "EndpointConfiguration",
                "CertificateArn",
            ] {
                if let Some(value) = domain.get(name) {
                    props.push((name, value.clone()));
                }
            }
            self.push(
                format!("{}DomainName", sam.id),
                "AWS::ApiGateway::DomainName",
                entries(domain.span, props),
                domain.span,
                &origin,
            );
        }
        if let Some(body) = properties.get("DefinitionBody") {
            let default = properties
                .path("Auth.DefaultAuthorizer")
                .map(|node| authorizer_auth(node, properties.get("Auth")));
            self.routes.extend(openapi_routes(
                body,
                &sam.id,
                ApiKind::Rest,
                &origin,
                default.as_ref(),
            ));
        }
    }

    fn http_api(&mut self, sam: &Resource, properties: &Node) {
        let origin = sam.origin.clone();
        let span = sam.span;
        let mut api = vec![("ProtocolType", text("HTTP", span))];
        api.extend(present(
            properties,
            &[
                "Name",
                "Description",
                "DisableExecuteApiEndpoint",
                "CorsConfiguration",
                "Auth",
            ],
        ));
        if let Some(body) = properties.get("DefinitionBody") {
            api.push(("Body", body.clone()));
        }
        self.replace(sam, "AWS::ApiGatewayV2::Api", entries(properties.span, api));
        let stage_name = properties
            .get("StageName")
            .map(Node::display)
            .unwrap_or_else(|| "$default".into());
        let mut stage = vec![
            ("ApiId", reference(&sam.id, None, span)),
            ("StageName", text(&stage_name, span)),
        ];
        stage.extend(present(
            properties,
            &[
                "AccessLogSettings",
                "DefaultRouteSettings",
                "RouteSettings",
                "StageVariables",
            ],
        ));
        let stage_id = format!("{}ApiGatewayDefaultStage", sam.id);
        self.push(
            stage_id,
            "AWS::ApiGatewayV2::Stage",
            entries(span, stage),
            span,
            &origin,
        );
        if let Some(body) = properties.get("DefinitionBody") {
            let default = properties
                .path("Auth.DefaultAuthorizer")
                .map(|node| authorizer_auth(node, properties.get("Auth")));
            self.routes.extend(openapi_routes(
                body,
                &sam.id,
                ApiKind::Http,
                &origin,
                default.as_ref(),
            ));
        }
    }

    /// The implicit APIs SAM creates for events without `RestApiId` / `ApiId`, configured
    /// from `Globals.Api` / `Globals.HttpApi`.
    fn finish_implicit_apis(&mut self, globals: Option<&Node>) {
        if let Some(span) = self.implicit_rest {
            let properties = globals
                .and_then(|g| g.get("Api"))
                .cloned()
                .unwrap_or_else(|| Node::map(Map::default(), span));
            let sam = Resource::new(
                "ServerlessRestApi",
                "AWS::Serverless::Api",
                properties.clone(),
                span,
                Origin {
                    id: "ServerlessRestApi".into(),
                    resource_type: "AWS::Serverless::Api".into(),
                },
            );
            self.rest_api(&sam, &properties);
        }
        if let Some(span) = self.implicit_http {
            let properties = globals
                .and_then(|g| g.get("HttpApi"))
                .cloned()
                .unwrap_or_else(|| Node::map(Map::default(), span));
            let sam = Resource::new(
                "ServerlessHttpApi",
                "AWS::Serverless::HttpApi",
                properties.clone(),
                span,
                Origin {
                    id: "ServerlessHttpApi".into(),
                    resource_type: "AWS::Serverless::HttpApi".into(),
                },
            );
            self.http_api(&sam, &properties);
        }
    }

    fn simple_table(&mut self, sam: &Resource, properties: &Node) {
        let table = present(
            properties,
            &[
                "TableName",
                "SSESpecification",
                "ProvisionedThroughput",
                "Tags",
                "PointInTimeRecoverySpecification",
            ],
        );
        self.replace(sam, "AWS::DynamoDB::Table", entries(properties.span, table));
    }

    fn state_machine(&mut self, sam: &Resource) {
        let properties = &sam.properties;
        let span = sam.span;
        let mut machine = present(
            properties,
            &[
                "Name",
                "Type",
                "Definition",
                "DefinitionUri",
                "DefinitionSubstitutions",
                "Tags",
            ],
        );
        if let Some(logging) = properties.get("Logging") {
            machine.push(("LoggingConfiguration", logging.clone()));
        }
        if let Some(tracing) = properties.get("Tracing") {
            machine.push(("TracingConfiguration", tracing.clone()));
        }
        if let Some(encryption) = properties.get("EncryptionConfiguration") {
            machine.push(("EncryptionConfiguration", encryption.clone()));
        }
        match properties.get("Role") {
            Some(role) => machine.push(("RoleArn", role.clone())),
            None => {
                let role_id = format!("{}Role", sam.id);
                machine.push(("RoleArn", reference(&role_id, Some("Arn"), span)));
                let role = self.generated_role(&role_id, properties, span, "states.amazonaws.com");
                self.push(role_id, "AWS::IAM::Role", role, span, &sam.origin);
            }
        }
        let machine = entries(properties.span, machine);
        self.replace(sam, "AWS::StepFunctions::StateMachine", machine);
    }
}

/// The auth of a route whose event names no authorizer: none, unless the API's OpenAPI
/// definition could not be read, which may secure the operation.
fn unread_definition(api_properties: Option<&Node>) -> RouteAuth {
    match api_properties.and_then(|p| p.get("DefinitionBody")) {
        Some(body) if !body.is_known() => {
            RouteAuth::Unknown("the API's OpenAPI definition was not read".to_string())
        }
        _ => RouteAuth::None,
    }
}

/// The auth an authorizer name gives a route: `NONE`, `AWS_IAM`, or an authorizer that the
/// API's `Auth.Authorizers` defines (Cognito user pool, JWT, or Lambda).
fn authorizer_auth(node: &Node, auth: Option<&Node>) -> RouteAuth {
    if !node.is_known() {
        return RouteAuth::Unknown(node.display());
    }
    let name = node.display();
    match name.as_str() {
        "NONE" => RouteAuth::None,
        "AWS_IAM" => RouteAuth::Iam,
        _ => {
            let definition = auth.and_then(|auth| auth.path(&format!("Authorizers.{name}")));
            if definition.is_some_and(|d| d.get("UserPoolArn").is_some()) {
                RouteAuth::Cognito(name)
            } else if definition.is_some_and(|d| d.get("JwtConfiguration").is_some()) {
                RouteAuth::Jwt(name)
            } else {
                RouteAuth::Custom(name)
            }
        }
    }
}

/// Replaces `{"Ref": "Param"}` in a policy template definition with the user's value for
/// the template parameter `Param`; other `Ref`s (pseudo parameters) stay for resolution.
fn substitute_refs(node: &Node, parameters: &Node) -> Node {
    match &node.value {
        Value::Map(map) => {
            if map.len() == 1 && map.entries[0].0.name == "Ref" {
                if let Some(value) = map.entries[0]
                    .1
                    .as_str()
                    .and_then(|name| parameters.get(name))
                {
                    return value.clone();
                }
            }
            let mut out = Map::default();
            for (key, value) in map.iter() {
                out.entries
                    .push((key.clone(), substitute_refs(value, parameters)));
            }
            Node::map(out, node.span)
        }
        Value::Seq(items) => Node::new(
            Value::Seq(
                items
                    .iter()
                    .map(|item| substitute_refs(item, parameters))
                    .collect(),
            ),
            node.span,
        ),
        _ => node.clone(),
    }
}

/// The ARN of an AWS managed policy named in a function's `Policies`: under its path
/// (`service-role/`, `job-function/`) when it has one, as SAM resolves names.
fn managed_policy_arn(name: &str) -> String {
    if name.starts_with("arn:") {
        return name.to_owned();
    }
    static PATHS: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        include_str!("../data/managed-policy-paths.tsv")
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| line.split_once('\t'))
            .collect()
    });
    let path = paths.get(name).copied().unwrap_or("/");
    format!("arn:aws:iam::aws:policy{path}{name}")
}

/// The inline policy SAM adds for a stream or broker event's `DestinationConfig.OnFailure`
/// with a `Type`, named after the event (`{Function}{Event}SQSPolicy`).
fn on_failure_policy(event_logical_id: &str, properties: Option<&Node>) -> Option<Node> {
    let on_failure = properties?.get("DestinationConfig")?.get("OnFailure")?;
    let destination = on_failure.get("Destination")?;
    let span = on_failure.span;
    let statement = |action: &str, resource: Node| {
        entries(
            span,
            vec![
                ("Action", text(action, span)),
                ("Effect", text("Allow", span)),
                ("Resource", resource),
            ],
        )
    };
    let (suffix, statements) = match on_failure.get("Type")?.as_str()? {
        "SQS" => (
            "SQS",
            vec![statement("sqs:SendMessage", destination.clone())],
        ),
        "SNS" => ("SNS", vec![statement("sns:publish", destination.clone())]),
        "S3" => {
            let objects = entries(
                span,
                vec![(
                    "Fn::Join",
                    seq(
                        vec![
                            text("/", span),
                            seq(vec![destination.clone(), text("*", span)], span),
                        ],
                        span,
                    ),
                )],
            );
            (
                "S3",
                vec![
                    statement("s3:PutObject", objects),
                    statement("s3:ListBucket", destination.clone()),
                ],
            )
        }
        _ => return None,
    };
    Some(entries(
        span,
        vec![
            (
                "PolicyName",
                text(&format!("{event_logical_id}{suffix}Policy"), span),
            ),
            (
                "PolicyDocument",
                entries(span, vec![("Statement", seq(statements, span))]),
            ),
        ],
    ))
}
