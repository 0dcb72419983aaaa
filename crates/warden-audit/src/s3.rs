//! S3: buckets with their ACL (as the canned `AccessControl` it amounts to), policy, Block
//! Public Access, object ownership (whether ACLs apply), default encryption, versioning,
//! access logging and event notifications (which make the bucket a function's trigger).

use std::collections::BTreeMap;

use aws_sdk_s3::types::{Grant, Permission};
use aws_sdk_s3::Client;
use serde_json::{json, Map, Value};

use crate::calls::{Answer, Calls};
use crate::client::Clients;
use crate::{arn_ref, policy_json, LiveResource, StackTag};

pub(crate) async fn read_buckets(
    clients: &Clients,
    home_region: &str,
    calls: &Calls,
) -> Vec<LiveResource> {
    let s3 = clients.s3(home_region);
    let mut buckets = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "s3:ListAllMyBuckets",
                home_region,
                "bucket lists",
                s3.list_buckets()
                    .set_continuation_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        buckets.extend(page.buckets().iter().filter_map(|bucket| {
            Some((
                bucket.name()?.to_string(),
                bucket.bucket_region().map(str::to_string),
            ))
        }));
        match page.continuation_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    // Each bucket is read through a client of its own region.
    let located = futures::future::join_all(buckets.into_iter().map(|(name, region)| async {
        let region = match region {
            Some(region) => region,
            None => bucket_region(&s3, home_region, calls, &name).await,
        };
        (name, region)
    }))
    .await;
    let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, region) in located {
        by_region.entry(region).or_default().push(name);
    }
    let mut resources = Vec::new();
    for (region, names) in by_region {
        let client = clients.s3(&region);
        let read = futures::future::join_all(
            names
                .iter()
                .map(|name| read_bucket(&client, &region, calls, name)),
        )
        .await;
        resources.extend(read.into_iter().flatten());
    }
    resources
}

async fn bucket_region(s3: &Client, home_region: &str, calls: &Calls, name: &str) -> String {
    let answer = calls
        .run(
            "s3:GetBucketLocation",
            home_region,
            "buckets",
            s3.get_bucket_location().bucket(name).send(),
        )
        .await;
    match answer.found().and_then(|location| {
        location
            .location_constraint()
            .map(|constraint| constraint.as_str().to_string())
    }) {
        // An empty constraint is us-east-1, and `EU` is the old name of eu-west-1.
        Some(region) if region == "EU" => "eu-west-1".to_string(),
        Some(region) if !region.is_empty() => region,
        _ => "us-east-1".to_string(),
    }
}

async fn read_bucket(s3: &Client, region: &str, calls: &Calls, name: &str) -> Vec<LiveResource> {
    let (tags, acl, ownership, policy, block, encryption, logging, versioning, notifications) = tokio::join!(
        calls.run(
            "s3:GetBucketTagging",
            region,
            "buckets",
            s3.get_bucket_tagging().bucket(name).send()
        ),
        calls.run(
            "s3:GetBucketAcl",
            region,
            "buckets",
            s3.get_bucket_acl().bucket(name).send()
        ),
        calls.run(
            "s3:GetBucketOwnershipControls",
            region,
            "buckets",
            s3.get_bucket_ownership_controls().bucket(name).send()
        ),
        calls.run(
            "s3:GetBucketPolicy",
            region,
            "buckets",
            s3.get_bucket_policy().bucket(name).send()
        ),
        calls.run(
            "s3:GetBucketPublicAccessBlock",
            region,
            "buckets",
            s3.get_public_access_block().bucket(name).send()
        ),
        calls.run(
            "s3:GetEncryptionConfiguration",
            region,
            "buckets",
            s3.get_bucket_encryption().bucket(name).send()
        ),
        calls.run(
            "s3:GetBucketLogging",
            region,
            "buckets",
            s3.get_bucket_logging().bucket(name).send()
        ),
        calls.run(
            "s3:GetBucketVersioning",
            region,
            "buckets",
            s3.get_bucket_versioning().bucket(name).send()
        ),
        calls.run(
            "s3:GetBucketNotification",
            region,
            "buckets",
            s3.get_bucket_notification_configuration()
                .bucket(name)
                .send()
        ),
    );
    let arn = format!("arn:aws:s3:::{name}");
    let stack = tags.found().and_then(|tags| {
        StackTag::from_tags(tags.tag_set().iter().map(|tag| (tag.key(), tag.value())))
    });
    let mut properties = Map::new();
    properties.insert("BucketName".into(), json!(name));
    if let Some(acl) = acl.found() {
        if let Some(canned) = canned_acl(acl.grants()) {
            properties.insert("AccessControl".into(), json!(canned));
        }
    }
    match ownership {
        Answer::Found(ownership) => {
            let rules: Vec<Value> = ownership
                .ownership_controls()
                .map(|controls| controls.rules())
                .unwrap_or_default()
                .iter()
                .map(|rule| json!({ "ObjectOwnership": rule.object_ownership().as_str() }))
                .collect();
            properties.insert("OwnershipControls".into(), json!({ "Rules": rules }));
        }
        // A bucket without ownership controls (made before April 2023) honours ACLs, as
        // `ObjectWriter` does; a template without them gets `BucketOwnerEnforced`.
        Answer::Absent => {
            properties.insert(
                "OwnershipControls".into(),
                json!({ "Rules": [{ "ObjectOwnership": "ObjectWriter" }] }),
            );
        }
        Answer::Failed => {
            properties.insert("OwnershipControls".into(), crate::unknown());
        }
    }
    match block {
        Answer::Found(block) => {
            if let Some(config) = block.public_access_block_configuration() {
                let mut settings = Map::new();
                for (key, value) in [
                    ("BlockPublicAcls", config.block_public_acls()),
                    ("BlockPublicPolicy", config.block_public_policy()),
                    ("IgnorePublicAcls", config.ignore_public_acls()),
                    ("RestrictPublicBuckets", config.restrict_public_buckets()),
                ] {
                    settings.insert(key.into(), json!(value.unwrap_or(false)));
                }
                properties.insert(
                    "PublicAccessBlockConfiguration".into(),
                    Value::Object(settings),
                );
            }
        }
        // Not configured on the bucket: every setting is off.
        Answer::Absent => {
            properties.insert(
                "PublicAccessBlockConfiguration".into(),
                json!({
                    "BlockPublicAcls": false,
                    "BlockPublicPolicy": false,
                    "IgnorePublicAcls": false,
                    "RestrictPublicBuckets": false,
                }),
            );
        }
        // Unknown: the rules must not conclude from a missing property.
        Answer::Failed => {
            properties.insert("PublicAccessBlockConfiguration".into(), crate::unknown());
        }
    }
    match encryption {
        Answer::Found(encryption) => {
            let rules: Vec<Value> = encryption
                .server_side_encryption_configuration()
                .map(|config| config.rules())
                .unwrap_or_default()
                .iter()
                .map(|rule| {
                    let mut by_default = Map::new();
                    if let Some(default) = rule.apply_server_side_encryption_by_default() {
                        by_default.insert(
                            "SSEAlgorithm".into(),
                            json!(default.sse_algorithm().as_str()),
                        );
                        if let Some(key) = default.kms_master_key_id() {
                            by_default.insert("KMSMasterKeyID".into(), json!(key));
                        }
                    }
                    json!({ "ServerSideEncryptionByDefault": by_default })
                })
                .collect();
            properties.insert(
                "BucketEncryption".into(),
                json!({ "ServerSideEncryptionConfiguration": rules }),
            );
        }
        Answer::Absent => {}
        Answer::Failed => {
            properties.insert("BucketEncryption".into(), crate::unknown());
        }
    }
    match logging {
        Answer::Found(logging) => {
            if let Some(enabled) = logging.logging_enabled() {
                properties.insert(
                    "LoggingConfiguration".into(),
                    json!({
                        "DestinationBucketName": enabled.target_bucket(),
                        "LogFilePrefix": enabled.target_prefix(),
                    }),
                );
            }
        }
        Answer::Absent => {}
        Answer::Failed => {
            properties.insert("LoggingConfiguration".into(), crate::unknown());
        }
    }
    match versioning {
        Answer::Found(versioning) => {
            if let Some(status) = versioning.status() {
                properties.insert(
                    "VersioningConfiguration".into(),
                    json!({ "Status": status.as_str() }),
                );
            }
        }
        Answer::Absent => {}
        Answer::Failed => {
            properties.insert("VersioningConfiguration".into(), crate::unknown());
        }
    }
    if let Some(notifications) = notifications.found() {
        let mut configuration = Map::new();
        let functions: Vec<Value> = notifications
            .lambda_function_configurations()
            .iter()
            .flat_map(|target| {
                target.events().iter().map(|event| {
                    json!({ "Event": event.as_str(), "Function": arn_ref(target.lambda_function_arn()) })
                })
            })
            .collect();
        if !functions.is_empty() {
            configuration.insert("LambdaConfigurations".into(), Value::Array(functions));
        }
        let queues: Vec<Value> = notifications
            .queue_configurations()
            .iter()
            .flat_map(|target| {
                target.events().iter().map(|event| {
                    json!({ "Event": event.as_str(), "Queue": arn_ref(target.queue_arn()) })
                })
            })
            .collect();
        if !queues.is_empty() {
            configuration.insert("QueueConfigurations".into(), Value::Array(queues));
        }
        let topics: Vec<Value> = notifications
            .topic_configurations()
            .iter()
            .flat_map(|target| {
                target.events().iter().map(|event| {
                    json!({ "Event": event.as_str(), "Topic": arn_ref(target.topic_arn()) })
                })
            })
            .collect();
        if !topics.is_empty() {
            configuration.insert("TopicConfigurations".into(), Value::Array(topics));
        }
        if !configuration.is_empty() {
            properties.insert("NotificationConfiguration".into(), Value::Object(configuration));
        }
    }
    let mut resources = vec![LiveResource {
        name: name.to_string(),
        resource_type: "AWS::S3::Bucket",
        arn: arn.clone(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    }];
    if let Some(document) = policy
        .found()
        .and_then(|policy| policy.policy().and_then(policy_json))
    {
        resources.push(LiveResource {
            name: format!("{name}-policy"),
            resource_type: "AWS::S3::BucketPolicy",
            arn: format!("{arn}#policy"),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.clone()),
            properties: json!({ "Bucket": arn_ref(&arn), "PolicyDocument": document }),
        });
    }
    resources
}

/// The canned ACL that grants what these grants give to everyone or to any AWS account.
fn canned_acl(grants: &[Grant]) -> Option<&'static str> {
    let to = |group: &str, permission: Permission| {
        grants.iter().any(|grant| {
            grant
                .grantee()
                .and_then(|grantee| grantee.uri())
                .is_some_and(|uri| uri.ends_with(group))
                && grant
                    .permission()
                    .is_some_and(|p| *p == permission || *p == Permission::FullControl)
        })
    };
    if to("/global/AllUsers", Permission::Write) {
        Some("PublicReadWrite")
    } else if to("/global/AllUsers", Permission::Read) {
        Some("PublicRead")
    } else if to("/global/AuthenticatedUsers", Permission::Read) {
        Some("AuthenticatedRead")
    } else {
        None
    }
}
