//! CloudWatch Logs: log groups with their retention, KMS key and subscription filters (a
//! function's default group `/aws/lambda/NAME` is matched to it by name, as in a template).

use aws_sdk_cloudwatchlogs::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{arn_ref, LiveResource, StackTag};

pub(crate) async fn read_log_groups(
    logs: Client,
    region: &str,
    calls: &Calls,
) -> Vec<LiveResource> {
    let logs = &logs;
    let mut groups = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "logs:DescribeLogGroups",
                region,
                "log group lists",
                logs.describe_log_groups()
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        groups.extend(page.log_groups().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    let read = futures::future::join_all(
        groups
            .iter()
            .map(|group| read_log_group(logs, region, calls, group)),
    )
    .await;
    read.into_iter().flatten().collect()
}

async fn read_log_group(
    logs: &Client,
    region: &str,
    calls: &Calls,
    group: &aws_sdk_cloudwatchlogs::types::LogGroup,
) -> Vec<LiveResource> {
    let Some(name) = group.log_group_name() else {
        return Vec::new();
    };
    // `arn` ends with `:*`; tagging wants the ARN without it.
    let Some(arn) = group.log_group_arn().map(str::to_string).or_else(|| {
        group
            .arn()
            .map(|arn| arn.trim_end_matches(":*").to_string())
    }) else {
        return Vec::new();
    };
    let (tags, filters) = tokio::join!(
        calls.run(
            "logs:ListTagsForResource",
            region,
            "log groups",
            logs.list_tags_for_resource().resource_arn(&arn).send(),
        ),
        read_subscription_filters(logs, region, calls, name),
    );
    let stack = tags.found().and_then(|tags| {
        tags.tags().and_then(|tags| {
            StackTag::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        })
    });
    let mut properties = Map::new();
    properties.insert("LogGroupName".into(), json!(name));
    if let Some(days) = group.retention_in_days() {
        properties.insert("RetentionInDays".into(), json!(days));
    }
    if let Some(key) = group.kms_key_id() {
        properties.insert("KmsKeyId".into(), json!(key));
    }
    let mut resources = vec![LiveResource {
        name: name.to_string(),
        resource_type: "AWS::Logs::LogGroup",
        arn: arn.clone(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    }];
    for filter in filters {
        let Some(filter_name) = filter.filter_name() else {
            continue;
        };
        let mut properties = Map::new();
        properties.insert("LogGroupName".into(), arn_ref(&arn));
        properties.insert("FilterName".into(), json!(filter_name));
        properties.insert(
            "FilterPattern".into(),
            json!(filter.filter_pattern().unwrap_or_default()),
        );
        if let Some(destination) = filter.destination_arn() {
            properties.insert("DestinationArn".into(), arn_ref(destination));
        }
        if let Some(role) = filter.role_arn() {
            properties.insert("RoleArn".into(), arn_ref(role));
        }
        if let Some(distribution) = filter.distribution() {
            properties.insert("Distribution".into(), json!(distribution.as_str()));
        }
        resources.push(LiveResource {
            name: format!("{name}-subscription-{filter_name}"),
            resource_type: "AWS::Logs::SubscriptionFilter",
            arn: format!("{arn}#subscription-{filter_name}"),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.clone()),
            properties: Value::Object(properties),
        });
    }
    resources
}

/// Every page of a log group's subscription filters (at most two per group today).
async fn read_subscription_filters(
    logs: &Client,
    region: &str,
    calls: &Calls,
    group: &str,
) -> Vec<aws_sdk_cloudwatchlogs::types::SubscriptionFilter> {
    let mut filters = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "logs:DescribeSubscriptionFilters",
                region,
                "log groups",
                logs.describe_subscription_filters()
                    .log_group_name(group)
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        filters.extend(page.subscription_filters().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    filters
}
