//! Rules on IAM roles and policies (WD5xx).

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[];
