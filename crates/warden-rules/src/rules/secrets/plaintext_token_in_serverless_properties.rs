use warden_iac::{Node, Template, Value};

use super::{secret_word, texts};
use crate::secrets::{is_secret_name, is_secret_reference, known_token, looks_random, redact};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags secrets written into serverless properties other than environment variables. It
    /// reports a literal `EventSourceToken` on an `AWS::Lambda::Permission` (the Alexa skill
    /// token), and credentials in a Step Functions definition (`Definition`, `DefinitionString`,
    /// `DefinitionSubstitutions`; SAM `StateMachine.Definition`): text matching a known credential
    /// format, or a random-looking value under a secret-sounding key (`Authorization`, `apiKey`,
    /// `password` ...). Parameters and dynamic references are not reported.
    ///
    /// ## Why is this bad?
    /// A state machine definition is returned by `DescribeStateMachine` and copied into
    /// every execution's history; a permission's token is part of the function policy.
    /// Both are readable by far more people than the secret's owner, and sit in source
    /// control with the template.
    ///
    /// ## Example
    /// ```yaml
    /// Notify:
    ///   Type: AWS::Serverless::StateMachine
    ///   Properties:
    ///     Definition:
    ///       States:
    ///         Post:
    ///           Type: Task
    ///           Resource: arn:aws:states:::http:invoke
    ///           Parameters:
    ///             Headers:
    ///               Authorization: Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc
    /// ```
    ///
    /// ## Fix
    /// Keep the secret in Secrets Manager and reference it at run time (an EventBridge
    /// connection for HTTP tasks, a `GetSecretValue` task, a dynamic reference in
    /// `DefinitionSubstitutions`), pass the Alexa token from a `NoEcho` parameter, and rotate
    /// the leaked value.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/step-functions/latest/dg/connect-third-party-apis.html>
    /// - cfn_nag F45; Prowler `stepfunctions_statemachine_no_secrets_in_definition`
    pub struct PlaintextTokenInServerlessProperties {
        code: "WD609",
        name: "plaintext-token-in-serverless-properties",
        risk: InsecureSecrets,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Reference the secret from Secrets Manager (or a `NoEcho` parameter) instead of writing it in the property, and rotate it.",
    }
}

impl Rule for PlaintextTokenInServerlessProperties {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for permission in template.resources_of_type("AWS::Lambda::Permission") {
            let Some(token) = permission.prop("EventSourceToken") else {
                continue;
            };
            for token in token.alternatives() {
                let Value::String(text) = &token.value else {
                    continue;
                };
                if token.parameter.is_some() || is_secret_reference(text) {
                    continue;
                }
                checker.report(
                    permission,
                    token.span,
                    format!(
                        "permission `{}` has a literal `EventSourceToken` ({})",
                        permission.origin.id,
                        redact(text)
                    ),
                );
            }
        }
        for machine in template.resources_of_type("AWS::StepFunctions::StateMachine") {
            for property in ["Definition", "DefinitionString", "DefinitionSubstitutions"] {
                let Some(definition) = machine.prop(property) else {
                    continue;
                };
                let mut hits = Vec::new();
                named_secrets(definition, &mut hits);
                for (text, span) in texts(definition) {
                    if hits.iter().any(|(_, _, hit)| *hit == span) {
                        continue;
                    }
                    if let Some(kind) = known_token(&text) {
                        hits.push((kind.to_string(), redact(secret_word(&text)), span));
                    }
                }
                for (kind, masked, span) in hits {
                    checker.report(
                        machine,
                        span,
                        format!(
                            "`{property}` of state machine `{}` holds a secret in plain text ({kind}: {masked})",
                            machine.origin.id
                        ),
                    );
                }
            }
        }
    }
}

/// Random-looking literals under secret-sounding keys, and known tokens anywhere in them.
fn named_secrets(node: &Node, hits: &mut Vec<(String, String, warden_diagnostics::Span)>) {
    match &node.value {
        Value::Map(map) => {
            for (key, value) in map.iter() {
                if let Value::String(text) = &value.value {
                    let secret = value.parameter.is_none()
                        && !is_secret_reference(text)
                        && known_token(text).is_none()
                        && (is_secret_name(&key.name)
                            || key.name.eq_ignore_ascii_case("Authorization"))
                        && looks_random(text.rsplit(' ').next().unwrap_or(text));
                    if secret {
                        hits.push((
                            format!("high-entropy value of `{}`", key.name),
                            redact(text),
                            value.span,
                        ));
                    }
                }
                named_secrets(value, hits);
            }
        }
        Value::Seq(items) | Value::OneOf(items) => {
            for item in items {
                named_secrets(item, hits);
            }
        }
        _ => {}
    }
}
