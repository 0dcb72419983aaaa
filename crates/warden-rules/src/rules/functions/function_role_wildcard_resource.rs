use warden_diagnostics::Span;
use warden_iac::iam;
use warden_iac::policy::{wildcard_match, Statement};
use warden_iac::{Node, Template, TriggerKind, Value};

use super::common::{code_list, is_service_wildcard, reported_as_admin, role_groups};
use crate::conditions::narrows_target;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// AWS managed policies a function role legitimately carries, whose statements use `*`
/// by design (logs, VPC network interfaces, X-Ray, durable execution checkpoints, and the
/// policies Lambda's event source mappings need, which SAM attaches by itself for SQS,
/// Kinesis, DynamoDB and MSK events).
const EXEMPT_MANAGED: &[&str] = &[
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaMSKExecutionRole",
    "AWSLambdaBasicDurableExecutionRolePolicy",
];

/// What `AWSLambdaBasicExecutionRole` itself grants on `*`: writing the function's logs.
const LOG_ACTIONS: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// Network-interface actions Lambda needs on `*` to attach a function to a VPC.
const VPC_ACTIONS: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DetachNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

declare_rule! {
    /// ## What it does
    /// Flags Lambda execution roles that allow scopable actions on `Resource: "*"`, or on a
    /// pattern as broad as `*` for the action's resources (`table/*`, `arn:aws:s3:::*`,
    /// `function:*`, `secret:*`; SAM's `DynamoDBCrudPolicy: {TableName: '*'}`). Scopable
    /// actions are those that support resource-level permissions (`s3:GetObject`,
    /// `dynamodb:PutItem`, `sqs:SendMessage` ...), according to a table of every IAM action
    /// generated from the AWS Service Authorization Reference; an action the table does not
    /// know is not reported. Actions that only accept `*` (`xray:PutTraceSegments`,
    /// `rekognition:DetectLabels`, `translate:TranslateText` ...), the log actions
    /// `AWSLambdaBasicExecutionRole` grants on `*`, Lambda's VPC network-interface actions for
    /// VPC functions and functions fed by Amazon MQ or Kafka, the statements of the AWS managed
    /// basic (durable included), VPC and X-Ray execution policies and of the event-source
    /// ones SAM attaches for SQS, Kinesis, DynamoDB and MSK events, and statements whose condition narrows the target (`aws:ResourceTag/...`,
    /// `aws:ResourceAccount` ...) are not reported. `*` and `service:*` actions are left to
    /// `function-role-with-admin-access` and `function-role-with-service-wildcard`. A role
    /// shared by several functions is reported once per statement.
    ///
    /// ## Why is this bad?
    /// `Resource: "*"` extends the permission to every bucket, table, queue or key in the
    /// account, including those of other applications: an attacker who controls the function
    /// can read or change all of them.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: [s3:GetObject, s3:PutObject]
    ///   Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Name the resources: `!Sub "${Bucket.Arn}/*"`, `!GetAtt Table.Arn`, or use SAM policy
    /// templates, which take the resource as a parameter.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
    /// - cfn_nag W11/W12/W13; checkov CKV_AWS_111/107/108/109; sls-mentor `noIAMRolePolicyWithWildcardResource`
    pub struct FunctionRoleWildcardResource {
        code: "WD115",
        name: "function-role-wildcard-resource",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Scope the statement to the ARNs of the resources the function uses.",
    }
}

impl Rule for FunctionRoleWildcardResource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for group in role_groups(template) {
            let info = group.info();
            // Lambda creates network interfaces with the execution role for a VPC function,
            // and for event sources inside a VPC (Amazon MQ, Kafka): AWS documents these
            // actions on `*`.
            let in_vpc = group.functions.iter().all(|info| {
                info.resource(template).prop("VpcConfig").is_some()
                    || info
                        .triggers
                        .iter()
                        .any(|trigger| matches!(trigger.kind, TriggerKind::Mq | TriggerKind::Kafka))
            });
            for statement in &info.permissions.statements {
                if !statement.allow || statement.not_action || statement.not_resource {
                    continue;
                }
                let exempt_managed =
                    EXEMPT_MANAGED.contains(&statement.origin.as_str())
                        && info.permissions.managed.iter().any(|(name, span)| {
                            *name == statement.origin && *span == statement.span
                        });
                if exempt_managed
                    || reported_as_admin(info, statement)
                    || narrows_target(statement.condition.as_ref())
                {
                    continue;
                }
                let candidates: Vec<&str> = statement
                    .action_names()
                    .map(|(name, _)| name)
                    .filter(|name| !is_service_wildcard(name))
                    .filter(|name| !LOG_ACTIONS.iter().any(|log| log.eq_ignore_ascii_case(name)))
                    .filter(|name| {
                        !(in_vpc && VPC_ACTIONS.iter().any(|vpc| vpc.eq_ignore_ascii_case(name)))
                    })
                    .collect();
                if let Some((span, actions)) = on_star(statement, &candidates) {
                    let message = format!(
                        "{} allows {} on `Resource: \"*\"` (policy `{}`): scope it to the resources the function uses",
                        group.subject(template),
                        code_list(&actions),
                        statement.origin
                    );
                    group.report(template, checker, span, message);
                    continue;
                }
                // One statement, one cause: its broad patterns are one finding.
                let broad = broad_patterns(statement, &candidates);
                let Some((first, _, _, _)) = broad.first() else {
                    continue;
                };
                let mut actions: Vec<&str> = Vec::new();
                let mut patterns: Vec<String> = Vec::new();
                let mut kinds: Vec<String> = Vec::new();
                for (_, pattern, kind, granted) in &broad {
                    patterns.push(format!("`{pattern}`"));
                    let kind = kind.to_ascii_lowercase();
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                    for action in granted {
                        if !actions.contains(action) {
                            actions.push(action);
                        }
                    }
                }
                let message = format!(
                    "{} allows {} on {}, every {} in the account (policy `{}`): scope it to the resources the function uses",
                    group.subject(template),
                    code_list(&actions),
                    patterns.join(", "),
                    kinds.join(" and every "),
                    statement.origin
                );
                let finding = group.report(template, checker, first.span, message);
                for (node, pattern, _, _) in &broad[1..] {
                    crate::add_related(finding, node.span, format!("`{pattern}`"));
                }
            }
        }
    }
}

/// The scopable actions a `Resource: "*"` statement grants, with the span of the `*`.
fn on_star<'s>(statement: &'s Statement, candidates: &[&'s str]) -> Option<(Span, Vec<&'s str>)> {
    if !statement.has_star_resource() {
        return None;
    }
    let actions: Vec<&str> = candidates
        .iter()
        .copied()
        .filter(|name| supports_resource_level(name))
        .collect();
    if actions.is_empty() {
        return None;
    }
    let span = statement
        .resource_names()
        .find(|(name, _)| *name == "*")
        .map_or(statement.span, |(_, node)| node.span);
    Some((span, actions))
}

/// True when `action` can be scoped to resources; for a pattern (`s3:Get*`), when most of
/// the actions it matches can (`ec2:Describe*` matches mostly `*`-only calls). Actions the
/// table does not know are not judged.
fn supports_resource_level(action: &str) -> bool {
    let matched = iam::table().matching(action);
    let scopable = matched
        .iter()
        .filter(|action| action.can_be_scoped())
        .count();
    scopable > 0 && scopable * 2 > matched.len()
}

/// Resource patterns of the statement that cover every resource of a type one of the
/// statement's scopable actions works on: the pattern, the type, and those actions.
fn broad_patterns<'s>(
    statement: &'s Statement,
    candidates: &[&'s str],
) -> Vec<(&'s Node, String, &'static str, Vec<&'s str>)> {
    let mut out = Vec::new();
    for node in &statement.resources {
        let text = match &node.value {
            Value::String(text) => text.as_str(),
            Value::Unknown {
                partial: Some(partial),
                ..
            } => partial.as_str(),
            _ => continue,
        };
        if text == "*" {
            continue;
        }
        let mut kind = None;
        let mut actions = Vec::new();
        for name in candidates {
            let covered = iam::table().matching(name).into_iter().find_map(|action| {
                if !action.can_be_scoped() {
                    return None;
                }
                // The plainest type first: `object` rather than `accesspointobject`.
                let mut types: Vec<&(&'static str, bool)> = action.resource_types.iter().collect();
                types.sort_by_key(|(name, required)| (!required, name.len()));
                types.into_iter().find_map(|(resource_type, _)| {
                    let format = iam::table().resource_arn(action.service, resource_type)?;
                    covers_every(text, format).then_some(*resource_type)
                })
            });
            if let Some(resource_type) = covered {
                kind.get_or_insert(resource_type);
                actions.push(*name);
            }
        }
        if let Some(kind) = kind {
            out.push((node, text.to_string(), kind, actions));
        }
    }
    out
}

/// True when the resource pattern matches every resource of the ARN `format`: its service
/// matches and its resource part matches any name. Region and account may be anything (the
/// stack's own, a wildcard); a pattern with an unknown part in its resource names a
/// resource Warden cannot see and does not count.
fn covers_every(pattern: &str, format: &str) -> bool {
    let pattern_parts = arn_parts(pattern);
    let format_parts = arn_parts(format);
    if pattern_parts.len() != 6 || format_parts.len() != 6 || pattern_parts[0] != "arn" {
        return false;
    }
    let service = pattern_parts[2].to_ascii_lowercase();
    if !wildcard_match(&service, &format_parts[2].to_ascii_lowercase()) {
        return false;
    }
    let resource = pattern_parts[5];
    if resource.contains("${") {
        return false;
    }
    ["wardenprobe", "zz9-other.name"].iter().all(|name| {
        let sample = fill_variables(format_parts[5], name);
        wildcard_match(resource, &sample)
    })
}

/// The six colon-separated parts of an ARN (the last keeps its colons); colons inside
/// `${...}` placeholders (`${AWS::Region}`) do not separate.
fn arn_parts(text: &str) -> Vec<&str> {
    let mut parts = Vec::with_capacity(6);
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = text.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'{' if index > 0 && bytes[index - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 && parts.len() < 5 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Replaces every `${Variable}` of an ARN format with `name`.
fn fill_variables(format: &str, name: &str) -> String {
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str(name);
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_level_support() {
        assert!(supports_resource_level("s3:GetObject"));
        assert!(supports_resource_level("s3:Get*"));
        assert!(!supports_resource_level("xray:PutTraceSegments"));
        assert!(!supports_resource_level("ec2:Describe*"));
        assert!(!supports_resource_level("translate:TranslateText"));
        assert!(!supports_resource_level("rekognition:DetectLabels"));
        // Unknown to the table: not judged.
        assert!(!supports_resource_level("newservice:DoThing"));
    }

    #[test]
    fn patterns_as_broad_as_star() {
        let table = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}";
        assert!(covers_every("arn:aws:dynamodb:*:*:table/*", table));
        assert!(covers_every(
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*",
            table
        ));
        assert!(!covers_every("arn:aws:dynamodb:*:*:table/Orders", table));
        assert!(!covers_every("arn:aws:dynamodb:*:*:table/${Table}", table));
        assert!(!covers_every("arn:aws:dynamodb:*:*:table/Orders*", table));
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        assert!(covers_every("arn:aws:s3:::*", object));
        assert!(covers_every("arn:aws:s3:::*/*", object));
        assert!(!covers_every("arn:aws:s3:::my-bucket/*", object));
        let function = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}";
        assert!(covers_every(
            "arn:aws:lambda:us-east-1:123456789012:function:*",
            function
        ));
        assert!(!covers_every("arn:aws:sqs:*:*:*", function));
    }
}
