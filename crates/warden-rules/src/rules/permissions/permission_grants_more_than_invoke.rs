use warden_iac::Template;

use super::literal;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `AWS::Lambda::Permission` resources whose `Action` is anything other than
    /// `lambda:InvokeFunction` or `lambda:InvokeFunctionUrl` (for example `lambda:*` or
    /// `lambda:UpdateFunctionCode`).
    ///
    /// ## Why is this bad?
    /// A resource-based permission is meant to let a caller invoke the function. Other actions
    /// let the principal read the function's configuration and code, change it, or delete it.
    ///
    /// ## Example
    /// ```yaml
    /// PartnerPermission:
    ///   Type: AWS::Lambda::Permission
    ///   Properties:
    ///     Action: lambda:*
    ///     FunctionName: !Ref Worker
    ///     Principal: "111122223333"
    /// ```
    ///
    /// ## Fix
    /// Use `Action: lambda:InvokeFunction` (or `lambda:InvokeFunctionUrl` for a URL), and
    /// grant management actions through IAM policies in the caller's account instead.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html>
    /// - cfn_nag W24; KICS `9b83114b`, `75ec6890`
    pub struct PermissionGrantsMoreThanInvoke {
        code: "WD206",
        name: "permission-grants-more-than-invoke",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Use `Action: lambda:InvokeFunction` or `lambda:InvokeFunctionUrl`; grant other actions through IAM policies.",
    }
}

const INVOKE_ACTIONS: &[&str] = &["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"];

impl Rule for PermissionGrantsMoreThanInvoke {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for permission in template.resources_of_type("AWS::Lambda::Permission") {
            let Some(action) = permission.prop("Action") else {
                continue;
            };
            for action in literal(action) {
                let Some(name) = action.as_str() else {
                    continue;
                };
                if !INVOKE_ACTIONS
                    .iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(name.trim()))
                {
                    checker.report(
                        permission,
                        action.span,
                        format!(
                            "permission `{}` grants `{name}`, not only `lambda:InvokeFunction`",
                            permission.origin.id
                        ),
                    );
                }
            }
        }
    }
}
