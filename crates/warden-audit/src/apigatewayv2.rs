//! API Gateway v2: HTTP and WebSocket APIs with their routes (authorization), the
//! authorizers the routes use, integrations (the function they invoke) and stages (access
//! logs, throttling); and the region's custom domain names (TLS security policy).

use aws_sdk_apigatewayv2::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{arn_ref, LiveResource, StackTag};

pub(crate) async fn read_apis(apis: Client, region: &str, calls: &Calls) -> Vec<LiveResource> {
    let client = &apis;
    let mut apis = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "HTTP API lists",
                client.get_apis().set_next_token(token.take()).send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        apis.extend(page.items().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    let (read, domains) = tokio::join!(
        futures::future::join_all(apis.iter().map(|api| read_api(client, region, calls, api))),
        read_domain_names(client, region, calls),
    );
    let mut resources: Vec<LiveResource> = read.into_iter().flatten().collect();
    resources.extend(domains);
    resources
}

async fn read_domain_names(client: &Client, region: &str, calls: &Calls) -> Vec<LiveResource> {
    let mut resources = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "domain name lists",
                client
                    .get_domain_names()
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        for domain in page.items() {
            let Some(name) = domain.domain_name() else {
                continue;
            };
            let configurations: Vec<Value> = domain
                .domain_name_configurations()
                .iter()
                .map(|configuration| {
                    let mut out = Map::new();
                    if let Some(policy) = configuration.security_policy() {
                        out.insert("SecurityPolicy".into(), json!(policy.as_str()));
                    }
                    if let Some(kind) = configuration.endpoint_type() {
                        out.insert("EndpointType".into(), json!(kind.as_str()));
                    }
                    if let Some(certificate) = configuration.certificate_arn() {
                        out.insert("CertificateArn".into(), json!(certificate));
                    }
                    Value::Object(out)
                })
                .collect();
            let stack = domain.tags().and_then(|tags| {
                StackTag::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            });
            resources.push(LiveResource {
                // The v1 API lists REST domains under the same names: told apart by type.
                name: name.to_string(),
                resource_type: "AWS::ApiGatewayV2::DomainName",
                arn: format!("arn:aws:apigateway:{region}::/domainnames/{name}#v2"),
                region: region.to_string(),
                stack,
                parent: None,
                properties: json!({
                    "DomainName": name,
                    "DomainNameConfigurations": configurations,
                }),
            });
        }
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    resources
}

async fn read_api(
    client: &Client,
    region: &str,
    calls: &Calls,
    api: &aws_sdk_apigatewayv2::types::Api,
) -> Vec<LiveResource> {
    let Some(id) = api.api_id() else {
        return Vec::new();
    };
    let api_arn = format!("arn:aws:apigateway:{region}::/apis/{id}");
    let (routes, integrations, stages) = tokio::join!(
        list_routes(client, region, calls, id),
        list_integrations(client, region, calls, id),
        list_stages(client, region, calls, id),
    );
    let stack = api
        .tags()
        .and_then(|tags| StackTag::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
    let name = api.name().unwrap_or(id);
    let mut properties = Map::new();
    properties.insert("Name".into(), json!(name));
    if let Some(protocol) = api.protocol_type() {
        properties.insert("ProtocolType".into(), json!(protocol.as_str()));
    }
    if let Some(disabled) = api.disable_execute_api_endpoint() {
        properties.insert("DisableExecuteApiEndpoint".into(), json!(disabled));
    }
    // The authorizers the routes use, one `GetAuthorizer` each (moto 5 does not serve the
    // `GetAuthorizers` list; AWS serves both).
    let mut used: Vec<&str> = routes
        .iter()
        .filter_map(|route| route.authorizer_id())
        .collect();
    used.sort_unstable();
    used.dedup();
    let authorizers = futures::future::join_all(used.iter().map(|authorizer| {
        calls.run(
            "apigateway:GET",
            region,
            "HTTP APIs",
            client
                .get_authorizer()
                .api_id(id)
                .authorizer_id(*authorizer)
                .send(),
        )
    }))
    .await;
    let mut resources = vec![LiveResource {
        name: name.to_string(),
        resource_type: "AWS::ApiGatewayV2::Api",
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
    for authorizer in authorizers.into_iter().filter_map(|answer| answer.found()) {
        let Some(authorizer_id) = authorizer.authorizer_id() else {
            continue;
        };
        let mut properties = Map::new();
        properties.insert("ApiId".into(), arn_ref(&api_arn));
        if let Some(name) = authorizer.name() {
            properties.insert("Name".into(), json!(name));
        }
        if let Some(kind) = authorizer.authorizer_type() {
            properties.insert("AuthorizerType".into(), json!(kind.as_str()));
        }
        if let Some(uri) = authorizer.authorizer_uri() {
            properties.insert("AuthorizerUri".into(), crate::integration_target(uri));
        }
        if !authorizer.identity_source().is_empty() {
            properties.insert("IdentitySource".into(), json!(authorizer.identity_source()));
        }
        if let Some(jwt) = authorizer.jwt_configuration() {
            properties.insert(
                "JwtConfiguration".into(),
                json!({ "Audience": jwt.audience(), "Issuer": jwt.issuer() }),
            );
        }
        if let Some(simple) = authorizer.enable_simple_responses() {
            properties.insert("EnableSimpleResponses".into(), json!(simple));
        }
        resources.push(child(
            "authorizer",
            authorizer_id,
            "AWS::ApiGatewayV2::Authorizer",
            Value::Object(properties),
        ));
    }
    for integration in &integrations {
        let Some(integration_id) = integration.integration_id() else {
            continue;
        };
        let mut properties = Map::new();
        properties.insert("ApiId".into(), arn_ref(&api_arn));
        if let Some(kind) = integration.integration_type() {
            properties.insert("IntegrationType".into(), json!(kind.as_str()));
        }
        if let Some(uri) = integration.integration_uri() {
            properties.insert("IntegrationUri".into(), crate::integration_target(uri));
        }
        if let Some(timeout) = integration.timeout_in_millis() {
            properties.insert("TimeoutInMillis".into(), json!(timeout));
        }
        resources.push(child(
            "integration",
            integration_id,
            "AWS::ApiGatewayV2::Integration",
            Value::Object(properties),
        ));
    }
    for route in &routes {
        let (Some(route_id), Some(key)) = (route.route_id(), route.route_key()) else {
            continue;
        };
        let mut properties = Map::new();
        properties.insert("ApiId".into(), arn_ref(&api_arn));
        properties.insert("RouteKey".into(), json!(key));
        if let Some(kind) = route.authorization_type() {
            properties.insert("AuthorizationType".into(), json!(kind.as_str()));
        }
        if let Some(authorizer) = route.authorizer_id() {
            properties.insert(
                "AuthorizerId".into(),
                arn_ref(&format!("{api_arn}/authorizers/{authorizer}")),
            );
        }
        if let Some(required) = route.api_key_required() {
            properties.insert("ApiKeyRequired".into(), json!(required));
        }
        // `integrations/ID`, written as a template would: a join on a reference.
        if let Some(integration) = route.target().and_then(|t| t.strip_prefix("integrations/")) {
            properties.insert(
                "Target".into(),
                json!({ "Fn::Join": ["/", ["integrations", arn_ref(&format!("{api_arn}/integrations/{integration}"))]] }),
            );
        }
        resources.push(child(
            "route",
            route_id,
            "AWS::ApiGatewayV2::Route",
            Value::Object(properties),
        ));
    }
    for stage in &stages {
        let Some(stage_name) = stage.stage_name() else {
            continue;
        };
        let mut properties = Map::new();
        properties.insert("ApiId".into(), arn_ref(&api_arn));
        properties.insert("StageName".into(), json!(stage_name));
        if let Some(logs) = stage.access_log_settings() {
            let mut settings = Map::new();
            if let Some(destination) = logs.destination_arn() {
                settings.insert("DestinationArn".into(), json!(destination));
            }
            if let Some(format) = logs.format() {
                settings.insert("Format".into(), json!(format));
            }
            properties.insert("AccessLogSettings".into(), Value::Object(settings));
        }
        if let Some(route_settings) = stage.default_route_settings() {
            let mut settings = Map::new();
            if let Some(burst) = route_settings.throttling_burst_limit() {
                settings.insert("ThrottlingBurstLimit".into(), json!(burst));
            }
            if let Some(rate) = route_settings.throttling_rate_limit() {
                settings.insert("ThrottlingRateLimit".into(), json!(rate));
            }
            if let Some(level) = route_settings.logging_level() {
                settings.insert("LoggingLevel".into(), json!(level.as_str()));
            }
            if let Some(trace) = route_settings.data_trace_enabled() {
                settings.insert("DataTraceEnabled".into(), json!(trace));
            }
            properties.insert("DefaultRouteSettings".into(), Value::Object(settings));
        }
        resources.push(child(
            "stage",
            stage_name,
            "AWS::ApiGatewayV2::Stage",
            Value::Object(properties),
        ));
    }
    resources
}

async fn list_routes(
    client: &Client,
    region: &str,
    calls: &Calls,
    api_id: &str,
) -> Vec<aws_sdk_apigatewayv2::types::Route> {
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "HTTP APIs",
                client
                    .get_routes()
                    .api_id(api_id)
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        items.extend(page.items().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    items
}

async fn list_integrations(
    client: &Client,
    region: &str,
    calls: &Calls,
    api_id: &str,
) -> Vec<aws_sdk_apigatewayv2::types::Integration> {
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "HTTP APIs",
                client
                    .get_integrations()
                    .api_id(api_id)
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        items.extend(page.items().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    items
}

async fn list_stages(
    client: &Client,
    region: &str,
    calls: &Calls,
    api_id: &str,
) -> Vec<aws_sdk_apigatewayv2::types::Stage> {
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "apigateway:GET",
                region,
                "HTTP APIs",
                client
                    .get_stages()
                    .api_id(api_id)
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        items.extend(page.items().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    items
}
