//! Rules on Storage, messaging and keys used by functions (WD7xx).

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[];
