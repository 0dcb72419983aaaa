use warden_iac::{Node, Template, TriggerKind};

use super::common::trigger_name;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Kinesis and DynamoDB Streams mappings without a bound on failures. That is, no
    /// on-failure destination (`DestinationConfig.OnFailure`), or retries of a failing batch
    /// forever: `MaximumRetryAttempts` absent or `-1` while `MaximumRecordAgeInSeconds` is also
    /// absent or `-1`.
    ///
    /// ## Why is this bad?
    /// By default Lambda retries a failing batch until its records expire from the stream
    /// (up to a year for Kinesis), and the shard is blocked meanwhile: one poison record
    /// stalls all processing behind it. When retries do end, records without an on-failure
    /// destination are dropped with no trace.
    ///
    /// ## Example
    /// ```yaml
    /// Events:
    ///   Stream:
    ///     Type: Kinesis
    ///     Properties:
    ///       Stream: !GetAtt Clicks.Arn
    ///       StartingPosition: LATEST
    /// ```
    ///
    /// ## Fix
    /// Bound retries with `MaximumRetryAttempts` (and `MaximumRecordAgeInSeconds`), set
    /// `BisectBatchOnFunctionError: true`, and send failed batches to an SQS queue or SNS
    /// topic with `DestinationConfig.OnFailure`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html>
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html>
    /// - serverless-rules ES1001
    pub struct StreamMappingWithoutFailureHandling {
        code: "WD110",
        name: "stream-mapping-without-failure-handling",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `MaximumRetryAttempts`, `BisectBatchOnFunctionError` and an on-failure destination on the event source mapping.",
    }
}

impl Rule for StreamMappingWithoutFailureHandling {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            for trigger in &info.triggers {
                if !matches!(trigger.kind, TriggerKind::Kinesis | TriggerKind::DynamoDb) {
                    continue;
                }
                let Some(mapping) = trigger.declared_by.map(|index| &template.resources[index])
                else {
                    continue;
                };
                let mut problems = Vec::new();
                if mapping.prop("DestinationConfig.OnFailure").is_none()
                    && mapping.prop("DestinationConfig").is_none_or(Node::is_known)
                {
                    problems.push("has no on-failure destination");
                }
                let retries = mapping.prop("MaximumRetryAttempts");
                let age = mapping.prop("MaximumRecordAgeInSeconds");
                if unlimited(retries) && unlimited(age) {
                    problems.push("retries a failing batch until its records expire");
                }
                if problems.is_empty() {
                    continue;
                }
                let span = retries
                    .filter(|node| node.as_i64() == Some(-1))
                    .map_or(trigger.span, |node| node.span);
                let source = trigger
                    .source
                    .map(|index| format!("`{}`", template.resources[index].origin.id))
                    .unwrap_or_else(|| trigger_name(trigger.kind).to_string());
                checker.report(
                    function,
                    span,
                    format!(
                        "stream mapping of `{}` on {source} {}: a failing batch blocks the shard or is lost",
                        function.origin.id,
                        problems.join(" and ")
                    ),
                );
            }
        }
    }
}

/// True when a limit is absent or may be `-1` (unlimited); an unknown value is not.
fn unlimited(node: Option<&Node>) -> bool {
    match node {
        None => true,
        Some(node) => node
            .alternatives()
            .into_iter()
            .any(|node| node.as_i64() == Some(-1)),
    }
}
