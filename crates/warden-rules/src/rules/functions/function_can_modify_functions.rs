use std::sync::OnceLock;

use regex::Regex;
use warden_iac::policy::Statement;
use warden_iac::{Template, Value};

use super::common::{code_list, granted_entries, reported_as_admin, role_groups};
use crate::conditions::narrows_target;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Actions that change Lambda functions, their triggers, permissions or layers.
const WRITE_ACTIONS: &[&str] = &[
    "lambda:CreateFunction",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:UpdateAlias",
    "lambda:CreateAlias",
    "lambda:CreateEventSourceMapping",
    "lambda:UpdateEventSourceMapping",
    "lambda:CreateFunctionUrlConfig",
    "lambda:UpdateFunctionUrlConfig",
    "lambda:PutFunctionConcurrency",
    "lambda:PutFunctionEventInvokeConfig",
    "lambda:AddPermission",
    "lambda:AddLayerVersionPermission",
    "lambda:PublishLayerVersion",
];

declare_rule! {
    /// ## What it does
    /// Flags Lambda execution roles that may change any function of the account. The
    /// actions are `lambda:Create*`, `lambda:Update*`, `lambda:Put*`, `lambda:AddPermission` or
    /// `lambda:PublishLayerVersion` on `Resource: "*"` or on every function
    /// (`arn:aws:lambda:*:*:function:*`). Wildcards count (`lambda:*`).
    ///
    /// ## Why is this bad?
    /// With these permissions, code running in the function can replace the code of other
    /// functions (and so act with their roles), open them to the internet with
    /// `AddPermission`, or plant a malicious layer: one compromised function spreads to all.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: lambda:UpdateFunctionCode
    ///   Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Deploy functions from the pipeline, not from other functions. If a function must
    /// manage another one, scope the statement to that function's ARN.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html>
    /// - LambdaGuard `LambdaWrite`
    pub struct FunctionCanModifyFunctions {
        code: "WD117",
        name: "function-can-modify-functions",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Remove Lambda write actions from the role, or scope them to the one function it must manage.",
    }
}

impl Rule for FunctionCanModifyFunctions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for group in role_groups(template) {
            let info = group.info();
            for statement in &info.permissions.statements {
                // An administrator statement is reported once, by WD113.
                if !statement.allow
                    || !covers_every_function(statement)
                    || reported_as_admin(info, statement)
                    || narrows_target(statement.condition.as_ref())
                {
                    continue;
                }
                let Some((granted, node)) = granted_entries(info, statement, WRITE_ACTIONS) else {
                    continue;
                };
                let message = format!(
                    "{} can modify every function: it allows {} on all functions (policy `{}`)",
                    group.subject(template),
                    code_list(&granted),
                    statement.origin
                );
                group.report(template, checker, node.span, message);
            }
        }
    }
}

/// True when some resource entry is `*` or names every function (`function:*`), also in a
/// `Fn::Sub` with unknown region or account.
fn covers_every_function(statement: &Statement) -> bool {
    static ARN: OnceLock<Regex> = OnceLock::new();
    let arn = ARN.get_or_init(|| {
        Regex::new(r"^arn:[^:]+:lambda:(?:\$\{[^}]*\}|[^:]*):(?:\$\{[^}]*\}|[^:]*):(.*)$")
            .expect("ARN pattern compiles")
    });
    if statement.not_resource {
        return false;
    }
    statement.resources.iter().any(|node| {
        let text = match &node.value {
            Value::String(text) => text.as_str(),
            Value::Unknown {
                partial: Some(partial),
                ..
            } => partial.as_str(),
            _ => return false,
        };
        text == "*"
            || arn
                .captures(text)
                .is_some_and(|captures| matches!(&captures[1], "*" | "function:*" | "function:*:*"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_diagnostics::Span;
    use warden_iac::Node;

    fn statement(resource: Node) -> Statement {
        Statement {
            allow: true,
            actions: vec![Node::string("lambda:*", Span::default())],
            not_action: false,
            resources: vec![resource],
            not_resource: false,
            principal: None,
            not_principal: false,
            condition: None,
            span: Span::default(),
            origin: "test".into(),
        }
    }

    #[test]
    fn every_function_resources() {
        let span = Span::default();
        assert!(covers_every_function(&statement(Node::string("*", span))));
        assert!(covers_every_function(&statement(Node::string(
            "arn:aws:lambda:*:*:function:*",
            span
        ))));
        let sub = Node::new(
            Value::Unknown {
                reason: "AWS::Region".into(),
                partial: Some("arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:*".into()),
            },
            span,
        );
        assert!(covers_every_function(&statement(sub)));
        assert!(!covers_every_function(&statement(Node::string(
            "arn:aws:lambda:us-east-1:123456789012:function:worker",
            span
        ))));
    }
}
