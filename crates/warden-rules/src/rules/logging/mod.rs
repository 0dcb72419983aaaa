//! Rules on Logging, monitoring, orchestration and identity (WD8xx).
mod appsync_api_key_only_auth;
mod appsync_api_without_logging;
mod appsync_api_without_waf;
mod eventbridge_lambda_target_without_dlq;
mod function_without_error_alarm;
mod identity_pool_allows_unauthenticated;
mod lambda_data_events_not_logged;
mod log_group_not_encrypted;
mod log_group_without_retention;
mod state_machine_logging_disabled;
mod state_machine_tracing_disabled;
mod state_machine_without_customer_managed_key;
mod user_pool_mfa_disabled;

pub use appsync_api_key_only_auth::*;
pub use appsync_api_without_logging::*;
pub use appsync_api_without_waf::*;
pub use eventbridge_lambda_target_without_dlq::*;
pub use function_without_error_alarm::*;
pub use identity_pool_allows_unauthenticated::*;
pub use lambda_data_events_not_logged::*;
pub use log_group_not_encrypted::*;
pub use log_group_without_retention::*;
pub use state_machine_logging_disabled::*;
pub use state_machine_tracing_disabled::*;
pub use state_machine_without_customer_managed_key::*;
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
    &FunctionWithoutErrorAlarm,
    &LambdaDataEventsNotLogged,
    &StateMachineWithoutCustomerManagedKey,
    &AppsyncApiWithoutLogging,
    &AppsyncApiKeyOnlyAuth,
    &AppsyncApiWithoutWaf,
];
