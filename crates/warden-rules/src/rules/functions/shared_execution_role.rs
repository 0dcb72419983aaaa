use warden_diagnostics::Span;
use warden_iac::analysis::FunctionInfo;
use warden_iac::{RoleBinding, Template};

use super::common::role_groups;
use crate::rules::name_list;
use crate::{add_related, declare_rule, Checker, Rule, RuleMeta};

/// What every function role needs, which sharing gives no function in excess: writing its
/// logs and traces, and Lambda's network interfaces.
const BASIC_PREFIXES: &[&str] = &["logs:", "xray:", "ec2:"];

declare_rule! {
    /// ## What it does
    /// Flags execution roles that several Lambda functions share: an `AWS::IAM::Role` of the
    /// stack (or the Serverless Framework's default role) that grants more than writing logs
    /// and traces, or one role ARN given to several functions. One finding per role, naming
    /// the functions, each a related location.
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
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Give each function its own execution role with only the permissions it needs.",
    }
}

impl Rule for SharedExecutionRole {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for group in role_groups(template) {
            if group.functions.len() < 2 {
                continue;
            }
            let info = group.info();
            let beyond_basic = info.permissions.statements.iter().any(|statement| {
                statement.allow
                    && (statement.not_action
                        || statement.action_names().any(|(name, _)| {
                            let name = name.to_ascii_lowercase();
                            !BASIC_PREFIXES.iter().any(|prefix| name.starts_with(prefix))
                        }))
            });
            // Unknown resources (a log ARN built from `${AWS::Region}`) do not matter here:
            // only which actions the role allows does.
            if !beyond_basic && info.permissions.actions_known {
                continue;
            }
            let Some(role) = group.role else {
                continue;
            };
            let name = if role.origin.resource_type == "Serverless::Provider" {
                "the service's default execution role (`provider.iam.role`)".to_string()
            } else {
                format!("execution role `{}`", role.origin.id)
            };
            report(template, checker, &group.functions, &name, Some(role.span));
        }
        // A role given by ARN: its permissions are not read, but the sharing is.
        let mut external: Vec<(&str, Vec<&FunctionInfo>)> = Vec::new();
        for info in &template.analysis.functions {
            if let RoleBinding::External(arn) = &info.role {
                match external.iter_mut().find(|(known, _)| known == arn) {
                    Some((_, functions)) => functions.push(info),
                    None => external.push((arn, vec![info])),
                }
            }
        }
        for (arn, functions) in external {
            if functions.len() > 1 {
                report(
                    template,
                    checker,
                    &functions,
                    &format!("execution role `{arn}`"),
                    None,
                );
            }
        }
    }
}

fn report(
    template: &Template,
    checker: &mut Checker<'_>,
    functions: &[&FunctionInfo],
    role: &str,
    role_span: Option<Span>,
) {
    let names: Vec<&str> = functions
        .iter()
        .map(|info| info.resource(template).origin.id.as_str())
        .collect();
    let first = functions[0].resource(template);
    let span = first
        .prop("Role")
        .map(|role| role.span)
        .or(role_span)
        .unwrap_or(first.span);
    let finding = checker.report(
        first,
        span,
        format!(
            "{} share {role}: each gets the others' permissions",
            name_list(&names)
        ),
    );
    for info in functions {
        let function = info.resource(template);
        add_related(
            finding,
            function.span,
            format!("function `{}` uses this role", function.origin.id),
        );
    }
}
