//! CloudTrail: the trails whose home is this region (a multi-region trail is read once, in
//! its home region), whether they are logging, and their event selectors (which data events
//! they record: Lambda invocations, S3 object access).

use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, Trail};
use aws_sdk_cloudtrail::Client;
use serde_json::{json, Map, Value};

use crate::calls::{Answer, Calls};
use crate::{unknown, LiveResource, StackTag};

pub(crate) async fn read_trails(trails: Client, region: &str, calls: &Calls) -> Vec<LiveResource> {
    let client = &trails;
    let answer = calls
        .run(
            "cloudtrail:DescribeTrails",
            region,
            "trail lists",
            client
                .describe_trails()
                // Shadow trails are the copies of other regions' multi-region trails.
                .include_shadow_trails(false)
                .send(),
        )
        .await;
    let Some(list) = answer.found() else {
        return Vec::new();
    };
    let read = futures::future::join_all(
        list.trail_list()
            .iter()
            .filter(|trail| trail.home_region().is_none_or(|home| home == region))
            .map(|trail| read_trail(client, region, calls, trail)),
    )
    .await;
    read.into_iter().flatten().collect()
}

async fn read_trail(
    client: &Client,
    region: &str,
    calls: &Calls,
    trail: &Trail,
) -> Option<LiveResource> {
    let arn = trail.trail_arn()?;
    let name = trail.name().unwrap_or(arn);
    let (status, selectors, tags) = tokio::join!(
        calls.run(
            "cloudtrail:GetTrailStatus",
            region,
            "trails",
            client.get_trail_status().name(arn).send()
        ),
        calls.run(
            "cloudtrail:GetEventSelectors",
            region,
            "trails",
            client.get_event_selectors().trail_name(arn).send()
        ),
        calls.run(
            "cloudtrail:ListTags",
            region,
            "trails",
            client.list_tags().resource_id_list(arn).send()
        ),
    );
    let stack = tags.found().and_then(|tags| {
        tags.resource_tag_list().first().and_then(|resource| {
            StackTag::from_tags(
                resource
                    .tags_list()
                    .iter()
                    .filter_map(|tag| Some((tag.key(), tag.value()?))),
            )
        })
    });
    let mut properties = Map::new();
    properties.insert("TrailName".into(), json!(name));
    if let Some(bucket) = trail.s3_bucket_name() {
        properties.insert("S3BucketName".into(), json!(bucket));
    }
    properties.insert(
        "IsLogging".into(),
        match &status {
            Answer::Found(status) => json!(status.is_logging().unwrap_or(false)),
            _ => unknown(),
        },
    );
    if let Some(multi) = trail.is_multi_region_trail() {
        properties.insert("IsMultiRegionTrail".into(), json!(multi));
    }
    if let Some(global) = trail.include_global_service_events() {
        properties.insert("IncludeGlobalServiceEvents".into(), json!(global));
    }
    if let Some(validation) = trail.log_file_validation_enabled() {
        properties.insert("EnableLogFileValidation".into(), json!(validation));
    }
    if let Some(key) = trail.kms_key_id() {
        properties.insert("KMSKeyId".into(), json!(key));
    }
    if let Some(group) = trail.cloud_watch_logs_log_group_arn() {
        properties.insert("CloudWatchLogsLogGroupArn".into(), json!(group));
    }
    match &selectors {
        Answer::Found(answer) => {
            if !answer.event_selectors().is_empty() {
                properties.insert(
                    "EventSelectors".into(),
                    Value::Array(
                        answer
                            .event_selectors()
                            .iter()
                            .map(event_selector)
                            .collect(),
                    ),
                );
            }
            if !answer.advanced_event_selectors().is_empty() {
                properties.insert(
                    "AdvancedEventSelectors".into(),
                    Value::Array(
                        answer
                            .advanced_event_selectors()
                            .iter()
                            .map(advanced_selector)
                            .collect(),
                    ),
                );
            }
        }
        // Not read: the rules must not conclude that no data events are recorded.
        _ => {
            properties.insert("EventSelectors".into(), unknown());
        }
    }
    Some(LiveResource {
        name: name.to_string(),
        resource_type: "AWS::CloudTrail::Trail",
        arn: arn.to_string(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    })
}

fn event_selector(selector: &EventSelector) -> Value {
    let mut out = Map::new();
    if let Some(kind) = selector.read_write_type() {
        out.insert("ReadWriteType".into(), json!(kind.as_str()));
    }
    if let Some(management) = selector.include_management_events() {
        out.insert("IncludeManagementEvents".into(), json!(management));
    }
    if !selector.data_resources().is_empty() {
        out.insert(
            "DataResources".into(),
            Value::Array(
                selector
                    .data_resources()
                    .iter()
                    .map(|resource| json!({ "Type": resource.r#type(), "Values": resource.values() }))
                    .collect(),
            ),
        );
    }
    Value::Object(out)
}

fn advanced_selector(selector: &AdvancedEventSelector) -> Value {
    let fields: Vec<Value> = selector
        .field_selectors()
        .iter()
        .map(|field| {
            let mut out = Map::new();
            out.insert("Field".into(), json!(field.field()));
            for (key, values) in [
                ("Equals", field.equals()),
                ("StartsWith", field.starts_with()),
                ("EndsWith", field.ends_with()),
                ("NotEquals", field.not_equals()),
                ("NotStartsWith", field.not_starts_with()),
                ("NotEndsWith", field.not_ends_with()),
            ] {
                if !values.is_empty() {
                    out.insert(key.into(), json!(values));
                }
            }
            Value::Object(out)
        })
        .collect();
    let mut out = Map::new();
    if let Some(name) = selector.name() {
        out.insert("Name".into(), json!(name));
    }
    out.insert("FieldSelectors".into(), Value::Array(fields));
    Value::Object(out)
}
