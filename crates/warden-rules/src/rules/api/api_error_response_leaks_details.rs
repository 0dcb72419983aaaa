use std::sync::OnceLock;

use regex::Regex;
use warden_iac::{Node, Resource, Template};

use super::common::resource_label;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags API Gateway response mapping templates that send error internals to clients.
    ///
    /// These are templates that reference `stackTrace` or `errorType`, and error responses (integration
    /// responses with a `SelectionPattern` or a 4xx/5xx status) that echo the whole error
    /// with `$input.path('$')` or `$input.json('$')`. It reads `AWS::ApiGateway::GatewayResponse`
    /// (SAM `GatewayResponses`), `AWS::ApiGateway::Method` integration responses and the
    /// `x-amazon-apigateway-integration` responses and `x-amazon-apigateway-gateway-responses`
    /// of OpenAPI bodies.
    ///
    /// ## Why is this bad?
    /// Stack traces and exception types tell an attacker the runtime, libraries, file paths
    /// and code paths of the function, and which inputs make it fail: a map for injection and
    /// denial-of-service attempts.
    ///
    /// ## Example
    /// ```yaml
    /// IntegrationResponses:
    ///   - StatusCode: "500"
    ///     SelectionPattern: ".*Error.*"
    ///     ResponseTemplates:
    ///       application/json: '{"error": $input.json(''$.errorMessage''), "trace": $input.json(''$.stackTrace'')}'
    /// ```
    ///
    /// ## Fix
    /// Return a generic message and a correlation id (`$context.requestId`); log the details
    /// in the function instead.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html>
    /// - PureSec SAS-10 (Improper exception handling and verbose error messages)
    pub struct ApiErrorResponseLeaksDetails {
        code: "WD312",
        name: "api-error-response-leaks-details",
        risk: ImproperErrorHandling,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Return a generic error message with `$context.requestId`; log the stack trace in the function instead.",
    }
}

fn internals() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b(stackTrace|errorType)\b").expect("pattern compiles"))
}

fn whole_error() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\$input\.(path|json)\(\s*['"]\$['"]\s*\)"#).expect("pattern compiles")
    })
}

impl Rule for ApiErrorResponseLeaksDetails {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for response in template.resources_of_type("AWS::ApiGateway::GatewayResponse") {
            let kind = response
                .prop("ResponseType")
                .map_or_else(String::new, Node::display);
            let what = format!("gateway response `{kind}` of `{}`", response.origin.id);
            check_templates(
                checker,
                response,
                response.prop("ResponseTemplates"),
                &what,
                false,
            );
        }
        for method in template.resources_of_type("AWS::ApiGateway::Method") {
            let Some(responses) = method.prop("Integration.IntegrationResponses") else {
                continue;
            };
            for response in responses.items() {
                let status = response
                    .get("StatusCode")
                    .map_or_else(String::new, Node::display);
                let is_error = status.starts_with('4')
                    || status.starts_with('5')
                    || response.get("SelectionPattern").is_some_and(|pattern| {
                        pattern.as_str().is_none_or(|text| !text.is_empty())
                    });
                let what = format!("integration response `{status}` of `{}`", method.origin.id);
                check_templates(
                    checker,
                    method,
                    response.get("ResponseTemplates"),
                    &what,
                    is_error,
                );
            }
        }
        for api in template.resources_of_type("AWS::ApiGateway::RestApi") {
            let Some(body) = api.prop("Body") else {
                continue;
            };
            if let Some(responses) = body
                .get("x-amazon-apigateway-gateway-responses")
                .and_then(Node::as_map)
            {
                for (kind, response) in responses.iter() {
                    let what = format!(
                        "gateway response `{}` of `{}`",
                        kind.name,
                        resource_label(api)
                    );
                    check_templates(
                        checker,
                        api,
                        response.get("responseTemplates"),
                        &what,
                        false,
                    );
                }
            }
            let Some(paths) = body.get("paths").and_then(Node::as_map) else {
                continue;
            };
            for (path, operations) in paths.iter() {
                let Some(operations) = operations.as_map() else {
                    continue;
                };
                for (method, operation) in operations.iter() {
                    let Some(responses) = operation
                        .path("x-amazon-apigateway-integration.responses")
                        .and_then(Node::as_map)
                    else {
                        continue;
                    };
                    for (pattern, response) in responses.iter() {
                        let status = response
                            .get("statusCode")
                            .map_or_else(String::new, Node::display);
                        let is_error = pattern.name != "default"
                            || status.starts_with('4')
                            || status.starts_with('5');
                        let what = format!(
                            "integration response `{}` of `{} {}` in `{}`",
                            pattern.name,
                            method.name.to_ascii_uppercase(),
                            path.name,
                            resource_label(api)
                        );
                        check_templates(
                            checker,
                            api,
                            response.get("responseTemplates"),
                            &what,
                            is_error,
                        );
                    }
                }
            }
        }
    }
}

fn check_templates(
    checker: &mut Checker<'_>,
    resource: &Resource,
    templates: Option<&Node>,
    what: &str,
    is_error: bool,
) {
    let Some(templates) = templates.and_then(Node::as_map) else {
        return;
    };
    for (_, template) in templates.iter() {
        for template in template.alternatives() {
            let text = template.display();
            let leak = if let Some(found) = internals().find(&text) {
                format!("`{}`", found.as_str())
            } else if is_error && whole_error().is_match(&text) {
                "the whole error object".to_string()
            } else {
                continue;
            };
            checker.report(
                resource,
                template.span,
                format!("{what} sends {leak} to clients"),
            );
        }
    }
}
