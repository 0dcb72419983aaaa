use warden_iac::Template;

use super::common::{is_false, rest_stages};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST API stages without AWS X-Ray tracing (`TracingEnabled` missing or `false`).
    ///
    /// ## Why is this bad?
    /// Without traces, a request cannot be followed from API Gateway through the functions
    /// and services it calls, which makes incidents and abuse slower to investigate.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::Serverless::Api
    ///   Properties:
    ///     StageName: prod
    ///     TracingEnabled: false
    /// ```
    ///
    /// ## Fix
    /// Set `TracingEnabled: true` on the stage (SAM: on the `AWS::Serverless::Api` or in
    /// `Globals.Api`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/xray/latest/devguide/xray-services-apigateway.html>
    /// - checkov CKV_AWS_73; KICS `4ab10c48`; Trivy AVD-AWS-0003; Prowler `apigateway_restapi_tracing_enabled`; serverless-rules WS2002
    pub struct ApiStageWithoutTracing {
        code: "WD305",
        name: "api-stage-without-tracing",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `TracingEnabled: true` on the stage.",
    }
}

impl Rule for ApiStageWithoutTracing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in rest_stages(template) {
            match stage.get("TracingEnabled") {
                None => {
                    checker.report(
                        stage.resource,
                        stage.span(),
                        format!("{} has no X-Ray tracing", stage.label()),
                    );
                }
                Some(tracing) if is_false(tracing) => {
                    checker.report(
                        stage.resource,
                        tracing.span,
                        format!(
                            "{} has X-Ray tracing turned off (`TracingEnabled: false`)",
                            stage.label()
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
}
