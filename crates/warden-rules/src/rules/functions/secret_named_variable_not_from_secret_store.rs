use warden_iac::Template;

use super::common::{environment, weak_secret_source};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags secret-named Lambda environment variables whose value does not come from a
    /// secret store. The names are those that say they hold a secret (`PASSWORD`, `SECRET`,
    /// `TOKEN`, `API_KEY`, `PRIVATE_KEY`, `CREDENTIAL` ...); the values reported are literals
    /// that are not a recognisable credential (those are `secret-in-function-environment`'s)
    /// and template parameters that are not `NoEcho` or that have a `Default`.
    ///
    /// ## Why is this bad?
    /// The value ends up in plain text in the template or its parameters, in CloudFormation's
    /// console and API (parameters without `NoEcho` are shown to anyone who can describe the
    /// stack) and in the function configuration. A `Default` puts the secret in source control.
    ///
    /// ## Example
    /// ```yaml
    /// Parameters:
    ///   DbPassword:
    ///     Type: String
    ///     Default: hunter2
    /// Resources:
    ///   Api:
    ///     Type: AWS::Serverless::Function
    ///     Properties:
    ///       Environment:
    ///         Variables:
    ///           DB_PASSWORD: !Ref DbPassword
    /// ```
    ///
    /// ## Fix
    /// Keep the secret in Secrets Manager or SSM Parameter Store (SecureString) and pass its ARN
    /// or name (`DB_PASSWORD_ARN`), reading the value at runtime; or use a dynamic reference
    /// (`{{resolve:secretsmanager:...}}`). If a parameter must carry it, declare it with
    /// `NoEcho: true` and no `Default`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption>
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds>
    /// - No direct peer for Lambda environments (cfn-lint W1011 is generic)
    pub struct SecretNamedVariableNotFromSecretStore {
        code: "WD102",
        name: "secret-named-variable-not-from-secret-store",
        risk: InsecureSecrets,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Pass the ARN or name of a Secrets Manager secret or SSM SecureString and read it at runtime, or use a `NoEcho` parameter without `Default`.",
    }
}

impl Rule for SecretNamedVariableNotFromSecretStore {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let Some(variables) = environment(function) else {
                continue;
            };
            for (key, value) in variables.iter() {
                for value in value.alternatives() {
                    if let Some(source) = weak_secret_source(template, &key.name, value) {
                        checker.report(
                            function,
                            value.span,
                            format!(
                                "environment variable `{}` of `{}` looks like a secret but comes from {source}, not from a secret store",
                                key.name, function.origin.id
                            ),
                        );
                    }
                }
            }
        }
    }
}
