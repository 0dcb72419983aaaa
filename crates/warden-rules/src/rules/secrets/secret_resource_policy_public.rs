use warden_iac::Template;

use crate::rules::iam::common::{policy_documents, public_allow, target_name};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Secrets Manager resource policies that allow every principal without a
    /// restricting condition. A statement counts when it allows `"*"` or `AWS: "*"` and no
    /// condition limits it to an account, organisation, network or source
    /// (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce`, `aws:SourceArn`).
    ///
    /// ## Why is this bad?
    /// A resource policy is evaluated for callers from any account. A public statement lets
    /// principals outside your organisation read or change the secret, limited only by
    /// the key policy of its KMS key.
    ///
    /// ## Example
    /// ```yaml
    /// ResourcePolicy:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: "*"
    ///       Action: secretsmanager:GetSecretValue
    ///       Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Name the accounts or roles that need the secret, or add an `aws:PrincipalOrgID`
    /// condition. Set `BlockPublicPolicy: true` so that Secrets Manager rejects such policies.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html>
    /// - Prowler `secretsmanager_not_publicly_accessible` (live accounts only; no static peer)
    pub struct SecretResourcePolicyPublic {
        code: "WD605",
        name: "secret-resource-policy-public",
        risk: InsecureSecrets,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Name the principals that need the secret or add an `aws:PrincipalOrgID` condition, and set `BlockPublicPolicy: true`.",
    }
}

impl Rule for SecretResourcePolicyPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for policy in policy_documents(template) {
            if policy.resource.resource_type != "AWS::SecretsManager::ResourcePolicy" {
                continue;
            }
            let secret = target_name(template, policy.resource.prop("SecretId"))
                .unwrap_or_else(|| policy.resource.origin.id.clone());
            for statement in policy.statements() {
                if let Some(principal) = public_allow(&statement) {
                    checker.report(
                        policy.resource,
                        principal.span,
                        format!("resource policy of secret `{secret}` allows any principal, without a restricting condition"),
                    );
                }
            }
        }
    }
}
