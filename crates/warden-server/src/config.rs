//! Server configuration: what `warden serve`'s flags become.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use warden_logs::AssemblerConfig;

use crate::auth::{Credentials, RateLimit};
use crate::store::{RetentionPolicy, Store};

/// What one request, and all ingest together, may cost. See README "Limits".
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Body bytes as sent (compressed or not).
    pub max_body_bytes: usize,
    /// Bytes one ingest request may expand to in total: its gzip body and every record
    /// inside it (Firehose `data`, `awslogs.data`).
    pub max_decompressed_bytes: u64,
    /// Bytes one record may expand to.
    pub max_record_bytes: u64,
    pub max_events_per_request: usize,
    /// Ingest requests served at once; more get 503 with `Retry-After`.
    pub max_concurrent_ingest: usize,
    /// Threads that decompress and parse ingest bodies (0: one per core, at most 4).
    pub decode_workers: usize,
    /// Memory all ingest requests together may hold (bodies, parsed documents, events
    /// until committed), by estimate; a request that does not fit now gets 503.
    pub ingest_memory_bytes: u64,
    /// A client must send a request head within this (also: idle keep-alive connections).
    pub header_read_timeout: Duration,
    /// A client must send the whole body within this.
    pub body_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        // Firehose sends at most 64 MiB uncompressed per request (buffer size ≤ 64 MiB).
        Limits {
            max_body_bytes: 16 << 20,
            max_decompressed_bytes: 64 << 20,
            max_record_bytes: 16 << 20,
            max_events_per_request: 500_000,
            max_concurrent_ingest: 8,
            decode_workers: 0,
            ingest_memory_bytes: 256 << 20,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone, Debug)]
pub struct TlsConfig {
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

/// A store built outside the server crate (`warden serve --store clickhouse://…`).
#[derive(Clone)]
pub struct ExternalStore(pub Arc<dyn Store>);

impl std::fmt::Debug for ExternalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExternalStore")
    }
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `None`: an in-memory store (tests). Unused when `store` is given.
    pub data_dir: Option<PathBuf>,
    /// A store opened by the caller; the SQLite store in `data_dir` otherwise.
    pub store: Option<ExternalStore>,
    pub credentials: Credentials,
    /// No tokens at all; only allowed on a loopback address (checked by [`crate::launch::start`]).
    pub insecure_no_auth: bool,
    pub tls: Option<TlsConfig>,
    pub limits: Limits,
    pub ingest_rate: RateLimit,
    pub api_rate: RateLimit,
    pub retention: RetentionPolicy,
    /// Wall-clock idle timer: an open invocation without its REPORT whose last line
    /// arrived this long ago is stored as incomplete (a late REPORT still completes it).
    pub idle_timeout: Duration,
    pub maintenance_interval: Duration,
    pub alert_interval: Duration,
    pub smtp: Option<SmtpConfig>,
    /// Waits between attempts of a failed notification (one attempt more than waits).
    pub delivery_backoff: Vec<Duration>,
    pub assembler: AssemblerConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            data_dir: None,
            store: None,
            credentials: Credentials::default(),
            insecure_no_auth: false,
            tls: None,
            limits: Limits::default(),
            ingest_rate: RateLimit {
                per_second: 500.0,
                burst: 1_000.0,
            },
            api_rate: RateLimit {
                per_second: 100.0,
                burst: 200.0,
            },
            retention: RetentionPolicy {
                days: 30,
                max_bytes: 20 << 30,
            },
            idle_timeout: Duration::from_secs(30),
            maintenance_interval: Duration::from_secs(60),
            alert_interval: Duration::from_secs(30),
            smtp: None,
            delivery_backoff: vec![Duration::from_secs(2), Duration::from_secs(10)],
            assembler: AssemblerConfig {
                scan_security: true,
                ..AssemblerConfig::default()
            },
        }
    }
}

/// SMTP relay settings (the password comes from the environment, never the command line).
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}
