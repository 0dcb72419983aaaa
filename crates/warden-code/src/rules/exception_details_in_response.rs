use warden_diagnostics::Severity;
use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{CodeRule, FindingExt, Reporter};

declare_rule! {
    /// ## What it does
    /// Flags handlers behind API Gateway or a function URL whose responses carry an
    /// exception's details: a stack trace (`traceback.format_exc()`, `err.stack`) in any
    /// response, the exception's text (`str(e)`, `err.message`, the error object) in a 5xx
    /// body, and `callback(err)` / `context.fail(err)` on a non-proxy (`Type: AWS`)
    /// integration, where API Gateway returns the error message, type and stack as the body.
    ///
    /// ## Why is this bad?
    /// Stack traces and raw exception text tell an attacker the code's paths, libraries and
    /// versions, table and bucket names, sometimes query text or secrets, and confirm which
    /// inputs reach which code: the map for the next attack.
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     try:
    ///         return process(event)
    ///     except Exception:
    ///         return {"statusCode": 500, "body": traceback.format_exc()}
    /// ```
    ///
    /// ## Fix
    /// Log the exception (it goes to CloudWatch) and return a generic message with a
    /// correlation id (`context.aws_request_id`); on non-proxy integrations, map errors to
    /// fixed responses with integration responses.
    ///
    /// ## References
    /// - <https://owasp.org/www-project-serverless-top-10/>
    /// - <https://cwe.mitre.org/data/definitions/209.html>
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html>
    pub struct ExceptionDetailsInResponse {
        code: "WD010",
        name: "exception-details-in-response",
        risk: ImproperErrorHandling,
        severity: Medium,
        formats: ["python", "javascript", "typescript"],
        help: "Log the exception and return a generic message with a request id; never return stack traces or raw exception text.",
    }
}

impl CodeRule for ExceptionDetailsInResponse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        let exposure = &context.exposure;
        for leak in &context.findings.leaks {
            let (reported, what) = if leak.via_callback {
                (
                    exposure.non_proxy,
                    "the error passed to the Lambda callback becomes the response body of the non-proxy integration".to_string(),
                )
            } else if !exposure.http {
                (false, String::new())
            } else if leak.trace {
                (true, format!("the response returns {}", leak.what))
            } else {
                (
                    leak.status.is_some_and(|status| status >= 500),
                    format!(
                        "the {} response returns {}",
                        leak.status.unwrap_or(500),
                        leak.what
                    ),
                )
            };
            if !reported {
                continue;
            }
            let message = format!(
                "{what} in `{}` (reached by {})",
                context.handler_name, exposure.description
            );
            let severity = if leak.trace {
                Severity::Medium
            } else {
                Severity::Low
            };
            out.report(context.span(leak.loc), message)
                .severity(severity)
                .path(vec![
                    crate::PathStep {
                        span: context.span(leak.origin),
                        message: format!("{} is taken here", leak.what),
                    },
                    crate::PathStep {
                        span: context.span(leak.loc),
                        message: "and returned to the caller".into(),
                    },
                ])
                .related(
                    exposure.span,
                    format!("reached by {}", exposure.description),
                );
        }
    }
}
