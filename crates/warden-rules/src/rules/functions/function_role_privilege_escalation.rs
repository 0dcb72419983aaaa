use warden_iac::analysis::FunctionInfo;
use warden_iac::policy::Statement;
use warden_iac::Template;

use super::common::{code_list, denied, granted_entries, reported_as_admin, role_groups};
use crate::conditions::{accepted_values, narrows_target};
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Services a role can be passed to together with the action that then runs code or
/// templates as that role: passing a role to them is escalation when the action is allowed.
const COMPUTE_SERVICES: &[(&str, &str)] = &[
    ("lambda.amazonaws.com", "lambda:CreateFunction"),
    ("ec2.amazonaws.com", "ec2:RunInstances"),
    ("cloudformation.amazonaws.com", "cloudformation:CreateStack"),
    ("glue.amazonaws.com", "glue:CreateDevEndpoint"),
    ("ecs-tasks.amazonaws.com", "ecs:RunTask"),
    ("codebuild.amazonaws.com", "codebuild:CreateProject"),
    ("states.amazonaws.com", "states:CreateStateMachine"),
];

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
    /// `iam:Put*` grant these actions. Conditions that narrow the target are honoured:
    /// `iam:PassRole` limited by `iam:PassedToService` (as in AWS's own
    /// `AmazonDynamoDBFullAccess`) is not reported unless the role may also start code in the
    /// service it passes roles to (`lambda.amazonaws.com` with `lambda:CreateFunction`), nor
    /// are IAM writes limited by `iam:PermissionsBoundary` or `iam:PolicyARN`, nor
    /// `sts:AssumeRole` limited by `aws:ResourceTag` or `aws:ResourceAccount`.
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
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Remove IAM write actions from the role and scope `iam:PassRole`/`sts:AssumeRole` to specific role ARNs.",
    }
}

impl Rule for FunctionRolePrivilegeEscalation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for group in role_groups(template) {
            let info = group.info();
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
                if narrows_target(statement.condition.as_ref()) {
                    // A narrowing condition leaves only a pass to a compute service whose
                    // create action the role also has.
                    candidates.retain(|action| {
                        *action == "iam:PassRole" && passes_to_compute(info, statement)
                    });
                }
                let Some((granted, node)) = granted_entries(info, statement, &candidates) else {
                    continue;
                };
                let on_star = star
                    && candidates.iter().any(|action| {
                        ESCALATION_ON_STAR.contains(action)
                            && statement.grants(action).is_some()
                            && !denied(info, action)
                    });
                let message = format!(
                    "{} can escalate its privileges: it allows {}{} (policy `{}`)",
                    group.subject(template),
                    code_list(&granted),
                    if on_star { " on `*`" } else { "" },
                    statement.origin
                );
                group.report(template, checker, node.span, message);
            }
        }
    }
}

/// True when a statement passes roles (limited by `iam:PassedToService`) to a service in
/// which the role may also start code: passing is then escalation after all.
fn passes_to_compute(info: &FunctionInfo, statement: &Statement) -> bool {
    let Some(services) = accepted_values(statement.condition.as_ref(), "iam:passedtoservice")
    else {
        return false;
    };
    services.iter().any(|service| {
        let Some(service) = service.as_str() else {
            return false;
        };
        COMPUTE_SERVICES.iter().any(|(name, create)| {
            warden_iac::policy::wildcard_match(&service.to_ascii_lowercase(), name)
                && info
                    .permissions
                    .statements
                    .iter()
                    .any(|s| s.allow && s.grants(create).is_some() && !denied(info, create))
        })
    })
}
