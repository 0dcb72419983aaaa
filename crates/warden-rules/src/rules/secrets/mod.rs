//! Rules on Secrets and parameters (WD6xx).

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[];
