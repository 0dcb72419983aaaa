/*!
The Warden observability server (`warden serve`): Lambda logs in through Firehose, a
CloudWatch forwarder, the Telemetry API or NDJSON; a durable embedded store; a JSON API;
alerts; and an embedded dashboard.

```text
HTTP ingest ─▶ gate (key, slot, memory) ─▶ decoder threads (warden_logs::input) ─▶ pipeline thread: Assembler ─▶ Store (one
transaction per batch, then the 200) ─▶ API / dashboard / alert engine ─▶ webhook, Slack, email
```

Modules form layers, each importing only those below it (see ARCHITECTURE.md): [`clock`]
and [`alert_rules`] at the bottom, then [`store`], [`error`] and [`auth`], [`config`],
[`pipeline`], [`notify`] and [`admission`], [`poll`], [`state`], the handlers, [`server`] (the
router) and [`launch`] (start and background tasks) on top.

- [`server`]: the router; [`launch`]: start, background tasks; [`listen`], [`tls`]: the
  accept loop; [`config`], [`state`].
- [`ingest`]: the four ingest endpoints and their gate; [`admission`]: ingest slots,
  decoder threads, the memory pool; [`pipeline`]: assembly and group commit.
- [`poll`]: `--poll`, CloudWatch Logs read through a [`poll::LogSource`] into the
  pipeline, with checkpoints in the store.
- [`store`]: the [`store::Store`] trait and its SQLite implementation.
- [`api`], [`openapi`], [`dashboard`]: what readers see.
- [`alert_rules`], [`alerts`], [`notify`]: rules, evaluation, delivery; [`clock`].
- [`auth`], [`error`]: credentials, sessions, CSRF, rate limits, the one error type.
- [`demo`]: sample data for `warden demo`, tests and the load generator.
*/

pub mod admission;
pub mod alert_preview;
pub mod alert_rules;
pub mod alerts;
pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod explore;
pub mod ingest;
pub mod launch;
pub mod listen;
pub mod notify;
pub mod openapi;
pub mod pipeline;
pub mod poll;
pub mod posture;
pub mod server;
pub mod state;
pub mod store;
pub mod tls;

pub use config::{ExternalStore, Limits, ServerConfig, TlsConfig};
pub use launch::{start, start_polling, RunningServer};
pub use server::app;
pub use state::AppState;
