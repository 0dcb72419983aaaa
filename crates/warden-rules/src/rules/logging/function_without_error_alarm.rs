use warden_iac::analysis::refers_to;
use warden_iac::{Node, Resource, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Lambda metrics whose alarm tells the team a function is failing.
const FAILURE_METRICS: &[&str] = &["Errors", "Throttles"];

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions that no `AWS::CloudWatch::Alarm` in the stack watches for failures. A
    /// function is watched by an alarm on `Namespace: AWS/Lambda`, `MetricName: Errors` or
    /// `Throttles` (directly or in a metric-math `Metrics` entry) whose `FunctionName` dimension
    /// refers to the function, with at least one `AlarmActions` entry. An alarm without dimensions
    /// watches every function of the account and region and counts for all of them; alarms without
    /// actions, or with `ActionsEnabled: false`, tell nobody and do not count. Values the scanner
    /// cannot know (a dimension from a parameter) count as a match.
    ///
    /// ## Why is this bad?
    /// A function that starts failing or being throttled does so silently: asynchronous
    /// events are retried and dropped, API clients get 5XX errors, and nobody hears about it
    /// until a user complains. Alarms are what turns logs and metrics into a response.
    ///
    /// ## Example
    /// ```yaml
    /// Checkout:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Runtime: python3.12
    ///     Handler: app.handler
    /// # ... and no AWS::CloudWatch::Alarm on its Errors metric
    /// ```
    ///
    /// ## Fix
    /// Add an `AWS::CloudWatch::Alarm` with `Namespace: AWS/Lambda`, `MetricName: Errors`,
    /// `Dimensions: [{Name: FunctionName, Value: !Ref Checkout}]` and `AlarmActions` pointing
    /// at an SNS topic the team reads. Stacks whose alarms live in a separate monitoring
    /// stack can disable the rule.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html>
    /// - <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html>
    /// - PureSec SAS-5 (no static anchor: checkov CKV_AWS_319 only checks that alarm actions are enabled)
    pub struct FunctionWithoutErrorAlarm {
        code: "WD808",
        name: "function-without-error-alarm",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Add an `AWS::CloudWatch::Alarm` on `AWS/Lambda` `Errors` with a `FunctionName` dimension for the function and `AlarmActions`.",
    }
}

impl Rule for FunctionWithoutErrorAlarm {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let alarms: Vec<&Resource> = template
            .resources_of_type("AWS::CloudWatch::Alarm")
            .collect();
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let watching: Vec<&Resource> = alarms
                .iter()
                .copied()
                .filter(|alarm| watches(alarm, function))
                .collect();
            if watching.iter().any(|alarm| notifies(alarm)) {
                continue;
            }
            let message = match watching.first() {
                Some(alarm) => format!(
                    "the failure alarm `{}` of `{}` {}: it notifies nobody",
                    alarm.origin.id,
                    function.origin.id,
                    if has_actions(alarm) {
                        "has `ActionsEnabled: false`"
                    } else {
                        "has no `AlarmActions`"
                    }
                ),
                None => format!(
                    "`{}` has no CloudWatch alarm on its `Errors` or `Throttles` metric",
                    function.origin.id
                ),
            };
            checker.report(function, function.span, message);
        }
    }
}

/// True when the alarm watches a failure metric of `function`.
fn watches(alarm: &Resource, function: &Resource) -> bool {
    let mut metrics: Vec<&Node> = vec![&alarm.properties];
    if let Some(queries) = alarm.prop("Metrics") {
        metrics.extend(
            queries
                .items()
                .into_iter()
                .filter_map(|query| query.path("MetricStat.Metric")),
        );
    }
    metrics.into_iter().any(|metric| {
        matches(metric.get("Namespace"), &["AWS/Lambda"])
            && matches(metric.get("MetricName"), FAILURE_METRICS)
            && dimension_matches(metric.get("Dimensions"), function)
    })
}

/// True when some possible value is one of `expected`, or cannot be known.
fn matches(node: Option<&Node>, expected: &[&str]) -> bool {
    node.is_some_and(|node| {
        node.alternatives().into_iter().any(|value| {
            !value.is_known() || value.as_str().is_some_and(|text| expected.contains(&text))
        })
    })
}

/// True when the dimensions select the function (`FunctionName`, or `Resource` for an
/// alias or version), or no function at all (an alarm over every function).
fn dimension_matches(dimensions: Option<&Node>, function: &Resource) -> bool {
    let Some(dimensions) = dimensions.filter(|dimensions| dimensions.is_known()) else {
        return true;
    };
    let items = dimensions.items();
    if items.is_empty() {
        return true;
    }
    items.iter().any(|dimension| {
        let selects_function = dimension.get("Name").is_none_or(|name| {
            !name.is_known() || matches!(name.as_str(), Some("FunctionName" | "Resource"))
        });
        selects_function
            && dimension
                .get("Value")
                .is_some_and(|value| names_function(value, function))
    })
}

/// True when a dimension value is the function: a reference to it, its literal name (or
/// `name:alias`), or a value the scanner cannot know.
fn names_function(value: &Node, function: &Resource) -> bool {
    let literal_name = function.prop("FunctionName").and_then(Node::as_str);
    value.alternatives().into_iter().any(|value| {
        refers_to(value, &function.id)
            || (!value.is_known())
            || value
                .as_str()
                .is_some_and(|text| literal_name == text.split(':').next())
    })
}

/// True when the alarm has actions and they are not turned off.
fn notifies(alarm: &Resource) -> bool {
    let disabled = alarm
        .prop("ActionsEnabled")
        .is_some_and(|enabled| enabled.as_bool() == Some(false));
    has_actions(alarm) && !disabled
}

fn has_actions(alarm: &Resource) -> bool {
    alarm
        .prop("AlarmActions")
        .is_some_and(|actions| !actions.is_known() || !actions.items().is_empty())
}
