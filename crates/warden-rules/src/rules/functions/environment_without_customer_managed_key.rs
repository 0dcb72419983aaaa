use warden_diagnostics::Severity;
use warden_iac::Template;

use super::common::{environment, is_plaintext_credential, weak_secret_source};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda environment variables encrypted with the AWS managed key. These are
    /// functions with variables but no `KmsKeyArn`, which therefore use `aws/lambda`. The finding is
    /// Medium instead of Low when a variable looks like it holds a secret.
    ///
    /// ## Why is this bad?
    /// With the AWS managed key, anyone allowed to read the function configuration
    /// (`lambda:GetFunctionConfiguration`, part of many read-only policies) sees the variables
    /// in clear: you cannot restrict who may decrypt them, nor audit it separately. A customer
    /// managed key lets the key policy decide who can read them.
    ///
    /// ## Example
    /// ```yaml
    /// Worker:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Environment:
    ///       Variables:
    ///         TABLE_NAME: orders
    /// ```
    ///
    /// ## Fix
    /// Set `KmsKeyArn` to a customer managed KMS key whose key policy allows only the
    /// function's role (and administrators) to decrypt; better still, keep secrets out of the
    /// environment entirely.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html>
    /// - checkov CKV_AWS_173; KICS `a7f8ac28`; Prowler `awslambda_function_env_vars_not_encrypted_with_cmk`
    pub struct EnvironmentWithoutCustomerManagedKey {
        code: "WD103",
        name: "environment-without-customer-managed-key",
        risk: InsecureSecrets,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `KmsKeyArn` to a customer managed KMS key that only the function's role may use to decrypt.",
    }
}

impl Rule for EnvironmentWithoutCustomerManagedKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            if function.prop("KmsKeyArn").is_some() {
                continue;
            }
            let Some(variables) = environment(function) else {
                continue;
            };
            if variables.is_empty() {
                continue;
            }
            let secret = variables.iter().find(|(key, value)| {
                value.alternatives().into_iter().any(|value| {
                    weak_secret_source(template, &key.name, value).is_some()
                        || (value.parameter.is_none()
                            && value
                                .as_str()
                                .is_some_and(|text| is_plaintext_credential(&key.name, text)))
                })
            });
            let message = match secret {
                Some((key, _)) => format!(
                    "environment of `{}` (including secret-looking `{}`) is encrypted with the AWS managed key: set `KmsKeyArn`",
                    function.origin.id, key.name
                ),
                None => format!(
                    "environment of `{}` is encrypted with the AWS managed key: set `KmsKeyArn`",
                    function.origin.id
                ),
            };
            let finding = checker.report(function, function.span, message);
            if secret.is_some() {
                finding.severity = Severity::Medium;
            }
        }
    }
}
