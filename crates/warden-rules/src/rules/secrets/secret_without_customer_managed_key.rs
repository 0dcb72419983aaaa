use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `AWS::SecretsManager::Secret` resources without a `KmsKeyId`, or with the AWS
    /// managed key `alias/aws/secretsmanager`: the secret is encrypted with a key the
    /// account does not control.
    ///
    /// ## Why is this bad?
    /// With the AWS managed key, any principal of the account allowed
    /// `secretsmanager:GetSecretValue` can read the secret; the key policy cannot add a
    /// second gate, cannot be shared across accounts, and key use cannot be separated from
    /// secret access in audits.
    ///
    /// ## Example
    /// ```yaml
    /// ApiKey:
    ///   Type: AWS::SecretsManager::Secret
    ///   Properties:
    ///     GenerateSecretString: {}
    /// ```
    ///
    /// ## Fix
    /// Create an `AWS::KMS::Key` with a key policy that names the principals that may
    /// decrypt, and set `KmsKeyId` to it.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html>
    /// - checkov CKV_AWS_149; cfn_nag W77; KICS `c8ae9ba9`; Trivy AVD-AWS-0098
    pub struct SecretWithoutCustomerManagedKey {
        code: "WD603",
        name: "secret-without-customer-managed-key",
        risk: InsecureSecrets,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `KmsKeyId` to a customer managed KMS key whose policy limits who may decrypt.",
    }
}

impl Rule for SecretWithoutCustomerManagedKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for secret in template.resources_of_type("AWS::SecretsManager::Secret") {
            match secret.prop("KmsKeyId") {
                None => {
                    checker.report(
                        secret,
                        secret.span,
                        format!("secret `{}` has no `KmsKeyId`: it is encrypted with the AWS managed key", secret.origin.id),
                    );
                }
                Some(key) => {
                    for key in key.alternatives() {
                        if key
                            .as_str()
                            .is_some_and(|text| text.ends_with("alias/aws/secretsmanager"))
                        {
                            checker.report(
                                secret,
                                key.span,
                                format!("secret `{}` is encrypted with the AWS managed key `alias/aws/secretsmanager`", secret.origin.id),
                            );
                        }
                    }
                }
            }
        }
    }
}
