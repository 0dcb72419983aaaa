use warden_iac::Template;

use super::common::{code_list, denied, granted_entries, reported_as_admin};
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Actions that change IAM permissions or create credentials: escalation on any resource.
const ESCALATION_ACTIONS: &[&str] = &[
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
];

/// Actions that are escalation when allowed on `Resource: "*"`: any role can be used.
const ESCALATION_ON_STAR: &[&str] = &["iam:PassRole", "sts:AssumeRole"];

declare_rule! {
    /// ## What it does
    /// Flags Lambda execution roles that let the function raise its own privileges. These
    /// are the permissions to change IAM policies (`iam:PutRolePolicy`, `iam:AttachRolePolicy`, `iam:CreatePolicyVersion`,
    /// `iam:SetDefaultPolicyVersion`, `iam:UpdateAssumeRolePolicy` and the user/group forms),
    /// create access keys (`iam:CreateAccessKey`), or pass or assume any role
    /// (`iam:PassRole`, `sts:AssumeRole` on `Resource: "*"`). Wildcards count: `iam:*` and
    /// `iam:Put*` grant these actions.
    ///
    /// ## Why is this bad?
    /// An attacker who runs code in the function can attach `AdministratorAccess` to its
    /// role, mint long-lived keys, or hand an admin role to a new function or instance: a
    /// small bug becomes full, persistent control of the account.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: [iam:PassRole, lambda:CreateFunction]
    ///   Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Remove IAM write actions from function roles (manage IAM in the deployment pipeline),
    /// and scope `iam:PassRole` and `sts:AssumeRole` to the ARNs of the roles the function
    /// really passes or assumes (add an `iam:PassedToService` condition).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>
    /// - checkov CKV_AWS_110; cfn_nag F38/F39/F40; Prowler `iam_inline_policy_allows_privilege_escalation`
    pub struct FunctionRolePrivilegeEscalation {
        code: "WD116",
        name: "function-role-privilege-escalation",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Remove IAM write actions from the role and scope `iam:PassRole`/`sts:AssumeRole` to specific role ARNs.",
    }
}

impl Rule for FunctionRolePrivilegeEscalation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            for statement in &info.permissions.statements {
                // An administrator statement is reported once, by WD113.
                if !statement.allow || reported_as_admin(info, statement) {
                    continue;
                }
                let star = statement.has_star_resource();
                let mut candidates: Vec<&str> = ESCALATION_ACTIONS.to_vec();
                if star {
                    candidates.extend(ESCALATION_ON_STAR);
                }
                let Some((granted, node)) = granted_entries(info, statement, &candidates) else {
                    continue;
                };
                let on_star = star
                    && ESCALATION_ON_STAR
                        .iter()
                        .any(|action| statement.grants(action).is_some() && !denied(info, action));
                checker.report(
                    function,
                    node.span,
                    format!(
                        "execution role of `{}` can escalate its privileges: it allows {}{} (policy `{}`)",
                        function.origin.id,
                        code_list(&granted),
                        if on_star { " on `*`" } else { "" },
                        statement.origin
                    ),
                );
            }
        }
    }
}
