use warden_iac::{ApiKind, Node, Route, Template};

use super::common::{is_true, route_label};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST API routes that take a request body (`POST`, `PUT`, `PATCH`, `ANY`) and
    /// have no request validator. Routes without a body (`GET`, `DELETE`, `HEAD`, `OPTIONS`)
    /// are flagged only when they declare required query-string or header parameters that
    /// nothing validates (a path parameter is enforced by routing itself).
    ///
    /// ## Why is this bad?
    /// Without a validator API Gateway passes any payload to the function: malformed,
    /// oversized or hostile input reaches code that may build queries, commands or templates
    /// from it (event injection), and every bad request costs an invocation.
    ///
    /// ## Example
    /// ```yaml
    /// Events:
    ///   CreateOrder:
    ///     Type: Api
    ///     Properties:
    ///       Path: /orders
    ///       Method: post
    /// ```
    ///
    /// ## Fix
    /// Attach a request validator with a model: SAM `RequestModel` with `ValidateBody: true`,
    /// `AWS::ApiGateway::Method.RequestValidatorId` pointing at an
    /// `AWS::ApiGateway::RequestValidator`, or `x-amazon-apigateway-request-validator` in the
    /// OpenAPI body. Keep validating in the function too.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html>
    /// - checkov CKV2_AWS_53
    pub struct ApiMethodWithoutRequestValidation {
        code: "WD310",
        name: "api-method-without-request-validation",
        risk: EventInjection,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Attach a request validator and a model (SAM `RequestModel` with `ValidateBody: true`, or `RequestValidatorId`).",
    }
}

impl Rule for ApiMethodWithoutRequestValidation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for route in &template.analysis.routes {
            if route.kind != ApiKind::Rest || route.request_validation != Some(false) {
                continue;
            }
            let message = if matches!(route.method.as_str(), "POST" | "PUT" | "PATCH" | "ANY") {
                format!(
                    "{} accepts a request body without a request validator",
                    route_label(template, route)
                )
            } else if declares_required_parameters(template, route) {
                format!(
                    "{} has required parameters but no request validator",
                    route_label(template, route)
                )
            } else {
                continue;
            };
            checker.report_on(
                &route.origin.id,
                &route.origin.resource_type,
                validation_span(template, route),
                message,
            );
        }
    }
}

/// Where a validator belongs: on an `AWS::ApiGateway::Method` its `RequestValidatorId`, else
/// its `HttpMethod` (the route's own span is its authorization, which other rules report).
fn validation_span(template: &Template, route: &Route) -> warden_diagnostics::Span {
    template
        .resource(&route.origin.id)
        .filter(|method| method.resource_type == "AWS::ApiGateway::Method")
        .and_then(|method| {
            method
                .prop("RequestValidatorId")
                .or_else(|| method.prop("HttpMethod"))
        })
        .map_or(route.span, |node| node.span)
}

/// True when the route declares required query-string or header parameters:
/// `RequestParameters` of an `AWS::ApiGateway::Method`, or `parameters` with
/// `required: true` in an OpenAPI body. Path parameters do not count: API Gateway routes a
/// request to `/{id}` only when the segment is there, so a validator adds nothing.
fn declares_required_parameters(template: &Template, route: &Route) -> bool {
    if let Some(method) = template
        .resource(&route.origin.id)
        .filter(|resource| resource.resource_type == "AWS::ApiGateway::Method")
    {
        return method
            .prop("RequestParameters")
            .and_then(Node::as_map)
            .is_some_and(|parameters| {
                parameters.iter().any(|(name, required)| {
                    !name.name.starts_with("method.request.path.") && is_true(required)
                })
            });
    }
    let operation = template
        .resource(&route.api)
        .and_then(|api| api.prop("Body"))
        .and_then(|body| body.get("paths"))
        .and_then(|paths| paths.get(&route.path))
        .and_then(|operations| operations.get(&route.method.to_ascii_lowercase()));
    operation
        .and_then(|operation| operation.get("parameters"))
        .is_some_and(|parameters| {
            parameters.items().iter().any(|parameter| {
                parameter.get("in").and_then(Node::as_str) != Some("path")
                    && parameter.get("required").is_some_and(is_true)
            })
        })
}
