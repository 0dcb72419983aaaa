//! Helpers shared by the storage rules.

use warden_iac::{Node, Resource, Template, Value};

use crate::rules::iam::common::{actions_text, policy_documents, public_allow, target_name};
use crate::Checker;

/// Reports every public `Allow` statement of the resource policies of `policy_type`
/// (`AWS::SQS::QueuePolicy` ...); `target` is the property naming what the policy governs
/// and `what` how messages call it.
pub(crate) fn report_public_policies(
    template: &Template,
    checker: &mut Checker<'_>,
    policy_type: &str,
    target: &str,
    what: &str,
) {
    for policy in policy_documents(template) {
        if policy.resource.resource_type != policy_type {
            continue;
        }
        let name = if target.is_empty() {
            policy.resource.origin.id.clone()
        } else {
            target_name(template, policy.resource.prop(target))
                .unwrap_or_else(|| policy.resource.origin.id.clone())
        };
        for statement in policy.statements() {
            if let Some(principal) = public_allow(&statement) {
                checker.report(
                    policy.resource,
                    principal.span,
                    format!(
                        "policy of {what} `{name}` allows any principal to `{}` without a restricting condition",
                        actions_text(&statement)
                    ),
                );
            }
        }
    }
}

/// How messages name a resource: `` kind `Id` `` with the user's ID (logical ID, Terraform
/// address); for a resource the Serverless Framework generates from a function setting
/// (the bucket of an `s3` event, a function's log group ...), its literal `name_prop`
/// (`BucketName` ...) and the function: `` bucket `photos` of `receiver` ``.
pub(crate) fn resource_label(resource: &Resource, kind: &str, name_prop: &str) -> String {
    let generated_by_serverless =
        !resource.is_declared() && resource.origin.resource_type.starts_with("Serverless::");
    if !generated_by_serverless {
        return format!("{kind} `{}`", resource.origin.id);
    }
    match resource.prop(name_prop).filter(|name| name.is_known()) {
        Some(name) => format!("{kind} `{}` of `{}`", name.display(), resource.origin.id),
        None => format!("{kind} of `{}`", resource.origin.id),
    }
}

/// The alternatives of `node` that are explicitly `false`.
pub(crate) fn explicit_false(node: Option<&Node>) -> Vec<&Node> {
    node.map(|node| {
        node.alternatives()
            .into_iter()
            .filter(|value| value.as_bool() == Some(false))
            .collect()
    })
    .unwrap_or_default()
}

/// Checks a boolean that must be `true`: reports at the resource when it is missing and at
/// each alternative that is not `true` (unknown values are skipped).
pub(crate) fn require_true(
    checker: &mut Checker<'_>,
    resource: &Resource,
    node: Option<&Node>,
    missing: impl FnOnce() -> String,
    disabled: impl Fn(&Node) -> String,
) {
    match node {
        None => {
            checker.report(resource, resource.span, missing());
        }
        Some(node) => {
            for value in node.alternatives() {
                if value.is_known() && value.as_bool() != Some(true) {
                    checker.report(resource, value.span, disabled(value));
                }
            }
        }
    }
}

/// An SNS subscription: an `AWS::SNS::Subscription`, or an entry of a topic's inline
/// `Subscription` list (which takes only `Endpoint` and `Protocol`).
pub(crate) struct SnsSubscription<'t> {
    pub resource: &'t Resource,
    /// The subscription's properties (the resource's, or the inline entry).
    pub properties: &'t Node,
    pub inline: bool,
}

impl<'t> SnsSubscription<'t> {
    pub fn get(&self, name: &str) -> Option<&'t Node> {
        self.properties.get(name)
    }

    /// Where a finding about a missing setting points: the resource, or the inline entry.
    pub fn span(&self) -> warden_diagnostics::Span {
        if self.inline {
            self.properties.span
        } else {
            self.resource.span
        }
    }

    /// `subscription `S`` or `inline subscription of topic `T``, for messages.
    pub fn label(&self) -> String {
        if self.inline {
            format!("inline subscription of topic `{}`", self.resource.origin.id)
        } else if !self.resource.is_declared()
            && self
                .resource
                .origin
                .resource_type
                .starts_with("Serverless::")
        {
            format!("the `sns` event of `{}`", self.resource.origin.id)
        } else if !self.resource.is_declared() {
            format!(
                "subscription `{}` of `{}`",
                self.resource.id, self.resource.origin.id
            )
        } else {
            format!("subscription `{}`", self.resource.origin.id)
        }
    }

    /// The possible literal protocols, lower-cased.
    pub fn protocols(&self) -> Vec<(String, &'t Node)> {
        self.get("Protocol")
            .map(|protocol| {
                protocol
                    .alternatives()
                    .into_iter()
                    .filter_map(|value| Some((value.as_str()?.to_ascii_lowercase(), value)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Every SNS subscription of the template.
pub(crate) fn sns_subscriptions(template: &Template) -> Vec<SnsSubscription<'_>> {
    let mut out = Vec::new();
    for resource in &template.resources {
        match resource.resource_type.as_str() {
            "AWS::SNS::Subscription" => out.push(SnsSubscription {
                resource,
                properties: &resource.properties,
                inline: false,
            }),
            "AWS::SNS::Topic" => {
                if let Some(list) = resource.prop("Subscription") {
                    for entry in list.items() {
                        if entry.as_map().is_some() {
                            out.push(SnsSubscription {
                                resource,
                                properties: entry,
                                inline: true,
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The effective value of a Block Public Access flag of a bucket of the stack: `true` when
/// `PublicAccessBlockConfiguration` is absent (S3 turns all four on for every new bucket
/// since April 2023), the flag's value when it is present (an omitted flag is `false`),
/// `None` when it cannot be known.
/// Account-level Block Public Access (`AWS::S3::AccountPublicAccessBlock`, which a live
/// audit reads from S3 Control) turns a flag on for every bucket of the account.
pub(crate) fn public_access_flag(
    template: &Template,
    bucket: &Resource,
    flag: &str,
) -> Option<bool> {
    if account_blocks(template, flag) {
        return Some(true);
    }
    let Some(config) = bucket.prop("PublicAccessBlockConfiguration") else {
        return Some(true);
    };
    let mut values = Vec::new();
    for config in config.alternatives() {
        match &config.value {
            Value::Map(map) => match map.get(flag) {
                None => values.push(false),
                Some(value) => {
                    for value in value.alternatives() {
                        values.push(value.as_bool()?);
                    }
                }
            },
            _ => return None,
        }
    }
    // Undecided conditions: the flag is on only if every branch turns it on.
    Some(values.iter().all(|value| *value))
}

/// True when the account's Block Public Access turns `flag` on for every bucket.
pub(crate) fn account_blocks(template: &Template, flag: &str) -> bool {
    template
        .resources_of_type("AWS::S3::AccountPublicAccessBlock")
        .any(|block| {
            block
                .prop("PublicAccessBlockConfiguration")
                .and_then(|config| config.get(flag))
                .and_then(Node::as_bool)
                == Some(true)
        })
}

/// True when S3 honours ACLs on the bucket: `OwnershipControls` says `ObjectWriter` or
/// `BucketOwnerPreferred`. Without it, new buckets are `BucketOwnerEnforced` (ACLs off)
/// since April 2023. `None` when it cannot be known.
pub(crate) fn acls_enabled(bucket: &Resource) -> Option<bool> {
    let Some(controls) = bucket.prop("OwnershipControls") else {
        return Some(false);
    };
    if !controls.is_fully_known() {
        return None;
    }
    Some(
        controls
            .get("Rules")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|rule| rule.get("ObjectOwnership").and_then(Node::as_str))
            .any(|ownership| ownership != "BucketOwnerEnforced"),
    )
}
