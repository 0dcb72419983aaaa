//! Least privilege from the code: what the handler's SDK calls need, compared with what its
//! role grants.
//!
//! A call's target is resolved through the environment variables the template sets
//! (`TABLE_NAME: !Ref OrdersTable`) or a literal name. Grants are evaluated three-valued:
//! a statement surely covers a call, surely does not, or may (an unknown resource, a
//! condition); Warden only claims "not granted" when no statement may cover the call, and
//! "granted but unused" only when every call of the code is known.

use warden_iac::policy::{wildcard_match, Statement};
use warden_iac::{Node, Resource, Template, Value};

use crate::engine::TargetValue;
use crate::sdk::Target;

/// A call's target, resolved against the template.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    /// A resource of the stack (index into `template.resources`).
    Resource(usize),
    /// A name or ARN that is not a resource of the stack.
    Literal(String),
    /// Not known: the reason.
    Unknown(String),
    /// The operation acts on no particular resource.
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    Yes,
    Maybe,
    No,
}

/// Resolves a call target through the function's environment.
pub fn resolve(template: &Template, function: &Resource, target: Option<&Target>) -> Resolved {
    let Some(target) = target else {
        return Resolved::None;
    };
    match &target.value {
        TargetValue::Env(name) => {
            let Some(node) = function
                .prop("Environment.Variables")
                .and_then(|v| v.get(name))
            else {
                return Resolved::Unknown(format!(
                    "the environment variable `{name}` is not set in the template"
                ));
            };
            resolve_node(template, node)
        }
        TargetValue::Text(text) => resolve_text(template, text),
        TargetValue::Event(path) => resolve_event(template, function, path),
        TargetValue::Unknown(reason) => Resolved::Unknown(reason.clone()),
    }
}

/// `Records[].s3.bucket.name` is the bucket that triggered the function (when the template
/// says which one); other event fields are not known.
fn resolve_event(template: &Template, function: &Resource, path: &str) -> Resolved {
    if path.starts_with("Records.[].s3.bucket") {
        let info = template
            .analysis
            .functions
            .iter()
            .find(|info| info.resource(template).id == function.id);
        let sources: Vec<usize> = info
            .map(|info| {
                info.triggers
                    .iter()
                    .filter(|t| t.kind == warden_iac::TriggerKind::S3)
                    .filter_map(|t| t.source)
                    .collect()
            })
            .unwrap_or_default();
        if let [bucket] = sources.as_slice() {
            return Resolved::Resource(*bucket);
        }
    }
    Resolved::Unknown(format!("it comes from the event (`{path}`)"))
}

fn resolve_node(template: &Template, node: &Node) -> Resolved {
    match &node.value {
        Value::ResourceRef { logical_id, .. } => template
            .resources
            .iter()
            .position(|r| &r.id == logical_id)
            .map_or_else(
                || Resolved::Unknown(format!("`{logical_id}` is not a resource of the stack")),
                Resolved::Resource,
            ),
        Value::String(text) => resolve_text(template, text),
        Value::Unknown {
            partial: Some(partial),
            ..
        } => {
            // `!Sub ${Table}` / `arn:...:table/${Table}`.
            for (index, resource) in template.resources.iter().enumerate() {
                if partial == &format!("${{{}}}", resource.id)
                    || partial.ends_with(&format!("/${{{}}}", resource.id))
                    || partial.ends_with(&format!(":${{{}}}", resource.id))
                {
                    return Resolved::Resource(index);
                }
            }
            Resolved::Unknown(format!("`{partial}` is not fully known"))
        }
        Value::OneOf(_) => Resolved::Unknown("it depends on a condition".into()),
        _ => Resolved::Unknown("its value is not known".into()),
    }
}

/// Properties that carry a resource's physical name, by type.
fn name_property(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" => "TableName",
        "AWS::S3::Bucket" => "BucketName",
        "AWS::SQS::Queue" => "QueueName",
        "AWS::SNS::Topic" => "TopicName",
        "AWS::Lambda::Function" => "FunctionName",
        "AWS::StepFunctions::StateMachine" => "StateMachineName",
        "AWS::SecretsManager::Secret" | "AWS::SSM::Parameter" => "Name",
        "AWS::Kinesis::Stream" => "Name",
        "AWS::KinesisFirehose::DeliveryStream" => "DeliveryStreamName",
        "AWS::Events::EventBus" => "Name",
        _ => return None,
    })
}

fn physical_name(resource: &Resource) -> Option<&str> {
    resource
        .prop(name_property(&resource.resource_type)?)
        .and_then(Node::as_str)
}

fn resolve_text(template: &Template, text: &str) -> Resolved {
    let last = text.rsplit(['/', ':']).next().unwrap_or(text);
    for (index, resource) in template.resources.iter().enumerate() {
        if let Some(name) = physical_name(resource) {
            if name == text || name == last {
                return Resolved::Resource(index);
            }
        }
    }
    Resolved::Literal(text.to_string())
}

/// The symbolic ARN of a stack resource: unknown physical names become `⟨LogicalId⟩`.
fn arn_of(resource: &Resource) -> Option<String> {
    let name = physical_name(resource)
        .map(str::to_string)
        .unwrap_or_else(|| format!("⟨{}⟩", resource.id));
    Some(match resource.resource_type.as_str() {
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" => {
            format!("arn:aws:dynamodb:*:*:table/{name}")
        }
        "AWS::S3::Bucket" => format!("arn:aws:s3:::{name}"),
        "AWS::SQS::Queue" => format!("arn:aws:sqs:*:*:{name}"),
        "AWS::SNS::Topic" => format!("arn:aws:sns:*:*:{name}"),
        "AWS::Lambda::Function" => format!("arn:aws:lambda:*:*:function:{name}"),
        "AWS::StepFunctions::StateMachine" => format!("arn:aws:states:*:*:stateMachine:{name}"),
        "AWS::SecretsManager::Secret" => format!("arn:aws:secretsmanager:*:*:secret:{name}"),
        "AWS::SSM::Parameter" => {
            format!("arn:aws:ssm:*:*:parameter/{}", name.trim_start_matches('/'))
        }
        "AWS::Kinesis::Stream" => format!("arn:aws:kinesis:*:*:stream/{name}"),
        "AWS::KinesisFirehose::DeliveryStream" => {
            format!("arn:aws:firehose:*:*:deliverystream/{name}")
        }
        "AWS::Events::EventBus" => format!("arn:aws:events:*:*:event-bus/{name}"),
        _ => return None,
    })
}

/// What `Ref` gives for a stack resource, symbolically.
fn ref_of(resource: &Resource) -> Option<String> {
    let name = physical_name(resource)
        .map(str::to_string)
        .unwrap_or_else(|| format!("⟨{}⟩", resource.id));
    Some(match resource.resource_type.as_str() {
        "AWS::SNS::Topic" | "AWS::StepFunctions::StateMachine" | "AWS::SecretsManager::Secret" => {
            arn_of(resource)?
        }
        "AWS::SQS::Queue" => format!("https://sqs.*.amazonaws.com/*/{name}"),
        _ => name,
    })
}

/// Account and region fields become `*`, so that stack ARNs and policy ARNs compare.
fn normalise_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" {
        let region = if parts[3].is_empty() { "" } else { "*" };
        let account = if parts[4].is_empty() { "" } else { "*" };
        format!(
            "arn:{}:{}:{region}:{account}:{}",
            parts[1], parts[2], parts[5]
        )
    } else {
        arn.to_string()
    }
}

/// A policy resource entry as a pattern, with `${X}`/`GetAtt` of stack resources
/// substituted; the flag says whether unknown parts were replaced with `*`.
fn render_pattern(template: &Template, node: &Node) -> Option<(String, bool)> {
    match &node.value {
        Value::String(text) => Some((normalise_arn(text), false)),
        Value::ResourceRef {
            logical_id,
            attribute,
        } => {
            let resource = template.resource(logical_id)?;
            let text = match attribute.as_deref() {
                Some("Arn") => arn_of(resource)?,
                Some(_) => return None,
                None => ref_of(resource)?,
            };
            Some((normalise_arn(&text), false))
        }
        Value::Unknown {
            partial: Some(partial),
            ..
        } => {
            let mut out = String::new();
            let mut rest = partial.as_str();
            let mut guessed = false;
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let Some(end) = rest[start..].find('}') else {
                    break;
                };
                let name = &rest[start + 2..start + end];
                let (id, attribute) = match name.split_once('.') {
                    Some((id, attribute)) => (id, Some(attribute)),
                    None => (name, None),
                };
                let replacement = template.resource(id).and_then(|r| match attribute {
                    Some("Arn") => arn_of(r),
                    Some(_) => None,
                    None => ref_of(r),
                });
                match replacement {
                    Some(text) => out.push_str(&text),
                    None => {
                        out.push('*');
                        if !name.starts_with("AWS::") {
                            guessed = true;
                        }
                    }
                }
                rest = &rest[start + end + 1..];
            }
            out.push_str(rest);
            Some((normalise_arn(&out), guessed))
        }
        _ => None,
    }
}

/// The ARN a call acts on, symbolically, if it can be written.
fn target_arn(
    template: &Template,
    resolved: &Resolved,
    target: Option<&Target>,
    service: &str,
) -> Option<String> {
    let objects = target.is_some_and(|t| t.objects);
    let base = match resolved {
        Resolved::Resource(index) => arn_of(&template.resources[*index])?,
        Resolved::Literal(text) if text.starts_with("arn:") => text.clone(),
        Resolved::Literal(text) => match service {
            "dynamodb" => format!("arn:aws:dynamodb:*:*:table/{text}"),
            "s3" => format!("arn:aws:s3:::{text}"),
            "lambda" => format!("arn:aws:lambda:*:*:function:{text}"),
            "sqs" => format!(
                "arn:aws:sqs:*:*:{}",
                text.rsplit('/').next().unwrap_or(text)
            ),
            _ => return None,
        },
        _ => return None,
    };
    let base = normalise_arn(&base);
    Some(if objects && base.starts_with("arn:aws:s3:::") {
        format!("{base}/\u{1}")
    } else {
        base
    })
}

/// Whether the statements allow `action` on the call's target.
pub fn grant(
    template: &Template,
    statements: &[Statement],
    action: &str,
    resolved: &Resolved,
    target: Option<&Target>,
    service: &str,
) -> Grant {
    let arn = target_arn(template, resolved, target, service);
    let mut best = Grant::No;
    let mut denied = false;
    for statement in statements {
        if statement.grants(action).is_none() {
            continue;
        }
        if !statement.allow {
            denied = true;
            continue;
        }
        let covered = if statement.not_resource {
            Grant::Maybe
        } else {
            statement
                .resources
                .iter()
                .map(|node| covers(template, node, arn.as_deref(), resolved))
                .fold(Grant::No, better)
        };
        let covered = if statement.condition.is_some() && covered == Grant::Yes {
            Grant::Maybe
        } else {
            covered
        };
        best = better(best, covered);
    }
    if denied && best == Grant::Yes {
        return Grant::Maybe;
    }
    best
}

fn better(a: Grant, b: Grant) -> Grant {
    match (a, b) {
        (Grant::Yes, _) | (_, Grant::Yes) => Grant::Yes,
        (Grant::Maybe, _) | (_, Grant::Maybe) => Grant::Maybe,
        _ => Grant::No,
    }
}

fn covers(template: &Template, node: &Node, arn: Option<&str>, resolved: &Resolved) -> Grant {
    let alternatives = node.alternatives();
    let mut best = Grant::No;
    for node in alternatives {
        let Some((pattern, guessed)) = render_pattern(template, node) else {
            best = better(best, Grant::Maybe);
            continue;
        };
        if pattern == "*" {
            return Grant::Yes;
        }
        let Some(arn) = arn else {
            best = better(best, Grant::Maybe);
            continue;
        };
        // Unknown names (`⟨Table⟩`) only match themselves; a literal pattern against an
        // unknown physical name may or may not match.
        let symbolic = arn.contains('⟨');
        let object_key_unknown = arn.ends_with('\u{1}');
        let matched = if object_key_unknown {
            let base = arn.trim_end_matches('\u{1}');
            if wildcard_match(&pattern, &format!("{base}anything"))
                && pattern.ends_with("/*")
                && wildcard_match(pattern.trim_end_matches("/*"), base.trim_end_matches('/'))
            {
                Grant::Yes
            } else if wildcard_match(&pattern, &format!("{base}anything"))
                || pattern.starts_with(base)
            {
                Grant::Maybe
            } else {
                Grant::No
            }
        } else if wildcard_match(&pattern, arn) {
            Grant::Yes
        } else {
            Grant::No
        };
        let matched = match matched {
            Grant::No
                if symbolic
                    && !pattern.contains('⟨')
                    && matches!(resolved, Resolved::Resource(_)) =>
            {
                // `table/orders` vs a table whose name is not known.
                if pattern.contains('*') || pattern.contains("table/") || pattern.contains(":::") {
                    Grant::Maybe
                } else {
                    Grant::No
                }
            }
            other => other,
        };
        // A pattern with parts Warden had to guess proves nothing either way.
        let matched = if guessed { Grant::Maybe } else { matched };
        best = better(best, matched);
    }
    best
}

/// How to write a resource in a least-privilege policy, as CloudFormation.
pub fn policy_resource(
    template: &Template,
    resolved: &Resolved,
    objects: bool,
) -> serde_json::Value {
    use serde_json::json;
    match resolved {
        Resolved::Resource(index) => {
            let resource = &template.resources[*index];
            let id = &resource.origin.id;
            let arn = match resource.resource_type.as_str() {
                "AWS::SNS::Topic"
                | "AWS::SecretsManager::Secret"
                | "AWS::StepFunctions::StateMachine" => {
                    json!({ "Ref": id })
                }
                "AWS::SSM::Parameter" => json!({
                    "Fn::Sub": format!("arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter${{{id}}}")
                }),
                _ => json!({ "Fn::GetAtt": [id, "Arn"] }),
            };
            if objects {
                json!({ "Fn::Sub": format!("${{{id}.Arn}}/*") })
            } else {
                arn
            }
        }
        Resolved::Literal(text) => json!(text),
        _ => json!("*"),
    }
}

/// Whether every policy of the function's role was read: the role is in the stack, each
/// managed policy is known (AWS's, from Warden's table, or one of the stack) and each
/// inline policy has statements. Partly known resources (`arn:...:${Table}`) are fine: the
/// grant evaluation treats what is unknown as "may". `Err` says what was not read.
/// `plugins`: the template is a Serverless service that lists plugins (serverless-lift,
/// serverless-iam-roles-per-function ... add IAM statements Warden does not see).
pub fn role_readable(
    template: &Template,
    info: &warden_iac::FunctionInfo,
    plugins: bool,
) -> Result<(), String> {
    let warden_iac::RoleBinding::Resource(role) = info.role else {
        return Err("its role is not defined in the stack".into());
    };
    if plugins {
        return Err(
            "Serverless Framework plugins (`plugins:`) may add statements to its role".into(),
        );
    }
    let role = &template.resources[role];
    if let Some(managed) = role.prop("ManagedPolicyArns") {
        if managed.as_seq().is_none() {
            return Err("its managed policies are not known".into());
        }
        for arn in managed.items() {
            let in_stack = template
                .referenced(arn)
                .is_some_and(|r| r.resource_type == "AWS::IAM::ManagedPolicy");
            let known = arn
                .as_str()
                .is_some_and(|text| warden_iac::policy::managed_policy(text).is_some());
            if !in_stack && !known {
                return Err(format!(
                    "the managed policy `{}` is not in Warden's table",
                    arn.display()
                ));
            }
        }
    }
    if let Some(policies) = role.prop("Policies") {
        if policies.as_seq().is_none() {
            return Err("its inline policies are not known".into());
        }
        for policy in policies.items() {
            let has_statements = policy.get("PolicyDocument").is_some_and(|document| {
                document.get("Statement").is_some() || document.as_str().is_some()
            });
            if !has_statements {
                return Err("an inline policy of its role could not be read".into());
            }
        }
    }
    Ok(())
}
