//! Rules on API Gateway REST (WD3xx) and HTTP APIs (WD4xx).
mod api_cache_not_encrypted;
mod api_cors_wildcard_origin;
mod api_cors_wildcard_with_credentials;
mod api_data_trace_enabled;
mod api_domain_allows_old_tls;
mod api_endpoint_not_private;
mod api_error_response_leaks_details;
mod api_execution_logging_disabled;
mod api_method_without_request_validation;
mod api_route_without_auth;
mod api_stage_without_access_logs;
mod api_stage_without_throttling;
mod api_stage_without_tracing;
mod common;
mod http_route_without_auth;
mod http_stage_without_access_logs;
mod http_stage_without_throttling;
mod public_api_without_waf;
mod rest_api_without_authorizer;
mod secret_in_stage_variables;
mod usage_plan_without_limits;
mod websocket_api_without_auth;

pub use api_cache_not_encrypted::*;
pub use api_cors_wildcard_origin::*;
pub use api_cors_wildcard_with_credentials::*;
pub use api_data_trace_enabled::*;
pub use api_domain_allows_old_tls::*;
pub use api_endpoint_not_private::*;
pub use api_error_response_leaks_details::*;
pub use api_execution_logging_disabled::*;
pub use api_method_without_request_validation::*;
pub use api_route_without_auth::*;
pub use api_stage_without_access_logs::*;
pub use api_stage_without_throttling::*;
pub use api_stage_without_tracing::*;
pub use http_route_without_auth::*;
pub use http_stage_without_access_logs::*;
pub use http_stage_without_throttling::*;
pub use public_api_without_waf::*;
pub use rest_api_without_authorizer::*;
pub use secret_in_stage_variables::*;
pub use usage_plan_without_limits::*;
pub use websocket_api_without_auth::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &ApiRouteWithoutAuth,
    &ApiStageWithoutAccessLogs,
    &ApiExecutionLoggingDisabled,
    &ApiDataTraceEnabled,
    &ApiStageWithoutTracing,
    &ApiStageWithoutThrottling,
    &UsagePlanWithoutLimits,
    &ApiCacheNotEncrypted,
    &ApiDomainAllowsOldTls,
    &ApiMethodWithoutRequestValidation,
    &SecretInStageVariables,
    &ApiErrorResponseLeaksDetails,
    &ApiCorsWildcardWithCredentials,
    &HttpRouteWithoutAuth,
    &HttpStageWithoutAccessLogs,
    &HttpStageWithoutThrottling,
    &RestApiWithoutAuthorizer,
    &PublicApiWithoutWaf,
    &ApiEndpointNotPrivate,
    &ApiCorsWildcardOrigin,
    &WebsocketApiWithoutAuth,
];
