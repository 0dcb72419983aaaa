//! Views shared by the API rules: REST stages (declared by `AWS::ApiGateway::Stage` or by a
//! `AWS::ApiGateway::Deployment` with `StageName`), their method settings, and HTTP stages.

use warden_diagnostics::Span;
use warden_iac::{ApiKind, Node, Resource, Route, Template, Value};

/// A REST API stage and where its settings are written.
pub(super) struct RestStage<'t> {
    pub resource: &'t Resource,
    /// The stage properties: the `Stage` itself, or the deployment's `StageDescription`
    /// (`None` when the deployment has none).
    pub settings: Option<&'t Node>,
    /// True for a stage declared by a deployment: `StageDescription` also takes stage-wide
    /// method settings (`LoggingLevel`, `ThrottlingRateLimit` ...) at its top level.
    pub from_deployment: bool,
    pub name: String,
    /// Logical ID of the API.
    pub api: String,
    /// The API as the user names it, for messages (see [`api_label`]).
    pub api_label: String,
}

impl<'t> RestStage<'t> {
    pub fn get(&self, name: &str) -> Option<&'t Node> {
        self.settings.and_then(|settings| settings.get(name))
    }

    /// The span of a setting's key (`AccessLogSetting:`), else of its value (SAM expansion
    /// gives generated keys the span of the resource).
    pub fn key_span(&self, name: &str) -> Option<Span> {
        let (key, value) = self.settings?.as_map()?.get_entry(name)?;
        Some(if key.span == self.resource.span {
            value.span
        } else {
            key.span
        })
    }

    /// Where a finding about a missing setting points.
    pub fn span(&self) -> Span {
        self.resource.span
    }

    /// `stage `Prod` of API `Orders``, for messages.
    pub fn label(&self) -> String {
        format!("stage `{}` of API `{}`", self.name, self.api_label)
    }

    /// Every method setting: the `MethodSettings` entries, and the stage-wide settings at the
    /// top of a deployment's `StageDescription`.
    pub fn method_settings(&self) -> Vec<&'t Node> {
        let mut out: Vec<&Node> = self
            .get("MethodSettings")
            .map(Node::items)
            .unwrap_or_default();
        if self.from_deployment {
            out.extend(self.settings);
        }
        out
    }

    /// Method settings that apply to every method (`HttpMethod: "*"`, `ResourcePath: "/*"`).
    pub fn stage_wide_settings(&self) -> Vec<&'t Node> {
        let mut out: Vec<&Node> = self
            .get("MethodSettings")
            .map(Node::items)
            .unwrap_or_default()
            .into_iter()
            .filter(|setting| is_stage_wide(setting))
            .collect();
        if self.from_deployment {
            out.extend(self.settings);
        }
        out
    }
}

/// True when a method setting covers all methods. Missing or unknown selectors count as
/// wildcards, so that a stage is never reported on a guess.
fn is_stage_wide(setting: &Node) -> bool {
    let matches = |name: &str, wildcards: &[&str]| match setting.get(name) {
        None => true,
        Some(node) => node.alternatives().iter().any(|value| {
            value
                .as_str()
                .is_none_or(|text| wildcards.contains(&text.trim()))
        }),
    };
    matches("HttpMethod", &["*"]) && matches("ResourcePath", &["/*", "*", "~1*"])
}

/// The REST stages of a template.
pub(super) fn rest_stages(template: &Template) -> Vec<RestStage<'_>> {
    let mut out = Vec::new();
    for resource in &template.resources {
        match resource.resource_type.as_str() {
            "AWS::ApiGateway::Stage" => out.push(RestStage {
                resource,
                settings: Some(&resource.properties),
                from_deployment: false,
                name: resource
                    .prop("StageName")
                    .map_or_else(|| "?".to_string(), Node::display),
                api: api_name(resource.prop("RestApiId")),
                api_label: api_label(template, &api_name(resource.prop("RestApiId"))),
            }),
            "AWS::ApiGateway::Deployment" => {
                let Some(stage_name) = resource.prop("StageName") else {
                    continue;
                };
                out.push(RestStage {
                    resource,
                    settings: resource.prop("StageDescription"),
                    from_deployment: true,
                    name: stage_name.display(),
                    api: api_name(resource.prop("RestApiId")),
                    api_label: api_label(template, &api_name(resource.prop("RestApiId"))),
                });
            }
            _ => {}
        }
    }
    out
}

/// The logical ID of a referenced API, or the value as written.
pub(super) fn api_name(node: Option<&Node>) -> String {
    node.map_or_else(
        || "?".to_string(),
        |node| {
            node.resource_ref()
                .map_or_else(|| node.display(), str::to_string)
        },
    )
}

/// An API (or another resource) as the user names it, for messages: its logical ID or
/// Terraform address; for what the Serverless Framework creates from `provider` settings,
/// its name (`dev-orders`) when known, else `provider`.
pub(super) fn resource_label(resource: &Resource) -> String {
    if resource.origin.resource_type == "Serverless::Provider" {
        let name = resource
            .prop("Name")
            .or_else(|| resource.prop("UsagePlanName"));
        if let Some(name) = name.and_then(Node::as_str) {
            return name.to_string();
        }
    }
    resource.origin.id.clone()
}

/// The API of logical ID `id` as the user names it (see [`resource_label`]).
pub(super) fn api_label(template: &Template, id: &str) -> String {
    match template.resource(id) {
        Some(resource) => resource_label(resource),
        // An API of another stack (`Fn::ImportValue`) renders as a value, not a name.
        None if id.starts_with('{') || id.starts_with('<') => {
            "imported from another stack".to_string()
        }
        None => id.to_string(),
    }
}

/// The span of a property's key (`AccessLogSettings:`), else of its value (SAM expansion
/// gives generated keys the span of the resource).
pub(super) fn prop_key_span(resource: &Resource, name: &str) -> Option<Span> {
    let (key, value) = resource.props().get_entry(name)?;
    Some(if key.span == resource.span {
        value.span
    } else {
        key.span
    })
}

/// `stage `$default` of HTTP API `Api``, for messages.
pub(super) fn http_stage_label(template: &Template, stage: &Resource) -> String {
    let api = api_name(stage.prop("ApiId"));
    let websocket = template
        .resource(&api)
        .and_then(|api| api.prop("ProtocolType"))
        .and_then(Node::as_str)
        .is_some_and(|protocol| protocol.eq_ignore_ascii_case("WEBSOCKET"));
    format!(
        "stage `{}` of {} `{}`",
        stage
            .prop("StageName")
            .map_or_else(|| "?".to_string(), Node::display),
        if websocket {
            "WebSocket API"
        } else {
            "HTTP API"
        },
        api_label(template, &api)
    )
}

/// `GET /items` of API `Orders`, for messages.
pub(super) fn route_label(template: &Template, route: &Route) -> String {
    let kind = match route.kind {
        ApiKind::Rest => "API",
        ApiKind::Http => "HTTP API",
        ApiKind::WebSocket => "WebSocket API",
    };
    format!(
        "route `{}` of {kind} `{}`",
        route.key(),
        api_label(template, &route.api)
    )
}

/// True when some possible value is literally `true`.
pub(super) fn is_true(node: &Node) -> bool {
    node.alternatives()
        .iter()
        .any(|value| value.as_bool() == Some(true))
}

/// True when some possible value is literally `false`.
pub(super) fn is_false(node: &Node) -> bool {
    node.alternatives()
        .iter()
        .any(|value| value.as_bool() == Some(false))
}

/// The endpoint types of a REST API (`EDGE`, `REGIONAL`, `PRIVATE`), upper-cased, each with
/// the node that sets it: CloudFormation's `EndpointConfiguration.Types`, or SAM's
/// `EndpointConfiguration` as a string or `{Type: ...}`. An empty list means the default
/// (`EDGE`); `None` when some value cannot be known.
pub(super) fn endpoint_types(api: &Resource) -> Option<Vec<(String, &Node)>> {
    let Some(config) = api.prop("EndpointConfiguration") else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for config in config.alternatives() {
        let values = match config.as_str() {
            Some(_) => vec![config],
            None => match config.get("Types").or_else(|| config.get("Type")) {
                Some(types) => types.items(),
                None if config.is_known() => Vec::new(),
                None => return None,
            },
        };
        for value in values {
            out.push((value.as_str()?.to_ascii_uppercase(), value));
        }
    }
    Some(out)
}

/// True when a REST API is known to be public (not `PRIVATE`).
pub(super) fn is_public_rest_api(api: &Resource) -> bool {
    endpoint_types(api).is_some_and(|types| types.iter().all(|(kind, _)| kind != "PRIVATE"))
}

/// An API whose CORS configuration allows every origin.
pub(super) struct CorsWildcard<'t> {
    pub api: &'t Resource,
    /// The `*` origin (or SAM's `CorsConfiguration: true`).
    pub span: Span,
    /// "API" or "HTTP API", for messages.
    pub kind: &'static str,
    /// True when credentials are allowed as well.
    pub credentials: bool,
}

/// True for a CORS origin that allows every origin (`*`, or SAM's quoted `'*'`).
fn is_wildcard_origin(origin: &Node) -> bool {
    origin
        .as_str()
        .is_some_and(|text| text.trim().trim_matches('\'').trim() == "*")
}

/// Every API CORS configuration with a wildcard origin: SAM `Cors: "'*'"` or
/// `Cors.AllowOrigin: "'*'"` on REST APIs, `CorsConfiguration` whose `AllowOrigins` holds
/// `*` (or is `true`) on HTTP APIs.
pub(super) fn cors_wildcards(template: &Template) -> Vec<CorsWildcard<'_>> {
    let mut out = Vec::new();
    for api in template.resources_of_type("AWS::ApiGateway::RestApi") {
        let Some(cors) = api.prop("Cors") else {
            continue;
        };
        for cors in cors.alternatives() {
            let (origin, credentials) = match &cors.value {
                Value::String(_) => (Some(cors), false),
                Value::Map(map) => (
                    map.get("AllowOrigin"),
                    map.get("AllowCredentials").is_some_and(is_true),
                ),
                _ => continue,
            };
            for origin in origin.map(Node::alternatives).unwrap_or_default() {
                if is_wildcard_origin(origin) {
                    out.push(CorsWildcard {
                        api,
                        span: origin.span,
                        kind: "API",
                        credentials,
                    });
                }
            }
        }
    }
    for api in template.resources_of_type("AWS::ApiGatewayV2::Api") {
        let Some(cors) = api.prop("CorsConfiguration") else {
            continue;
        };
        for cors in cors.alternatives() {
            match &cors.value {
                // SAM `CorsConfiguration: true` allows every origin.
                Value::Bool(true) => out.push(CorsWildcard {
                    api,
                    span: cors.span,
                    kind: "HTTP API",
                    credentials: false,
                }),
                Value::Map(map) => {
                    let credentials = map.get("AllowCredentials").is_some_and(is_true);
                    for origin in map.get("AllowOrigins").map(Node::items).unwrap_or_default() {
                        if is_wildcard_origin(origin) {
                            out.push(CorsWildcard {
                                api,
                                span: origin.span,
                                kind: "HTTP API",
                                credentials,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}
