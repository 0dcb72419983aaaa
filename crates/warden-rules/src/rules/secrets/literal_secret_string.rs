use warden_iac::{Node, Template, Value};

use crate::secrets::{is_placeholder, is_secret_name, is_secret_reference, known_token, redact};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `AWS::SecretsManager::Secret` resources whose `SecretString` is written in the
    /// template as a literal, rather than generated (`GenerateSecretString`), passed as a
    /// `NoEcho` parameter or resolved from another store. A JSON document (a mapping, as
    /// Terraform's `secret_string = jsonencode({...})`, or a JSON string) is reported for its
    /// literal fields with secret-sounding names or known credential formats. Placeholders
    /// (`<>`, `<<Enter your password>>`, `changeme`) are not secrets and are not reported.
    ///
    /// ## Why is this bad?
    /// The point of Secrets Manager is that the secret lives only there. A literal
    /// `SecretString` also lives in the template, in source control, in every copy of the
    /// deployment artifacts and in the CloudFormation template history.
    ///
    /// ## Example
    /// ```yaml
    /// DbSecret:
    ///   Type: AWS::SecretsManager::Secret
    ///   Properties:
    ///     SecretString: '{"username":"admin","password":"hunter2"}'
    /// ```
    ///
    /// ## Fix
    /// Use `GenerateSecretString` (with `SecretStringTemplate` for the non-secret fields),
    /// or set the value out of band after deployment. Rotate the leaked value.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html>
    /// - no peer check (gap in checkov, cfn_nag, KICS)
    pub struct LiteralSecretString {
        code: "WD602",
        name: "literal-secret-string",
        risk: InsecureSecrets,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Use `GenerateSecretString`, or set the secret value outside the template, and rotate the leaked value.",
    }
}

impl Rule for LiteralSecretString {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for secret in template.resources_of_type("AWS::SecretsManager::Secret") {
            let Some(value) = secret.prop("SecretString") else {
                continue;
            };
            for value in value.alternatives() {
                // Parameters are WD601's business; unknown values cannot be judged.
                if value.parameter.is_some() {
                    continue;
                }
                let text = match &value.value {
                    Value::String(text) => text,
                    Value::Map(_) => {
                        let mut fields = Vec::new();
                        literal_secret_fields(value, &mut fields);
                        for (field, node, text) in fields {
                            checker.report(
                                secret,
                                node.span,
                                format!(
                                    "secret `{}` has a literal `{field}` in its `SecretString` ({})",
                                    secret.origin.id,
                                    redact(text)
                                ),
                            );
                        }
                        continue;
                    }
                    _ => continue,
                };
                if is_secret_reference(text) || is_placeholder(text) {
                    continue;
                }
                // A JSON string is judged by its fields, like a mapping.
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
                    if json.is_object() {
                        let node = warden_iac::policy::node_from_json(&json, value.span);
                        let mut fields = Vec::new();
                        literal_secret_fields(&node, &mut fields);
                        if let Some((field, _, text)) = fields.first() {
                            checker.report(
                                secret,
                                value.span,
                                format!(
                                    "secret `{}` has a literal `{field}` in its `SecretString` ({})",
                                    secret.origin.id,
                                    redact(text)
                                ),
                            );
                        }
                        continue;
                    }
                }
                checker.report(
                    secret,
                    value.span,
                    format!(
                        "secret `{}` has a literal `SecretString` ({})",
                        secret.origin.id,
                        redact(text)
                    ),
                );
            }
        }
    }
}

/// Literal string fields of a JSON document that hold a secret: a secret-sounding name or a
/// known credential format. Unknown values (generated passwords, variables) are skipped.
fn literal_secret_fields<'n>(node: &'n Node, out: &mut Vec<(&'n str, &'n Node, &'n str)>) {
    match &node.value {
        Value::Map(map) => {
            for (key, value) in map.iter() {
                match &value.value {
                    Value::String(text)
                        if value.parameter.is_none()
                            && !is_secret_reference(text)
                            && !is_placeholder(text)
                            && (is_secret_name(&key.name) || known_token(text).is_some()) =>
                    {
                        out.push((key.name.as_str(), value, text.as_str()));
                    }
                    _ => literal_secret_fields(value, out),
                }
            }
        }
        Value::Seq(items) | Value::OneOf(items) => {
            for item in items {
                literal_secret_fields(item, out);
            }
        }
        _ => {}
    }
}
