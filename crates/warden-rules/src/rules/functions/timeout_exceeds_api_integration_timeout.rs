use warden_iac::analysis::IntegrationTimeout;
use warden_iac::{ApiKind, Route, Template};

use super::common::timeouts;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// API Gateway's default integration timeouts, in milliseconds.
const REST_DEFAULT_MS: i64 = 29_000;
const HTTP_DEFAULT_MS: i64 = 30_000;

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions whose `Timeout` exceeds their API's integration timeout. The
    /// integration timeout is 29 seconds for REST APIs and 30 seconds for HTTP APIs unless the
    /// integration sets `TimeoutInMillis` (SAM: the event's `TimeoutInMillis`).
    ///
    /// ## Why is this bad?
    /// When the integration times out, the client gets a 504 but the function keeps running,
    /// and is billed, until its own timeout. Clients retry, so one slow dependency multiplies
    /// into many long, useless invocations.
    ///
    /// ## Example
    /// ```yaml
    /// Orders:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Timeout: 60
    ///     Events:
    ///       Get:
    ///         Type: Api
    ///         Properties: {Path: /orders, Method: get}
    /// ```
    ///
    /// ## Fix
    /// Set the function's `Timeout` at or below the integration timeout, or move long work to
    /// an asynchronous flow (queue the job, return 202, let the client poll). REST APIs may
    /// raise `TimeoutInMillis` above 29 s after a quota increase.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html>
    /// - sls-mentor `lambdaTimeoutInferiorToApiGatewayTimeout` (live accounts only; no static peer)
    pub struct TimeoutExceedsApiIntegrationTimeout {
        code: "WD107",
        name: "timeout-exceeds-api-integration-timeout",
        risk: DenialOfWallet,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Lower the function's `Timeout` to the API's integration timeout, or make long requests asynchronous.",
    }
}

impl Rule for TimeoutExceedsApiIntegrationTimeout {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let routes: Vec<(&Route, i64)> = template
                .analysis
                .routes
                .iter()
                .filter(|route| route.function.as_deref() == Some(function.id.as_str()))
                .filter_map(|route| Some((route, effective_timeout_ms(route)?)))
                .collect();
            for (seconds, node) in timeouts(function) {
                let mut exceeded: Vec<&(&Route, i64)> = routes
                    .iter()
                    .filter(|(_, limit)| seconds * 1000 > *limit)
                    .collect();
                exceeded.sort_by_key(|(_, limit)| *limit);
                let Some((route, limit)) = exceeded.first() else {
                    continue;
                };
                let others = match exceeded.len() - 1 {
                    0 => String::new(),
                    1 => " (and 1 other route)".to_string(),
                    n => format!(" (and {n} other routes)"),
                };
                checker.report(
                    function,
                    node.map_or(function.span, |node| node.span),
                    format!(
                        "`{}` has `Timeout: {seconds}` but API route `{}`{others} gives up after {} ms: callers get a 504 while the function keeps running",
                        function.origin.id, route.key(), limit
                    ),
                );
            }
        }
    }
}

/// The route's timeout; `None` when it is set to a value the scanner cannot know.
fn effective_timeout_ms(route: &Route) -> Option<i64> {
    match route.integration_timeout {
        IntegrationTimeout::Millis(millis) => Some(millis),
        IntegrationTimeout::Unknown => None,
        IntegrationTimeout::Default => Some(match route.kind {
            // WebSocket integrations time out after 29 s, as REST ones do.
            ApiKind::Rest | ApiKind::WebSocket => REST_DEFAULT_MS,
            ApiKind::Http => HTTP_DEFAULT_MS,
        }),
    }
}
