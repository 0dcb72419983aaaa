//! Secrets Manager: secrets with their KMS key, rotation (as an
//! `AWS::SecretsManager::RotationSchedule`) and resource policy.

use aws_sdk_secretsmanager::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{arn_ref, policy_json, LiveResource, StackTag};

pub(crate) async fn read_secrets(
    secrets: Client,
    region: &str,
    calls: &Calls,
) -> Vec<LiveResource> {
    let secrets = &secrets;
    let mut entries = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "secretsmanager:ListSecrets",
                region,
                "secret lists",
                secrets.list_secrets().set_next_token(token.take()).send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        entries.extend(page.secret_list().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    let read = futures::future::join_all(
        entries
            .iter()
            .map(|entry| read_secret(secrets, region, calls, entry)),
    )
    .await;
    read.into_iter().flatten().collect()
}

async fn read_secret(
    secrets: &Client,
    region: &str,
    calls: &Calls,
    entry: &aws_sdk_secretsmanager::types::SecretListEntry,
) -> Vec<LiveResource> {
    let (Some(arn), Some(name)) = (entry.arn(), entry.name()) else {
        return Vec::new();
    };
    let stack = StackTag::from_tags(
        entry
            .tags()
            .iter()
            .filter_map(|tag| Some((tag.key()?, tag.value()?))),
    );
    let mut properties = Map::new();
    properties.insert("Name".into(), json!(name));
    if let Some(key) = entry.kms_key_id() {
        properties.insert("KmsKeyId".into(), json!(key));
    }
    let mut resources = vec![LiveResource {
        name: name.to_string(),
        resource_type: "AWS::SecretsManager::Secret",
        arn: arn.to_string(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    }];
    if entry.rotation_enabled() == Some(true) {
        let mut rules = Map::new();
        if let Some(rotation) = entry.rotation_rules() {
            if let Some(days) = rotation.automatically_after_days() {
                rules.insert("AutomaticallyAfterDays".into(), json!(days));
            }
            if let Some(expression) = rotation.schedule_expression() {
                rules.insert("ScheduleExpression".into(), json!(expression));
            }
        }
        resources.push(LiveResource {
            name: format!("{name}-rotation"),
            resource_type: "AWS::SecretsManager::RotationSchedule",
            arn: format!("{arn}#rotation"),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.to_string()),
            properties: json!({ "SecretId": arn_ref(arn), "RotationRules": rules }),
        });
    }
    let policy = calls
        .run(
            "secretsmanager:GetResourcePolicy",
            region,
            "secrets",
            secrets.get_resource_policy().secret_id(arn).send(),
        )
        .await;
    if let Some(policy) = policy
        .found()
        .and_then(|p| p.resource_policy().and_then(policy_json))
    {
        resources.push(LiveResource {
            name: format!("{name}-policy"),
            resource_type: "AWS::SecretsManager::ResourcePolicy",
            arn: format!("{arn}#policy"),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.to_string()),
            properties: json!({ "SecretId": arn_ref(arn), "ResourcePolicy": policy }),
        });
    }
    resources
}
