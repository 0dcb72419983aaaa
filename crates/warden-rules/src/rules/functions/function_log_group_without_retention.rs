use warden_iac::analysis::refers_to;
use warden_iac::{Node, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions whose log group is unmanaged or kept forever. Unmanaged means
    /// that the stack declares no `AWS::Logs::LogGroup` named `/aws/lambda/<function>` or
    /// referenced by `LoggingConfig.LogGroup`; kept forever, that the group has no
    /// `RetentionInDays`. Functions that log to a group named outside the stack are not
    /// concerned.
    ///
    /// ## Why is this bad?
    /// Lambda creates a missing log group itself, with logs kept forever: storage grows and
    /// is billed without end, and personal data or secrets that reach the logs stay there
    /// beyond any retention policy. A log group outside the stack also survives the stack.
    ///
    /// ## Example
    /// ```yaml
    /// Worker:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Handler: app.handler
    /// ```
    ///
    /// ## Fix
    /// Declare the log group in the stack with a retention:
    /// ```yaml
    /// WorkerLogs:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: !Sub /aws/lambda/${Worker}
    ///     RetentionInDays: 30
    /// ```
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html>
    /// - serverless-rules WS1004; sls-mentor `definedLogsRetentionDuration`; checkov CKV_AWS_66
    pub struct FunctionLogGroupWithoutRetention {
        code: "WD118",
        name: "function-log-group-without-retention",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Declare the function's log group in the stack with `RetentionInDays`.",
    }
}

impl Rule for FunctionLogGroupWithoutRetention {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            // The model only matches log groups by name; a `Ref` to a group without
            // `LogGroupName` is the same group.
            let referenced = function
                .prop("LoggingConfig.LogGroup")
                .and_then(|node| template.referenced(node))
                .filter(|group| group.resource_type == "AWS::Logs::LogGroup");
            match info
                .log_group
                .map(|index| &template.resources[index])
                .or(referenced)
            {
                Some(group) => {
                    if group.prop("RetentionInDays").is_none() {
                        // A generated group (Serverless creates one per function) is named by
                        // its log group name, not by the function it was made for.
                        let name = match group.prop("LogGroupName").and_then(Node::as_str) {
                            Some(name) if !group.is_declared() => name.to_string(),
                            _ => group.origin.id.clone(),
                        };
                        checker.report(
                            function,
                            group.span,
                            format!(
                                "log group `{name}` of `{}` has no `RetentionInDays`: logs are kept forever",
                                function.origin.id
                            ),
                        );
                    }
                }
                None => {
                    // A log group named explicitly but not declared here is managed elsewhere.
                    if function.prop("LoggingConfig.LogGroup").is_some()
                        || has_retention_resource(template, &function.id)
                    {
                        continue;
                    }
                    checker.report(
                        function,
                        function.span,
                        format!(
                            "`{}` has no log group in the stack: Lambda creates one that keeps logs forever",
                            function.origin.id
                        ),
                    );
                }
            }
        }
    }
}

/// True when a `Custom::LogRetention` resource (CDK, Serverless) sets the retention of the
/// function's log group.
fn has_retention_resource(template: &Template, function: &str) -> bool {
    template.resources.iter().any(|resource| {
        resource.resource_type == "Custom::LogRetention"
            && resource.prop("RetentionInDays").is_some()
            && resource
                .prop("LogGroupName")
                .is_some_and(|name: &Node| refers_to(name, function))
    })
}
