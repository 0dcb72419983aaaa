//! Seeds moto through the SDK with a small account: a weak function (public URL, admin
//! role, secret in its environment) deployed by stack `orders-prod`, a quiet one, a public
//! bucket of the same stack and a hardened one.

// Shared by the test crates of warden-audit, warden and warden-pull; each uses a part.
#![allow(dead_code)]

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_http_client::tls;

pub const STACK: &str = "orders-prod";

pub fn config(endpoint: &str) -> SdkConfig {
    config_in(endpoint, "us-east-1")
}

pub fn config_in(endpoint: &str, region: &str) -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .http_client(http_client)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "seed",
            )),
        )
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
        .build()
}

fn cfn_tags(logical_id: &str) -> [(&'static str, String); 2] {
    [
        ("aws:cloudformation:stack-name", STACK.to_string()),
        ("aws:cloudformation:logical-id", logical_id.to_string()),
    ]
}

/// An empty zip archive: moto stores the code, it never runs it here.
const EMPTY_ZIP: &[u8] = &[
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

const TRUST_LAMBDA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

pub async fn role(config: &SdkConfig, name: &str, logical_id: Option<&str>) -> String {
    let iam = aws_sdk_iam::Client::new(config);
    let mut request = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(TRUST_LAMBDA);
    if let Some(logical_id) = logical_id {
        for (key, value) in cfn_tags(logical_id) {
            request = request.tags(
                aws_sdk_iam::types::Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .unwrap(),
            );
        }
    }
    request
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_string()
}

pub async fn function(
    config: &SdkConfig,
    name: &str,
    role_arn: &str,
    logical_id: Option<&str>,
    variables: &[(&str, &str)],
) -> String {
    let lambda = aws_sdk_lambda::Client::new(config);
    let mut request = lambda
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("app.handler")
        .role(role_arn)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(EMPTY_ZIP))
                .build(),
        );
    if !variables.is_empty() {
        let mut environment = aws_sdk_lambda::types::Environment::builder();
        for (key, value) in variables {
            environment = environment.variables(*key, *value);
        }
        request = request.environment(environment.build());
    }
    if let Some(logical_id) = logical_id {
        for (key, value) in cfn_tags(logical_id) {
            request = request.tags(key, value);
        }
    }
    request
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_string()
}

/// The account every moto test audits.
pub async fn orders_account(config: &SdkConfig) {
    let iam = aws_sdk_iam::Client::new(config);
    let lambda = aws_sdk_lambda::Client::new(config);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );

    let orders_role = role(config, "orders-role", Some("OrdersFunctionRole")).await;
    iam.put_role_policy()
        .role_name("orders-role")
        .policy_name("everything")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let wide = iam
        .create_policy()
        .policy_name("wide-dynamodb")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("orders-role")
        .policy_arn(wide.policy().unwrap().arn().unwrap())
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("orders-role")
        .policy_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        .send()
        .await
        .unwrap();
    function(
        config,
        "orders",
        &orders_role,
        Some("OrdersFunction"),
        &[(
            "STRIPE_API_KEY",
            "sk_live_51H8fKjLmNoPqRsTuVwXyZ0123456789abcd",
        )],
    )
    .await;
    lambda
        .create_function_url_config()
        .function_name("orders")
        .auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    lambda
        .add_permission()
        .function_name("orders")
        .statement_id("FunctionURLAllowPublicAccess")
        .action("lambda:InvokeFunctionUrl")
        .principal("*")
        .function_url_auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();

    let quiet_role = role(config, "quiet-role", None).await;
    iam.put_role_policy()
        .role_name("quiet-role")
        .policy_name("logs")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/quiet:*"}]}"#)
        .send()
        .await
        .unwrap();
    function(config, "quiet", &quiet_role, None, &[]).await;
    lambda
        .put_function_concurrency()
        .function_name("quiet")
        .reserved_concurrent_executions(5)
        .send()
        .await
        .unwrap();

    s3.create_bucket()
        .bucket("orders-public")
        .send()
        .await
        .unwrap();
    s3.put_bucket_tagging()
        .bucket("orders-public")
        .tagging(
            aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(
                    // S3 refuses `aws:` tags from anyone but CloudFormation.
                    [("team", "orders".to_string())]
                        .into_iter()
                        .map(|(key, value)| {
                            aws_sdk_s3::types::Tag::builder()
                                .key(key)
                                .value(value)
                                .build()
                                .unwrap()
                        })
                        .collect(),
                ))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_acl()
        .bucket("orders-public")
        .acl(aws_sdk_s3::types::BucketCannedAcl::PublicRead)
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket("orders-public")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::orders-public/*"}]}"#)
        .send()
        .await
        .unwrap();

    s3.create_bucket()
        .bucket("orders-private")
        .send()
        .await
        .unwrap();
    s3.put_public_access_block()
        .bucket("orders-private")
        .public_access_block_configuration(
            aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_encryption()
        .bucket("orders-private")
        .server_side_encryption_configuration(
            aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                .rules(
                    aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    lambda
        .put_function_event_invoke_config()
        .function_name("quiet")
        .maximum_retry_attempts(0)
        .send()
        .await
        .unwrap();
    s3.put_bucket_notification_configuration()
        .bucket("orders-private")
        .notification_configuration(
            aws_sdk_s3::types::NotificationConfiguration::builder()
                .lambda_function_configurations(
                    aws_sdk_s3::types::LambdaFunctionConfiguration::builder()
                        .lambda_function_arn("arn:aws:lambda:us-east-1:123456789012:function:quiet")
                        .events(aws_sdk_s3::types::Event::S3ObjectCreated)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    // moto answers PutBucketLogging from the Rust SDK with a 500 page: logging is covered
    // by the recorded answers.
    s3.put_bucket_versioning()
        .bucket("orders-private")
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

const PUBLIC_STATEMENT: &str =
    r#"{"Effect":"Allow","Principal":"*","Action":"ACTION","Resource":"RESOURCE"}"#;

fn public_policy(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        PUBLIC_STATEMENT
            .replace("ACTION", action)
            .replace("RESOURCE", resource)
    )
}

/// A public queue, a public topic with a Lambda subscription, a table without backups, a
/// public secret without rotation and a log group that keeps everything forever.
pub async fn messaging_account(config: &SdkConfig) {
    let sqs = aws_sdk_sqs::Client::new(config);
    let sns = aws_sdk_sns::Client::new(config);
    let dynamodb = aws_sdk_dynamodb::Client::new(config);
    let secrets = aws_sdk_secretsmanager::Client::new(config);
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);

    let queue = sqs.create_queue().queue_name("jobs").send().await.unwrap();
    let queue_arn = "arn:aws:sqs:us-east-1:123456789012:jobs";
    sqs.set_queue_attributes()
        .queue_url(queue.queue_url().unwrap())
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            public_policy("sqs:SendMessage", queue_arn),
        )
        .send()
        .await
        .unwrap();

    let topic = sns.create_topic().name("events").send().await.unwrap();
    let topic_arn = topic.topic_arn().unwrap();
    sns.set_topic_attributes()
        .topic_arn(topic_arn)
        .attribute_name("Policy")
        .attribute_value(public_policy("sns:Publish", topic_arn))
        .send()
        .await
        .unwrap();
    sns.subscribe()
        .topic_arn(topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .unwrap();

    dynamodb
        .create_table()
        .table_name("order-items")
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();

    let secret = secrets
        .create_secret()
        .name("stripe")
        .secret_string("sk_live_51H8fKjLmNoPqRsTuVwXyZ0123456789abcd")
        .send()
        .await
        .unwrap();
    secrets
        .put_resource_policy()
        .secret_id(secret.arn().unwrap())
        .resource_policy(public_policy("secretsmanager:GetSecretValue", "*"))
        .send()
        .await
        .unwrap();

    logs.create_log_group()
        .log_group_name("/aws/app/jobs")
        .send()
        .await
        .unwrap();
}

/// A REST API and an HTTP API, each with an unauthenticated route to one function, and a
/// WebSocket API whose `$connect` route has no authorization.
pub async fn apis_account(config: &SdkConfig) {
    let rest = aws_sdk_apigateway::Client::new(config);
    let http = aws_sdk_apigatewayv2::Client::new(config);
    let role = role(config, "api-role", None).await;
    let function_arn = function(config, "api-handler", &role, None, &[]).await;
    let invocation = format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    );

    let api = rest.create_rest_api().name("shop").send().await.unwrap();
    let api_id = api.id().unwrap();
    let resources = rest
        .get_resources()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap();
    let root = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .unwrap()
        .to_string();
    let orders = rest
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(&root)
        .path_part("orders")
        .send()
        .await
        .unwrap();
    rest.put_method()
        .rest_api_id(api_id)
        .resource_id(orders.id().unwrap())
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    rest.put_integration()
        .rest_api_id(api_id)
        .resource_id(orders.id().unwrap())
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(&invocation)
        .send()
        .await
        .unwrap();
    rest.create_deployment()
        .rest_api_id(api_id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();

    let api = http
        .create_api()
        .name("shop-http")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .set_tags(Some(
            cfn_tags("ShopHttpApi")
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        ))
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap();
    let integration = http
        .create_integration()
        .api_id(api_id)
        .integration_type(aws_sdk_apigatewayv2::types::IntegrationType::AwsProxy)
        .integration_uri(&function_arn)
        .payload_format_version("2.0")
        .send()
        .await
        .unwrap();
    http.create_route()
        .api_id(api_id)
        .route_key("GET /orders")
        .authorization_type(aws_sdk_apigatewayv2::types::AuthorizationType::None)
        .target(format!(
            "integrations/{}",
            integration.integration_id().unwrap()
        ))
        .send()
        .await
        .unwrap();
    http.create_stage()
        .api_id(api_id)
        .stage_name("$default")
        .send()
        .await
        .unwrap();

    let socket = http
        .create_api()
        .name("shop-socket")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Websocket)
        .route_selection_expression("$request.body.action")
        .send()
        .await
        .unwrap();
    http.create_route()
        .api_id(socket.api_id().unwrap())
        .route_key("$connect")
        .send()
        .await
        .unwrap();
}

/// Everything around functions that the rules read besides the functions themselves: a
/// published version with a public alias, an error alarm on one function, a stopped trail
/// that would record Lambda data events, a log subscription, permissions with and without
/// their source, a REST API behind a Lambda authorizer with an old-TLS domain, an HTTP API
/// behind a JWT authorizer, and account-level Block Public Access over a public bucket.
pub async fn operations_account(config: &SdkConfig) {
    let lambda = aws_sdk_lambda::Client::new(config);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    let role_arn = role(config, "ops-role", None).await;
    let checkout = function(config, "checkout", &role_arn, None, &[]).await;
    let watched = function(config, "watched", &role_arn, None, &[]).await;

    // Version 1 of `checkout`, and an alias anyone may invoke.
    let version = lambda
        .publish_version()
        .function_name("checkout")
        .send()
        .await
        .unwrap();
    lambda
        .create_alias()
        .function_name("checkout")
        .name("live")
        .function_version(version.version().unwrap())
        .send()
        .await
        .unwrap();
    lambda
        .add_permission()
        .function_name("checkout")
        .qualifier("live")
        .statement_id("public-alias")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await
        .unwrap();
    // A bucket may invoke `watched` (named by ARN and owner); SNS may, from any topic.
    s3.create_bucket().bucket("uploads").send().await.unwrap();
    lambda
        .add_permission()
        .function_name("watched")
        .statement_id("from-uploads")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::uploads")
        .source_account("123456789012")
        .send()
        .await
        .unwrap();
    lambda
        .add_permission()
        .function_name("watched")
        .statement_id("from-any-topic")
        .action("lambda:InvokeFunction")
        .principal("sns.amazonaws.com")
        .send()
        .await
        .unwrap();

    // An error alarm that notifies, on `watched` only.
    aws_sdk_cloudwatch::Client::new(config)
        .put_metric_alarm()
        .alarm_name("watched-errors")
        .namespace("AWS/Lambda")
        .metric_name("Errors")
        .dimensions(
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name("FunctionName")
                .value("watched")
                .build(),
        )
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(
            aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
        )
        .alarm_actions("arn:aws:sns:us-east-1:123456789012:oncall")
        .send()
        .await
        .unwrap();

    // A trail that selects Lambda data events but was never started.
    s3.create_bucket()
        .bucket("trail-logs")
        .send()
        .await
        .unwrap();
    let cloudtrail = aws_sdk_cloudtrail::Client::new(config);
    cloudtrail
        .create_trail()
        .name("audit-trail")
        .s3_bucket_name("trail-logs")
        .is_multi_region_trail(true)
        .send()
        .await
        .unwrap();
    cloudtrail
        .put_event_selectors()
        .trail_name("audit-trail")
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::All)
                .include_management_events(true)
                .data_resources(
                    aws_sdk_cloudtrail::types::DataResource::builder()
                        .r#type("AWS::Lambda::Function")
                        .values("arn:aws:lambda")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    // `checkout`'s log group streams to `watched`.
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    logs.create_log_group()
        .log_group_name("/aws/lambda/checkout")
        .send()
        .await
        .unwrap();
    logs.put_subscription_filter()
        .log_group_name("/aws/lambda/checkout")
        .filter_name("errors-to-watched")
        .filter_pattern("ERROR")
        .destination_arn(&watched)
        .send()
        .await
        .unwrap();

    // A REST API whose only method needs a Lambda authorizer, and an old-TLS domain.
    let rest = aws_sdk_apigateway::Client::new(config);
    let api = rest
        .create_rest_api()
        .name("payments")
        .send()
        .await
        .unwrap();
    let api_id = api.id().unwrap();
    let authorizer = rest
        .create_authorizer()
        .rest_api_id(api_id)
        .name("token-check")
        .r#type(aws_sdk_apigateway::types::AuthorizerType::Token)
        .identity_source("method.request.header.Authorization")
        .authorizer_uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{watched}/invocations"
        ))
        .send()
        .await
        .unwrap();
    let resources = rest
        .get_resources()
        .rest_api_id(api_id)
        .send()
        .await
        .unwrap();
    let root = resources
        .items()
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id())
        .unwrap()
        .to_string();
    let pay = rest
        .create_resource()
        .rest_api_id(api_id)
        .parent_id(root)
        .path_part("pay")
        .send()
        .await
        .unwrap();
    rest.put_method()
        .rest_api_id(api_id)
        .resource_id(pay.id().unwrap())
        .http_method("POST")
        .authorization_type("CUSTOM")
        .authorizer_id(authorizer.id().unwrap())
        .send()
        .await
        .unwrap();
    rest.put_integration()
        .rest_api_id(api_id)
        .resource_id(pay.id().unwrap())
        .http_method("POST")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{checkout}/invocations"
        ))
        // The route gives up after 1 s; the function may run its default 3 s (WD107).
        .timeout_in_millis(1000)
        .send()
        .await
        .unwrap();
    rest.create_domain_name()
        .domain_name("pay.example.com")
        .security_policy(aws_sdk_apigateway::types::SecurityPolicy::Tls10)
        .regional_certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/pay")
        .endpoint_configuration(
            aws_sdk_apigateway::types::EndpointConfiguration::builder()
                .types(aws_sdk_apigateway::types::EndpointType::Regional)
                .build(),
        )
        .send()
        .await
        .unwrap();

    // An HTTP API whose route needs a JWT, and an old-TLS domain of its own.
    let http = aws_sdk_apigatewayv2::Client::new(config);
    let api = http
        .create_api()
        .name("orders-http")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .unwrap();
    let api_id = api.api_id().unwrap();
    let jwt = http
        .create_authorizer()
        .api_id(api_id)
        .name("cognito")
        .authorizer_type(aws_sdk_apigatewayv2::types::AuthorizerType::Jwt)
        .identity_source("$request.header.Authorization")
        .jwt_configuration(
            aws_sdk_apigatewayv2::types::JwtConfiguration::builder()
                .audience("orders-client")
                .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool")
                .build(),
        )
        .send()
        .await
        .unwrap();
    http.create_route()
        .api_id(api_id)
        .route_key("GET /orders")
        .authorization_type(aws_sdk_apigatewayv2::types::AuthorizationType::Jwt)
        .authorizer_id(jwt.authorizer_id().unwrap())
        .send()
        .await
        .unwrap();
    http.create_domain_name()
        .domain_name("orders.example.com")
        .domain_name_configurations(
            aws_sdk_apigatewayv2::types::DomainNameConfiguration::builder()
                .certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/orders")
                .endpoint_type(aws_sdk_apigatewayv2::types::EndpointType::Regional)
                .security_policy(aws_sdk_apigatewayv2::types::SecurityPolicy::Tls10)
                .build(),
        )
        .send()
        .await
        .unwrap();

    // A bucket with a public ACL, under account-level Block Public Access.
    s3.create_bucket()
        .bucket("legacy-public")
        .send()
        .await
        .unwrap();
    s3.put_bucket_ownership_controls()
        .bucket("legacy-public")
        .ownership_controls(
            aws_sdk_s3::types::OwnershipControls::builder()
                .rules(
                    aws_sdk_s3::types::OwnershipControlsRule::builder()
                        .object_ownership(aws_sdk_s3::types::ObjectOwnership::ObjectWriter)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_acl()
        .bucket("legacy-public")
        .acl(aws_sdk_s3::types::BucketCannedAcl::PublicRead)
        .send()
        .await
        .unwrap();
    s3control(config)
        .put_public_access_block()
        .account_id("123456789012")
        .public_access_block_configuration(
            aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// S3 Control addressed at moto itself (the account id is a host label only on AWS).
pub fn s3control(config: &SdkConfig) -> aws_sdk_s3control::Client {
    #[derive(Debug)]
    struct AsGiven(String);
    impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for AsGiven {
        fn resolve_endpoint<'a>(
            &'a self,
            _params: &'a aws_sdk_s3control::config::endpoint::Params,
        ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
            aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
                aws_sdk_s3control::config::endpoint::Endpoint::builder()
                    .url(self.0.clone())
                    .build(),
            ))
        }
    }
    let endpoint = config.endpoint_url().unwrap().to_string();
    aws_sdk_s3control::Client::from_conf(
        aws_sdk_s3control::config::Builder::from(config)
            .endpoint_resolver(AsGiven(endpoint))
            .build(),
    )
}
