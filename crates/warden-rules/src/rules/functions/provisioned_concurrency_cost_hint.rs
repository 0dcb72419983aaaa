use warden_iac::analysis::refers_to;
use warden_iac::{Node, Template};

use super::common::trigger_name;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Points out provisioned concurrency on functions that nobody waits for: every
    /// trigger the stack declares for the function is asynchronous or poll-based (S3, SNS,
    /// EventBridge, schedules, SQS, streams ...), none is an API, a function URL or a
    /// Cognito trigger. Provisioned concurrency is read from SAM's
    /// `ProvisionedConcurrencyConfig` and from `AWS::Lambda::Alias` and
    /// `AWS::Lambda::Version` resources of the function. Functions without any trigger in
    /// the stack are not judged (another service may call them synchronously). Reported at
    /// `info` severity.
    ///
    /// ## Why is this bad?
    /// Provisioned concurrency keeps instances initialised and is billed every hour whether
    /// they run or not. It only removes cold-start latency, which matters to a caller that
    /// waits for the answer; an event or queue consumer gains nothing a user would notice.
    ///
    /// ## Example
    /// ```yaml
    /// Thumbnails:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     AutoPublishAlias: live
    ///     ProvisionedConcurrencyConfig:
    ///       ProvisionedConcurrentExecutions: 10
    ///     Events:
    ///       Upload:
    ///         Type: S3
    /// ```
    ///
    /// ## Fix
    /// Remove the provisioned concurrency, or check its utilisation
    /// (`ProvisionedConcurrencyUtilization`) and scale it with Application Auto Scaling.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html>
    /// - <https://aws.amazon.com/lambda/pricing/>
    /// - serverless-rules ES1005; sls-mentor `noProvisionedConcurrency`
    pub struct ProvisionedConcurrencyCostHint {
        code: "WD127",
        name: "provisioned-concurrency-cost-hint",
        risk: Cost,
        severity: Info,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Remove provisioned concurrency from functions that only consume events, or scale it on its utilisation.",
    }
}

impl Rule for ProvisionedConcurrencyCostHint {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            if info.triggers.is_empty()
                || !info
                    .triggers
                    .iter()
                    .all(|trigger| trigger.kind.is_async() || trigger.kind.is_poll_based())
            {
                continue;
            }
            let mut configs: Vec<(&Node, &warden_iac::Resource)> = Vec::new();
            if let Some(config) = function.prop("ProvisionedConcurrencyConfig") {
                configs.push((config, function));
            }
            for resource in &template.resources {
                if matches!(
                    resource.resource_type.as_str(),
                    "AWS::Lambda::Alias" | "AWS::Lambda::Version"
                ) && resource
                    .prop("FunctionName")
                    .is_some_and(|name| refers_to(name, &function.id))
                {
                    if let Some(config) = resource.prop("ProvisionedConcurrencyConfig") {
                        configs.push((config, resource));
                    }
                }
            }
            let mut kinds: Vec<&str> = Vec::new();
            for (position, trigger) in info.triggers.iter().enumerate() {
                // A rule and its invoke permission are one trigger (a schedule, not also
                // EventBridge): name each source once.
                if trigger.source.is_some()
                    && info.triggers[..position]
                        .iter()
                        .any(|earlier| earlier.source == trigger.source)
                {
                    continue;
                }
                let name = trigger_name(trigger.kind);
                if !kinds.contains(&name) {
                    kinds.push(name);
                }
            }
            for (config, owner) in configs {
                let count = config
                    .get("ProvisionedConcurrentExecutions")
                    .filter(|count| count.is_known())
                    .map_or_else(|| "some".to_string(), Node::display);
                if count == "0" {
                    continue;
                }
                checker.report(
                    owner,
                    config.span,
                    format!(
                        "`{}` keeps {count} provisioned instances warm but is only triggered by {}: nobody waits on a cold start",
                        function.origin.id,
                        kinds.join(", ")
                    ),
                );
            }
        }
    }
}
