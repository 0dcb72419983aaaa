//! `warden audit`: reads a live AWS account, read-only, into the resource model the rules
//! already run on.
//!
//! Readers (`lambda`, `iam`, `s3`, ... one module per service) turn the answers of the AWS APIs into CloudFormation
//! resources ([`LiveResource`]); [`document`] writes them as one CloudFormation document that
//! `warden-iac` loads like any template, so no rule is written twice. Each resource's text
//! becomes its own source file named by its ARN, so that a finding points at the live value;
//! [`mapping`] moves findings to the local template's lines when the resource was deployed
//! by a stack the user names, and turns the ones the template does not share into drift.
//!
//! Every call goes through [`calls::Calls`], which names its IAM action: [`policy::ACTIONS`]
//! is the read-only policy `--print-policy` prints.

pub mod account;
mod apigateway;
mod apigatewayv2;
pub mod calls;
mod client;
mod cloudtrail;
mod cloudwatch;
pub mod document;
mod dynamodb;
mod iam;
mod lambda;
mod logs;
pub mod mapping;
pub mod policy;
mod regions;
mod s3;
mod secrets;
mod sns;
mod sqs;

use std::time::Duration;

use futures::StreamExt;

pub use account::ACCOUNT_PUBLIC_ACCESS_BLOCK;
pub use client::Clients;
pub use document::LiveModel;

/// Where and as whom to read.
#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    /// Regions to read; empty: the configured default region.
    pub regions: Vec<String>,
    /// Read every region enabled for the account (`account:ListRegions`) instead.
    pub all_regions: bool,
    /// A named profile of the shared config files.
    pub profile: Option<String>,
    /// A role to assume first (with an optional external id).
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// One endpoint for every service (a local AWS API such as moto); the standard
    /// `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` variables work too.
    pub endpoint_url: Option<String>,
    /// Attempts per call, with the SDK's adaptive retry (default 3).
    pub max_attempts: Option<u32>,
    /// Calls in flight at once, across services, regions and resources (default 16).
    pub concurrency: Option<usize>,
    /// Timeout of one attempt (default 20 s).
    pub attempt_timeout: Option<Duration>,
}

/// What an audit read.
pub struct Audit {
    pub model: LiveModel,
    /// Calls that were denied or failed, one notice per action and region.
    pub notices: Vec<warden_diagnostics::Notice>,
    /// API calls made.
    pub calls: u64,
    /// Calls the services answered (found or not found): none means nothing was read.
    pub answered: u64,
    /// The IAM actions called, with how many times each.
    pub actions_called: std::collections::BTreeMap<&'static str, u64>,
    pub regions: Vec<String>,
}

/// Regions read side by side; the calls within them are bounded by `concurrency` as well.
const REGIONS_IN_FLIGHT: usize = 4;

/// Reads the account: IAM roles, S3 buckets and the account's settings once; Lambda, API
/// Gateway (REST, HTTP and WebSocket), SQS, SNS, DynamoDB, Secrets Manager, CloudWatch Logs,
/// CloudWatch alarms and CloudTrail in every region (with `all_regions`, every region
/// enabled for the account).
pub async fn read_account(options: &AuditOptions) -> anyhow::Result<Audit> {
    let mut clients = Clients::load(options).await?;
    let calls = calls::Calls::new(options.concurrency.unwrap_or(16));
    let home = clients.home_region.clone();
    let mut region_notices = Vec::new();
    if options.all_regions {
        clients.regions = match regions::enabled_regions(clients.account(&home), &calls).await {
            Some(regions) if !regions.is_empty() => regions,
            _ => {
                let mut notice = warden_diagnostics::Notice::new(
                    "live-regions-not-listed",
                    format!(
                        "--all-regions: the enabled regions could not be listed; only {home} was read"
                    ),
                );
                notice.help = Some(
                    "grant `account:ListRegions`, or name the regions with --regions".to_string(),
                );
                region_notices.push(notice);
                vec![home.clone()]
            }
        };
    }
    let clients = &clients;
    let calls = &calls;
    let regions = clients.regions.clone();
    let (roles, buckets, account_settings, regional) = tokio::join!(
        iam::read_roles(clients.iam(&home), calls),
        s3::read_buckets(clients, &home, calls),
        account::read_account_settings(clients, &home, calls),
        futures::stream::iter(regions.iter())
            .map(|region| read_region(clients, region, calls))
            .buffered(REGIONS_IN_FLIGHT)
            .collect::<Vec<_>>(),
    );
    let mut resources = Vec::new();
    resources.extend(roles);
    resources.extend(buckets);
    resources.extend(account_settings);
    for region_resources in regional {
        resources.extend(region_resources);
    }
    region_notices.extend(calls.notices());
    Ok(Audit {
        model: LiveModel::new(resources),
        notices: region_notices,
        calls: calls.count(),
        answered: calls.answered(),
        actions_called: calls.actions_called(),
        regions,
    })
}

/// The regional services of one region, read side by side.
async fn read_region(clients: &Clients, region: &str, calls: &calls::Calls) -> Vec<LiveResource> {
    let (
        functions,
        queues,
        topics,
        tables,
        secrets,
        log_groups,
        http_apis,
        rest_apis,
        alarms,
        trails,
    ) = tokio::join!(
        lambda::read_functions(clients.lambda(region), region, calls),
        sqs::read_queues(clients.sqs(region), region, calls),
        sns::read_topics(clients.sns(region), region, calls),
        dynamodb::read_tables(clients.dynamodb(region), region, calls),
        secrets::read_secrets(clients.secrets_manager(region), region, calls),
        logs::read_log_groups(clients.logs(region), region, calls),
        apigatewayv2::read_apis(clients.apigatewayv2(region), region, calls),
        apigateway::read_rest_apis(clients.apigateway(region), region, calls),
        cloudwatch::read_alarms(clients.cloudwatch(region), region, calls),
        cloudtrail::read_trails(clients.cloudtrail(region), region, calls),
    );
    [
        functions, queues, topics, tables, secrets, log_groups, http_apis, rest_apis, alarms,
        trails,
    ]
    .concat()
}

/// One resource as it is in the account, in CloudFormation's vocabulary.
#[derive(Clone, Debug)]
pub struct LiveResource {
    /// A readable, unique name in the live document (the resource's name).
    pub name: String,
    pub resource_type: &'static str,
    /// Its ARN (what a finding without a template points at).
    pub arn: String,
    /// The region it lives in, or `global` for IAM.
    pub region: String,
    /// The `aws:cloudformation:stack-name` and `aws:cloudformation:logical-id` tags.
    pub stack: Option<StackTag>,
    /// The ARN of the resource this one belongs to (a function's URL, permissions and
    /// mappings; a bucket's policy): these carry no tags, and map through their owner.
    pub parent: Option<String>,
    /// The properties, in CloudFormation's names. `{"$arn": ARN}` stands for a reference to
    /// another live resource by its ARN; the document turns it into `Ref`/`Fn::GetAtt`.
    pub properties: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackTag {
    pub stack_name: String,
    pub logical_id: String,
}

impl StackTag {
    /// From a resource's tags, when both CloudFormation tags are there.
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let mut stack_name = None;
        let mut logical_id = None;
        for (key, value) in tags {
            match key {
                "aws:cloudformation:stack-name" => stack_name = Some(value.to_string()),
                "aws:cloudformation:logical-id" => logical_id = Some(value.to_string()),
                _ => {}
            }
        }
        Some(StackTag {
            stack_name: stack_name?,
            logical_id: logical_id?,
        })
    }
}

/// A reference to another live resource by ARN, for [`LiveResource::properties`].
pub(crate) fn arn_ref(arn: &str) -> serde_json::Value {
    serde_json::json!({ "$arn": arn })
}

/// An integration's target: a reference to the function when the URI invokes one
/// (`arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations`, or the
/// function's ARN itself), else the URI as it is.
pub(crate) fn integration_target(uri: &str) -> serde_json::Value {
    let function = uri
        .split_once("/functions/")
        .and_then(|(_, rest)| rest.strip_suffix("/invocations"))
        .or_else(|| {
            uri.contains(":lambda:")
                .then_some(uri)
                .filter(|u| u.contains(":function:"))
        });
    match function {
        Some(arn) => arn_ref(arn),
        None => serde_json::json!(uri),
    }
}

/// A value the audit could not read; the document writes it as an unresolvable reference,
/// which `warden-iac` loads as unknown, so that no rule concludes from it.
pub(crate) fn unknown() -> serde_json::Value {
    serde_json::json!({ "Fn::ImportValue": "not-read-from-the-account" })
}

/// IAM and S3 answer policy documents URL-encoded (IAM) or as JSON text (S3, Lambda).
pub(crate) fn policy_json(text: &str) -> Option<serde_json::Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    let decoded = percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()?;
    serde_json::from_str(&decoded).ok()
}
