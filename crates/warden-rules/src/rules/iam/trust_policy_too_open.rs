use warden_iac::policy::principal_is_public;
use warden_iac::{Node, Template};

use super::common::{condition_keys, policy_documents, PolicyKind};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags role trust policies (`AssumeRolePolicyDocument`) with an `Allow` statement whose
    /// principal is everyone (`"*"`, `AWS: "*"`) or every service (`Service: "*"`) and that
    /// has no `Condition`.
    ///
    /// ## Why is this bad?
    /// The trust policy says who may become the role. With a wildcard principal any AWS
    /// account in the world can call `sts:AssumeRole` and act with the role's permissions.
    ///
    /// ## Example
    /// ```yaml
    /// AssumeRolePolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal:
    ///         AWS: "*"
    ///       Action: sts:AssumeRole
    /// ```
    ///
    /// ## Fix
    /// Name the account, role or service that should assume the role, or at least add a
    /// condition such as `aws:PrincipalOrgID` or `sts:ExternalId`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#term_trust-policy>
    /// - checkov CKV_AWS_60, CKV_AWS_61; cfn_nag F2; KICS `f80e3aa7`, `e835bd0d`
    pub struct TrustPolicyTooOpen {
        code: "WD503",
        name: "trust-policy-too-open",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Name the accounts, roles or services that may assume the role, or add an `aws:PrincipalOrgID` / `sts:ExternalId` condition.",
    }
}

impl Rule for TrustPolicyTooOpen {
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
                // An unreadable condition may well restrict: only a missing or empty one counts.
                if condition_keys(statement.condition.as_ref()).is_none_or(|keys| !keys.is_empty())
                {
                    continue;
                }
                let everyone = principal_is_public(principal);
                if everyone || all_services(principal) {
                    let who = if everyone {
                        "any AWS principal"
                    } else {
                        "every AWS service"
                    };
                    checker.report(
                        policy.resource,
                        principal.span,
                        format!(
                            "trust policy of `{}` lets {who} assume the role, without a condition",
                            policy.resource.origin.id
                        ),
                    );
                }
            }
        }
    }
}

fn all_services(principal: &Node) -> bool {
    principal.alternatives().into_iter().any(|principal| {
        principal.get("Service").is_some_and(|service| {
            service
                .items()
                .iter()
                .any(|item| item.as_str() == Some("*"))
        })
    })
}
