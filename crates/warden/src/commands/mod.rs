pub mod baseline;
pub mod config;
pub mod connect;
pub mod logs;
pub mod policy;
pub mod rules;
pub mod scan;
pub mod serve;
