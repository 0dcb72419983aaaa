use warden_iac::policy::{
    action_requires_star_resource, resource_star_only_actions, wildcard_match,
};
use warden_iac::Template;

use super::common::{code_list, is_service_wildcard, reported_as_admin};
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// AWS managed policies a function role legitimately carries, whose statements use `*`
/// by design (logs, VPC network interfaces, X-Ray).
const EXEMPT_MANAGED: &[&str] = &[
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess",
];

/// Network-interface actions Lambda needs on `*` to attach a function to a VPC.
const VPC_ACTIONS: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DetachNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
];

declare_rule! {
    /// ## What it does
    /// Flags Lambda execution roles that allow scopable actions on `Resource: "*"`. Scopable
    /// actions are those that support resource-level permissions (`s3:GetObject`,
    /// `dynamodb:PutItem`, `sqs:SendMessage` ...). The rule is action-aware: actions that only accept `*` (`xray:PutTraceSegments`,
    /// `ec2:DescribeNetworkInterfaces`, `cloudwatch:PutMetricData` ...), Lambda's VPC
    /// network-interface actions on VPC functions, and the statements of the AWS managed
    /// basic, VPC and X-Ray execution policies are not reported. `*` and `service:*` actions
    /// are left to `function-role-with-admin-access` and `function-role-with-service-wildcard`.
    ///
    /// ## Why is this bad?
    /// `Resource: "*"` extends the permission to every bucket, table, queue or key in the
    /// account, including those of other applications: an attacker who controls the function
    /// can read or change all of them.
    ///
    /// ## Example
    /// ```yaml
    /// - Effect: Allow
    ///   Action: [s3:GetObject, s3:PutObject]
    ///   Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Name the resources: `!Sub "${Bucket.Arn}/*"`, `!GetAtt Table.Arn`, or use SAM policy
    /// templates, which take the resource as a parameter.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
    /// - cfn_nag W11/W12/W13; checkov CKV_AWS_111/107/108/109; sls-mentor `noIAMRolePolicyWithWildcardResource`
    pub struct FunctionRoleWildcardResource {
        code: "WD115",
        name: "function-role-wildcard-resource",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Scope the statement to the ARNs of the resources the function uses.",
    }
}

impl Rule for FunctionRoleWildcardResource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let in_vpc = function.prop("VpcConfig").is_some();
            for statement in &info.permissions.statements {
                if !statement.allow || statement.not_action || !statement.has_star_resource() {
                    continue;
                }
                let exempt_managed =
                    EXEMPT_MANAGED.contains(&statement.origin.as_str())
                        && info.permissions.managed.iter().any(|(name, span)| {
                            *name == statement.origin && *span == statement.span
                        });
                if exempt_managed || reported_as_admin(info, statement) {
                    continue;
                }
                let actions: Vec<&str> = statement
                    .action_names()
                    .map(|(name, _)| name)
                    .filter(|name| !is_service_wildcard(name))
                    .filter(|name| {
                        !(in_vpc && VPC_ACTIONS.iter().any(|vpc| vpc.eq_ignore_ascii_case(name)))
                    })
                    .filter(|name| supports_resource_level(name))
                    .collect();
                if actions.is_empty() {
                    continue;
                }
                let span = statement
                    .resource_names()
                    .find(|(name, _)| *name == "*")
                    .map_or(statement.span, |(_, node)| node.span);
                checker.report(
                    function,
                    span,
                    format!(
                        "execution role of `{}` allows {} on `Resource: \"*\"` (policy `{}`): scope it to the resources the function uses",
                        function.origin.id,
                        code_list(&actions),
                        statement.origin
                    ),
                );
            }
        }
    }
}

/// True when `action` can be scoped to resources. A pattern (`s3:Get*`) is assumed to cover
/// scopable actions, except `Describe*` patterns that match `*`-only actions (EC2, Logs ...
/// describe calls almost all take `*` only).
fn supports_resource_level(action: &str) -> bool {
    if !action.contains(['*', '?']) {
        return !action_requires_star_resource(action);
    }
    let lower = action.to_ascii_lowercase();
    let describe = lower
        .split_once(':')
        .is_some_and(|(_, name)| name.starts_with("describe"));
    !(describe
        && resource_star_only_actions()
            .iter()
            .any(|known| wildcard_match(&lower, known)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_level_support() {
        assert!(supports_resource_level("s3:GetObject"));
        assert!(supports_resource_level("s3:Get*"));
        assert!(!supports_resource_level("xray:PutTraceSegments"));
        assert!(!supports_resource_level("ec2:Describe*"));
    }
}
