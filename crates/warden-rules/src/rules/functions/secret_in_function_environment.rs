use warden_iac::{Template, Value};

use crate::secrets::{is_secret_name, is_secret_reference, known_token, looks_random, redact};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda environment variables whose literal value is a credential: a known token
    /// format (AWS access keys, private keys, GitHub, Slack, Stripe, Twilio, Google and
    /// SendGrid keys, JWTs, passwords in connection URLs), or a random-looking value in a
    /// variable whose name says it is a secret.
    ///
    /// ## Why is this bad?
    /// Environment variables are stored in the template, in source control, in the deployment
    /// artifacts and in the function configuration, readable by anyone with
    /// `lambda:GetFunctionConfiguration`. A leaked key is usable until it is rotated.
    ///
    /// ## Example
    /// ```yaml
    /// Environment:
    ///   Variables:
    ///     STRIPE_KEY: sk_live_4eC39HqLyjWDarjtT1zdp7dc
    /// ```
    ///
    /// ## Fix
    /// Store the secret in Secrets Manager or SSM Parameter Store (SecureString), pass its ARN
    /// or name in the environment, and read it at runtime (the Parameters and Secrets Lambda
    /// extension caches it). Rotate the leaked credential.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html>
    /// - checkov CKV_AWS_45; Prowler `awslambda_function_no_secrets_in_variables`
    pub struct SecretInFunctionEnvironment {
        code: "WD101",
        name: "secret-in-function-environment",
        risk: InsecureSecrets,
        severity: Critical,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Move the secret to Secrets Manager or SSM SecureString, pass its ARN, read it at runtime, and rotate the leaked value.",
    }
}

impl Rule for SecretInFunctionEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let Some(variables) = function
                .prop("Environment.Variables")
                .and_then(|v| v.as_map())
            else {
                continue;
            };
            for (key, value) in variables.iter() {
                for value in value.alternatives() {
                    // Only literals: a parameter is LMB-02's business, unknowns are unknown.
                    if value.parameter.is_some() {
                        continue;
                    }
                    let Value::String(text) = &value.value else {
                        continue;
                    };
                    if is_secret_reference(text) {
                        continue;
                    }
                    let kind = known_token(text).or_else(|| {
                        (is_secret_name(&key.name) && looks_random(text))
                            .then_some("high-entropy secret")
                    });
                    if let Some(kind) = kind {
                        checker.report(
                            function,
                            value.span,
                            format!(
                                "environment variable `{}` of `{}` holds a secret in plain text ({kind}: {})",
                                key.name,
                                function.origin.id,
                                redact(text)
                            ),
                        );
                    }
                }
            }
        }
    }
}
