use warden_iac::Template;

use super::common::{http_stage_label, prop_key_span};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags HTTP API stages without access logging (`AccessLogSettings.DestinationArn`):
    /// `AWS::ApiGatewayV2::Stage`, and SAM `AWS::Serverless::HttpApi` (including the implicit
    /// `ServerlessHttpApi`).
    ///
    /// ## Why is this bad?
    /// HTTP APIs have no execution logs: access logs are the only record of who called which
    /// route, from where, and with what result. Without them an attack or an abuse cannot be
    /// investigated.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::HttpApi
    ///   Properties:
    ///     StageName: prod
    /// ```
    ///
    /// ## Fix
    /// Set `AccessLogSettings` with `DestinationArn` (a log group ARN) and a `Format` that
    /// includes `$context.requestId`, `$context.identity.sourceIp`, `$context.routeKey` and
    /// `$context.status`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html>
    /// - checkov CKV_AWS_95; cfn_nag W46; KICS `80d45af4`; Trivy AVD-AWS-0001; Prowler `apigatewayv2_api_access_logging_enabled`; serverless-rules ES2000
    pub struct HttpStageWithoutAccessLogs {
        code: "WD402",
        name: "http-stage-without-access-logs",
        risk: InsufficientLogging,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `AccessLogSettings.DestinationArn` to a log group ARN, with a `Format` that records the caller, route and status.",
    }
}

impl Rule for HttpStageWithoutAccessLogs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in template.resources_of_type("AWS::ApiGatewayV2::Stage") {
            match stage.prop("AccessLogSettings") {
                None => {
                    checker.report(
                        stage,
                        stage.span,
                        format!("{} has no access logs", http_stage_label(template, stage)),
                    );
                }
                Some(settings)
                    if settings.get("DestinationArn").is_none() && settings.is_known() =>
                {
                    checker.report(
                        stage,
                        prop_key_span(stage, "AccessLogSettings").unwrap_or(settings.span),
                        format!(
                            "{} has no access logs: `AccessLogSettings` has no `DestinationArn`",
                            http_stage_label(template, stage)
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
}
