use warden_iac::Template;

use super::common::{policy_documents, PolicyKind};
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Actions that read credentials or bulk data.
const SENSITIVE: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
    "s3:GetObject",
    "dynamodb:Scan",
];

declare_rule! {
    /// ## What it does
    /// Flags identity policies that allow credential or bulk-data reads on every resource. The
    /// actions are `secretsmanager:GetSecretValue`, `ssm:GetParameter*`, `kms:Decrypt`,
    /// `s3:GetObject` and `dynamodb:Scan` on `Resource: "*"`, directly or through wildcards
    /// such as `s3:*`.
    /// Policies of Lambda execution roles are left to the function rules (WD113–WD117), and
    /// statements that allow every action on every resource are WD501's.
    ///
    /// ## Why is this bad?
    /// These actions are how data leaves an account. On `*` they reach every secret,
    /// parameter, key, bucket and table, including those of other applications in the
    /// account, so one compromised principal exposes all of them.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: secretsmanager:GetSecretValue
    ///   Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Scope the statement to the ARNs of the secrets, parameters, keys, buckets or tables
    /// the principal needs (`!Ref MySecret`, `arn:aws:s3:::my-bucket/*`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
    /// - checkov CKV_AWS_107, CKV_AWS_108
    pub struct UnconstrainedSensitiveRead {
        code: "WD505",
        name: "unconstrained-sensitive-read",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Scope credential and data reads to the ARNs of the secrets, parameters, keys, buckets or tables needed.",
    }
}

impl Rule for UnconstrainedSensitiveRead {
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
                if statement
                    .action_names()
                    .any(|(name, _)| name == "*" || name == "*:*")
                {
                    continue; // WD501
                }
                let granted: Vec<(&str, _)> = SENSITIVE
                    .iter()
                    .filter_map(|action| statement.grants(action).map(|node| (*action, node)))
                    .collect();
                let Some((_, node)) = granted.first() else {
                    continue;
                };
                let names: Vec<&str> = granted.iter().map(|(name, _)| *name).collect();
                checker.report(
                    policy.resource,
                    node.span,
                    format!(
                        "{} allows `{}` on every resource",
                        policy.describe(),
                        names.join("`, `")
                    ),
                );
            }
        }
    }
}
