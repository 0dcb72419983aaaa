//! SNS: topics with their encryption and policy (`AWS::SNS::TopicPolicy`), and
//! subscriptions with their protocol, endpoint and redrive policy.

use std::collections::HashMap;

use aws_sdk_sns::Client;
use serde_json::{json, Map, Value};

use crate::calls::Calls;
use crate::{arn_ref, policy_json, LiveResource, StackTag};

pub(crate) async fn read_topics(sns: Client, region: &str, calls: &Calls) -> Vec<LiveResource> {
    let sns = &sns;
    let mut topics = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "sns:ListTopics",
                region,
                "topic lists",
                sns.list_topics().set_next_token(token.take()).send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        topics.extend(
            page.topics()
                .iter()
                .filter_map(|t| t.topic_arn().map(str::to_string)),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    let mut subscriptions = Vec::new();
    let mut token = None;
    loop {
        let page = calls
            .run(
                "sns:ListSubscriptions",
                region,
                "subscription lists",
                sns.list_subscriptions().set_next_token(token.take()).send(),
            )
            .await;
        let Some(page) = page.found() else { break };
        subscriptions.extend(page.subscriptions().iter().cloned());
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    let (topics, subscriptions) = tokio::join!(
        futures::future::join_all(topics.iter().map(|arn| read_topic(sns, region, calls, arn))),
        futures::future::join_all(subscriptions.iter().map(|subscription| read_subscription(
            sns,
            region,
            calls,
            subscription
        ))),
    );
    topics
        .into_iter()
        .flatten()
        .chain(subscriptions.into_iter().flatten())
        .collect()
}

async fn read_topic(sns: &Client, region: &str, calls: &Calls, arn: &str) -> Vec<LiveResource> {
    let (attributes, tags) = tokio::join!(
        calls.run(
            "sns:GetTopicAttributes",
            region,
            "topics",
            sns.get_topic_attributes().topic_arn(arn).send()
        ),
        calls.run(
            "sns:ListTagsForResource",
            region,
            "topics",
            sns.list_tags_for_resource().resource_arn(arn).send()
        ),
    );
    let Some(attributes) = attributes.found() else {
        return Vec::new();
    };
    let empty = HashMap::new();
    let attributes = attributes.attributes().unwrap_or(&empty);
    let name = arn.rsplit(':').next().unwrap_or(arn);
    let stack = tags
        .found()
        .and_then(|tags| StackTag::from_tags(tags.tags().iter().map(|t| (t.key(), t.value()))));
    let mut properties = Map::new();
    properties.insert("TopicName".into(), json!(name));
    if let Some(key) = attributes.get("KmsMasterKeyId").filter(|k| !k.is_empty()) {
        properties.insert("KmsMasterKeyId".into(), json!(key));
    }
    let mut resources = vec![LiveResource {
        name: name.to_string(),
        resource_type: "AWS::SNS::Topic",
        arn: arn.to_string(),
        region: region.to_string(),
        stack,
        parent: None,
        properties: Value::Object(properties),
    }];
    if let Some(policy) = attributes.get("Policy").and_then(|p| policy_json(p)) {
        resources.push(LiveResource {
            name: format!("{name}-policy"),
            resource_type: "AWS::SNS::TopicPolicy",
            arn: format!("{arn}#policy"),
            region: region.to_string(),
            stack: None,
            parent: Some(arn.to_string()),
            properties: json!({ "Topics": [arn_ref(arn)], "PolicyDocument": policy }),
        });
    }
    resources
}

async fn read_subscription(
    sns: &Client,
    region: &str,
    calls: &Calls,
    subscription: &aws_sdk_sns::types::Subscription,
) -> Option<LiveResource> {
    let arn = subscription.subscription_arn()?;
    let topic = subscription.topic_arn()?;
    let mut properties = Map::new();
    properties.insert("TopicArn".into(), arn_ref(topic));
    if let Some(protocol) = subscription.protocol() {
        properties.insert("Protocol".into(), json!(protocol));
    }
    if let Some(endpoint) = subscription.endpoint() {
        properties.insert(
            "Endpoint".into(),
            if endpoint.starts_with("arn:") {
                arn_ref(endpoint)
            } else {
                json!(endpoint)
            },
        );
    }
    // A subscription waiting for confirmation has no ARN to ask about yet.
    if arn.starts_with("arn:") {
        let attributes = calls
            .run(
                "sns:GetSubscriptionAttributes",
                region,
                "subscriptions",
                sns.get_subscription_attributes()
                    .subscription_arn(arn)
                    .send(),
            )
            .await;
        if let Some(attributes) = attributes.found() {
            if let Some(redrive) = attributes
                .attributes()
                .and_then(|a| a.get("RedrivePolicy"))
                .and_then(|p| policy_json(p))
            {
                properties.insert("RedrivePolicy".into(), redrive);
            }
        }
    }
    let name = format!(
        "{}-subscription-{}",
        topic.rsplit(':').next().unwrap_or(topic),
        arn.rsplit(':').next().unwrap_or(arn)
    );
    Some(LiveResource {
        name,
        resource_type: "AWS::SNS::Subscription",
        arn: arn.to_string(),
        region: region.to_string(),
        stack: None,
        parent: Some(topic.to_string()),
        properties: Value::Object(properties),
    })
}
