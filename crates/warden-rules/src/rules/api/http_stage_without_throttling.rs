use warden_iac::Template;

use super::common::{http_stage_label, prop_key_span};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags HTTP API stages without default route throttling.
    ///
    /// That is: no `DefaultRouteSettings.ThrottlingRateLimit` or `ThrottlingBurstLimit` on
    /// `AWS::ApiGatewayV2::Stage`, and SAM `AWS::Serverless::HttpApi` (including the implicit
    /// `ServerlessHttpApi`).
    ///
    /// ## Why is this bad?
    /// Without limits a stage accepts up to the account-wide quota (10,000 requests per
    /// second by default, shared by every API in the region). A flood of requests is passed
    /// on to the functions behind it and billed to you (denial of wallet), and can starve the
    /// account's other APIs.
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
    /// Set `DefaultRouteSettings` with `ThrottlingRateLimit` and `ThrottlingBurstLimit` sized
    /// to the expected traffic, and tighter `RouteSettings` for expensive routes.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html>
    /// - serverless-rules ES2003
    pub struct HttpStageWithoutThrottling {
        code: "WD403",
        name: "http-stage-without-throttling",
        risk: DenialOfWallet,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `DefaultRouteSettings.ThrottlingRateLimit` and `ThrottlingBurstLimit` on the stage.",
    }
}

impl Rule for HttpStageWithoutThrottling {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in template.resources_of_type("AWS::ApiGatewayV2::Stage") {
            let settings = stage.prop("DefaultRouteSettings");
            if settings.is_some_and(|settings| {
                !settings.is_known()
                    || settings.get("ThrottlingRateLimit").is_some()
                    || settings.get("ThrottlingBurstLimit").is_some()
            }) {
                continue;
            }
            checker.report(
                stage,
                prop_key_span(stage, "DefaultRouteSettings").unwrap_or(stage.span),
                format!(
                    "{} has no default throttling (`DefaultRouteSettings.ThrottlingRateLimit`)",
                    http_stage_label(template, stage)
                ),
            );
        }
    }
}
