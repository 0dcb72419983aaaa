use warden_iac::Template;

use super::common::{is_full_admin, role_groups, ADMIN_POLICIES};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions whose execution role is an administrator. That is a policy
    /// statement that allows `Action: "*"` on `Resource: "*"`, or the AWS managed policies
    /// `AdministratorAccess`, `PowerUserAccess` or `IAMFullAccess` (which can grant itself
    /// everything). Roles are followed through SAM `Policies`, `ManagedPolicyArns` and
    /// `AWS::IAM::Policy`/`ManagedPolicy` resources attached to the role.
    ///
    /// ## Why is this bad?
    /// Any flaw in the function (an injection, a vulnerable dependency, a leaked event
    /// payload) hands the attacker the whole account: data, other workloads, billing and
    /// the ability to create persistent access.
    ///
    /// ## Example
    /// ```yaml
    /// Admin:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Policies:
    ///       - AdministratorAccess
    /// ```
    ///
    /// ## Fix
    /// Grant only the actions and resources the function uses (SAM policy templates such as
    /// `DynamoDBCrudPolicy` help); IAM Access Analyzer can generate a policy from CloudTrail
    /// activity.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
    /// - checkov CKV_AWS_62; KICS `a0ae0a4e`; cfn_nag F3, W43, W44
    pub struct FunctionRoleWithAdminAccess {
        code: "WD113",
        name: "function-role-with-admin-access",
        risk: OverPrivileged,
        severity: Critical,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Replace the administrator permissions with the specific actions and resources the function uses.",
    }
}

impl Rule for FunctionRoleWithAdminAccess {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for group in role_groups(template) {
            let info = group.info();
            let subject = group.subject(template);
            for (name, span) in &info.permissions.managed {
                if ADMIN_POLICIES.contains(&name.as_str()) {
                    let message = format!("{subject} has the AWS managed policy `{name}` attached");
                    group.report(template, checker, *span, message);
                }
            }
            for statement in &info.permissions.statements {
                if !is_full_admin(statement) {
                    continue;
                }
                // Statements of an attached managed policy are reported above.
                if info
                    .permissions
                    .managed
                    .iter()
                    .any(|(name, span)| *name == statement.origin && *span == statement.span)
                {
                    continue;
                }
                let span = statement
                    .action_names()
                    .find(|(name, _)| *name == "*")
                    .map_or(statement.span, |(_, node)| node.span);
                let message = format!(
                    "{subject} allows `*` on `*` (policy `{}`): the function is an account administrator",
                    statement.origin
                );
                group.report(template, checker, span, message);
            }
        }
    }
}
