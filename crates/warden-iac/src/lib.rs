//! Loads infrastructure-as-code into Warden's resource model.
pub mod node;
pub mod parse;
pub mod resolve;
