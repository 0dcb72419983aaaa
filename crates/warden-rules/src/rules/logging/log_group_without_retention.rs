use warden_iac::Template;

use crate::rules::storage::common::resource_label;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `AWS::Logs::LogGroup` resources without `RetentionInDays`. Log groups of
    /// Lambda functions (named `/aws/lambda/...`, or bound to a function by
    /// `LoggingConfig.LogGroup`) are left to WD118, which reports them with their function.
    ///
    /// ## Why is this bad?
    /// Without a retention period logs are kept forever: storage costs grow without bound,
    /// and personal data or secrets that reach the logs are kept longer than any policy
    /// allows.
    ///
    /// ## Example
    /// ```yaml
    /// AccessLogs:
    ///   Type: AWS::Logs::LogGroup
    ///   Properties:
    ///     LogGroupName: /app/api/access
    /// ```
    ///
    /// ## Fix
    /// Set `RetentionInDays` to what your operations and compliance need (for example 30,
    /// or 365 for audit logs), and export older logs to S3 if they must be kept.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention>
    /// - checkov CKV_AWS_66, CKV_AWS_338; cfn_nag W86
    pub struct LogGroupWithoutRetention {
        code: "WD801",
        name: "log-group-without-retention",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `RetentionInDays` on the log group.",
    }
}

impl Rule for LogGroupWithoutRetention {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let function_groups: Vec<usize> = template
            .analysis
            .functions
            .iter()
            .filter_map(|f| f.log_group)
            .collect();
        for (index, group) in template.resources.iter().enumerate() {
            if group.resource_type != "AWS::Logs::LogGroup" || function_groups.contains(&index) {
                continue;
            }
            let lambda_group = group
                .prop("LogGroupName")
                .is_some_and(|name| name.display().starts_with("/aws/lambda/"));
            if lambda_group || group.prop("RetentionInDays").is_some() {
                continue;
            }
            checker.report(
                group,
                group.span,
                format!(
                    "{} has no `RetentionInDays`: its logs are kept forever",
                    resource_label(group, "log group", "LogGroupName")
                ),
            );
        }
    }
}
