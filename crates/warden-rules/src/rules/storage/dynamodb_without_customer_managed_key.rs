use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags DynamoDB tables that are not encrypted with a customer managed KMS key. This
    /// covers `AWS::DynamoDB::Table` and SAM `AWS::Serverless::SimpleTable` with no
    /// `SSESpecification`, SSE not enabled (AWS owned key), or no `KMSMasterKeyId` or
    /// `alias/aws/dynamodb` (AWS managed key).
    ///
    /// ## Why is this bad?
    /// DynamoDB always encrypts at rest, but with an AWS owned or AWS managed key nothing
    /// beyond IAM controls who can read the data: the key policy cannot add a second gate,
    /// access cannot be revoked by disabling the key, and key use does not show separately
    /// in CloudTrail.
    ///
    /// ## Example
    /// ```yaml
    /// Orders:
    ///   Type: AWS::DynamoDB::Table
    ///   Properties:
    ///     SSESpecification:
    ///       SSEEnabled: true
    /// ```
    ///
    /// ## Fix
    /// Set `SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref TableKey}`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html>
    /// - checkov CKV_AWS_119; cfn_nag W74; KICS `c8dee387`; Trivy AVD-AWS-0025, AVD-AWS-0121
    pub struct DynamodbWithoutCustomerManagedKey {
        code: "WD710",
        name: "dynamodb-without-customer-managed-key",
        risk: InsecureConfiguration,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `SSESpecification` with `SSEEnabled: true`, `SSEType: KMS` and a customer managed `KMSMasterKeyId`.",
    }
}

impl Rule for DynamodbWithoutCustomerManagedKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for table in template.resources_of_type("AWS::DynamoDB::Table") {
            let id = &table.origin.id;
            let Some(sse) = table.prop("SSESpecification") else {
                checker.report(table, table.span, format!("table `{id}` is encrypted with an AWS owned key, not a customer managed key"));
                continue;
            };
            if !sse.is_known() {
                continue;
            }
            match sse.get("KMSMasterKeyId") {
                Some(key) => {
                    for key in key.alternatives() {
                        if key
                            .as_str()
                            .is_some_and(|text| text.ends_with("alias/aws/dynamodb"))
                        {
                            checker.report(table, key.span, format!("table `{id}` is encrypted with the AWS managed key `alias/aws/dynamodb`"));
                        }
                    }
                }
                None => {
                    let enabled = sse.get("SSEEnabled");
                    if enabled.is_some_and(|enabled| !enabled.is_known()) {
                        continue;
                    }
                    let span = enabled.map_or(sse.span, |enabled| enabled.span);
                    checker.report(table, span, format!("table `{id}` has no `KMSMasterKeyId`: it is not encrypted with a customer managed key"));
                }
            }
        }
    }
}
