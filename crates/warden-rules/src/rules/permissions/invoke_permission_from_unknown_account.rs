use std::collections::BTreeSet;

use warden_iac::{Node, Template, Value};

use super::{literal, permission_function};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `AWS::Lambda::Permission` resources that let another AWS account invoke a
    /// function: the `Principal` is a literal 12-digit account ID or an
    /// `arn:aws:iam::<account>:root` ARN naming an account that appears nowhere else in the
    /// template. The scanner does not know which account the stack is deployed to, so "the
    /// stack's accounts" are the account IDs of the other literal ARNs and 12-digit values
    /// in the template's resources (roles, queues, `SourceAccount` ...), principals of
    /// permissions and policies excluded. Passing `-p AWS::AccountId=<id>` makes every
    /// `!Sub` ARN built from `${AWS::AccountId}` literal, so the deployment account counts.
    /// When the template names no account at all, nothing is reported.
    ///
    /// ## Why is this bad?
    /// An account principal lets every role and user of that account that its own IAM
    /// policies allow invoke the function, with any payload. An account ID that matches
    /// nothing else in the stack is often a copy-paste from another project, a former
    /// vendor, or a typo that hands access to a stranger.
    ///
    /// ## Example
    /// ```yaml
    /// PartnerInvoke:
    ///   Type: AWS::Lambda::Permission
    ///   Properties:
    ///     Action: lambda:InvokeFunction
    ///     FunctionName: !Ref Orders
    ///     Principal: "999988887777"
    /// ```
    ///
    /// ## Fix
    /// Check that the account is one you trust; grant a specific role of it
    /// (`arn:aws:iam::<account>:role/<name>`) or scope the permission with
    /// `PrincipalOrgID`, and suppress the finding with the reason once it is verified.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html>
    /// - No static anchor (LambdaGuard only flags `*` accounts in ARNs)
    pub struct InvokePermissionFromUnknownAccount {
        code: "WD208",
        name: "invoke-permission-from-unknown-account",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Verify the account, grant a specific role of it or add `PrincipalOrgID`, and suppress with a reason once trusted.",
    }
}

impl Rule for InvokePermissionFromUnknownAccount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let mut known = BTreeSet::new();
        for resource in &template.resources {
            collect_accounts(&resource.properties, &mut known);
        }
        if known.is_empty() {
            return;
        }
        for permission in template.resources_of_type("AWS::Lambda::Permission") {
            if permission.prop("PrincipalOrgID").is_some() {
                continue;
            }
            let Some(principal) = permission.prop("Principal") else {
                continue;
            };
            for principal in literal(principal) {
                let Some(account) = principal.as_str().and_then(principal_account) else {
                    continue;
                };
                if known.contains(account) {
                    continue;
                }
                let function = permission_function(template, permission);
                checker.report(
                    permission,
                    principal.span,
                    format!(
                        "permission `{}` lets account `{account}` invoke `{function}`, but the template's other ARNs only name {}",
                        permission.origin.id,
                        known
                            .iter()
                            .map(|account| format!("`{account}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
    }
}

/// The account a permission principal names: a 12-digit ID or an account root ARN.
fn principal_account(principal: &str) -> Option<&str> {
    if is_account_id(principal) {
        return Some(principal);
    }
    let rest = principal.strip_prefix("arn:")?;
    let (_, rest) = rest.split_once(":iam::")?;
    let account = rest.strip_suffix(":root")?;
    is_account_id(account).then_some(account)
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The account of an ARN (`arn:partition:service:region:account:...`).
fn arn_account(text: &str) -> Option<&str> {
    let mut fields = text.strip_prefix("arn:")?.splitn(5, ':');
    let account = fields.nth(3)?;
    is_account_id(account).then_some(account)
}

/// Account IDs in literal ARNs and 12-digit values, skipping principals (where foreign
/// accounts are expected).
fn collect_accounts<'a>(node: &'a Node, known: &mut BTreeSet<&'a str>) {
    match &node.value {
        Value::String(text) => {
            if is_account_id(text) {
                known.insert(text);
            } else if let Some(account) = arn_account(text) {
                known.insert(account);
            }
        }
        Value::Map(map) => {
            for (key, child) in map.iter() {
                if key.name != "Principal" && key.name != "NotPrincipal" {
                    collect_accounts(child, known);
                }
            }
        }
        Value::Seq(items) | Value::OneOf(items) => {
            for item in items {
                collect_accounts(item, known);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_read_from_principals_and_arns() {
        assert_eq!(principal_account("123456789012"), Some("123456789012"));
        assert_eq!(
            principal_account("arn:aws:iam::123456789012:root"),
            Some("123456789012")
        );
        assert_eq!(principal_account("arn:aws:iam::123456789012:role/x"), None);
        assert_eq!(principal_account("s3.amazonaws.com"), None);
        assert_eq!(
            arn_account("arn:aws:sqs:eu-west-1:123456789012:queue"),
            Some("123456789012")
        );
        assert_eq!(arn_account("arn:aws:s3:::bucket"), None);
        assert_eq!(arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
    }
}
