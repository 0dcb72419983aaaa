use warden_diagnostics::Span;
use warden_iac::{Node, Resource, Template};

use super::texts;
use crate::{declare_rule, Checker, Rule, RuleMeta};

const SECRETS_MANAGER: &str = "{{resolve:secretsmanager:";
const SSM_SECURE: &str = "{{resolve:ssm-secure:";

declare_rule! {
    /// ## What it does
    /// Flags dynamic references to secrets where CloudFormation does not support them or
    /// where they reveal the secret. That is:
    ///
    /// - `{{resolve:secretsmanager:...}}` or `{{resolve:ssm-secure:...}}` in `Outputs`
    ///   (the resolved value would be shown by `DescribeStacks`);
    /// - either of them in a resource's `Metadata` or in the properties of a custom resource
    ///   (`AWS::CloudFormation::CustomResource`, `Custom::*`), where AWS documents secure
    ///   dynamic references as unsupported;
    /// - `{{resolve:ssm-secure:...}}` in Lambda `Environment.Variables`, which is not one of
    ///   the few properties (database and directory passwords, `AuthToken` ...) that accept
    ///   `ssm-secure`: the deployment fails;
    /// - `{{resolve:secretsmanager:...}}` in Lambda `Environment.Variables`: supported, but
    ///   the resolved secret is then stored in plain text in the function configuration.
    ///
    /// ## Why is this bad?
    /// A dynamic reference keeps the secret out of the template, but not out of wherever
    /// the resolved value lands: stack outputs, metadata and environment variables are
    /// readable by anyone with read access to the stack or the function. Where the pattern is
    /// unsupported, the stack fails to deploy.
    ///
    /// ## Example
    /// ```yaml
    /// Outputs:
    ///   DbPassword:
    ///     Value: "{{resolve:secretsmanager:prod/db:SecretString:password}}"
    /// ```
    ///
    /// ## Fix
    /// Output the secret's ARN or name instead of its value; in functions pass the secret's
    /// ARN and read it at run time (the Parameters and Secrets Lambda extension caches it).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm-secure-strings.html>
    /// - <https://docs.aws.amazon.com/secretsmanager/latest/userguide/cfn-example_reference-secret.html>
    /// - cfn-lint E1027, E1051, E1052, W1051
    pub struct DynamicReferenceMisuse {
        code: "WD610",
        name: "dynamic-reference-misuse",
        risk: InsecureSecrets,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless"],
        help: "Reference secrets only in resource properties that consume them; output or pass the secret's ARN, and read it at run time.",
    }
}

impl Rule for DynamicReferenceMisuse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for output in &template.outputs {
            for (kind, span) in secure_references(&output.value) {
                checker.report_on(
                    &output.name,
                    "Output",
                    span,
                    format!(
                        "output `{}` resolves {kind} reference: the secret is shown in the stack's outputs",
                        output.name
                    ),
                );
            }
        }
        for resource in &template.resources {
            let id = &resource.origin.id;
            if let Some(metadata) = &resource.metadata {
                for (kind, span) in secure_references(metadata) {
                    checker.report(
                        resource,
                        span,
                        format!("the metadata of `{id}` uses {kind} reference, which metadata does not support"),
                    );
                }
            }
            if is_custom_resource(resource) {
                for (kind, span) in secure_references(&resource.properties) {
                    checker.report(
                        resource,
                        span,
                        format!("custom resource `{id}` uses {kind} reference, which custom resources do not support"),
                    );
                }
            }
            if resource.resource_type == "AWS::Lambda::Function" {
                let Some(variables) = resource.prop("Environment.Variables") else {
                    continue;
                };
                for (kind, span) in secure_references(variables) {
                    let message = if kind == "an `ssm-secure`" {
                        format!("environment variables of `{id}` use an `ssm-secure` reference, which Lambda does not support")
                    } else {
                        format!("environment variables of `{id}` resolve {kind} reference: the secret is stored in plain text in the function configuration")
                    };
                    checker.report(resource, span, message);
                }
            }
        }
    }
}

fn is_custom_resource(resource: &Resource) -> bool {
    resource.resource_type == "AWS::CloudFormation::CustomResource"
        || resource.resource_type.starts_with("Custom::")
}

/// The secure dynamic references in a value, with the kind for messages.
fn secure_references(node: &Node) -> Vec<(&'static str, Span)> {
    let mut out = Vec::new();
    for (text, span) in texts(node) {
        if text.contains(SSM_SECURE) {
            out.push(("an `ssm-secure`", span));
        } else if text.contains(SECRETS_MANAGER) {
            out.push(("a Secrets Manager", span));
        }
    }
    out
}
