//! Rules, one file each, grouped by what they look at. Each group's `mod.rs` lists its rules
//! in code order in `RULES`.
pub mod api;
pub mod functions;
pub mod iam;
pub mod logging;
pub mod permissions;
pub mod secrets;
pub mod serverless;
pub mod storage;
