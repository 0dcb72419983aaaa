use warden_iac::{Node, Resource, Template, Value};

use super::common::{http_stage_label, rest_stages};
use crate::secrets::{is_secret_name, is_secret_reference, known_token, looks_random, redact};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags API Gateway stage variables whose literal value is a credential.
    ///
    /// A credential is a known token format, or a random-looking value in a variable whose
    /// name says it is a secret. It reads `AWS::ApiGateway::Stage.Variables` (SAM `Api.Variables`), deployment
    /// `StageDescription.Variables`, and `AWS::ApiGatewayV2::Stage.StageVariables`.
    ///
    /// ## Why is this bad?
    /// Stage variables are plain configuration: they are stored in the template, in source
    /// control and in the stage, readable by anyone with `apigateway:GET`, and often passed
    /// on to integrations and logs. A leaked key is usable until it is rotated.
    ///
    /// ## Example
    /// ```yaml
    /// Variables:
    ///   PARTNER_API_KEY: sk_live_4eC39HqLyjWDarjtT1zdp7dc
    /// ```
    ///
    /// ## Fix
    /// Keep the secret in Secrets Manager or SSM Parameter Store and read it in the
    /// integration (the function), or use an authorizer; pass only its name or ARN in the
    /// stage variable. Rotate the leaked credential.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html>
    /// - Prowler `apigateway_restapi_no_secrets_in_stage_variables`
    pub struct SecretInStageVariables {
        code: "WD311",
        name: "secret-in-stage-variables",
        risk: InsecureSecrets,
        severity: High,
        formats: ["cloudformation", "sam", "terraform", "live"],
        help: "Move the secret to Secrets Manager or SSM SecureString, read it at runtime, and rotate the leaked value.",
    }
}

impl Rule for SecretInStageVariables {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in rest_stages(template) {
            if let Some(variables) = stage.get("Variables") {
                check_variables(checker, stage.resource, &stage.label(), variables);
            }
        }
        for stage in template.resources_of_type("AWS::ApiGatewayV2::Stage") {
            if let Some(variables) = stage.prop("StageVariables") {
                check_variables(
                    checker,
                    stage,
                    &http_stage_label(template, stage),
                    variables,
                );
            }
        }
    }
}

fn check_variables(checker: &mut Checker<'_>, resource: &Resource, label: &str, variables: &Node) {
    let Some(variables) = variables.as_map() else {
        return;
    };
    for (key, value) in variables.iter() {
        for value in value.alternatives() {
            // Only literals: parameters and unknown values are not secrets written here.
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
                (is_secret_name(&key.name) && looks_random(text)).then_some("high-entropy secret")
            });
            if let Some(kind) = kind {
                checker.report(
                    resource,
                    value.span,
                    format!(
                        "stage variable `{}` of {label} holds a secret in plain text ({kind}: {})",
                        key.name,
                        redact(text)
                    ),
                );
            }
        }
    }
}
