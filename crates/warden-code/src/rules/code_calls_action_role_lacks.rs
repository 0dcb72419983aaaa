use warden_iac::RoleBinding;
use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::privilege::{self, Grant, Resolved};
use crate::rules::{CodeRule, Reporter};

declare_rule! {
    /// ## What it does
    /// Flags AWS SDK calls in a handler that its role does not allow: the code calls
    /// `dynamodb:PutItem` on `OrdersTable` (resolved through `TABLE_NAME: !Ref OrdersTable`)
    /// and no statement of the role grants it there. Only calls the handler reaches count,
    /// and only when the role and all its policies are in the stack; a statement with a
    /// condition or an unknown resource counts as a grant.
    ///
    /// ## Why is this bad?
    /// The call fails with `AccessDenied` in production, usually on a path the tests did not
    /// cover (the error branch, the rare event type).
    ///
    /// ## Example
    /// ```yaml
    /// Policies:
    ///   - DynamoDBReadPolicy: { TableName: !Ref OrdersTable }   # the code calls PutItem
    /// ```
    ///
    /// ## Fix
    /// Grant the action on the resource the code uses (`warden policy FUNCTION` prints what the
    /// code needs), or remove the call.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>
    pub struct CodeCallsActionRoleLacks {
        code: "WD031",
        name: "code-calls-action-role-lacks",
        risk: Reliability,
        severity: High,
        formats: ["python", "javascript", "typescript"],
        // The other half of the least-privilege comparison: shown with the security rules,
        // though a failing call is filed under reliability.
        profile: Security,
        help: "Grant the action on the resource the code uses, or remove the call; `warden policy FUNCTION` prints what the code needs.",
    }
}

impl CodeRule for CodeCallsActionRoleLacks {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        let RoleBinding::Resource(role) = context.info.role else {
            return;
        };
        if privilege::role_readable(context.template, context.info, context.plugins).is_err() {
            return;
        }
        let role_name = &context.template.resources[role].id;
        let statements = &context.info.permissions.statements;
        for call in context.privilege.calls.iter().filter(|c| c.reachable) {
            let missing: Vec<&String> = call
                .actions
                .iter()
                .filter(|action| {
                    privilege::grant(
                        context.template,
                        statements,
                        action,
                        &call.resolved,
                        call.target.as_ref(),
                        &call.service,
                    ) == Grant::No
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let on = match &call.resolved {
                Resolved::Resource(index) => {
                    format!(" on `{}`", context.template.resources[*index].origin.id)
                }
                Resolved::Literal(name) => format!(" on `{name}`"),
                _ => String::new(),
            };
            out.report(
                context.span(call.loc),
                format!(
                    "`{}` calls {}{on}, which its role `{role_name}` does not grant: the call fails with AccessDenied",
                    context.function_name,
                    missing.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                ),
            );
        }
    }
}
