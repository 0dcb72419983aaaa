//! Rules on resource-based permissions and function URLs (WD2xx).
mod alb_listener_without_tls;
mod api_permission_any_api_or_stage;
mod cloudfront_api_weak_tls;
mod cloudfront_api_without_logging;
mod cloudfront_api_without_waf;
pub(crate) mod front_doors;
mod function_url_wildcard_cors;
mod function_url_without_auth;
mod invoke_permission_from_unknown_account;
mod permission_grants_more_than_invoke;
mod public_function_url_without_concurrency_limit;
mod public_invoke_permission;
mod service_permission_without_source;

pub use alb_listener_without_tls::*;
pub use api_permission_any_api_or_stage::*;
pub use cloudfront_api_weak_tls::*;
pub use cloudfront_api_without_logging::*;
pub use cloudfront_api_without_waf::*;
pub use function_url_wildcard_cors::*;
pub use function_url_without_auth::*;
pub use invoke_permission_from_unknown_account::*;
pub use permission_grants_more_than_invoke::*;
pub use public_function_url_without_concurrency_limit::*;
pub use public_invoke_permission::*;
pub use service_permission_without_source::*;

use warden_iac::{Node, Resource, Template};

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[
    &FunctionUrlWithoutAuth,
    &FunctionUrlWildcardCors,
    &PublicFunctionUrlWithoutConcurrencyLimit,
    &PublicInvokePermission,
    &ServicePermissionWithoutSource,
    &PermissionGrantsMoreThanInvoke,
    &ApiPermissionAnyApiOrStage,
    &InvokePermissionFromUnknownAccount,
    &AlbListenerWithoutTls,
    &CloudfrontApiWeakTls,
    &CloudfrontApiWithoutWaf,
    &CloudfrontApiWithoutLogging,
];

/// True when some possible value of an auth type is `NONE`.
fn is_none_auth(node: &Node) -> bool {
    node.alternatives().iter().any(|value| {
        value
            .as_str()
            .is_some_and(|auth| auth.eq_ignore_ascii_case("NONE"))
    })
}

/// The possible literal values of a property (unknown ones left out).
fn literal(node: &Node) -> Vec<&Node> {
    node.alternatives()
        .into_iter()
        .filter(|value| value.as_str().is_some())
        .collect()
}

/// The function a permission's `FunctionName` names, for messages: the user's name of a
/// referenced function (its logical ID, Serverless function key or Terraform address), else
/// the value as written.
fn permission_function(template: &Template, permission: &Resource) -> String {
    permission
        .prop("FunctionName")
        .map_or_else(String::new, |name| match template.referenced(name) {
            Some(function) => function.origin.id.clone(),
            None => name
                .resource_ref()
                .map_or_else(|| name.display(), str::to_string),
        })
}
