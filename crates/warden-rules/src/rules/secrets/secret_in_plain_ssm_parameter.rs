use warden_iac::{Node, Template, Value};

use crate::secrets::{is_secret_name, is_secret_reference, known_token, redact};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags plain `String` and `StringList` SSM parameters that hold a literal secret. A
    /// value is a secret when it matches a known credential format (AWS keys, private keys,
    /// API tokens, passwords in URLs), or when the parameter's `Name` (the logical ID when
    /// unnamed) says it is a secret and the value is a literal.
    ///
    /// ## Why is this bad?
    /// Plain `String` parameters are not encrypted and are readable by anyone with
    /// `ssm:GetParameter` on them, shown in the console, and the literal value also sits in
    /// the template and in source control. CloudFormation cannot create `SecureString`
    /// parameters, which is a hint that secrets do not belong in the template.
    ///
    /// ## Example
    /// ```yaml
    /// StripeKey:
    ///   Type: AWS::SSM::Parameter
    ///   Properties:
    ///     Name: /payments/stripe-api-key
    ///     Type: String
    ///     Value: sk_live_4eC39HqLyjWDarjtT1zdp7dc
    /// ```
    ///
    /// ## Fix
    /// Create the secret outside the template, as a Secrets Manager secret or an SSM
    /// `SecureString` parameter, and reference it. Rotate the leaked value.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-securestring.html>
    /// - checkov CKV_AWS_384, CKV_AWS_337
    pub struct SecretInPlainSsmParameter {
        code: "WD606",
        name: "secret-in-plain-ssm-parameter",
        risk: InsecureSecrets,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Store the secret in Secrets Manager or an SSM SecureString created outside the template, and rotate the leaked value.",
    }
}

impl Rule for SecretInPlainSsmParameter {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for parameter in template.resources_of_type("AWS::SSM::Parameter") {
            let Some(kind_name) = parameter
                .prop("Type")
                .and_then(Node::as_str)
                .filter(|kind| {
                    kind.eq_ignore_ascii_case("String") || kind.eq_ignore_ascii_case("StringList")
                })
            else {
                continue;
            };
            let name = match parameter.prop("Name") {
                Some(name) => name.as_str().map(str::to_string),
                None => Some(parameter.origin.id.clone()),
            };
            let secret_name = name.as_deref().is_some_and(|name| {
                let last = name.rsplit('/').next().unwrap_or(name);
                is_secret_name(last)
            });
            let Some(value) = parameter.prop("Value") else {
                continue;
            };
            for value in value.alternatives() {
                if value.parameter.is_some() {
                    continue;
                }
                let Value::String(text) = &value.value else {
                    continue;
                };
                if is_secret_reference(text) {
                    continue;
                }
                let kind = known_token(text)
                    .or_else(|| secret_name.then_some("value of a secret-named parameter"));
                if let Some(kind) = kind {
                    checker.report(
                        parameter,
                        value.span,
                        format!(
                            "SSM parameter `{}` stores a secret as a plain `{kind_name}` ({kind}: {})",
                            parameter.origin.id,
                            redact(text)
                        ),
                    );
                }
            }
        }
    }
}
