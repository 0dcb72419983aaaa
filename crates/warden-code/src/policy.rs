//! The least-privilege policy a function's code needs, written as SAM `Policies`, a
//! CloudFormation `PolicyDocument` or a Terraform `aws_iam_policy_document`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Value};
use warden_iac::Template;

use crate::context::Privilege;
use crate::privilege::{policy_resource, Resolved};

/// Actions on one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyStatement {
    pub actions: Vec<String>,
    /// The resource in CloudFormation form (`{"Fn::GetAtt": [...]}`, a string, `"*"`).
    pub resource: Value,
    /// The resource in Terraform form (an expression or a quoted string).
    pub terraform: String,
}

/// What the code's calls need, one statement per resource.
pub fn least_privilege(template: &Template, privilege: &Privilege) -> Vec<PolicyStatement> {
    let mut by_resource: BTreeMap<String, (Value, String, Vec<String>)> = BTreeMap::new();
    for call in &privilege.calls {
        let objects = call.target.as_ref().is_some_and(|t| t.objects);
        let resource = match &call.resolved {
            Resolved::Unknown(_) | Resolved::None => json!("*"),
            resolved => policy_resource(template, resolved, objects),
        };
        let terraform = terraform_resource(template, &call.resolved, objects);
        let key = resource.to_string();
        let entry = by_resource
            .entry(key)
            .or_insert_with(|| (resource, terraform, Vec::new()));
        for action in &call.actions {
            if !entry.2.contains(action) {
                entry.2.push(action.clone());
            }
        }
    }
    by_resource
        .into_values()
        .filter(|(_, _, actions)| !actions.is_empty())
        .map(|(resource, terraform, mut actions)| {
            actions.sort();
            PolicyStatement {
                actions,
                resource,
                terraform,
            }
        })
        .collect()
}

fn terraform_resource(template: &Template, resolved: &Resolved, objects: bool) -> String {
    match resolved {
        Resolved::Resource(index) => {
            let resource = &template.resources[*index];
            let id = &resource.origin.id;
            let is_address = id.contains('.');
            // Terraform addresses become references; CloudFormation logical IDs cannot be
            // written in HCL, so the placeholder says which ARN goes there.
            match (is_address, objects) {
                (true, false) => format!("{id}.arn"),
                (true, true) => format!("\"${{{id}.arn}}/*\""),
                (false, false) => format!("\"<ARN of {id}>\""),
                (false, true) => format!("\"<ARN of {id}>/*\""),
            }
        }
        Resolved::Literal(text) => format!("{text:?}"),
        _ => "\"*\"".into(),
    }
}

/// `PolicyDocument` JSON.
pub fn policy_document(statements: &[PolicyStatement]) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(|s| json!({
            "Effect": "Allow",
            "Action": s.actions,
            "Resource": s.resource,
        })).collect::<Vec<_>>(),
    })
}

/// YAML for a SAM function's `Policies` (a list with one inline document).
pub fn sam_policies(statements: &[PolicyStatement]) -> String {
    let mut out = String::from("Policies:\n  - Version: \"2012-10-17\"\n    Statement:\n");
    for statement in statements {
        out.push_str("      - Effect: Allow\n        Action:\n");
        for action in &statement.actions {
            let _ = writeln!(out, "          - {action}");
        }
        let _ = writeln!(
            out,
            "        Resource: {}",
            yaml_resource(&statement.resource)
        );
    }
    if statements.is_empty() {
        out = "Policies: []\n".into();
    }
    out
}

fn yaml_resource(resource: &Value) -> String {
    match resource {
        Value::String(text) if text == "*" => "\"*\"".into(),
        Value::String(text) => text.clone(),
        Value::Object(map) => {
            if let Some(Value::Array(parts)) = map.get("Fn::GetAtt") {
                let parts: Vec<String> = parts
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect();
                return format!("!GetAtt {}", parts.join("."));
            }
            if let Some(Value::String(text)) = map.get("Fn::Sub") {
                return format!("!Sub \"{text}\"");
            }
            if let Some(Value::String(id)) = map.get("Ref") {
                return format!("!Ref {id}");
            }
            resource.to_string()
        }
        other => other.to_string(),
    }
}

/// A Terraform `data "aws_iam_policy_document"` block.
pub fn terraform_document(name: &str, statements: &[PolicyStatement]) -> String {
    let mut out = format!("data \"aws_iam_policy_document\" \"{name}\" {{\n");
    for statement in statements {
        out.push_str("  statement {\n    effect    = \"Allow\"\n    actions   = [");
        out.push_str(
            &statement
                .actions
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", "),
        );
        let _ = writeln!(out, "]\n    resources = [{}]\n  }}", statement.terraform);
    }
    out.push_str("}\n");
    out
}
