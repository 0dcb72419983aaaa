//! Code rules, one file each, documented like the template rules (`declare_rule!`): the doc
//! comment is what `warden rule CODE` prints and the SARIF help. Codes `WD0xx` are for
//! handler code; they never change meaning once released.

mod code_calls_action_role_lacks;
mod event_data_to_code_evaluation;
mod event_data_to_file_path;
mod event_data_to_nosql_query;
mod event_data_to_outgoing_request;
mod event_data_to_shell;
mod event_data_to_sql;
mod event_data_to_template;
mod event_data_to_unsafe_deserializer;
mod exception_details_in_response;
mod hard_coded_secret_in_code;
mod injection;
mod role_grants_more_than_code_uses;

use warden_diagnostics::{Finding, Severity, Span};
use warden_rules::RuleMeta;

use crate::context::Context;
use crate::PathStep;

/// A rule on handler code.
pub trait CodeRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, context: &Context<'_>, out: &mut Reporter);
}

/// Every code rule, in code order.
pub const RULES: &[&dyn CodeRule] = &[
    &event_data_to_shell::EventDataToShell,
    &event_data_to_code_evaluation::EventDataToCodeEvaluation,
    &event_data_to_unsafe_deserializer::EventDataToUnsafeDeserializer,
    &event_data_to_sql::EventDataToSql,
    &event_data_to_nosql_query::EventDataToNosqlQuery,
    &event_data_to_file_path::EventDataToFilePath,
    &event_data_to_outgoing_request::EventDataToOutgoingRequest,
    &event_data_to_template::EventDataToTemplate,
    &exception_details_in_response::ExceptionDetailsInResponse,
    &hard_coded_secret_in_code::HardCodedSecretInCode,
    &role_grants_more_than_code_uses::RoleGrantsMoreThanCodeUses,
    &code_calls_action_role_lacks::CodeCallsActionRoleLacks,
];

/// Collects one rule's findings on one function.
pub struct Reporter {
    meta: &'static RuleMeta,
    resource: String,
    resource_type: String,
    pub findings: Vec<Finding>,
}

impl Reporter {
    pub fn new(meta: &'static RuleMeta, resource: &str, resource_type: &str) -> Self {
        Reporter {
            meta,
            resource: resource.to_string(),
            resource_type: resource_type.to_string(),
            findings: Vec::new(),
        }
    }

    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Finding {
        self.findings.push(Finding {
            code: self.meta.code,
            name: self.meta.name,
            risk: self.meta.risk,
            severity: self.meta.severity,
            message: message.into(),
            span,
            resource: self.resource.clone(),
            resource_type: self.resource_type.clone(),
            help: self.meta.help.to_string(),
            path: Vec::new(),
            related: Vec::new(),
        });
        self.findings.last_mut().expect("just pushed")
    }
}

/// Builder-style setters for code findings.
pub trait FindingExt {
    fn severity(&mut self, severity: Severity) -> &mut Self;
    fn path(&mut self, path: Vec<PathStep>) -> &mut Self;
    fn related(&mut self, span: Span, message: impl Into<String>) -> &mut Self;
    fn help(&mut self, help: impl Into<String>) -> &mut Self;
}

impl FindingExt for Finding {
    fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }

    fn path(&mut self, path: Vec<PathStep>) -> &mut Self {
        self.path = path;
        self
    }

    fn related(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.related.push(PathStep {
            span,
            message: message.into(),
        });
        self
    }

    fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = help.into();
        self
    }
}
