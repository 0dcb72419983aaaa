use warden_iac::{Node, Template};

use super::common::{condition_keys, policy_documents, PolicyKind};
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Condition keys that bind a cross-account trust to a known caller.
const BINDING_KEYS: &[&str] = &[
    "sts:externalid",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
];

declare_rule! {
    /// ## What it does
    /// Flags role trust policies that let another AWS account assume the role (a literal
    /// account ID, or `arn:aws:iam::ID:root`) without an `sts:ExternalId`,
    /// `aws:PrincipalOrgID` or MFA condition. Accounts written as `${AWS::AccountId}` are
    /// the stack's own and are not flagged.
    ///
    /// ## Why is this bad?
    /// Trusting an account's root lets every principal of that account that is allowed
    /// `sts:AssumeRole` become the role. When the account is a third party serving many
    /// customers, anyone who can make that third party act for them can reach your role
    /// (the confused deputy problem); `sts:ExternalId` is the standard defence.
    ///
    /// ## Example
    /// ```yaml
    /// AssumeRolePolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal:
    ///         AWS: arn:aws:iam::111122223333:root
    ///       Action: sts:AssumeRole
    /// ```
    ///
    /// ## Fix
    /// Add `Condition: {StringEquals: {sts:ExternalId: ...}}` for third parties, or
    /// `aws:PrincipalOrgID` for accounts of your organisation; trust a specific role ARN
    /// rather than the account root where possible.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>
    /// - KICS `85138beb`; Prowler `iam_role_cross_service_confused_deputy_prevention`
    pub struct CrossAccountTrustWithoutCondition {
        code: "WD506",
        name: "cross-account-trust-without-condition",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Add an `sts:ExternalId`, `aws:PrincipalOrgID` or MFA condition to the cross-account trust statement.",
    }
}

impl Rule for CrossAccountTrustWithoutCondition {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for policy in policy_documents(template) {
            if policy.kind != PolicyKind::Trust {
                continue;
            }
            for statement in policy.statements() {
                let Some(principal) = &statement.principal else {
                    continue;
                };
                if !statement.allow || statement.not_principal {
                    continue;
                }
                let Some(keys) = condition_keys(statement.condition.as_ref()) else {
                    continue;
                };
                if keys.iter().any(|key| BINDING_KEYS.contains(&key.as_str())) {
                    continue;
                }
                for account in account_principals(principal) {
                    checker.report(
                        policy.resource,
                        account.span,
                        format!(
                            "`{}` trusts account `{}` without an `sts:ExternalId`, `aws:PrincipalOrgID` or MFA condition",
                            policy.resource.origin.id,
                            account_id(account.as_str().unwrap_or_default()).unwrap_or_default()
                        ),
                    );
                }
            }
        }
    }
}

/// The `AWS` principal entries that name a whole account.
fn account_principals(principal: &Node) -> Vec<&Node> {
    principal
        .alternatives()
        .into_iter()
        .filter_map(|principal| principal.get("AWS"))
        .flat_map(Node::items)
        .filter(|item| item.as_str().and_then(account_id).is_some())
        .collect()
}

/// The account ID of `123456789012` or `arn:<partition>:iam::123456789012:root`.
fn account_id(text: &str) -> Option<&str> {
    let id = match text.strip_prefix("arn:") {
        Some(rest) => {
            let (_, rest) = rest.split_once(":iam::")?;
            rest.strip_suffix(":root")?
        }
        None => text,
    };
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::account_id;

    #[test]
    fn account_principals_are_recognised() {
        assert_eq!(account_id("111122223333"), Some("111122223333"));
        assert_eq!(
            account_id("arn:aws:iam::111122223333:root"),
            Some("111122223333")
        );
        assert_eq!(account_id("arn:aws:iam::111122223333:role/x"), None);
        assert_eq!(account_id("*"), None);
    }
}
