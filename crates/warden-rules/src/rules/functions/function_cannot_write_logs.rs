use warden_iac::Template;

use super::common::role_groups;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// What a function needs to write its logs (the log group may exist already).
const LOG_ACTIONS: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions whose execution role does not let them write logs. The role
    /// must be fully known to the scanner and lack `logs:CreateLogStream` or
    /// `logs:PutLogEvents` (which `AWSLambdaBasicExecutionRole` grants). Roles defined outside
    /// the stack, or with a policy the scanner cannot read, are not reported.
    ///
    /// ## Why is this bad?
    /// The function runs, but every log line is silently dropped: errors, audit messages and
    /// the traces of an attack are lost, and nobody notices until they are needed.
    ///
    /// ## Example
    /// ```yaml
    /// WorkerRole:
    ///   Type: AWS::IAM::Role
    ///   Properties:
    ///     AssumeRolePolicyDocument: ...
    ///     Policies:
    ///       - PolicyName: data
    ///         PolicyDocument:
    ///           Statement:
    ///             - {Effect: Allow, Action: dynamodb:GetItem, Resource: !GetAtt Table.Arn}
    /// ```
    ///
    /// ## Fix
    /// Attach `arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`, or allow
    /// `logs:CreateLogStream` and `logs:PutLogEvents` on the function's log group
    /// (`arn:aws:logs:*:*:log-group:/aws/lambda/<name>:*`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html#monitoring-cloudwatchlogs-prereqs>
    /// - cfn_nag W58; LambdaGuard (missing logs permission)
    pub struct FunctionCannotWriteLogs {
        code: "WD121",
        name: "function-cannot-write-logs",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Attach `AWSLambdaBasicExecutionRole` or allow `logs:CreateLogStream` and `logs:PutLogEvents` on the function's log group.",
    }
}

impl Rule for FunctionCannotWriteLogs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for group in role_groups(template) {
            let info = group.info();
            if !info.permissions.complete {
                continue;
            }
            let function = info.resource(template);
            let missing: Vec<&str> = LOG_ACTIONS
                .iter()
                .copied()
                .filter(|action| {
                    !info
                        .permissions
                        .statements
                        .iter()
                        .any(|statement| statement.allow && statement.grants(action).is_some())
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            let names = missing
                .iter()
                .map(|action| format!("`{action}`"))
                .collect::<Vec<_>>()
                .join(" and ");
            let message = format!(
                "{} does not allow {names}: the function's logs are dropped",
                group.subject(template)
            );
            group.report(template, checker, function.span, message);
        }
    }
}
