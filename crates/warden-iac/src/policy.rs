//! IAM policy statements, and the data tables that give meaning to AWS-owned names:
//! managed policies and SAM policy templates (the action table is in [`crate::iam`]).
//!
//! Sources of the tables are listed in `data/SOURCES.md`.

use std::collections::HashMap;
use std::sync::OnceLock;

use warden_diagnostics::Span;

use crate::node::{Key, Map, Node, Value};

/// One statement of a policy document, normalised.
#[derive(Clone, Debug)]
pub struct Statement {
    pub allow: bool,
    /// `Action` or, when `not_action`, `NotAction` entries.
    pub actions: Vec<Node>,
    pub not_action: bool,
    pub resources: Vec<Node>,
    pub not_resource: bool,
    /// `Principal` or, when `not_principal`, `NotPrincipal`.
    pub principal: Option<Node>,
    pub not_principal: bool,
    pub condition: Option<Node>,
    /// The statement itself, or for managed policies the place that attached it.
    pub span: Span,
    /// Where the statement comes from, for messages: a policy name or managed policy.
    pub origin: String,
}

impl Statement {
    /// Action strings that are known (unknown entries are skipped).
    pub fn action_names(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.actions
            .iter()
            .filter_map(|node| Some((node.as_str()?, node)))
    }

    pub fn resource_names(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.resources
            .iter()
            .filter_map(|node| Some((node.as_str()?, node)))
    }

    /// True when some resource entry is exactly `*`.
    pub fn has_star_resource(&self) -> bool {
        !self.not_resource && self.resource_names().any(|(name, _)| name == "*")
    }

    /// The first action entry that matches `pattern` (IAM wildcards on both sides count:
    /// `s3:*` matches `s3:GetObject`, and `s3:Get*` is matched by `s3:GetObject`).
    pub fn grants(&self, action: &str) -> Option<&Node> {
        if self.not_action {
            // NotAction grants everything not listed.
            let excluded = self.action_names().any(|(name, _)| {
                wildcard_match(&name.to_ascii_lowercase(), &action.to_ascii_lowercase())
            });
            return if excluded { None } else { self.actions.first() };
        }
        let action = action.to_ascii_lowercase();
        self.action_names()
            .find(|(name, _)| wildcard_match(&name.to_ascii_lowercase(), &action))
            .map(|(_, node)| node)
    }
}

/// IAM-style glob: `*` any run, `?` one character. Case-sensitive: lower-case both sides for
/// actions, which IAM compares case-insensitively.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern = pattern.as_bytes();
    let text = text.as_bytes();
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(star) = star {
            p = star + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

/// Reads the statements of a resolved policy document.
pub fn statements(document: &Node, origin: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    for document in document.alternatives() {
        // CloudFormation also accepts a policy document written as a JSON string.
        if let Value::String(text) = &document.value {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
                out.extend(statements(&node_from_json(&json, document.span), origin));
            }
            continue;
        }
        let Some(statement) = document.get("Statement") else {
            continue;
        };
        for node in statement.items() {
            if let Some(statement) = statement_from(node, origin) {
                out.push(statement);
            }
        }
    }
    out
}

fn statement_from(node: &Node, origin: &str) -> Option<Statement> {
    let map = node.as_map()?;
    let allow = match map.get("Effect").and_then(Node::as_str) {
        Some(effect) => effect.eq_ignore_ascii_case("allow"),
        None => return None,
    };
    let list = |name: &str| -> Option<Vec<Node>> {
        map.get(name)
            .map(|value| value.items().into_iter().cloned().collect())
    };
    let (actions, not_action) = match list("Action") {
        Some(actions) => (actions, false),
        None => (list("NotAction").unwrap_or_default(), true),
    };
    let (resources, not_resource) = match list("Resource") {
        Some(resources) => (resources, false),
        None => (
            list("NotResource").unwrap_or_default(),
            map.get("NotResource").is_some(),
        ),
    };
    let (principal, not_principal) = match map.get("Principal") {
        Some(principal) => (Some(principal.clone()), false),
        None => (
            map.get("NotPrincipal").cloned(),
            map.get("NotPrincipal").is_some(),
        ),
    };
    Some(Statement {
        allow,
        actions,
        not_action,
        resources,
        not_resource,
        principal,
        not_principal,
        condition: map.get("Condition").cloned(),
        span: node.span,
        origin: origin.to_string(),
    })
}

/// True when a principal is everyone: `"*"`, `{"AWS": "*"}` or a list containing it.
pub fn principal_is_public(principal: &Node) -> bool {
    principal
        .alternatives()
        .into_iter()
        .any(|principal| match &principal.value {
            Value::String(text) => text == "*",
            Value::Map(map) => map
                .get("AWS")
                .is_some_and(|aws| aws.items().iter().any(|item| item.as_str() == Some("*"))),
            _ => false,
        })
}

/// Converts a JSON value from a data table to a node whose every span is `span`.
pub fn node_from_json(value: &serde_json::Value, span: Span) -> Node {
    use serde_json::Value as Json;
    let value = match value {
        Json::Null => Value::Null,
        Json::Bool(value) => Value::Bool(*value),
        Json::Number(number) => Value::Number(number.to_string()),
        Json::String(text) => Value::String(text.clone()),
        Json::Array(items) => Value::Seq(
            items
                .iter()
                .map(|item| node_from_json(item, span))
                .collect(),
        ),
        Json::Object(object) => Value::Map(Map {
            entries: object
                .iter()
                .map(|(name, value)| {
                    (
                        Key {
                            name: name.clone(),
                            span,
                        },
                        node_from_json(value, span),
                    )
                })
                .collect(),
        }),
    };
    Node::new(value, span)
}

/// An AWS managed policy from the data table.
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    pub statements: serde_json::Value,
}

/// AWS managed policies by name (`AdministratorAccess`).
pub fn managed_policies() -> &'static HashMap<String, ManagedPolicy> {
    static TABLE: OnceLock<HashMap<String, ManagedPolicy>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let data: serde_json::Value =
            serde_json::from_str(include_str!("../data/managed-policies.json")).unwrap_or_default();
        let mut table = HashMap::new();
        if let Some(policies) = data.get("policies").and_then(|p| p.as_object()) {
            for (name, policy) in policies {
                table.insert(
                    name.clone(),
                    ManagedPolicy {
                        name: name.clone(),
                        arn: policy
                            .get("arn")
                            .and_then(|arn| arn.as_str())
                            .unwrap_or_default()
                            .to_string(),
                        statements: policy.get("statements").cloned().unwrap_or_default(),
                    },
                );
            }
        }
        table
    })
}

/// Finds a managed policy by ARN (any partition) or by bare name.
pub fn managed_policy(arn_or_name: &str) -> Option<&'static ManagedPolicy> {
    let name = arn_or_name
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":iam::aws:policy/"))
        .map_or(arn_or_name, |(_, path)| {
            path.rsplit('/').next().unwrap_or(path)
        });
    managed_policies().get(name)
}

/// Statements of a managed policy as nodes pointing at `span`.
pub fn managed_policy_statements(policy: &ManagedPolicy, span: Span) -> Vec<Statement> {
    let document = serde_json::json!({ "Statement": policy.statements });
    let node = node_from_json(&document, span);
    statements(&node, &policy.name)
}

/// The SAM policy templates (`SQSPollerPolicy`, `DynamoDBCrudPolicy`, ...).
pub fn sam_policy_templates() -> &'static serde_json::Map<String, serde_json::Value> {
    static TABLE: OnceLock<serde_json::Map<String, serde_json::Value>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let data: serde_json::Value =
            serde_json::from_str(include_str!("../data/sam-policy-templates.json"))
                .unwrap_or_default();
        data.get("Templates")
            .and_then(|templates| templates.as_object())
            .cloned()
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("*", "s3:getobject"));
        assert!(wildcard_match("s3:*", "s3:getobject"));
        assert!(wildcard_match("s3:get*", "s3:getobject"));
        assert!(wildcard_match("s3:get?bject", "s3:getobject"));
        assert!(!wildcard_match("s3:put*", "s3:getobject"));
        assert!(!wildcard_match("s3:get", "s3:getobject"));
    }

    #[test]
    fn data_tables_load() {
        assert!(managed_policy("arn:aws:iam::aws:policy/AdministratorAccess").is_some());
        assert!(managed_policy(
            "arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        )
        .is_some());
        assert!(sam_policy_templates().len() > 70);
        assert!(sam_policy_templates().contains_key("DynamoDBCrudPolicy"));
    }

    #[test]
    fn admin_policy_grants_everything() {
        let admin = managed_policy("AdministratorAccess").unwrap();
        let statements = managed_policy_statements(admin, Span::default());
        assert!(statements
            .iter()
            .any(|s| s.allow && s.grants("iam:PassRole").is_some() && s.has_star_resource()));
    }
}
