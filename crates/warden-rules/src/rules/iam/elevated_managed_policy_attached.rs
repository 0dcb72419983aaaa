use warden_iac::Template;

use super::common::function_role_ids;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// AWS managed policies that grant administrator, IAM or full data-service access.
const ELEVATED: &[&str] = &[
    "AdministratorAccess",
    "PowerUserAccess",
    "IAMFullAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonDynamoDBFullAccess_v2",
    "AmazonRDSFullAccess",
    "AmazonRDSDataFullAccess",
    "AmazonSQSFullAccess",
    "AmazonSNSFullAccess",
    "AmazonKinesisFullAccess",
    "AmazonKinesisFirehoseFullAccess",
    "AmazonElastiCacheFullAccess",
    "AmazonRedshiftFullAccess",
    "AmazonDocDBFullAccess",
    "AmazonSSMFullAccess",
    "AmazonAthenaFullAccess",
    "AmazonOpenSearchServiceFullAccess",
    "AmazonElasticsearchServiceFullAccess",
    "AWSGlueConsoleFullAccess",
    "AWSKeyManagementServicePowerUser",
    "SecretsManagerReadWrite",
    "AWSLambda_FullAccess",
];

declare_rule! {
    /// ## What it does
    /// Flags roles, users and groups that attach an elevated AWS managed policy. The
    /// policies are `AdministratorAccess`, `PowerUserAccess`, `IAMFullAccess` and the
    /// full-access policies of data services (`AmazonS3FullAccess`,
    /// `AmazonDynamoDBFullAccess`, `SecretsManagerReadWrite` and others), attached through
    /// `ManagedPolicyArns` (or SAM `Policies` names on state machines). Lambda execution
    /// roles are left to the function rules (WD113–WD117).
    ///
    /// ## Why is this bad?
    /// These policies grant every action of a service on every resource of the account (or
    /// of all services, for the first two). A principal that needs one bucket or one table
    /// can then read, change or delete all of them.
    ///
    /// ## Example
    /// ```yaml
    /// CiRole:
    ///   Type: AWS::IAM::Role
    ///   Properties:
    ///     ManagedPolicyArns:
    ///       - arn:aws:iam::aws:policy/AdministratorAccess
    /// ```
    ///
    /// ## Fix
    /// Write a policy that allows the needed actions on the needed resources, or use a
    /// narrower managed policy (read-only, or a SAM policy template).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html>
    /// - cfn_nag W43, W44; checkov CKV_AWS_274, CKV2_AWS_56; Trivy AVD-AWS-0345
    pub struct ElevatedManagedPolicyAttached {
        code: "WD504",
        name: "elevated-managed-policy-attached",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Replace the managed policy with a policy that grants only the needed actions on the needed resources.",
    }
}

impl Rule for ElevatedManagedPolicyAttached {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let function_roles = function_role_ids(template);
        for principal in &template.resources {
            if !matches!(
                principal.resource_type.as_str(),
                "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group"
            ) || function_roles.contains(principal.id.as_str())
            {
                continue;
            }
            let Some(arns) = principal.prop("ManagedPolicyArns") else {
                continue;
            };
            for arn in arns.items() {
                let Some(name) = arn.as_str().and_then(aws_managed_name) else {
                    continue;
                };
                if ELEVATED.contains(&name) {
                    checker.report(
                        principal,
                        arn.span,
                        format!(
                            "`{}` has the AWS managed policy `{name}` attached",
                            principal.origin.id
                        ),
                    );
                }
            }
        }
    }
}

/// The name of an AWS managed policy ARN (any partition, any path).
fn aws_managed_name(arn: &str) -> Option<&str> {
    let (_, path) = arn.strip_prefix("arn:")?.split_once(":iam::aws:policy/")?;
    path.rsplit('/').next()
}

#[cfg(test)]
mod tests {
    use super::aws_managed_name;

    #[test]
    fn names_of_managed_arns() {
        assert_eq!(
            aws_managed_name("arn:aws:iam::aws:policy/AdministratorAccess"),
            Some("AdministratorAccess")
        );
        assert_eq!(
            aws_managed_name("arn:aws-cn:iam::aws:policy/job-function/X"),
            Some("X")
        );
        assert_eq!(
            aws_managed_name("arn:aws:iam::123456789012:policy/AdministratorAccess"),
            None
        );
    }
}
