//! Rules on Lambda functions (WD1xx).
mod secret_in_function_environment;

pub use secret_in_function_environment::*;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[&SecretInFunctionEnvironment];
