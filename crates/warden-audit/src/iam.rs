//! IAM: roles with their trust policy, inline policies and attached policies. Customer
//! managed policies (and AWS managed ones Warden's table does not know) are read through
//! their default version and become `AWS::IAM::ManagedPolicy` resources attached to their
//! roles; AWS managed policies the table knows stay ARNs, as a template writes them.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::types::Role;
use aws_sdk_iam::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{arn_ref, policy_json, LiveResource, StackTag};

const GLOBAL: &str = "global";

pub(crate) async fn read_roles(iam: Client, calls: &Calls) -> Vec<LiveResource> {
    let iam = &iam;
    let mut roles = Vec::new();
    let mut marker = None;
    loop {
        let page = calls
            .run(
                "iam:ListRoles",
                GLOBAL,
                "role lists",
                iam.list_roles().set_marker(marker.take()).send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        roles.extend(page.roles().iter().cloned());
        match page.marker() {
            Some(next) if page.is_truncated() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    let read =
        futures::future::join_all(roles.iter().map(|role| read_role(iam, calls, role))).await;
    // Customer managed policies, each read once however many roles share it.
    let mut attached_to: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut resources = Vec::new();
    for (resource, to_read) in read {
        for policy_arn in to_read {
            attached_to
                .entry(policy_arn)
                .or_default()
                .push(resource.arn.clone());
        }
        resources.push(resource);
    }
    let policies = futures::future::join_all(
        attached_to
            .iter()
            .map(|(policy_arn, roles)| read_managed_policy(iam, calls, policy_arn, roles)),
    )
    .await;
    resources.extend(policies.into_iter().flatten());
    resources
}

/// A role, and the ARNs of the attached policies to read.
async fn read_role(iam: &Client, calls: &Calls, role: &Role) -> (LiveResource, Vec<String>) {
    let name = role.role_name();
    let (tags, inline, attached) = tokio::join!(
        calls.run(
            "iam:ListRoleTags",
            GLOBAL,
            "roles",
            iam.list_role_tags().role_name(name).send()
        ),
        read_inline_policies(iam, calls, name),
        list_attached(iam, calls, name),
    );
    let stack = tags.found().and_then(|tags| {
        StackTag::from_tags(tags.tags().iter().map(|tag| (tag.key(), tag.value())))
    });
    let mut properties = Map::new();
    properties.insert("RoleName".into(), json!(name));
    if let Some(trust) = role.assume_role_policy_document().and_then(policy_json) {
        properties.insert("AssumeRolePolicyDocument".into(), trust);
    }
    if !inline.is_empty() {
        properties.insert("Policies".into(), Value::Array(inline));
    }
    if let Some(boundary) = role
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
    {
        properties.insert("PermissionsBoundary".into(), json!(boundary));
    }
    let mut managed_arns = Vec::new();
    let mut to_read = Vec::new();
    for arn in attached {
        if arn.contains(":iam::aws:policy/") && warden_iac::policy::managed_policy(&arn).is_some() {
            managed_arns.push(arn);
        } else {
            to_read.push(arn);
        }
    }
    if !managed_arns.is_empty() {
        properties.insert("ManagedPolicyArns".into(), json!(managed_arns));
    }
    let resource = LiveResource {
        name: name.to_string(),
        resource_type: "AWS::IAM::Role",
        arn: role.arn().to_string(),
        region: GLOBAL.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    };
    (resource, to_read)
}

async fn read_inline_policies(iam: &Client, calls: &Calls, role: &str) -> Vec<Value> {
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let page = calls
            .run(
                "iam:ListRolePolicies",
                GLOBAL,
                "roles",
                iam.list_role_policies()
                    .role_name(role)
                    .set_marker(marker.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        names.extend(page.policy_names().iter().cloned());
        match page.marker() {
            Some(next) if page.is_truncated() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    let documents = futures::future::join_all(names.iter().map(|policy| {
        calls.run(
            "iam:GetRolePolicy",
            GLOBAL,
            "inline policies",
            iam.get_role_policy()
                .role_name(role)
                .policy_name(policy)
                .send(),
        )
    }))
    .await;
    names
        .iter()
        .zip(documents)
        .filter_map(|(name, answer)| {
            let document = policy_json(answer.found()?.policy_document())?;
            Some(json!({ "PolicyName": name, "PolicyDocument": document }))
        })
        .collect()
}

async fn list_attached(iam: &Client, calls: &Calls, role: &str) -> Vec<String> {
    let mut arns = BTreeSet::new();
    let mut marker = None;
    loop {
        let page = calls
            .run(
                "iam:ListAttachedRolePolicies",
                GLOBAL,
                "roles",
                iam.list_attached_role_policies()
                    .role_name(role)
                    .set_marker(marker.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        arns.extend(
            page.attached_policies()
                .iter()
                .filter_map(|policy| policy.policy_arn().map(str::to_string)),
        );
        match page.marker() {
            Some(next) if page.is_truncated() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    arns.into_iter().collect()
}

/// The default version's document, as a managed policy attached to `roles` (their ARNs).
async fn read_managed_policy(
    iam: &Client,
    calls: &Calls,
    policy_arn: &str,
    roles: &[String],
) -> Option<LiveResource> {
    let policy = calls
        .run(
            "iam:GetPolicy",
            GLOBAL,
            "managed policies",
            iam.get_policy().policy_arn(policy_arn).send(),
        )
        .await
        .found()?;
    let policy = policy.policy()?;
    let version = calls
        .run(
            "iam:GetPolicyVersion",
            GLOBAL,
            "managed policies",
            iam.get_policy_version()
                .policy_arn(policy_arn)
                .version_id(policy.default_version_id()?)
                .send(),
        )
        .await
        .found()?;
    let document = policy_json(version.policy_version()?.document()?)?;
    let name = policy.policy_name().unwrap_or(policy_arn).to_string();
    let roles: Vec<Value> = roles.iter().map(|role| arn_ref(role)).collect();
    Some(LiveResource {
        name: format!("policy-{name}"),
        resource_type: "AWS::IAM::ManagedPolicy",
        arn: policy_arn.to_string(),
        region: GLOBAL.to_string(),
        stack: None,
        parent: None,
        properties: json!({
            "ManagedPolicyName": name,
            "PolicyDocument": document,
            "Roles": roles,
        }),
    })
}
