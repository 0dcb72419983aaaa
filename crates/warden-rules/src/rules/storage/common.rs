//! Helpers shared by the storage rules.

use warden_iac::{Node, Resource, Template};

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
