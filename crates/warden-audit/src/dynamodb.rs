//! DynamoDB: tables with their encryption, deletion protection and point-in-time recovery.

use aws_sdk_dynamodb::types::{PointInTimeRecoveryStatus, SseStatus, SseType};
use aws_sdk_dynamodb::Client;
use serde_json::{json, Map, Value};

use crate::calls::{Answer, Calls};
use crate::{LiveResource, StackTag};

pub(crate) async fn read_tables(
    dynamodb: Client,
    region: &str,
    calls: &Calls,
) -> Vec<LiveResource> {
    let dynamodb = &dynamodb;
    let mut names = Vec::new();
    let mut start = None;
    loop {
        let page = calls
            .run(
                "dynamodb:ListTables",
                region,
                "table lists",
                dynamodb
                    .list_tables()
                    .set_exclusive_start_table_name(start.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        names.extend(page.table_names().iter().cloned());
        match page.last_evaluated_table_name() {
            Some(last) => start = Some(last.to_string()),
            None => break,
        }
    }
    let read = futures::future::join_all(
        names
            .iter()
            .map(|name| read_table(dynamodb, region, calls, name)),
    )
    .await;
    read.into_iter().flatten().collect()
}

async fn read_table(
    dynamodb: &Client,
    region: &str,
    calls: &Calls,
    name: &str,
) -> Option<LiveResource> {
    let (table, backups) = tokio::join!(
        calls.run(
            "dynamodb:DescribeTable",
            region,
            "tables",
            dynamodb.describe_table().table_name(name).send()
        ),
        calls.run(
            "dynamodb:DescribeContinuousBackups",
            region,
            "tables",
            dynamodb
                .describe_continuous_backups()
                .table_name(name)
                .send()
        ),
    );
    let table = table.found()?;
    let table = table.table()?;
    let arn = table.table_arn()?;
    let tags = calls
        .run(
            "dynamodb:ListTagsOfResource",
            region,
            "tables",
            dynamodb.list_tags_of_resource().resource_arn(arn).send(),
        )
        .await;
    let stack = tags
        .found()
        .and_then(|tags| StackTag::from_tags(tags.tags().iter().map(|t| (t.key(), t.value()))));
    let mut properties = Map::new();
    properties.insert("TableName".into(), json!(name));
    // Without `SSEDescription` the table uses an AWS owned key, as a template without
    // `SSESpecification` does.
    if let Some(sse) = table.sse_description() {
        if sse.status() == Some(&SseStatus::Enabled) {
            let mut specification = Map::new();
            specification.insert("SSEEnabled".into(), json!(true));
            if sse.sse_type() == Some(&SseType::Kms) {
                specification.insert("SSEType".into(), json!("KMS"));
            }
            if let Some(key) = sse.kms_master_key_arn() {
                specification.insert("KMSMasterKeyId".into(), json!(key));
            }
            properties.insert("SSESpecification".into(), Value::Object(specification));
        }
    }
    if let Some(protection) = table.deletion_protection_enabled() {
        properties.insert("DeletionProtectionEnabled".into(), json!(protection));
    }
    match backups {
        Answer::Found(backups) => {
            let enabled = backups
                .continuous_backups_description()
                .and_then(|d| d.point_in_time_recovery_description())
                .and_then(|d| d.point_in_time_recovery_status())
                == Some(&PointInTimeRecoveryStatus::Enabled);
            properties.insert(
                "PointInTimeRecoverySpecification".into(),
                json!({ "PointInTimeRecoveryEnabled": enabled }),
            );
        }
        Answer::Absent => {}
        Answer::Failed => {
            properties.insert("PointInTimeRecoverySpecification".into(), crate::unknown());
        }
    }
    Some(LiveResource {
        name: name.to_string(),
        resource_type: "AWS::DynamoDB::Table",
        arn: arn.to_string(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    })
}
