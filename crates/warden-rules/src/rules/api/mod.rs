//! Rules on API Gateway REST (WD3xx) and HTTP APIs (WD4xx).

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[];
