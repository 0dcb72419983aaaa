use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Lambda functions whose X-Ray tracing mode is not `Active`: `TracingConfig`
    /// absent or `Mode: PassThrough` (SAM: `Tracing`, also from `Globals`).
    ///
    /// ## Why is this bad?
    /// Without traces you cannot follow a request across API Gateway, the function and the
    /// services it calls, which makes incidents and abuse (an injected payload, an unexpected
    /// call to another service) much harder to investigate.
    ///
    /// ## Example
    /// ```yaml
    /// Orders:
    ///   Type: AWS::Lambda::Function
    ///   Properties:
    ///     TracingConfig:
    ///       Mode: PassThrough
    /// ```
    ///
    /// ## Fix
    /// Set `TracingConfig.Mode: Active` (SAM: `Tracing: Active`, or in `Globals.Function`)
    /// and allow the role `xray:PutTraceSegments` and `xray:PutTelemetryRecords` (SAM adds
    /// them itself).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html>
    /// - checkov CKV_AWS_50; KICS `9488c451`; Trivy AVD-AWS-0066; serverless-rules WS1000
    pub struct FunctionTracingDisabled {
        code: "WD111",
        name: "function-tracing-disabled",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `TracingConfig.Mode: Active` (SAM: `Tracing: Active`).",
    }
}

impl Rule for FunctionTracingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let Some(config) = function.prop("TracingConfig") else {
                checker.report(
                    function,
                    function.span,
                    format!(
                        "`{}` has no `TracingConfig`: X-Ray tracing is off",
                        function.origin.id
                    ),
                );
                continue;
            };
            for config in config.alternatives() {
                let Some(mode) = config.get("Mode") else {
                    if config.is_known() {
                        checker.report(
                            function,
                            config.span,
                            format!(
                                "`{}` has no tracing `Mode`: X-Ray tracing is off",
                                function.origin.id
                            ),
                        );
                    }
                    continue;
                };
                for mode in mode.alternatives() {
                    if let Some(text) = mode
                        .as_str()
                        .filter(|text| !text.eq_ignore_ascii_case("Active"))
                    {
                        checker.report(
                            function,
                            mode.span,
                            format!(
                                "`{}` has tracing mode `{text}`: X-Ray tracing is not active",
                                function.origin.id
                            ),
                        );
                    }
                }
            }
        }
    }
}
