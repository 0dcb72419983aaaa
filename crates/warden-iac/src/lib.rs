//! Loads infrastructure-as-code into Warden's resource model.
//!
//! The pipeline per file: [`parse`] (YAML/JSON with spans) → [`template::build`]
//! (sections, intrinsic resolution in [`resolve`], SAM expansion in [`sam`]) →
//! [`analysis`] (functions with effective permissions and triggers, routes with effective
//! auth). [`load`] walks directories and does this for every template in parallel.

pub mod analysis;
pub mod iam;
mod include;
pub mod load;
pub mod model;
pub mod node;
pub mod parse;
pub mod policy;
pub mod resolve;
mod routes;
pub mod sam;
pub mod serverless;
pub mod template;
pub mod terraform;

pub use analysis::{ApiKind, FunctionInfo, RoleBinding, Route, RouteAuth, Trigger, TriggerKind};
pub use load::{load_paths, load_text, Loaded};
pub use model::{Format, Origin, Resource, Template};
pub use node::{Node, Value};
pub use template::LoadOptions;
