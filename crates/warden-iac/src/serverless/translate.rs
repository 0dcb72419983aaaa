//! `serverless.yml` (variables already resolved) to the resources the Framework deploys.
//!
//! What the Serverless Framework compiles to CloudFormation is produced here in the same
//! vocabulary as SAM expansion: `AWS::Lambda::Function` per function (provider settings
//! merged in), the shared `IamRoleLambdaExecution` role, a log group per function, function
//! URLs, API Gateway REST/HTTP APIs with their stages, usage plans and API keys, and the
//! permissions, subscriptions, rules and event source mappings of async events. Routes get
//! their effective authorization. Logical IDs follow the Framework's naming
//! (`HelloLambdaFunction`, `HelloLogGroup`, `ApiGatewayRestApi` ...) so that
//! `resources.Resources` can reference and override them as in a real deployment.
//!
//! Every generated node keeps the span of the text it came from (function key, event,
//! `provider` setting); resources remember the function (`Serverless::Function`) or the
//! provider (`Serverless::Provider`) as their [`Origin`]. Properties may still hold
//! CloudFormation intrinsics: the caller resolves them together with `resources`.

use warden_diagnostics::Span;

use crate::analysis::{ApiKind, IntegrationTimeout, Route, RouteAuth};
use crate::model::{Origin, Resource};
use crate::node::{Key, Map, Node, Value};
use crate::policy::node_from_json;

pub const FUNCTION_ORIGIN_TYPE: &str = "Serverless::Function";
pub const PROVIDER_ORIGIN_TYPE: &str = "Serverless::Provider";
/// Logical ID and type of the resource that carries how the service is deployed (the
/// deployment bucket and the CloudFormation service role). It has no CloudFormation
/// equivalent: only the Serverless-specific rules read it.
pub const DEPLOYMENT_ID: &str = "ServerlessDeployment";
pub const DEPLOYMENT_TYPE: &str = "Serverless::Deployment";
pub const LAYER_ORIGIN_TYPE: &str = "Serverless::Layer";
/// Logical ID of the role shared by every function without its own.
pub const DEFAULT_ROLE_ID: &str = "IamRoleLambdaExecution";
pub const REST_API_ID: &str = "ApiGatewayRestApi";
pub const HTTP_API_ID: &str = "HttpApi";
/// The Framework's WebSocket API.
pub const WEBSOCKETS_API_ID: &str = "WebsocketsApi";

/// The Framework's defaults for functions that set neither value.
const DEFAULT_TIMEOUT_SECONDS: &str = "6";
const DEFAULT_MEMORY_MB: &str = "1024";
const VPC_EXECUTION_ROLE: &str =
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole";
/// Headers the Framework allows when CORS is `true`.
const DEFAULT_CORS_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
];
/// Access log format the Framework uses when none is given.
const DEFAULT_ACCESS_LOG_FORMAT: &str = "requestId: $context.requestId, ip: $context.identity.sourceIp, caller: $context.identity.caller, user: $context.identity.user, requestTime: $context.requestTime, httpMethod: $context.httpMethod, resourcePath: $context.resourcePath, status: $context.status, protocol: $context.protocol, responseLength: $context.responseLength";

/// Names that several generated resources are built from.
pub struct Names {
    pub service: Node,
    pub stage: Node,
    pub region: Node,
}

/// The resources and routes of a service.
pub struct Translation {
    pub resources: Vec<Resource>,
    pub routes: Vec<Route>,
}

/// Translates a resolved `serverless.yml`. `declared` are the logical IDs in
/// `resources.Resources` (a declared resource replaces the one the Framework would create).
pub fn translate(
    document: &Node,
    provider_key: Span,
    names: &Names,
    declared: &[String],
) -> Translation {
    let empty = Node::map(Map::default(), provider_key);
    let provider = document
        .as_map()
        .and_then(|map| map.get_ignore_case("provider"))
        .filter(|provider| provider.as_map().is_some())
        .unwrap_or(&empty);
    let mut translator = Translator {
        provider,
        provider_key,
        names,
        declared,
        resources: Vec::new(),
        routes: Vec::new(),
        provider_origin: Origin {
            id: "provider".into(),
            resource_type: PROVIDER_ORIGIN_TYPE.into(),
        },
        default_role_span: None,
        default_role_statements: Vec::new(),
        default_role_vpc: None,
        default_role_tracing: None,
        custom_named_functions: Vec::new(),
        rest_api: None,
        http_api: None,
        websockets_api: None,
        rest_cors: None,
        service_artifact: document
            .as_map()
            .and_then(|map| map.get_ignore_case("package"))
            .and_then(|package| field(package, "artifact"))
            .cloned(),
        service_patterns: document
            .as_map()
            .and_then(|map| map.get_ignore_case("package"))
            .map(package_patterns)
            .unwrap_or_default(),
    };
    if let Some(layers) = document
        .as_map()
        .and_then(|map| map.get("layers"))
        .and_then(Node::as_map)
    {
        for (key, layer) in layers.iter() {
            translator.layer(key, layer);
        }
    }
    for (key, config) in functions(document) {
        translator.function(&key, &config);
    }
    translator.default_role();
    translator.deployment();
    translator.rest_api();
    translator.http_api();
    translator.websockets_api();
    Translation {
        resources: translator.resources,
        routes: translator.routes,
    }
}

/// `functions:` as (key, config) pairs: a mapping, or a list of mappings (files merged by
/// the Framework).
fn functions(document: &Node) -> Vec<(Key, Node)> {
    let mut out = Vec::new();
    let Some(functions) = document.as_map().and_then(|map| map.get("functions")) else {
        return out;
    };
    let groups: Vec<&Node> = match &functions.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![functions],
    };
    for group in groups {
        if let Some(map) = group.as_map() {
            for (key, config) in map.iter() {
                if !out
                    .iter()
                    .any(|(existing, _): &(Key, Node)| existing.name == key.name)
                {
                    out.push((key.clone(), config.clone()));
                }
            }
        }
    }
    out
}

struct Translator<'a> {
    provider: &'a Node,
    provider_key: Span,
    names: &'a Names,
    declared: &'a [String],
    resources: Vec<Resource>,
    routes: Vec<Route>,
    provider_origin: Origin,
    /// Set when some function uses the shared role: where the first one is.
    default_role_span: Option<Span>,
    /// Statements the Framework adds to the shared role for its functions' events.
    default_role_statements: Vec<Node>,
    default_role_vpc: Option<Span>,
    default_role_tracing: Option<Span>,
    /// `FunctionName`s set with `name:`, whose log groups the shared role must cover.
    custom_named_functions: Vec<Node>,
    /// The first `http` / `httpApi` event, when the implicit API is needed.
    rest_api: Option<Span>,
    http_api: Option<Span>,
    /// The first `websocket` event, when any function has one.
    websockets_api: Option<Span>,
    /// The first `cors` of an `http` event: the REST API's CORS configuration.
    rest_cors: Option<Node>,
    /// `package.artifact` of the service: code built elsewhere.
    service_artifact: Option<Node>,
    /// `package.patterns` of the service (with the older `exclude` / `include` folded in).
    service_patterns: Vec<Node>,
}

/// A function being translated.
struct Function {
    /// Its `AWS::Lambda::Function` logical ID.
    id: String,
    normalized: String,
    origin: Origin,
    span: Span,
    uses_default_role: bool,
}

// --- node helpers -------------------------------------------------------------------------

/// A setting by name, ignoring case (users write `Runtime:` as often as `runtime:`); null
/// values count as absent.
fn field<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    field_entry(node, name).map(|(_, value)| value)
}

fn field_entry<'n>(node: &'n Node, name: &str) -> Option<(&'n Key, &'n Node)> {
    node.as_map()?
        .entries
        .iter()
        .find(|(key, value)| {
            key.name.eq_ignore_ascii_case(name) && !matches!(value.value, Value::Null)
        })
        .map(|(key, value)| (key, value))
}

/// A `package` block's file patterns in the order the Framework applies them: the older
/// `exclude` (as `!pattern`) and `include` lists first, then `patterns`.
fn package_patterns(package: &Node) -> Vec<Node> {
    let strings = |name: &str| {
        field(package, name)
            .and_then(Node::as_seq)
            .into_iter()
            .flatten()
            .filter(|item| item.as_str().is_some())
    };
    let excluded = strings("exclude").map(|item| {
        let pattern = item.as_str().unwrap_or_default();
        text(&format!("!{pattern}"), item.span)
    });
    excluded
        .chain(strings("include").cloned())
        .chain(strings("patterns").cloned())
        .collect()
}

fn is_true(node: &Node) -> bool {
    node.as_bool() == Some(true)
}

fn text(value: &str, span: Span) -> Node {
    Node::string(value, span)
}

fn number(value: &str, span: Span) -> Node {
    Node::new(Value::Number(value.to_string()), span)
}

fn seq(items: Vec<Node>, span: Span) -> Node {
    Node::new(Value::Seq(items), span)
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

/// `{"Fn::Sub": text}`, resolved later with the rest of the stack.
fn sub(template: &str, span: Span) -> Node {
    let mut map = Map::default();
    map.entries
        .push((key("Fn::Sub", span), text(template, span)));
    Node::map(map, span)
}

fn key(name: &str, span: Span) -> Key {
    Key {
        name: name.to_string(),
        span,
    }
}

/// A property map under construction; keys the user did not write get `span`.
struct Props {
    map: Map,
    span: Span,
}

impl Props {
    fn new(span: Span) -> Self {
        Props {
            map: Map::default(),
            span,
        }
    }

    fn set(&mut self, name: &str, value: Node) {
        let span = self.span;
        self.map.insert(key(name, span), value);
    }

    /// Sets a property whose key is the user's setting at `key_span`.
    fn set_at(&mut self, name: &str, key_span: Span, value: Node) {
        self.map.insert(key(name, key_span), value);
    }

    fn build(self) -> Node {
        Node::map(self.map, self.span)
    }
}

fn entries(span: Span, items: Vec<(&str, Node)>) -> Node {
    let mut props = Props::new(span);
    for (name, value) in items {
        props.set(name, value);
    }
    props.build()
}

/// The Framework's normalised name: first letter upper-cased, `-` → `Dash`, `_` →
/// `Underscore` (`my-func` → `MyDashfunc`).
pub fn normalize_name(name: &str) -> String {
    let replaced = name.replace('-', "Dash").replace('_', "Underscore");
    let mut chars = replaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Letters and digits only, first letter upper-cased (for bucket, topic and queue names).
fn alphanumeric_name(name: &str) -> String {
    normalize_name(
        &name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>(),
    )
}

/// Text for a generated name: the value when known, else its partial rendering.
fn name_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(text) | Value::Number(text) => Some(text.clone()),
        _ => None,
    }
}

/// The last part of an ARN or a plain name (`arn:...:queue-name` → `queue-name`).
fn arn_name(node: &Node) -> String {
    match &node.value {
        Value::String(text) => text.rsplit([':', '/']).next().unwrap_or(text).to_string(),
        Value::Map(map) => map
            .entries
            .first()
            .map(|(_, value)| match &value.value {
                Value::Seq(items) => items.first().map(Node::display).unwrap_or_default(),
                _ => value.display(),
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// A statement `{Effect: Allow, Action: [...], Resource: [...]}` at `span`.
fn allow(actions: &[&str], resources: Vec<Node>, span: Span) -> Node {
    entries(
        span,
        vec![
            ("Effect", text("Allow", span)),
            (
                "Action",
                seq(
                    actions.iter().map(|action| text(action, span)).collect(),
                    span,
                ),
            ),
            ("Resource", seq(resources, span)),
        ],
    )
}

impl<'a> Translator<'a> {
    fn push(
        &mut self,
        id: String,
        resource_type: &str,
        properties: Node,
        span: Span,
        origin: &Origin,
    ) {
        // A resource of the same logical ID in `resources.Resources` replaces the generated
        // one, as in the Framework.
        if self.declared.contains(&id) || self.resources.iter().any(|r| r.id == id) {
            return;
        }
        self.resources.push(Resource::new(
            id,
            resource_type,
            properties,
            span,
            origin.clone(),
        ));
    }

    /// A provider setting, ignoring case.
    fn provider_field(&self, name: &str) -> Option<&'a Node> {
        field(self.provider, name)
    }

    fn provider_entry(&self, name: &str) -> Option<(&'a Key, &'a Node)> {
        field_entry(self.provider, name)
    }

    /// `<service>-<stage>`, the prefix of every generated name.
    fn service_stage(&self) -> Option<String> {
        Some(format!(
            "{}-{}",
            name_text(&self.names.service)?,
            name_text(&self.names.stage)?
        ))
    }

    fn default_function_name(&self, function: &str, span: Span) -> Node {
        match self.service_stage() {
            Some(prefix) => text(&format!("{prefix}-{function}"), span),
            None => Node::new(
                Value::Unknown {
                    reason: "the service or stage name is unknown".into(),
                    partial: Some(format!(
                        "{}-{}-{function}",
                        self.names.service.display(),
                        self.names.stage.display()
                    )),
                },
                span,
            ),
        }
    }

    // --- functions ----------------------------------------------------------------------

    fn function(&mut self, key: &Key, config: &Node) {
        let empty = Node::map(Map::default(), key.span);
        let config = if config.as_map().is_some() {
            config
        } else {
            &empty
        };
        let normalized = normalize_name(&key.name);
        let mut function = Function {
            id: format!("{normalized}LambdaFunction"),
            normalized,
            origin: Origin {
                id: key.name.clone(),
                resource_type: FUNCTION_ORIGIN_TYPE.into(),
            },
            span: key.span,
            uses_default_role: false,
        };
        let span = key.span;
        let mut props = Props::new(span);

        let function_name = match field(config, "name") {
            Some(name) => {
                self.custom_named_functions.push(name.clone());
                name.clone()
            }
            None => self.default_function_name(&key.name, span),
        };
        props.set("FunctionName", function_name.clone());
        if let Some((k, handler)) = field_entry(config, "handler") {
            props.set_at("Handler", k.span, handler.clone());
        }
        // Where the code is (for code analysis): the service directory, relative to
        // `serverless.yml`, unless a prebuilt artifact is deployed instead.
        let artifact = field(config, "package")
            .and_then(|package| field(package, "artifact"))
            .or(self.service_artifact.as_ref());
        if field(config, "image").is_none() {
            props.set(
                "CodeUri",
                artifact.cloned().unwrap_or_else(|| text(".", span)),
            );
            // What goes into the deployment package: the service's patterns, then the
            // function's own, in the order the Framework applies them. Not a CloudFormation
            // property: code analysis reads it to tell a handler left out of the package.
            let mut patterns = self.service_patterns.clone();
            if let Some(package) = field(config, "package") {
                patterns.extend(package_patterns(package));
            }
            if !patterns.is_empty() {
                props.set("PackagePatterns", seq(patterns, span));
            }
        }
        if let Some((k, description)) = field_entry(config, "description") {
            props.set_at("Description", k.span, description.clone());
        }
        if field(config, "image").is_some() {
            props.set("PackageType", text("Image", span));
        } else if let Some((k, runtime)) = self.setting(config, "runtime") {
            props.set_at("Runtime", k.span, runtime.clone());
        }
        match self.setting(config, "timeout") {
            Some((k, timeout)) => props.set_at("Timeout", k.span, timeout.clone()),
            None => props.set("Timeout", number(DEFAULT_TIMEOUT_SECONDS, span)),
        }
        match self.setting(config, "memorySize") {
            Some((k, memory)) => props.set_at("MemorySize", k.span, memory.clone()),
            None => props.set("MemorySize", number(DEFAULT_MEMORY_MB, span)),
        }
        if let Some((k, architecture)) = self.setting(config, "architecture") {
            props.set_at(
                "Architectures",
                k.span,
                seq(vec![architecture.clone()], architecture.span),
            );
        }
        if let Some((key_span, variables)) = self.environment(config) {
            props.set_at(
                "Environment",
                key_span,
                entries(variables.span, vec![("Variables", variables)]),
            );
        }
        if let Some((k, kms)) = self
            .setting(config, "kmsKeyArn")
            .or_else(|| self.setting(config, "awsKmsKeyArn"))
        {
            props.set_at("KmsKeyArn", k.span, kms.clone());
        }
        if let Some((key_span, mode)) = self.tracing(config) {
            if mode.as_str() == Some("Active") {
                self.default_role_tracing.get_or_insert(key_span);
            }
            props.set_at(
                "TracingConfig",
                key_span,
                entries(mode.span, vec![("Mode", mode)]),
            );
        }
        let vpc = field_entry(config, "vpc").or_else(|| self.provider_entry("vpc"));
        if let Some((k, vpc)) = vpc {
            let mut config_props = Props::new(vpc.span);
            if let Some(groups) = field(vpc, "securityGroupIds") {
                config_props.set("SecurityGroupIds", groups.clone());
            }
            if let Some(subnets) = field(vpc, "subnetIds") {
                config_props.set("SubnetIds", subnets.clone());
            }
            props.set_at("VpcConfig", k.span, config_props.build());
        }
        if let Some((k, reserved)) = field_entry(config, "reservedConcurrency") {
            props.set_at("ReservedConcurrentExecutions", k.span, reserved.clone());
        }
        if let Some((k, provisioned)) = field_entry(config, "provisionedConcurrency") {
            props.set_at(
                "ProvisionedConcurrencyConfig",
                k.span,
                entries(
                    provisioned.span,
                    vec![("ProvisionedConcurrentExecutions", provisioned.clone())],
                ),
            );
        }
        if let Some((k, layers)) = self.setting(config, "layers") {
            props.set_at("Layers", k.span, layers.clone());
        }
        if let Some((k, target)) = field_entry(config, "onError") {
            props.set_at(
                "DeadLetterConfig",
                k.span,
                entries(target.span, vec![("TargetArn", target.clone())]),
            );
        }
        if let Some((k, size)) = field_entry(config, "ephemeralStorageSize") {
            props.set_at(
                "EphemeralStorage",
                k.span,
                entries(size.span, vec![("Size", size.clone())]),
            );
        }
        if let Some((k, snap_start)) = field_entry(config, "snapStart") {
            if is_true(snap_start) {
                props.set_at(
                    "SnapStart",
                    k.span,
                    entries(
                        snap_start.span,
                        vec![("ApplyOn", text("PublishedVersions", snap_start.span))],
                    ),
                );
            }
        }
        if let Some(tags) = self.tags(config) {
            props.set("Tags", tags);
        }
        let role = self.function_role(config, &mut function);
        props.set_at("Role", role.span, role);
        if function.uses_default_role {
            if let Some((k, _)) = field_entry(config, "vpc").or_else(|| self.provider_entry("vpc"))
            {
                self.default_role_vpc.get_or_insert(k.span);
            }
            if let Some((_, target)) = field_entry(config, "onError") {
                let actions: &[&str] = if target.display().contains(":sqs:") {
                    &["sqs:SendMessage"]
                } else {
                    &["sns:Publish"]
                };
                self.default_role_statements.push(allow(
                    actions,
                    vec![target.clone()],
                    target.span,
                ));
            }
        }
        self.push(
            function.id.clone(),
            "AWS::Lambda::Function",
            props.build(),
            span,
            &function.origin,
        );

        self.log_group(&function, config, &function_name);
        self.url(&function, config);
        self.event_invoke_config(&function, config);
        if let Some(events) = field(config, "events") {
            for (index, event) in events.items().into_iter().enumerate() {
                let Some(event_map) = event.as_map() else {
                    continue;
                };
                for (event_key, value) in event_map.iter() {
                    self.event(&function, index + 1, event_key, value);
                }
            }
        }
    }

    /// A function setting, else the provider's.
    fn setting<'n>(&'n self, config: &'n Node, name: &str) -> Option<(&'n Key, &'n Node)> {
        field_entry(config, name).or_else(|| self.provider_entry(name))
    }

    /// `provider.environment` merged with the function's (the function wins), with the key
    /// span of the function's `environment` when it has one.
    fn environment(&self, config: &Node) -> Option<(Span, Node)> {
        let provider = self.provider_entry("environment");
        let own = field_entry(config, "environment");
        let key_span = own.or(provider).map(|(k, _)| k.span)?;
        let mut merged = Map::default();
        let mut span = key_span;
        for (_, environment) in [provider, own].into_iter().flatten() {
            match &environment.value {
                Value::Map(map) => {
                    for (name, value) in map.iter() {
                        merged.insert(name.clone(), value.clone());
                    }
                    span = environment.span;
                }
                // An environment from an unknown source: the merged result is unknown too.
                _ if !environment.is_known() => return Some((key_span, environment.clone())),
                _ => {}
            }
        }
        Some((key_span, Node::map(merged, span)))
    }

    /// Tracing mode: the function's `tracing`, else `provider.tracing.lambda`. `true` is
    /// `Active`; `false` leaves it off.
    fn tracing(&self, config: &Node) -> Option<(Span, Node)> {
        let (key_span, value) = match field_entry(config, "tracing") {
            Some((k, value)) => (k.span, value),
            None => {
                let tracing = self.provider_field("tracing")?;
                let (k, value) = field_entry(tracing, "lambda")?;
                (k.span, value)
            }
        };
        let mode = match &value.value {
            Value::Bool(true) => text("Active", value.span),
            Value::Bool(false) => text("PassThrough", value.span),
            Value::String(mode)
                if mode.eq_ignore_ascii_case("active") || mode.eq_ignore_ascii_case("true") =>
            {
                text("Active", value.span)
            }
            Value::String(mode)
                if mode.eq_ignore_ascii_case("passthrough")
                    || mode.eq_ignore_ascii_case("false") =>
            {
                text("PassThrough", value.span)
            }
            _ => value.clone(),
        };
        Some((key_span, mode))
    }

    /// `provider.tags` and the function's `tags` as a CloudFormation tag list.
    fn tags(&self, config: &Node) -> Option<Node> {
        let mut tags = Map::default();
        let mut span = None;
        for source in [self.provider_field("tags"), field(config, "tags")]
            .into_iter()
            .flatten()
        {
            if let Some(map) = source.as_map() {
                span = Some(source.span);
                for (name, value) in map.iter() {
                    tags.insert(name.clone(), value.clone());
                }
            }
        }
        let span = span?;
        let items = tags
            .iter()
            .map(|(name, value)| {
                entries(
                    name.span,
                    vec![
                        ("Key", text(&name.name, name.span)),
                        ("Value", value.clone()),
                    ],
                )
            })
            .collect();
        Some(seq(items, span))
    }

    /// The function's execution role: its own `role`, the provider's custom role, or the
    /// shared generated role.
    fn function_role(&mut self, config: &Node, function: &mut Function) -> Node {
        if let Some(role) = field(config, "role") {
            return role_reference(role);
        }
        if let Some(role) = self.provider_custom_role() {
            return role_reference(role);
        }
        function.uses_default_role = true;
        self.default_role_span.get_or_insert(function.span);
        reference(DEFAULT_ROLE_ID, Some("Arn"), function.span)
    }

    /// `provider.iam.role` (or the older `provider.role`) when it names an existing role
    /// rather than configuring the generated one.
    fn provider_custom_role(&self) -> Option<&'a Node> {
        let role = self
            .provider_field("iam")
            .and_then(|iam| field(iam, "role"))
            .or_else(|| self.provider_field("role"))?;
        (!is_role_configuration(role)).then_some(role)
    }

    fn log_group(&mut self, function: &Function, config: &Node, function_name: &Node) {
        if field(config, "disableLogs").is_some_and(is_true) {
            return;
        }
        let span = function.span;
        let name = match name_text(function_name) {
            Some(name) => text(&format!("/aws/lambda/{name}"), function_name.span),
            // Linked to the function by its logical ID when the name is unknown.
            None => sub(&format!("/aws/lambda/${{{}}}", function.id), span),
        };
        let mut props = Props::new(span);
        props.set("LogGroupName", name);
        if let Some((k, retention)) = self.setting(config, "logRetentionInDays") {
            props.set_at("RetentionInDays", k.span, retention.clone());
        }
        if let Some((k, key_arn)) = self
            .provider_entry("logs")
            .and_then(|(_, logs)| field_entry(logs, "lambda"))
            .and_then(|(_, lambda)| field_entry(lambda, "kmsKeyId"))
        {
            props.set_at("KmsKeyId", k.span, key_arn.clone());
        }
        self.push(
            format!("{}LogGroup", function.normalized),
            "AWS::Logs::LogGroup",
            props.build(),
            span,
            &function.origin,
        );
    }

    /// `url: true` or `url: {authorizer: aws_iam, cors: ..., invokeMode: ...}`.
    fn url(&mut self, function: &Function, config: &Node) {
        let Some((url_key, url)) = field_entry(config, "url") else {
            return;
        };
        if url.as_bool() == Some(false) {
            return;
        }
        let span = url_key.span;
        let iam = field(url, "authorizer").is_some_and(|auth| {
            auth.as_str()
                .is_some_and(|a| a.eq_ignore_ascii_case("aws_iam"))
        });
        let auth_type = match field(url, "authorizer") {
            Some(auth) if !auth.is_known() => auth.clone(),
            _ => text(if iam { "AWS_IAM" } else { "NONE" }, url.span),
        };
        let mut props = Props::new(span);
        props.set(
            "TargetFunctionArn",
            reference(&function.id, Some("Arn"), span),
        );
        props.set("AuthType", auth_type.clone());
        if let Some((k, cors)) = field_entry(url, "cors") {
            if let Some(cors) = url_cors(cors) {
                props.set_at("Cors", k.span, cors);
            }
        }
        if let Some((k, mode)) = field_entry(url, "invokeMode") {
            props.set_at("InvokeMode", k.span, mode.clone());
        }
        let url_id = format!("{}Url", function.id);
        self.push(
            url_id.clone(),
            "AWS::Lambda::Url",
            props.build(),
            span,
            &function.origin,
        );
        if auth_type.as_str().is_some_and(|auth| auth == "NONE") {
            let permission = entries(
                span,
                vec![
                    ("Action", text("lambda:InvokeFunctionUrl", span)),
                    ("FunctionName", reference(&function.id, Some("Arn"), span)),
                    ("Principal", text("*", span)),
                    ("FunctionUrlAuthType", text("NONE", span)),
                ],
            );
            self.push(
                format!("{}UrlPermission", function.id),
                "AWS::Lambda::Permission",
                permission,
                span,
                &function.origin,
            );
        }
    }

    /// `destinations`, `maximumRetryAttempts`, `maximumEventAge` → an event invoke config.
    fn event_invoke_config(&mut self, function: &Function, config: &Node) {
        let destinations = field_entry(config, "destinations");
        let retries = field_entry(config, "maximumRetryAttempts");
        let age = field_entry(config, "maximumEventAge");
        let Some(span) = destinations.or(retries).or(age).map(|(k, _)| k.span) else {
            return;
        };
        let mut props = Props::new(span);
        props.set("FunctionName", reference(&function.id, None, span));
        props.set("Qualifier", text("$LATEST", span));
        if let Some((k, destinations)) = destinations {
            let mut config_props = Props::new(destinations.span);
            for (setting, property) in [("onSuccess", "OnSuccess"), ("onFailure", "OnFailure")] {
                if let Some((k, target)) = field_entry(destinations, setting) {
                    let arn = match field(target, "arn") {
                        Some(arn) => arn.clone(),
                        None => target.clone(),
                    };
                    config_props.set_at(
                        property,
                        k.span,
                        entries(target.span, vec![("Destination", arn.clone())]),
                    );
                    if function.uses_default_role && property == "OnFailure" {
                        let text = arn.display();
                        let actions: &[&str] = if text.contains(":sqs:") {
                            &["sqs:SendMessage"]
                        } else if text.contains(":sns:") {
                            &["sns:Publish"]
                        } else if text.contains(":events:") {
                            &["events:PutEvents"]
                        } else {
                            &["lambda:InvokeFunction"]
                        };
                        self.default_role_statements
                            .push(allow(actions, vec![arn], target.span));
                    }
                }
            }
            props.set_at("DestinationConfig", k.span, config_props.build());
        }
        if let Some((k, retries)) = retries {
            props.set_at("MaximumRetryAttempts", k.span, retries.clone());
        }
        if let Some((k, age)) = age {
            props.set_at("MaximumEventAgeInSeconds", k.span, age.clone());
        }
        self.push(
            format!("{}LambdaEvConf", function.normalized),
            "AWS::Lambda::EventInvokeConfig",
            props.build(),
            span,
            &function.origin,
        );
    }

    // --- events -------------------------------------------------------------------------

    fn event(&mut self, function: &Function, index: usize, event_key: &Key, value: &Node) {
        let span = event_key.span;
        match event_key.name.as_str() {
            "http" => self.http_event(function, value, span),
            "httpApi" => self.http_api_event(function, value, span),
            "websocket" => self.websocket_event(function, value, span),
            "s3" => self.s3_event(function, index, value, span),
            "sns" => self.sns_event(function, index, value, span),
            "sqs" => {
                let arn = field(value, "arn").unwrap_or(value).clone();
                let id = format!(
                    "{}EventSourceMappingSQS{}",
                    function.normalized,
                    alphanumeric_name(&arn_name(&arn))
                );
                self.event_source_mapping(
                    function,
                    id,
                    &arn,
                    value,
                    span,
                    &[
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:GetQueueAttributes",
                    ],
                );
            }
            "stream" => {
                let arn = field(value, "arn").unwrap_or(value).clone();
                let declared_type = field(value, "type").and_then(Node::as_str).unwrap_or("");
                let is_kinesis = declared_type.eq_ignore_ascii_case("kinesis")
                    || (declared_type.is_empty() && arn.display().contains(":kinesis:"));
                let (kind, actions): (&str, &[&str]) = if is_kinesis {
                    (
                        "Kinesis",
                        &[
                            "kinesis:GetRecords",
                            "kinesis:GetShardIterator",
                            "kinesis:DescribeStream",
                            "kinesis:DescribeStreamSummary",
                            "kinesis:ListShards",
                            "kinesis:ListStreams",
                        ],
                    )
                } else {
                    (
                        "DynamodbStream",
                        &[
                            "dynamodb:GetRecords",
                            "dynamodb:GetShardIterator",
                            "dynamodb:DescribeStream",
                            "dynamodb:ListStreams",
                        ],
                    )
                };
                let id = format!(
                    "{}EventSourceMapping{kind}{}",
                    function.normalized,
                    alphanumeric_name(&arn_name(&arn))
                );
                self.event_source_mapping(function, id, &arn, value, span, actions);
            }
            "kafka" | "msk" | "activemq" | "rabbitmq" => {
                let id = format!(
                    "{}EventSourceMapping{}{index}",
                    function.normalized,
                    normalize_name(&event_key.name)
                );
                match field(value, "arn") {
                    Some(arn) => {
                        let arn = arn.clone();
                        self.event_source_mapping(function, id, &arn, value, span, &[]);
                    }
                    None => {
                        // Self-managed Kafka: brokers instead of an ARN.
                        let servers = field(value, "bootstrapServers")
                            .cloned()
                            .unwrap_or_else(|| Node::unknown("Kafka brokers", span));
                        let source = entries(
                            span,
                            vec![(
                                "Endpoints",
                                entries(span, vec![("KafkaBootstrapServers", servers)]),
                            )],
                        );
                        self.event_source_mapping(
                            function,
                            id.clone(),
                            &Node::new(Value::Null, span),
                            value,
                            span,
                            &[],
                        );
                        if let Some(mapping) = self.resources.iter_mut().find(|r| r.id == id) {
                            if let Some(map) = mapping.properties.as_map_mut() {
                                map.remove("EventSourceArn");
                                map.insert(key("SelfManagedEventSource", span), source);
                            }
                        }
                    }
                }
            }
            "schedule" => self.schedule_event(function, index, value, span),
            "eventBridge" | "cloudwatchEvent" => {
                self.event_bridge_event(function, index, value, span)
            }
            "cloudwatchLog" => {
                let group = field(value, "logGroup").unwrap_or(value).clone();
                let mut props = Props::new(span);
                props.set("LogGroupName", group);
                props.set("DestinationArn", reference(&function.id, Some("Arn"), span));
                props.set(
                    "FilterPattern",
                    field(value, "filter")
                        .cloned()
                        .unwrap_or_else(|| text("", span)),
                );
                self.push(
                    format!(
                        "{}LogsSubscriptionFilterCloudWatchLog{index}",
                        function.normalized
                    ),
                    "AWS::Logs::SubscriptionFilter",
                    props.build(),
                    span,
                    &function.origin,
                );
                self.permission(
                    function,
                    format!(
                        "{}LambdaPermissionLogsSubscriptionFilterCloudWatchLog{index}",
                        function.normalized
                    ),
                    "logs.amazonaws.com",
                    None,
                    span,
                );
            }
            "iot" => self.permission(
                function,
                format!("{}LambdaPermissionIotTopicRule{index}", function.normalized),
                "iot.amazonaws.com",
                None,
                span,
            ),
            "cognitoUserPool" => self.permission(
                function,
                format!(
                    "{}LambdaPermissionCognitoUserPool{index}",
                    function.normalized
                ),
                "cognito-idp.amazonaws.com",
                None,
                span,
            ),
            "alexaSkill" => self.permission(
                function,
                format!("{}LambdaPermissionAlexaSkill{index}", function.normalized),
                "alexa-appkit.amazon.com",
                None,
                span,
            ),
            _ => {}
        }
    }

    /// An `AWS::Lambda::Permission` for a service to invoke the function.
    fn permission(
        &mut self,
        function: &Function,
        id: String,
        principal: &str,
        source_arn: Option<Node>,
        span: Span,
    ) {
        let mut props = Props::new(span);
        props.set("Action", text("lambda:InvokeFunction", span));
        props.set("FunctionName", reference(&function.id, Some("Arn"), span));
        props.set("Principal", text(principal, span));
        // The Framework scopes bucket notifications to the stack's account too: a bucket
        // ARN does not name its owner.
        if source_arn.is_none() || principal == "s3.amazonaws.com" {
            props.set("SourceAccount", Node::unknown("AWS::AccountId", span));
        }
        if let Some(arn) = source_arn {
            props.set("SourceArn", arn);
        }
        self.push(
            id,
            "AWS::Lambda::Permission",
            props.build(),
            span,
            &function.origin,
        );
    }

    fn event_source_mapping(
        &mut self,
        function: &Function,
        id: String,
        arn: &Node,
        config: &Node,
        span: Span,
        role_actions: &[&str],
    ) {
        let mut props = Props::new(span);
        props.set("EventSourceArn", arn.clone());
        props.set("FunctionName", reference(&function.id, Some("Arn"), span));
        for (setting, property) in [
            ("batchSize", "BatchSize"),
            ("maximumBatchingWindow", "MaximumBatchingWindowInSeconds"),
            ("enabled", "Enabled"),
            ("startingPosition", "StartingPosition"),
            ("maximumRetryAttempts", "MaximumRetryAttempts"),
            ("bisectBatchOnFunctionError", "BisectBatchOnFunctionError"),
            ("maximumRecordAgeInSeconds", "MaximumRecordAgeInSeconds"),
            ("parallelizationFactor", "ParallelizationFactor"),
            ("tumblingWindowInSeconds", "TumblingWindowInSeconds"),
            ("topic", "Topics"),
        ] {
            if let Some((k, value)) = field_entry(config, setting) {
                let value = if property == "Topics" {
                    seq(vec![value.clone()], value.span)
                } else {
                    value.clone()
                };
                props.set_at(property, k.span, value);
            }
        }
        if let Some((k, response)) = field_entry(config, "functionResponseType") {
            props.set_at(
                "FunctionResponseTypes",
                k.span,
                seq(vec![response.clone()], response.span),
            );
        }
        if let Some((k, maximum)) = field_entry(config, "maximumConcurrency") {
            props.set_at(
                "ScalingConfig",
                k.span,
                entries(maximum.span, vec![("MaximumConcurrency", maximum.clone())]),
            );
        }
        if let Some((k, patterns)) = field_entry(config, "filterPatterns") {
            let filters = patterns
                .items()
                .into_iter()
                .map(|pattern| entries(pattern.span, vec![("Pattern", pattern.clone())]))
                .collect();
            props.set_at(
                "FilterCriteria",
                k.span,
                entries(
                    patterns.span,
                    vec![("Filters", seq(filters, patterns.span))],
                ),
            );
        }
        if let Some((k, on_failure)) =
            field(config, "destinations").and_then(|d| field_entry(d, "onFailure"))
        {
            let destination = field(on_failure, "arn").unwrap_or(on_failure).clone();
            props.set_at(
                "DestinationConfig",
                k.span,
                entries(
                    on_failure.span,
                    vec![(
                        "OnFailure",
                        entries(on_failure.span, vec![("Destination", destination)]),
                    )],
                ),
            );
        }
        if function.uses_default_role && !role_actions.is_empty() {
            self.default_role_statements
                .push(allow(role_actions, vec![arn.clone()], span));
        }
        self.push(
            id,
            "AWS::Lambda::EventSourceMapping",
            props.build(),
            span,
            &function.origin,
        );
    }

    fn s3_event(&mut self, function: &Function, index: usize, value: &Node, span: Span) {
        let bucket = field(value, "bucket").unwrap_or(value);
        let existing = field(value, "existing").is_some_and(is_true);
        let bucket_id = format!("S3Bucket{}", alphanumeric_name(&bucket.display()));
        let source_arn = match bucket.as_str() {
            Some(name) if !name.starts_with("arn:") => {
                text(&format!("arn:aws:s3:::{name}"), bucket.span)
            }
            _ => bucket.clone(),
        };
        if !existing && bucket.as_str().is_some() {
            // The Framework creates the bucket, with the notification to the function.
            let mut notification = vec![
                (
                    "Event",
                    field(value, "event")
                        .cloned()
                        .unwrap_or_else(|| text("s3:ObjectCreated:*", span)),
                ),
                ("Function", reference(&function.id, Some("Arn"), span)),
            ];
            if let Some(rules) = field(value, "rules") {
                notification.push((
                    "Filter",
                    entries(
                        rules.span,
                        vec![("S3Key", entries(rules.span, vec![("Rules", rules.clone())]))],
                    ),
                ));
            }
            let props = entries(
                span,
                vec![
                    ("BucketName", bucket.clone()),
                    (
                        "NotificationConfiguration",
                        entries(
                            span,
                            vec![(
                                "LambdaConfigurations",
                                seq(vec![entries(span, notification)], span),
                            )],
                        ),
                    ),
                ],
            );
            self.push(
                bucket_id.clone(),
                "AWS::S3::Bucket",
                props,
                span,
                &function.origin,
            );
        }
        let id = format!(
            "{}LambdaPermission{}S3{index}",
            function.normalized,
            alphanumeric_name(&bucket.display())
        );
        self.permission(function, id, "s3.amazonaws.com", Some(source_arn), span);
    }

    fn sns_event(&mut self, function: &Function, index: usize, value: &Node, span: Span) {
        let arn = match field(value, "arn") {
            Some(arn) => Some(arn.clone()),
            None => value
                .as_str()
                .filter(|text| text.starts_with("arn:"))
                .map(|_| value.clone()),
        };
        let topic_name =
            field(value, "topicName").or_else(|| value.as_str().is_some().then_some(value));
        let redrive = field(value, "redrivePolicy").map(|policy| {
            let target = field(policy, "deadLetterTargetArn")
                .cloned()
                .or_else(|| {
                    field(policy, "deadLetterTargetRef")
                        .and_then(Node::as_str)
                        .map(|id| reference(id, Some("Arn"), policy.span))
                })
                .or_else(|| field(policy, "deadLetterTargetImport").cloned())
                .unwrap_or_else(|| policy.clone());
            entries(policy.span, vec![("deadLetterTargetArn", target)])
        });
        let topic_arn = match arn {
            Some(arn) => arn,
            None => {
                // The Framework creates the topic.
                let name = topic_name.map(Node::display).unwrap_or_default();
                let topic_id = format!("SNSTopic{}", alphanumeric_name(&name));
                let props = entries(
                    span,
                    vec![(
                        "TopicName",
                        topic_name.cloned().unwrap_or_else(|| text(&name, span)),
                    )],
                );
                self.push(
                    topic_id.clone(),
                    "AWS::SNS::Topic",
                    props,
                    span,
                    &function.origin,
                );
                reference(&topic_id, None, span)
            }
        };
        let mut subscription = vec![
            ("TopicArn", topic_arn.clone()),
            ("Protocol", text("lambda", span)),
            ("Endpoint", reference(&function.id, Some("Arn"), span)),
        ];
        if let Some(filter) = field(value, "filterPolicy") {
            subscription.push(("FilterPolicy", filter.clone()));
        }
        if let Some(redrive) = redrive {
            subscription.push(("RedrivePolicy", redrive));
        }
        self.push(
            format!("{}SnsSubscription{index}", function.normalized),
            "AWS::SNS::Subscription",
            entries(span, subscription),
            span,
            &function.origin,
        );
        let id = format!("{}LambdaPermissionSNS{index}", function.normalized);
        self.permission(function, id, "sns.amazonaws.com", Some(topic_arn), span);
    }

    fn schedule_event(&mut self, function: &Function, index: usize, value: &Node, span: Span) {
        let rates: Vec<Node> = match field(value, "rate") {
            Some(rate) => rate.items().into_iter().cloned().collect(),
            None if value.as_map().is_none() => vec![value.clone()],
            None => Vec::new(),
        };
        for (offset, rate) in rates.into_iter().enumerate() {
            let id = format!(
                "{}EventsRuleSchedule{}",
                function.normalized,
                index + offset
            );
            let mut props = Props::new(span);
            props.set("ScheduleExpression", rate);
            let permission_id = format!(
                "{}LambdaPermissionEventsRuleSchedule{}",
                function.normalized,
                index + offset
            );
            self.push_rule(function, value, span, props, (id, permission_id));
        }
    }

    fn event_bridge_event(&mut self, function: &Function, index: usize, value: &Node, span: Span) {
        let id = format!("{}EventBridgeRule{index}", function.normalized);
        let mut props = Props::new(span);
        if let Some((k, pattern)) =
            field_entry(value, "pattern").or_else(|| field_entry(value, "event"))
        {
            props.set_at("EventPattern", k.span, pattern.clone());
        }
        if let Some((k, schedule)) = field_entry(value, "schedule") {
            props.set_at("ScheduleExpression", k.span, schedule.clone());
        }
        if let Some((k, bus)) = field_entry(value, "eventBus") {
            props.set_at("EventBusName", k.span, bus.clone());
        }
        let permission_id = format!(
            "{}LambdaPermissionEventBridgeRule{index}",
            function.normalized
        );
        self.push_rule(function, value, span, props, (id, permission_id));
    }

    /// Completes an EventBridge rule that targets `function` (state, target with its DLQ
    /// and retries), and the permission that lets the rule invoke the function.
    fn push_rule(
        &mut self,
        function: &Function,
        value: &Node,
        span: Span,
        mut props: Props,
        (rule_id, permission_id): (String, String),
    ) {
        if field(value, "enabled").is_some_and(|enabled| enabled.as_bool() == Some(false)) {
            props.set("State", text("DISABLED", span));
        }
        props.set(
            "Targets",
            seq(
                vec![self.rule_target(function, value, &rule_id, span)],
                span,
            ),
        );
        self.push(
            rule_id.clone(),
            "AWS::Events::Rule",
            props.build(),
            span,
            &function.origin,
        );
        self.permission(
            function,
            permission_id,
            "events.amazonaws.com",
            Some(reference(&rule_id, Some("Arn"), span)),
            span,
        );
    }

    /// The Lambda target of a rule, with its DLQ and retry policy when set.
    fn rule_target(&self, function: &Function, value: &Node, rule_id: &str, span: Span) -> Node {
        let mut target = Props::new(span);
        target.set("Arn", reference(&function.id, Some("Arn"), span));
        target.set("Id", text(&format!("{rule_id}Target"), span));
        for setting in ["input", "inputPath"] {
            if let Some((k, input)) = field_entry(value, setting) {
                target.set_at(
                    if setting == "input" {
                        "Input"
                    } else {
                        "InputPath"
                    },
                    k.span,
                    input.clone(),
                );
            }
        }
        if let Some((k, dlq)) = field_entry(value, "deadLetterQueueArn") {
            target.set_at(
                "DeadLetterConfig",
                k.span,
                entries(dlq.span, vec![("Arn", dlq.clone())]),
            );
        }
        if let Some((k, retry)) = field_entry(value, "retryPolicy") {
            let mut policy = Props::new(retry.span);
            if let Some(age) = field(retry, "maximumEventAge") {
                policy.set("MaximumEventAgeInSeconds", age.clone());
            }
            if let Some(attempts) = field(retry, "maximumRetryAttempts") {
                policy.set("MaximumRetryAttempts", attempts.clone());
            }
            target.set_at("RetryPolicy", k.span, policy.build());
        }
        target.build()
    }

    // --- API events ---------------------------------------------------------------------

    fn http_event(&mut self, function: &Function, value: &Node, span: Span) {
        let (method, path) = method_and_path(value, "ANY", "/");
        let path = format!("/{}", path.trim_start_matches('/'));
        let api = match self
            .provider_field("apiGateway")
            .and_then(|gateway| field(gateway, "restApiId"))
        {
            Some(external) => external.display(),
            None => {
                self.rest_api.get_or_insert(span);
                REST_API_ID.to_string()
            }
        };
        let auth = rest_auth(field(value, "authorizer"));
        let api_key_required = field(value, "private").is_some_and(is_true);
        let request_validation = Some(requests_validated(field(value, "request")));
        if let Some(cors) = field(value, "cors") {
            if self.rest_cors.is_none() && cors.as_bool() != Some(false) {
                self.rest_cors = Some(cors.clone());
            }
        }
        let integration_timeout = match field(value, "timeout").and_then(Node::as_f64) {
            Some(seconds) => IntegrationTimeout::Millis((seconds * 1000.0) as i64),
            None if field(value, "timeout").is_some() => IntegrationTimeout::Unknown,
            None => IntegrationTimeout::Default,
        };
        self.routes.push(Route {
            api: api.clone(),
            kind: ApiKind::Rest,
            method,
            path,
            auth,
            api_key_required,
            request_validation,
            span,
            origin: function.origin.clone(),
            function: Some(function.id.clone()),
            integration_timeout,
        });
        let source = sub(&format!("arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*/*"), span);
        self.permission(
            function,
            format!("{}LambdaPermissionApiGateway", function.normalized),
            "apigateway.amazonaws.com",
            Some(source),
            span,
        );
    }

    fn http_api_event(&mut self, function: &Function, value: &Node, span: Span) {
        let (method, path) = if value.as_str() == Some("*") {
            ("ANY".to_string(), "$default".to_string())
        } else {
            method_and_path(value, "ANY", "$default")
        };
        let method = if method == "*" {
            "ANY".to_string()
        } else {
            method
        };
        let http_api = self.provider_field("httpApi");
        let api = match http_api.and_then(|settings| field(settings, "id")) {
            Some(external) => external.display(),
            None => {
                self.http_api.get_or_insert(span);
                HTTP_API_ID.to_string()
            }
        };
        let authorizers = http_api.and_then(|settings| field(settings, "authorizers"));
        let auth = http_auth(field(value, "authorizer"), authorizers);
        self.routes.push(Route {
            api: api.clone(),
            kind: ApiKind::Http,
            method,
            path,
            auth,
            api_key_required: false,
            request_validation: None,
            span,
            origin: function.origin.clone(),
            function: Some(function.id.clone()),
            integration_timeout: IntegrationTimeout::Default,
        });
        let source = sub(&format!("arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/*"), span);
        self.permission(
            function,
            format!("{}LambdaPermissionHttpApi", function.normalized),
            "apigateway.amazonaws.com",
            Some(source),
            span,
        );
    }

    /// `websocket: $connect` or `websocket: { route, authorizer }`. Only `$connect` can
    /// carry an authorizer; the other routes take its authorization.
    fn websocket_event(&mut self, function: &Function, value: &Node, span: Span) {
        let route = match &value.value {
            Value::String(route) => route.clone(),
            _ => match field(value, "route").and_then(Node::as_str) {
                Some(route) => route.to_string(),
                None => return,
            },
        };
        self.websockets_api.get_or_insert(span);
        let auth = match field(value, "authorizer") {
            None => RouteAuth::None,
            Some(authorizer) if !authorizer.is_known() => RouteAuth::Unknown(authorizer.display()),
            Some(authorizer) => {
                let name = match &authorizer.value {
                    Value::String(name) => name.clone(),
                    _ => field(authorizer, "name")
                        .or_else(|| field(authorizer, "arn"))
                        .map_or_else(|| "authorizer".to_string(), Node::display),
                };
                RouteAuth::Custom(name)
            }
        };
        self.routes.push(Route {
            api: WEBSOCKETS_API_ID.to_string(),
            kind: ApiKind::WebSocket,
            method: route,
            path: String::new(),
            auth,
            api_key_required: false,
            request_validation: None,
            span,
            origin: function.origin.clone(),
            function: Some(function.id.clone()),
            integration_timeout: IntegrationTimeout::Default,
        });
        let source = sub(&format!("arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{WEBSOCKETS_API_ID}}}/*"), span);
        self.permission(
            function,
            format!("{}LambdaPermissionWebsockets", function.normalized),
            "apigateway.amazonaws.com",
            Some(source),
            span,
        );
    }

    /// The implicit WebSocket API (`provider.websocketsApiName`,
    /// `provider.websocketsApiRouteSelectionExpression`).
    fn websockets_api(&mut self) {
        let Some(first_event) = self.websockets_api else {
            return;
        };
        let origin = self.provider_origin.clone();
        let mut api = Props::new(first_event);
        api.set(
            "Name",
            self.provider_field("websocketsApiName")
                .cloned()
                .unwrap_or_else(|| {
                    // `<stage>-<service>-websockets`, as the Framework names it.
                    let name = self.api_name();
                    match name.as_str() {
                        Some(name) => text(&format!("{name}-websockets"), first_event),
                        None => name,
                    }
                }),
        );
        api.set("ProtocolType", text("WEBSOCKET", first_event));
        api.set(
            "RouteSelectionExpression",
            self.provider_field("websocketsApiRouteSelectionExpression")
                .cloned()
                .unwrap_or_else(|| text("$request.body.action", first_event)),
        );
        self.push(
            WEBSOCKETS_API_ID.into(),
            "AWS::ApiGatewayV2::Api",
            api.build(),
            first_event,
            &origin,
        );
    }

    // --- shared resources ---------------------------------------------------------------

    fn layer(&mut self, key: &Key, layer: &Node) {
        let origin = Origin {
            id: key.name.clone(),
            resource_type: LAYER_ORIGIN_TYPE.into(),
        };
        let span = key.span;
        let id = format!("{}LambdaLayer", normalize_name(&key.name));
        let mut props = Props::new(span);
        props.set(
            "LayerName",
            field(layer, "name")
                .cloned()
                .unwrap_or_else(|| text(&key.name, span)),
        );
        for (setting, property) in [
            ("compatibleRuntimes", "CompatibleRuntimes"),
            ("compatibleArchitectures", "CompatibleArchitectures"),
            ("licenseInfo", "LicenseInfo"),
            ("description", "Description"),
        ] {
            if let Some((k, value)) = field_entry(layer, setting) {
                props.set_at(property, k.span, value.clone());
            }
        }
        self.push(
            id.clone(),
            "AWS::Lambda::LayerVersion",
            props.build(),
            span,
            &origin,
        );
        if let Some(accounts) = field(layer, "allowedAccounts") {
            for (index, account) in accounts.items().into_iter().enumerate() {
                let props = entries(
                    account.span,
                    vec![
                        ("Action", text("lambda:GetLayerVersion", account.span)),
                        ("LayerVersionArn", reference(&id, None, account.span)),
                        ("Principal", account.clone()),
                    ],
                );
                self.push(
                    format!(
                        "{}LambdaLayerPermission{}",
                        normalize_name(&key.name),
                        index + 1
                    ),
                    "AWS::Lambda::LayerVersionPermission",
                    props,
                    account.span,
                    &origin,
                );
            }
        }
    }

    /// The role every function without its own uses: basic logging, the user's
    /// statements and managed policies, and what the functions' events need.
    /// `provider.deploymentBucket` and the CloudFormation service role
    /// (`provider.iam.deploymentRole`, or `provider.cfnRole` in older versions).
    fn deployment(&mut self) {
        let mut props = Props::new(self.provider_key);
        if let Some((k, bucket)) = self.provider_entry("deploymentBucket") {
            props.set_at("DeploymentBucket", k.span, bucket.clone());
        }
        let role = self
            .provider_field("iam")
            .and_then(|iam| field_entry(iam, "deploymentRole"))
            .or_else(|| self.provider_entry("cfnRole"));
        if let Some((k, role)) = role {
            props.set_at("DeploymentRole", k.span, role.clone());
        }
        let origin = self.provider_origin.clone();
        self.push(
            DEPLOYMENT_ID.to_string(),
            DEPLOYMENT_TYPE,
            props.build(),
            self.provider_key,
            &origin,
        );
    }

    fn default_role(&mut self) {
        if self.default_role_span.is_none() {
            return;
        }
        let iam_role = self
            .provider_field("iam")
            .and_then(|iam| field_entry(iam, "role"))
            .filter(|(_, role)| is_role_configuration(role));
        let span = iam_role.map_or(self.provider_key, |(k, _)| k.span);
        let logs_span = self.provider_key;
        let prefix = self.service_stage().unwrap_or_else(|| {
            format!(
                "{}-{}",
                self.names.service.display(),
                self.names.stage.display()
            )
        });
        let mut log_groups = vec![sub(&format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{prefix}*:*"), logs_span)];
        let mut log_streams = vec![sub(&format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{prefix}*:*:*"), logs_span)];
        for name in &self.custom_named_functions {
            let display = name_text(name).unwrap_or_else(|| name.display());
            log_groups.push(sub(&format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{display}:*"), name.span));
            log_streams.push(sub(&format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{display}:*:*"), name.span));
        }
        let mut statements = vec![
            allow(
                &[
                    "logs:CreateLogStream",
                    "logs:CreateLogGroup",
                    "logs:TagResource",
                ],
                log_groups,
                logs_span,
            ),
            allow(&["logs:PutLogEvents"], log_streams, logs_span),
        ];
        let user_statements = [
            iam_role.and_then(|(_, role)| field(role, "statements")),
            self.provider_field("iamRoleStatements"),
        ];
        for list in user_statements.into_iter().flatten() {
            match &list.value {
                Value::Seq(items) => statements.extend(items.iter().cloned()),
                // An unknown list (`${file(x.js)}`): keep it so the role is not "complete".
                _ => statements.push(list.clone()),
            }
        }
        statements.append(&mut self.default_role_statements);
        if let Some(tracing) = self.default_role_tracing {
            statements.push(allow(
                &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                vec![text("*", tracing)],
                tracing,
            ));
        }
        let mut managed = Vec::new();
        let managed_lists = [
            iam_role.and_then(|(_, role)| field(role, "managedPolicies")),
            self.provider_field("iamManagedPolicies"),
        ];
        for list in managed_lists.into_iter().flatten() {
            managed.extend(list.items().into_iter().cloned());
        }
        if let Some(vpc) = self.default_role_vpc {
            managed.push(text(VPC_EXECUTION_ROLE, vpc));
        }
        let trust = node_from_json(
            &serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]
            }),
            span,
        );
        let document = entries(
            span,
            vec![
                ("Version", text("2012-10-17", span)),
                ("Statement", seq(statements, span)),
            ],
        );
        let mut props = Props::new(span);
        props.set("AssumeRolePolicyDocument", trust);
        props.set(
            "Policies",
            seq(
                vec![entries(
                    span,
                    vec![
                        ("PolicyName", text(&format!("{prefix}-lambda"), span)),
                        ("PolicyDocument", document),
                    ],
                )],
                span,
            ),
        );
        if !managed.is_empty() {
            props.set("ManagedPolicyArns", seq(managed, span));
        }
        let role_settings = iam_role.map(|(_, role)| role);
        if let Some((k, name)) = role_settings.and_then(|role| field_entry(role, "name")) {
            props.set_at("RoleName", k.span, name.clone());
        }
        if let Some((k, role_path)) = role_settings.and_then(|role| field_entry(role, "path")) {
            props.set_at("Path", k.span, role_path.clone());
        }
        let boundary = role_settings
            .and_then(|role| field_entry(role, "permissionsBoundary"))
            .or_else(|| self.provider_entry("rolePermissionsBoundary"));
        if let Some((k, boundary)) = boundary {
            props.set_at("PermissionsBoundary", k.span, boundary.clone());
        }
        let origin = self.provider_origin.clone();
        self.push(
            DEFAULT_ROLE_ID.into(),
            "AWS::IAM::Role",
            props.build(),
            span,
            &origin,
        );
    }

    /// The implicit REST API, its stage, access log group, usage plans and API keys.
    fn rest_api(&mut self) {
        let Some(first_event) = self.rest_api else {
            return;
        };
        let origin = self.provider_origin.clone();
        let gateway = self.provider_entry("apiGateway");
        let api_span = gateway.map_or(first_event, |(k, _)| k.span);
        let gateway = gateway.map(|(_, settings)| settings);
        let prefix_name = self.api_name();
        let mut api = Props::new(api_span);
        api.set(
            "Name",
            field(self.provider, "apiName")
                .cloned()
                .unwrap_or(prefix_name),
        );
        let endpoint = self
            .provider_field("endpointType")
            .or_else(|| gateway.and_then(|g| field(g, "endpointType")));
        let endpoint = endpoint.map_or_else(
            || text("EDGE", api_span),
            |node| match node.as_str() {
                Some(kind) => text(&kind.to_ascii_uppercase(), node.span),
                None => node.clone(),
            },
        );
        api.set(
            "EndpointConfiguration",
            entries(
                endpoint.span,
                vec![("Types", seq(vec![endpoint.clone()], endpoint.span))],
            ),
        );
        if let Some(gateway) = gateway {
            for (setting, property) in [
                ("binaryMediaTypes", "BinaryMediaTypes"),
                ("minimumCompressionSize", "MinimumCompressionSize"),
                ("disableDefaultEndpoint", "DisableExecuteApiEndpoint"),
                ("apiKeySourceType", "ApiKeySourceType"),
            ] {
                if let Some((k, value)) = field_entry(gateway, setting) {
                    api.set_at(property, k.span, value.clone());
                }
            }
            if let Some((k, policy)) = field_entry(gateway, "resourcePolicy") {
                api.set_at(
                    "Policy",
                    k.span,
                    entries(
                        policy.span,
                        vec![
                            ("Version", text("2012-10-17", policy.span)),
                            ("Statement", policy.clone()),
                        ],
                    ),
                );
            }
        }
        if let Some(cors) = self.rest_cors.take() {
            api.set("Cors", rest_cors(&cors));
        }
        self.push(
            REST_API_ID.into(),
            "AWS::ApiGateway::RestApi",
            api.build(),
            api_span,
            &origin,
        );

        // Stage settings live under `provider.logs.restApi` and `provider.tracing`.
        let logs = self
            .provider_field("logs")
            .and_then(|logs| field_entry(logs, "restApi"));
        let tracing = self
            .provider_field("tracing")
            .and_then(|tracing| field_entry(tracing, "apiGateway"));
        let stage_span = logs.or(tracing).map_or(self.provider_key, |(k, _)| k.span);
        let stage_name = self.names.stage.clone();
        let mut stage = Props::new(stage_span);
        stage.set("RestApiId", reference(REST_API_ID, None, stage_span));
        stage.set(
            "StageName",
            Node {
                span: stage_span,
                ..stage_name.clone()
            },
        );
        if let Some((k, tracing)) = tracing {
            stage.set_at("TracingEnabled", k.span, tracing.clone());
        }
        if let Some((k, logs)) = logs.filter(|(_, logs)| logs.as_bool() != Some(false)) {
            let setting = |name: &str| field(logs, name);
            let enabled =
                |name: &str| setting(name).is_none_or(|value| value.as_bool() != Some(false));
            if enabled("accessLogging") {
                let destination = reference("ApiGatewayLogGroup", Some("Arn"), logs.span);
                let format = setting("format")
                    .cloned()
                    .unwrap_or_else(|| text(DEFAULT_ACCESS_LOG_FORMAT, logs.span));
                stage.set_at(
                    "AccessLogSetting",
                    k.span,
                    entries(
                        logs.span,
                        vec![("DestinationArn", destination), ("Format", format)],
                    ),
                );
                let mut group = Props::new(k.span);
                group.set(
                    "LogGroupName",
                    self.generated_name("/aws/api-gateway/", k.span),
                );
                if let Some((rk, retention)) = self.provider_entry("logRetentionInDays") {
                    group.set_at("RetentionInDays", rk.span, retention.clone());
                }
                self.push(
                    "ApiGatewayLogGroup".into(),
                    "AWS::Logs::LogGroup",
                    group.build(),
                    k.span,
                    &origin,
                );
            }
            let mut method = Props::new(logs.span);
            method.set("HttpMethod", text("*", logs.span));
            method.set("ResourcePath", text("/*", logs.span));
            if enabled("executionLogging") {
                method.set(
                    "LoggingLevel",
                    setting("level")
                        .cloned()
                        .unwrap_or_else(|| text("INFO", logs.span)),
                );
                method.set(
                    "DataTraceEnabled",
                    setting("fullExecutionData")
                        .cloned()
                        .unwrap_or(Node::new(Value::Bool(true), logs.span)),
                );
            }
            if let Some(metrics) = self
                .provider_field("apiGateway")
                .and_then(|g| field(g, "metrics"))
            {
                method.set("MetricsEnabled", metrics.clone());
            }
            stage.set_at(
                "MethodSettings",
                k.span,
                seq(vec![method.build()], logs.span),
            );
        }
        let stage_id = "ApiGatewayStage".to_string();
        self.push(
            stage_id,
            "AWS::ApiGateway::Stage",
            stage.build(),
            stage_span,
            &origin,
        );
        self.usage_plans(gateway, &stage_name);
    }

    /// `apiGateway.usagePlan` (one plan or a list of named plans) and `apiGateway.apiKeys`.
    /// The Framework creates a plan whenever there are keys.
    fn usage_plans(&mut self, gateway: Option<&Node>, stage_name: &Node) {
        let Some(gateway) = gateway else { return };
        let origin = self.provider_origin.clone();
        let plan_entry = field_entry(gateway, "usagePlan");
        let keys_entry = field_entry(gateway, "apiKeys");
        // (logical ID, plan name after the API's, span, settings)
        let mut plans: Vec<(String, Option<&str>, Span, Option<&Node>)> = Vec::new();
        match plan_entry {
            Some((k, plan)) => match &plan.value {
                Value::Seq(items) => {
                    for item in items {
                        if let Some((name, settings)) =
                            item.as_map().and_then(|map| map.entries.first())
                        {
                            plans.push((
                                format!("ApiGatewayUsagePlan{}", alphanumeric_name(&name.name)),
                                Some(name.name.as_str()),
                                name.span,
                                Some(settings),
                            ));
                        }
                    }
                }
                _ => plans.push(("ApiGatewayUsagePlan".into(), None, k.span, Some(plan))),
            },
            None => {
                if let Some((k, _)) = keys_entry {
                    plans.push(("ApiGatewayUsagePlan".into(), None, k.span, None));
                }
            }
        }
        let api_name = field(self.provider, "apiName")
            .cloned()
            .unwrap_or_else(|| self.api_name());
        for (id, plan_name, span, settings) in plans {
            let mut props = Props::new(span);
            // The Framework names plans after the API: `dev-orders`, `dev-orders-free`.
            let name = match (name_text(&api_name), plan_name) {
                (Some(api), Some(plan)) => text(&format!("{api}-{plan}"), span),
                (Some(api), None) => text(&api, span),
                (None, _) => Node::unknown("the API name is unknown", span),
            };
            props.set("UsagePlanName", name);
            props.set(
                "ApiStages",
                seq(
                    vec![entries(
                        span,
                        vec![
                            ("ApiId", reference(REST_API_ID, None, span)),
                            (
                                "Stage",
                                Node {
                                    span,
                                    ..stage_name.clone()
                                },
                            ),
                        ],
                    )],
                    span,
                ),
            );
            if let Some(settings) = settings {
                if let Some((k, throttle)) = field_entry(settings, "throttle") {
                    let mut limits = Props::new(throttle.span);
                    for (setting, property) in
                        [("burstLimit", "BurstLimit"), ("rateLimit", "RateLimit")]
                    {
                        if let Some(value) = field(throttle, setting) {
                            limits.set(property, value.clone());
                        }
                    }
                    props.set_at("Throttle", k.span, limits.build());
                }
                if let Some((k, quota)) = field_entry(settings, "quota") {
                    let mut limits = Props::new(quota.span);
                    for (setting, property) in [
                        ("limit", "Limit"),
                        ("offset", "Offset"),
                        ("period", "Period"),
                    ] {
                        if let Some(value) = field(quota, setting) {
                            limits.set(property, value.clone());
                        }
                    }
                    props.set_at("Quota", k.span, limits.build());
                }
            }
            self.push(
                id,
                "AWS::ApiGateway::UsagePlan",
                props.build(),
                span,
                &origin,
            );
        }
        if let Some((_, keys)) = keys_entry {
            // A list of keys, or per-plan lists (`- free: [key1]`).
            let mut all = Vec::new();
            for item in keys.items() {
                match item.as_map() {
                    Some(map) if map.get("name").is_none() && map.get("value").is_none() => {
                        for (_, list) in map.iter() {
                            all.extend(list.items().into_iter().cloned());
                        }
                    }
                    _ => all.push(item.clone()),
                }
            }
            for (index, key_node) in all.into_iter().enumerate() {
                let mut props = Props::new(key_node.span);
                props.set(
                    "Enabled",
                    field(&key_node, "enabled")
                        .cloned()
                        .unwrap_or(Node::new(Value::Bool(true), key_node.span)),
                );
                match key_node.as_map() {
                    Some(_) => {
                        for (setting, property) in [
                            ("name", "Name"),
                            ("value", "Value"),
                            ("description", "Description"),
                            ("customerId", "CustomerId"),
                        ] {
                            if let Some((k, value)) = field_entry(&key_node, setting) {
                                props.set_at(property, k.span, value.clone());
                            }
                        }
                    }
                    None => props.set("Name", key_node.clone()),
                }
                props.set(
                    "StageKeys",
                    seq(
                        vec![entries(
                            key_node.span,
                            vec![
                                ("RestApiId", reference(REST_API_ID, None, key_node.span)),
                                (
                                    "StageName",
                                    Node {
                                        span: key_node.span,
                                        ..stage_name.clone()
                                    },
                                ),
                            ],
                        )],
                        key_node.span,
                    ),
                );
                self.push(
                    format!("ApiGatewayApiKey{}", index + 1),
                    "AWS::ApiGateway::ApiKey",
                    props.build(),
                    key_node.span,
                    &origin,
                );
            }
        }
    }

    /// The implicit HTTP API and its `$default` stage.
    fn http_api(&mut self) {
        let Some(first_event) = self.http_api else {
            return;
        };
        let origin = self.provider_origin.clone();
        let settings = self.provider_entry("httpApi");
        let api_span = settings.map_or(first_event, |(k, _)| k.span);
        let settings = settings.map(|(_, settings)| settings);
        let mut api = Props::new(api_span);
        api.set(
            "Name",
            settings
                .and_then(|s| field(s, "name"))
                .cloned()
                .unwrap_or_else(|| self.api_name()),
        );
        api.set("ProtocolType", text("HTTP", api_span));
        if let Some(settings) = settings {
            if let Some((k, cors)) = field_entry(settings, "cors") {
                if let Some(cors) = http_cors(cors) {
                    api.set_at("CorsConfiguration", k.span, cors);
                }
            }
            if let Some((k, disable)) = field_entry(settings, "disableDefaultEndpoint") {
                api.set_at("DisableExecuteApiEndpoint", k.span, disable.clone());
            }
        }
        self.push(
            HTTP_API_ID.into(),
            "AWS::ApiGatewayV2::Api",
            api.build(),
            api_span,
            &origin,
        );

        let logs = self
            .provider_field("logs")
            .and_then(|logs| field_entry(logs, "httpApi"));
        let stage_span = logs.map_or(self.provider_key, |(k, _)| k.span);
        let mut stage = Props::new(stage_span);
        stage.set("ApiId", reference(HTTP_API_ID, None, stage_span));
        stage.set("StageName", text("$default", stage_span));
        stage.set("AutoDeploy", Node::new(Value::Bool(true), stage_span));
        if let Some((k, logs)) = logs.filter(|(_, logs)| logs.as_bool() != Some(false)) {
            let format = field(logs, "format")
                .cloned()
                .unwrap_or_else(|| text(DEFAULT_ACCESS_LOG_FORMAT, logs.span));
            stage.set_at(
                "AccessLogSettings",
                k.span,
                entries(
                    logs.span,
                    vec![
                        (
                            "DestinationArn",
                            reference("HttpApiLogGroup", Some("Arn"), logs.span),
                        ),
                        ("Format", format),
                    ],
                ),
            );
            let mut group = Props::new(k.span);
            group.set(
                "LogGroupName",
                self.generated_name("/aws/http-api/", k.span),
            );
            if let Some((rk, retention)) = self.provider_entry("logRetentionInDays") {
                group.set_at("RetentionInDays", rk.span, retention.clone());
            }
            self.push(
                "HttpApiLogGroup".into(),
                "AWS::Logs::LogGroup",
                group.build(),
                k.span,
                &origin,
            );
        }
        if let Some((k, metrics)) = settings.and_then(|s| field_entry(s, "metrics")) {
            stage.set_at(
                "DefaultRouteSettings",
                k.span,
                entries(
                    metrics.span,
                    vec![("DetailedMetricsEnabled", metrics.clone())],
                ),
            );
        }
        self.push(
            "HttpApiStage".into(),
            "AWS::ApiGatewayV2::Stage",
            stage.build(),
            stage_span,
            &origin,
        );
    }

    /// `<stage>-<service>`, the Framework's API name.
    fn api_name(&self) -> Node {
        match (name_text(&self.names.stage), name_text(&self.names.service)) {
            (Some(stage), Some(service)) => text(&format!("{stage}-{service}"), self.provider_key),
            _ => Node::unknown("the service or stage name is unknown", self.provider_key),
        }
    }

    /// `<prefix><service>-<stage>` (log group names), unknown when a part is.
    fn generated_name(&self, prefix: &str, span: Span) -> Node {
        match self.service_stage() {
            Some(name) => text(&format!("{prefix}{name}"), span),
            None => Node::unknown("the service or stage name is unknown", span),
        }
    }
}

/// True when `provider.iam.role` configures the generated role (statements, managed
/// policies ...) rather than naming an existing one.
fn is_role_configuration(role: &Node) -> bool {
    role.as_map().is_some_and(|map| {
        map.keys().any(|name| {
            matches!(
                name,
                "name"
                    | "path"
                    | "statements"
                    | "managedPolicies"
                    | "permissionsBoundary"
                    | "permissionBoundary"
                    | "tags"
            )
        })
    })
}

/// A function's `role`: an ARN, an intrinsic, or the logical ID of a role in `resources`.
fn role_reference(role: &Node) -> Node {
    match &role.value {
        Value::String(name) if !name.starts_with("arn:") => reference(name, Some("Arn"), role.span),
        _ => role.clone(),
    }
}

/// `"GET /path"` or `{method, path}`.
fn method_and_path(value: &Node, default_method: &str, default_path: &str) -> (String, String) {
    if let Some(text) = value.as_str() {
        let mut parts = text.split_whitespace();
        let method = parts.next().unwrap_or(default_method).to_ascii_uppercase();
        let path = parts.next().unwrap_or(default_path).to_string();
        return (method, path);
    }
    let method = field(value, "method").map_or_else(
        || default_method.to_string(),
        |m| m.display().to_ascii_uppercase(),
    );
    let method = if method == "*" {
        "ANY".to_string()
    } else {
        method
    };
    let path = field(value, "path").map_or_else(|| default_path.to_string(), Node::display);
    (method, path)
}

/// The auth of an `http` event's `authorizer`.
fn rest_auth(authorizer: Option<&Node>) -> RouteAuth {
    let Some(authorizer) = authorizer else {
        return RouteAuth::None;
    };
    if !authorizer.is_known() {
        return RouteAuth::Unknown(authorizer.display());
    }
    match &authorizer.value {
        Value::String(name) => {
            if name.eq_ignore_ascii_case("aws_iam") {
                RouteAuth::Iam
            } else if name.contains(":cognito-idp:") {
                RouteAuth::Cognito(name.clone())
            } else {
                RouteAuth::Custom(name.clone())
            }
        }
        Value::Map(_) => {
            let kind = field(authorizer, "type")
                .map(Node::display)
                .unwrap_or_default();
            let arn = field(authorizer, "arn");
            let name = field(authorizer, "name")
                .map(Node::display)
                .or_else(|| arn.map(Node::display))
                .or_else(|| field(authorizer, "authorizerId").map(Node::display))
                .unwrap_or_else(|| "authorizer".to_string());
            if kind.eq_ignore_ascii_case("aws_iam") {
                RouteAuth::Iam
            } else if kind.eq_ignore_ascii_case("COGNITO_USER_POOLS")
                || arn.is_some_and(|arn| arn.display().contains(":cognito-idp:"))
            {
                RouteAuth::Cognito(name)
            } else if arn.is_some_and(|arn| !arn.is_known()) {
                RouteAuth::Unknown(name)
            } else {
                RouteAuth::Custom(name)
            }
        }
        _ => RouteAuth::Unknown(authorizer.display()),
    }
}

/// The auth of an `httpApi` event's `authorizer`, looked up in `provider.httpApi.authorizers`.
fn http_auth(authorizer: Option<&Node>, authorizers: Option<&Node>) -> RouteAuth {
    let Some(authorizer) = authorizer else {
        return RouteAuth::None;
    };
    if !authorizer.is_known() {
        return RouteAuth::Unknown(authorizer.display());
    }
    let (name, kind) = match &authorizer.value {
        Value::String(name) => (Some(name.clone()), None),
        Value::Map(_) => (
            field(authorizer, "name")
                .or_else(|| field(authorizer, "id"))
                .map(Node::display),
            field(authorizer, "type").map(Node::display),
        ),
        _ => return RouteAuth::Unknown(authorizer.display()),
    };
    if kind
        .as_deref()
        .is_some_and(|kind| kind.eq_ignore_ascii_case("aws_iam"))
    {
        return RouteAuth::Iam;
    }
    let name = name.unwrap_or_else(|| "authorizer".to_string());
    let definition = authorizers.and_then(|all| field(all, &name));
    let defined_kind = definition.and_then(|d| field(d, "type")).map(Node::display);
    match kind
        .or(defined_kind)
        .map(|kind| kind.to_ascii_lowercase())
        .as_deref()
    {
        Some("request") => RouteAuth::Custom(name),
        Some("jwt") => RouteAuth::Jwt(name),
        // The Framework's default authorizer type is JWT (`issuerUrl` + `audience`).
        None if definition.is_some_and(|d| field(d, "issuerUrl").is_some()) => RouteAuth::Jwt(name),
        _ => RouteAuth::Custom(name),
    }
}

/// True when an `http` event's `request` makes API Gateway validate requests: body schemas,
/// or required parameters.
fn requests_validated(request: Option<&Node>) -> bool {
    let Some(request) = request else { return false };
    let schemas = field(request, "schemas").or_else(|| field(request, "schema"));
    if schemas.is_some_and(|schemas| schemas.as_map().is_none_or(|map| !map.is_empty())) {
        return true;
    }
    let Some(parameters) = field(request, "parameters") else {
        return false;
    };
    ["querystrings", "headers", "paths"].iter().any(|group| {
        field(parameters, group)
            .and_then(Node::as_map)
            .is_some_and(|map| {
                map.iter().any(|(_, value)| {
                    is_true(value) || field(value, "required").is_some_and(is_true)
                })
            })
    })
}

/// An `http` event's `cors` as the REST API's CORS (SAM's `Cors` shape, quoted origins).
fn rest_cors(cors: &Node) -> Node {
    let span = cors.span;
    if cors.as_bool() == Some(true) {
        return entries(span, vec![("AllowOrigin", text("'*'", span))]);
    }
    let origins = field(cors, "origin").or_else(|| field(cors, "origins"));
    let origin = match origins {
        Some(origins) => {
            let list: Vec<String> = origins.items().into_iter().map(Node::display).collect();
            text(&format!("'{}'", list.join(",")), origins.span)
        }
        None => text("'*'", span),
    };
    let mut props = vec![("AllowOrigin", origin)];
    if let Some(credentials) = field(cors, "allowCredentials") {
        props.push(("AllowCredentials", credentials.clone()));
    }
    entries(span, props)
}

/// A function URL's `cors`: `true` allows every origin.
fn url_cors(cors: &Node) -> Option<Node> {
    let span = cors.span;
    if cors.as_bool() == Some(false) {
        return None;
    }
    if cors.as_bool() == Some(true) {
        return Some(entries(
            span,
            vec![
                ("AllowOrigins", seq(vec![text("*", span)], span)),
                (
                    "AllowHeaders",
                    seq(
                        DEFAULT_CORS_HEADERS.iter().map(|h| text(h, span)).collect(),
                        span,
                    ),
                ),
                ("AllowMethods", seq(vec![text("*", span)], span)),
            ],
        ));
    }
    if !cors.is_known() || cors.as_map().is_none() {
        return Some(cors.clone());
    }
    let mut props = Props::new(span);
    for (setting, property) in [
        ("allowedOrigins", "AllowOrigins"),
        ("allowedHeaders", "AllowHeaders"),
        ("allowedMethods", "AllowMethods"),
        ("allowCredentials", "AllowCredentials"),
        ("exposedResponseHeaders", "ExposeHeaders"),
        ("maxAge", "MaxAge"),
    ] {
        if let Some((k, value)) = field_entry(cors, setting) {
            props.set_at(property, k.span, value.clone());
        }
    }
    if field(cors, "allowedOrigins").is_none() {
        props.set("AllowOrigins", seq(vec![text("*", span)], span));
    }
    Some(props.build())
}

/// `provider.httpApi.cors` as `CorsConfiguration`.
fn http_cors(cors: &Node) -> Option<Node> {
    url_cors(cors)
}
