//! Rules on Logging, monitoring, orchestration and identity (WD8xx).

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[];
