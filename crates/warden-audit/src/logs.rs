//! CloudWatch Logs: log groups with their retention and KMS key (a function's default group
//! `/aws/lambda/NAME` is matched to it by name, as in a template).

use aws_sdk_cloudwatchlogs::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{LiveResource, StackTag};

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
) -> Option<LiveResource> {
    let name = group.log_group_name()?;
    // `arn` ends with `:*`; tagging wants the ARN without it.
    let arn = group.log_group_arn().map(str::to_string).or_else(|| {
        group
            .arn()
            .map(|arn| arn.trim_end_matches(":*").to_string())
    })?;
    let tags = calls
        .run(
            "logs:ListTagsForResource",
            region,
            "log groups",
            logs.list_tags_for_resource().resource_arn(&arn).send(),
        )
        .await;
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
    Some(LiveResource {
        name: name.to_string(),
        resource_type: "AWS::Logs::LogGroup",
        arn,
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    })
}
