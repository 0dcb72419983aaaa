use warden_iac::policy::wildcard_match;
use warden_iac::RoleBinding;
use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::privilege::{self, Grant};
use crate::rules::{CodeRule, FindingExt, Reporter};

declare_rule! {
    /// ## What it does
    /// Compares what a function's role grants with the AWS SDK calls its code makes (boto3
    /// clients and resources, the JavaScript SDK v2 and v3, the DynamoDB document clients),
    /// with the targets resolved through the environment variables the template sets
    /// (`TABLE_NAME: !Ref OrdersTable`). It flags each policy statement that grants actions
    /// the code never calls, or wildcards where the code needs a few actions, and gives the
    /// smaller policy the code needs (`warden policy FUNCTION` prints it whole).
    ///
    /// It judges only when it has read everything: the role and all its policies are in the
    /// stack, every file of the handler's code was analysed, every SDK call's service and
    /// operation is known, the function has no layers, and no library that calls AWS for the
    /// code (Powertools parameters, Middy's SSM middleware, QLDB drivers, SigV4 signers) is
    /// imported. Permissions that Lambda itself uses (logs, X-Ray, VPC interfaces, reading
    /// its queue or stream, its dead-letter queue and destinations, KMS, mounted file
    /// systems), that services use on the caller's behalf (`iam:PassRole`, S3 reads by
    /// Transcribe or Athena), and that database drivers or signed HTTP requests use
    /// (`rds-db:connect`, `appsync:GraphQL`, `execute-api:Invoke`) are never counted as
    /// unused. A role shared by several functions is judged on what all of them call.
    ///
    /// ## Why is this bad?
    /// Every unused permission is something an attacker who gets code execution in the
    /// function (through an injection, a dependency) can use: a function that only writes
    /// orders should not be able to scan or delete them.
    ///
    /// ## Example
    /// ```yaml
    /// Policies:
    ///   - DynamoDBCrudPolicy: { TableName: !Ref OrdersTable }   # the code calls only PutItem
    /// ```
    ///
    /// ## Fix
    /// Replace the statement with the actions and resources the code needs (`warden policy
    /// FUNCTION` prints them as SAM `Policies`, a CloudFormation `PolicyDocument` or a
    /// Terraform `aws_iam_policy_document`), e.g. `DynamoDBWritePolicy` or an explicit
    /// `dynamodb:PutItem` on the table.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
    pub struct RoleGrantsMoreThanCodeUses {
        code: "WD030",
        name: "role-grants-more-than-code-uses",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["python", "javascript", "typescript"],
        help: "Grant only the actions and resources the code calls; `warden policy FUNCTION` prints the least-privilege policy.",
    }
}

/// Actions Lambda uses with the function's role on its own behalf (or that encrypted
/// resources need implicitly): never "unused".
fn service_owned(action: &str, context: &Context<'_>) -> bool {
    let lower = action.to_ascii_lowercase();
    let (service, name) = lower.split_once(':').unwrap_or((lower.as_str(), ""));
    if matches!(
        service,
        "logs" | "xray" | "kms" | "elasticfilesystem" | "cloudwatch"
    ) {
        return true;
    }
    // Database drivers, file-system mounts and SigV4-signed HTTP requests use these
    // without an SDK call Warden could see.
    if matches!(
        service,
        "rds-db" | "neptune-db" | "cassandra" | "s3files" | "aoss"
    ) || (service == "dsql" && name.starts_with("dbconnect"))
        || (service == "qldb" && (name == "sendcommand" || name.starts_with("partiql")))
        || (matches!(service, "memorydb" | "elasticache") && name == "connect")
        || (service == "es" && name.starts_with("eshttp"))
        || (service == "appsync" && name == "graphql")
        || (service == "execute-api" && name == "invoke")
        || (service == "lambda" && name == "invokefunctionurl")
    {
        return true;
    }
    // An event source mapping that authenticates to its source (DocumentDB, Amazon MQ,
    // self-managed Kafka) reads the secret with the function's role.
    if service == "secretsmanager"
        && context.template.resources.iter().any(|r| {
            r.resource_type == "AWS::Lambda::EventSourceMapping"
                && r.prop("SourceAccessConfigurations").is_some()
                && r.prop("FunctionName")
                    .is_some_and(|f| warden_iac::analysis::refers_to(f, &context.function.id))
        })
    {
        return true;
    }
    // Passing a role to a service (`RoleArn=` parameters) needs `iam:PassRole` without a
    // call of its own.
    if lower == "iam:passrole" {
        return true;
    }
    // Services that act with the caller's permissions (forward access sessions): Transcribe,
    // Textract, Rekognition, Comprehend and Polly read and write S3 objects, Athena reads S3
    // and the Glue catalog, the RDS and Redshift Data APIs read the database secret.
    let forwarded = |services: &[&str]| {
        context
            .privilege
            .calls
            .iter()
            .any(|call| services.contains(&call.service.as_str()))
    };
    if matches!(service, "s3" | "glue" | "lakeformation")
        && forwarded(&[
            "transcribe",
            "textract",
            "rekognition",
            "comprehend",
            "polly",
            "athena",
            "bedrock-runtime",
            "bedrock-agent-runtime",
            "firehose",
            "glue",
        ])
    {
        return true;
    }
    if matches!(service, "secretsmanager") && forwarded(&["rds-data", "redshift-data"]) {
        return true;
    }
    if service == "ec2"
        && (name.contains("networkinterface")
            || name.starts_with("describe")
            || name.contains("privateipaddress"))
    {
        return true;
    }
    let polls = context.info.triggers.iter().any(|t| t.kind.is_poll_based())
        || context.template.resources.iter().any(|r| {
            r.resource_type == "AWS::Lambda::EventSourceMapping"
                && r.prop("FunctionName")
                    .is_some_and(|f| warden_iac::analysis::refers_to(f, &context.function.id))
        });
    // Reading a stream or a queue is what an event source mapping does with the role; the
    // mapping may be created outside the template, so these are never "unused".
    if matches!(
        lower.as_str(),
        "dynamodb:getrecords"
            | "dynamodb:getsharditerator"
            | "dynamodb:describestream"
            | "dynamodb:liststreams"
            | "kinesis:getrecords"
            | "kinesis:getsharditerator"
            | "kinesis:describestream"
            | "kinesis:describestreamsummary"
            | "kinesis:liststreams"
            | "kinesis:listshards"
            | "kinesis:subscribetoshard"
            | "sqs:receivemessage"
            | "sqs:deletemessage"
            | "sqs:getqueueattributes"
            | "sqs:changemessagevisibility"
    ) {
        return true;
    }
    // A DocumentDB event source describes the cluster with the function's role.
    if polls && service == "rds" && name.starts_with("describe") {
        return true;
    }
    // A mounted file system (EFS, S3 Files) reads and writes with the function's role.
    if context.function.prop("FileSystemConfigs").is_some()
        && (matches!(service, "s3files" | "elasticfilesystem")
            || (service == "s3"
                && (name.starts_with("get")
                    || name.starts_with("list")
                    || name.starts_with("put"))))
    {
        return true;
    }
    if polls
        && matches!(
            service,
            "sqs" | "kinesis" | "dynamodb" | "kafka" | "kafka-cluster" | "mq" | "secretsmanager"
        )
        && (name.starts_with("receive")
            || name.starts_with("delete")
            || name.starts_with("get")
            || name.starts_with("describe")
            || name.starts_with("list")
            || name.starts_with("changemessage")
            || name.starts_with("subscribe")
            || name == "*")
    {
        return true;
    }
    let function = context.function;
    let destinations = function.prop("DeadLetterConfig").is_some()
        || context.info.event_invoke_config.is_some()
        || context.template.resources.iter().any(|r| {
            r.resource_type == "AWS::Lambda::EventSourceMapping"
                && r.prop("DestinationConfig").is_some()
        });
    destinations
        && [
            "sqs:sendmessage",
            "sns:publish",
            "lambda:invokefunction",
            "events:putevents",
            "s3:putobject",
        ]
        .iter()
        .any(|action| wildcard_match(&lower, action))
}

impl CodeRule for RoleGrantsMoreThanCodeUses {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        let privilege = context.privilege;
        if !privilege.not_judged.is_empty() {
            return;
        }
        // A permissions boundary may already take away what the role grants.
        if let RoleBinding::Resource(role) = context.info.role {
            if context.template.resources[role]
                .prop("PermissionsBoundary")
                .is_some()
            {
                return;
            }
        }
        let RoleBinding::Resource(role) = context.info.role else {
            return;
        };
        if privilege::role_readable(context.template, context.info, context.plugins).is_err() {
            return;
        }
        let Some(calls) = &context.role_calls else {
            return;
        };
        if !context.role_reporter {
            return;
        }
        let role_name = &context.template.resources[role].id;
        let users = if context.role_functions.len() > 1 {
            format!(
                "shared by {}",
                context
                    .role_functions
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("of `{}`", context.function_name)
        };
        let statements = &context.info.permissions.statements;
        let all_known_targets = calls
            .iter()
            .all(|call| matches!(call.resolved, privilege::Resolved::Resource(_)));
        for statement in statements.iter().filter(|s| s.allow && !s.not_action) {
            let mut extra: Vec<String> = Vec::new();
            let mut used: Vec<String> = Vec::new();
            for (pattern, _) in statement.action_names() {
                if service_owned(pattern, context) || pattern == "*" && statement.not_resource {
                    continue;
                }
                let lower = pattern.to_ascii_lowercase();
                let single = std::slice::from_ref(statement);
                let uses: Vec<&str> = calls
                    .iter()
                    .flat_map(|call| call.actions.iter().map(move |a| (call, a)))
                    .filter(|(call, action)| {
                        wildcard_match(&lower, &action.to_ascii_lowercase())
                            && privilege::grant(
                                context.template,
                                single,
                                action,
                                &call.resolved,
                                call.target.as_ref(),
                                &call.service,
                            ) != Grant::No
                    })
                    .map(|(_, action)| action.as_str())
                    .collect();
                if uses.is_empty() {
                    extra.push(format!("`{pattern}`"));
                } else {
                    for action in uses {
                        if !used.iter().any(|u| u == action) {
                            used.push(action.to_string());
                        }
                    }
                    if pattern.contains('*') {
                        extra.push(format!("`{pattern}`"));
                    }
                }
            }
            let star_resource = statement.has_star_resource()
                && !used.is_empty()
                && all_known_targets
                && !calls.is_empty()
                && used.iter().all(|a| {
                    !warden_iac::iam::action(a).is_some_and(|action| action.needs_star_resource())
                });
            if extra.is_empty() && !star_resource {
                continue;
            }
            used.sort();
            let needs = if used.is_empty() {
                "the code calls none of them".to_string()
            } else {
                format!(
                    "the code needs only {}",
                    used.iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let shown: Vec<String> = extra.iter().take(8).cloned().collect();
            let more = if extra.len() > 8 {
                format!(" and {} more", extra.len() - 8)
            } else {
                String::new()
            };
            let message = if extra.is_empty() {
                format!(
                    "the role `{role_name}` {users} grants {} on every resource (`*`) in `{}`; the code calls them only on resources of the stack",
                    used.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                    statement.origin
                )
            } else {
                format!(
                    "the role `{role_name}` {users} grants {}{more} in `{}`; {needs}",
                    shown.join(", "),
                    statement.origin
                )
            };
            out.report(statement.span, message).help(format!(
                "Grant only what the code calls; `warden policy {}` prints the least-privilege policy.",
                context.function_name
            ));
        }
    }
}
