use warden_iac::analysis::refers_to;
use warden_iac::policy::Statement;
use warden_iac::{Node, Template, Value};

use super::common::{function_role_ids, policy_documents, PolicyKind};
use crate::conditions::{accepted_values, narrows_target};
use crate::rules::code_list;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Actions that replace what a function runs, or how.
const CHANGE_FUNCTION: &[&str] = &[
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
];

/// Actions that widen a role's permissions or who may assume it.
const CHANGE_ROLE: &[&str] = &[
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
];

declare_rule! {
    /// ## What it does
    /// Flags roles, users and groups of the stack, other than Lambda execution roles (which
    /// `function-role-privilege-escalation` and `function-can-modify-functions` cover), whose
    /// policies let them act as the stack's functions:
    ///
    /// - `lambda:UpdateFunctionCode` / `UpdateFunctionConfiguration` on the stack's
    ///   functions (named, `function:*` or `*`),
    /// - `iam:PutRolePolicy`, `iam:AttachRolePolicy` (and boundary or trust changes) on a
    ///   function's execution role (named or `*`),
    /// - `iam:PassRole` on `*` together with `lambda:CreateFunction`.
    ///
    /// Conditions that narrow the target (`aws:ResourceTag/...`, `iam:PolicyARN`,
    /// `iam:PassedToService` other than Lambda) are honoured. `Action: "*"` is left to
    /// `policy-allows-full-admin`.
    ///
    /// ## Why is this bad?
    /// Whoever can use the principal can run code with a function's permissions (replace its
    /// code, or create a function with any role), or give a function's role more
    /// permissions: a privilege escalation that goes through the serverless application.
    ///
    /// ## Example
    /// ```yaml
    /// SupportRole:
    ///   Type: AWS::IAM::Role
    ///   Properties:
    ///     Policies:
    ///       - PolicyName: support
    ///         PolicyDocument:
    ///           Statement:
    ///             - Effect: Allow
    ///               Action: lambda:UpdateFunctionCode
    ///               Resource: !GetAtt Payments.Arn
    /// ```
    ///
    /// ## Fix
    /// Keep code and role changes in the deployment pipeline's role, scoped to the stack's
    /// resources, and give other principals read-only access (`lambda:GetFunction`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html>
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>
    /// - checkov CKV_AWS_286/287/288 (privilege escalation, credentials exposure, data exfiltration)
    pub struct PrincipalCanEscalateThroughFunctions {
        code: "WD507",
        name: "principal-can-escalate-through-functions",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Scope Lambda code and configuration changes and IAM role changes to the deployment pipeline's role; give other principals read-only Lambda access.",
    }
}

impl Rule for PrincipalCanEscalateThroughFunctions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let functions: Vec<&str> = template
            .analysis
            .functions
            .iter()
            .map(|info| info.resource(template).id.as_str())
            .collect();
        if functions.is_empty() {
            return;
        }
        let roles = function_role_ids(template);
        for policy in policy_documents(template) {
            if policy.kind != PolicyKind::Identity || policy.function_roles_only {
                continue;
            }
            // A role that is itself a function's execution role is the function rules' case.
            if roles.contains(policy.resource.id.as_str()) {
                continue;
            }
            let statements = policy.statements();
            let creates_functions = statements
                .iter()
                .any(|s| s.allow && s.grants("lambda:CreateFunction").is_some());
            for statement in &statements {
                if !statement.allow
                    || statement.not_action
                    || statement.action_names().any(|(name, _)| name == "*")
                {
                    continue;
                }
                let narrowed = narrows_target(statement.condition.as_ref());
                let mut granted: Vec<&str> = Vec::new();
                let mut span = None;
                let mut targets: Vec<String> = Vec::new();
                let mut grant = |actions: &[&'static str], target: Option<String>| {
                    for action in actions {
                        if let Some(node) = statement.grants(action) {
                            span.get_or_insert(node.span);
                            if !granted.contains(action) {
                                granted.push(action);
                            }
                        }
                    }
                    if let Some(target) = target {
                        if !targets.contains(&target) {
                            targets.push(target);
                        }
                    }
                };
                if !narrowed {
                    if let Some(target) = covered(statement, &functions, "function") {
                        if CHANGE_FUNCTION
                            .iter()
                            .any(|a| statement.grants(a).is_some())
                        {
                            grant(CHANGE_FUNCTION, Some(target));
                        }
                    }
                    let role_ids: Vec<&str> = roles.iter().copied().collect();
                    if let Some(target) = covered(statement, &role_ids, "role") {
                        if CHANGE_ROLE.iter().any(|a| statement.grants(a).is_some()) {
                            grant(CHANGE_ROLE, Some(target));
                        }
                    }
                }
                let passes_to_lambda = statement.has_star_resource()
                    && statement.grants("iam:PassRole").is_some()
                    && (!narrowed || passed_to_lambda(statement));
                if passes_to_lambda && creates_functions {
                    grant(
                        &["iam:PassRole", "lambda:CreateFunction"],
                        Some("new functions with any role".to_string()),
                    );
                }
                let Some(span) = span else {
                    continue;
                };
                checker.report(
                    policy.resource,
                    span,
                    format!(
                        "{} lets {} act through the stack's functions: it allows {} on {}",
                        policy.describe(),
                        principals(template, policy.resource),
                        code_list(&granted),
                        targets.join(", ")
                    ),
                );
            }
        }
    }
}

/// Who a policy empowers: the role, user or group that declares it, or those a standalone
/// policy is attached to.
fn principals(template: &Template, resource: &warden_iac::Resource) -> String {
    if matches!(
        resource.resource_type.as_str(),
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group"
    ) {
        return format!("`{}`", resource.origin.id);
    }
    let mut names: Vec<String> = Vec::new();
    for property in [
        "Roles",
        "Users",
        "Groups",
        "RoleName",
        "UserName",
        "GroupName",
    ] {
        for node in resource.prop(property).map(Node::items).unwrap_or_default() {
            let name = template
                .referenced(node)
                .map_or_else(|| node.display(), |target| target.origin.id.clone());
            let name = format!("`{name}`");
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    if names.is_empty() {
        format!("whoever `{}` is attached to", resource.origin.id)
    } else {
        names.join(", ")
    }
}

/// How the statement's resources cover the stack's `ids` (functions or roles): "every
/// function" for `*` or a `function:*` / `role/*` pattern, the IDs it names otherwise.
fn covered(statement: &Statement, ids: &[&str], kind: &str) -> Option<String> {
    if statement.not_resource || ids.is_empty() {
        return None;
    }
    let mut named: Vec<&str> = Vec::new();
    for node in &statement.resources {
        if is_every(node, kind) {
            return Some(format!("every {kind} (`{}`)", node.display()));
        }
        for id in ids {
            if refers_to(node, id) && !named.contains(id) {
                named.push(id);
            }
        }
    }
    if named.is_empty() {
        return None;
    }
    let quoted: Vec<String> = named.iter().map(|id| format!("`{id}`")).collect();
    Some(format!("{kind} {}", quoted.join(", ")))
}

/// `*`, or an ARN whose resource part is `function:*` / `role/*` (any account or region).
fn is_every(node: &Node, kind: &str) -> bool {
    let text = match &node.value {
        Value::String(text) => text.as_str(),
        Value::Unknown {
            partial: Some(partial),
            ..
        } => partial.as_str(),
        _ => return false,
    };
    text == "*"
        || match kind {
            "function" => text.ends_with(":function:*") || text.ends_with(":*:*:*"),
            _ => text.ends_with(":role/*") || text.ends_with(":*:*:*"),
        }
}

/// True when an `iam:PassedToService` condition still allows Lambda.
fn passed_to_lambda(statement: &Statement) -> bool {
    accepted_values(statement.condition.as_ref(), "iam:passedtoservice").is_some_and(|values| {
        values.iter().any(|value| {
            value.as_str().is_some_and(|service| {
                warden_iac::policy::wildcard_match(
                    &service.to_ascii_lowercase(),
                    "lambda.amazonaws.com",
                )
            })
        })
    })
}
