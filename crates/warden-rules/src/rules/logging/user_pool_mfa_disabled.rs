use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Cognito user pools whose `MfaConfiguration` is `OFF` or absent (the default is
    /// `OFF`).
    ///
    /// ## Why is this bad?
    /// With passwords alone, a password reused from another breach, phished or guessed is
    /// enough to take over an account. Optional or required MFA stops most of these
    /// takeovers.
    ///
    /// ## Example
    /// ```yaml
    /// Users:
    ///   Type: AWS::Cognito::UserPool
    ///   Properties:
    ///     MfaConfiguration: "OFF"
    /// ```
    ///
    /// ## Fix
    /// Set `MfaConfiguration: ON` (or `OPTIONAL`, and encourage users to enrol) with
    /// `EnabledMfas: [SOFTWARE_TOKEN_MFA]`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html>
    /// - cfn_nag F78; KICS `74a18d1a`; Prowler `cognito_user_pool_mfa_enabled`
    pub struct UserPoolMfaDisabled {
        code: "WD807",
        name: "user-pool-mfa-disabled",
        risk: BrokenAuthentication,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Set `MfaConfiguration: ON` or `OPTIONAL` with `EnabledMfas` on the user pool.",
    }
}

impl Rule for UserPoolMfaDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for pool in template.resources_of_type("AWS::Cognito::UserPool") {
            let id = &pool.origin.id;
            let Some(mfa) = pool.prop("MfaConfiguration") else {
                checker.report(
                    pool,
                    pool.span,
                    format!("user pool `{id}` has no `MfaConfiguration`: MFA is off"),
                );
                continue;
            };
            for value in mfa.alternatives() {
                // YAML 1.1 readers turn an unquoted OFF into false.
                let off = value
                    .as_str()
                    .is_some_and(|text| text.eq_ignore_ascii_case("OFF"))
                    || value.as_bool() == Some(false);
                if off {
                    checker.report(
                        pool,
                        value.span,
                        format!("user pool `{id}` has `MfaConfiguration: OFF`"),
                    );
                }
            }
        }
    }
}
