use warden_iac::analysis::refers_to;
use warden_iac::{Node, Template, Value};

use super::common::{rest_stages, RestStage};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST API stages without stage-wide throttling.
    ///
    /// That is: no `MethodSettings` entry for all
    /// methods (`HttpMethod: "*"`, `ResourcePath: "/*"`) with `ThrottlingRateLimit` or
    /// `ThrottlingBurstLimit`, and no usage plan with `Throttle` on the stage.
    ///
    /// ## Why is this bad?
    /// Without limits a stage accepts up to the account-wide quota (10,000 requests per
    /// second by default, shared by every API in the region). A flood of requests, malicious
    /// or a client bug, is passed on to the functions behind it and billed to you (denial of
    /// wallet), and can starve the account's other APIs.
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
    /// Add a stage-wide method setting with `ThrottlingRateLimit` and `ThrottlingBurstLimit`
    /// sized to the expected traffic, and tighter per-method limits for expensive routes.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html>
    /// - serverless-rules ES2003
    pub struct ApiStageWithoutThrottling {
        code: "WD306",
        name: "api-stage-without-throttling",
        risk: DenialOfWallet,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Add a `MethodSettings` entry with `HttpMethod: \"*\"`, `ResourcePath: \"/*\"`, `ThrottlingRateLimit` and `ThrottlingBurstLimit`.",
    }
}

impl Rule for ApiStageWithoutThrottling {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in rest_stages(template) {
            let throttled = stage.stage_wide_settings().iter().any(|setting| {
                setting.get("ThrottlingRateLimit").is_some()
                    || setting.get("ThrottlingBurstLimit").is_some()
            });
            if throttled || usage_plan_throttles(template, &stage) {
                continue;
            }
            checker.report(
                stage.resource,
                stage.span(),
                format!("{} has no stage-wide throttling (`ThrottlingRateLimit`, `ThrottlingBurstLimit`)", stage.label()),
            );
        }
    }
}

/// True when a usage plan with `Throttle` covers the stage: an `AWS::ApiGateway::UsagePlan`
/// listing it in `ApiStages`, or the SAM API's own `Auth.UsagePlan`.
fn usage_plan_throttles(template: &Template, stage: &RestStage<'_>) -> bool {
    let sam_plan = template
        .resource(&stage.api)
        .and_then(|api| api.prop("Auth.UsagePlan"));
    if sam_plan.is_some_and(|plan| plan.get("Throttle").is_some()) {
        return true;
    }
    template
        .resources_of_type("AWS::ApiGateway::UsagePlan")
        .any(|plan| {
            let Some(api_stages) = plan.prop("ApiStages") else {
                return false;
            };
            api_stages.items().into_iter().any(|api_stage| {
                let api_matches = api_stage
                    .get("ApiId")
                    .is_some_and(|api| !api.is_known() || refers_to(api, &stage.api));
                let stage_matches = api_stage
                    .get("Stage")
                    .is_some_and(|name| names_stage(name, stage));
                api_matches
                    && stage_matches
                    && (plan.prop("Throttle").is_some() || api_stage.get("Throttle").is_some())
            })
        })
}

fn names_stage(node: &Node, stage: &RestStage<'_>) -> bool {
    node.alternatives().iter().any(|value| match &value.value {
        Value::String(name) => *name == stage.name,
        Value::ResourceRef { logical_id, .. } => *logical_id == stage.resource.id,
        // An unknown stage name may be this one.
        _ => !value.is_known(),
    })
}
