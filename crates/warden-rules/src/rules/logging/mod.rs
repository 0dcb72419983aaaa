//! Rules on Logging, monitoring, orchestration and identity (WD8xx).
mod eventbridge_lambda_target_without_dlq;
mod identity_pool_allows_unauthenticated;
mod log_group_not_encrypted;
mod log_group_without_retention;
mod state_machine_logging_disabled;
mod state_machine_tracing_disabled;
mod user_pool_mfa_disabled;

pub use eventbridge_lambda_target_without_dlq::*;
pub use identity_pool_allows_unauthenticated::*;
pub use log_group_not_encrypted::*;
pub use log_group_without_retention::*;
pub use state_machine_logging_disabled::*;
pub use state_machine_tracing_disabled::*;
pub use user_pool_mfa_disabled::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &LogGroupWithoutRetention,
    &LogGroupNotEncrypted,
    &StateMachineLoggingDisabled,
    &StateMachineTracingDisabled,
    &IdentityPoolAllowsUnauthenticated,
    &EventbridgeLambdaTargetWithoutDlq,
    &UserPoolMfaDisabled,
];
