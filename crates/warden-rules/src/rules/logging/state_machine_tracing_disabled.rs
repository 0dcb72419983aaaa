use warden_iac::Template;

use crate::rules::storage::common::require_true;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Step Functions state machines (`AWS::StepFunctions::StateMachine` and SAM
    /// `AWS::Serverless::StateMachine`) without X-Ray tracing: `TracingConfiguration`
    /// (SAM `Tracing`) absent or `Enabled: false`.
    ///
    /// ## Why is this bad?
    /// Without tracing, the path of a request through the workflow and the functions and
    /// services it calls cannot be followed, so latency problems, failing integrations and
    /// unexpected calls go unnoticed.
    ///
    /// ## Example
    /// ```yaml
    /// Workflow:
    ///   Type: AWS::Serverless::StateMachine
    ///   Properties:
    ///     Tracing:
    ///       Enabled: false
    /// ```
    ///
    /// ## Fix
    /// Set `Tracing: {Enabled: true}` (SAM) or `TracingConfiguration: {Enabled: true}`, and
    /// allow the role `xray:PutTraceSegments` (SAM adds it for you).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html>
    /// - Trivy AVD-AWS-0117; checkov CKV_AWS_284; serverless-rules WS5000
    pub struct StateMachineTracingDisabled {
        code: "WD804",
        name: "state-machine-tracing-disabled",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        profile: WellArchitected,
        help: "Set `TracingConfiguration.Enabled: true` (SAM `Tracing.Enabled: true`).",
    }
}

impl Rule for StateMachineTracingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for machine in template.resources_of_type("AWS::StepFunctions::StateMachine") {
            let id = &machine.origin.id;
            if machine
                .prop("TracingConfiguration")
                .is_some_and(|t| !t.is_known())
            {
                continue;
            }
            require_true(
                checker,
                machine,
                machine.prop("TracingConfiguration.Enabled"),
                || format!("state machine `{id}` has no X-Ray tracing"),
                |_| format!("state machine `{id}` turns off X-Ray tracing"),
            );
        }
    }
}
