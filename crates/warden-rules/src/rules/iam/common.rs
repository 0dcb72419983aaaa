//! Policy documents of a template, shared by the IAM, secrets and storage rules.

use std::collections::HashSet;

use warden_iac::analysis::refers_to;
use warden_iac::node::Map;
use warden_iac::policy::{self, principal_is_public, Statement};
use warden_iac::{Node, Resource, RoleBinding, Template, Value};

/// What a policy document governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    /// Attached to a role, user or group: what they may do.
    Identity,
    /// A role's `AssumeRolePolicyDocument`: who may become the role.
    Trust,
    /// Attached to a bucket, queue, topic, key or secret: who may use it.
    Resource,
}

/// One policy document in the template.
pub(crate) struct PolicyDocument<'t> {
    /// The resource that declares the document.
    pub resource: &'t Resource,
    pub document: Node,
    /// A name for messages: the policy name, or the property.
    pub name: String,
    pub kind: PolicyKind,
    /// Identity policies only: every principal it is attached to is a Lambda execution role
    /// (the function rules own those permissions).
    pub function_roles_only: bool,
}

impl PolicyDocument<'_> {
    /// How messages name the document: "policy `p` of `Role`", "policy `Managed`",
    /// "`KeyPolicy` of `Key`".
    pub fn describe(&self) -> String {
        let owner = &self.resource.origin.id;
        if self.kind != PolicyKind::Identity {
            format!("`{}` of `{owner}`", self.name)
        } else if &self.name == owner || self.resource.id == self.name {
            format!("policy `{owner}`")
        } else {
            format!("policy `{}` of `{owner}`", self.name)
        }
    }

    pub fn statements(&self) -> Vec<Statement> {
        policy::statements(&self.document, &self.name)
    }

    /// The raw statement maps, with their nodes, for rules that need key spans.
    pub fn statement_nodes(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        for document in self.document.alternatives() {
            if let Some(statement) = document.get("Statement") {
                out.extend(
                    statement
                        .items()
                        .into_iter()
                        .filter(|node| node.as_map().is_some()),
                );
            }
        }
        out
    }
}

/// Logical IDs of the roles that are some function's execution role.
pub(crate) fn function_role_ids(template: &Template) -> HashSet<&str> {
    template
        .analysis
        .functions
        .iter()
        .filter_map(|function| match function.role {
            RoleBinding::Resource(index) => Some(template.resources[index].id.as_str()),
            _ => None,
        })
        .collect()
}

/// A policy document given as a JSON string (allowed for key and secret policies) is parsed.
fn document(node: &Node) -> Node {
    if let Value::String(text) = &node.value {
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
            return policy::node_from_json(&json, node.span);
        }
    }
    node.clone()
}

/// Every policy document the template declares.
pub(crate) fn policy_documents(template: &Template) -> Vec<PolicyDocument<'_>> {
    let function_roles = function_role_ids(template);
    let mut out = Vec::new();
    for resource in &template.resources {
        let mut push = |node: &Node, name: String, kind: PolicyKind, function_roles_only: bool| {
            out.push(PolicyDocument {
                resource,
                document: document(node),
                name,
                kind,
                function_roles_only,
            });
        };
        match resource.resource_type.as_str() {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                let function_role = function_roles.contains(resource.id.as_str());
                if let Some(trust) = resource.prop("AssumeRolePolicyDocument") {
                    push(
                        trust,
                        "AssumeRolePolicyDocument".to_string(),
                        PolicyKind::Trust,
                        false,
                    );
                }
                if let Some(policies) = resource.prop("Policies") {
                    for policy in policies.items() {
                        if let Some(doc) = policy.get("PolicyDocument") {
                            let name = policy
                                .get("PolicyName")
                                .and_then(Node::as_str)
                                .map_or_else(|| "inline policy".to_string(), str::to_string);
                            push(doc, name, PolicyKind::Identity, function_role);
                        }
                    }
                }
            }
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy" => {
                if let Some(doc) = resource.prop("PolicyDocument") {
                    let name = resource
                        .prop("PolicyName")
                        .or_else(|| resource.prop("ManagedPolicyName"))
                        .and_then(Node::as_str)
                        .map_or_else(|| resource.origin.id.clone(), str::to_string);
                    let only = attached_to_function_roles_only(template, resource, &function_roles);
                    push(doc, name, PolicyKind::Identity, only);
                }
            }
            "AWS::S3::BucketPolicy" | "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" => {
                if let Some(doc) = resource.prop("PolicyDocument") {
                    push(
                        doc,
                        "PolicyDocument".to_string(),
                        PolicyKind::Resource,
                        false,
                    );
                }
            }
            "AWS::KMS::Key" => {
                if let Some(doc) = resource.prop("KeyPolicy") {
                    push(doc, "KeyPolicy".to_string(), PolicyKind::Resource, false);
                }
            }
            "AWS::SecretsManager::ResourcePolicy" => {
                if let Some(doc) = resource.prop("ResourcePolicy") {
                    push(
                        doc,
                        "ResourcePolicy".to_string(),
                        PolicyKind::Resource,
                        false,
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// True when a standalone policy is attached, as far as the template shows, only to
/// function execution roles.
fn attached_to_function_roles_only(
    template: &Template,
    policy: &Resource,
    function_roles: &HashSet<&str>,
) -> bool {
    let mut roles: Vec<&Node> = Vec::new();
    if let Some(list) = policy.prop("Roles") {
        roles.extend(list.items());
    }
    if let Some(role) = policy.prop("RoleName") {
        roles.push(role);
    }
    let has_users_or_groups = ["Users", "Groups", "UserName", "GroupName"]
        .iter()
        .any(|name| {
            policy
                .prop(name)
                .is_some_and(|node| !node.items().is_empty())
        });
    if has_users_or_groups {
        return false;
    }
    let mut attached = 0;
    for role in roles {
        attached += 1;
        if !function_roles.iter().any(|id| refers_to(role, id)) {
            return false;
        }
    }
    // Managed policies can also be attached by the principals' `ManagedPolicyArns`.
    if policy.resource_type == "AWS::IAM::ManagedPolicy" {
        for principal in &template.resources {
            let attaches = principal
                .prop("ManagedPolicyArns")
                .is_some_and(|arns| arns.items().iter().any(|arn| refers_to(arn, &policy.id)));
            if attaches {
                attached += 1;
                if !function_roles.contains(principal.id.as_str()) {
                    return false;
                }
            }
        }
    }
    attached > 0
}

/// The condition keys a condition block tests (lower-cased), or `None` when the block
/// cannot be read (an unknown value): the caller must not report then.
pub(crate) fn condition_keys(condition: Option<&Node>) -> Option<Vec<String>> {
    let Some(condition) = condition else {
        return Some(Vec::new());
    };
    if !condition.is_known() {
        return None;
    }
    let mut keys = Vec::new();
    for alternative in condition.alternatives() {
        let operators = alternative.as_map()?;
        for (_, tests) in operators.iter() {
            match tests.as_map() {
                Some(tests) => keys.extend(tests.keys().map(str::to_ascii_lowercase)),
                None => return None,
            }
        }
    }
    Some(keys)
}

/// True when the statement's condition restricts a public principal (or cannot be read),
/// not counting the condition keys in `ignore`.
pub(crate) fn is_restricted(statement: &Statement, ignore: &[&str]) -> bool {
    crate::conditions::narrows_principal_except(statement.condition.as_ref(), ignore)
}

/// The principal node when the statement allows everyone (`*`, `AWS: *`) without a
/// restricting condition.
pub(crate) fn public_allow(statement: &Statement) -> Option<&Node> {
    let principal = statement.principal.as_ref()?;
    (statement.allow
        && !statement.not_principal
        && principal_is_public(principal)
        && !is_restricted(statement, &[]))
    .then_some(principal)
}

/// A short rendering of the statement's actions for messages.
pub(crate) fn actions_text(statement: &Statement) -> String {
    let names: Vec<String> = statement.actions.iter().map(Node::display).collect();
    let prefix = if statement.not_action { "all but " } else { "" };
    if names.is_empty() {
        "no action".to_string()
    } else {
        format!("{prefix}{}", names.join(", "))
    }
}

/// The logical ID (or rendering) of the resource a property points at, for messages.
pub(crate) fn target_name(template: &Template, node: Option<&Node>) -> Option<String> {
    let node = node?;
    let items = node.items();
    let first = items.first()?;
    Some(
        template
            .referenced(first)
            .map_or_else(|| first.display(), |resource| resource.origin.id.clone()),
    )
}

/// The entry for `name` in a statement map, with its key.
pub(crate) fn entry<'a>(
    statement: &'a Node,
    name: &str,
) -> Option<(&'a warden_iac::node::Key, &'a Node)> {
    statement.as_map().and_then(|map: &Map| map.get_entry(name))
}
