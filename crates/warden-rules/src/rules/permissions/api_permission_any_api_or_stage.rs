use warden_iac::{Template, Value};

use super::literal;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags API Gateway invoke permissions that any API of the account may use.
    ///
    /// These are `AWS::Lambda::Permission` resources for `apigateway.amazonaws.com` whose
    /// `SourceArn` does not name an API (`arn:aws:execute-api:REGION:ACCOUNT:*/...`), or that
    /// have a `SourceAccount` but no `SourceArn` at all.
    ///
    /// (Without either condition the
    /// permission is reported by `service-permission-without-source`, WD205.)
    ///
    /// ## Why is this bad?
    /// Any API Gateway API in the account, including one created later or by another team,
    /// can then invoke the function, bypassing the authorizers of the API it was meant for.
    ///
    /// ## Example
    /// ```yaml
    /// ApiPermission:
    ///   Type: AWS::Lambda::Permission
    ///   Properties:
    ///     Action: lambda:InvokeFunction
    ///     FunctionName: !Ref Handler
    ///     Principal: apigateway.amazonaws.com
    ///     SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/*/*
    /// ```
    ///
    /// ## Fix
    /// Scope `SourceArn` to the API, and preferably to its stage, method and path:
    /// `!Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/prod/GET/items`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html>
    /// - KICS `57b12981`
    pub struct ApiPermissionAnyApiOrStage {
        code: "WD207",
        name: "api-permission-any-api-or-stage",
        risk: BrokenAuthentication,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Scope `SourceArn` to the API (and its stage, method and path): `arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH`.",
    }
}

impl Rule for ApiPermissionAnyApiOrStage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for permission in template.resources_of_type("AWS::Lambda::Permission") {
            let Some(principal) = permission.prop("Principal") else {
                continue;
            };
            if !literal(principal).iter().any(|p| {
                p.as_str()
                    .is_some_and(|p| p.eq_ignore_ascii_case("apigateway.amazonaws.com"))
            }) {
                continue;
            }
            match permission.prop("SourceArn") {
                None if permission.prop("SourceAccount").is_some() => {
                    checker.report(
                        permission,
                        permission.span,
                        format!(
                            "permission `{}` lets any API Gateway API of the account invoke the function: it has no `SourceArn`",
                            permission.origin.id
                        ),
                    );
                }
                None => {}
                Some(source) => {
                    for source in source.alternatives() {
                        let text = match &source.value {
                            Value::String(text) => text.as_str(),
                            Value::Unknown {
                                partial: Some(partial),
                                ..
                            } => partial.as_str(),
                            _ => continue,
                        };
                        if api_id(text) == Some("*") {
                            checker.report(
                                permission,
                                source.span,
                                format!(
                                    "permission `{}` lets any API Gateway API of the account invoke the function: `SourceArn` `{text}` has `*` for the API id",
                                    permission.origin.id
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// The API id part of an `execute-api` ARN; `${...}` placeholders (which may contain `::`)
/// are kept whole.
fn api_id(arn: &str) -> Option<&str> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let bytes = arn.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'$' if bytes.get(index + 1) == Some(&b'{') => {
                depth += 1;
                index += 1;
            }
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                fields.push(&arn[start..index]);
                start = index + 1;
                if fields.len() == 5 {
                    break;
                }
            }
            _ => {}
        }
        index += 1;
    }
    if fields.len() < 5 || fields[2] != "execute-api" {
        return None;
    }
    let resource = &arn[start..];
    Some(resource.split('/').next().unwrap_or(resource))
}

#[cfg(test)]
mod tests {
    use super::api_id;

    #[test]
    fn api_id_of_arns() {
        assert_eq!(
            api_id("arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/*/*"),
            Some("*")
        );
        assert_eq!(
            api_id("arn:aws:execute-api:us-east-1:123456789012:*"),
            Some("*")
        );
        assert_eq!(
            api_id("arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"),
            Some("${Api}")
        );
        assert_eq!(
            api_id("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3/prod/GET/"),
            Some("a1b2c3")
        );
        assert_eq!(api_id("arn:aws:sns:eu-west-1:123456789012:topic"), None);
    }
}
