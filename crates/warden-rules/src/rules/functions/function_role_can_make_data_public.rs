use warden_iac::analysis::refers_to;
use warden_iac::policy::Statement;
use warden_iac::{Resource, Template};

use super::common::{
    code_list, granted_entries, is_service_wildcard, reported_as_admin, role_groups,
};
use crate::rules::storage::common::{acls_enabled, public_access_flag};
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Actions that remove S3's safety nets: Block Public Access and ACLs-off.
const SAFETY_NET_ACTIONS: &[&str] = &[
    "s3:PutBucketPublicAccessBlock",
    "s3:PutAccountPublicAccessBlock",
    "s3:PutBucketOwnershipControls",
];

/// Actions that grant access through ACLs: effective where ACLs are on and public ones are
/// not ignored.
const ACL_ACTIONS: &[&str] = &[
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:PutBucketAcl",
];

/// Actions that grant access through the bucket policy: effective where Block Public Access
/// lets a public policy through.
const POLICY_ACTIONS: &[&str] = &["s3:PutBucketPolicy"];

declare_rule! {
    /// ## What it does
    /// Flags Lambda execution roles that can make S3 data public:
    ///
    /// - `s3:PutBucketPublicAccessBlock`, `s3:PutAccountPublicAccessBlock` or
    ///   `s3:PutBucketOwnershipControls` on any bucket: they remove the safety nets S3 turns
    ///   on for every new bucket;
    /// - `s3:PutObjectAcl`, `s3:PutBucketAcl` (SAM's `S3FullAccessPolicy`, `S3CrudPolicy`
    ///   and `S3WritePolicy` grant `s3:PutObjectAcl`) on a bucket of the stack that enables
    ///   ACLs and lets public ones through;
    /// - `s3:PutBucketPolicy` on a bucket of the stack whose Block Public Access lets a public
    ///   policy through.
    ///
    /// On a bucket with S3's defaults (ACLs disabled, Block Public Access on) the ACL and
    /// policy actions cannot make anything public and are not reported; on a bucket outside
    /// the stack or `*` its settings are not known, and they are not judged (`*` is
    /// `function-role-wildcard-resource`'s finding). Patterns such as `s3:Put*` count.
    /// Statements whose `s3:*` or `*` is already reported by
    /// `function-role-with-service-wildcard` or `function-role-with-admin-access` are not
    /// reported again.
    ///
    /// ## Why is this bad?
    /// Code running in the function (or an attacker who controls it) can make objects or the
    /// whole bucket public, or remove the Block Public Access settings that stop it: a data
    /// leak that needs no other flaw. Functions that store data almost never need to change
    /// its access control.
    ///
    /// ## Example
    /// ```yaml
    /// Policies:
    ///   - S3FullAccessPolicy:
    ///       BucketName: !Ref Uploads
    /// ```
    ///
    /// ## Fix
    /// Grant only the object actions the function calls (`S3CrudPolicy`, or `s3:GetObject` /
    /// `s3:PutObject`), and keep ACL, policy and Block Public Access changes in the
    /// deployment pipeline.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html>
    /// - checkov CKV_AWS_355/CKV2_AWS_40 (IAM write access without constraints)
    pub struct FunctionRoleCanMakeDataPublic {
        code: "WD128",
        name: "function-role-can-make-data-public",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Remove S3 ACL, bucket policy and Block Public Access actions from the role (use `S3CrudPolicy` rather than `S3FullAccessPolicy`).",
    }
}

impl Rule for FunctionRoleCanMakeDataPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let buckets: Vec<&Resource> = template.resources_of_type("AWS::S3::Bucket").collect();
        for group in role_groups(template) {
            let info = group.info();
            for statement in &info.permissions.statements {
                if !statement.allow || statement.not_action || reported_as_admin(info, statement) {
                    continue;
                }
                let targets = targeted_buckets(statement, &buckets);
                let acl_open = targets.iter().any(|bucket| {
                    acls_enabled(bucket) == Some(true)
                        && ["BlockPublicAcls", "IgnorePublicAcls"]
                            .iter()
                            .all(|flag| public_access_flag(template, bucket, flag) == Some(false))
                });
                let policy_open = targets.iter().any(|bucket| {
                    ["BlockPublicPolicy", "RestrictPublicBuckets"]
                        .iter()
                        .all(|flag| public_access_flag(template, bucket, flag) == Some(false))
                });
                let mut actions: Vec<&str> = SAFETY_NET_ACTIONS.to_vec();
                if acl_open {
                    actions.extend(ACL_ACTIONS);
                }
                if policy_open {
                    actions.extend(POLICY_ACTIONS);
                }
                let Some((granted, node)) = granted_entries(info, statement, &actions) else {
                    continue;
                };
                // `s3:*` and `*` are the service-wildcard rule's finding.
                let granted: Vec<&str> = granted
                    .into_iter()
                    .filter(|name| !is_service_wildcard(name))
                    .collect();
                if granted.is_empty() {
                    continue;
                }
                let message = format!(
                    "{} can make S3 data public: it allows {} (policy `{}`)",
                    group.subject(template),
                    code_list(&granted),
                    statement.origin
                );
                group.report(template, checker, node.span, message);
            }
        }
    }
}

/// The buckets of the stack a statement's resources name (the bucket or its objects).
fn targeted_buckets<'t>(statement: &Statement, buckets: &[&'t Resource]) -> Vec<&'t Resource> {
    if statement.not_resource {
        return Vec::new();
    }
    buckets
        .iter()
        .copied()
        .filter(|bucket| {
            statement
                .resources
                .iter()
                .any(|node| refers_to(node, &bucket.id))
        })
        .collect()
}
