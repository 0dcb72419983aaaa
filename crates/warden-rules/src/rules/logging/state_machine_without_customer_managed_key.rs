use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Step Functions state machines whose data is not encrypted with a customer
    /// managed KMS key: `EncryptionConfiguration` absent (SAM: on the `StateMachine`) or
    /// `Type: AWS_OWNED_KEY`.
    ///
    /// ## Why is this bad?
    /// Execution history holds every state's input and output, often personal data or
    /// tokens passed between steps. With the AWS owned key anyone allowed to read the
    /// execution history reads it in clear; a customer managed key adds a key policy that
    /// must also allow the reader, a CloudTrail record of each use, and a way to revoke
    /// access.
    ///
    /// ## Example
    /// ```yaml
    /// Checkout:
    ///   Type: AWS::StepFunctions::StateMachine
    ///   Properties:
    ///     DefinitionString: "{...}"
    ///     RoleArn: !GetAtt CheckoutRole.Arn
    /// ```
    ///
    /// ## Fix
    /// Set `EncryptionConfiguration: {Type: CUSTOMER_MANAGED_KMS_KEY, KmsKeyId: !Ref Key}`
    /// and allow the state machine's role `kms:Decrypt` and `kms:GenerateDataKey` on the key.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html>
    /// - Prowler `stepfunctions_statemachine_encrypted_with_cmk`
    pub struct StateMachineWithoutCustomerManagedKey {
        code: "WD810",
        name: "state-machine-without-customer-managed-key",
        risk: InsecureConfiguration,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        profile: WellArchitected,
        help: "Set `EncryptionConfiguration` with `Type: CUSTOMER_MANAGED_KMS_KEY` and a `KmsKeyId`.",
    }
}

impl Rule for StateMachineWithoutCustomerManagedKey {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for machine in template.resources_of_type("AWS::StepFunctions::StateMachine") {
            let id = &machine.origin.id;
            let Some(kind) = machine.prop("EncryptionConfiguration.Type") else {
                if machine
                    .prop("EncryptionConfiguration")
                    .is_none_or(|config| config.is_known())
                {
                    checker.report(
                        machine,
                        machine.span,
                        format!("state machine `{id}` is encrypted with an AWS owned key, not a customer managed key"),
                    );
                }
                continue;
            };
            for kind in kind.alternatives() {
                if kind.as_str() == Some("AWS_OWNED_KEY") {
                    checker.report(
                        machine,
                        kind.span,
                        format!("state machine `{id}` uses `AWS_OWNED_KEY` encryption, not a customer managed key"),
                    );
                }
            }
        }
    }
}
