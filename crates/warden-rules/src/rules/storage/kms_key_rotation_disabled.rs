use warden_iac::{Node, Template};

use super::common::require_true;
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags symmetric KMS keys (`KeySpec` absent or `SYMMETRIC_DEFAULT`) without automatic
    /// rotation: `EnableKeyRotation` absent or `false`. Asymmetric and HMAC keys, and keys
    /// with imported or external key material, cannot rotate automatically and are skipped.
    ///
    /// ## Why is this bad?
    /// Key material that never changes protects ever more data, and stays usable for all of
    /// it if it is ever compromised. Rotation is free of downtime: KMS keeps old material to
    /// decrypt old data.
    ///
    /// ## Example
    /// ```yaml
    /// DataKey:
    ///   Type: AWS::KMS::Key
    ///   Properties:
    ///     KeyPolicy: {...}
    /// ```
    ///
    /// ## Fix
    /// Set `EnableKeyRotation: true` (optionally `RotationPeriodInDays`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html>
    /// - checkov CKV_AWS_7; cfn_nag F19; KICS `235ca980`; Trivy AVD-AWS-0065
    pub struct KmsKeyRotationDisabled {
        code: "WD712",
        name: "kms-key-rotation-disabled",
        risk: InsecureConfiguration,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Set `EnableKeyRotation: true` on the symmetric key.",
    }
}

impl Rule for KmsKeyRotationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for key in template.resources_of_type("AWS::KMS::Key") {
            let symmetric = key
                .prop("KeySpec")
                .is_none_or(|spec| spec.as_str() == Some("SYMMETRIC_DEFAULT"));
            let own_material = key
                .prop("Origin")
                .is_none_or(|origin| origin.as_str() == Some("AWS_KMS"));
            if !symmetric || !own_material {
                continue;
            }
            let id = &key.origin.id;
            require_true(
                checker,
                key,
                key.prop("EnableKeyRotation"),
                || format!("key `{id}` has no automatic rotation (`EnableKeyRotation` is not set)"),
                |value: &Node| format!("key `{id}` has `EnableKeyRotation: {}`", value.display()),
            );
        }
    }
}
