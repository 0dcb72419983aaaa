use warden_iac::Template;

use super::deployment;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Serverless Framework services that deploy without a CloudFormation service role
    /// (`provider.iam.deploymentRole`, `provider.cfnRole` in older versions).
    ///
    /// ## Why is this bad?
    /// Without a service role, CloudFormation acts with the credentials of whoever runs
    /// `serverless deploy`, usually a CI user or a developer with broad rights. A service role
    /// lets those credentials be limited to starting a deployment, while what the stack may
    /// create is bounded by the role, so a compromised pipeline or a malicious change to the
    /// template cannot reach beyond it.
    ///
    /// ## Example
    /// ```yaml
    /// provider:
    ///   name: aws
    ///   runtime: nodejs22.x
    /// ```
    ///
    /// ## Fix
    /// Create a role CloudFormation can assume with only what the service needs, and set
    /// `provider.iam.deploymentRole: arn:aws:iam::<account>:role/<role>`.
    ///
    /// ## References
    /// - <https://www.serverless.com/framework/docs/providers/aws/guide/iam#cloudformation-service-role>
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html>
    /// - Serverless safeguards `require-cfn-role`
    pub struct CloudformationServiceRoleMissing {
        code: "WD902",
        name: "cloudformation-service-role-missing",
        risk: OverPrivileged,
        severity: Low,
        formats: ["serverless"],
        profile: WellArchitected,
        help: "Set `provider.iam.deploymentRole` to a CloudFormation service role limited to what the service deploys.",
    }
}

impl Rule for CloudformationServiceRoleMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let Some(deployment) = deployment(template) else {
            return;
        };
        if deployment.prop("DeploymentRole").is_none() {
            checker.report(
                deployment,
                deployment.span,
                "the service deploys without a CloudFormation service role: CloudFormation acts with the deployer's own credentials",
            );
        }
    }
}
