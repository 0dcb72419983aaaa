//! Terraform resources to CloudFormation-vocabulary resources, so that every rule works
//! unchanged.
//!
//! Each `aws_*` resource that has a CloudFormation equivalent becomes a [`Resource`] of that
//! type with CloudFormation's property names; keys keep the span of the Terraform attribute
//! and values the span of their expression. Terraform's split resources are merged into the
//! resource they configure (`aws_s3_bucket_acl` into the bucket's `AccessControl`,
//! `aws_api_gateway_integration` into the method's `Integration`, policy attachments into
//! the role's, user's or group's `ManagedPolicyArns` ...), keeping their own spans. The
//! resource ID and the origin are the Terraform address. Other resources are kept with
//! their Terraform type and attributes, which rules ignore.

use std::collections::HashMap;

use warden_diagnostics::Span;

use super::eval::collapse_spans;
use crate::model::{Origin, Resource};
use crate::node::{Key, Map, Node, Value};
use crate::parse;

/// One resource instance in Terraform's vocabulary.
#[derive(Clone, Debug)]
pub struct TfInstance {
    /// Full address: `module.api.aws_lambda_function.handler["a"]`.
    pub address: String,
    pub tf_type: String,
    /// Attributes by name; nested blocks are lists of maps.
    pub body: Node,
    /// The `resource "type" "name"` header.
    pub header: Span,
}

/// Translates a module's resource instances. `json_sources` holds heredoc JSON parsed with
/// spans (see [`super::eval::Evaluator::json_sources`]).
pub(crate) fn translate(
    instances: Vec<TfInstance>,
    json_sources: &HashMap<Span, Node>,
) -> Vec<Resource> {
    let mut translator = Translator {
        json_sources,
        resources: Vec::new(),
        tf_types: Vec::new(),
        names: Vec::new(),
    };
    let mut deferred = Vec::new();
    for instance in instances {
        if MERGED_TYPES.contains(&instance.tf_type.as_str()) {
            deferred.push(instance);
        } else {
            translator.primary(instance);
        }
    }
    // Merges run in a fixed order: stages before their method settings, methods before
    // their integrations.
    deferred.sort_by_key(|instance| MERGED_TYPES.iter().position(|t| *t == instance.tf_type));
    for instance in deferred {
        if let Some(raw) = translator.merge(&instance) {
            translator.push_raw(raw);
        }
    }
    translator.resources
}

/// Split resources merged into another resource; kept as-is when their target is not found.
const MERGED_TYPES: &[&str] = &[
    "aws_s3_bucket_acl",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_notification",
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_api_gateway_integration",
    "aws_api_gateway_method_settings",
    "aws_secretsmanager_secret_version",
    "aws_cloudwatch_event_target",
    "aws_kms_key_policy",
    "aws_sqs_queue_redrive_policy",
    "aws_lambda_provisioned_concurrency_config",
];

struct Translator<'j> {
    json_sources: &'j HashMap<Span, Node>,
    resources: Vec<Resource>,
    /// The Terraform type of each resource, parallel to `resources`.
    tf_types: Vec<String>,
    /// Literal names (`name`, `bucket`, `stage_name` ...) of each resource, for split
    /// resources that name their target instead of referencing it.
    names: Vec<Option<String>>,
}

/// Builds a CloudFormation property map from a Terraform attribute map.
struct Props<'a> {
    body: &'a Map,
    out: Map,
    json_sources: &'a HashMap<Span, Node>,
}

impl<'a> Props<'a> {
    fn new(body: &'a Node, json_sources: &'a HashMap<Span, Node>) -> Self {
        static EMPTY: Map = Map {
            entries: Vec::new(),
        };
        Props {
            body: body.as_map().unwrap_or(&EMPTY),
            out: Map::default(),
            json_sources,
        }
    }

    fn get(&self, tf: &str) -> Option<(&'a Key, &'a Node)> {
        self.body
            .get_entry(tf)
            .filter(|(_, node)| !matches!(node.value, Value::Null))
    }

    fn insert(&mut self, cfn: &str, key_span: Span, node: Node) {
        self.out.insert(
            Key {
                name: cfn.to_string(),
                span: key_span,
            },
            node,
        );
    }

    /// Copies attributes under CloudFormation names.
    fn attrs(&mut self, pairs: &[(&str, &str)]) {
        for (tf, cfn) in pairs {
            if let Some((key, node)) = self.get(tf) {
                self.insert(cfn, key.span, node.clone());
            }
        }
    }

    /// Copies a JSON document attribute (policy, body), as a map when it can be read.
    fn json(&mut self, tf: &str, cfn: &str) {
        if let Some((key, node)) = self.get(tf) {
            let document = json_document(node, self.json_sources);
            self.insert(cfn, key.span, document);
        }
    }

    /// The first nested block `tf`, its key and the block node.
    fn block(&self, tf: &str) -> Option<(&'a Key, &'a Node)> {
        let (key, node) = self.get(tf)?;
        match &node.value {
            Value::Seq(items) => items.first().map(|item| (key, item)),
            Value::Map(_) => Some((key, node)),
            _ => None,
        }
    }

    /// Copies the first nested block `tf` as a map `cfn` with renamed fields.
    fn block_as(&mut self, tf: &str, cfn: &str, fields: &[(&str, &str)]) {
        if let Some((key, block)) = self.block(tf) {
            let map = rename(block, fields, self.json_sources);
            self.insert(cfn, key.span, Node::map(map, block.span));
        }
    }

    /// Gathers top-level attributes into one nested map `cfn` (`encryption_type` and
    /// `kms_key_id` into `StreamEncryption`), when any of them is set.
    fn fields_as(&mut self, cfn: &str, fields: &[(&str, &str)]) {
        let map = rename(
            &Node::map(self.body.clone(), Span::default()),
            fields,
            self.json_sources,
        );
        if let Some((_, first)) = map.entries.first() {
            let span = first.span;
            self.insert(cfn, span, Node::map(map, span));
        }
    }

    /// Copies every nested block `tf` as a list `cfn` of maps with renamed fields.
    fn blocks_as(&mut self, tf: &str, cfn: &str, fields: &[(&str, &str)]) {
        let Some((key, node)) = self.get(tf) else {
            return;
        };
        let items: Vec<Node> = node
            .items()
            .into_iter()
            .map(|block| Node::map(rename(block, fields, self.json_sources), block.span))
            .collect();
        self.insert(cfn, key.span, Node::new(Value::Seq(items), node.span));
    }

    /// Load balancer actions: `type`, `target_group_arn`, `forward.target_group`,
    /// `redirect.protocol`.
    fn listener_actions(&mut self, tf: &str, cfn: &str) {
        let Some((key, node)) = self.get(tf) else {
            return;
        };
        let json_sources = self.json_sources;
        let items: Vec<Node> = node
            .items()
            .into_iter()
            .map(|block| {
                let mut action = Props::new(block, json_sources);
                action.attrs(&[("type", "Type"), ("target_group_arn", "TargetGroupArn")]);
                action.block_as("redirect", "RedirectConfig", &[("protocol", "Protocol")]);
                if let Some((forward_key, forward)) = action.block("forward") {
                    let mut forward_props = Props::new(forward, json_sources);
                    forward_props.blocks_as(
                        "target_group",
                        "TargetGroups",
                        &[("arn", "TargetGroupArn")],
                    );
                    let span = forward_key.span;
                    action.insert("ForwardConfig", span, Node::map(forward_props.out, span));
                }
                Node::map(action.out, block.span)
            })
            .collect();
        self.insert(cfn, key.span, Node::new(Value::Seq(items), node.span));
    }

    fn finish(self) -> Node {
        let span = self
            .out
            .entries
            .first()
            .map(|(_, node)| node.span)
            .unwrap_or_default();
        Node::map(self.out, span)
    }
}

/// A block's fields under new names.
fn rename(block: &Node, fields: &[(&str, &str)], json_sources: &HashMap<Span, Node>) -> Map {
    let mut props = Props::new(block, json_sources);
    props.attrs(fields);
    props.out
}

/// A JSON document as a node tree: maps (from `jsonencode` or a policy document data
/// source) as they are, strings parsed (with spans inside heredocs when known).
pub(crate) fn json_document(node: &Node, json_sources: &HashMap<Span, Node>) -> Node {
    // Heredocs were parsed where they were written, also when interpolations made the
    // string as a whole unknown.
    if matches!(node.value, Value::String(_) | Value::Unknown { .. }) {
        if let Some(parsed) = json_sources.get(&node.span) {
            return parsed.clone();
        }
    }
    match &node.value {
        Value::String(text) => {
            let parsed = parse::parse_json(text, node.span.file)
                .or_else(|_| parse::parse_yaml(text, node.span.file));
            match parsed {
                Ok(mut parsed) if parsed.as_map().is_some() || parsed.as_seq().is_some() => {
                    collapse_spans(&mut parsed, node.span);
                    parsed
                }
                _ => node.clone(),
            }
        }
        _ => node.clone(),
    }
}

/// Terraform canned ACL names to CloudFormation's `AccessControl` values.
fn canned_acl(acl: &str) -> Option<&'static str> {
    Some(match acl {
        "private" => "Private",
        "public-read" => "PublicRead",
        "public-read-write" => "PublicReadWrite",
        "authenticated-read" => "AuthenticatedRead",
        "aws-exec-read" => "AwsExecRead",
        "bucket-owner-read" => "BucketOwnerRead",
        "bucket-owner-full-control" => "BucketOwnerFullControl",
        "log-delivery-write" => "LogDeliveryWrite",
        _ => return None,
    })
}

fn acl_node(node: &Node) -> Node {
    match node.as_str().and_then(canned_acl) {
        Some(value) => Node::string(value, node.span),
        None => node.clone(),
    }
}

fn seq_of(node: &Node) -> Node {
    match &node.value {
        Value::Seq(_) => node.clone(),
        _ => Node::new(Value::Seq(vec![node.clone()]), node.span),
    }
}

impl Translator<'_> {
    fn push(&mut self, instance: &TfInstance, cfn_type: &str, properties: Node) -> usize {
        let name = [
            "name",
            "bucket",
            "stage_name",
            "function_name",
            "queue_name",
        ]
        .iter()
        .find_map(|attr| {
            instance.body.get(attr).and_then(|n| match &n.value {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
        });
        let properties = if properties.as_map().is_some_and(|m| !m.is_empty()) {
            properties
        } else {
            Node::map(Map::default(), instance.header)
        };
        let resource = Resource::new(
            instance.address.clone(),
            cfn_type,
            properties,
            instance.header,
            Origin {
                id: instance.address.clone(),
                resource_type: instance.tf_type.clone(),
            },
        );
        self.resources.push(resource);
        self.tf_types.push(instance.tf_type.clone());
        self.names.push(name);
        self.resources.len() - 1
    }

    fn push_raw(&mut self, instance: TfInstance) {
        let tf_type = instance.tf_type.clone();
        self.push(&instance, &tf_type, instance.body.clone());
    }

    /// Declares an inline `policy` attribute as the policy resource CloudFormation would
    /// have, pointing at the resource `target` it belongs to.
    fn push_inline_policy(
        &mut self,
        instance: &TfInstance,
        target: usize,
        (span, document): (Span, Node),
        shape: &InlinePolicy,
    ) {
        let reference = self.reference_to(target, &Node::new(Value::Null, span));
        let target_value = if shape.target_is_list {
            Node::new(Value::Seq(vec![reference]), span)
        } else {
            reference
        };
        let mut map = Map::default();
        map.insert(
            Key {
                name: shape.target_key.into(),
                span,
            },
            target_value,
        );
        map.insert(
            Key {
                name: shape.document_key.into(),
                span,
            },
            document,
        );
        self.push_generated(instance, "policy", shape.cfn_type, map);
    }

    /// A generated resource (an inline `policy` split out), with the declaring resource as
    /// origin.
    fn push_generated(
        &mut self,
        instance: &TfInstance,
        suffix: &str,
        cfn_type: &str,
        properties: Map,
    ) {
        let span = properties
            .entries
            .first()
            .map_or(instance.header, |(key, _)| key.span);
        let mut resource = Resource::new(
            format!("{}.{suffix}", instance.address),
            cfn_type,
            Node::map(properties, span),
            instance.header,
            Origin {
                id: instance.address.clone(),
                resource_type: instance.tf_type.clone(),
            },
        );
        resource.metadata = None;
        self.resources.push(resource);
        self.tf_types.push(String::new());
        self.names.push(None);
    }

    /// The resource of Terraform type `tf_type` that `node` references or names.
    /// A reference to the `tf_type` resource `node` names, or `node` itself when it names
    /// none in the module.
    fn reference_or_value(&self, node: &Node, tf_type: &str) -> Node {
        self.target(Some(node), tf_type)
            .map_or_else(|| node.clone(), |index| self.reference_to(index, node))
    }

    fn target(&self, node: Option<&Node>, tf_type: &str) -> Option<usize> {
        let node = node?;
        for alternative in node.alternatives() {
            match &alternative.value {
                Value::ResourceRef { logical_id, .. } => {
                    if let Some(index) = (0..self.resources.len()).find(|&i| {
                        &self.resources[i].id == logical_id && self.tf_types[i] == tf_type
                    }) {
                        return Some(index);
                    }
                }
                Value::String(text) => {
                    let by_name = (0..self.resources.len()).find(|&i| {
                        self.tf_types[i] == tf_type
                            && self.names[i].as_deref() == Some(text.as_str())
                    });
                    if by_name.is_some() {
                        return by_name;
                    }
                    // ARNs ending in a known name (`arn:aws:iam::1:role/x`).
                    let tail = text.rsplit(['/', ':']).next().unwrap_or(text);
                    let by_tail = (0..self.resources.len()).find(|&i| {
                        self.tf_types[i] == tf_type && self.names[i].as_deref() == Some(tail)
                    });
                    if by_tail.is_some() {
                        return by_tail;
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A reference to resource `index` with the span of `node` (for literal names that
    /// were resolved to a resource, so that `refers_to` sees them).
    fn reference_to(&self, index: usize, node: &Node) -> Node {
        match &node.value {
            Value::ResourceRef { .. } => node.clone(),
            _ => Node::new(
                Value::ResourceRef {
                    logical_id: self.resources[index].id.clone(),
                    attribute: None,
                },
                node.span,
            ),
        }
    }

    fn primary(&mut self, instance: TfInstance) {
        let json_sources = self.json_sources;
        let mut p = Props::new(&instance.body, json_sources);
        let cfn_type = match instance.tf_type.as_str() {
            "aws_lambda_function" => {
                p.attrs(&[
                    ("function_name", "FunctionName"),
                    ("runtime", "Runtime"),
                    ("handler", "Handler"),
                    // Where the code is: a local file or, through `data.archive_file`, the
                    // directory or file the archive is built from.
                    ("filename", "CodeUri"),
                    ("timeout", "Timeout"),
                    ("memory_size", "MemorySize"),
                    ("role", "Role"),
                    ("kms_key_arn", "KmsKeyArn"),
                    ("layers", "Layers"),
                    ("architectures", "Architectures"),
                    ("code_signing_config_arn", "CodeSigningConfigArn"),
                    ("description", "Description"),
                    ("tags", "Tags"),
                ]);
                if let Some((key, node)) = p.get("package_type") {
                    let value = match node.as_str() {
                        Some(text) if text.eq_ignore_ascii_case("image") => {
                            Node::string("Image", node.span)
                        }
                        Some(text) if text.eq_ignore_ascii_case("zip") => {
                            Node::string("Zip", node.span)
                        }
                        _ => node.clone(),
                    };
                    p.insert("PackageType", key.span, value);
                }
                // -1 means "no reservation" in Terraform: the property is absent in CloudFormation.
                if let Some((key, node)) = p.get("reserved_concurrent_executions") {
                    if node.as_i64() != Some(-1) {
                        p.insert("ReservedConcurrentExecutions", key.span, node.clone());
                    }
                }
                p.block_as("environment", "Environment", &[("variables", "Variables")]);
                p.block_as("tracing_config", "TracingConfig", &[("mode", "Mode")]);
                p.block_as(
                    "dead_letter_config",
                    "DeadLetterConfig",
                    &[("target_arn", "TargetArn")],
                );
                p.block_as(
                    "vpc_config",
                    "VpcConfig",
                    &[
                        ("subnet_ids", "SubnetIds"),
                        ("security_group_ids", "SecurityGroupIds"),
                    ],
                );
                p.block_as(
                    "logging_config",
                    "LoggingConfig",
                    &[
                        ("log_format", "LogFormat"),
                        ("log_group", "LogGroup"),
                        ("application_log_level", "ApplicationLogLevel"),
                        ("system_log_level", "SystemLogLevel"),
                    ],
                );
                p.block_as("ephemeral_storage", "EphemeralStorage", &[("size", "Size")]);
                p.block_as("snap_start", "SnapStart", &[("apply_on", "ApplyOn")]);
                if let Some((key, node)) = p.get("file_system_config") {
                    let configs = node
                        .items()
                        .into_iter()
                        .map(|c| {
                            Node::map(
                                rename(
                                    c,
                                    &[("arn", "Arn"), ("local_mount_path", "LocalMountPath")],
                                    json_sources,
                                ),
                                c.span,
                            )
                        })
                        .collect();
                    p.insert(
                        "FileSystemConfigs",
                        key.span,
                        Node::new(Value::Seq(configs), node.span),
                    );
                }
                "AWS::Lambda::Function"
            }
            "aws_lambda_function_url" => {
                p.attrs(&[
                    ("function_name", "TargetFunctionArn"),
                    ("authorization_type", "AuthType"),
                    ("qualifier", "Qualifier"),
                    ("invoke_mode", "InvokeMode"),
                ]);
                p.block_as(
                    "cors",
                    "Cors",
                    &[
                        ("allow_origins", "AllowOrigins"),
                        ("allow_credentials", "AllowCredentials"),
                        ("allow_methods", "AllowMethods"),
                        ("allow_headers", "AllowHeaders"),
                        ("expose_headers", "ExposeHeaders"),
                        ("max_age", "MaxAge"),
                    ],
                );
                "AWS::Lambda::Url"
            }
            "aws_lambda_permission" => {
                p.attrs(&[
                    ("action", "Action"),
                    ("function_name", "FunctionName"),
                    ("principal", "Principal"),
                    ("source_arn", "SourceArn"),
                    ("source_account", "SourceAccount"),
                    ("principal_org_id", "PrincipalOrgID"),
                    ("function_url_auth_type", "FunctionUrlAuthType"),
                    ("event_source_token", "EventSourceToken"),
                ]);
                "AWS::Lambda::Permission"
            }
            "aws_lambda_event_source_mapping" => {
                p.attrs(&[
                    ("event_source_arn", "EventSourceArn"),
                    ("function_name", "FunctionName"),
                    ("batch_size", "BatchSize"),
                    ("enabled", "Enabled"),
                    ("starting_position", "StartingPosition"),
                    ("maximum_retry_attempts", "MaximumRetryAttempts"),
                    ("maximum_record_age_in_seconds", "MaximumRecordAgeInSeconds"),
                    (
                        "bisect_batch_on_function_error",
                        "BisectBatchOnFunctionError",
                    ),
                    ("parallelization_factor", "ParallelizationFactor"),
                    (
                        "maximum_batching_window_in_seconds",
                        "MaximumBatchingWindowInSeconds",
                    ),
                    ("function_response_types", "FunctionResponseTypes"),
                ]);
                if let Some((key, block)) = p.block("destination_config") {
                    if let Some((on_key, on_failure)) =
                        Props::new(block, json_sources).block("on_failure")
                    {
                        let mut on = Map::default();
                        if let Some((k, v)) = on_failure
                            .as_map()
                            .and_then(|m| m.get_entry("destination_arn"))
                        {
                            on.insert(
                                Key {
                                    name: "Destination".into(),
                                    span: k.span,
                                },
                                v.clone(),
                            );
                        }
                        let mut config = Map::default();
                        config.insert(
                            Key {
                                name: "OnFailure".into(),
                                span: on_key.span,
                            },
                            Node::map(on, on_failure.span),
                        );
                        p.insert("DestinationConfig", key.span, Node::map(config, block.span));
                    }
                }
                if let Some((key, node)) = p.get("self_managed_event_source") {
                    p.insert("SelfManagedEventSource", key.span, node.clone());
                }
                "AWS::Lambda::EventSourceMapping"
            }
            "aws_lambda_function_event_invoke_config" => {
                p.attrs(&[
                    ("function_name", "FunctionName"),
                    ("qualifier", "Qualifier"),
                    ("maximum_retry_attempts", "MaximumRetryAttempts"),
                    ("maximum_event_age_in_seconds", "MaximumEventAgeInSeconds"),
                ]);
                if let Some((key, block)) = p.block("destination_config") {
                    let inner = Props::new(block, json_sources);
                    let mut config = Map::default();
                    for (tf, cfn) in [("on_failure", "OnFailure"), ("on_success", "OnSuccess")] {
                        if let Some((k, b)) = inner.block(tf) {
                            let map = rename(b, &[("destination", "Destination")], json_sources);
                            config.insert(
                                Key {
                                    name: cfn.into(),
                                    span: k.span,
                                },
                                Node::map(map, b.span),
                            );
                        }
                    }
                    p.insert("DestinationConfig", key.span, Node::map(config, block.span));
                }
                "AWS::Lambda::EventInvokeConfig"
            }
            "aws_lambda_alias" => {
                p.attrs(&[
                    ("function_name", "FunctionName"),
                    ("name", "Name"),
                    ("function_version", "FunctionVersion"),
                ]);
                "AWS::Lambda::Alias"
            }
            "aws_lambda_layer_version" => {
                p.attrs(&[
                    ("layer_name", "LayerName"),
                    ("compatible_runtimes", "CompatibleRuntimes"),
                    ("description", "Description"),
                ]);
                "AWS::Lambda::LayerVersion"
            }
            "aws_iam_role" => {
                p.attrs(&[
                    ("name", "RoleName"),
                    ("path", "Path"),
                    ("description", "Description"),
                    ("permissions_boundary", "PermissionsBoundary"),
                    ("max_session_duration", "MaxSessionDuration"),
                ]);
                p.json("assume_role_policy", "AssumeRolePolicyDocument");
                if let Some((key, node)) = p.get("managed_policy_arns") {
                    p.insert("ManagedPolicyArns", key.span, seq_of(node));
                }
                if let Some((key, blocks)) = p.get("inline_policy") {
                    let policies: Vec<Node> = blocks
                        .items()
                        .into_iter()
                        .filter(|block| block.get("policy").is_some())
                        .map(|block| {
                            let mut inner = Props::new(block, json_sources);
                            inner.attrs(&[("name", "PolicyName")]);
                            inner.json("policy", "PolicyDocument");
                            Node::map(inner.out, block.span)
                        })
                        .collect();
                    if !policies.is_empty() {
                        p.insert(
                            "Policies",
                            key.span,
                            Node::new(Value::Seq(policies), blocks.span),
                        );
                    }
                }
                "AWS::IAM::Role"
            }
            "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                p.attrs(&[("name", "PolicyName")]);
                p.json("policy", "PolicyDocument");
                let (attribute, property, cfn_type) = match instance.tf_type.as_str() {
                    "aws_iam_role_policy" => ("role", "Roles", "AWS::IAM::Policy"),
                    "aws_iam_user_policy" => ("user", "Users", "AWS::IAM::UserPolicy"),
                    _ => ("group", "Groups", "AWS::IAM::GroupPolicy"),
                };
                if let Some((key, node)) = p.get(attribute) {
                    let node = match self.target(Some(node), "aws_iam_role") {
                        Some(index) if attribute == "role" => self.reference_to(index, node),
                        _ => node.clone(),
                    };
                    p.insert(
                        property,
                        key.span,
                        Node::new(Value::Seq(vec![node.clone()]), node.span),
                    );
                }
                cfn_type
            }
            "aws_iam_policy" => {
                p.attrs(&[
                    ("name", "ManagedPolicyName"),
                    ("path", "Path"),
                    ("description", "Description"),
                ]);
                p.json("policy", "PolicyDocument");
                "AWS::IAM::ManagedPolicy"
            }
            "aws_iam_user" => {
                p.attrs(&[("name", "UserName"), ("path", "Path")]);
                "AWS::IAM::User"
            }
            "aws_iam_group" => {
                p.attrs(&[("name", "GroupName"), ("path", "Path")]);
                "AWS::IAM::Group"
            }
            "aws_api_gateway_rest_api" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("description", "Description"),
                    ("api_key_source", "ApiKeySource"),
                    ("disable_execute_api_endpoint", "DisableExecuteApiEndpoint"),
                    ("minimum_compression_size", "MinimumCompressionSize"),
                ]);
                p.json("body", "Body");
                p.json("policy", "Policy");
                p.block_as(
                    "endpoint_configuration",
                    "EndpointConfiguration",
                    &[("types", "Types"), ("vpc_endpoint_ids", "VpcEndpointIds")],
                );
                "AWS::ApiGateway::RestApi"
            }
            "aws_api_gateway_resource" => {
                p.attrs(&[
                    ("rest_api_id", "RestApiId"),
                    ("parent_id", "ParentId"),
                    ("path_part", "PathPart"),
                ]);
                "AWS::ApiGateway::Resource"
            }
            "aws_api_gateway_method" => {
                p.attrs(&[
                    ("rest_api_id", "RestApiId"),
                    ("resource_id", "ResourceId"),
                    ("http_method", "HttpMethod"),
                    ("authorization", "AuthorizationType"),
                    ("authorizer_id", "AuthorizerId"),
                    ("api_key_required", "ApiKeyRequired"),
                    ("request_validator_id", "RequestValidatorId"),
                    ("request_parameters", "RequestParameters"),
                    ("request_models", "RequestModels"),
                    ("authorization_scopes", "AuthorizationScopes"),
                    ("operation_name", "OperationName"),
                ]);
                "AWS::ApiGateway::Method"
            }
            "aws_api_gateway_stage" => {
                p.attrs(&[
                    ("rest_api_id", "RestApiId"),
                    ("stage_name", "StageName"),
                    ("deployment_id", "DeploymentId"),
                    ("xray_tracing_enabled", "TracingEnabled"),
                    ("variables", "Variables"),
                    ("cache_cluster_enabled", "CacheClusterEnabled"),
                    ("cache_cluster_size", "CacheClusterSize"),
                    ("client_certificate_id", "ClientCertificateId"),
                    ("description", "Description"),
                ]);
                p.block_as(
                    "access_log_settings",
                    "AccessLogSetting",
                    &[("destination_arn", "DestinationArn"), ("format", "Format")],
                );
                "AWS::ApiGateway::Stage"
            }
            "aws_api_gateway_deployment" => {
                p.attrs(&[
                    ("rest_api_id", "RestApiId"),
                    ("stage_name", "StageName"),
                    ("description", "Description"),
                ]);
                "AWS::ApiGateway::Deployment"
            }
            "aws_api_gateway_authorizer" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("rest_api_id", "RestApiId"),
                    ("type", "Type"),
                    ("authorizer_uri", "AuthorizerUri"),
                    ("provider_arns", "ProviderARNs"),
                    ("identity_source", "IdentitySource"),
                    (
                        "authorizer_result_ttl_in_seconds",
                        "AuthorizerResultTtlInSeconds",
                    ),
                ]);
                "AWS::ApiGateway::Authorizer"
            }
            "aws_api_gateway_request_validator" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("rest_api_id", "RestApiId"),
                    ("validate_request_body", "ValidateRequestBody"),
                    ("validate_request_parameters", "ValidateRequestParameters"),
                ]);
                "AWS::ApiGateway::RequestValidator"
            }
            "aws_api_gateway_gateway_response" => {
                p.attrs(&[
                    ("rest_api_id", "RestApiId"),
                    ("response_type", "ResponseType"),
                    ("status_code", "StatusCode"),
                    ("response_templates", "ResponseTemplates"),
                    ("response_parameters", "ResponseParameters"),
                ]);
                "AWS::ApiGateway::GatewayResponse"
            }
            "aws_api_gateway_domain_name" => {
                p.attrs(&[
                    ("domain_name", "DomainName"),
                    ("security_policy", "SecurityPolicy"),
                    ("certificate_arn", "CertificateArn"),
                    ("regional_certificate_arn", "RegionalCertificateArn"),
                ]);
                "AWS::ApiGateway::DomainName"
            }
            "aws_api_gateway_usage_plan" => {
                p.attrs(&[("name", "UsagePlanName"), ("description", "Description")]);
                p.block_as(
                    "throttle_settings",
                    "Throttle",
                    &[("burst_limit", "BurstLimit"), ("rate_limit", "RateLimit")],
                );
                p.block_as(
                    "quota_settings",
                    "Quota",
                    &[
                        ("limit", "Limit"),
                        ("offset", "Offset"),
                        ("period", "Period"),
                    ],
                );
                if let Some((key, blocks)) = p.get("api_stages") {
                    let stages = blocks
                        .items()
                        .into_iter()
                        .map(|block| {
                            Node::map(
                                rename(
                                    block,
                                    &[("api_id", "ApiId"), ("stage", "Stage")],
                                    json_sources,
                                ),
                                block.span,
                            )
                        })
                        .collect();
                    p.insert(
                        "ApiStages",
                        key.span,
                        Node::new(Value::Seq(stages), blocks.span),
                    );
                }
                "AWS::ApiGateway::UsagePlan"
            }
            "aws_apigatewayv2_api" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("protocol_type", "ProtocolType"),
                    ("route_key", "RouteKey"),
                    ("target", "Target"),
                    ("description", "Description"),
                    ("disable_execute_api_endpoint", "DisableExecuteApiEndpoint"),
                    ("route_selection_expression", "RouteSelectionExpression"),
                ]);
                p.json("body", "Body");
                p.block_as(
                    "cors_configuration",
                    "CorsConfiguration",
                    &[
                        ("allow_origins", "AllowOrigins"),
                        ("allow_credentials", "AllowCredentials"),
                        ("allow_methods", "AllowMethods"),
                        ("allow_headers", "AllowHeaders"),
                        ("expose_headers", "ExposeHeaders"),
                        ("max_age", "MaxAge"),
                    ],
                );
                "AWS::ApiGatewayV2::Api"
            }
            "aws_apigatewayv2_route" => {
                p.attrs(&[
                    ("api_id", "ApiId"),
                    ("route_key", "RouteKey"),
                    ("authorization_type", "AuthorizationType"),
                    ("authorizer_id", "AuthorizerId"),
                    ("target", "Target"),
                    ("api_key_required", "ApiKeyRequired"),
                    ("authorization_scopes", "AuthorizationScopes"),
                    ("operation_name", "OperationName"),
                ]);
                "AWS::ApiGatewayV2::Route"
            }
            "aws_apigatewayv2_integration" => {
                p.attrs(&[
                    ("api_id", "ApiId"),
                    ("integration_type", "IntegrationType"),
                    ("integration_uri", "IntegrationUri"),
                    ("integration_method", "IntegrationMethod"),
                    ("integration_subtype", "IntegrationSubtype"),
                    ("payload_format_version", "PayloadFormatVersion"),
                    ("timeout_milliseconds", "TimeoutInMillis"),
                    ("credentials_arn", "CredentialsArn"),
                    ("request_parameters", "RequestParameters"),
                ]);
                "AWS::ApiGatewayV2::Integration"
            }
            "aws_apigatewayv2_stage" => {
                p.attrs(&[
                    ("api_id", "ApiId"),
                    ("name", "StageName"),
                    ("auto_deploy", "AutoDeploy"),
                    ("deployment_id", "DeploymentId"),
                    ("stage_variables", "StageVariables"),
                    ("description", "Description"),
                ]);
                p.block_as(
                    "access_log_settings",
                    "AccessLogSettings",
                    &[("destination_arn", "DestinationArn"), ("format", "Format")],
                );
                let route_fields: &[(&str, &str)] = &[
                    ("throttling_burst_limit", "ThrottlingBurstLimit"),
                    ("throttling_rate_limit", "ThrottlingRateLimit"),
                    ("detailed_metrics_enabled", "DetailedMetricsEnabled"),
                    ("logging_level", "LoggingLevel"),
                    ("data_trace_enabled", "DataTraceEnabled"),
                ];
                p.block_as(
                    "default_route_settings",
                    "DefaultRouteSettings",
                    route_fields,
                );
                if let Some((key, blocks)) = p.get("route_settings") {
                    let mut settings = Map::default();
                    for block in blocks.items() {
                        let Some(route_key) = block.get("route_key") else {
                            continue;
                        };
                        settings.insert(
                            Key {
                                name: route_key.display(),
                                span: route_key.span,
                            },
                            Node::map(rename(block, route_fields, json_sources), block.span),
                        );
                    }
                    p.insert("RouteSettings", key.span, Node::map(settings, blocks.span));
                }
                "AWS::ApiGatewayV2::Stage"
            }
            "aws_apigatewayv2_authorizer" => {
                p.attrs(&[
                    ("api_id", "ApiId"),
                    ("authorizer_type", "AuthorizerType"),
                    ("authorizer_uri", "AuthorizerUri"),
                    ("name", "Name"),
                    ("identity_sources", "IdentitySource"),
                ]);
                "AWS::ApiGatewayV2::Authorizer"
            }
            "aws_apigatewayv2_domain_name" => {
                p.attrs(&[("domain_name", "DomainName")]);
                if let Some((key, blocks)) = p.get("domain_name_configuration") {
                    let configurations = blocks
                        .items()
                        .into_iter()
                        .map(|block| {
                            Node::map(
                                rename(
                                    block,
                                    &[
                                        ("security_policy", "SecurityPolicy"),
                                        ("certificate_arn", "CertificateArn"),
                                        ("endpoint_type", "EndpointType"),
                                    ],
                                    json_sources,
                                ),
                                block.span,
                            )
                        })
                        .collect();
                    p.insert(
                        "DomainNameConfigurations",
                        key.span,
                        Node::new(Value::Seq(configurations), blocks.span),
                    );
                }
                "AWS::ApiGatewayV2::DomainName"
            }
            "aws_s3_bucket" => {
                p.attrs(&[("bucket", "BucketName"), ("tags", "Tags")]);
                // Inline forms of the settings the split resources also carry (provider < 4).
                if let Some((key, node)) = p.get("acl") {
                    p.insert("AccessControl", key.span, acl_node(node));
                }
                if let Some((key, block)) = p.block("versioning") {
                    if let Some(enabled) = block.get("enabled") {
                        let status = match enabled.as_bool() {
                            Some(true) => Node::string("Enabled", enabled.span),
                            Some(false) => Node::string("Suspended", enabled.span),
                            None => enabled.clone(),
                        };
                        let mut map = Map::default();
                        map.insert(
                            Key {
                                name: "Status".into(),
                                span: key.span,
                            },
                            status,
                        );
                        p.insert(
                            "VersioningConfiguration",
                            key.span,
                            Node::map(map, block.span),
                        );
                    }
                }
                p.block_as(
                    "logging",
                    "LoggingConfiguration",
                    &[
                        ("target_bucket", "DestinationBucketName"),
                        ("target_prefix", "LogFilePrefix"),
                    ],
                );
                if let Some((key, block)) = p.block("server_side_encryption_configuration") {
                    p.insert(
                        "BucketEncryption",
                        key.span,
                        bucket_encryption(block, json_sources),
                    );
                }
                let generated = p
                    .get("policy")
                    .map(|(key, node)| (key.span, json_document(node, json_sources)));
                let properties = p.finish();
                let index = self.push(&instance, "AWS::S3::Bucket", properties);
                if let Some(policy) = generated {
                    self.push_inline_policy(&instance, index, policy, &BUCKET_POLICY);
                }
                return;
            }
            "aws_s3_bucket_policy" => {
                p.attrs(&[("bucket", "Bucket")]);
                p.json("policy", "PolicyDocument");
                self.link_by_name(&mut p, "Bucket", "aws_s3_bucket");
                "AWS::S3::BucketPolicy"
            }
            "aws_sqs_queue" => {
                p.attrs(&[
                    ("name", "QueueName"),
                    ("kms_master_key_id", "KmsMasterKeyId"),
                    (
                        "kms_data_key_reuse_period_seconds",
                        "KmsDataKeyReusePeriodSeconds",
                    ),
                    ("sqs_managed_sse_enabled", "SqsManagedSseEnabled"),
                    ("visibility_timeout_seconds", "VisibilityTimeout"),
                    ("message_retention_seconds", "MessageRetentionPeriod"),
                    ("delay_seconds", "DelaySeconds"),
                    ("receive_wait_time_seconds", "ReceiveMessageWaitTimeSeconds"),
                    ("fifo_queue", "FifoQueue"),
                    ("max_message_size", "MaximumMessageSize"),
                ]);
                p.json("redrive_policy", "RedrivePolicy");
                let generated = p
                    .get("policy")
                    .map(|(key, node)| (key.span, json_document(node, json_sources)));
                let properties = p.finish();
                let index = self.push(&instance, "AWS::SQS::Queue", properties);
                if let Some(policy) = generated {
                    self.push_inline_policy(&instance, index, policy, &QUEUE_POLICY);
                }
                return;
            }
            "aws_sqs_queue_policy" => {
                if let Some((key, node)) = p.get("queue_url") {
                    let node = self.reference_or_value(node, "aws_sqs_queue");
                    p.insert(
                        "Queues",
                        key.span,
                        Node::new(Value::Seq(vec![node.clone()]), node.span),
                    );
                }
                p.json("policy", "PolicyDocument");
                "AWS::SQS::QueuePolicy"
            }
            "aws_sns_topic" => {
                p.attrs(&[
                    ("name", "TopicName"),
                    ("kms_master_key_id", "KmsMasterKeyId"),
                    ("fifo_topic", "FifoTopic"),
                    ("display_name", "DisplayName"),
                ]);
                let generated = p
                    .get("policy")
                    .map(|(key, node)| (key.span, json_document(node, json_sources)));
                let properties = p.finish();
                let index = self.push(&instance, "AWS::SNS::Topic", properties);
                if let Some(policy) = generated {
                    self.push_inline_policy(&instance, index, policy, &TOPIC_POLICY);
                }
                return;
            }
            "aws_sns_topic_policy" => {
                if let Some((key, node)) = p.get("arn") {
                    let node = self.reference_or_value(node, "aws_sns_topic");
                    p.insert(
                        "Topics",
                        key.span,
                        Node::new(Value::Seq(vec![node.clone()]), node.span),
                    );
                }
                p.json("policy", "PolicyDocument");
                "AWS::SNS::TopicPolicy"
            }
            "aws_sns_topic_subscription" => {
                p.attrs(&[
                    ("topic_arn", "TopicArn"),
                    ("protocol", "Protocol"),
                    ("endpoint", "Endpoint"),
                    ("raw_message_delivery", "RawMessageDelivery"),
                ]);
                p.json("filter_policy", "FilterPolicy");
                p.json("redrive_policy", "RedrivePolicy");
                "AWS::SNS::Subscription"
            }
            "aws_dynamodb_table" => {
                p.attrs(&[
                    ("name", "TableName"),
                    ("billing_mode", "BillingMode"),
                    ("deletion_protection_enabled", "DeletionProtectionEnabled"),
                    ("table_class", "TableClass"),
                ]);
                if let Some((key, block)) = p.block("point_in_time_recovery") {
                    let map = rename(
                        block,
                        &[("enabled", "PointInTimeRecoveryEnabled")],
                        json_sources,
                    );
                    p.insert(
                        "PointInTimeRecoverySpecification",
                        key.span,
                        Node::map(map, block.span),
                    );
                }
                p.block_as(
                    "server_side_encryption",
                    "SSESpecification",
                    &[("enabled", "SSEEnabled"), ("kms_key_arn", "KMSMasterKeyId")],
                );
                if let Some((key, node)) = p.get("stream_view_type") {
                    let mut map = Map::default();
                    map.insert(
                        Key {
                            name: "StreamViewType".into(),
                            span: key.span,
                        },
                        node.clone(),
                    );
                    p.insert("StreamSpecification", key.span, Node::map(map, node.span));
                }
                "AWS::DynamoDB::Table"
            }
            "aws_cloudwatch_log_group" => {
                p.attrs(&[
                    ("name", "LogGroupName"),
                    ("kms_key_id", "KmsKeyId"),
                    ("log_group_class", "LogGroupClass"),
                ]);
                // 0 means "never expire", as an absent retention does in CloudFormation.
                if let Some((key, node)) = p.get("retention_in_days") {
                    if node.as_i64() != Some(0) {
                        p.insert("RetentionInDays", key.span, node.clone());
                    }
                }
                "AWS::Logs::LogGroup"
            }
            "aws_kms_key" => {
                p.attrs(&[
                    ("description", "Description"),
                    ("enable_key_rotation", "EnableKeyRotation"),
                    ("key_spec", "KeySpec"),
                    ("customer_master_key_spec", "KeySpec"),
                    ("key_usage", "KeyUsage"),
                    ("deletion_window_in_days", "PendingWindowInDays"),
                    ("multi_region", "MultiRegion"),
                    ("is_enabled", "Enabled"),
                ]);
                p.json("policy", "KeyPolicy");
                "AWS::KMS::Key"
            }
            "aws_secretsmanager_secret" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("kms_key_id", "KmsKeyId"),
                    ("description", "Description"),
                ]);
                let generated = p
                    .get("policy")
                    .map(|(key, node)| (key.span, json_document(node, json_sources)));
                let properties = p.finish();
                let index = self.push(&instance, "AWS::SecretsManager::Secret", properties);
                if let Some(policy) = generated {
                    self.push_inline_policy(&instance, index, policy, &SECRET_POLICY);
                }
                return;
            }
            "aws_secretsmanager_secret_policy" => {
                p.attrs(&[
                    ("secret_arn", "SecretId"),
                    ("block_public_policy", "BlockPublicPolicy"),
                ]);
                p.json("policy", "ResourcePolicy");
                self.link_by_name(&mut p, "SecretId", "aws_secretsmanager_secret");
                "AWS::SecretsManager::ResourcePolicy"
            }
            "aws_secretsmanager_secret_rotation" => {
                p.attrs(&[
                    ("secret_id", "SecretId"),
                    ("rotation_lambda_arn", "RotationLambdaARN"),
                ]);
                p.block_as(
                    "rotation_rules",
                    "RotationRules",
                    &[
                        ("automatically_after_days", "AutomaticallyAfterDays"),
                        ("schedule_expression", "ScheduleExpression"),
                        ("duration", "Duration"),
                    ],
                );
                self.link_by_name(&mut p, "SecretId", "aws_secretsmanager_secret");
                "AWS::SecretsManager::RotationSchedule"
            }
            "aws_ssm_parameter" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("type", "Type"),
                    ("value", "Value"),
                    ("insecure_value", "Value"),
                    ("description", "Description"),
                    ("tier", "Tier"),
                    ("key_id", "KeyId"),
                ]);
                "AWS::SSM::Parameter"
            }
            "aws_cloudwatch_event_rule" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("schedule_expression", "ScheduleExpression"),
                    ("event_bus_name", "EventBusName"),
                    ("description", "Description"),
                    ("state", "State"),
                ]);
                p.json("event_pattern", "EventPattern");
                if let Some((key, node)) = p.get("is_enabled") {
                    let state = match node.as_bool() {
                        Some(true) => Node::string("ENABLED", node.span),
                        Some(false) => Node::string("DISABLED", node.span),
                        None => node.clone(),
                    };
                    p.insert("State", key.span, state);
                }
                "AWS::Events::Rule"
            }
            "aws_scheduler_schedule" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("schedule_expression", "ScheduleExpression"),
                    ("state", "State"),
                ]);
                p.block_as(
                    "flexible_time_window",
                    "FlexibleTimeWindow",
                    &[
                        ("mode", "Mode"),
                        ("maximum_window_in_minutes", "MaximumWindowInMinutes"),
                    ],
                );
                if let Some((key, block)) = p.block("target") {
                    let inner = Props::new(block, json_sources);
                    let mut target = rename(
                        block,
                        &[("arn", "Arn"), ("role_arn", "RoleArn"), ("input", "Input")],
                        json_sources,
                    );
                    if let Some((k, b)) = inner.block("dead_letter_config") {
                        target.insert(
                            Key {
                                name: "DeadLetterConfig".into(),
                                span: k.span,
                            },
                            Node::map(rename(b, &[("arn", "Arn")], json_sources), b.span),
                        );
                    }
                    if let Some((k, b)) = inner.block("retry_policy") {
                        let fields = [
                            ("maximum_retry_attempts", "MaximumRetryAttempts"),
                            ("maximum_event_age_in_seconds", "MaximumEventAgeInSeconds"),
                        ];
                        target.insert(
                            Key {
                                name: "RetryPolicy".into(),
                                span: k.span,
                            },
                            Node::map(rename(b, &fields, json_sources), b.span),
                        );
                    }
                    p.insert("Target", key.span, Node::map(target, block.span));
                }
                "AWS::Scheduler::Schedule"
            }
            "aws_sfn_state_machine" => {
                p.attrs(&[
                    ("name", "StateMachineName"),
                    ("role_arn", "RoleArn"),
                    ("type", "StateMachineType"),
                ]);
                if let Some((key, node)) = p.get("definition") {
                    let document = json_document(node, json_sources);
                    let property = if document.as_map().is_some() {
                        "Definition"
                    } else {
                        "DefinitionString"
                    };
                    p.insert(property, key.span, document);
                }
                if let Some((key, block)) = p.block("logging_configuration") {
                    let mut map = rename(
                        block,
                        &[
                            ("level", "Level"),
                            ("include_execution_data", "IncludeExecutionData"),
                        ],
                        json_sources,
                    );
                    if let Some((k, destination)) =
                        block.as_map().and_then(|m| m.get_entry("log_destination"))
                    {
                        let mut group = Map::default();
                        group.insert(
                            Key {
                                name: "LogGroupArn".into(),
                                span: k.span,
                            },
                            destination.clone(),
                        );
                        let mut entry = Map::default();
                        entry.insert(
                            Key {
                                name: "CloudWatchLogsLogGroup".into(),
                                span: k.span,
                            },
                            Node::map(group, destination.span),
                        );
                        map.insert(
                            Key {
                                name: "Destinations".into(),
                                span: k.span,
                            },
                            Node::new(
                                Value::Seq(vec![Node::map(entry, destination.span)]),
                                destination.span,
                            ),
                        );
                    }
                    p.insert("LoggingConfiguration", key.span, Node::map(map, block.span));
                }
                p.block_as(
                    "tracing_configuration",
                    "TracingConfiguration",
                    &[("enabled", "Enabled")],
                );
                p.block_as(
                    "encryption_configuration",
                    "EncryptionConfiguration",
                    &[
                        ("type", "Type"),
                        ("kms_key_id", "KmsKeyId"),
                        (
                            "kms_data_key_reuse_period_seconds",
                            "KmsDataKeyReusePeriodSeconds",
                        ),
                    ],
                );
                "AWS::StepFunctions::StateMachine"
            }
            "aws_cognito_user_pool" => {
                p.attrs(&[
                    ("name", "UserPoolName"),
                    ("mfa_configuration", "MfaConfiguration"),
                ]);
                "AWS::Cognito::UserPool"
            }
            "aws_cognito_identity_pool" => {
                p.attrs(&[
                    ("identity_pool_name", "IdentityPoolName"),
                    (
                        "allow_unauthenticated_identities",
                        "AllowUnauthenticatedIdentities",
                    ),
                ]);
                "AWS::Cognito::IdentityPool"
            }
            "aws_cloudwatch_metric_alarm" => {
                p.attrs(&[
                    ("alarm_name", "AlarmName"),
                    ("namespace", "Namespace"),
                    ("metric_name", "MetricName"),
                    ("alarm_actions", "AlarmActions"),
                    ("actions_enabled", "ActionsEnabled"),
                    ("ok_actions", "OKActions"),
                    ("insufficient_data_actions", "InsufficientDataActions"),
                ]);
                if let Some((key, node)) = p.get("dimensions") {
                    p.insert("Dimensions", key.span, alarm_dimensions(node));
                }
                if let Some((key, blocks)) = p.get("metric_query") {
                    let queries = blocks
                        .items()
                        .into_iter()
                        .map(|query| {
                            let mut map = rename(query, &[("id", "Id")], json_sources);
                            if let Some((k, metric)) =
                                Props::new(query, json_sources).block("metric")
                            {
                                let inner = Props::new(metric, json_sources);
                                let mut fields = rename(
                                    metric,
                                    &[("namespace", "Namespace"), ("metric_name", "MetricName")],
                                    json_sources,
                                );
                                if let Some((dk, dimensions)) = inner.get("dimensions") {
                                    fields.insert(
                                        Key {
                                            name: "Dimensions".into(),
                                            span: dk.span,
                                        },
                                        alarm_dimensions(dimensions),
                                    );
                                }
                                let mut stat = Map::default();
                                stat.insert(
                                    Key {
                                        name: "Metric".into(),
                                        span: k.span,
                                    },
                                    Node::map(fields, metric.span),
                                );
                                map.insert(
                                    Key {
                                        name: "MetricStat".into(),
                                        span: k.span,
                                    },
                                    Node::map(stat, metric.span),
                                );
                            }
                            Node::map(map, query.span)
                        })
                        .collect();
                    p.insert(
                        "Metrics",
                        key.span,
                        Node::new(Value::Seq(queries), blocks.span),
                    );
                }
                "AWS::CloudWatch::Alarm"
            }
            "aws_cloudtrail" => {
                p.attrs(&[
                    ("name", "TrailName"),
                    ("s3_bucket_name", "S3BucketName"),
                    ("is_multi_region_trail", "IsMultiRegionTrail"),
                    ("enable_log_file_validation", "EnableLogFileValidation"),
                    ("kms_key_id", "KMSKeyId"),
                    ("enable_logging", "IsLogging"),
                ]);
                if let Some((key, blocks)) = p.get("event_selector") {
                    let selectors = blocks
                        .items()
                        .into_iter()
                        .map(|selector| {
                            let mut map = rename(
                                selector,
                                &[
                                    ("read_write_type", "ReadWriteType"),
                                    ("include_management_events", "IncludeManagementEvents"),
                                ],
                                json_sources,
                            );
                            if let Some((k, resources)) =
                                Props::new(selector, json_sources).get("data_resource")
                            {
                                let items = resources
                                    .items()
                                    .into_iter()
                                    .map(|r| {
                                        let fields = [("type", "Type"), ("values", "Values")];
                                        Node::map(rename(r, &fields, json_sources), r.span)
                                    })
                                    .collect();
                                map.insert(
                                    Key {
                                        name: "DataResources".into(),
                                        span: k.span,
                                    },
                                    Node::new(Value::Seq(items), resources.span),
                                );
                            }
                            Node::map(map, selector.span)
                        })
                        .collect();
                    p.insert(
                        "EventSelectors",
                        key.span,
                        Node::new(Value::Seq(selectors), blocks.span),
                    );
                }
                if let Some((key, blocks)) = p.get("advanced_event_selector") {
                    let selectors = blocks
                        .items()
                        .into_iter()
                        .map(|selector| {
                            let mut map = rename(selector, &[("name", "Name")], json_sources);
                            if let Some((k, fields)) =
                                Props::new(selector, json_sources).get("field_selector")
                            {
                                let names = [
                                    ("field", "Field"),
                                    ("equals", "Equals"),
                                    ("not_equals", "NotEquals"),
                                    ("starts_with", "StartsWith"),
                                    ("not_starts_with", "NotStartsWith"),
                                    ("ends_with", "EndsWith"),
                                    ("not_ends_with", "NotEndsWith"),
                                ];
                                let items = fields
                                    .items()
                                    .into_iter()
                                    .map(|f| Node::map(rename(f, &names, json_sources), f.span))
                                    .collect();
                                map.insert(
                                    Key {
                                        name: "FieldSelectors".into(),
                                        span: k.span,
                                    },
                                    Node::new(Value::Seq(items), fields.span),
                                );
                            }
                            Node::map(map, selector.span)
                        })
                        .collect();
                    p.insert(
                        "AdvancedEventSelectors",
                        key.span,
                        Node::new(Value::Seq(selectors), blocks.span),
                    );
                }
                "AWS::CloudTrail::Trail"
            }
            "aws_kinesis_stream" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("retention_period", "RetentionPeriodHours"),
                    ("shard_count", "ShardCount"),
                ]);
                p.fields_as(
                    "StreamEncryption",
                    &[
                        ("encryption_type", "EncryptionType"),
                        ("kms_key_id", "KeyId"),
                    ],
                );
                "AWS::Kinesis::Stream"
            }
            "aws_mq_broker" => {
                p.attrs(&[
                    ("broker_name", "BrokerName"),
                    ("engine_type", "EngineType"),
                    ("publicly_accessible", "PubliclyAccessible"),
                ]);
                "AWS::AmazonMQ::Broker"
            }
            "aws_appsync_graphql_api" => {
                p.attrs(&[
                    ("name", "Name"),
                    ("authentication_type", "AuthenticationType"),
                    ("visibility", "Visibility"),
                    ("xray_enabled", "XrayEnabled"),
                ]);
                p.blocks_as(
                    "additional_authentication_provider",
                    "AdditionalAuthenticationProviders",
                    &[("authentication_type", "AuthenticationType")],
                );
                p.block_as(
                    "log_config",
                    "LogConfig",
                    &[
                        ("field_log_level", "FieldLogLevel"),
                        ("cloudwatch_logs_role_arn", "CloudWatchLogsRoleArn"),
                    ],
                );
                "AWS::AppSync::GraphQLApi"
            }
            "aws_lb_target_group" | "aws_alb_target_group" => {
                p.attrs(&[("name", "Name"), ("target_type", "TargetType")]);
                "AWS::ElasticLoadBalancingV2::TargetGroup"
            }
            "aws_lb_listener" | "aws_alb_listener" => {
                p.attrs(&[
                    ("load_balancer_arn", "LoadBalancerArn"),
                    ("protocol", "Protocol"),
                    ("port", "Port"),
                    ("ssl_policy", "SslPolicy"),
                ]);
                p.listener_actions("default_action", "DefaultActions");
                "AWS::ElasticLoadBalancingV2::Listener"
            }
            "aws_lb_listener_rule" | "aws_alb_listener_rule" => {
                p.attrs(&[("listener_arn", "ListenerArn"), ("priority", "Priority")]);
                p.listener_actions("action", "Actions");
                "AWS::ElasticLoadBalancingV2::ListenerRule"
            }
            "aws_cloudfront_distribution" => {
                // Terraform writes the distribution's settings at the top level; CloudFormation
                // nests them in `DistributionConfig`.
                let mut config = Props::new(&instance.body, json_sources);
                config.attrs(&[("enabled", "Enabled"), ("web_acl_id", "WebACLId")]);
                config.blocks_as(
                    "origin",
                    "Origins",
                    &[("domain_name", "DomainName"), ("origin_id", "Id")],
                );
                config.block_as(
                    "viewer_certificate",
                    "ViewerCertificate",
                    &[
                        (
                            "cloudfront_default_certificate",
                            "CloudFrontDefaultCertificate",
                        ),
                        ("acm_certificate_arn", "AcmCertificateArn"),
                        ("minimum_protocol_version", "MinimumProtocolVersion"),
                        ("ssl_support_method", "SslSupportMethod"),
                    ],
                );
                config.block_as(
                    "logging_config",
                    "Logging",
                    &[("bucket", "Bucket"), ("prefix", "Prefix")],
                );
                let config = config.finish();
                let span = config.span;
                p.insert("DistributionConfig", span, config);
                "AWS::CloudFront::Distribution"
            }
            "aws_wafv2_web_acl_association" => {
                p.attrs(&[
                    ("resource_arn", "ResourceArn"),
                    ("web_acl_arn", "WebACLArn"),
                ]);
                "AWS::WAFv2::WebACLAssociation"
            }
            "aws_wafregional_web_acl_association" => {
                p.attrs(&[("resource_arn", "ResourceArn"), ("web_acl_id", "WebACLId")]);
                "AWS::WAFRegional::WebACLAssociation"
            }
            _ => {
                self.push_raw(instance);
                return;
            }
        };
        let properties = p.finish();
        self.push(&instance, cfn_type, properties);
    }

    /// Replaces a literal name in property `cfn` by a reference to the resource so named.
    fn link_by_name(&self, p: &mut Props<'_>, cfn: &str, tf_type: &str) {
        let Some((key, node)) = p.out.get_entry(cfn).map(|(k, n)| (k.clone(), n.clone())) else {
            return;
        };
        if let Some(index) = self.target(Some(&node), tf_type) {
            let reference = self.reference_to(index, &node);
            p.out.insert(key, reference);
        }
    }

    /// Merges a split resource into its target; returns it back when there is none.
    fn merge(&mut self, instance: &TfInstance) -> Option<TfInstance> {
        let json_sources = self.json_sources;
        let p = Props::new(&instance.body, json_sources);
        let keep = || Some(instance.clone());
        match instance.tf_type.as_str() {
            "aws_s3_bucket_acl"
            | "aws_s3_bucket_ownership_controls"
            | "aws_s3_bucket_public_access_block"
            | "aws_s3_bucket_server_side_encryption_configuration"
            | "aws_s3_bucket_versioning"
            | "aws_s3_bucket_logging"
            | "aws_s3_bucket_notification" => {
                let Some(bucket) = self.target(p.get("bucket").map(|(_, n)| n), "aws_s3_bucket")
                else {
                    return keep();
                };
                let mut additions: Vec<(&str, Span, Node)> = Vec::new();
                match instance.tf_type.as_str() {
                    "aws_s3_bucket_acl" => {
                        if let Some((key, node)) = p.get("acl") {
                            additions.push(("AccessControl", key.span, acl_node(node)));
                        }
                    }
                    "aws_s3_bucket_ownership_controls" => {
                        if let Some((key, rule)) = p.block("rule") {
                            let rule = rename(
                                rule,
                                &[("object_ownership", "ObjectOwnership")],
                                json_sources,
                            );
                            let rules =
                                Node::new(Value::Seq(vec![Node::map(rule, key.span)]), key.span);
                            let mut map = Map::default();
                            map.insert(
                                Key {
                                    name: "Rules".into(),
                                    span: key.span,
                                },
                                rules,
                            );
                            additions.push((
                                "OwnershipControls",
                                key.span,
                                Node::map(map, key.span),
                            ));
                        }
                    }
                    "aws_s3_bucket_public_access_block" => {
                        let map = rename(
                            &instance.body,
                            &[
                                ("block_public_acls", "BlockPublicAcls"),
                                ("block_public_policy", "BlockPublicPolicy"),
                                ("ignore_public_acls", "IgnorePublicAcls"),
                                ("restrict_public_buckets", "RestrictPublicBuckets"),
                            ],
                            json_sources,
                        );
                        additions.push((
                            "PublicAccessBlockConfiguration",
                            instance.header,
                            Node::map(map, instance.header),
                        ));
                    }
                    "aws_s3_bucket_server_side_encryption_configuration" => {
                        additions.push((
                            "BucketEncryption",
                            instance.header,
                            bucket_encryption(&instance.body, json_sources),
                        ));
                    }
                    "aws_s3_bucket_versioning" => {
                        if let Some((key, block)) = p.block("versioning_configuration") {
                            let map = rename(block, &[("status", "Status")], json_sources);
                            additions.push((
                                "VersioningConfiguration",
                                key.span,
                                Node::map(map, block.span),
                            ));
                        }
                    }
                    "aws_s3_bucket_logging" => {
                        let map = rename(
                            &instance.body,
                            &[
                                ("target_bucket", "DestinationBucketName"),
                                ("target_prefix", "LogFilePrefix"),
                            ],
                            json_sources,
                        );
                        additions.push((
                            "LoggingConfiguration",
                            instance.header,
                            Node::map(map, instance.header),
                        ));
                    }
                    _ => {
                        let mut notification = Map::default();
                        for (tf, cfn, arn_tf, arn_cfn) in [
                            (
                                "lambda_function",
                                "LambdaConfigurations",
                                "lambda_function_arn",
                                "Function",
                            ),
                            ("queue", "QueueConfigurations", "queue_arn", "Queue"),
                            ("topic", "TopicConfigurations", "topic_arn", "Topic"),
                        ] {
                            if let Some((key, blocks)) = p.get(tf) {
                                let items = blocks
                                    .items()
                                    .into_iter()
                                    .flat_map(|block| {
                                        let events = block
                                            .get("events")
                                            .map(Node::items)
                                            .unwrap_or_default();
                                        let mut out = Vec::new();
                                        for event in events.into_iter().take(32) {
                                            let mut map =
                                                rename(block, &[(arn_tf, arn_cfn)], json_sources);
                                            map.insert(
                                                Key {
                                                    name: "Event".into(),
                                                    span: event.span,
                                                },
                                                event.clone(),
                                            );
                                            out.push(Node::map(map, block.span));
                                        }
                                        out
                                    })
                                    .collect();
                                notification.insert(
                                    Key {
                                        name: cfn.into(),
                                        span: key.span,
                                    },
                                    Node::new(Value::Seq(items), blocks.span),
                                );
                            }
                        }
                        additions.push((
                            "NotificationConfiguration",
                            instance.header,
                            Node::map(notification, instance.header),
                        ));
                    }
                }
                let properties = &mut self.resources[bucket].properties;
                if let Some(map) = properties.as_map_mut() {
                    for (name, span, node) in additions {
                        map.insert(
                            Key {
                                name: name.into(),
                                span,
                            },
                            node,
                        );
                    }
                }
                None
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment"
            | "aws_iam_policy_attachment" => {
                let Some((arn_key, arn)) = p.get("policy_arn") else {
                    return keep();
                };
                // (attribute, holds a list, Terraform type of the principal)
                let attributes: &[(&str, bool, &str)] = match instance.tf_type.as_str() {
                    "aws_iam_role_policy_attachment" => &[("role", false, "aws_iam_role")],
                    "aws_iam_user_policy_attachment" => &[("user", false, "aws_iam_user")],
                    "aws_iam_group_policy_attachment" => &[("group", false, "aws_iam_group")],
                    _ => &[
                        ("roles", true, "aws_iam_role"),
                        ("users", true, "aws_iam_user"),
                        ("groups", true, "aws_iam_group"),
                    ],
                };
                let targets: Vec<usize> = attributes
                    .iter()
                    .flat_map(|(attribute, list, tf_type)| {
                        let nodes: Vec<&Node> = match p.get(attribute) {
                            Some((_, n)) if *list => n.items(),
                            Some((_, n)) => vec![n],
                            None => Vec::new(),
                        };
                        nodes
                            .into_iter()
                            .filter_map(|node| self.target(Some(node), tf_type))
                            .collect::<Vec<_>>()
                    })
                    .collect();
                if targets.is_empty() {
                    return keep();
                }
                for role in targets {
                    let Some(map) = self.resources[role].properties.as_map_mut() else {
                        continue;
                    };
                    match map
                        .entries
                        .iter_mut()
                        .find(|(key, _)| key.name == "ManagedPolicyArns")
                    {
                        Some((_, existing)) => match &mut existing.value {
                            Value::Seq(items) => items.push(arn.clone()),
                            _ => {
                                *existing = Node::new(
                                    Value::Seq(vec![existing.clone(), arn.clone()]),
                                    existing.span,
                                )
                            }
                        },
                        None => map.insert(
                            Key {
                                name: "ManagedPolicyArns".into(),
                                span: arn_key.span,
                            },
                            Node::new(Value::Seq(vec![arn.clone()]), arn.span),
                        ),
                    }
                }
                None
            }
            "aws_api_gateway_integration" => {
                let method = self.integration_method(&p)?;
                let mut integration = rename(
                    &instance.body,
                    &[
                        ("type", "Type"),
                        ("integration_http_method", "IntegrationHttpMethod"),
                        ("uri", "Uri"),
                        ("timeout_milliseconds", "TimeoutInMillis"),
                        ("credentials", "Credentials"),
                        ("passthrough_behavior", "PassthroughBehavior"),
                        ("request_templates", "RequestTemplates"),
                        ("request_parameters", "RequestParameters"),
                        ("connection_type", "ConnectionType"),
                    ],
                    json_sources,
                );
                if integration.is_empty() {
                    integration = Map::default();
                }
                if let Some(map) = self.resources[method].properties.as_map_mut() {
                    map.insert(
                        Key {
                            name: "Integration".into(),
                            span: instance.header,
                        },
                        Node::map(integration, instance.header),
                    );
                }
                None
            }
            "aws_api_gateway_method_settings" => {
                let stage = self.settings_stage(&p)?;
                let (key, block) = p.block("settings")?;
                let mut setting = rename(
                    block,
                    &[
                        ("logging_level", "LoggingLevel"),
                        ("data_trace_enabled", "DataTraceEnabled"),
                        ("metrics_enabled", "MetricsEnabled"),
                        ("throttling_rate_limit", "ThrottlingRateLimit"),
                        ("throttling_burst_limit", "ThrottlingBurstLimit"),
                        ("caching_enabled", "CachingEnabled"),
                        ("cache_data_encrypted", "CacheDataEncrypted"),
                        ("cache_ttl_in_seconds", "CacheTtlInSeconds"),
                    ],
                    json_sources,
                );
                // Terraform's `-1` throttling values mean "not set".
                setting.entries.retain(|(k, v)| {
                    !(k.name.starts_with("Throttling") && v.as_f64() == Some(-1.0))
                });
                if let Some((path_key, path)) = p.get("method_path") {
                    let (resource_path, http_method) = match path.as_str() {
                        Some(text) => {
                            let (resource, method) = text.rsplit_once('/').unwrap_or((text, "*"));
                            let resource_path = if resource == "*" {
                                "/*".to_string()
                            } else {
                                format!("/{}", resource.trim_start_matches('/').replace('/', "~1"))
                            };
                            (
                                Node::string(resource_path, path.span),
                                Node::string(method, path.span),
                            )
                        }
                        None => (path.clone(), path.clone()),
                    };
                    setting.insert(
                        Key {
                            name: "ResourcePath".into(),
                            span: path_key.span,
                        },
                        resource_path,
                    );
                    setting.insert(
                        Key {
                            name: "HttpMethod".into(),
                            span: path_key.span,
                        },
                        http_method,
                    );
                }
                if let Some(map) = self.resources[stage].properties.as_map_mut() {
                    let node = Node::map(setting, block.span);
                    match map
                        .entries
                        .iter_mut()
                        .find(|(k, _)| k.name == "MethodSettings")
                    {
                        Some((_, existing)) => {
                            if let Value::Seq(items) = &mut existing.value {
                                items.push(node);
                            }
                        }
                        None => map.insert(
                            Key {
                                name: "MethodSettings".into(),
                                span: key.span,
                            },
                            Node::new(Value::Seq(vec![node]), block.span),
                        ),
                    }
                }
                None
            }
            "aws_secretsmanager_secret_version" => {
                let Some(secret) = self.target(
                    p.get("secret_id").map(|(_, n)| n),
                    "aws_secretsmanager_secret",
                ) else {
                    return keep();
                };
                let (key, value) = p
                    .get("secret_string")
                    .or_else(|| p.get("secret_string_wo"))?;
                if let Some(map) = self.resources[secret].properties.as_map_mut() {
                    map.insert(
                        Key {
                            name: "SecretString".into(),
                            span: key.span,
                        },
                        value.clone(),
                    );
                }
                None
            }
            "aws_cloudwatch_event_target" => {
                let Some(rule) =
                    self.target(p.get("rule").map(|(_, n)| n), "aws_cloudwatch_event_rule")
                else {
                    return keep();
                };
                let mut target = rename(
                    &instance.body,
                    &[
                        ("target_id", "Id"),
                        ("arn", "Arn"),
                        ("role_arn", "RoleArn"),
                        ("input", "Input"),
                        ("input_path", "InputPath"),
                    ],
                    json_sources,
                );
                if let Some((k, b)) = p.block("dead_letter_config") {
                    target.insert(
                        Key {
                            name: "DeadLetterConfig".into(),
                            span: k.span,
                        },
                        Node::map(rename(b, &[("arn", "Arn")], json_sources), b.span),
                    );
                }
                if let Some((k, b)) = p.block("retry_policy") {
                    let fields = [
                        ("maximum_retry_attempts", "MaximumRetryAttempts"),
                        ("maximum_event_age_in_seconds", "MaximumEventAgeInSeconds"),
                    ];
                    target.insert(
                        Key {
                            name: "RetryPolicy".into(),
                            span: k.span,
                        },
                        Node::map(rename(b, &fields, json_sources), b.span),
                    );
                }
                let node = Node::map(target, instance.header);
                if let Some(map) = self.resources[rule].properties.as_map_mut() {
                    match map.entries.iter_mut().find(|(k, _)| k.name == "Targets") {
                        Some((_, existing)) => {
                            if let Value::Seq(items) = &mut existing.value {
                                items.push(node);
                            }
                        }
                        None => map.insert(
                            Key {
                                name: "Targets".into(),
                                span: instance.header,
                            },
                            Node::new(Value::Seq(vec![node]), instance.header),
                        ),
                    }
                }
                None
            }
            "aws_kms_key_policy" => {
                let Some(key_index) = self.target(p.get("key_id").map(|(_, n)| n), "aws_kms_key")
                else {
                    return keep();
                };
                let (key, node) = p.get("policy")?;
                let document = json_document(node, json_sources);
                if let Some(map) = self.resources[key_index].properties.as_map_mut() {
                    map.insert(
                        Key {
                            name: "KeyPolicy".into(),
                            span: key.span,
                        },
                        document,
                    );
                }
                None
            }
            "aws_lambda_provisioned_concurrency_config" => {
                // Set on the function (as the Serverless Framework's `provisionedConcurrency`),
                // whatever alias or version `qualifier` names.
                let Some(function) = self.target(
                    p.get("function_name").map(|(_, n)| n),
                    "aws_lambda_function",
                ) else {
                    return keep();
                };
                let (key, count) = p.get("provisioned_concurrent_executions")?;
                let mut config = Map::default();
                config.insert(
                    Key {
                        name: "ProvisionedConcurrentExecutions".into(),
                        span: key.span,
                    },
                    count.clone(),
                );
                if let Some(map) = self.resources[function].properties.as_map_mut() {
                    map.insert(
                        Key {
                            name: "ProvisionedConcurrencyConfig".into(),
                            span: instance.header,
                        },
                        Node::map(config, count.span),
                    );
                }
                None
            }
            "aws_sqs_queue_redrive_policy" => {
                let Some(queue) = self.target(p.get("queue_url").map(|(_, n)| n), "aws_sqs_queue")
                else {
                    return keep();
                };
                let (key, node) = p.get("redrive_policy")?;
                let document = json_document(node, json_sources);
                if let Some(map) = self.resources[queue].properties.as_map_mut() {
                    map.insert(
                        Key {
                            name: "RedrivePolicy".into(),
                            span: key.span,
                        },
                        document,
                    );
                }
                None
            }
            _ => keep(),
        }
    }

    /// The method an `aws_api_gateway_integration` belongs to: by reference in
    /// `http_method` (`aws_api_gateway_method.m.http_method`), else by resource and verb.
    fn integration_method(&self, p: &Props<'_>) -> Option<usize> {
        let http_method = p.get("http_method").map(|(_, n)| n);
        if let Some(index) = self.target(http_method, "aws_api_gateway_method") {
            if http_method.is_some_and(|n| n.resource_ref().is_some()) {
                return Some(index);
            }
        }
        let resource_id = p.get("resource_id").map(|(_, n)| n)?;
        let verb = http_method.and_then(Node::as_str)?;
        (0..self.resources.len()).find(|&i| {
            self.tf_types[i] == "aws_api_gateway_method"
                && self.resources[i]
                    .prop("ResourceId")
                    .is_some_and(|r| r.value == resource_id.value)
                && self.resources[i]
                    .prop("HttpMethod")
                    .and_then(Node::as_str)
                    .is_some_and(|m| m.eq_ignore_ascii_case(verb))
        })
    }

    /// The stage `aws_api_gateway_method_settings` configures.
    fn settings_stage(&self, p: &Props<'_>) -> Option<usize> {
        let stage_name = p.get("stage_name").map(|(_, n)| n)?;
        if stage_name.resource_ref().is_some() {
            return self.target(Some(stage_name), "aws_api_gateway_stage");
        }
        let api = p.get("rest_api_id").map(|(_, n)| n);
        (0..self.resources.len()).find(|&i| {
            self.tf_types[i] == "aws_api_gateway_stage"
                && self.resources[i]
                    .prop("StageName")
                    .is_some_and(|s| s.value == stage_name.value)
                && api.is_none_or(|api| {
                    self.resources[i]
                        .prop("RestApiId")
                        .is_some_and(|r| r.value == api.value)
                })
        })
    }
}

/// An alarm's `dimensions = { FunctionName = "x" }` to CloudWatch's `[{Name, Value}]`.
fn alarm_dimensions(node: &Node) -> Node {
    let Some(map) = node.as_map() else {
        return node.clone();
    };
    let items = map
        .iter()
        .map(|(key, value)| {
            let mut dimension = Map::default();
            dimension.insert(
                Key {
                    name: "Name".into(),
                    span: key.span,
                },
                Node::string(key.name.clone(), key.span),
            );
            dimension.insert(
                Key {
                    name: "Value".into(),
                    span: key.span,
                },
                value.clone(),
            );
            Node::map(dimension, key.span)
        })
        .collect();
    Node::new(Value::Seq(items), node.span)
}

/// `rule { apply_server_side_encryption_by_default { ... } }` to `BucketEncryption`.
fn bucket_encryption(body: &Node, json_sources: &HashMap<Span, Node>) -> Node {
    let rules = Props::new(body, json_sources)
        .get("rule")
        .map(|(_, n)| n.items())
        .unwrap_or_default();
    let configurations: Vec<Node> = rules
        .into_iter()
        .map(|rule| {
            let inner = Props::new(rule, json_sources);
            let mut map = rename(
                rule,
                &[("bucket_key_enabled", "BucketKeyEnabled")],
                json_sources,
            );
            if let Some((key, block)) = inner.block("apply_server_side_encryption_by_default") {
                let defaults = rename(
                    block,
                    &[
                        ("sse_algorithm", "SSEAlgorithm"),
                        ("kms_master_key_id", "KMSMasterKeyID"),
                    ],
                    json_sources,
                );
                map.insert(
                    Key {
                        name: "ServerSideEncryptionByDefault".into(),
                        span: key.span,
                    },
                    Node::map(defaults, block.span),
                );
            }
            Node::map(map, rule.span)
        })
        .collect();
    let mut encryption = Map::default();
    encryption.insert(
        Key {
            name: "ServerSideEncryptionConfiguration".into(),
            span: body.span,
        },
        Node::new(Value::Seq(configurations), body.span),
    );
    Node::map(encryption, body.span)
}

/// Builds an IAM policy document from an evaluated `data "aws_iam_policy_document"` body.
pub(crate) fn policy_document_from_data(
    body: &Node,
    header: Span,
    json_sources: &HashMap<Span, Node>,
) -> Node {
    let p = Props::new(body, json_sources);
    let mut document = Map::default();
    let version = p
        .get("version")
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| Node::string("2012-10-17", header));
    document.insert(
        Key {
            name: "Version".into(),
            span: version.span,
        },
        version,
    );
    let mut statements = Vec::new();
    // `source_policy_documents` come first; this document's statements add to them.
    if let Some((_, sources)) = p.get("source_policy_documents") {
        for source in sources.items() {
            let source = json_document(source, json_sources);
            if let Some(existing) = source.get("Statement") {
                statements.extend(existing.items().into_iter().cloned());
            }
        }
    }
    let statement_span = p.get("statement").map_or(header, |(key, _)| key.span);
    if let Some((_, blocks)) = p.get("statement") {
        for block in blocks.items() {
            statements.push(statement_from_block(block, json_sources));
        }
    }
    document.insert(
        Key {
            name: "Statement".into(),
            span: statement_span,
        },
        Node::new(Value::Seq(statements), statement_span),
    );
    Node::map(document, header)
}

fn statement_from_block(block: &Node, json_sources: &HashMap<Span, Node>) -> Node {
    let p = Props::new(block, json_sources);
    let mut statement = rename(
        block,
        &[
            ("sid", "Sid"),
            ("effect", "Effect"),
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ],
        json_sources,
    );
    if statement.get("Effect").is_none() {
        statement.insert(
            Key {
                name: "Effect".into(),
                span: block.span,
            },
            Node::string("Allow", block.span),
        );
    }
    for (tf, cfn) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let Some((key, blocks)) = p.get(tf) else {
            continue;
        };
        let mut principal = Map::default();
        let mut wildcard = None;
        for entry in blocks.items() {
            let (Some(kind), Some(identifiers)) = (entry.get("type"), entry.get("identifiers"))
            else {
                continue;
            };
            let kind_name = kind.as_str().unwrap_or("AWS").to_string();
            // `type = "*"` with `identifiers = ["*"]` is `Principal: "*"`.
            if kind_name == "*" {
                wildcard = Some(Node::string("*", identifiers.span));
                continue;
            }
            match principal
                .entries
                .iter_mut()
                .find(|(k, _)| k.name == kind_name)
            {
                Some((
                    _,
                    Node {
                        value: Value::Seq(items),
                        ..
                    },
                )) => items.extend(identifiers.items().into_iter().cloned()),
                _ => principal.insert(
                    Key {
                        name: kind_name,
                        span: kind.span,
                    },
                    identifiers.clone(),
                ),
            }
        }
        let node = match wildcard {
            Some(star) if principal.is_empty() => star,
            _ => Node::map(principal, blocks.span),
        };
        statement.insert(
            Key {
                name: cfn.into(),
                span: key.span,
            },
            node,
        );
    }
    if let Some((key, blocks)) = p.get("condition") {
        let mut conditions = Map::default();
        for entry in blocks.items() {
            let (Some(test), Some(variable), Some(values)) = (
                entry.get("test"),
                entry.get("variable"),
                entry.get("values"),
            ) else {
                continue;
            };
            let test_name = test.display();
            let mut inner = match conditions.remove(&test_name) {
                Some(Node {
                    value: Value::Map(map),
                    ..
                }) => map,
                _ => Map::default(),
            };
            inner.insert(
                Key {
                    name: variable.display(),
                    span: variable.span,
                },
                values.clone(),
            );
            conditions.insert(
                Key {
                    name: test_name,
                    span: test.span,
                },
                Node::map(inner, entry.span),
            );
        }
        statement.insert(
            Key {
                name: "Condition".into(),
                span: key.span,
            },
            Node::map(conditions, blocks.span),
        );
    }
    let mut node = Node::map(statement, block.span);
    if let Some(map) = node.as_map_mut() {
        // Keep `Effect` first for readability of messages; order does not matter to rules.
        map.entries
            .sort_by_key(|(k, _)| k.name != "Sid" && k.name != "Effect");
    }
    node
}

/// How CloudFormation models a resource's inline policy as a resource of its own.
struct InlinePolicy {
    cfn_type: &'static str,
    /// The property that names the resource the policy belongs to.
    target_key: &'static str,
    /// True when that property is a list (`Queues`, `Topics`).
    target_is_list: bool,
    document_key: &'static str,
}

const BUCKET_POLICY: InlinePolicy = InlinePolicy {
    cfn_type: "AWS::S3::BucketPolicy",
    target_key: "Bucket",
    target_is_list: false,
    document_key: "PolicyDocument",
};
const QUEUE_POLICY: InlinePolicy = InlinePolicy {
    cfn_type: "AWS::SQS::QueuePolicy",
    target_key: "Queues",
    target_is_list: true,
    document_key: "PolicyDocument",
};
const TOPIC_POLICY: InlinePolicy = InlinePolicy {
    cfn_type: "AWS::SNS::TopicPolicy",
    target_key: "Topics",
    target_is_list: true,
    document_key: "PolicyDocument",
};
const SECRET_POLICY: InlinePolicy = InlinePolicy {
    cfn_type: "AWS::SecretsManager::ResourcePolicy",
    target_key: "SecretId",
    target_is_list: false,
    document_key: "ResourcePolicy",
};
