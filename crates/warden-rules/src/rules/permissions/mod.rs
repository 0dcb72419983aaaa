//! Rules on resource-based permissions and function URLs (WD2xx).
mod function_url_without_auth;

pub use function_url_without_auth::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[&FunctionUrlWithoutAuth];
