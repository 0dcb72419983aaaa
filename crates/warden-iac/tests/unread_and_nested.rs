//! What a scan reads beside a template (includes, `DefinitionUri`, `templatefile()`, nested
//! stacks) and what it says it did not read (notices).

use std::path::{Path, PathBuf};

use warden_iac::{load_paths, LoadOptions, Loaded, RouteAuth, Template};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn load(dir: &Path) -> Loaded {
    load_paths(&[dir.to_path_buf()], &LoadOptions::default(), &|_| false)
}

fn template<'a>(loaded: &'a Loaded, name: &str) -> &'a Template {
    loaded
        .templates
        .iter()
        .find(|t| loaded.sources.get(t.file).unwrap().path.ends_with(name))
        .unwrap_or_else(|| panic!("no template {name}"))
}

const INCLUDED_API: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: LOCATION
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /items
            Method: get
"#;

const OPENAPI: &str = r#"openapi: 3.0.1
components:
  securitySchemes:
    Sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
paths:
  /items:
    get:
      security:
        - Sigv4: []
"#;

#[test]
fn a_local_include_is_read_and_secures_the_route() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "template.yaml",
        &INCLUDED_API.replace("LOCATION", "api.yaml"),
    );
    write(dir.path(), "api.yaml", OPENAPI);
    let loaded = load(dir.path());
    let template = template(&loaded, "template.yaml");
    let route = &template.analysis.routes[0];
    assert_eq!(route.path, "/items");
    assert_eq!(route.auth, RouteAuth::Iam);
    assert!(
        loaded.all_notices().is_empty(),
        "{:?}",
        loaded.all_notices()
    );
}

#[test]
fn an_unreadable_include_leaves_the_route_unknown_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "template.yaml",
        &INCLUDED_API.replace("LOCATION", "s3://bucket/api.yaml"),
    );
    let loaded = load(dir.path());
    let template = template(&loaded, "template.yaml");
    assert!(matches!(
        template.analysis.routes[0].auth,
        RouteAuth::Unknown(_)
    ));
    let notices = loaded.all_notices();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].kind, "include-not-read");
    assert_eq!(notices[0].path.as_deref(), Some("s3://bucket/api.yaml"));
}

#[test]
fn definition_uri_is_read_when_local_and_noticed_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let template_text = r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionUri: URI
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /items
            Method: get
"#;
    write(
        dir.path(),
        "local/template.yaml",
        &template_text.replace("URI", "openapi.yaml"),
    );
    write(dir.path(), "local/openapi.yaml", OPENAPI);
    write(
        dir.path(),
        "remote/template.yaml",
        &template_text.replace("URI", "s3://bucket/openapi.yaml"),
    );
    let loaded = load(dir.path());
    let local = template(&loaded, "local/template.yaml");
    assert_eq!(local.analysis.routes[0].auth, RouteAuth::Iam);
    assert!(local.notices.is_empty());
    let remote = template(&loaded, "remote/template.yaml");
    assert!(matches!(
        remote.analysis.routes[0].auth,
        RouteAuth::Unknown(_)
    ));
    assert_eq!(remote.notices[0].kind, "definition-not-read");
}

#[test]
fn nested_stacks_get_the_parameters_their_parent_passes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "parent.yaml",
        r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./child.yaml
      Parameters:
        AuthType: NONE
        QueueArn: !GetAtt Queue.Arn
  Remote:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://s3.amazonaws.com/bucket/other.yaml
"#,
    );
    write(
        dir.path(),
        "child.yaml",
        r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  AuthType:
    Type: String
    Default: AWS_IAM
  QueueArn:
    Type: String
    Default: arn:aws:sqs:us-east-1:123456789012:default
Resources:
  Url:
    Type: AWS::Lambda::Url
    Properties:
      AuthType: !Ref AuthType
      TargetFunctionArn: arn:aws:lambda:us-east-1:123456789012:function:f
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !Ref QueueArn
      FunctionName: f
"#,
    );
    let loaded = load(dir.path());
    // The child is scanned once, with the parent's values.
    let children: Vec<_> = loaded
        .templates
        .iter()
        .filter(|t| {
            loaded
                .sources
                .get(t.file)
                .unwrap()
                .path
                .ends_with("child.yaml")
        })
        .collect();
    assert_eq!(children.len(), 1);
    let child = children[0];
    let url = child.resource("Url").unwrap();
    assert_eq!(url.prop("AuthType").and_then(|n| n.as_str()), Some("NONE"));
    // A value the parent computes is unknown in the child, not the child's default.
    let mapping = child.resource("Mapping").unwrap();
    assert!(!mapping.prop("EventSourceArn").unwrap().is_known());
    let notices = loaded.all_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].kind, "nested-stack-not-read");
}

#[test]
fn a_packaged_copy_is_scanned_once_as_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let source = r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: CODE
"#;
    write(dir.path(), "template.yaml", &source.replace("CODE", "src/"));
    write(
        dir.path(),
        "packaged.yaml",
        &source.replace("CODE", "s3://bucket/abc123"),
    );
    let loaded = load(dir.path());
    assert_eq!(loaded.templates.len(), 1);
    template(&loaded, "template.yaml");
    assert_eq!(loaded.notices.len(), 1);
    assert_eq!(loaded.notices[0].kind, "packaged-duplicate");
    assert!(loaded.notices[0].message.contains("packaged.yaml"));
}

#[test]
fn cdk_apps_without_synthesized_templates_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/cdk.json",
        r#"{"app": "npx ts-node bin/app.ts"}"#,
    );
    let loaded = load(dir.path());
    assert_eq!(loaded.notices.len(), 1);
    assert_eq!(loaded.notices[0].kind, "cdk-not-synthesized");
    write(
        dir.path(),
        "app/cdk.out/Stack.template.json",
        r#"{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}"#,
    );
    assert!(load(dir.path()).notices.is_empty());
}

#[test]
fn serverless_plugins_that_deploy_resources_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "serverless.yml",
        "service: s\nprovider:\n  name: aws\n  runtime: nodejs20.x\nplugins:\n  - serverless-offline\n  - serverless-step-functions\nfunctions:\n  f:\n    handler: h.f\n",
    );
    let notices = load(dir.path()).all_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].kind, "serverless-plugin");
    assert_eq!(
        notices[0].path.as_deref(),
        Some("serverless-step-functions")
    );
}

#[test]
fn terraform_templatefile_policies_are_read_and_registry_modules_noticed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policy.json.tftpl",
        r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "${bucket_arn}/*"}]}"#,
    );
    write(
        dir.path(),
        "main.tf",
        r#"
resource "aws_s3_bucket" "data" {
  bucket = "data"
}

resource "aws_iam_role" "fn" {
  name               = "fn"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}

resource "aws_iam_role_policy" "fn" {
  name   = "fn"
  role   = aws_iam_role.fn.id
  policy = templatefile("${path.module}/policy.json.tftpl", { bucket_arn = aws_s3_bucket.data.arn })
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  runtime       = "python3.12"
  handler       = "app.handler"
  role          = aws_iam_role.fn.arn
  filename      = "app.zip"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
"#,
    );
    let loaded = load(dir.path());
    let template = &loaded.templates[0];
    let function = &template.analysis.functions[0];
    assert!(function
        .permissions
        .statements
        .iter()
        .any(|s| s.grants("s3:GetObject").is_some()));
    let notices = loaded.all_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].kind, "registry-module");
}

#[test]
fn unreadable_terraform_and_serverless_files_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tf/main.tf",
        r#"
resource "aws_iam_role" "fn" {
  name               = "fn"
  assume_role_policy = file("${path.module}/trust.json")
}

resource "aws_iam_role_policy" "fn" {
  name   = "fn"
  role   = aws_iam_role.fn.id
  policy = templatefile("${path.module}/missing-policy.tftpl", {})
}
"#,
    );
    write(
        dir.path(),
        "sls/serverless.yml",
        "service: ${file(./config.yml):service}\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  stage: ${file(./stages.yml):default, 'dev'}\nfunctions:\n  hello:\n    handler: handler.hello\n",
    );
    let loaded = load(dir.path());
    let notices: Vec<String> = loaded
        .templates
        .iter()
        .flat_map(|t| &t.notices)
        .filter(|n| n.kind == "include-not-read")
        .map(|n| n.message.clone())
        .collect();
    // Both Terraform files and the Serverless include without a fallback; the one with a
    // fallback has a value.
    assert_eq!(notices.len(), 3, "{notices:#?}");
    assert!(notices.iter().any(|m| m.contains("trust.json")));
    assert!(notices.iter().any(|m| m.contains("missing-policy.tftpl")));
    assert!(notices.iter().any(|m| m.contains("${file(./config.yml)}")));
    assert!(!notices.iter().any(|m| m.contains("stages.yml")));
}

#[test]
fn nested_rest_resources_give_the_full_route_path() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "template.yaml",
        r#"Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api
  Status:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: status
  Token:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !Ref Status
      PathPart: '{token}'
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Token
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
"#,
    );
    let loaded = load(dir.path());
    let routes = &loaded.templates[0].analysis.routes;
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0].path, "/status/{token}");
}
