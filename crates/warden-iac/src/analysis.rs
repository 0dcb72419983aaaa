//! Cross-resource views that rules need: each function with its effective permissions,
//! triggers, URL and log group; each API route with its effective authorization.

use warden_diagnostics::Span;

use crate::model::{Origin, Resource, Template};
use crate::node::{Node, Value};
use crate::policy::{self, Statement};

#[derive(Debug, Default)]
pub struct Analysis {
    pub functions: Vec<FunctionInfo>,
    pub routes: Vec<Route>,
}

/// A Lambda function and what surrounds it.
#[derive(Debug)]
pub struct FunctionInfo {
    /// Index of the `AWS::Lambda::Function` in [`Template::resources`].
    pub resource: usize,
    pub role: RoleBinding,
    pub permissions: Permissions,
    pub triggers: Vec<Trigger>,
    /// Index of its `AWS::Lambda::Url`, if any.
    pub url: Option<usize>,
    /// Index of the `AWS::Logs::LogGroup` that receives its logs, if the stack declares one.
    pub log_group: Option<usize>,
    /// Index of its `AWS::Lambda::EventInvokeConfig`, if any.
    pub event_invoke_config: Option<usize>,
}

/// How a function's execution role is given.
#[derive(Clone, Debug, PartialEq)]
pub enum RoleBinding {
    /// An `AWS::IAM::Role` in the same stack (index into resources).
    Resource(usize),
    /// An ARN or name of a role defined elsewhere.
    External(String),
    /// The role cannot be known (an import, a parameter without default).
    Unknown,
    /// No role at all (only possible in broken templates).
    Missing,
}

/// The union of everything the execution role allows.
#[derive(Debug, Default)]
pub struct Permissions {
    pub statements: Vec<Statement>,
    /// False when some policy could not be read (external role, unknown managed policy ARN):
    /// "the function lacks X" must not be concluded then.
    pub complete: bool,
    /// True when every statement's actions are known, even if some resource or condition
    /// is not (a log group ARN built from `${AWS::Region}`): "what may it do" is then known.
    pub actions_known: bool,
    /// Managed policies attached, by name, with where they are attached.
    pub managed: Vec<(String, Span)>,
}

impl Permissions {
    /// A policy could not be read at all: neither its actions nor its targets are known.
    fn forget_some(&mut self) {
        self.complete = false;
        self.actions_known = false;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    RestApi,
    HttpApi,
    FunctionUrl,
    S3,
    Sns,
    Sqs,
    Kinesis,
    DynamoDb,
    Schedule,
    EventBridge,
    CloudWatchLogs,
    Cognito,
    Iot,
    Kafka,
    Mq,
    Other,
}

impl TriggerKind {
    /// True when Lambda is invoked asynchronously (retries, then drops or sends to a DLQ).
    pub fn is_async(self) -> bool {
        matches!(
            self,
            TriggerKind::S3
                | TriggerKind::Sns
                | TriggerKind::Schedule
                | TriggerKind::EventBridge
                | TriggerKind::CloudWatchLogs
                | TriggerKind::Iot
        )
    }

    /// True for stream and queue sources read by an event source mapping.
    pub fn is_poll_based(self) -> bool {
        matches!(
            self,
            TriggerKind::Sqs
                | TriggerKind::Kinesis
                | TriggerKind::DynamoDb
                | TriggerKind::Kafka
                | TriggerKind::Mq
        )
    }

    pub fn is_api(self) -> bool {
        matches!(self, TriggerKind::RestApi | TriggerKind::HttpApi)
    }
}

#[derive(Clone, Debug)]
pub struct Trigger {
    pub kind: TriggerKind,
    /// Where the trigger is declared.
    pub span: Span,
    /// The resource that declares it (mapping, permission, subscription, route ...).
    pub declared_by: Option<usize>,
    /// The source resource (queue, stream, table, topic), when in the stack.
    pub source: Option<usize>,
    /// For API triggers: the integration timeout.
    pub integration_timeout: IntegrationTimeout,
}

/// An API integration's timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrationTimeout {
    /// Not set: API Gateway's default (29 s for REST, 30 s for HTTP APIs).
    Default,
    Millis(i64),
    /// Set to a value the scanner cannot know.
    Unknown,
}

impl IntegrationTimeout {
    /// Reads `TimeoutInMillis` / `timeoutInMillis`.
    pub fn from_node(node: Option<&Node>) -> Self {
        match node {
            None => IntegrationTimeout::Default,
            Some(node) => node
                .as_i64()
                .map_or(IntegrationTimeout::Unknown, IntegrationTimeout::Millis),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiKind {
    Rest,
    Http,
    /// An API Gateway v2 WebSocket API: only `$connect` carries an authorizer; the other
    /// routes of a connection inherit what `$connect` decided.
    WebSocket,
}

/// The effective authorization of a route.
#[derive(Clone, Debug, PartialEq)]
pub enum RouteAuth {
    None,
    Iam,
    Cognito(String),
    /// A Lambda (custom/request/token) authorizer.
    Custom(String),
    Jwt(String),
    /// The route's auth depends on something unknown.
    Unknown(String),
}

/// One method on one path of an API.
#[derive(Clone, Debug)]
pub struct Route {
    /// Logical ID of the API (e.g. `ServerlessRestApi`).
    pub api: String,
    pub kind: ApiKind,
    pub method: String,
    pub path: String,
    pub auth: RouteAuth,
    /// REST APIs only: an API key is required (a key is not authentication, but a gate).
    pub api_key_required: bool,
    /// REST APIs only: `Some(true)` when a request validator applies, `None` if unknown.
    pub request_validation: Option<bool>,
    /// Where the route is declared (the event, the method resource, the OpenAPI operation).
    pub span: Span,
    /// What the user wrote: the function with the event, the method, the API.
    pub origin: Origin,
    /// Logical ID of the function it invokes, when known.
    pub function: Option<String>,
    pub integration_timeout: IntegrationTimeout,
}

impl Route {
    /// The route as users write it: `GET /items`, or a key such as `$connect` or
    /// `$default` as written.
    pub fn key(&self) -> String {
        if self.path.is_empty() {
            self.method.clone()
        } else {
            format!("{} {}", self.method, self.path)
        }
    }

    /// CORS preflight routes are legitimately open.
    pub fn is_preflight(&self) -> bool {
        self.method.eq_ignore_ascii_case("OPTIONS")
    }
}

impl FunctionInfo {
    pub fn resource<'t>(&self, template: &'t Template) -> &'t Resource {
        &template.resources[self.resource]
    }

    pub fn is_async(&self) -> bool {
        self.triggers.iter().any(|trigger| trigger.kind.is_async())
    }

    /// True when anyone on the internet can invoke it without credentials: a URL with
    /// `AuthType: NONE` or an API route without authorization.
    pub fn is_publicly_invocable(&self, template: &Template) -> bool {
        let url_public = self.url.is_some_and(|url| {
            template.resources[url]
                .prop("AuthType")
                .and_then(Node::as_str)
                .is_some_and(|auth| auth.eq_ignore_ascii_case("NONE"))
        });
        let id = &self.resource(template).id;
        url_public
            || template.analysis.routes.iter().any(|route| {
                route.function.as_deref() == Some(id.as_str())
                    && route.auth == RouteAuth::None
                    && !route.api_key_required
                    && !route.is_preflight()
            })
    }
}

/// Builds the views for a template whose resources are final.
pub fn analyse(template: &mut Template, routes: Vec<Route>) {
    let mut routes = routes;
    routes.extend(crate::routes::declared_routes(template));
    crate::routes::authorize_websocket_routes(&mut routes);
    template.analysis.routes = routes;
    let functions = template
        .resources
        .iter()
        .enumerate()
        .filter(|(_, resource)| resource.resource_type == "AWS::Lambda::Function")
        .map(|(index, _)| function_info(template, index))
        .collect();
    template.analysis.functions = functions;
}

fn function_info(template: &Template, index: usize) -> FunctionInfo {
    let function = &template.resources[index];
    let role = match function.prop("Role") {
        None => RoleBinding::Missing,
        Some(node) => match &node.value {
            Value::ResourceRef { logical_id, .. } => template
                .resources
                .iter()
                .position(|r| &r.id == logical_id && r.resource_type == "AWS::IAM::Role")
                .map_or(RoleBinding::Unknown, RoleBinding::Resource),
            Value::String(text) => RoleBinding::External(text.clone()),
            _ => RoleBinding::Unknown,
        },
    };
    let permissions = match role {
        RoleBinding::Resource(role) => role_permissions(template, role),
        _ => Permissions::default(),
    };
    let refers_to_function = |node: &Node| refers_to(node, &function.id);
    let url = template.resources.iter().position(|r| {
        r.resource_type == "AWS::Lambda::Url"
            && r.prop("TargetFunctionArn").is_some_and(refers_to_function)
    });
    let event_invoke_config = template.resources.iter().position(|r| {
        r.resource_type == "AWS::Lambda::EventInvokeConfig"
            && r.prop("FunctionName").is_some_and(refers_to_function)
    });
    let log_group = find_log_group(template, function);
    let mut triggers = crate::routes::triggers(template, function);
    if let Some(url) = url {
        triggers.push(Trigger {
            kind: TriggerKind::FunctionUrl,
            span: template.resources[url].span,
            declared_by: Some(url),
            source: None,
            integration_timeout: IntegrationTimeout::Default,
        });
    }
    for route in &template.analysis.routes {
        if route.function.as_deref() == Some(function.id.as_str()) {
            triggers.push(Trigger {
                kind: match route.kind {
                    ApiKind::Rest => TriggerKind::RestApi,
                    ApiKind::Http | ApiKind::WebSocket => TriggerKind::HttpApi,
                },
                span: route.span,
                declared_by: None,
                source: None,
                integration_timeout: route.integration_timeout,
            });
        }
    }
    FunctionInfo {
        resource: index,
        role,
        permissions,
        triggers,
        url,
        log_group,
        event_invoke_config,
    }
}

/// True when `node` is a reference to resource `id` (`Ref`, `GetAtt`, or a `Sub`/`Join`
/// whose text names it).
pub fn refers_to(node: &Node, id: &str) -> bool {
    node.alternatives()
        .into_iter()
        .any(|node| match &node.value {
            Value::ResourceRef { logical_id, .. } => logical_id == id,
            Value::Unknown {
                partial: Some(partial),
                ..
            } => partial.contains(&format!("${{{id}}}")) || partial.contains(&format!("${{{id}.")),
            Value::String(text) => text == id,
            _ => false,
        })
}

fn find_log_group(template: &Template, function: &Resource) -> Option<usize> {
    let explicit = function.prop("LoggingConfig.LogGroup");
    let function_name = function.prop("FunctionName").and_then(Node::as_str);
    template.resources.iter().position(|r| {
        if r.resource_type != "AWS::Logs::LogGroup" {
            return false;
        }
        if explicit.is_some_and(|explicit| explicit.resource_ref() == Some(r.id.as_str())) {
            return true;
        }
        let Some(name) = r.prop("LogGroupName") else {
            return false;
        };
        if let Some(explicit) = explicit {
            if let (Some(a), Some(b)) = (explicit.as_str(), name.as_str()) {
                return a == b;
            }
            if explicit.resource_ref() == Some(r.id.as_str()) {
                return true;
            }
        }
        let rendered = name.display();
        rendered == format!("/aws/lambda/${{{}}}", function.id)
            || function_name.is_some_and(|fname| rendered == format!("/aws/lambda/{fname}"))
    })
}

fn role_permissions(template: &Template, role_index: usize) -> Permissions {
    let role = &template.resources[role_index];
    let mut permissions = Permissions {
        complete: true,
        actions_known: true,
        ..Permissions::default()
    };
    if let Some(policies) = role.prop("Policies") {
        for policy in policies.items() {
            let name = policy
                .get("PolicyName")
                .map(Node::display)
                .unwrap_or_else(|| format!("{} inline policy", role.origin.id));
            match policy.get("PolicyDocument") {
                Some(document) => add_document(&mut permissions, document, &name),
                None => permissions.forget_some(),
            }
        }
    }
    if let Some(managed) = role.prop("ManagedPolicyArns") {
        for arn in managed.items() {
            add_managed(template, arn, &mut permissions);
        }
    }
    // Policies attached from the outside: AWS::IAM::Policy / ManagedPolicy with `Roles`.
    for resource in &template.resources {
        let attached = matches!(
            resource.resource_type.as_str(),
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" | "AWS::IAM::RolePolicy"
        ) && (resource
            .prop("Roles")
            .is_some_and(|roles| roles.items().iter().any(|r| refers_to(r, &role.id)))
            || resource
                .prop("RoleName")
                .is_some_and(|r| refers_to(r, &role.id)));
        if attached {
            match resource.prop("PolicyDocument") {
                Some(document) => {
                    let name = resource
                        .prop("PolicyName")
                        .map(Node::display)
                        .unwrap_or_else(|| resource.origin.id.clone());
                    add_document(&mut permissions, document, &name);
                }
                None => permissions.forget_some(),
            }
        }
    }
    permissions
}

/// Adds a policy document's statements; one that is not entirely known (an unread file, a
/// reference) or that cannot be read as a policy makes the permissions incomplete.
fn add_document(permissions: &mut Permissions, document: &Node, name: &str) {
    let statements = policy::statements(document, name);
    let readable = document.is_fully_known()
        && document.alternatives().into_iter().all(|alternative| {
            alternative.get("Statement").is_some()
                || matches!(&alternative.value, Value::String(text)
                    if serde_json::from_str::<serde_json::Value>(text)
                        .is_ok_and(|json| json.get("Statement").is_some()))
        });
    if !readable {
        permissions.complete = false;
        let actions_readable = document.alternatives().into_iter().all(|alternative| {
            alternative.get("Statement").is_some_and(|statements| {
                statements.items().iter().all(|statement| {
                    ["Effect", "Action", "NotAction"]
                        .iter()
                        .all(|key| statement.get(key).is_none_or(Node::is_fully_known))
                })
            })
        });
        if !actions_readable {
            permissions.actions_known = false;
        }
    }
    permissions.statements.extend(statements);
}

fn add_managed(template: &Template, arn: &Node, permissions: &mut Permissions) {
    if let Some(resource) = template.referenced(arn) {
        if resource.resource_type == "AWS::IAM::ManagedPolicy" {
            match resource.prop("PolicyDocument") {
                Some(document) => add_document(permissions, document, &resource.origin.id),
                None => permissions.forget_some(),
            }
            return;
        }
    }
    match arn.as_str().and_then(policy::managed_policy) {
        Some(managed) => {
            permissions.managed.push((managed.name.clone(), arn.span));
            permissions
                .statements
                .extend(policy::managed_policy_statements(managed, arn.span));
        }
        None => {
            if let Some(text) = arn.as_str() {
                let name = text.rsplit('/').next().unwrap_or(text).to_string();
                permissions.managed.push((name, arn.span));
            }
            permissions.forget_some();
        }
    }
}
