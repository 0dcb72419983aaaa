use warden_iac::{Node, Template, Value};

use super::deployment;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a custom Serverless Framework deployment bucket (`provider.deploymentBucket`
    /// with settings) that is not hardened: `skipPolicySetup: true`, which drops the policy
    /// that refuses plain HTTP. Encryption and Block Public Access are not asked for: S3
    /// encrypts every new object (SSE-S3) and turns Block Public Access on for every new
    /// bucket since 2023, and the Framework's bucket has both by default; a customer managed
    /// key (`serverSideEncryption: aws:kms`) is an opt-in beyond that.
    ///
    /// ## Why is this bad?
    /// The deployment bucket holds every packaged version of the service's code and its
    /// compiled templates, often with configuration baked in. A bucket that can be made public
    /// or read without TLS leaks them, and anyone who can write to it can replace the code
    /// that the next deployment ships. A bucket given only by name is an existing bucket the
    /// Framework does not manage: its settings are not in the file, so it is not reported.
    ///
    /// ## Example
    /// ```yaml
    /// provider:
    ///   name: aws
    ///   deploymentBucket:
    ///     name: acme-deployments
    ///     skipPolicySetup: true
    /// ```
    ///
    /// ## Fix
    /// Set `serverSideEncryption: aws:kms` (or `AES256`) and `blockPublicAccess: true`, and
    /// leave `skipPolicySetup` off so the Framework keeps its TLS-only bucket policy.
    ///
    /// ## References
    /// - <https://www.serverless.com/framework/docs/providers/aws/guide/serverless.yml#deployment-bucket>
    /// - Rule catalog SLF-01 (no static peer checks this)
    pub struct DeploymentBucketNotHardened {
        code: "WD901",
        name: "deployment-bucket-not-hardened",
        risk: InsecureConfiguration,
        severity: Low,
        formats: ["serverless"],
        help: "Remove `skipPolicySetup: true` from `provider.deploymentBucket`, so the Framework keeps the policy that refuses plain HTTP.",
    }
}

impl Rule for DeploymentBucketNotHardened {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let Some(deployment) = deployment(template) else {
            return;
        };
        let Some(bucket) = deployment.prop("DeploymentBucket") else {
            return;
        };
        // Only the mapping form configures the bucket; a name is an existing bucket.
        let Value::Map(settings) = &bucket.value else {
            return;
        };
        let name = settings
            .get("name")
            .map(Node::display)
            .unwrap_or_else(|| "the deployment bucket".into());
        let mut gaps = Vec::new();
        if settings.get("skipPolicySetup").and_then(Node::as_bool) == Some(true) {
            gaps.push("skips the TLS-only bucket policy (`skipPolicySetup: true`)".to_string());
        }
        if !gaps.is_empty() {
            checker.report(
                deployment,
                bucket.span,
                format!("deployment bucket `{name}` {}", gaps.join(", ")),
            );
        }
    }
}
