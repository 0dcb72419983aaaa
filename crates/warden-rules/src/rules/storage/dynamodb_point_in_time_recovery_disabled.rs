use warden_iac::Template;

use super::common::require_true;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags DynamoDB tables (`AWS::DynamoDB::Table` and SAM `AWS::Serverless::SimpleTable`)
    /// without point-in-time recovery:
    /// `PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled` absent or `false`.
    ///
    /// ## Why is this bad?
    /// Without PITR a bad deployment, a bug that overwrites items or a deleted table can
    /// only be recovered from on-demand backups, if someone took one. PITR restores the
    /// table to any second of the last 35 days.
    ///
    /// ## Example
    /// ```yaml
    /// Orders:
    ///   Type: AWS::DynamoDB::Table
    ///   Properties:
    ///     BillingMode: PAY_PER_REQUEST
    /// ```
    ///
    /// ## Fix
    /// Set `PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html>
    /// - checkov CKV_AWS_28; cfn_nag W78; KICS `0f04217d`; Trivy AVD-AWS-0024
    pub struct DynamodbPointInTimeRecoveryDisabled {
        code: "WD709",
        name: "dynamodb-point-in-time-recovery-disabled",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled: true` on the table.",
    }
}

impl Rule for DynamodbPointInTimeRecoveryDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for table in template.resources_of_type("AWS::DynamoDB::Table") {
            let id = &table.origin.id;
            require_true(
                checker,
                table,
                table.prop("PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled"),
                || format!("table `{id}` has no point-in-time recovery"),
                |_| format!("table `{id}` turns off point-in-time recovery"),
            );
        }
    }
}
