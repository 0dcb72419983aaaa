use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags Cognito identity pools with `AllowUnauthenticatedIdentities: true`.
    ///
    /// ## Why is this bad?
    /// Guest access hands AWS credentials for the pool's unauthenticated role to anyone who
    /// knows the pool ID, which ships inside every web and mobile client. Whatever that role
    /// allows (often more than intended: invoking functions, reading buckets, writing
    /// tables) is open to the internet.
    ///
    /// ## Example
    /// ```yaml
    /// Identities:
    ///   Type: AWS::Cognito::IdentityPool
    ///   Properties:
    ///     AllowUnauthenticatedIdentities: true
    /// ```
    ///
    /// ## Fix
    /// Set `AllowUnauthenticatedIdentities: false`. If guests are a product requirement,
    /// keep the unauthenticated role to the minimum and suppress the finding with a reason.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/cognito/latest/developerguide/identity-pools.html#enable-or-disable-unauthenticated-identities>
    /// - checkov CKV_AWS_366; cfn_nag W57; Prowler `cognito_identity_pool_guest_access_disabled`
    pub struct IdentityPoolAllowsUnauthenticated {
        code: "WD805",
        name: "identity-pool-allows-unauthenticated",
        risk: BrokenAuthentication,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Set `AllowUnauthenticatedIdentities: false`, or keep the guest role minimal and suppress with a reason.",
    }
}

impl Rule for IdentityPoolAllowsUnauthenticated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for pool in template.resources_of_type("AWS::Cognito::IdentityPool") {
            let Some(allow) = pool.prop("AllowUnauthenticatedIdentities") else {
                continue;
            };
            for value in allow.alternatives() {
                if value.as_bool() == Some(true) {
                    checker.report(
                        pool,
                        value.span,
                        format!(
                            "identity pool `{}` gives AWS credentials to unauthenticated users",
                            pool.origin.id
                        ),
                    );
                }
            }
        }
    }
}
