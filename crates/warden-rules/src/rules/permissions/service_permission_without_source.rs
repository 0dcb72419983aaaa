use warden_iac::Template;

use super::literal;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags AWS service invoke permissions that do not name the source of the events.
    ///
    /// These are `AWS::Lambda::Permission` resources that let an AWS service
    /// (`Principal: <service>.amazonaws.com`) invoke a function without `SourceArn` or
    /// `SourceAccount`, and S3 permissions without `SourceAccount` (bucket ARNs do not name an
    /// account).
    ///
    /// API Gateway permissions that set `SourceAccount` but no `SourceArn` are
    /// reported by `api-permission-any-api-or-stage` (WD207) instead.
    ///
    /// ## Why is this bad?
    /// Without a source condition, the service will invoke the function on behalf of any
    /// resource in any account: someone else's bucket, topic or API can send it events (the
    /// confused deputy problem). A bucket name is global and can be recreated by another
    /// account after you delete yours.
    ///
    /// ## Example
    /// ```yaml
    /// TopicPermission:
    ///   Type: AWS::Lambda::Permission
    ///   Properties:
    ///     Action: lambda:InvokeFunction
    ///     FunctionName: !Ref Worker
    ///     Principal: sns.amazonaws.com
    /// ```
    ///
    /// ## Fix
    /// Add `SourceArn` with the ARN of the resource that sends events (`!Ref Topic`), and
    /// `SourceAccount: !Ref AWS::AccountId` for S3.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html>
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>
    /// - checkov CKV_AWS_364; Trivy AVD-AWS-0067; cfn-lint W3663
    pub struct ServicePermissionWithoutSource {
        code: "WD205",
        name: "service-permission-without-source",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Add `SourceArn` (the resource that sends the events) and, for S3, `SourceAccount: !Ref AWS::AccountId`.",
    }
}

impl Rule for ServicePermissionWithoutSource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for permission in template.resources_of_type("AWS::Lambda::Permission") {
            let Some(principal) = permission.prop("Principal") else {
                continue;
            };
            // Unknown values count as present: they may well restrict the caller.
            let has_arn = permission.prop("SourceArn").is_some();
            let has_account = permission.prop("SourceAccount").is_some();
            if has_account {
                continue;
            }
            for principal in literal(principal) {
                let Some(service) = principal.as_str().map(str::to_ascii_lowercase) else {
                    continue;
                };
                if !service.ends_with(".amazonaws.com") {
                    continue;
                }
                let message = if !has_arn && !has_account {
                    format!(
                        "permission `{}` lets `{service}` invoke the function without `SourceArn` or `SourceAccount`: any account's resources may trigger it",
                        permission.origin.id
                    )
                } else if service == "s3.amazonaws.com" && !has_account {
                    format!(
                        "permission `{}` lets `{service}` invoke the function without `SourceAccount`: a bucket ARN does not name its owner",
                        permission.origin.id
                    )
                } else {
                    continue;
                };
                checker.report(permission, principal.span, message);
            }
        }
    }
}
