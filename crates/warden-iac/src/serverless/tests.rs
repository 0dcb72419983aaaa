//! Translation tests: a `serverless.yml` in, the resources and routes the rules see out.

use std::path::Path;

use warden_diagnostics::SourceMap;

use crate::analysis::{ApiKind, RoleBinding, RouteAuth, TriggerKind};
use crate::load::load_text;
use crate::model::{Format, Template};
use crate::node::{Node, Value};
use crate::template::LoadOptions;

fn load_with(text: &str, options: &LoadOptions) -> Template {
    let mut sources = SourceMap::new();
    load_text(&mut sources, Path::new("svc/serverless.yml"), text, options)
        .unwrap_or_else(|error| panic!("{error}"))
        .expect("a template")
}

fn load(text: &str) -> Template {
    load_with(text, &LoadOptions::default())
}

/// The text a span covers.
fn spanned(text: &str, node_span: warden_diagnostics::Span) -> &str {
    &text[node_span.start as usize..node_span.end as usize]
}

const BASIC: &str = r#"service: shop
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs18.x
  stage: ${opt:stage, 'dev'}
  timeout: 10
  environment:
    TABLE: orders
    LEVEL: info
  iam:
    role:
      statements:
        - Effect: Allow
          Action: dynamodb:*
          Resource: '*'
functions:
  public:
    handler: handler.public
    url: true
    environment:
      LEVEL: debug
  private:
    handler: handler.private
    runtime: python3.12
    timeout: 30
    role: arn:aws:iam::123456789012:role/own
  api:
    handler: handler.api
    events:
      - http:
          path: users/{id}
          method: get
      - http:
          path: users
          method: post
          authorizer: aws_iam
          private: true
          request:
            schemas:
              application/json: ${file(schema.json)}
"#;

#[test]
fn recognised_by_content_with_format_serverless() {
    let template = load(BASIC);
    assert_eq!(template.format, Format::Serverless);
    assert_eq!(template.analysis.functions.len(), 3);
    let mut sources = SourceMap::new();
    let other = "service: x\nprovider:\n  name: google\nfunctions:\n  a:\n    handler: h\n";
    assert!(load_text(
        &mut sources,
        "serverless.yml",
        other,
        &LoadOptions::default()
    )
    .unwrap()
    .is_none());
    let plain = "name: package\nservice: none\n";
    assert!(
        load_text(&mut sources, "config.yml", plain, &LoadOptions::default())
            .unwrap()
            .is_none()
    );
}

#[test]
fn function_settings_come_from_function_then_provider() {
    let template = load(BASIC);
    let public = template.resource("PublicLambdaFunction").expect("function");
    assert_eq!(public.origin.id, "public");
    assert_eq!(public.origin.resource_type, "Serverless::Function");
    assert_eq!(
        public.prop("Runtime").and_then(Node::as_str),
        Some("nodejs18.x")
    );
    assert_eq!(public.prop("Timeout").and_then(Node::as_i64), Some(10));
    assert_eq!(public.prop("MemorySize").and_then(Node::as_i64), Some(1024));
    assert_eq!(
        public.prop("FunctionName").and_then(Node::as_str),
        Some("shop-dev-public")
    );
    assert_eq!(
        public
            .prop("Environment.Variables.TABLE")
            .and_then(Node::as_str),
        Some("orders")
    );
    assert_eq!(
        public
            .prop("Environment.Variables.LEVEL")
            .and_then(Node::as_str),
        Some("debug")
    );
    let private = template.resource("PrivateLambdaFunction").unwrap();
    assert_eq!(
        private.prop("Runtime").and_then(Node::as_str),
        Some("python3.12")
    );
    assert_eq!(private.prop("Timeout").and_then(Node::as_i64), Some(30));
    assert_eq!(
        private
            .prop("Environment.Variables.LEVEL")
            .and_then(Node::as_str),
        Some("info")
    );
    // The function's span is its key under `functions:`.
    assert_eq!(spanned(BASIC, public.span), "public");
}

#[test]
fn shared_role_holds_provider_statements_and_logging() {
    let template = load(BASIC);
    let role_index = template
        .resources
        .iter()
        .position(|r| r.id == "IamRoleLambdaExecution")
        .expect("shared role");
    let role = &template.resources[role_index];
    assert_eq!(role.origin.id, "provider");
    assert_eq!(role.origin.resource_type, "Serverless::Provider");
    let mut shared = 0;
    for info in &template.analysis.functions {
        let function = info.resource(&template);
        match function.origin.id.as_str() {
            "private" => assert_eq!(
                info.role,
                RoleBinding::External("arn:aws:iam::123456789012:role/own".into())
            ),
            _ => {
                shared += 1;
                assert_eq!(info.role, RoleBinding::Resource(role_index));
                let dynamo = info
                    .permissions
                    .statements
                    .iter()
                    .find(|s| s.grants("dynamodb:PutItem").is_some())
                    .expect("provider statement");
                assert!(spanned(BASIC, dynamo.span).starts_with("Effect: Allow"));
                assert!(info
                    .permissions
                    .statements
                    .iter()
                    .any(|s| s.grants("logs:PutLogEvents").is_some()));
                assert!(info
                    .permissions
                    .statements
                    .iter()
                    .any(|s| s.grants("logs:CreateLogStream").is_some()));
            }
        }
    }
    assert_eq!(shared, 2);
}

#[test]
fn url_true_is_public_and_points_at_url() {
    let template = load(BASIC);
    let url = template
        .resources_of_type("AWS::Lambda::Url")
        .next()
        .expect("url");
    assert_eq!(url.prop("AuthType").and_then(Node::as_str), Some("NONE"));
    assert_eq!(spanned(BASIC, url.span), "url");
    assert_eq!(url.origin.id, "public");
    let info = template
        .analysis
        .functions
        .iter()
        .find(|f| f.resource(&template).origin.id == "public")
        .unwrap();
    assert!(info.url.is_some());
    assert!(info.is_publicly_invocable(&template));
    assert!(info
        .triggers
        .iter()
        .any(|t| t.kind == TriggerKind::FunctionUrl));

    let iam = load("service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: h\n    url:\n      authorizer: aws_iam\n      cors: true\n");
    let url = iam.resources_of_type("AWS::Lambda::Url").next().unwrap();
    assert_eq!(url.prop("AuthType").and_then(Node::as_str), Some("AWS_IAM"));
    let origins = url.prop("Cors.AllowOrigins").unwrap().items();
    assert_eq!(origins[0].as_str(), Some("*"));
    assert!(iam
        .resources_of_type("AWS::Lambda::Permission")
        .next()
        .is_none());
}

#[test]
fn http_events_become_rest_routes_with_auth() {
    let template = load(BASIC);
    let routes = &template.analysis.routes;
    assert_eq!(routes.len(), 2);
    let get = routes.iter().find(|r| r.method == "GET").unwrap();
    assert_eq!(get.kind, ApiKind::Rest);
    assert_eq!(get.api, "ApiGatewayRestApi");
    assert_eq!(get.path, "/users/{id}");
    assert_eq!(get.auth, RouteAuth::None);
    assert!(!get.api_key_required);
    assert_eq!(get.request_validation, Some(false));
    assert_eq!(get.function.as_deref(), Some("ApiLambdaFunction"));
    assert_eq!(get.origin.id, "api");
    let post = routes.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.auth, RouteAuth::Iam);
    assert!(post.api_key_required);
    assert_eq!(post.request_validation, Some(true));
    assert!(template.resource("ApiGatewayRestApi").is_some());
    let stage = template
        .resources_of_type("AWS::ApiGateway::Stage")
        .next()
        .unwrap();
    assert_eq!(stage.prop("StageName").and_then(Node::as_str), Some("dev"));
    assert_eq!(stage.origin.id, "provider");
}

#[test]
fn http_api_authorizers_by_name_and_type() {
    let text = r#"service: s
provider:
  name: aws
  httpApi:
    cors: true
    authorizers:
      jwtAuth:
        identitySource: $request.header.Authorization
        issuerUrl: https://issuer
        audience: [a]
      lambdaAuth:
        type: request
        functionName: auth
  logs:
    httpApi: true
functions:
  f:
    handler: h
    events:
      - httpApi: 'GET /open'
      - httpApi:
          method: POST
          path: /jwt
          authorizer:
            name: jwtAuth
      - httpApi:
          method: PUT
          path: /custom
          authorizer:
            name: lambdaAuth
      - httpApi:
          method: DELETE
          path: /iam
          authorizer:
            type: aws_iam
      - httpApi: '*'
"#;
    let template = load(text);
    let auth = |method: &str| {
        template
            .analysis
            .routes
            .iter()
            .find(|r| r.method == method)
            .unwrap()
            .auth
            .clone()
    };
    assert_eq!(auth("GET"), RouteAuth::None);
    assert_eq!(auth("POST"), RouteAuth::Jwt("jwtAuth".into()));
    assert_eq!(auth("PUT"), RouteAuth::Custom("lambdaAuth".into()));
    assert_eq!(auth("DELETE"), RouteAuth::Iam);
    let any = template
        .analysis
        .routes
        .iter()
        .find(|r| r.method == "ANY")
        .unwrap();
    assert_eq!(any.path, "$default");
    assert!(template
        .analysis
        .routes
        .iter()
        .all(|r| r.kind == ApiKind::Http && r.api == "HttpApi"));
    let stage = template
        .resources_of_type("AWS::ApiGatewayV2::Stage")
        .next()
        .unwrap();
    assert!(stage.prop("AccessLogSettings.DestinationArn").is_some());
    let api = template.resource("HttpApi").unwrap();
    assert!(api.prop("CorsConfiguration.AllowOrigins").is_some());
}

#[test]
fn rest_authorizer_forms() {
    let text = r#"service: s
provider:
  name: aws
functions:
  auth:
    handler: auth.handler
  f:
    handler: h
    events:
      - http: GET /by-function
      - http:
          path: fn
          method: put
          authorizer: auth
      - http:
          path: cognito
          method: post
          authorizer:
            name: pool
            arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc
      - http:
          path: typed
          method: patch
          authorizer:
            type: COGNITO_USER_POOLS
            authorizerId: !Ref ApiAuthorizer
      - http:
          path: ssm
          method: delete
          authorizer:
            arn: ${ssm:/authorizer/arn}
"#;
    let template = load(text);
    let auth = |method: &str| {
        template
            .analysis
            .routes
            .iter()
            .find(|r| r.method == method)
            .unwrap()
            .auth
            .clone()
    };
    assert_eq!(auth("GET"), RouteAuth::None);
    assert_eq!(auth("PUT"), RouteAuth::Custom("auth".into()));
    assert_eq!(auth("POST"), RouteAuth::Cognito("pool".into()));
    assert!(matches!(auth("PATCH"), RouteAuth::Cognito(_)));
    assert!(matches!(auth("DELETE"), RouteAuth::Unknown(_)));
    let get = template
        .analysis
        .routes
        .iter()
        .find(|r| r.method == "GET")
        .unwrap();
    assert_eq!(get.path, "/by-function");
}

#[test]
fn async_events_dlq_and_destinations() {
    let text = r#"service: s
provider:
  name: aws
functions:
  worker:
    handler: h
    onError: arn:aws:sns:us-east-1:123456789012:dlq
    events:
      - sqs:
          arn: !GetAtt Queue.Arn
          batchSize: 5
      - stream:
          arn: arn:aws:kinesis:us-east-1:123456789012:stream/s
          maximumRetryAttempts: 3
          destinations:
            onFailure: arn:aws:sqs:us-east-1:123456789012:failed
      - schedule: rate(5 minutes)
      - sns: alerts
      - s3:
          bucket: uploads
          event: s3:ObjectCreated:*
      - eventBridge:
          pattern:
            source: [my.app]
  notifier:
    handler: h
    destinations:
      onFailure: arn:aws:sqs:us-east-1:123456789012:failures
    events:
      - sns: arn:aws:sns:us-east-1:123456789012:topic
resources:
  Resources:
    Queue:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 30
"#;
    let template = load(text);
    let worker = template
        .analysis
        .functions
        .iter()
        .find(|f| f.resource(&template).origin.id == "worker")
        .unwrap();
    let kinds: Vec<TriggerKind> = worker.triggers.iter().map(|t| t.kind).collect();
    for kind in [
        TriggerKind::Sqs,
        TriggerKind::Kinesis,
        TriggerKind::EventBridge,
        TriggerKind::Sns,
        TriggerKind::S3,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
    let sqs = worker
        .triggers
        .iter()
        .find(|t| t.kind == TriggerKind::Sqs)
        .unwrap();
    assert_eq!(
        sqs.source
            .map(|index| template.resources[index].id.as_str()),
        Some("Queue")
    );
    let function = worker.resource(&template);
    assert_eq!(
        function
            .prop("DeadLetterConfig.TargetArn")
            .and_then(Node::as_str),
        Some("arn:aws:sns:us-east-1:123456789012:dlq")
    );
    let kinesis = template
        .resources_of_type("AWS::Lambda::EventSourceMapping")
        .find(|m| {
            m.prop("EventSourceArn")
                .is_some_and(|a| a.display().contains(":kinesis:"))
        })
        .unwrap();
    assert!(kinesis
        .prop("DestinationConfig.OnFailure.Destination")
        .is_some());
    // The shared role gets what the pollers need.
    assert!(worker
        .permissions
        .statements
        .iter()
        .any(|s| s.grants("sqs:ReceiveMessage").is_some()));
    assert!(worker
        .permissions
        .statements
        .iter()
        .any(|s| s.grants("kinesis:GetRecords").is_some()));

    let notifier = template
        .analysis
        .functions
        .iter()
        .find(|f| f.resource(&template).origin.id == "notifier")
        .unwrap();
    let config = &template.resources[notifier.event_invoke_config.expect("event invoke config")];
    assert!(config
        .prop("DestinationConfig.OnFailure.Destination")
        .is_some());
    assert!(notifier.is_async());
}

#[test]
fn log_groups_retention_tracing_and_api_settings() {
    let text = r#"service: svc
provider:
  name: aws
  stage: prod
  logRetentionInDays: 14
  tracing:
    lambda: true
    apiGateway: true
  logs:
    restApi: true
  apiGateway:
    apiKeys:
      - partner
    usagePlan:
      quota:
        limit: 5000
        period: MONTH
      throttle:
        burstLimit: 20
        rateLimit: 10
functions:
  hello:
    handler: h
    events:
      - http: GET /hello
  quiet:
    handler: h
    logRetentionInDays: 3
    tracing: PassThrough
"#;
    let template = load(text);
    let hello = template
        .analysis
        .functions
        .iter()
        .find(|f| f.resource(&template).origin.id == "hello")
        .unwrap();
    let group = &template.resources[hello.log_group.expect("log group linked")];
    assert_eq!(
        group.prop("LogGroupName").and_then(Node::as_str),
        Some("/aws/lambda/svc-prod-hello")
    );
    assert_eq!(
        group.prop("RetentionInDays").and_then(Node::as_i64),
        Some(14)
    );
    let function = hello.resource(&template);
    assert_eq!(
        function.prop("TracingConfig.Mode").and_then(Node::as_str),
        Some("Active")
    );
    let quiet = template
        .analysis
        .functions
        .iter()
        .find(|f| f.resource(&template).origin.id == "quiet")
        .unwrap();
    let group = &template.resources[quiet.log_group.unwrap()];
    assert_eq!(
        group.prop("RetentionInDays").and_then(Node::as_i64),
        Some(3)
    );
    assert_eq!(
        quiet
            .resource(&template)
            .prop("TracingConfig.Mode")
            .and_then(Node::as_str),
        Some("PassThrough")
    );

    let stage = template
        .resources_of_type("AWS::ApiGateway::Stage")
        .next()
        .unwrap();
    assert_eq!(stage.prop("StageName").and_then(Node::as_str), Some("prod"));
    assert_eq!(
        stage.prop("TracingEnabled").and_then(Node::as_bool),
        Some(true)
    );
    assert!(stage.prop("AccessLogSetting.DestinationArn").is_some());
    let plan = template
        .resources_of_type("AWS::ApiGateway::UsagePlan")
        .next()
        .unwrap();
    assert_eq!(
        plan.prop("Throttle.RateLimit").and_then(Node::as_i64),
        Some(10)
    );
    assert_eq!(plan.prop("Quota.Limit").and_then(Node::as_i64), Some(5000));
    assert_eq!(plan.origin.id, "provider");
    assert_eq!(
        template
            .resources_of_type("AWS::ApiGateway::ApiKey")
            .count(),
        1
    );
}

#[test]
fn resources_section_goes_through_cloudformation() {
    let text = r#"service: svc
provider:
  name: aws
  iam:
    role:
      managedPolicies:
        - arn:aws:iam::aws:policy/AdministratorAccess
functions:
  hello:
    handler: h
    role: HelloRole
resources:
  Resources:
    HelloRole:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument:
          Statement: []
        Policies:
          - PolicyName: p
            PolicyDocument:
              Statement:
                - Effect: Allow
                  Action: s3:GetObject
                  Resource: !Sub arn:${AWS::Partition}:s3:::${self:service}-bucket/*
    HelloLogGroup:
      Properties:
        RetentionInDays: 7
  Outputs:
    FunctionArn:
      Value: !GetAtt HelloLambdaFunction.Arn
"#;
    let template = load(text);
    let info = &template.analysis.functions[0];
    let role = match info.role {
        RoleBinding::Resource(index) => &template.resources[index],
        ref other => panic!("{other:?}"),
    };
    assert_eq!(role.id, "HelloRole");
    let statement = info
        .permissions
        .statements
        .iter()
        .find(|s| s.grants("s3:GetObject").is_some())
        .unwrap();
    assert_eq!(
        statement.resources[0].display(),
        "arn:aws:s3:::svc-bucket/*"
    );
    // No function uses the shared role, so none is generated.
    assert!(template.resource("IamRoleLambdaExecution").is_none());
    // An entry without `Type` extends the generated resource.
    let group = &template.resources[info.log_group.unwrap()];
    assert_eq!(
        group.prop("RetentionInDays").and_then(Node::as_i64),
        Some(7)
    );
    let output = &template.outputs[0];
    assert!(
        matches!(&output.value.value, Value::ResourceRef { logical_id, .. } if logical_id == "HelloLambdaFunction")
    );
}

#[test]
fn stage_option_and_secret_references() {
    let text = r#"service: svc
provider:
  name: aws
  stage: ${opt:stage, 'dev'}
  environment:
    DB_PASSWORD: ${ssm:/svc/${sls:stage}/db-password}
    API_TOKEN: ${env:API_TOKEN, 'dev-token'}
functions:
  hello:
    handler: h
"#;
    let mut options = LoadOptions {
        stage: Some("prod".into()),
        ..LoadOptions::default()
    };
    options
        .environment
        .insert("API_TOKEN".into(), "from-env".into());
    let template = load_with(text, &options);
    let function = template
        .resources_of_type("AWS::Lambda::Function")
        .next()
        .unwrap();
    assert_eq!(
        function.prop("FunctionName").and_then(Node::as_str),
        Some("svc-prod-hello")
    );
    match &function
        .prop("Environment.Variables.DB_PASSWORD")
        .unwrap()
        .value
    {
        Value::Unknown { reason, partial } => {
            assert!(reason.contains("secret store"));
            assert_eq!(partial.as_deref(), Some("${ssm:/svc/prod/db-password}"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        function
            .prop("Environment.Variables.API_TOKEN")
            .and_then(Node::as_str),
        Some("from-env")
    );
}

#[test]
fn errors_are_located() {
    let mut sources = SourceMap::new();
    let text = "service: s\nprovider:\n  name: aws\nresources:\n  Resources:\n    Bad: 3\n";
    let error = load_text(
        &mut sources,
        "serverless.yml",
        text,
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(error.line > 0, "{error}");
    let text = "service: s\nprovider:\n  name: aws\nfunctions: 42\n";
    let error = load_text(
        &mut sources,
        "serverless.yml",
        text,
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(error.line, 4, "{error}");
    let text = "service: s\nprovider: [aws\n";
    let error = load_text(
        &mut sources,
        "serverless.yml",
        text,
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(error.line > 0, "{error}");
}

#[test]
fn functions_without_events_or_config_do_not_panic() {
    let text = "service: s\nprovider: aws\nfunctions:\n  empty:\n  weird: [1, 2]\n  listed:\n    handler: h\n    events:\n      - http\n      - 3\n      - sqs:\n      - httpApi:\n          authorizer: 5\n";
    let template = load(text);
    assert_eq!(template.analysis.functions.len(), 3);
}
