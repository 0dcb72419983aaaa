//! CloudWatch metric alarms: what they watch (namespace, metric, dimensions or metric
//! queries) and whom they notify, so that the alarm rules see the account's alarms.

use aws_sdk_cloudwatch::types::{Dimension, MetricAlarm};
use aws_sdk_cloudwatch::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{LiveResource, StackTag};

pub(crate) async fn read_alarms(alarms: Client, region: &str, calls: &Calls) -> Vec<LiveResource> {
    let client = &alarms;
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "cloudwatch:DescribeAlarms",
                region,
                "alarm lists",
                client
                    .describe_alarms()
                    .max_records(100)
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        found.extend(page.metric_alarms().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    let read = futures::future::join_all(
        found
            .iter()
            .map(|alarm| read_alarm(client, region, calls, alarm)),
    )
    .await;
    read.into_iter().flatten().collect()
}

async fn read_alarm(
    client: &Client,
    region: &str,
    calls: &Calls,
    alarm: &MetricAlarm,
) -> Option<LiveResource> {
    let arn = alarm.alarm_arn()?;
    let name = alarm.alarm_name().unwrap_or(arn);
    let tags = calls
        .run(
            "cloudwatch:ListTagsForResource",
            region,
            "alarms",
            client.list_tags_for_resource().resource_arn(arn).send(),
        )
        .await;
    let stack = tags.found().and_then(|tags| {
        StackTag::from_tags(
            tags.tags()
                .iter()
                .filter_map(|tag| Some((tag.key()?, tag.value()?))),
        )
    });
    Some(LiveResource {
        name: name.to_string(),
        resource_type: "AWS::CloudWatch::Alarm",
        arn: arn.to_string(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: alarm_properties(alarm),
    })
}

fn dimensions(dimensions: &[Dimension]) -> Value {
    Value::Array(
        dimensions
            .iter()
            .map(|d| json!({ "Name": d.name(), "Value": d.value() }))
            .collect(),
    )
}

fn alarm_properties(alarm: &MetricAlarm) -> Value {
    let mut properties = Map::new();
    let mut put = |key: &str, value: Value| {
        properties.insert(key.to_string(), value);
    };
    if let Some(name) = alarm.alarm_name() {
        put("AlarmName", json!(name));
    }
    if let Some(namespace) = alarm.namespace() {
        put("Namespace", json!(namespace));
    }
    if let Some(metric) = alarm.metric_name() {
        put("MetricName", json!(metric));
    }
    if !alarm.dimensions().is_empty() {
        put("Dimensions", dimensions(alarm.dimensions()));
    }
    if let Some(statistic) = alarm.statistic() {
        put("Statistic", json!(statistic.as_str()));
    }
    if let Some(period) = alarm.period() {
        put("Period", json!(period));
    }
    if let Some(periods) = alarm.evaluation_periods() {
        put("EvaluationPeriods", json!(periods));
    }
    if let Some(threshold) = alarm.threshold() {
        put("Threshold", json!(threshold));
    }
    if let Some(operator) = alarm.comparison_operator() {
        put("ComparisonOperator", json!(operator.as_str()));
    }
    if let Some(missing) = alarm.treat_missing_data() {
        put("TreatMissingData", json!(missing));
    }
    if let Some(enabled) = alarm.actions_enabled() {
        put("ActionsEnabled", json!(enabled));
    }
    for (key, actions) in [
        ("AlarmActions", alarm.alarm_actions()),
        ("OKActions", alarm.ok_actions()),
        ("InsufficientDataActions", alarm.insufficient_data_actions()),
    ] {
        if !actions.is_empty() {
            put(key, json!(actions));
        }
    }
    if !alarm.metrics().is_empty() {
        let queries: Vec<Value> = alarm
            .metrics()
            .iter()
            .map(|query| {
                let mut out = Map::new();
                out.insert("Id".into(), json!(query.id()));
                if let Some(expression) = query.expression() {
                    out.insert("Expression".into(), json!(expression));
                }
                if let Some(stat) = query.metric_stat() {
                    let metric = stat.metric().map(|metric| {
                        json!({
                            "Namespace": metric.namespace(),
                            "MetricName": metric.metric_name(),
                            "Dimensions": dimensions(metric.dimensions()),
                        })
                    });
                    out.insert(
                        "MetricStat".into(),
                        json!({ "Metric": metric, "Period": stat.period(), "Stat": stat.stat() }),
                    );
                }
                if let Some(returned) = query.return_data() {
                    out.insert("ReturnData".into(), json!(returned));
                }
                Value::Object(out)
            })
            .collect();
        put("Metrics", Value::Array(queries));
    }
    Value::Object(properties)
}
