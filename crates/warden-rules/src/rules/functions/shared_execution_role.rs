use std::collections::HashMap;

use warden_iac::{RoleBinding, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions that use the same execution role as another function of the
    /// stack (the same `AWS::IAM::Role`, or the same role ARN). Each function after the first
    /// is reported, at its `Role`.
    ///
    /// ## Why is this bad?
    /// A shared role holds the union of what every function needs, so each function gets
    /// permissions it does not use: a flaw in the least important function exposes the data
    /// of all of them. It also hides which function uses which permission.
    ///
    /// ## Example
    /// ```yaml
    /// Reader:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Role: !GetAtt AppRole.Arn
    /// Writer:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Role: !GetAtt AppRole.Arn
    /// ```
    ///
    /// ## Fix
    /// Give each function its own role with only what it needs (SAM creates one per function
    /// when `Role` is omitted and `Policies` lists the permissions). The Serverless Framework
    /// shares one role between all functions of a service unless each sets `role` (or a
    /// plugin such as `serverless-iam-roles-per-function` creates one per function).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>
    /// - KICS `ae03f542`; sls-mentor `noSharedIamRoles`; PureSec SAS-4
    pub struct SharedExecutionRole {
        code: "WD112",
        name: "shared-execution-role",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Give each function its own execution role with only the permissions it needs.",
    }
}

impl Rule for SharedExecutionRole {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let mut first_user: HashMap<String, &str> = HashMap::new();
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let (key, name) = match &info.role {
                RoleBinding::Resource(index) => {
                    let role = &template.resources[*index];
                    // The Serverless Framework's shared role is made from `provider` settings.
                    let name = if role.origin.resource_type == "Serverless::Provider" {
                        "the service's default execution role (`provider.iam.role`)".to_string()
                    } else {
                        format!("its execution role `{}`", role.origin.id)
                    };
                    (format!("resource:{}", role.id), name)
                }
                RoleBinding::External(arn) => (
                    format!("external:{arn}"),
                    format!("its execution role `{arn}`"),
                ),
                RoleBinding::Unknown | RoleBinding::Missing => continue,
            };
            match first_user.get(&key) {
                None => {
                    first_user.insert(key, function.origin.id.as_str());
                }
                Some(first) => {
                    let span = function
                        .prop("Role")
                        .map_or(function.span, |role| role.span);
                    checker.report(
                        function,
                        span,
                        format!(
                            "`{}` shares {name} with `{first}`: each gets the other's permissions",
                            function.origin.id
                        ),
                    );
                }
            }
        }
    }
}
