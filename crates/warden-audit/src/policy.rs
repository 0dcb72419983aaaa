//! The read-only IAM policy an audit needs: exactly the actions the readers call (a test
//! reads the sources and keeps the two equal).

/// Every IAM action the audit calls, sorted.
pub const ACTIONS: &[&str] = &[
    "account:ListRegions",
    "apigateway:GET",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetEventSelectors",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:ListTags",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:ListTagsForResource",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeTable",
    "dynamodb:ListTables",
    "dynamodb:ListTagsOfResource",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "iam:ListRoles",
    "lambda:GetCodeSigningConfig",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionConcurrency",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:GetFunctionUrlConfig",
    "lambda:GetPolicy",
    "lambda:ListAliases",
    "lambda:ListEventSourceMappings",
    "lambda:ListFunctions",
    "lambda:ListTags",
    "lambda:ListVersionsByFunction",
    "logs:DescribeLogGroups",
    "logs:DescribeSubscriptionFilters",
    "logs:ListTagsForResource",
    "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketAcl",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketNotification",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:ListAllMyBuckets",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:ListSecrets",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptions",
    "sns:ListTagsForResource",
    "sns:ListTopics",
    "sqs:GetQueueAttributes",
    "sqs:ListQueueTags",
    "sqs:ListQueues",
    "sts:GetCallerIdentity",
];

/// The policy document `warden audit --print-policy` prints.
pub fn document() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "WardenAuditReadOnly",
            "Effect": "Allow",
            "Action": ACTIONS,
            "Resource": "*",
        }],
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The readers' sources, where every call names its action.
    const SOURCES: &[&str] = &[
        include_str!("lambda.rs"),
        include_str!("iam.rs"),
        include_str!("s3.rs"),
        include_str!("sqs.rs"),
        include_str!("sns.rs"),
        include_str!("dynamodb.rs"),
        include_str!("secrets.rs"),
        include_str!("logs.rs"),
        include_str!("apigatewayv2.rs"),
        include_str!("apigateway.rs"),
        include_str!("regions.rs"),
        include_str!("account.rs"),
        include_str!("cloudtrail.rs"),
        include_str!("cloudwatch.rs"),
    ];

    /// Operations whose IAM action has another name (S3 Control's are named by client).
    const RENAMED: &[(&str, &str)] = &[
        (
            "s3control:GetPublicAccessBlock",
            "s3:GetAccountPublicAccessBlock",
        ),
        ("s3:ListBuckets", "s3:ListAllMyBuckets"),
        ("s3:GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
        ("s3:GetBucketEncryption", "s3:GetEncryptionConfiguration"),
        (
            "s3:GetBucketNotificationConfiguration",
            "s3:GetBucketNotification",
        ),
    ];

    /// Each `calls.run("svc:Action", region, subject, client.operation()...)`: the action
    /// named, and the action of the operation called.
    fn calls_in_sources() -> Vec<(String, String)> {
        let pattern = regex::Regex::new(
            r#"\.run\(\s*"([a-z0-9]+):([A-Za-z]+)",\s*[^,]+,\s*"[^"]+",\s*([a-z0-9]+)\s*\.\s*([a-z_]+)\(\)"#,
        )
        .unwrap();
        let mut found = Vec::new();
        for source in SOURCES {
            for capture in pattern.captures_iter(source) {
                let named = format!("{}:{}", &capture[1], &capture[2]);
                let operation: String = capture[4]
                    .split('_')
                    .map(|word| {
                        let mut chars = word.chars();
                        chars.next().map_or_else(String::new, |first| {
                            first.to_ascii_uppercase().to_string() + chars.as_str()
                        })
                    })
                    .collect();
                let service = if &capture[3] == "s3control" {
                    "s3control"
                } else {
                    &capture[1]
                };
                let mut called = format!("{service}:{operation}");
                if let Some((_, action)) = RENAMED.iter().find(|(op, _)| *op == called) {
                    called = action.to_string();
                }
                // API Gateway authorizes its management API by HTTP method.
                if &capture[1] == "apigateway" && operation.starts_with("Get") {
                    called = "apigateway:GET".to_string();
                }
                found.push((named, called));
            }
        }
        found
    }

    #[test]
    fn every_call_names_the_action_of_its_operation() {
        let calls = calls_in_sources();
        let runs: usize = SOURCES.iter().map(|s| s.matches(".run(").count()).sum();
        assert_eq!(calls.len(), runs, "a call the pattern does not read");
        for (named, called) in &calls {
            assert_eq!(named, called, "the call names another action");
        }
    }

    #[test]
    fn the_printed_policy_is_exactly_the_actions_called() {
        let called: BTreeSet<String> = calls_in_sources().into_iter().map(|(a, _)| a).collect();
        let printed: BTreeSet<String> = ACTIONS.iter().map(|a| a.to_string()).collect();
        assert_eq!(called, printed);
        let mut sorted = ACTIONS.to_vec();
        sorted.sort();
        assert_eq!(sorted, ACTIONS, "keep ACTIONS sorted");
    }

    #[test]
    fn every_action_is_read_or_list() {
        for action in ACTIONS {
            let (_, name) = action.split_once(':').unwrap();
            // API Gateway's management API is authorized by HTTP method: GET only reads.
            assert!(
                ["Get", "List", "Describe"]
                    .iter()
                    .any(|verb| name.starts_with(verb))
                    || *action == "apigateway:GET",
                "{action} is not read-only"
            );
        }
    }
}
