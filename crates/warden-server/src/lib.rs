/*!
The Warden observability server (`warden serve`): Lambda logs in through Firehose, a
CloudWatch forwarder, the Telemetry API or NDJSON; a durable embedded store; a JSON API;
alerts; and an embedded dashboard.

```text
HTTP ingest ─▶ decode (warden_logs::input) ─▶ pipeline thread: Assembler ─▶ Store (one
transaction per batch, then the 200) ─▶ API / dashboard / alert engine ─▶ webhook, Slack, email
```

- [`server`]: configuration, the router, background tasks, TLS.
- [`ingest`]: the four ingest endpoints; [`pipeline`]: assembly and group commit.
- [`store`]: the [`store::Store`] trait and its SQLite implementation.
- [`api`], [`openapi`], [`dashboard`]: what readers see.
- [`alerts`], [`notify`]: rules, evaluation, delivery.
- [`auth`], [`error`]: credentials, sessions, CSRF, rate limits, the one error type.
- [`demo`]: sample data for `warden demo`, tests and the load generator.
*/

pub mod alerts;
pub mod api;
pub mod auth;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod ingest;
pub mod notify;
pub mod openapi;
pub mod pipeline;
pub mod server;
pub mod sketch;
pub mod store;
pub mod tls;

pub use server::{app, start, AppState, Limits, RunningServer, ServerConfig, TlsConfig};
