//! SQS: queues with their encryption, dead-letter queue and visibility timeout, and their
//! policy as an `AWS::SQS::QueuePolicy`.

use aws_sdk_sqs::types::QueueAttributeName;
use aws_sdk_sqs::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{arn_ref, policy_json, LiveResource, StackTag};

pub(crate) async fn read_queues(sqs: Client, region: &str, calls: &Calls) -> Vec<LiveResource> {
    let sqs = &sqs;
    let mut urls = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "sqs:ListQueues",
                region,
                "queue lists",
                sqs.list_queues()
                    .max_results(1000)
                    .set_next_token(token.take())
                    .send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        urls.extend(page.queue_urls().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    let read =
        futures::future::join_all(urls.iter().map(|url| read_queue(sqs, region, calls, url))).await;
    read.into_iter().flatten().collect()
}

async fn read_queue(sqs: &Client, region: &str, calls: &Calls, url: &str) -> Vec<LiveResource> {
    let (attributes, tags) = tokio::join!(
        calls.run(
            "sqs:GetQueueAttributes",
            region,
            "queues",
            sqs.get_queue_attributes()
                .queue_url(url)
                .attribute_names(QueueAttributeName::All)
                .send()
        ),
        calls.run(
            "sqs:ListQueueTags",
            region,
            "queues",
            sqs.list_queue_tags().queue_url(url).send()
        ),
    );
    let Some(attributes) = attributes.found() else {
        return Vec::new();
    };
    let Some(attributes) = attributes.attributes() else {
        return Vec::new();
    };
    let attribute = |name: QueueAttributeName| attributes.get(&name).map(String::as_str);
    let Some(arn) = attribute(QueueAttributeName::QueueArn) else {
        return Vec::new();
    };
    let name = url.rsplit('/').next().unwrap_or(url);
    let stack = tags.found().and_then(|tags| {
        tags.tags().and_then(|tags| {
            StackTag::from_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        })
    });
    let mut properties = Map::new();
    properties.insert("QueueName".into(), json!(name));
    if let Some(key) = attribute(QueueAttributeName::KmsMasterKeyId) {
        properties.insert("KmsMasterKeyId".into(), json!(key));
    }
    if let Some(managed) = attribute(QueueAttributeName::SqsManagedSseEnabled) {
        properties.insert("SqsManagedSseEnabled".into(), json!(managed == "true"));
    }
    if let Some(timeout) =
        attribute(QueueAttributeName::VisibilityTimeout).and_then(|t| t.parse::<i64>().ok())
    {
        properties.insert("VisibilityTimeout".into(), json!(timeout));
    }
    if let Some(mut redrive) = attribute(QueueAttributeName::RedrivePolicy).and_then(policy_json) {
        if let Some(target) = redrive.get("deadLetterTargetArn").and_then(Value::as_str) {
            let target = arn_ref(target);
            redrive["deadLetterTargetArn"] = target;
        }
        properties.insert("RedrivePolicy".into(), redrive);
    }
    let mut resources = vec![LiveResource {
        name: name.to_string(),
        resource_type: "AWS::SQS::Queue",
        arn: arn.to_string(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    }];
    if let Some(policy) = attribute(QueueAttributeName::Policy).and_then(policy_json) {
        resources.push(LiveResource {
            name: format!("{name}-policy"),
            resource_type: "AWS::SQS::QueuePolicy",
            arn: format!("{arn}#policy"),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.to_string()),
            properties: json!({ "Queues": [arn_ref(arn)], "PolicyDocument": policy }),
        });
    }
    resources
}
