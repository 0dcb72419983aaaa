use warden_iac::Template;

use super::common::require_true;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags DynamoDB tables without deletion protection: `DeletionProtectionEnabled`
    /// absent (the default is `false`) or `false`. SAM `AWS::Serverless::SimpleTable` cannot
    /// set it and is always reported.
    ///
    /// ## Why is this bad?
    /// A table without deletion protection is dropped, with all its items, by one
    /// `DeleteTable` call, by a stack deletion or by a refactoring that renames the logical
    /// ID. Point-in-time recovery backups of a deleted table only last 35 days and must be
    /// restored into a new table.
    ///
    /// ## Example
    /// ```yaml
    /// Orders:
    ///   Type: AWS::DynamoDB::Table
    ///   Properties:
    ///     BillingMode: PAY_PER_REQUEST
    ///     DeletionProtectionEnabled: false
    /// ```
    ///
    /// ## Fix
    /// Set `DeletionProtectionEnabled: true` (replace a SAM `SimpleTable` by an
    /// `AWS::DynamoDB::Table`), and consider `DeletionPolicy: Retain`. Tables of disposable
    /// data can suppress the finding with a reason.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection>
    /// - Prowler `dynamodb_table_deletion_protection_enabled`; sls-mentor `enableDeletionProtectionOnDynamoDBTables`
    pub struct DynamodbDeletionProtectionDisabled {
        code: "WD719",
        name: "dynamodb-deletion-protection-disabled",
        risk: Reliability,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `DeletionProtectionEnabled: true` on the table.",
    }
}

impl Rule for DynamodbDeletionProtectionDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for table in template.resources_of_type("AWS::DynamoDB::Table") {
            let id = &table.origin.id;
            require_true(
                checker,
                table,
                table.prop("DeletionProtectionEnabled"),
                || format!("table `{id}` has no deletion protection"),
                |_| format!("table `{id}` turns off deletion protection"),
            );
        }
    }
}
