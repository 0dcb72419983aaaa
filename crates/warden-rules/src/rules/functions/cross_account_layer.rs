use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use warden_iac::{Node, RoleBinding, Template, Value};

use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Accounts from which AWS publishes layers, as their documentation gives them. Layers of
/// the same product live in other accounts in some regions; the list is kept short on
/// purpose: add an account only with its documentation page.
const AWS_LAYER_ACCOUNTS: &[(&str, &str)] = &[
    // https://docs.powertools.aws.dev/lambda/python/latest/#lambda-layer
    ("017000801446", "Powertools for AWS Lambda (Python)"),
    // https://docs.aws.amazon.com/powertools/typescript/latest/getting-started/lambda-layers
    ("094274105915", "Powertools for AWS Lambda (TypeScript)"),
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Lambda-Insights-extension-versions.html
    ("580247275435", "CloudWatch Lambda Insights"),
    // us-east-2; other regions use other accounts (extension ARN table in the Systems Manager
    // user guide, `ps-integration-lambda-extensions`)
    (
        "590474943231",
        "AWS Parameters and Secrets Lambda Extension",
    ),
];

declare_rule! {
    /// ## What it does
    /// Flags Lambda layers published by another AWS account than the stack's own. The
    /// stack's account is known when a function's execution role is given as a literal ARN
    /// (Lambda requires the role to be in the function's account); without it, or when the
    /// layer's account is not a literal, nothing is reported. Layers AWS publishes
    /// (Powertools, Lambda Insights, the Parameters and Secrets extension) are allowed.
    ///
    /// ## Why is this bad?
    /// A layer's code runs inside the function with its role and sees every event and
    /// secret. A layer from someone else's account can be replaced by a new version, or
    /// deleted, by that account; pinning a version protects against changes, not against a
    /// malicious or compromised publisher.
    ///
    /// ## Example
    /// ```yaml
    /// Layers:
    ///   - arn:aws:lambda:us-east-1:999999999999:layer:json-helpers:4
    /// ```
    ///
    /// ## Fix
    /// Build the dependency into the function package, or copy the layer into your own
    /// account after reviewing it, and reference that version.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html>
    /// - Prowler `awslambda_function_using_cross_account_layers` (live accounts only; no static peer)
    pub struct CrossAccountLayer {
        code: "WD120",
        name: "cross-account-layer",
        risk: InsecureConfiguration,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Package the dependency yourself or copy the reviewed layer into your account.",
    }
}

impl Rule for CrossAccountLayer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let own = own_accounts(template);
        // Several accounts means several stacks' ARNs mixed: cannot tell which is ours.
        if own.len() != 1 {
            return;
        }
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let Some(layers) = function.prop("Layers") else {
                continue;
            };
            for layer in layers.items() {
                let Some(account) = layer_account(layer) else {
                    continue;
                };
                if own.contains(account)
                    || AWS_LAYER_ACCOUNTS.iter().any(|(aws, _)| *aws == account)
                {
                    continue;
                }
                checker.report(
                    function,
                    layer.span,
                    format!(
                        "`{}` uses a layer from account `{account}`, not this stack's account nor an AWS publisher",
                        function.origin.id
                    ),
                );
            }
        }
    }
}

/// The stack's account as the literal execution-role ARNs of its functions give it.
fn own_accounts(template: &Template) -> BTreeSet<&str> {
    template
        .analysis
        .functions
        .iter()
        .filter_map(|info| match &info.role {
            RoleBinding::External(arn) => arn_account(arn, "iam"),
            _ => None,
        })
        .collect()
}

/// The account of a layer version ARN when it is a literal 12-digit id (the rest of the ARN
/// may be unknown, e.g. `${AWS::Region}`).
fn layer_account(node: &Node) -> Option<&str> {
    let text = match &node.value {
        Value::String(text) => text,
        Value::Unknown {
            partial: Some(partial),
            ..
        } => partial,
        _ => return None,
    };
    arn_account(text, "lambda").filter(|_| text.contains(":layer:"))
}

/// The account field of an ARN of `service`, when it is a literal 12-digit id.
fn arn_account<'a>(text: &'a str, service: &str) -> Option<&'a str> {
    static ARN: OnceLock<Regex> = OnceLock::new();
    let arn = ARN.get_or_init(|| {
        Regex::new(r"^arn:[^:]+:([a-z0-9-]+):(?:\$\{[^}]*\}|[^:]*):(\d{12}):")
            .expect("ARN pattern compiles")
    });
    let captures = arn.captures(text)?;
    (captures.get(1)?.as_str() == service)
        .then(|| captures.get(2).map(|account| account.as_str()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_from_arns() {
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:role/app", "iam"),
            Some("123456789012")
        );
        assert_eq!(
            arn_account(
                "arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPythonV3:7",
                "lambda"
            ),
            Some("017000801446")
        );
        assert_eq!(
            arn_account(
                "arn:aws:lambda:us-east-1:${AWS::AccountId}:layer:x:1",
                "lambda"
            ),
            None
        );
        assert_eq!(
            arn_account("arn:aws:iam::123456789012:role/app", "lambda"),
            None
        );
    }
}
