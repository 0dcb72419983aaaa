use warden_rules::secrets::{
    is_number, is_placeholder, is_secret_name, is_secret_reference, known_token, looks_random,
    names_a_secret, redact,
};
use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::engine::Loc;
use crate::rules::{CodeRule, Reporter};

declare_rule! {
    /// ## What it does
    /// Flags credentials written in handler code: a known token format (AWS access keys,
    /// private keys, GitHub, Slack, Stripe, Twilio, Google and SendGrid keys, JWTs, passwords
    /// in connection URLs) anywhere in a string, or a random-looking string assigned to a
    /// name that says it is a secret (`API_KEY = "..."`, `{ password: "..." }`). The
    /// detectors and placeholder rules are the ones template checks use.
    ///
    /// ## Why is this bad?
    /// Code is copied to repositories, build logs, deployment packages and every developer's
    /// machine, and anyone with `lambda:GetFunction` downloads it. A secret in code cannot be
    /// rotated without a deployment and is usually never rotated.
    ///
    /// ## Example
    /// ```javascript
    /// const stripe = require("stripe")("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
    /// ```
    ///
    /// ## Fix
    /// Keep the secret in Secrets Manager or SSM Parameter Store (SecureString), pass its
    /// name in the environment and read it at run time; rotate the leaked value.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/798.html>
    /// - <https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html>
    pub struct HardCodedSecretInCode {
        code: "WD020",
        name: "hard-coded-secret-in-code",
        risk: InsecureSecrets,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Move the secret to Secrets Manager or SSM SecureString, read it at run time, and rotate the leaked value.",
    }
}

impl CodeRule for HardCodedSecretInCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        for &file in &context.secret_files {
            let Some(module) = &context.project.files[file].module else {
                continue;
            };
            for literal in &module.strings {
                let value = literal.value.trim();
                if is_secret_reference(value)
                    || is_placeholder(value)
                    || is_number(value)
                    || names_a_secret(value)
                {
                    continue;
                }
                let kind = known_token(value).or_else(|| {
                    literal
                        .name
                        .as_deref()
                        .is_some_and(|name| is_secret_name(name) && looks_random(value))
                        .then_some("high-entropy secret")
                });
                let Some(kind) = kind else {
                    continue;
                };
                let named = literal
                    .name
                    .as_deref()
                    .map(|name| format!(" in `{name}`"))
                    .unwrap_or_default();
                out.report(
                    context.span(Loc::new(file, literal.range)),
                    format!(
                        "hard-coded secret{named} in the code of `{}` ({kind}: {})",
                        context.function_name,
                        redact(value)
                    ),
                );
            }
        }
    }
}
