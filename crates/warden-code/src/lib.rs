//! Serverless-aware analysis of Lambda handler code.

pub mod engine;
pub mod ir;
pub mod lang;
pub mod project;
pub mod table;
