//! Fills the templates. A line that is only `{{key}}` is a block: it is replaced by the value
//! (nothing when the value is empty); elsewhere `{{key}}` is replaced in place. Values are
//! validated (`validate.rs`) and never need escaping, except the selection criteria's quotes
//! inside an HCL string.

use crate::{ConnectOptions, Subscription, AUDIT_ACTIONS, BACKUP_DAYS, RETRY_SECONDS};

mod cloudformation {
    pub const STACK: &str = include_str!("../templates/cloudformation/stack.yaml");
    pub const ACCOUNT_POLICY: &str =
        include_str!("../templates/cloudformation/account-policy.yaml");
    pub const LOG_GROUP_SUBSCRIPTION: &str =
        include_str!("../templates/cloudformation/log-group-subscription.yaml");
    pub const AUDIT_PARAMETERS: &str =
        include_str!("../templates/cloudformation/audit-parameters.yaml");
    pub const AUDIT_ROLE: &str = include_str!("../templates/cloudformation/audit-role.yaml");
    pub const AUDIT_OUTPUTS: &str = include_str!("../templates/cloudformation/audit-outputs.yaml");
}

mod terraform {
    pub const STACK: &str = include_str!("../templates/terraform/stack.tf");
    pub const ACCOUNT_POLICY: &str = include_str!("../templates/terraform/account-policy.tf");
    pub const LOG_GROUP_SUBSCRIPTION: &str =
        include_str!("../templates/terraform/log-group-subscription.tf");
    pub const AUDIT_VARIABLES: &str = include_str!("../templates/terraform/audit-variables.tf");
    pub const AUDIT_ROLE: &str = include_str!("../templates/terraform/audit-role.tf");
    pub const AUDIT_OUTPUTS: &str = include_str!("../templates/terraform/audit-outputs.tf");
}

pub fn cloudformation(options: &ConnectOptions) -> String {
    let name = options.name.to_string();
    let common = [("name", name.as_str())];
    let subscription = match &options.subscription {
        Subscription::Account { exclude } => fill(
            cloudformation::ACCOUNT_POLICY,
            &[
                ("name", &name),
                ("selection_criteria", &options.selection_criteria(exclude)),
            ],
        ),
        Subscription::LogGroups(groups) => groups
            .iter()
            .enumerate()
            .map(|(index, group)| {
                fill(
                    cloudformation::LOG_GROUP_SUBSCRIPTION,
                    &[
                        ("name", &name),
                        ("logical_id", &format!("LogGroupSubscription{}", index + 1)),
                        ("log_group", group.as_str()),
                    ],
                )
            })
            .collect(),
    };
    let (parameters, audit_role, outputs) = if options.audit_role {
        let actions: String = AUDIT_ACTIONS
            .iter()
            .map(|action| format!("                  - {action}\n"))
            .collect();
        (
            fill(cloudformation::AUDIT_PARAMETERS, &common),
            fill(
                cloudformation::AUDIT_ROLE,
                &[("actions", actions.trim_end())],
            ),
            fill(cloudformation::AUDIT_OUTPUTS, &common),
        )
    } else {
        Default::default()
    };
    fill(
        cloudformation::STACK,
        &[
            ("name", &name),
            ("url", options.endpoint.as_str()),
            ("error_log_group", &options.error_log_group()),
            ("backup_days", &BACKUP_DAYS.to_string()),
            ("retry_seconds", &RETRY_SECONDS.to_string()),
            ("parameters", &parameters),
            ("subscription", &subscription),
            ("audit_role", &audit_role),
            ("outputs", &outputs),
        ],
    )
}

pub fn terraform(options: &ConnectOptions) -> String {
    let name = options.name.to_string();
    let common = [("name", name.as_str())];
    let subscription = match &options.subscription {
        Subscription::Account { exclude } => fill(
            terraform::ACCOUNT_POLICY,
            &[
                ("name", &name),
                (
                    "selection_criteria",
                    &options.selection_criteria(exclude).replace('"', "\\\""),
                ),
            ],
        ),
        Subscription::LogGroups(groups) => groups
            .iter()
            .enumerate()
            .map(|(index, group)| {
                fill(
                    terraform::LOG_GROUP_SUBSCRIPTION,
                    &[
                        ("name", &name),
                        ("resource_name", &format!("log_group_{}", index + 1)),
                        ("log_group", group.as_str()),
                    ],
                )
            })
            .collect(),
    };
    let (variables, audit_role, outputs) = if options.audit_role {
        let actions: String = AUDIT_ACTIONS
            .iter()
            .map(|action| format!("        \"{action}\",\n"))
            .collect();
        (
            fill(terraform::AUDIT_VARIABLES, &common),
            fill(
                terraform::AUDIT_ROLE,
                &[("name", &name), ("actions", actions.trim_end())],
            ),
            fill(terraform::AUDIT_OUTPUTS, &common),
        )
    } else {
        Default::default()
    };
    fill(
        terraform::STACK,
        &[
            ("name", &name),
            ("url", options.endpoint.as_str()),
            ("error_log_group", &options.error_log_group()),
            ("backup_days", &BACKUP_DAYS.to_string()),
            ("retry_seconds", &RETRY_SECONDS.to_string()),
            ("variables", &variables),
            ("subscription", &subscription),
            ("audit_role", &audit_role),
            ("outputs", &outputs),
        ],
    )
}

/// Replaces `{{key}}` by its value. Every placeholder of a template has a value; a test
/// renders every template with every option to keep it so.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    for line in template.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if let Some(key) = bare
            .strip_prefix("{{")
            .and_then(|rest| rest.strip_suffix("}}"))
        {
            if let Some((_, value)) = values.iter().find(|(k, _)| *k == key) {
                out.push_str(value);
                if !value.is_empty() && !value.ends_with('\n') {
                    out.push('\n');
                }
                continue;
            }
        }
        let mut rest = line;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find("}}").and_then(|end| {
                let key = &after[..end];
                values
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, value)| (end, *value))
            }) {
                Some((end, value)) => {
                    out.push_str(value);
                    rest = &after[end + 2..];
                }
                None => {
                    out.push_str("{{");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Endpoint, LogGroupName, StackName};

    #[test]
    fn fill_replaces_blocks_and_inline_keys() {
        let template = "a: {{x}}\n{{block}}\n{{empty}}\nb: {{x}}{{x}}\n";
        let filled = fill(
            template,
            &[("x", "1"), ("block", "  c: 2\n  d: 3"), ("empty", "")],
        );
        assert_eq!(filled, "a: 1\n  c: 2\n  d: 3\nb: 11\n");
    }

    #[test]
    fn every_placeholder_is_filled_in_every_variant() {
        let groups = vec![
            LogGroupName::parse("/aws/lambda/a").unwrap(),
            LogGroupName::parse("/aws/lambda/b").unwrap(),
        ];
        for subscription in [
            Subscription::Account { exclude: vec![] },
            Subscription::Account {
                exclude: groups.clone(),
            },
            Subscription::LogGroups(groups.clone()),
        ] {
            for audit_role in [false, true] {
                let options = ConnectOptions {
                    endpoint: Endpoint::parse("https://w.example.com").unwrap(),
                    name: StackName::default(),
                    subscription: subscription.clone(),
                    audit_role,
                };
                for text in [cloudformation(&options), terraform(&options)] {
                    assert!(!text.contains("{{"), "unfilled placeholder in:\n{text}");
                    assert!(
                        !text.contains("\n\n\n"),
                        "a blank block left a gap:\n{text}"
                    );
                }
            }
        }
    }
}
