//! Rules on Secrets and parameters (WD6xx).
mod credentials_in_template_metadata;
mod dynamic_reference_misuse;
mod literal_secret_string;
mod noecho_parameter_in_outputs;
mod plaintext_token_in_serverless_properties;
mod secret_in_plain_ssm_parameter;
mod secret_parameter_without_noecho;
mod secret_resource_policy_public;
mod secret_without_customer_managed_key;
mod secret_without_rotation;

pub use credentials_in_template_metadata::*;
pub use dynamic_reference_misuse::*;
pub use literal_secret_string::*;
pub use noecho_parameter_in_outputs::*;
pub use plaintext_token_in_serverless_properties::*;
pub use secret_in_plain_ssm_parameter::*;
pub use secret_parameter_without_noecho::*;
pub use secret_resource_policy_public::*;
pub use secret_without_customer_managed_key::*;
pub use secret_without_rotation::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &SecretParameterWithoutNoecho,
    &LiteralSecretString,
    &SecretWithoutCustomerManagedKey,
    &SecretWithoutRotation,
    &SecretResourcePolicyPublic,
    &SecretInPlainSsmParameter,
    &NoechoParameterInOutputs,
    &CredentialsInTemplateMetadata,
    &PlaintextTokenInServerlessProperties,
    &DynamicReferenceMisuse,
];

/// Every text in a value, with its span: strings, and the literal parts of values built
/// with `Fn::Sub`/`Fn::Join` that the scanner could not fully resolve (their rendering keeps
/// the literal text and writes unknown parts as `${...}`).
fn texts(node: &warden_iac::Node) -> Vec<(String, warden_diagnostics::Span)> {
    use warden_iac::Value;
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::String(text) => out.push((text.clone(), node.span)),
            Value::Unknown {
                partial: Some(partial),
                ..
            } => out.push((partial.clone(), node.span)),
            Value::Map(map) => stack.extend(map.entries.iter().rev().map(|(_, child)| child)),
            Value::Seq(items) | Value::OneOf(items) => stack.extend(items.iter().rev()),
            _ => {}
        }
    }
    out
}

/// The word of `text` that holds the credential `known_token` finds (a token inside a
/// config file or a JSON string), so that messages redact the token, not the text around
/// it. The whole text when no single word matches (a private key block).
fn secret_word(text: &str) -> &str {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '{' | '}' | '[' | ']' | '=')
    })
    .find(|word| crate::secrets::known_token(word).is_some())
    .unwrap_or(text)
}
