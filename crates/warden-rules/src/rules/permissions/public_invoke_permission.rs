use warden_iac::Template;

use super::{is_none_auth, literal, permission_function};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `AWS::Lambda::Permission` resources that let any principal (`Principal: "*"`)
    /// invoke a function without a `SourceArn`, `SourceAccount` or `PrincipalOrgID` condition.
    ///
    /// The permissions that go with a function URL with `AuthType: NONE`
    /// (`FunctionUrlAuthType: NONE`, `InvokedViaFunctionUrl: true`) are left to
    /// `function-url-without-auth` (WD201).
    ///
    /// ## Why is this bad?
    /// The function's resource policy then allows every AWS account in the world to call
    /// `lambda:InvokeFunction` on it: its data and side effects are open to anyone, and every
    /// call is billed to you.
    ///
    /// ## Example
    /// ```yaml
    /// OpenPermission:
    ///   Type: AWS::Lambda::Permission
    ///   Properties:
    ///     Action: lambda:InvokeFunction
    ///     FunctionName: !Ref Worker
    ///     Principal: "*"
    /// ```
    ///
    /// ## Fix
    /// Name the principal that needs to invoke the function (an account, a role or a service)
    /// and scope it with `SourceArn`, `SourceAccount` or `PrincipalOrgID`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html>
    /// - cfn_nag F13; KICS `1d6e16f1`; checkov CKV_AWS_301; Prowler `awslambda_function_not_publicly_accessible`
    pub struct PublicInvokePermission {
        code: "WD204",
        name: "public-invoke-permission",
        risk: BrokenAuthentication,
        severity: Critical,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Name the principal that may invoke the function and scope it with `SourceArn`, `SourceAccount` or `PrincipalOrgID`.",
    }
}

impl Rule for PublicInvokePermission {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for permission in template.resources_of_type("AWS::Lambda::Permission") {
            // Any condition counts, even an unknown one: it may well restrict the caller.
            if ["SourceArn", "SourceAccount", "PrincipalOrgID"]
                .iter()
                .any(|name| permission.prop(name).is_some())
            {
                continue;
            }
            if permission
                .prop("FunctionUrlAuthType")
                .is_some_and(is_none_auth)
                || permission
                    .prop("InvokedViaFunctionUrl")
                    .is_some_and(|node| node.as_bool() == Some(true))
            {
                continue;
            }
            let Some(principal) = permission.prop("Principal") else {
                continue;
            };
            for principal in literal(principal) {
                if principal.as_str() == Some("*") {
                    let function = permission_function(template, permission);
                    checker.report(
                        permission,
                        principal.span,
                        format!(
                            "permission `{}` lets any principal (`*`) invoke `{function}` without a `SourceArn`, `SourceAccount` or `PrincipalOrgID`",
                            permission.origin.id
                        ),
                    );
                }
            }
        }
    }
}
