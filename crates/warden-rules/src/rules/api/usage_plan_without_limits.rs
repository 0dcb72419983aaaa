use warden_iac::Template;

use super::common::resource_label;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags API Gateway usage plans with neither `Throttle` nor `Quota`.
    ///
    /// It reads `AWS::ApiGateway::UsagePlan` resources, and SAM `Auth.UsagePlan` settings that create a
    /// plan (`CreateUsagePlan: PER_API` or `SHARED`).
    ///
    /// ## Why is this bad?
    /// A usage plan is where per-client limits live. A plan without limits lets every API key
    /// holder send as many requests as they like: one leaked or abused key can run up the
    /// bill of every function behind the API.
    ///
    /// ## Example
    /// ```yaml
    /// Plan:
    ///   Type: AWS::ApiGateway::UsagePlan
    ///   Properties:
    ///     ApiStages:
    ///       - ApiId: !Ref Api
    ///         Stage: prod
    /// ```
    ///
    /// ## Fix
    /// Set `Throttle` (`RateLimit`, `BurstLimit`) and a `Quota` (`Limit`, `Period`) sized to
    /// what one client needs.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html>
    /// - cfn_nag W64, W68; KICS `7f8f1b60`, `783860a3`
    pub struct UsagePlanWithoutLimits {
        code: "WD307",
        name: "usage-plan-without-limits",
        risk: DenialOfWallet,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Set `Throttle` (`RateLimit`, `BurstLimit`) and `Quota` (`Limit`, `Period`) on the usage plan.",
    }
}

impl Rule for UsagePlanWithoutLimits {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for plan in template.resources_of_type("AWS::ApiGateway::UsagePlan") {
            if plan.prop("Throttle").is_none() && plan.prop("Quota").is_none() {
                checker.report(
                    plan,
                    plan.span,
                    format!("usage plan `{}` has no `Throttle` and no `Quota`: its API keys are unlimited", resource_label(plan)),
                );
            }
        }
        for api in template.resources_of_type("AWS::ApiGateway::RestApi") {
            let Some(plan) = api.prop("Auth.UsagePlan") else {
                continue;
            };
            let creates = plan.get("CreateUsagePlan").is_some_and(|create| {
                create.alternatives().iter().any(|value| {
                    value
                        .as_str()
                        .is_some_and(|text| matches!(text, "PER_API" | "SHARED"))
                })
            });
            if creates && plan.get("Throttle").is_none() && plan.get("Quota").is_none() {
                checker.report(
                    api,
                    plan.span,
                    format!("usage plan of API `{}` has no `Throttle` and no `Quota`: its API keys are unlimited", resource_label(api)),
                );
            }
        }
    }
}
