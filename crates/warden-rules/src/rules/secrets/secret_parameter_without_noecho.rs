use warden_iac::{Template, Value};

use crate::secrets::{is_placeholder, is_secret_name, names_a_secret};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags template parameters whose name says they hold a secret (`DbPassword`,
    /// `ApiKey`, `GithubToken` ...) and that either lack `NoEcho: true` or carry a
    /// non-empty `Default`. Parameters of type `AWS::SSM::Parameter::Value<...>` hold a
    /// parameter name, not the secret, and are not flagged; neither are `Number` parameters,
    /// nor parameters whose default names a secret (`ACTIVEMQ_SECRET_ARN`, an ARN). A
    /// placeholder default (`<<Enter your key>>`, `changeme`) does not count as a secret
    /// written in the template.
    ///
    /// ## Why is this bad?
    /// Without `NoEcho`, CloudFormation shows the value in the console, in
    /// `describe-stacks` and in the stack events to anyone who can read the stack. A
    /// `Default` writes the secret into the template itself, and so into source control.
    ///
    /// ## Example
    /// ```yaml
    /// Parameters:
    ///   DbPassword:
    ///     Type: String
    ///     Default: hunter2
    /// ```
    ///
    /// ## Fix
    /// Keep the secret in Secrets Manager and use a dynamic reference
    /// (`{{resolve:secretsmanager:...}}`), or at least declare the parameter with
    /// `NoEcho: true` and no `Default`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html#parameters-section-structure-properties>
    /// - cfn-lint W2501, W1011; cfn_nag F23, F31; KICS "Password Exposed" family
    pub struct SecretParameterWithoutNoecho {
        code: "WD601",
        name: "secret-parameter-without-noecho",
        risk: InsecureSecrets,
        severity: High,
        formats: ["cloudformation", "sam", "serverless"],
        help: "Declare the parameter with `NoEcho: true` and no `Default`, or use a Secrets Manager dynamic reference instead.",
    }
}

impl Rule for SecretParameterWithoutNoecho {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for parameter in &template.parameters {
            // Numbers (`TokensPerBucket`) and SSM references are not secrets.
            if !is_secret_name(&parameter.name)
                || parameter
                    .parameter_type
                    .starts_with("AWS::SSM::Parameter::Value")
                || parameter.parameter_type.contains("Number")
            {
                continue;
            }
            let default = parameter
                .default
                .as_ref()
                .and_then(|default| match &default.value {
                    Value::String(text) => Some(text.as_str()),
                    _ => None,
                });
            // A default that names a secret (`ACTIVEMQ_SECRET_ARN`, an ARN) says the
            // parameter holds where the secret is, not the secret.
            if default.is_some_and(names_a_secret) {
                continue;
            }
            // A placeholder default (`<<Enter your key>>`) is not a secret written down.
            let has_default =
                parameter
                    .default
                    .as_ref()
                    .is_some_and(|default| match &default.value {
                        Value::String(text) => !text.is_empty() && !is_placeholder(text),
                        Value::Null => false,
                        _ => true,
                    });
            let problem = match (parameter.no_echo, has_default) {
                (false, true) => "has no `NoEcho: true` and a `Default` value",
                (false, false) => "has no `NoEcho: true`",
                (true, true) => "has a `Default` value written in the template",
                (true, false) => continue,
            };
            checker.report_on(
                &parameter.name,
                "Parameter",
                parameter.span,
                format!("secret parameter `{}` {problem}", parameter.name),
            );
        }
    }
}
