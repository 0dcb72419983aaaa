//! Rules on Lambda functions (WD1xx).
mod common;

mod async_function_without_failure_destination;
mod code_signing_not_enforced;
mod cross_account_layer;
mod debug_mode_in_environment;
mod deprecated_runtime;
mod environment_without_customer_managed_key;
mod excessive_timeout;
mod function_can_modify_functions;
mod function_cannot_write_logs;
mod function_log_group_without_retention;
mod function_not_in_vpc;
mod function_on_x86_architecture;
mod function_role_can_make_data_public;
mod function_role_privilege_escalation;
mod function_role_wildcard_resource;
mod function_role_with_admin_access;
mod function_role_with_service_wildcard;
mod function_tracing_disabled;
mod function_without_concurrency_limit;
mod provisioned_concurrency_cost_hint;
mod secret_in_function_environment;
mod secret_named_variable_not_from_secret_store;
mod shared_execution_role;
mod sqs_visibility_timeout_below_function_timeout;
mod stream_mapping_without_failure_handling;
mod timeout_exceeds_api_integration_timeout;
mod timeout_left_at_default;
mod vpc_function_single_subnet;

pub use async_function_without_failure_destination::*;
pub use code_signing_not_enforced::*;
pub use cross_account_layer::*;
pub use debug_mode_in_environment::*;
pub use deprecated_runtime::*;
pub use environment_without_customer_managed_key::*;
pub use excessive_timeout::*;
pub use function_can_modify_functions::*;
pub use function_cannot_write_logs::*;
pub use function_log_group_without_retention::*;
pub use function_not_in_vpc::*;
pub use function_on_x86_architecture::*;
pub use function_role_can_make_data_public::*;
pub use function_role_privilege_escalation::*;
pub use function_role_wildcard_resource::*;
pub use function_role_with_admin_access::*;
pub use function_role_with_service_wildcard::*;
pub use function_tracing_disabled::*;
pub use function_without_concurrency_limit::*;
pub use provisioned_concurrency_cost_hint::*;
pub use secret_in_function_environment::*;
pub use secret_named_variable_not_from_secret_store::*;
pub use shared_execution_role::*;
pub use sqs_visibility_timeout_below_function_timeout::*;
pub use stream_mapping_without_failure_handling::*;
pub use timeout_exceeds_api_integration_timeout::*;
pub use timeout_left_at_default::*;
pub use vpc_function_single_subnet::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &SecretInFunctionEnvironment,
    &SecretNamedVariableNotFromSecretStore,
    &EnvironmentWithoutCustomerManagedKey,
    &DeprecatedRuntime,
    &FunctionWithoutConcurrencyLimit,
    &ExcessiveTimeout,
    &TimeoutExceedsApiIntegrationTimeout,
    &SqsVisibilityTimeoutBelowFunctionTimeout,
    &AsyncFunctionWithoutFailureDestination,
    &StreamMappingWithoutFailureHandling,
    &FunctionTracingDisabled,
    &SharedExecutionRole,
    &FunctionRoleWithAdminAccess,
    &FunctionRoleWithServiceWildcard,
    &FunctionRoleWildcardResource,
    &FunctionRolePrivilegeEscalation,
    &FunctionCanModifyFunctions,
    &FunctionLogGroupWithoutRetention,
    &DebugModeInEnvironment,
    &CrossAccountLayer,
    &FunctionCannotWriteLogs,
    &FunctionOnX86Architecture,
    &VpcFunctionSingleSubnet,
    &CodeSigningNotEnforced,
    &TimeoutLeftAtDefault,
    &FunctionNotInVpc,
    &ProvisionedConcurrencyCostHint,
    &FunctionRoleCanMakeDataPublic,
];
