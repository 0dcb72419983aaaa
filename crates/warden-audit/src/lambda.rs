//! Lambda: functions with their configuration, reserved concurrency, URL, resource policy
//! (as `AWS::Lambda::Permission`s), asynchronous invocation settings and event source
//! mappings.

use std::collections::HashMap;

use aws_sdk_lambda::types::FunctionConfiguration;
use aws_sdk_lambda::Client;
use serde_json::{json, Map, Value};

use crate::calls::{Answer, Calls};
use crate::{arn_ref, policy_json, LiveResource, StackTag};

pub(crate) async fn read_functions(
    lambda: Client,
    region: &str,
    calls: &Calls,
) -> Vec<LiveResource> {
    let mut functions = Vec::new();
    let mut marker = None;
    loop {
        let page = calls
            .run(
                "lambda:ListFunctions",
                region,
                "function lists",
                lambda
                    .list_functions()
                    .max_items(50)
                    .set_marker(marker.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        functions.extend(page.functions().iter().cloned());
        match page.next_marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    let lambda = &lambda;
    let mappings = read_event_source_mappings(lambda, region, calls).await;
    let per_function = futures::future::join_all(
        functions
            .iter()
            .map(|function| read_function(lambda, region, calls, function, &mappings)),
    )
    .await;
    let mut resources: Vec<LiveResource> = per_function.into_iter().flatten().collect();
    // Code signing configurations, each read once however many functions use it.
    let mut signing: Vec<String> = resources
        .iter()
        .filter(|r| r.resource_type == "AWS::Lambda::Function")
        .filter_map(|r| r.properties["CodeSigningConfigArn"]["$arn"].as_str())
        .map(str::to_string)
        .collect();
    signing.sort();
    signing.dedup();
    let configs = futures::future::join_all(
        signing
            .iter()
            .map(|arn| read_code_signing_config(lambda, region, calls, arn)),
    )
    .await;
    resources.extend(configs.into_iter().flatten());
    resources
}

async fn read_code_signing_config(
    lambda: &Client,
    region: &str,
    calls: &Calls,
    arn: &str,
) -> Option<LiveResource> {
    let answer = calls
        .run(
            "lambda:GetCodeSigningConfig",
            region,
            "code signing configurations",
            lambda
                .get_code_signing_config()
                .code_signing_config_arn(arn)
                .send(),
        )
        .await
        .found()?;
    let config = answer.code_signing_config()?;
    let mut properties = Map::new();
    properties.insert(
        "AllowedPublishers".into(),
        json!({
            "SigningProfileVersionArns": config
                .allowed_publishers()
                .map(|publishers| publishers.signing_profile_version_arns())
                .unwrap_or_default(),
        }),
    );
    if let Some(policy) = config
        .code_signing_policies()
        .and_then(|policies| policies.untrusted_artifact_on_deployment())
    {
        properties.insert(
            "CodeSigningPolicies".into(),
            json!({ "UntrustedArtifactOnDeployment": policy.as_str() }),
        );
    }
    Some(LiveResource {
        name: config.code_signing_config_id().to_string(),
        resource_type: "AWS::Lambda::CodeSigningConfig",
        arn: arn.to_string(),
        region: region.to_string(),
        stack: None,
        parent: None,
        properties: Value::Object(properties),
    })
}

/// Every page of a function's published versions (without `$LATEST`, which is the function).
async fn read_versions(
    lambda: &Client,
    region: &str,
    calls: &Calls,
    name: &str,
) -> Vec<FunctionConfiguration> {
    let mut versions = Vec::new();
    let mut marker = None;
    loop {
        let page = calls
            .run(
                "lambda:ListVersionsByFunction",
                region,
                "functions",
                lambda
                    .list_versions_by_function()
                    .function_name(name)
                    .max_items(50)
                    .set_marker(marker.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        versions.extend(
            page.versions()
                .iter()
                .filter(|version| version.version() != Some("$LATEST"))
                .cloned(),
        );
        match page.next_marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    versions
}

/// Every page of a function's aliases.
async fn read_aliases(
    lambda: &Client,
    region: &str,
    calls: &Calls,
    name: &str,
) -> Vec<aws_sdk_lambda::types::AliasConfiguration> {
    let mut aliases = Vec::new();
    let mut marker = None;
    loop {
        let page = calls
            .run(
                "lambda:ListAliases",
                region,
                "functions",
                lambda
                    .list_aliases()
                    .function_name(name)
                    .max_items(50)
                    .set_marker(marker.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        aliases.extend(page.aliases().iter().cloned());
        match page.next_marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    aliases
}

async fn read_event_source_mappings(
    lambda: &Client,
    region: &str,
    calls: &Calls,
) -> Vec<aws_sdk_lambda::types::EventSourceMappingConfiguration> {
    let mut mappings = Vec::new();
    let mut marker = None;
    loop {
        let page = calls
            .run(
                "lambda:ListEventSourceMappings",
                region,
                "event source mapping lists",
                lambda
                    .list_event_source_mappings()
                    .max_items(100)
                    .set_marker(marker.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        mappings.extend(page.event_source_mappings().iter().cloned());
        match page.next_marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    mappings
}

async fn read_function(
    lambda: &Client,
    region: &str,
    calls: &Calls,
    function: &FunctionConfiguration,
    mappings: &[aws_sdk_lambda::types::EventSourceMappingConfiguration],
) -> Vec<LiveResource> {
    let (Some(name), Some(arn)) = (function.function_name(), function.function_arn()) else {
        return Vec::new();
    };
    let (tags, concurrency, url, policy, invoke_config, signing, versions, aliases) = tokio::join!(
        calls.run(
            "lambda:ListTags",
            region,
            "functions",
            lambda.list_tags().resource(arn).send()
        ),
        calls.run(
            "lambda:GetFunctionConcurrency",
            region,
            "functions",
            lambda.get_function_concurrency().function_name(name).send()
        ),
        calls.run(
            "lambda:GetFunctionUrlConfig",
            region,
            "functions",
            lambda.get_function_url_config().function_name(name).send()
        ),
        calls.run(
            "lambda:GetPolicy",
            region,
            "functions",
            lambda.get_policy().function_name(name).send()
        ),
        calls.run(
            "lambda:GetFunctionEventInvokeConfig",
            region,
            "functions",
            lambda
                .get_function_event_invoke_config()
                .function_name(name)
                .send()
        ),
        calls.run(
            "lambda:GetFunctionCodeSigningConfig",
            region,
            "functions",
            lambda
                .get_function_code_signing_config()
                .function_name(name)
                .send()
        ),
        read_versions(lambda, region, calls, name),
        read_aliases(lambda, region, calls, name),
    );
    let tags: HashMap<String, String> = tags
        .found()
        .and_then(|tags| tags.tags().cloned())
        .unwrap_or_default();
    let stack = StackTag::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut properties = function_properties(function);
    if let Answer::Found(concurrency) = &concurrency {
        if let Some(reserved) = concurrency.reserved_concurrent_executions() {
            properties.insert("ReservedConcurrentExecutions".into(), json!(reserved));
        }
    }
    match &signing {
        Answer::Found(config) if !config.code_signing_config_arn().is_empty() => {
            properties.insert(
                "CodeSigningConfigArn".into(),
                arn_ref(config.code_signing_config_arn()),
            );
        }
        Answer::Found(_) | Answer::Absent => {}
        // Not read: the code signing rule must not conclude there is none.
        Answer::Failed => {
            properties.insert("CodeSigningConfigArn".into(), crate::unknown());
        }
    }
    let mut resources = vec![LiveResource {
        name: name.to_string(),
        resource_type: "AWS::Lambda::Function",
        arn: arn.to_string(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    }];
    if let Some(url) = url.found() {
        resources.push(url_resource(name, arn, None, region, &url));
    }
    // Asynchronous invocations: retries, age and destinations (none configured = absent).
    if let Some(config) = invoke_config.found() {
        let mut properties = Map::new();
        properties.insert("FunctionName".into(), arn_ref(arn));
        properties.insert("Qualifier".into(), json!("$LATEST"));
        if let Some(attempts) = config.maximum_retry_attempts() {
            properties.insert("MaximumRetryAttempts".into(), json!(attempts));
        }
        if let Some(age) = config.maximum_event_age_in_seconds() {
            properties.insert("MaximumEventAgeInSeconds".into(), json!(age));
        }
        if let Some(destinations) = config.destination_config() {
            let mut config = Map::new();
            if let Some(target) = destinations.on_failure().and_then(|d| d.destination()) {
                config.insert(
                    "OnFailure".into(),
                    json!({ "Destination": arn_ref(target) }),
                );
            }
            if let Some(target) = destinations.on_success().and_then(|d| d.destination()) {
                config.insert(
                    "OnSuccess".into(),
                    json!({ "Destination": arn_ref(target) }),
                );
            }
            properties.insert("DestinationConfig".into(), Value::Object(config));
        }
        resources.push(LiveResource {
            name: format!("{name}-invoke-config"),
            resource_type: "AWS::Lambda::EventInvokeConfig",
            arn: format!("{arn}#invoke-config"),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.to_string()),
            properties: Value::Object(properties),
        });
    }
    if let Some(policy) = policy.found() {
        resources.extend(permission_resources(name, arn, None, region, &policy));
    }
    // Published versions and aliases; an alias has its own resource policy and URL.
    for version in &versions {
        let Some(number) = version.version() else {
            continue;
        };
        let mut properties = Map::new();
        properties.insert("FunctionName".into(), arn_ref(arn));
        if let Some(description) = version.description().filter(|d| !d.is_empty()) {
            properties.insert("Description".into(), json!(description));
        }
        resources.push(LiveResource {
            name: format!("{name}-version-{number}"),
            resource_type: "AWS::Lambda::Version",
            arn: version
                .function_arn()
                .map_or_else(|| format!("{arn}:{number}"), str::to_string),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.to_string()),
            properties: Value::Object(properties),
        });
    }
    let per_alias = futures::future::join_all(
        aliases
            .iter()
            .filter_map(|alias| Some((alias.name()?, alias)))
            .map(|(alias_name, alias)| async move {
                let (policy, url) = tokio::join!(
                    calls.run(
                        "lambda:GetPolicy",
                        region,
                        "aliases",
                        lambda
                            .get_policy()
                            .function_name(name)
                            .qualifier(alias_name)
                            .send()
                    ),
                    calls.run(
                        "lambda:GetFunctionUrlConfig",
                        region,
                        "aliases",
                        lambda
                            .get_function_url_config()
                            .function_name(name)
                            .qualifier(alias_name)
                            .send()
                    ),
                );
                let alias_arn = alias
                    .alias_arn()
                    .map_or_else(|| format!("{arn}:{alias_name}"), str::to_string);
                let mut properties = Map::new();
                properties.insert("FunctionName".into(), arn_ref(arn));
                properties.insert("Name".into(), json!(alias_name));
                if let Some(version) = alias.function_version() {
                    properties.insert("FunctionVersion".into(), json!(version));
                }
                if let Some(weights) = alias
                    .routing_config()
                    .and_then(|routing| routing.additional_version_weights())
                {
                    let sorted: std::collections::BTreeMap<_, _> = weights.iter().collect();
                    properties.insert(
                        "RoutingConfig".into(),
                        json!({ "AdditionalVersionWeights": sorted
                            .into_iter()
                            .map(|(version, weight)| json!({ "FunctionVersion": version, "FunctionWeight": weight }))
                            .collect::<Vec<_>>() }),
                    );
                }
                let mut out = vec![LiveResource {
                    name: format!("{name}-alias-{alias_name}"),
                    resource_type: "AWS::Lambda::Alias",
                    arn: alias_arn.clone(),
                    region: region.to_string(),
                    stack: None,
                    parent: Some(arn.to_string()),
                    properties: Value::Object(properties),
                }];
                if let Some(policy) = policy.found() {
                    out.extend(permission_resources(name, arn, Some(alias_name), region, &policy));
                }
                if let Some(url) = url.found() {
                    out.push(url_resource(name, arn, Some(alias_name), region, &url));
                }
                out
            }),
    )
    .await;
    resources.extend(per_alias.into_iter().flatten());
    for mapping in mappings
        .iter()
        .filter(|mapping| mapping.function_arn() == Some(arn))
    {
        let uuid = mapping.uuid().unwrap_or_default();
        let mut esm = Map::new();
        esm.insert("FunctionName".into(), arn_ref(arn));
        if let Some(source) = mapping.event_source_arn() {
            esm.insert("EventSourceArn".into(), arn_ref(source));
        }
        if let Some(size) = mapping.batch_size() {
            esm.insert("BatchSize".into(), json!(size));
        }
        if let Some(attempts) = mapping.maximum_retry_attempts() {
            esm.insert("MaximumRetryAttempts".into(), json!(attempts));
        }
        if let Some(bisect) = mapping.bisect_batch_on_function_error() {
            esm.insert("BisectBatchOnFunctionError".into(), json!(bisect));
        }
        if let Some(position) = mapping.starting_position() {
            esm.insert("StartingPosition".into(), json!(position.as_str()));
        }
        if let Some(destination) = mapping
            .destination_config()
            .and_then(|config| config.on_failure())
            .and_then(|failure| failure.destination())
        {
            esm.insert(
                "DestinationConfig".into(),
                json!({ "OnFailure": { "Destination": destination } }),
            );
        }
        if let Some(state) = mapping.state() {
            esm.insert("Enabled".into(), json!(state != "Disabled"));
        }
        let types: Vec<&str> = mapping
            .function_response_types()
            .iter()
            .map(|t| t.as_str())
            .collect();
        if !types.is_empty() {
            esm.insert("FunctionResponseTypes".into(), json!(types));
        }
        resources.push(LiveResource {
            name: format!("{name}-mapping-{uuid}"),
            resource_type: "AWS::Lambda::EventSourceMapping",
            arn: mapping
                .event_source_mapping_arn()
                .map_or_else(|| format!("{arn}#mapping-{uuid}"), str::to_string),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.to_string()),
            properties: Value::Object(esm),
        });
    }
    resources
}

/// A function URL (of the function, or of one of its aliases).
fn url_resource(
    name: &str,
    arn: &str,
    alias: Option<&str>,
    region: &str,
    url: &aws_sdk_lambda::operation::get_function_url_config::GetFunctionUrlConfigOutput,
) -> LiveResource {
    let mut url_properties = Map::new();
    url_properties.insert("TargetFunctionArn".into(), arn_ref(arn));
    if let Some(alias) = alias {
        url_properties.insert("Qualifier".into(), json!(alias));
    }
    url_properties.insert("AuthType".into(), json!(url.auth_type().as_str()));
    if let Some(cors) = url.cors() {
        let mut cors_json = Map::new();
        if !cors.allow_origins().is_empty() {
            cors_json.insert("AllowOrigins".into(), json!(cors.allow_origins()));
        }
        if let Some(credentials) = cors.allow_credentials() {
            cors_json.insert("AllowCredentials".into(), json!(credentials));
        }
        if !cors.allow_methods().is_empty() {
            cors_json.insert("AllowMethods".into(), json!(cors.allow_methods()));
        }
        if !cors.allow_headers().is_empty() {
            cors_json.insert("AllowHeaders".into(), json!(cors.allow_headers()));
        }
        url_properties.insert("Cors".into(), Value::Object(cors_json));
    }
    if let Some(mode) = url.invoke_mode() {
        url_properties.insert("InvokeMode".into(), json!(mode.as_str()));
    }
    let (suffix, marker) = match alias {
        Some(alias) => (format!("{alias}-url"), format!("{arn}:{alias}#url")),
        None => ("url".to_string(), format!("{arn}#url")),
    };
    LiveResource {
        name: format!("{name}-{suffix}"),
        resource_type: "AWS::Lambda::Url",
        // A URL config has no ARN of its own: its function's (or alias's), marked.
        arn: marker,
        region: region.to_string(),
        stack: None,
        parent: Some(arn.to_string()),
        properties: Value::Object(url_properties),
    }
}

/// The statements of a resource policy (of the function, or of one of its aliases) as the
/// `AWS::Lambda::Permission`s that would have created them.
fn permission_resources(
    name: &str,
    arn: &str,
    alias: Option<&str>,
    region: &str,
    policy: &aws_sdk_lambda::operation::get_policy::GetPolicyOutput,
) -> Vec<LiveResource> {
    let Some(policy) = policy.policy().and_then(policy_json) else {
        return Vec::new();
    };
    let (prefix, target) = match alias {
        Some(alias) => (format!("{name}-{alias}"), format!("{arn}:{alias}")),
        None => (name.to_string(), arn.to_string()),
    };
    policy
        .get("Statement")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(index, statement)| {
            let sid = statement
                .get("Sid")
                .and_then(Value::as_str)
                .map_or_else(|| index.to_string(), str::to_string);
            let mut properties = permission_properties(arn, statement);
            if alias.is_some() {
                // The alias's ARN, as a template writes it: `!Ref Alias` or `fn:alias`.
                properties["FunctionName"] = arn_ref(&target);
            }
            LiveResource {
                name: format!("{prefix}-permission-{sid}"),
                resource_type: "AWS::Lambda::Permission",
                arn: format!("{target}#{sid}"),
                region: region.to_string(),
                stack: None,
                parent: Some(arn.to_string()),
                properties,
            }
        })
        .collect()
}

fn function_properties(function: &FunctionConfiguration) -> Map<String, Value> {
    let mut properties = Map::new();
    let mut put = |key: &str, value: Value| {
        properties.insert(key.to_string(), value);
    };
    if let Some(name) = function.function_name() {
        put("FunctionName", json!(name));
    }
    if let Some(runtime) = function.runtime() {
        put("Runtime", json!(runtime.as_str()));
    }
    if let Some(handler) = function.handler() {
        put("Handler", json!(handler));
    }
    if let Some(role) = function.role() {
        put("Role", arn_ref(role));
    }
    if let Some(timeout) = function.timeout() {
        put("Timeout", json!(timeout));
    }
    if let Some(memory) = function.memory_size() {
        put("MemorySize", json!(memory));
    }
    if let Some(package_type) = function.package_type() {
        put("PackageType", json!(package_type.as_str()));
    }
    if let Some(variables) = function.environment().and_then(|e| e.variables()) {
        // Sorted, so that the live text (and line numbers) do not depend on hash order.
        let sorted: std::collections::BTreeMap<_, _> = variables.iter().collect();
        put("Environment", json!({ "Variables": sorted }));
    }
    if let Some(key) = function.kms_key_arn() {
        put("KmsKeyArn", json!(key));
    }
    if let Some(mode) = function.tracing_config().and_then(|t| t.mode()) {
        put("TracingConfig", json!({ "Mode": mode.as_str() }));
    }
    if let Some(vpc) = function.vpc_config() {
        if !vpc.subnet_ids().is_empty() {
            put(
                "VpcConfig",
                json!({
                    "SubnetIds": vpc.subnet_ids(),
                    "SecurityGroupIds": vpc.security_group_ids(),
                }),
            );
        }
    }
    let layers: Vec<&str> = function
        .layers()
        .iter()
        .filter_map(|layer| layer.arn())
        .collect();
    if !layers.is_empty() {
        put("Layers", json!(layers));
    }
    let architectures: Vec<&str> = function
        .architectures()
        .iter()
        .map(|a| a.as_str())
        .collect();
    if !architectures.is_empty() {
        put("Architectures", json!(architectures));
    }
    if let Some(target) = function.dead_letter_config().and_then(|d| d.target_arn()) {
        put("DeadLetterConfig", json!({ "TargetArn": arn_ref(target) }));
    }
    if let Some(logging) = function.logging_config() {
        let mut config = Map::new();
        if let Some(group) = logging.log_group() {
            config.insert("LogGroup".into(), json!(group));
        }
        if let Some(format) = logging.log_format() {
            config.insert("LogFormat".into(), json!(format.as_str()));
        }
        put("LoggingConfig", Value::Object(config));
    }
    properties
}

/// One statement of a function's resource policy as the `AWS::Lambda::Permission` that
/// would have created it.
fn permission_properties(function_arn: &str, statement: &Value) -> Value {
    let mut properties = Map::new();
    properties.insert("FunctionName".into(), arn_ref(function_arn));
    if let Some(action) = statement.get("Action") {
        let action = match action {
            Value::Array(actions) if actions.len() == 1 => actions[0].clone(),
            other => other.clone(),
        };
        properties.insert("Action".into(), action);
    }
    let principal = match statement.get("Principal") {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Object(map)) => map
            .get("Service")
            .or_else(|| map.get("AWS"))
            .and_then(Value::as_str)
            .map(|principal| {
                // `arn:aws:iam::123456789012:root` is how an account id comes back.
                principal
                    .strip_prefix("arn:aws:iam::")
                    .and_then(|rest| rest.strip_suffix(":root"))
                    .unwrap_or(principal)
                    .to_string()
            }),
        _ => None,
    };
    if let Some(principal) = principal {
        properties.insert("Principal".into(), json!(principal));
    }
    // Condition operators and keys are case-insensitive; Lambda writes `AWS:SourceArn`,
    // hand-written policies often `aws:SourceArn`.
    let condition_value = |operators: &[&str], key: &str| {
        let conditions = statement.get("Condition")?.as_object()?;
        conditions
            .iter()
            .filter(|(operator, _)| operators.iter().any(|o| o.eq_ignore_ascii_case(operator)))
            .filter_map(|(_, keys)| keys.as_object())
            .flat_map(|keys| keys.iter())
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value.clone())
    };
    if let Some(source) = condition_value(
        &["ArnLike", "ArnEquals", "StringEquals", "StringLike"],
        "aws:SourceArn",
    ) {
        // An exact ARN links the permission to its source (the bucket, topic or rule), as
        // `!GetAtt Bucket.Arn` does in a template; a pattern stays text.
        let linked = match &source {
            Value::String(arn) if !arn.contains(['*', '?']) => arn_ref(arn),
            other => other.clone(),
        };
        properties.insert("SourceArn".into(), linked);
    }
    if let Some(account) = condition_value(&["StringEquals", "StringLike"], "aws:SourceAccount") {
        properties.insert("SourceAccount".into(), account);
    }
    if let Some(auth) = condition_value(&["StringEquals"], "lambda:FunctionUrlAuthType") {
        properties.insert("FunctionUrlAuthType".into(), auth);
    }
    if let Some(org) = condition_value(&["StringEquals"], "aws:PrincipalOrgID") {
        properties.insert("PrincipalOrgID".into(), org);
    }
    Value::Object(properties)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_statement_becomes_a_public_url_permission() {
        let statement = json!({
            "Sid": "FunctionURLAllowPublicAccess",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "lambda:InvokeFunctionUrl",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
        });
        let properties = permission_properties("arn:f", &statement);
        assert_eq!(properties["Principal"], "*");
        assert_eq!(properties["Action"], "lambda:InvokeFunctionUrl");
        assert_eq!(properties["FunctionUrlAuthType"], "NONE");
        assert_eq!(properties["FunctionName"], json!({"$arn": "arn:f"}));
    }

    #[test]
    fn an_account_principal_becomes_its_account_id() {
        let statement = json!({
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": ["lambda:InvokeFunction"],
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:1:abc/*"}}
        });
        let properties = permission_properties("arn:f", &statement);
        assert_eq!(properties["Principal"], "999988887777");
        assert_eq!(properties["Action"], "lambda:InvokeFunction");
        // A pattern stays text; an exact ARN becomes a link to the resource.
        assert_eq!(
            properties["SourceArn"],
            "arn:aws:execute-api:us-east-1:1:abc/*"
        );
        let statement = json!({
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Condition": {
                "ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads"},
                "StringEquals": {"aws:sourceaccount": "123456789012"}
            }
        });
        let properties = permission_properties("arn:f", &statement);
        assert_eq!(
            properties["SourceArn"],
            json!({"$arn": "arn:aws:s3:::uploads"})
        );
        assert_eq!(properties["SourceAccount"], "123456789012");
    }
}
