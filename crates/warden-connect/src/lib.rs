//! `warden connect`: the stack that connects an AWS account's Lambda logs to a Warden server.
//!
//! CloudWatch Logs → (subscription) → Amazon Data Firehose → (HTTP endpoint) → Warden's
//! `/ingest/firehose`. The stack is generated from reviewed text templates
//! (`templates/cloudformation/`, `templates/terraform/`): the values filled in are checked
//! here first (an `https` URL, CloudWatch log group names, a short resource name), so the
//! output is always a well-formed template. Both formats create the same resources:
//!
//! - the Firehose stream with its HTTP endpoint destination: the ingest key read from a
//!   Secrets Manager secret the user names (never inline), GZIP request bodies, a retry
//!   duration, failed deliveries backed up to S3 and errors logged to a log group;
//! - the backup bucket: private, encrypted, versioned, TLS-only, expiring;
//! - the role Firehose uses and the role CloudWatch Logs uses to put records into Firehose;
//! - the subscription: an account-level subscription filter policy (every log group of the
//!   region, new functions included, minus exclusions) or one subscription filter per named
//!   log group;
//! - optionally, the read-only role `warden audit` assumes, with an external id.

mod render;
mod validate;

pub use validate::{Endpoint, LogGroupName, StackName};

use std::fmt;

/// Which log groups the stack subscribes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscription {
    /// An account-level subscription filter policy: every log group of the region except
    /// these (and the stream's own error log group, always excluded).
    Account { exclude: Vec<LogGroupName> },
    /// One subscription filter per log group, and nothing else.
    LogGroups(Vec<LogGroupName>),
}

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    CloudFormation,
    Terraform,
}

/// What `warden connect` generates.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Warden's Firehose endpoint (`https://HOST/ingest/firehose`).
    pub endpoint: Endpoint,
    /// Names the stream, the account policy and the subscription filters; prefixes roles
    /// and the bucket.
    pub name: StackName,
    pub subscription: Subscription,
    /// Adds the read-only role for `warden audit`.
    pub audit_role: bool,
}

/// How long Firehose retries a delivery Warden does not accept before it backs the records
/// up to S3: an hour of server downtime loses nothing.
pub const RETRY_SECONDS: u32 = 3600;
/// How long the backup bucket keeps failed deliveries.
pub const BACKUP_DAYS: u32 = 30;
/// CloudWatch Logs' limit on an account policy's `selectionCriteria`, in bytes.
const SELECTION_CRITERIA_MAX_BYTES: usize = 25 * 1024;

/// Every IAM action `warden audit` calls, sorted: the audit role grants exactly these.
/// `warden audit --print-policy` prints the same list (`crates/warden/tests/connect_cli.rs`
/// keeps the two equal; this crate does not depend on the SDK that `warden-audit` does).
pub const AUDIT_ACTIONS: &[&str] = &[
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

/// Why options cannot make a stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectError {
    /// The endpoint is not a URL Firehose can deliver to.
    Endpoint { value: String, reason: String },
    /// Not a CloudWatch Logs log group name.
    LogGroup { value: String, reason: String },
    /// Not a usable stack name.
    Name { value: String, reason: String },
    /// `--log-groups` with nothing in it, a duplicate, or too many exclusions.
    Subscription(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Endpoint { value, reason } => {
                write!(f, "endpoint `{value}`: {reason}")
            }
            ConnectError::LogGroup { value, reason } => {
                write!(f, "log group `{value}`: {reason}")
            }
            ConnectError::Name { value, reason } => write!(f, "name `{value}`: {reason}"),
            ConnectError::Subscription(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for ConnectError {}

impl ConnectOptions {
    /// Checks what only the combination can get wrong: an explicit list that is empty or
    /// repeats a group, exclusions that overflow the account policy's selection criteria.
    pub fn validate(&self) -> Result<(), ConnectError> {
        match &self.subscription {
            Subscription::LogGroups(groups) => {
                if groups.is_empty() {
                    return Err(ConnectError::Subscription(
                        "no log group to subscribe: name at least one, or leave out --log-groups for the account-level policy".into(),
                    ));
                }
                if let Some(repeated) = first_repeated(groups) {
                    return Err(ConnectError::Subscription(format!(
                        "log group `{repeated}` is listed twice"
                    )));
                }
            }
            Subscription::Account { exclude } => {
                if let Some(repeated) = first_repeated(exclude) {
                    return Err(ConnectError::Subscription(format!(
                        "log group `{repeated}` is excluded twice"
                    )));
                }
                let criteria = self.selection_criteria(exclude);
                if criteria.len() > SELECTION_CRITERIA_MAX_BYTES {
                    return Err(ConnectError::Subscription(format!(
                        "the exclusions make a selection criteria of {} bytes; CloudWatch Logs accepts at most {SELECTION_CRITERIA_MAX_BYTES}",
                        criteria.len()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The log group Firehose writes its delivery errors to.
    pub fn error_log_group(&self) -> String {
        format!("/aws/kinesisfirehose/{}", self.name)
    }

    /// `LogGroupName NOT IN ["…", …]`, always excluding the stream's own error log group.
    fn selection_criteria(&self, exclude: &[LogGroupName]) -> String {
        let mut names = vec![format!("\"{}\"", self.error_log_group())];
        names.extend(exclude.iter().map(|group| format!("\"{group}\"")));
        format!("LogGroupName NOT IN [{}]", names.join(", "))
    }
}

fn first_repeated(groups: &[LogGroupName]) -> Option<&LogGroupName> {
    groups
        .iter()
        .enumerate()
        .find(|(index, group)| groups[..*index].contains(group))
        .map(|(_, group)| group)
}

/// The stack in `format`.
pub fn generate(options: &ConnectOptions, format: Format) -> Result<String, ConnectError> {
    options.validate()?;
    Ok(match format {
        Format::CloudFormation => render::cloudformation(options),
        Format::Terraform => render::terraform(options),
    })
}
