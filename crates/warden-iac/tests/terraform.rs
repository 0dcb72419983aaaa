//! Terraform loading: HCL evaluation (variables, tfvars precedence, locals, references,
//! `jsonencode`, heredocs, policy document data sources, `count`/`for_each`, unknowns),
//! translation into CloudFormation vocabulary, local modules and plan JSON.

use std::path::Path;

use warden_diagnostics::{SourceMap, Span};
use warden_iac::{load_paths, load_text, Format, LoadOptions, Node, RouteAuth, Template, Value};

fn load(text: &str) -> (SourceMap, Template) {
    let mut sources = SourceMap::new();
    let template = load_text(&mut sources, "main.tf", text, &LoadOptions::default())
        .expect("loads")
        .expect("is a module");
    assert_eq!(template.format, Format::Terraform);
    (sources, template)
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn load_dir(dir: &Path, options: &LoadOptions) -> warden_iac::Loaded {
    let loaded = load_paths(&[dir.to_path_buf()], options, &|_| false);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    loaded
}

/// The text a span covers.
fn slice(sources: &SourceMap, span: Span) -> &str {
    sources.get(span.file).unwrap().slice(span)
}

fn prop<'t>(template: &'t Template, id: &str, path: &str) -> &'t Node {
    template
        .resource(id)
        .unwrap_or_else(|| {
            panic!(
                "no resource {id}: {:?}",
                template.resources.iter().map(|r| &r.id).collect::<Vec<_>>()
            )
        })
        .prop(path)
        .unwrap_or_else(|| panic!("{id} has no {path}"))
}

const FUNCTION: &str = r#"
variable "runtime" {
  type    = string
  default = "python3.8"
}

resource "aws_iam_role" "role" {
  name = "fn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = aws_iam_role.role.arn
  runtime       = var.runtime
  handler       = "app.handler"
}
"#;

#[test]
fn variable_precedence_defaults_tfvars_auto_var_files_cli() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", FUNCTION);
    let runtime = |loaded: &warden_iac::Loaded| {
        prop(&loaded.templates[0], "aws_lambda_function.fn", "Runtime").display()
    };

    assert_eq!(
        runtime(&load_dir(dir.path(), &LoadOptions::default())),
        "python3.8"
    );
    write(dir.path(), "terraform.tfvars", "runtime = \"python3.9\"\n");
    assert_eq!(
        runtime(&load_dir(dir.path(), &LoadOptions::default())),
        "python3.9"
    );
    write(dir.path(), "b.auto.tfvars", "runtime = \"python3.11\"\n");
    write(dir.path(), "a.auto.tfvars", "runtime = \"python3.10\"\n");
    // Auto files apply in lexical order: `b` wins over `a`.
    assert_eq!(
        runtime(&load_dir(dir.path(), &LoadOptions::default())),
        "python3.11"
    );

    let var_file = dir.path().join("prod.vars");
    std::fs::write(&var_file, "runtime = \"python3.12\"\n").unwrap();
    let mut options = LoadOptions {
        terraform_var_files: vec![var_file],
        ..LoadOptions::default()
    };
    let loaded = load_dir(dir.path(), &options);
    assert_eq!(runtime(&loaded), "python3.12");
    // The value points into the file it came from.
    let node = prop(&loaded.templates[0], "aws_lambda_function.fn", "Runtime");
    assert_eq!(slice(&loaded.sources, node.span), "\"python3.12\"");

    options
        .terraform_vars
        .insert("runtime".into(), "python3.13".into());
    assert_eq!(runtime(&load_dir(dir.path(), &options)), "python3.13");
}

#[test]
fn locals_templates_and_references() {
    let (sources, template) = load(
        r#"
variable "env" { default = "prod" }
locals {
  name   = "svc-${var.env}"
  tags   = merge({ team = "a" }, { env = var.env })
  prefix = upper(local.name)
}
resource "aws_iam_role" "r" {
  assume_role_policy = "{}"
}
resource "aws_lambda_function" "f" {
  function_name = local.name
  description   = "${local.prefix}-${length(local.tags)}"
  role          = aws_iam_role.r.arn
  environment {
    variables = {
      ACCOUNT = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
      TABLE   = aws_dynamodb_table.t.name
    }
  }
}
resource "aws_dynamodb_table" "t" {
  name = "t"
}
"#,
    );
    assert_eq!(
        prop(&template, "aws_lambda_function.f", "FunctionName").display(),
        "svc-prod"
    );
    assert_eq!(
        prop(&template, "aws_lambda_function.f", "Description").display(),
        "SVC-PROD-2"
    );
    let role = prop(&template, "aws_lambda_function.f", "Role");
    assert_eq!(
        role.value,
        Value::ResourceRef {
            logical_id: "aws_iam_role.r".into(),
            attribute: Some("arn".into())
        }
    );
    assert_eq!(slice(&sources, role.span), "aws_iam_role.r.arn");
    let account = prop(
        &template,
        "aws_lambda_function.f",
        "Environment.Variables.ACCOUNT",
    );
    match &account.value {
        Value::Unknown {
            partial: Some(partial),
            ..
        } => assert!(partial.starts_with("arn:aws:iam::"), "{partial}"),
        other => panic!("expected a partial unknown, got {other:?}"),
    }
    assert!(prop(
        &template,
        "aws_lambda_function.f",
        "Environment.Variables.TABLE"
    )
    .resource_ref()
    .is_some());
    assert!(matches!(
        template.analysis.functions[0].role,
        warden_iac::RoleBinding::Resource(_)
    ));
}

#[test]
fn jsonencode_keeps_hcl_spans() {
    let (sources, template) = load(FUNCTION);
    let document = prop(&template, "aws_iam_role.role", "AssumeRolePolicyDocument");
    let statement = &document.get("Statement").unwrap().items()[0];
    assert_eq!(
        slice(&sources, statement.get("Effect").unwrap().span),
        "\"Allow\""
    );
    assert_eq!(
        statement
            .get("Principal")
            .unwrap()
            .get("Service")
            .unwrap()
            .display(),
        "lambda.amazonaws.com"
    );
}

#[test]
fn heredoc_json_spans_point_inside_the_heredoc() {
    let text = r#"
resource "aws_s3_bucket" "b" {
  bucket = "data"
}
resource "aws_iam_role" "r" {
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = <<-EOF
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": "${aws_s3_bucket.b.arn}/*"
      }, {
        "Effect": "Allow",
        "Action": "sqs:SendMessage",
        "Resource": "${aws_s3_bucket.b.arn}"
      }]
    }
  EOF
}
"#;
    let (sources, template) = load(text);
    let document = prop(&template, "aws_iam_role_policy.p", "PolicyDocument");
    let statements = document.get("Statement").unwrap().items();
    let action = statements[0].get("Action").unwrap();
    assert_eq!(action.display(), "s3:*");
    assert_eq!(action.span.start as usize, text.find("\"s3:*\"").unwrap());
    assert_eq!(slice(&sources, action.span), "\"s3:*\"");
    // Interpolations inside the JSON are evaluated: a partial ARN, and a plain reference.
    assert_eq!(
        statements[0].get("Resource").unwrap().display(),
        "${aws_s3_bucket.b.Arn}/*"
    );
    assert_eq!(
        statements[1].get("Resource").unwrap().resource_ref(),
        Some("aws_s3_bucket.b")
    );
    // The role policy attaches to the role.
    assert_eq!(
        prop(&template, "aws_iam_role_policy.p", "Roles").items()[0].resource_ref(),
        Some("aws_iam_role.r")
    );
}

#[test]
fn policy_document_data_source_becomes_a_document() {
    let text = r#"
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
data "aws_iam_policy_document" "admin" {
  statement {
    effect    = "Allow"
    actions   = ["*"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["eu-west-1"]
    }
  }
}
resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.name
  policy = data.aws_iam_policy_document.admin.json
}
resource "aws_lambda_function" "f" {
  role = aws_iam_role.r.arn
}
"#;
    let (sources, template) = load(text);
    let trust = prop(&template, "aws_iam_role.r", "AssumeRolePolicyDocument");
    let statement = &trust.get("Statement").unwrap().items()[0];
    assert_eq!(statement.get("Effect").unwrap().display(), "Allow");
    assert_eq!(
        statement.path("Principal.Service").unwrap().items()[0].display(),
        "lambda.amazonaws.com"
    );
    let permissions = &template.analysis.functions[0].permissions;
    let star = permissions
        .statements
        .iter()
        .find(|s| s.has_star_resource())
        .expect("the admin statement applies");
    assert!(star.grants("iam:CreateUser").is_some());
    let condition = star.condition.as_ref().unwrap();
    assert_eq!(
        condition
            .path("StringEquals.aws:RequestedRegion")
            .unwrap()
            .items()[0]
            .display(),
        "eu-west-1"
    );
    // Spans point at the data source's statement, not at the reference.
    let action = &star.actions[0];
    assert_eq!(slice(&sources, action.span), "\"*\"");
}

#[test]
fn count_and_for_each_expand_literal_values() {
    let (_, template) = load(
        r#"
variable "names" { default = ["a", "b"] }
resource "aws_sqs_queue" "counted" {
  count = 2
  name  = "q-${count.index}"
}
resource "aws_sqs_queue" "each" {
  for_each = toset(var.names)
  name     = "q-${each.key}"
}
resource "aws_sqs_queue" "mapped" {
  for_each = { x = 10, y = 20 }
  visibility_timeout_seconds = each.value
}
resource "aws_sqs_queue" "unknown" {
  count = length(data.aws_availability_zones.all.names)
  name  = "q-${count.index}"
}
resource "aws_sqs_queue" "none" {
  count = 0
}
resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn = aws_sqs_queue.each["b"].arn
  function_name    = "f"
}
"#,
    );
    let ids: Vec<&str> = template.resources.iter().map(|r| r.id.as_str()).collect();
    for id in [
        "aws_sqs_queue.counted[0]",
        "aws_sqs_queue.counted[1]",
        "aws_sqs_queue.each[\"a\"]",
        "aws_sqs_queue.each[\"b\"]",
        "aws_sqs_queue.mapped[\"x\"]",
        "aws_sqs_queue.unknown",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(!ids.iter().any(|id| id.starts_with("aws_sqs_queue.none")));
    assert_eq!(
        prop(&template, "aws_sqs_queue.counted[1]", "QueueName").display(),
        "q-1"
    );
    assert_eq!(
        prop(&template, "aws_sqs_queue.each[\"b\"]", "QueueName").display(),
        "q-b"
    );
    assert_eq!(
        prop(
            &template,
            "aws_sqs_queue.mapped[\"y\"]",
            "VisibilityTimeout"
        )
        .as_i64(),
        Some(20)
    );
    assert!(!prop(&template, "aws_sqs_queue.unknown", "QueueName").is_known());
    assert_eq!(
        prop(
            &template,
            "aws_lambda_event_source_mapping.m",
            "EventSourceArn"
        )
        .resource_ref(),
        Some("aws_sqs_queue.each[\"b\"]")
    );
}

#[test]
fn remote_modules_and_unknown_expressions_are_unknown() {
    let (_, template) = load(
        r#"
module "remote" {
  source = "terraform-aws-modules/lambda/aws"
}
resource "aws_lambda_function" "f" {
  role    = module.remote.role_arn
  runtime = var.undeclared
  timeout = try(local.missing, 30)
  kms_key_arn = data.aws_kms_key.k.arn
}
"#,
    );
    assert!(prop(&template, "aws_lambda_function.f", "Role").is_unknown());
    assert!(prop(&template, "aws_lambda_function.f", "Runtime").is_unknown());
    assert_eq!(
        prop(&template, "aws_lambda_function.f", "Timeout").as_i64(),
        Some(30)
    );
    assert!(prop(&template, "aws_lambda_function.f", "KmsKeyArn").is_unknown());
    assert_eq!(
        template.analysis.functions[0].role,
        warden_iac::RoleBinding::Unknown
    );
}

#[test]
fn function_url_without_auth_points_at_the_attribute() {
    let (sources, template) = load(
        r#"
resource "aws_lambda_function" "f" {
  function_name = "f"
  reserved_concurrent_executions = -1
}
resource "aws_lambda_function_url" "u" {
  function_name      = aws_lambda_function.f.function_name
  authorization_type = "NONE"
  cors {
    allow_origins     = ["*"]
    allow_credentials = true
  }
}
"#,
    );
    let url = template.resource("aws_lambda_function_url.u").unwrap();
    assert_eq!(url.resource_type, "AWS::Lambda::Url");
    assert_eq!(url.origin.resource_type, "aws_lambda_function_url");
    let auth = url.prop("AuthType").unwrap();
    assert_eq!(auth.display(), "NONE");
    assert_eq!(slice(&sources, auth.span), "\"NONE\"");
    let (key, _) = url.props().get_entry("AuthType").unwrap();
    assert_eq!(slice(&sources, key.span), "authorization_type");
    assert_eq!(
        url.prop("Cors.AllowCredentials").and_then(Node::as_bool),
        Some(true)
    );
    let function = &template.analysis.functions[0];
    assert!(function.url.is_some());
    assert!(function.is_publicly_invocable(&template));
    // -1 means no reservation: the property is absent.
    assert!(function
        .resource(&template)
        .prop("ReservedConcurrentExecutions")
        .is_none());
}

#[test]
fn managed_policy_attachment_shows_in_function_permissions() {
    let (sources, template) = load(
        r#"
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.r.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_policy" "custom" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}
resource "aws_iam_role_policy_attachment" "custom" {
  role       = "r"
  policy_arn = aws_iam_policy.custom.arn
}
resource "aws_lambda_function" "f" {
  role = aws_iam_role.r.arn
}
"#,
    );
    let permissions = &template.analysis.functions[0].permissions;
    let (name, span) = permissions
        .managed
        .iter()
        .find(|(name, _)| name == "AdministratorAccess")
        .expect("attached");
    assert_eq!(name, "AdministratorAccess");
    assert_eq!(
        slice(&sources, *span),
        "\"arn:aws:iam::aws:policy/AdministratorAccess\""
    );
    // Attachment by role name and of a policy in the module.
    assert!(permissions
        .statements
        .iter()
        .any(|s| s.grants("s3:GetObject").is_some() && s.origin == "aws_iam_policy.custom"));
    assert!(
        template
            .resource("aws_iam_role_policy_attachment.admin")
            .is_none(),
        "merged into the role"
    );
}

#[test]
fn user_and_group_policy_attachments_merge_into_the_principal() {
    let (_, template) = load(
        r#"
resource "aws_iam_user" "ci" { name = "ci" }
resource "aws_iam_group" "ops" { name = "ops" }
resource "aws_iam_user_policy_attachment" "ci" {
  user       = aws_iam_user.ci.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_group_policy_attachment" "ops" {
  group      = "ops"
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}
resource "aws_iam_policy_attachment" "shared" {
  name       = "shared"
  users      = [aws_iam_user.ci.name]
  groups     = [aws_iam_group.ops.name]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"#,
    );
    let arns = |address: &str| -> Vec<String> {
        template
            .resource(address)
            .and_then(|principal| principal.prop("ManagedPolicyArns"))
            .map(|arns| arns.items().iter().map(|arn| arn.display()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        arns("aws_iam_user.ci"),
        [
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ]
    );
    assert_eq!(
        arns("aws_iam_group.ops"),
        [
            "arn:aws:iam::aws:policy/PowerUserAccess",
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ]
    );
    assert!(template
        .resource("aws_iam_user_policy_attachment.ci")
        .is_none());
}

#[test]
fn rest_method_without_authorization_is_an_open_route() {
    let (_, template) = load(
        r#"
resource "aws_api_gateway_rest_api" "api" { name = "api" }
resource "aws_api_gateway_resource" "items" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "items"
}
resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.items.id
  http_method   = "GET"
  authorization = "NONE"
}
resource "aws_api_gateway_integration" "get" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.items.id
  http_method             = aws_api_gateway_method.get.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.f.invoke_arn
  timeout_milliseconds    = 10000
}
resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  stage_name    = "prod"
  deployment_id = "d"
}
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "*/*"
  settings {
    logging_level      = "INFO"
    data_trace_enabled = true
  }
}
resource "aws_lambda_function" "f" { function_name = "f" }
"#,
    );
    let route = &template.analysis.routes[0];
    assert_eq!(route.auth, RouteAuth::None);
    assert_eq!(route.method, "GET");
    assert_eq!(route.path, "/items");
    assert_eq!(route.api, "aws_api_gateway_rest_api.api");
    assert_eq!(route.function.as_deref(), Some("aws_lambda_function.f"));
    assert!(format!("{:?}", route.integration_timeout).contains("10000"));
    assert_eq!(route.origin.id, "aws_api_gateway_method.get");
    let settings = prop(&template, "aws_api_gateway_stage.prod", "MethodSettings").items();
    assert_eq!(settings[0].get("ResourcePath").unwrap().display(), "/*");
    assert_eq!(settings[0].get("HttpMethod").unwrap().display(), "*");
    assert_eq!(
        settings[0].get("DataTraceEnabled").and_then(Node::as_bool),
        Some(true)
    );
}

#[test]
fn s3_split_resources_merge_into_the_bucket() {
    let (sources, template) = load(
        r#"
resource "aws_s3_bucket" "b" { bucket = "data" }
resource "aws_s3_bucket_acl" "b" {
  bucket = aws_s3_bucket.b.id
  acl    = "public-read"
}
resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = "data"
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.k.arn
    }
  }
}
resource "aws_s3_bucket_versioning" "b" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration { status = "Enabled" }
}
resource "aws_s3_bucket_policy" "b" {
  bucket = aws_s3_bucket.b.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*" }] })
}
resource "aws_kms_key" "k" { enable_key_rotation = true }
"#,
    );
    let bucket = template.resource("aws_s3_bucket.b").unwrap();
    let acl = bucket.prop("AccessControl").unwrap();
    assert_eq!(acl.display(), "PublicRead");
    assert_eq!(slice(&sources, acl.span), "\"public-read\"");
    assert_eq!(
        bucket
            .prop("PublicAccessBlockConfiguration.BlockPublicPolicy")
            .and_then(Node::as_bool),
        Some(false)
    );
    let encryption = bucket
        .prop("BucketEncryption.ServerSideEncryptionConfiguration")
        .unwrap()
        .items();
    assert_eq!(
        encryption[0]
            .path("ServerSideEncryptionByDefault.SSEAlgorithm")
            .unwrap()
            .display(),
        "aws:kms"
    );
    assert_eq!(
        bucket
            .prop("VersioningConfiguration.Status")
            .unwrap()
            .display(),
        "Enabled"
    );
    let policy = template.resource("aws_s3_bucket_policy.b").unwrap();
    assert_eq!(policy.resource_type, "AWS::S3::BucketPolicy");
    assert_eq!(
        policy.prop("Bucket").and_then(Node::resource_ref),
        Some("aws_s3_bucket.b")
    );
    assert!(template
        .resources
        .iter()
        .all(|r| !r.resource_type.starts_with("aws_s3_bucket_")));
}

#[test]
fn queues_topics_tables_logs_keys_secrets() {
    let (_, template) = load(
        r#"
resource "aws_sqs_queue" "dlq" { name = "dlq" }
resource "aws_sqs_queue" "q" {
  visibility_timeout_seconds = 30
  kms_master_key_id          = "alias/aws/sqs"
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 3 })
}
resource "aws_sns_topic" "t" { kms_master_key_id = "alias/x" }
resource "aws_dynamodb_table" "d" {
  name = "d"
  point_in_time_recovery { enabled = true }
  server_side_encryption { enabled = true }
}
resource "aws_cloudwatch_log_group" "l" {
  name              = "/aws/lambda/${aws_lambda_function.f.function_name}"
  retention_in_days = 14
}
resource "aws_lambda_function" "f" {}
resource "aws_secretsmanager_secret" "s" { name = "s" }
resource "aws_secretsmanager_secret_version" "s" {
  secret_id     = aws_secretsmanager_secret.s.id
  secret_string = "hunter2"
}
resource "aws_ssm_parameter" "p" {
  name  = "p"
  type  = "String"
  value = "v"
}
resource "aws_kms_key" "k" {
  enable_key_rotation = false
  policy = jsonencode({ Statement = [] })
}
"#,
    );
    assert_eq!(
        prop(&template, "aws_sqs_queue.q", "VisibilityTimeout").as_i64(),
        Some(30)
    );
    assert_eq!(
        prop(
            &template,
            "aws_sqs_queue.q",
            "RedrivePolicy.deadLetterTargetArn"
        )
        .resource_ref(),
        Some("aws_sqs_queue.dlq")
    );
    assert_eq!(
        prop(&template, "aws_sns_topic.t", "KmsMasterKeyId").display(),
        "alias/x"
    );
    assert_eq!(
        prop(
            &template,
            "aws_dynamodb_table.d",
            "PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled"
        )
        .as_bool(),
        Some(true)
    );
    assert_eq!(
        prop(
            &template,
            "aws_dynamodb_table.d",
            "SSESpecification.SSEEnabled"
        )
        .as_bool(),
        Some(true)
    );
    assert_eq!(
        prop(&template, "aws_cloudwatch_log_group.l", "RetentionInDays").as_i64(),
        Some(14)
    );
    assert!(
        template.analysis.functions[0].log_group.is_some(),
        "the log group is matched by name"
    );
    assert_eq!(
        prop(&template, "aws_secretsmanager_secret.s", "SecretString").display(),
        "hunter2"
    );
    assert_eq!(
        prop(&template, "aws_ssm_parameter.p", "Type").display(),
        "String"
    );
    assert_eq!(
        prop(&template, "aws_kms_key.k", "EnableKeyRotation").as_bool(),
        Some(false)
    );
    assert!(prop(&template, "aws_kms_key.k", "KeyPolicy")
        .as_map()
        .is_some());
}

#[test]
fn local_modules_are_followed_with_bound_inputs() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        r#"
module "worker" {
  source  = "./modules/fn"
  runtime = "nodejs14.x"
  name    = "worker"
}
resource "aws_lambda_permission" "p" {
  function_name = module.worker.function_name
  principal     = "s3.amazonaws.com"
  action        = "lambda:InvokeFunction"
}
"#,
    );
    write(
        dir.path(),
        "modules/fn/main.tf",
        r#"
variable "runtime" {}
variable "name" {}
resource "aws_iam_role" "this" { assume_role_policy = "{}" }
resource "aws_lambda_function" "this" {
  function_name = var.name
  runtime       = var.runtime
  role          = aws_iam_role.this.arn
}
output "function_name" { value = aws_lambda_function.this.function_name }
"#,
    );
    let loaded = load_dir(dir.path(), &LoadOptions::default());
    let root = loaded
        .templates
        .iter()
        .find(|t| t.resource("aws_lambda_permission.p").is_some())
        .expect("the root module");
    let function = root
        .resource("module.worker.aws_lambda_function.this")
        .expect("module resource");
    assert_eq!(function.prop("Runtime").unwrap().display(), "nodejs14.x");
    assert_eq!(function.origin.id, "module.worker.aws_lambda_function.this");
    assert_eq!(
        root.resource("aws_lambda_permission.p")
            .unwrap()
            .prop("FunctionName")
            .unwrap()
            .resource_ref(),
        Some("module.worker.aws_lambda_function.this")
    );
    let info = &root.analysis.functions[0];
    assert!(matches!(info.role, warden_iac::RoleBinding::Resource(_)));
    assert_eq!(info.triggers.len(), 1);
    // The module's span points into its own file.
    let file = loaded.sources.get(function.span.file).unwrap();
    assert!(file.path.ends_with("modules/fn/main.tf"));
}

#[test]
fn parse_errors_are_located_and_other_files_still_load() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.tf", FUNCTION);
    write(
        dir.path(),
        "broken.tf",
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \n}\n",
    );
    let loaded = load_paths(
        &[dir.path().to_path_buf()],
        &LoadOptions::default(),
        &|_| false,
    );
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    assert!(loaded.errors[0].file.ends_with("broken.tf"));
    assert!(loaded.errors[0].line >= 2);
    assert_eq!(loaded.templates.len(), 1);
    assert!(loaded.templates[0]
        .resource("aws_lambda_function.fn")
        .is_some());

    let mut sources = SourceMap::new();
    let error = load_text(
        &mut sources,
        "x.tf",
        "resource {{{",
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!(error.line, 1);
}

const PLAN: &str = r#"{
  "format_version": "1.2",
  "terraform_version": "1.7.0",
  "planned_values": {
    "root_module": {
      "resources": [
        {
          "address": "aws_iam_role.r",
          "mode": "managed",
          "type": "aws_iam_role",
          "name": "r",
          "values": {
            "name": "r",
            "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
            "managed_policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"]
          }
        },
        {
          "address": "aws_lambda_function.f",
          "mode": "managed",
          "type": "aws_lambda_function",
          "name": "f",
          "values": {
            "function_name": "f",
            "runtime": "python3.12",
            "tracing_config": [{ "mode": "Active" }]
          }
        },
        {
          "address": "aws_lambda_function_url.u",
          "mode": "managed",
          "type": "aws_lambda_function_url",
          "name": "u",
          "values": { "function_name": "f", "authorization_type": "NONE" }
        }
      ]
    }
  },
  "resource_changes": [
    {
      "address": "aws_lambda_function.f",
      "change": { "after_unknown": { "role": true, "arn": true } }
    }
  ],
  "configuration": {
    "root_module": {
      "resources": [
        {
          "address": "aws_lambda_function.f",
          "expressions": { "role": { "references": ["aws_iam_role.r.arn", "aws_iam_role.r"] } }
        },
        {
          "address": "aws_lambda_function_url.u",
          "expressions": { "function_name": { "references": ["aws_lambda_function.f.function_name", "aws_lambda_function.f"] } }
        }
      ]
    }
  }
}"#;

#[test]
fn plan_json_translates_like_hcl() {
    let mut sources = SourceMap::new();
    let template = load_text(&mut sources, "plan.json", PLAN, &LoadOptions::default())
        .unwrap()
        .expect("a plan is a template");
    assert_eq!(template.format, Format::Terraform);
    let url = template.resource("aws_lambda_function_url.u").unwrap();
    let auth = url.prop("AuthType").unwrap();
    assert_eq!(slice(&sources, auth.span), "\"NONE\"");
    assert_eq!(
        url.prop("TargetFunctionArn").unwrap().resource_ref(),
        Some("aws_lambda_function.f")
    );
    assert_eq!(
        prop(&template, "aws_lambda_function.f", "TracingConfig.Mode").display(),
        "Active"
    );
    let function = &template.analysis.functions[0];
    assert!(
        matches!(function.role, warden_iac::RoleBinding::Resource(_)),
        "{:?}",
        function.role
    );
    assert!(function
        .permissions
        .managed
        .iter()
        .any(|(name, _)| name == "AdministratorAccess"));
    assert!(function.url.is_some());
}

#[test]
fn hostile_inputs_are_bounded() {
    // Self-reference, exponential growth, huge counts, deep nesting: unknowns and errors,
    // never a hang or a panic.
    let mut text = String::from(
        r#"
locals {
  loop = local.loop
  l0   = ["x", "y"]
"#,
    );
    for i in 1..40 {
        text.push_str(&format!(
            "  l{i} = concat(local.l{}, local.l{})\n",
            i - 1,
            i - 1
        ));
    }
    text.push_str(
        r#"}
resource "aws_sqs_queue" "q" {
  count = 1000000000
  name  = local.loop
  tags  = { big = join(",", local.l39) }
  delay_seconds = [for x in range(100000000) : x]
}
"#,
    );
    let (_, template) = load(&text);
    let queue = template
        .resource("aws_sqs_queue.q")
        .expect("one instance kept");
    assert!(!queue.prop("QueueName").unwrap().is_known());

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "module \"again\" {\n  source = \"./\"\n}\nmodule \"twice\" {\n  source = \"./\"\n}\nresource \"aws_sqs_queue\" \"q\" {}\n",
    );
    let loaded = load_paths(
        &[dir.path().to_path_buf()],
        &LoadOptions::default(),
        &|_| false,
    );
    assert!(loaded.templates[0].resources.len() < 200);

    let deep = format!(
        "locals {{ x = {}{} }}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let mut sources = SourceMap::new();
    assert!(load_text(&mut sources, "deep.tf", &deep, &LoadOptions::default()).is_err());
}

#[test]
fn provisioned_concurrency_config_is_set_on_its_function() {
    let (sources, template) = load(
        r#"
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  role          = "arn:aws:iam::123456789012:role/worker"
  filename      = "worker.zip"
  publish       = true
}

resource "aws_lambda_provisioned_concurrency_config" "worker" {
  function_name                     = aws_lambda_function.worker.function_name
  qualifier                         = aws_lambda_function.worker.version
  provisioned_concurrent_executions = 5
}
"#,
    );
    let count = prop(
        &template,
        "aws_lambda_function.worker",
        "ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions",
    );
    assert_eq!(count.as_i64(), Some(5));
    assert_eq!(slice(&sources, count.span), "5");
    assert!(template
        .resource("aws_lambda_provisioned_concurrency_config.worker")
        .is_none());
}
