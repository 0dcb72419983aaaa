use warden_diagnostics::Span;
use warden_iac::{Node, Template, Value};

use super::{secret_word, texts};
use crate::secrets::{is_placeholder, is_secret_reference, known_token, redact};
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Credential fields of an `AWS::CloudFormation::Authentication` block.
const AUTHENTICATION_SECRETS: &[&str] = &["accessKeyId", "secretKey", "password"];

declare_rule! {
    /// ## What it does
    /// Flags credentials written in a resource's `Metadata`. These are the `accessKeyId`,
    /// `secretKey` or `password` of an `AWS::CloudFormation::Authentication` block given as a
    /// literal, and any text in the metadata (`AWS::CloudFormation::Init` files, commands, custom
    /// keys) that matches a known credential format (AWS access keys, private keys, GitHub, Slack,
    /// Stripe tokens, passwords in URLs ...). Values from `Ref` or dynamic references are not
    /// reported.
    ///
    /// ## Why is this bad?
    /// Metadata is returned in plain text by `DescribeStackResource` and shown in the
    /// console to anyone who can read the stack, and it sits in source control with the
    /// template. Secrets Manager dynamic references are not even allowed there.
    ///
    /// ## Example
    /// ```yaml
    /// Instance:
    ///   Type: AWS::EC2::Instance
    ///   Metadata:
    ///     AWS::CloudFormation::Authentication:
    ///       S3Access:
    ///         type: S3
    ///         accessKeyId: AKIAIOSFODNN7EXAMPLE
    ///         secretKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    /// ```
    ///
    /// ## Fix
    /// Use `roleName` in `AWS::CloudFormation::Authentication` (an instance profile role)
    /// instead of keys, fetch secrets at runtime from Secrets Manager or SSM, and rotate the
    /// leaked credentials.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-authentication.html>
    /// - cfn_nag W1; KICS `9ecb6b21`
    pub struct CredentialsInTemplateMetadata {
        code: "WD608",
        name: "credentials-in-template-metadata",
        risk: InsecureSecrets,
        severity: High,
        formats: ["cloudformation", "sam", "serverless"],
        help: "Use `roleName` instead of keys in `AWS::CloudFormation::Authentication`, keep secrets out of `Metadata`, and rotate the leaked ones.",
    }
}

impl Rule for CredentialsInTemplateMetadata {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for resource in &template.resources {
            let Some(metadata) = &resource.metadata else {
                continue;
            };
            let id = &resource.origin.id;
            let mut reported: Vec<Span> = Vec::new();
            if let Some(blocks) = metadata
                .get("AWS::CloudFormation::Authentication")
                .and_then(Node::as_map)
            {
                for (block, settings) in blocks.iter() {
                    for field in AUTHENTICATION_SECRETS {
                        let Some(value) = settings.get(field) else {
                            continue;
                        };
                        // Metadata is not resolved: a `Ref` is still a mapping here.
                        let Value::String(text) = &value.value else {
                            continue;
                        };
                        if is_secret_reference(text) || is_placeholder(text) {
                            continue;
                        }
                        reported.push(value.span);
                        checker.report(
                            resource,
                            value.span,
                            format!(
                                "authentication `{}` in the metadata of `{id}` has a literal `{field}` ({})",
                                block.name,
                                redact(text)
                            ),
                        );
                    }
                }
            }
            for (text, span) in texts(metadata) {
                if reported.contains(&span) || is_secret_reference(&text) {
                    continue;
                }
                if let Some(kind) = known_token(&text) {
                    checker.report(
                        resource,
                        span,
                        format!(
                            "the metadata of `{id}` holds a secret in plain text ({kind}: {})",
                            redact(secret_word(&text))
                        ),
                    );
                }
            }
        }
    }
}
