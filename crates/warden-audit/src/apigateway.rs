//! API Gateway REST APIs: resources and methods (authorization, API key, request validator,
//! integration), authorizers, request validators, stages (logging, tracing, throttling,
//! caching, access logs) and their WAF web ACL; and the region's custom domain names (TLS
//! security policy, endpoint type).

use aws_sdk_apigateway::types::{Method, Resource, RestApi, Stage};
use aws_sdk_apigateway::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{arn_ref, policy_json, LiveResource, StackTag};

pub(crate) async fn read_rest_apis(
    client: Client,
    region: &str,
    calls: &Calls,
) -> Vec<LiveResource> {
    let client = &client;
    let mut apis = Vec::new();
    let mut position = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "REST API lists",
                client
                    .get_rest_apis()
                    .limit(500)
                    .set_position(position.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        apis.extend(page.items().iter().cloned());
        match page.position() {
            Some(next) if !next.is_empty() => position = Some(next.to_string()),
            _ => break,
        }
    }
    let (read, domains) = tokio::join!(
        futures::future::join_all(
            apis.iter()
                .map(|api| read_rest_api(client, region, calls, api)),
        ),
        read_domain_names(client, region, calls),
    );
    let mut resources: Vec<LiveResource> = read.into_iter().flatten().collect();
    resources.extend(domains);
    resources
}

/// Custom domain names (shared by REST APIs and, in the v1 API, listed with them).
async fn read_domain_names(client: &Client, region: &str, calls: &Calls) -> Vec<LiveResource> {
    let mut resources = Vec::new();
    let mut position = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "domain name lists",
                client
                    .get_domain_names()
                    .limit(500)
                    .set_position(position.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        for domain in page.items() {
            let Some(name) = domain.domain_name() else {
                continue;
            };
            let mut properties = Map::new();
            properties.insert("DomainName".into(), json!(name));
            if let Some(policy) = domain.security_policy() {
                properties.insert("SecurityPolicy".into(), json!(policy.as_str()));
            }
            if let Some(configuration) = domain.endpoint_configuration() {
                let types: Vec<&str> = configuration.types().iter().map(|t| t.as_str()).collect();
                properties.insert("EndpointConfiguration".into(), json!({ "Types": types }));
            }
            if let Some(certificate) = domain.regional_certificate_arn() {
                properties.insert("RegionalCertificateArn".into(), json!(certificate));
            }
            if let Some(certificate) = domain.certificate_arn() {
                properties.insert("CertificateArn".into(), json!(certificate));
            }
            let stack = domain.tags().and_then(|tags| {
                StackTag::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            });
            resources.push(LiveResource {
                name: name.to_string(),
                resource_type: "AWS::ApiGateway::DomainName",
                arn: domain.domain_name_arn().map_or_else(
                    || format!("arn:aws:apigateway:{region}::/domainnames/{name}"),
                    str::to_string,
                ),
                region: region.to_string(),
                stack,
                parent: None,
                properties: Value::Object(properties),
            });
        }
        match page.position() {
            Some(next) if !next.is_empty() => position = Some(next.to_string()),
            _ => break,
        }
    }
    resources
}

/// Every page of an API's authorizers.
async fn list_authorizers(
    client: &Client,
    region: &str,
    calls: &Calls,
    api_id: &str,
) -> Vec<aws_sdk_apigateway::types::Authorizer> {
    let mut items = Vec::new();
    let mut position = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "REST APIs",
                client
                    .get_authorizers()
                    .rest_api_id(api_id)
                    .limit(500)
                    .set_position(position.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        items.extend(page.items().iter().cloned());
        match page.position() {
            Some(next) if !next.is_empty() => position = Some(next.to_string()),
            _ => break,
        }
    }
    items
}

async fn read_rest_api(
    client: &Client,
    region: &str,
    calls: &Calls,
    api: &RestApi,
) -> Vec<LiveResource> {
    let Some(id) = api.id() else {
        return Vec::new();
    };
    let api_arn = format!("arn:aws:apigateway:{region}::/restapis/{id}");
    let (paths, validators, stages, authorizers) = tokio::join!(
        list_resources(client, region, calls, id),
        calls.run(
            "apigateway:GET",
            region,
            "REST APIs",
            client
                .get_request_validators()
                .rest_api_id(id)
                .limit(500)
                .send()
        ),
        calls.run(
            "apigateway:GET",
            region,
            "REST APIs",
            client.get_stages().rest_api_id(id).send()
        ),
        list_authorizers(client, region, calls, id),
    );
    let name = api.name().unwrap_or(id);
    let stack = api
        .tags()
        .and_then(|tags| StackTag::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
    let mut properties = Map::new();
    properties.insert("Name".into(), json!(name));
    if let Some(configuration) = api.endpoint_configuration() {
        let types: Vec<&str> = configuration.types().iter().map(|t| t.as_str()).collect();
        properties.insert("EndpointConfiguration".into(), json!({ "Types": types }));
    }
    // The policy comes back as JSON text with its quotes escaped.
    if let Some(policy) = api
        .policy()
        .and_then(|text| policy_json(text).or_else(|| policy_json(&text.replace("\\\"", "\""))))
    {
        properties.insert("Policy".into(), policy);
    }
    if api.disable_execute_api_endpoint() {
        properties.insert("DisableExecuteApiEndpoint".into(), json!(true));
    }
    let mut resources = vec![LiveResource {
        name: name.to_string(),
        resource_type: "AWS::ApiGateway::RestApi",
        arn: api_arn.clone(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    }];
    let child =
        |kind: &str, child_id: &str, resource_type: &'static str, properties: Value| LiveResource {
            name: format!("{name}-{kind}-{child_id}"),
            resource_type,
            arn: format!("{api_arn}/{kind}s/{child_id}"),
            region: region.to_string(),
            stack: None,
            parent: Some(api_arn.clone()),
            properties,
        };
    for authorizer in &authorizers {
        let Some(authorizer_id) = authorizer.id() else {
            continue;
        };
        let mut properties = Map::new();
        properties.insert("RestApiId".into(), arn_ref(&api_arn));
        if let Some(name) = authorizer.name() {
            properties.insert("Name".into(), json!(name));
        }
        if let Some(kind) = authorizer.r#type() {
            properties.insert("Type".into(), json!(kind.as_str()));
        }
        if let Some(uri) = authorizer.authorizer_uri() {
            properties.insert("AuthorizerUri".into(), crate::integration_target(uri));
        }
        if let Some(source) = authorizer.identity_source() {
            properties.insert("IdentitySource".into(), json!(source));
        }
        if !authorizer.provider_arns().is_empty() {
            properties.insert("ProviderARNs".into(), json!(authorizer.provider_arns()));
        }
        if let Some(ttl) = authorizer.authorizer_result_ttl_in_seconds() {
            properties.insert("AuthorizerResultTtlInSeconds".into(), json!(ttl));
        }
        resources.push(child(
            "authorizer",
            authorizer_id,
            "AWS::ApiGateway::Authorizer",
            Value::Object(properties),
        ));
    }
    for validator in validators.found().iter().flat_map(|page| page.items()) {
        let Some(validator_id) = validator.id() else {
            continue;
        };
        resources.push(child(
            "requestvalidator",
            validator_id,
            "AWS::ApiGateway::RequestValidator",
            json!({
                "RestApiId": arn_ref(&api_arn),
                "ValidateRequestBody": validator.validate_request_body(),
                "ValidateRequestParameters": validator.validate_request_parameters(),
            }),
        ));
    }
    for path in &paths {
        let Some(resource_id) = path.id() else {
            continue;
        };
        let resource_arn = format!("{api_arn}/resources/{resource_id}");
        // The root (`/`) is not a resource in a template: methods on it name the API's root.
        if let Some(part) = path.path_part() {
            let parent = path
                .parent_id()
                .map(|parent| arn_ref(&format!("{api_arn}/resources/{parent}")))
                .unwrap_or(Value::Null);
            resources.push(child(
                "resource",
                resource_id,
                "AWS::ApiGateway::Resource",
                json!({ "RestApiId": arn_ref(&api_arn), "ParentId": parent, "PathPart": part }),
            ));
        }
        let mut methods: Vec<(&String, &Method)> =
            path.resource_methods().into_iter().flatten().collect();
        methods.sort_by_key(|(verb, _)| verb.as_str());
        for (verb, method) in methods {
            resources.push(child(
                "method",
                &format!("{resource_id}-{verb}"),
                "AWS::ApiGateway::Method",
                method_properties(&api_arn, &resource_arn, path, verb, method),
            ));
        }
    }
    for stage in stages.found().iter().flat_map(|page| page.item()) {
        let Some(stage_name) = stage.stage_name() else {
            continue;
        };
        let stage_arn = format!("{api_arn}/stages/{stage_name}");
        resources.push(LiveResource {
            name: format!("{name}-stage-{stage_name}"),
            resource_type: "AWS::ApiGateway::Stage",
            arn: stage_arn.clone(),
            region: region.to_string(),
            stack: None,
            parent: Some(api_arn.clone()),
            properties: stage_properties(&api_arn, stage),
        });
        if let Some(web_acl) = stage.web_acl_arn() {
            resources.push(LiveResource {
                name: format!("{name}-stage-{stage_name}-waf"),
                resource_type: "AWS::WAFv2::WebACLAssociation",
                arn: format!("{stage_arn}#waf"),
                region: region.to_string(),
                stack: None,
                parent: Some(api_arn.clone()),
                properties: json!({ "ResourceArn": arn_ref(&stage_arn), "WebACLArn": web_acl }),
            });
        }
    }
    resources
}

/// Every resource of the API, with its methods embedded.
async fn list_resources(
    client: &Client,
    region: &str,
    calls: &Calls,
    api_id: &str,
) -> Vec<Resource> {
    let mut items = Vec::new();
    let mut position = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "REST APIs",
                client
                    .get_resources()
                    .rest_api_id(api_id)
                    .embed("methods")
                    .limit(500)
                    .set_position(position.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        items.extend(page.items().iter().cloned());
        match page.position() {
            Some(next) if !next.is_empty() => position = Some(next.to_string()),
            _ => break,
        }
    }
    items
}

fn method_properties(
    api_arn: &str,
    resource_arn: &str,
    path: &Resource,
    verb: &str,
    method: &Method,
) -> Value {
    let mut properties = Map::new();
    properties.insert("RestApiId".into(), arn_ref(api_arn));
    if path.path_part().is_some() {
        properties.insert("ResourceId".into(), arn_ref(resource_arn));
    }
    properties.insert(
        "HttpMethod".into(),
        json!(method.http_method().unwrap_or(verb)),
    );
    if let Some(kind) = method.authorization_type() {
        properties.insert("AuthorizationType".into(), json!(kind));
    }
    if let Some(authorizer) = method.authorizer_id() {
        properties.insert(
            "AuthorizerId".into(),
            arn_ref(&format!("{api_arn}/authorizers/{authorizer}")),
        );
    }
    if let Some(required) = method.api_key_required() {
        properties.insert("ApiKeyRequired".into(), json!(required));
    }
    if let Some(validator) = method.request_validator_id() {
        properties.insert(
            "RequestValidatorId".into(),
            arn_ref(&format!("{api_arn}/requestvalidators/{validator}")),
        );
    }
    if let Some(integration) = method.method_integration() {
        let mut settings = Map::new();
        if let Some(kind) = integration.r#type() {
            settings.insert("Type".into(), json!(kind.as_str()));
        }
        if let Some(uri) = integration.uri() {
            settings.insert("Uri".into(), crate::integration_target(uri));
        }
        // The SDK reads a missing field as 0; API Gateway's smallest timeout is 50 ms, so 0
        // means "not stated" (the 29 s default applies), not "gives up at once".
        if integration.timeout_in_millis() > 0 {
            settings.insert(
                "TimeoutInMillis".into(),
                json!(integration.timeout_in_millis()),
            );
        }
        properties.insert("Integration".into(), Value::Object(settings));
    }
    Value::Object(properties)
}

fn stage_properties(api_arn: &str, stage: &Stage) -> Value {
    let mut properties = Map::new();
    properties.insert("RestApiId".into(), arn_ref(api_arn));
    properties.insert("StageName".into(), json!(stage.stage_name()));
    properties.insert("TracingEnabled".into(), json!(stage.tracing_enabled()));
    properties.insert(
        "CacheClusterEnabled".into(),
        json!(stage.cache_cluster_enabled()),
    );
    if let Some(logs) = stage.access_log_settings() {
        properties.insert(
            "AccessLogSetting".into(),
            json!({ "DestinationArn": logs.destination_arn(), "Format": logs.format() }),
        );
    }
    if let Some(variables) = stage.variables() {
        let sorted: std::collections::BTreeMap<_, _> = variables.iter().collect();
        properties.insert("Variables".into(), json!(sorted));
    }
    let mut settings: Vec<(&String, Value)> = stage
        .method_settings()
        .into_iter()
        .flatten()
        .map(|(key, setting)| {
            // `resource~1path/GET`, `*/*`: the path (with `/` escaped as `~1`) and the method.
            let (path, method) = key.rsplit_once('/').unwrap_or(("*", "*"));
            let path = path.replace("~1", "/");
            let path = if path.starts_with('/') {
                path
            } else {
                format!("/{path}")
            };
            (
                key,
                json!({
                    "ResourcePath": path,
                    "HttpMethod": method,
                    "LoggingLevel": setting.logging_level(),
                    "DataTraceEnabled": setting.data_trace_enabled(),
                    "MetricsEnabled": setting.metrics_enabled(),
                    "ThrottlingBurstLimit": setting.throttling_burst_limit(),
                    "ThrottlingRateLimit": setting.throttling_rate_limit(),
                    "CachingEnabled": setting.caching_enabled(),
                    "CacheDataEncrypted": setting.cache_data_encrypted(),
                }),
            )
        })
        .collect();
    settings.sort_by(|a, b| a.0.cmp(b.0));
    if !settings.is_empty() {
        properties.insert(
            "MethodSettings".into(),
            Value::Array(settings.into_iter().map(|(_, value)| value).collect()),
        );
    }
    Value::Object(properties)
}
