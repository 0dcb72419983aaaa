use warden_iac::Template;

use super::common::trigger_name;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags asynchronously invoked Lambda functions that have neither a dead-letter queue
    /// nor an on-failure destination. Asynchronous sources are S3, SNS, EventBridge,
    /// schedules, CloudWatch Logs and IoT; the dead-letter queue is `DeadLetterConfig` (SAM
    /// `DeadLetterQueue`), the destination `DestinationConfig.OnFailure` of an
    /// `AWS::Lambda::EventInvokeConfig` (SAM `EventInvokeConfig`). Functions only invoked
    /// synchronously or through event source mappings are not concerned.
    ///
    /// ## Why is this bad?
    /// Lambda retries a failed asynchronous event twice and then drops it. Without a place
    /// to send failed events, they are lost without a trace: no alarm, no replay.
    ///
    /// ## Example
    /// ```yaml
    /// OnUpload:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Events:
    ///       Upload:
    ///         Type: S3
    ///         Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}
    /// ```
    ///
    /// ## Fix
    /// Add an on-failure destination (SQS, SNS, EventBridge or another function) with
    /// `EventInvokeConfig`, or a dead-letter queue, and alarm on it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html>
    /// - checkov CKV_AWS_116; Prowler `awslambda_function_no_dead_letter_queue`; sls-mentor `asyncSpecifyFailureDestination`
    pub struct AsyncFunctionWithoutFailureDestination {
        code: "WD109",
        name: "async-function-without-failure-destination",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Add an on-failure destination (`EventInvokeConfig`) or a dead-letter queue, and alarm on it.",
    }
}

impl Rule for AsyncFunctionWithoutFailureDestination {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let Some(trigger) = info.triggers.iter().find(|trigger| trigger.kind.is_async()) else {
                continue;
            };
            // Present at all (even unknown) counts: the user configured one.
            if function.prop("DeadLetterConfig.TargetArn").is_some() {
                continue;
            }
            let config = info
                .event_invoke_config
                .map(|index| &template.resources[index]);
            if config.is_some_and(|config| {
                config.prop("DestinationConfig.OnFailure").is_some()
                    || config
                        .prop("DestinationConfig")
                        .is_some_and(|node| !node.is_known())
            }) {
                continue;
            }
            // A source SAM generated from the function's own event is named by its kind.
            let source = match trigger.source.map(|index| &template.resources[index]) {
                Some(source) if source.is_declared() => format!("`{}`", source.origin.id),
                _ => trigger_name(trigger.kind).to_string(),
            };
            checker.report(
                function,
                function.span,
                format!(
                    "`{}` is invoked asynchronously (by {source}) but has no dead-letter queue or on-failure destination: failed events are dropped",
                    function.origin.id
                ),
            );
        }
    }
}
