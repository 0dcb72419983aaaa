//! Server configuration: what `warden serve`'s flags become.

use std::path::PathBuf;
use std::time::Duration;

use warden_logs::AssemblerConfig;

use crate::auth::{Credentials, RateLimit};
use crate::store::RetentionPolicy;

/// Request size limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Body bytes as sent (compressed or not).
    pub max_body_bytes: usize,
    /// Body bytes after gzip decompression.
    pub max_decompressed_bytes: u64,
    pub max_events_per_request: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // Firehose sends at most 64 MiB uncompressed per request (buffer size ≤ 64 MiB).
        Limits {
            max_body_bytes: 16 << 20,
            max_decompressed_bytes: 64 << 20,
            max_events_per_request: 1_000_000,
        }
    }
}

#[derive(Clone, Debug)]
pub struct TlsConfig {
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `None`: an in-memory store (tests).
    pub data_dir: Option<PathBuf>,
    pub credentials: Credentials,
    /// No tokens at all; only allowed on a loopback address (checked by [`start`]).
    pub insecure_no_auth: bool,
    pub tls: Option<TlsConfig>,
    pub limits: Limits,
    pub ingest_rate: RateLimit,
    pub api_rate: RateLimit,
    pub retention: RetentionPolicy,
    /// Streams silent this long (event time) are closed: their open invocations are
    /// stored as incomplete.
    pub idle_close: Duration,
    pub maintenance_interval: Duration,
    pub alert_interval: Duration,
    pub smtp: Option<SmtpConfig>,
    pub assembler: AssemblerConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            data_dir: None,
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
            idle_close: Duration::from_secs(15 * 60),
            maintenance_interval: Duration::from_secs(60),
            alert_interval: Duration::from_secs(30),
            smtp: None,
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
