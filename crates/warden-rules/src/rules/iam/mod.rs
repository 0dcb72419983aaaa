//! Rules on IAM roles and policies (WD5xx).
pub(crate) mod common;
mod cross_account_trust_without_condition;
mod elevated_managed_policy_attached;
mod policy_allows_full_admin;
mod policy_uses_not_action_or_not_resource;
mod principal_can_escalate_through_functions;
mod trust_policy_too_open;
mod unconstrained_sensitive_read;

pub use cross_account_trust_without_condition::*;
pub use elevated_managed_policy_attached::*;
pub use policy_allows_full_admin::*;
pub use policy_uses_not_action_or_not_resource::*;
pub use principal_can_escalate_through_functions::*;
pub use trust_policy_too_open::*;
pub use unconstrained_sensitive_read::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &PolicyAllowsFullAdmin,
    &PolicyUsesNotActionOrNotResource,
    &TrustPolicyTooOpen,
    &ElevatedManagedPolicyAttached,
    &UnconstrainedSensitiveRead,
    &CrossAccountTrustWithoutCondition,
    &PrincipalCanEscalateThroughFunctions,
];
