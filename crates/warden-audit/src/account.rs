//! Settings of the account as a whole: S3 Block Public Access at account level (S3 Control),
//! which S3 applies on top of every bucket's own configuration.

use serde_json::json;

use crate::calls::{Answer, Calls};
use crate::client::Clients;
use crate::LiveResource;

/// The resource type of account-level Block Public Access in the model. CloudFormation has
/// no such type (Terraform's is `aws_s3_account_public_access_block`); the storage rules read
/// it when they judge a bucket's effective Block Public Access.
pub const ACCOUNT_PUBLIC_ACCESS_BLOCK: &str = "AWS::S3::AccountPublicAccessBlock";

const FLAGS: [&str; 4] = [
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
];

pub(crate) async fn read_account_settings(
    clients: &Clients,
    home_region: &str,
    calls: &Calls,
) -> Vec<LiveResource> {
    let sts = clients.sts(home_region);
    let identity = calls
        .run(
            "sts:GetCallerIdentity",
            "global",
            "accounts",
            sts.get_caller_identity().send(),
        )
        .await;
    let Some(account_id) = identity
        .found()
        .and_then(|identity| identity.account().map(str::to_string))
    else {
        return Vec::new();
    };
    let s3control = clients.s3control(home_region);
    let block = calls
        .run(
            "s3:GetAccountPublicAccessBlock",
            "global",
            "accounts",
            s3control
                .get_public_access_block()
                .account_id(&account_id)
                .send(),
        )
        .await;
    let flags: [Option<bool>; 4] = match &block {
        Answer::Found(answer) => {
            let config = answer.public_access_block_configuration();
            [
                config.and_then(|c| c.block_public_acls()),
                config.and_then(|c| c.block_public_policy()),
                config.and_then(|c| c.ignore_public_acls()),
                config.and_then(|c| c.restrict_public_buckets()),
            ]
        }
        // Never configured: nothing is blocked at account level.
        Answer::Absent => [Some(false); 4],
        Answer::Failed => return Vec::new(),
    };
    let mut configuration = serde_json::Map::new();
    for (flag, value) in FLAGS.iter().zip(flags) {
        configuration.insert((*flag).to_string(), json!(value.unwrap_or(false)));
    }
    vec![LiveResource {
        name: format!("account-{account_id}-public-access-block"),
        resource_type: ACCOUNT_PUBLIC_ACCESS_BLOCK,
        arn: format!("arn:aws:s3:::account/{account_id}#public-access-block"),
        region: "global".to_string(),
        stack: None,
        parent: None,
        properties: json!({
            "AccountId": account_id,
            "PublicAccessBlockConfiguration": configuration,
        }),
    }]
}
