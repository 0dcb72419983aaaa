use warden_iac::Template;

use super::common::{policy_documents, PolicyKind};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags identity policies with a statement that allows every action (`Action: "*"`) on
    /// every resource (`Resource: "*"`): inline policies of roles, users and groups, and
    /// `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` resources. Policies of Lambda execution
    /// roles are left to the function rules (WD113–WD117), which report them with the
    /// function's triggers in mind.
    ///
    /// ## Why is this bad?
    /// `*` on `*` is full administrator access: whoever holds the role, user or group can
    /// read every secret, change IAM, disable logging and delete every resource of the
    /// account. A leaked credential or a compromised workload then owns the whole account.
    ///
    /// ## Example
    /// ```yaml
    /// DeployRole:
    ///   Type: AWS::IAM::Role
    ///   Properties:
    ///     Policies:
    ///       - PolicyName: everything
    ///         PolicyDocument:
    ///           Statement:
    ///             - Effect: Allow
    ///               Action: "*"
    ///               Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Grant only the actions the principal needs on the resources it needs them for
    /// (IAM Access Analyzer can generate a policy from CloudTrail activity).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
    /// - checkov CKV_AWS_62; cfn_nag F3, F4, F5; KICS `953b3cdb`; Prowler `iam_inline_policy_no_administrative_privileges`
    pub struct PolicyAllowsFullAdmin {
        code: "WD501",
        name: "policy-allows-full-admin",
        risk: OverPrivileged,
        severity: Critical,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Replace `Action: \"*\"` on `Resource: \"*\"` with the actions and resources the principal needs.",
    }
}

impl Rule for PolicyAllowsFullAdmin {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for policy in policy_documents(template) {
            if policy.kind != PolicyKind::Identity || policy.function_roles_only {
                continue;
            }
            for statement in policy.statements() {
                if !statement.allow || statement.not_action || !statement.has_star_resource() {
                    continue;
                }
                if let Some((_, action)) = statement
                    .action_names()
                    .find(|(name, _)| *name == "*" || *name == "*:*")
                {
                    checker.report(
                        policy.resource,
                        action.span,
                        format!(
                            "{} allows every action on every resource (full administrator access)",
                            policy.describe()
                        ),
                    );
                }
            }
        }
    }
}
