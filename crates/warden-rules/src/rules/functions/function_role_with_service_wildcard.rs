use warden_iac::Template;

use super::common::{code_list, is_service_wildcard, reported_as_admin, role_groups};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda execution roles with an Allow statement whose actions include a whole
    /// service (`s3:*`, `dynamodb:*`) or `*`. Statements already reported by
    /// `function-role-with-admin-access` are not reported again.
    ///
    /// ## Why is this bad?
    /// A service wildcard grants every current and future action of the service, including
    /// deletion, policy changes and data export, when the function usually needs two or
    /// three. An attacker who controls the function inherits all of them.
    ///
    /// ## Example
    /// ```yaml
    /// Policies:
    ///   - Statement:
    ///       - Effect: Allow
    ///         Action: dynamodb:*
    ///         Resource: !GetAtt Orders.Arn
    /// ```
    ///
    /// ## Fix
    /// List the actions the function calls (`dynamodb:GetItem`, `dynamodb:PutItem` ...), or
    /// use a SAM policy template such as `DynamoDBCrudPolicy`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
    /// - checkov CKV_AWS_63, CKV_AWS_49; cfn_nag F3/F4/F5; serverless-rules WS1003
    pub struct FunctionRoleWithServiceWildcard {
        code: "WD114",
        name: "function-role-with-service-wildcard",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "List the specific actions the function calls instead of `service:*`.",
    }
}

impl Rule for FunctionRoleWithServiceWildcard {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for group in role_groups(template) {
            let info = group.info();
            for statement in &info.permissions.statements {
                if !statement.allow || statement.not_action || reported_as_admin(info, statement) {
                    continue;
                }
                let wildcards: Vec<_> = statement
                    .action_names()
                    .filter(|(name, _)| is_service_wildcard(name))
                    .collect();
                let Some((_, first)) = wildcards.first() else {
                    continue;
                };
                let names: Vec<&str> = wildcards.iter().map(|(name, _)| *name).collect();
                let message = format!(
                    "{} allows every action of a service: {} (policy `{}`)",
                    group.subject(template),
                    code_list(&names),
                    statement.origin
                );
                group.report(template, checker, first.span, message);
            }
        }
    }
}
