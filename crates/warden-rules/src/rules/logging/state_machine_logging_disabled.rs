use warden_iac::{Node, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Step Functions state machines (`AWS::StepFunctions::StateMachine` and SAM
    /// `AWS::Serverless::StateMachine`) without execution logging: no
    /// `LoggingConfiguration` (SAM `Logging`), `Level: OFF` or no `Destinations`.
    ///
    /// ## Why is this bad?
    /// Without execution logs there is no record of which executions failed, with what
    /// input and at which state, which makes incidents hard to investigate and abuse hard
    /// to notice (Express workflows keep no execution history at all).
    ///
    /// ## Example
    /// ```yaml
    /// Workflow:
    ///   Type: AWS::Serverless::StateMachine
    ///   Properties:
    ///     DefinitionUri: statemachine.asl.json
    /// ```
    ///
    /// ## Fix
    /// Set `Logging` (SAM) or `LoggingConfiguration` with `Level: ERROR` or `ALL`,
    /// `IncludeExecutionData` as needed, and a CloudWatch Logs log group in `Destinations`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html>
    /// - Trivy AVD-AWS-0119; checkov CKV_AWS_285; Prowler `stepfunctions_statemachine_logging_enabled`
    pub struct StateMachineLoggingDisabled {
        code: "WD803",
        name: "state-machine-logging-disabled",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Set `LoggingConfiguration` (SAM `Logging`) with `Level: ERROR` or `ALL` and a log group destination.",
    }
}

impl Rule for StateMachineLoggingDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for machine in template.resources_of_type("AWS::StepFunctions::StateMachine") {
            let id = &machine.origin.id;
            let Some(logging) = machine.prop("LoggingConfiguration") else {
                checker.report(
                    machine,
                    machine.span,
                    format!("state machine `{id}` has no execution logging"),
                );
                continue;
            };
            for logging in logging.alternatives() {
                if !logging.is_known() {
                    continue;
                }
                match logging.get("Level") {
                    Some(level) => {
                        for level in level.alternatives() {
                            if level
                                .as_str()
                                .is_some_and(|text| text.eq_ignore_ascii_case("OFF"))
                            {
                                checker.report(
                                    machine,
                                    level.span,
                                    format!("state machine `{id}` has logging `Level: OFF`"),
                                );
                            }
                        }
                    }
                    None => {
                        checker.report(machine, logging.span, format!("state machine `{id}` sets no logging `Level` (the default is `OFF`)"));
                        continue;
                    }
                }
                let no_destination = logging
                    .get("Destinations")
                    .is_none_or(|d| d.is_known() && d.items().is_empty());
                let off = logging
                    .get("Level")
                    .and_then(Node::as_str)
                    .is_some_and(|text| text.eq_ignore_ascii_case("OFF"));
                if no_destination && !off {
                    checker.report(machine, logging.span, format!("state machine `{id}` has a logging level but no log group in `Destinations`"));
                }
            }
        }
    }
}
