use warden_iac::{Node, Template, Value};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags EventBridge rules (`AWS::Events::Rule`, and SAM `Schedule`, `ScheduleV2`,
    /// `CloudWatchEvent` and `EventBridgeRule` events) whose Lambda function targets have no
    /// `DeadLetterConfig.Arn`.
    ///
    /// ## Why is this bad?
    /// When EventBridge cannot deliver an event to the function (throttling, a deleted
    /// function, missing permissions) it retries for up to 24 hours and then drops the
    /// event without a trace. A dead-letter queue keeps it for inspection and replay.
    ///
    /// ## Example
    /// ```yaml
    /// Events:
    ///   Nightly:
    ///     Type: Schedule
    ///     Properties:
    ///       Schedule: cron(0 3 * * ? *)
    /// ```
    ///
    /// ## Fix
    /// Set `DeadLetterConfig` on the target (SAM: on the event, with `Type: SQS` to let SAM
    /// create the queue, or `Arn`), and alarm on the queue's depth.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html>
    /// - serverless-rules ES4000; sls-mentor `specifyDlqOnEventBridgeRule`
    pub struct EventbridgeLambdaTargetWithoutDlq {
        code: "WD806",
        name: "eventbridge-lambda-target-without-dlq",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Set `DeadLetterConfig` on the rule's Lambda target (SAM: on the event) and alarm on the queue.",
    }
}

impl Rule for EventbridgeLambdaTargetWithoutDlq {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for rule in template.resources_of_type("AWS::Events::Rule") {
            let Some(targets) = rule.prop("Targets") else {
                continue;
            };
            for target in targets.items() {
                let Some(arn) = target.get("Arn") else {
                    continue;
                };
                let Some(function) = lambda_target(template, arn) else {
                    continue;
                };
                // SAM `DeadLetterConfig: {Type: SQS}` creates the queue itself.
                if target.get("DeadLetterConfig").is_some() {
                    continue;
                }
                let name = if !rule.is_declared()
                    && rule.origin.resource_type.starts_with("Serverless::")
                {
                    format!("the EventBridge rule of `{}`", rule.origin.id)
                } else if rule.is_declared() {
                    format!("rule `{}`", rule.id)
                } else {
                    format!("rule `{}` of `{}`", rule.id, rule.origin.id)
                };
                checker.report(
                    rule,
                    target.span,
                    format!(
                        "{name} sends events to function `{function}` without a dead-letter queue"
                    ),
                );
            }
        }
    }
}

/// The name of the Lambda function a target ARN points at, if it is one.
fn lambda_target(template: &Template, arn: &Node) -> Option<String> {
    if let Some(resource) = template.referenced(arn) {
        return matches!(
            resource.resource_type.as_str(),
            "AWS::Lambda::Function" | "AWS::Lambda::Alias" | "AWS::Lambda::Version"
        )
        .then(|| resource.origin.id.clone());
    }
    let text = match &arn.value {
        Value::String(text) => text.as_str(),
        Value::Unknown {
            partial: Some(partial),
            ..
        } => partial.as_str(),
        _ => return None,
    };
    let (_, function) = text.split_once(":function:")?;
    Some(function.to_string())
}
