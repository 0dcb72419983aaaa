use warden_iac::Template;

use super::common::rest_stages;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST API stages without access logging (`AccessLogSetting.DestinationArn`).
    ///
    /// It reads `AWS::ApiGateway::Stage`, SAM `AWS::Serverless::Api` (and the implicit
    /// `ServerlessRestApi`), and deployments that declare a stage through `StageName` and
    /// `StageDescription`.
    ///
    /// ## Why is this bad?
    /// Access logs are the record of who called which route, from where, and with what
    /// result. Without them an attack, an abuse or a leak cannot be investigated.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Api
    ///   Properties:
    ///     StageName: prod
    /// ```
    ///
    /// ## Fix
    /// Set `AccessLogSetting` with `DestinationArn` (a log group ARN) and a `Format` that
    /// includes `$context.requestId`, `$context.identity.sourceIp` and `$context.status`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html>
    /// - checkov CKV_AWS_76; cfn_nag W69, W45; KICS `06ec63e3`, `0a994e04`; Trivy AVD-AWS-0001; Prowler `apigateway_restapi_logging_enabled`; serverless-rules ES2000
    pub struct ApiStageWithoutAccessLogs {
        code: "WD302",
        name: "api-stage-without-access-logs",
        risk: InsufficientLogging,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `AccessLogSetting.DestinationArn` to a log group ARN, with a `Format` that records the caller, route and status.",
    }
}

impl Rule for ApiStageWithoutAccessLogs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in rest_stages(template) {
            match stage.get("AccessLogSetting") {
                None => {
                    checker.report(
                        stage.resource,
                        stage.span(),
                        format!("{} has no access logs", stage.label()),
                    );
                }
                Some(setting) if setting.get("DestinationArn").is_none() && setting.is_known() => {
                    checker.report(
                        stage.resource,
                        stage.key_span("AccessLogSetting").unwrap_or(setting.span),
                        format!(
                            "{} has no access logs: `AccessLogSetting` has no `DestinationArn`",
                            stage.label()
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
}
