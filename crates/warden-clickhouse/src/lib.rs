//! The ClickHouse store for `warden serve`: the server's [`warden_server::store::Store`]
//! over ClickHouse's HTTP interface, so several `warden serve` nodes can share one
//! ClickHouse database (or a cluster of shards). See ARCHITECTURE.md "ClickHouse store".

pub mod http;
pub mod schema;
mod store;

pub use http::ClickHouseUrl;
pub use store::ClickHouseStore;
