//! Helpers shared by the function rules: timeouts, environment variables, secret-named
//! variables and the IAM questions the role rules ask.

use warden_diagnostics::{Finding, Span};
use warden_iac::analysis::FunctionInfo;
use warden_iac::policy::Statement;
use warden_iac::{Node, Resource, RoleBinding, Template, TriggerKind, Value};

pub(crate) use crate::rules::code_list;
use crate::rules::name_list;
use crate::{add_related, Checker};

use crate::secrets::{is_number, is_secret_name, is_secret_reference, known_token, looks_random};

/// Lambda's default `Timeout`, in seconds.
pub(crate) const DEFAULT_TIMEOUT: i64 = 3;

/// The possible timeouts of a function, in seconds, each with the node that sets it (`None`
/// for the default). Unknown alternatives are left out.
pub(crate) fn timeouts(function: &Resource) -> Vec<(i64, Option<&Node>)> {
    match function.prop("Timeout") {
        None => vec![(DEFAULT_TIMEOUT, None)],
        Some(node) => node
            .alternatives()
            .into_iter()
            .filter_map(|alternative| Some((alternative.as_i64()?, Some(alternative))))
            .collect(),
    }
}

/// The environment variables of a function, when they are a known mapping.
pub(crate) fn environment(function: &Resource) -> Option<&warden_iac::node::Map> {
    function
        .prop("Environment.Variables")
        .and_then(Node::as_map)
}

/// True when `secret-in-function-environment` (WD101) reports this literal.
pub(crate) fn is_plaintext_credential(name: &str, text: &str) -> bool {
    !is_secret_reference(text)
        && (known_token(text).is_some() || (is_secret_name(name) && looks_random(text)))
}

/// Why a secret-named variable's value does not come from a secret store, if it does not:
/// a literal (that WD101 does not already report), or a template parameter that is echoed
/// or has a default.
pub(crate) fn weak_secret_source(template: &Template, name: &str, value: &Node) -> Option<String> {
    if !is_secret_name(name) {
        return None;
    }
    if let Some(parameter) = value.parameter.as_deref() {
        let parameter = template.parameter(parameter)?;
        // SSM parameter types are read from Parameter Store at deploy time; numbers are
        // settings.
        if parameter
            .parameter_type
            .starts_with("AWS::SSM::Parameter::Value")
            || parameter.parameter_type.contains("Number")
        {
            return None;
        }
        let default = parameter
            .default
            .as_ref()
            .filter(|default| default.as_str() != Some(""));
        return match (parameter.no_echo, default) {
            (false, Some(_)) => Some(format!(
                "parameter `{}` without `NoEcho: true` and with a `Default`",
                parameter.name
            )),
            (false, None) => Some(format!(
                "parameter `{}` without `NoEcho: true`",
                parameter.name
            )),
            (true, Some(_)) => Some(format!(
                "parameter `{}` with a `Default` in the template",
                parameter.name
            )),
            (true, None) => None,
        };
    }
    let text = match &value.value {
        Value::String(text) => text,
        // `PASSWORD_ITERATIONS: 4096` is a setting, not a secret.
        _ => return None,
    };
    if is_secret_reference(text) || is_number(text) || is_plaintext_credential(name, text) {
        return None;
    }
    Some("a literal value".to_string())
}

/// AWS managed policies that make a role an administrator.
pub(crate) const ADMIN_POLICIES: &[&str] =
    &["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];

/// True for an Allow of `Action: "*"` on `Resource: "*"`.
pub(crate) fn is_full_admin(statement: &Statement) -> bool {
    statement.allow
        && !statement.not_action
        && statement.has_star_resource()
        && statement.action_names().any(|(name, _)| name == "*")
}

/// True when `function-role-with-admin-access` (WD113) reports the statement: a full admin
/// statement, or one that comes from an attached admin managed policy.
pub(crate) fn reported_as_admin(info: &FunctionInfo, statement: &Statement) -> bool {
    is_full_admin(statement)
        || (ADMIN_POLICIES.contains(&statement.origin.as_str())
            && info
                .permissions
                .managed
                .iter()
                .any(|(name, span)| name == &statement.origin && *span == statement.span))
}

/// An action of an Allow statement that is a whole-service wildcard (`s3:*`) or `*`.
pub(crate) fn is_service_wildcard(action: &str) -> bool {
    action == "*" || action.split_once(':').is_some_and(|(_, name)| name == "*")
}

/// True when a `Deny` without condition on `Resource: "*"` denies `action`.
pub(crate) fn denied(info: &FunctionInfo, action: &str) -> bool {
    info.permissions.statements.iter().any(|s| {
        !s.allow && s.condition.is_none() && s.has_star_resource() && s.grants(action).is_some()
    })
}

/// A trigger kind as users name the service.
pub(crate) fn trigger_name(kind: TriggerKind) -> &'static str {
    match kind {
        TriggerKind::RestApi => "a REST API",
        TriggerKind::HttpApi => "an HTTP API",
        TriggerKind::FunctionUrl => "a function URL",
        TriggerKind::S3 => "S3",
        TriggerKind::Sns => "SNS",
        TriggerKind::Sqs => "SQS",
        TriggerKind::Kinesis => "Kinesis",
        TriggerKind::DynamoDb => "DynamoDB Streams",
        TriggerKind::Schedule => "a schedule",
        TriggerKind::EventBridge => "EventBridge",
        TriggerKind::CloudWatchLogs => "CloudWatch Logs",
        TriggerKind::Cognito => "Cognito",
        TriggerKind::Iot => "IoT",
        TriggerKind::Kafka => "Kafka",
        TriggerKind::Mq => "Amazon MQ",
        TriggerKind::Other => "an event source",
    }
}

/// What a statement grants of `actions`, for messages: the statement's own entries that
/// grant them (`iam:*` rather than the ten actions it covers), or for `NotAction` the
/// actions themselves. `None` when it grants none.
pub(crate) fn granted_entries<'a>(
    info: &FunctionInfo,
    statement: &'a Statement,
    actions: &[&'a str],
) -> Option<(Vec<&'a str>, &'a Node)> {
    let mut names: Vec<&str> = Vec::new();
    let mut first = None;
    for action in actions {
        let Some(node) = statement.grants(action) else {
            continue;
        };
        if denied(info, action) {
            continue;
        }
        first.get_or_insert(node);
        let name = if statement.not_action {
            Some(*action)
        } else {
            node.as_str()
        };
        if let Some(name) = name.filter(|name| !names.contains(name)) {
            names.push(name);
        }
    }
    Some((names, first?))
}

/// Functions that share one execution role in the stack, judged once: a statement of a
/// shared role is one cause, reported once with every function it affects.
pub(crate) struct RoleGroup<'t> {
    /// The functions, in template order; the first one's analysis stands for all (the
    /// permissions are the role's).
    pub functions: Vec<&'t FunctionInfo>,
    /// The role resource, when the stack declares it.
    pub role: Option<&'t Resource>,
}

impl<'t> RoleGroup<'t> {
    pub fn info(&self) -> &'t FunctionInfo {
        self.functions[0]
    }

    /// How messages name the role: "execution role of `F`" for one function,
    /// "execution role `R` of `F`, `G` and `H`" for a shared one.
    pub fn subject(&self, template: &Template) -> String {
        let names: Vec<&str> = self
            .functions
            .iter()
            .map(|info| info.resource(template).origin.id.as_str())
            .collect();
        if names.len() == 1 {
            return format!("execution role of `{}`", names[0]);
        }
        let role = self.role.map_or_else(String::new, |role| {
            if role.origin.resource_type == "Serverless::Provider" {
                " (the service's default role)".to_string()
            } else {
                format!(" `{}`", role.origin.id)
            }
        });
        format!("execution role{role} of {}", name_list(&names))
    }

    /// Reports one finding for the group: on the function when the role serves one, on the
    /// role (with each function as a related location) when it is shared.
    pub fn report<'c>(
        &self,
        template: &Template,
        checker: &'c mut Checker<'_>,
        span: Span,
        message: String,
    ) -> &'c mut Finding {
        let first = self.info().resource(template);
        let subject = match (self.functions.len(), self.role) {
            (1, _) | (_, None) => first,
            (_, Some(role)) => role,
        };
        let finding = checker.report(subject, span, message);
        if self.functions.len() > 1 {
            for info in &self.functions {
                let function = info.resource(template);
                add_related(
                    finding,
                    function.span,
                    format!("function `{}` uses this role", function.origin.id),
                );
            }
        }
        finding
    }
}

/// The template's functions grouped by execution role (functions whose role is not in the
/// stack have no readable permissions and are left out).
pub(crate) fn role_groups(template: &Template) -> Vec<RoleGroup<'_>> {
    let mut groups: Vec<(usize, RoleGroup<'_>)> = Vec::new();
    for info in &template.analysis.functions {
        let RoleBinding::Resource(index) = info.role else {
            continue;
        };
        match groups.iter_mut().find(|(role, _)| *role == index) {
            Some((_, group)) => group.functions.push(info),
            None => groups.push((
                index,
                RoleGroup {
                    functions: vec![info],
                    role: Some(&template.resources[index]),
                },
            )),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}
