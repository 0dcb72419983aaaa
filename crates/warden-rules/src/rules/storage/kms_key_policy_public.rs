use warden_iac::Template;

use super::common::report_public_policies;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags KMS key policies (`AWS::KMS::Key.KeyPolicy`) with an `Allow` statement for
    /// every principal (`"*"`, `AWS: "*"`) that no condition restricts
    /// (`kms:CallerAccount`, `kms:ViaService`, `aws:PrincipalOrgID`, `aws:SourceArn` ...).
    ///
    /// ## Why is this bad?
    /// The key policy is the primary gate on a key. A public statement lets principals of
    /// any account use the key, to decrypt data encrypted with it or, with administrative
    /// actions, to schedule its deletion.
    ///
    /// ## Example
    /// ```yaml
    /// KeyPolicy:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: "*"
    ///       Action: kms:*
    ///       Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// Give the account root (`arn:aws:iam::${AWS::AccountId}:root`) administrative access
    /// and name the roles that use the key, or restrict the statement with
    /// `kms:CallerAccount` and `kms:ViaService`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html>
    /// - checkov CKV_AWS_33; cfn_nag F76; KICS `f6049677`; Prowler `kms_key_not_publicly_accessible`
    pub struct KmsKeyPolicyPublic {
        code: "WD711",
        name: "kms-key-policy-public",
        risk: OverPrivileged,
        severity: High,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Name the principals that use the key, or restrict the statement with `kms:CallerAccount` and `kms:ViaService`.",
    }
}

impl Rule for KmsKeyPolicyPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        report_public_policies(template, checker, "AWS::KMS::Key", "", "key");
    }
}
