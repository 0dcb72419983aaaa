//! Wiring: configuration, the router (all routes in one place), background tasks, and
//! serving over plain TCP or TLS (rustls).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use warden_logs::AssemblerConfig;

use crate::auth::{Auth, Credentials, RateLimit};
use crate::notify::{Notifier, SmtpConfig};
use crate::pipeline::{self, IngestHandle};
use crate::store::sqlite::SqliteStore;
use crate::store::{RetentionPolicy, Store};
use crate::{alerts, api, dashboard, ingest, openapi};

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

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub ingest: IngestHandle,
    pub auth: Auth,
    pub limits: Limits,
    pub secure_cookies: bool,
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Security headers on every response; API answers are never cached.
async fn headers(request: Request, next: Next) -> Response {
    let api =
        request.uri().path().starts_with("/api") || request.uri().path().starts_with("/ingest");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    );
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The whole HTTP surface. All routes are listed here.
pub fn app(state: AppState) -> Router {
    let body_limit = state.limits.max_body_bytes;
    let ingest = Router::new()
        .route("/ingest/firehose", post(ingest::firehose))
        .route("/ingest/cloudwatch", post(ingest::cloudwatch))
        .route("/ingest/telemetry", post(ingest::telemetry))
        .route("/ingest/lines", post(ingest::lines))
        .layer(DefaultBodyLimit::max(body_limit));
    let api = Router::new()
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/v1/status", get(api::status))
        .route("/api/v1/functions", get(api::functions))
        .route("/api/v1/functions/{function}/series", get(api::series))
        .route("/api/v1/invocations", get(api::invocations))
        .route("/api/v1/lines", get(api::lines))
        .route("/api/v1/error-groups", get(api::error_groups))
        .route("/api/v1/error-groups/{fingerprint}", get(api::error_group))
        .route(
            "/api/v1/error-groups/{fingerprint}/resolve",
            post(api::resolve_group),
        )
        .route(
            "/api/v1/error-groups/{fingerprint}/mute",
            post(api::mute_group),
        )
        .route(
            "/api/v1/error-groups/{fingerprint}/reopen",
            post(api::reopen_group),
        )
        .route("/api/v1/security-events", get(api::security_events))
        .route(
            "/api/v1/alerts/rules",
            get(api::list_rules).post(api::create_rule),
        )
        .route(
            "/api/v1/alerts/rules/{id}",
            get(api::get_rule)
                .put(api::update_rule)
                .delete(api::delete_rule),
        )
        .route("/api/v1/alerts/history", get(api::alert_history))
        .route("/api/{*rest}", axum::routing::any(api::not_found))
        .layer(DefaultBodyLimit::max(1 << 20));
    let dashboard = Router::new()
        .route("/", get(dashboard::index))
        .route("/login", get(dashboard::login_page).post(dashboard::login))
        .route("/logout", post(dashboard::logout))
        .route("/assets/app.js", get(dashboard::script))
        .route("/assets/style.css", get(dashboard::style))
        .layer(DefaultBodyLimit::max(16 << 10));
    Router::new()
        .merge(ingest)
        .merge(api)
        .merge(dashboard)
        .layer(middleware::from_fn(headers))
        .with_state(state)
}

/// A running server: its address and a way to stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting and waits for the serve loop to end.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// Why the server could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// Opens the store, replays open streams, starts the pipeline and background tasks, and
/// serves on `listener` until stopped.
pub async fn start(
    config: ServerConfig,
    listener: TcpListener,
) -> Result<RunningServer, StartError> {
    let addr = listener
        .local_addr()
        .map_err(|e| StartError(format!("listener: {e}")))?;
    if config.insecure_no_auth && !addr.ip().is_loopback() {
        return Err(StartError(
            "--insecure-no-auth only binds to a loopback address (127.0.0.1)".into(),
        ));
    }
    if !config.insecure_no_auth
        && config.credentials.ingest_keys.is_empty()
        && config.credentials.read_tokens.is_empty()
        && config.credentials.admin_tokens.is_empty()
    {
        return Err(StartError(
            "no credentials configured: give ingest/read/admin tokens or --insecure-no-auth".into(),
        ));
    }
    let store: Arc<dyn Store> = match &config.data_dir {
        Some(dir) => {
            let dir = dir.clone();
            Arc::new(
                tokio::task::spawn_blocking(move || SqliteStore::open(&dir))
                    .await
                    .map_err(|e| StartError(e.to_string()))?
                    .map_err(|e| StartError(e.to_string()))?,
            )
        }
        None => Arc::new(SqliteStore::in_memory().map_err(|e| StartError(e.to_string()))?),
    };
    let ingest = {
        let store = store.clone();
        let assembler = config.assembler.clone();
        tokio::task::spawn_blocking(move || pipeline::start(store, assembler))
            .await
            .map_err(|e| StartError(e.to_string()))?
            .map_err(|e| StartError(e.to_string()))?
    };
    let state = AppState(Arc::new(Inner {
        store: store.clone(),
        ingest: ingest.clone(),
        auth: Auth::new(
            config.credentials.clone(),
            config.insecure_no_auth,
            config.ingest_rate,
            config.api_rate,
        ),
        limits: config.limits,
        secure_cookies: config.tls.is_some(),
    }));
    let tls = match &config.tls {
        Some(tls) => Some(crate::tls::acceptor(tls).map_err(StartError)?),
        None => None,
    };
    let (shutdown, mut stopped) = watch::channel(false);

    // Background work ends with the server.
    let maintenance = {
        let (store, ingest, config) = (store.clone(), ingest.clone(), config.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(config.maintenance_interval);
            tick.tick().await;
            loop {
                tick.tick().await;
                ingest
                    .close_idle(config.idle_close.as_millis() as i64)
                    .await;
                let store = store.clone();
                let policy = config.retention;
                match tokio::task::spawn_blocking(move || {
                    store.apply_retention(policy, pipeline::now_ms())
                })
                .await
                {
                    Ok(Err(error)) => eprintln!("warden serve: retention failed: {error}"),
                    Err(error) => eprintln!("warden serve: retention task failed: {error}"),
                    Ok(Ok(_)) => {}
                }
            }
        })
    };
    let alerting = tokio::spawn(alerts::run(
        store.clone(),
        Notifier::new(config.smtp.clone()),
        config.alert_interval,
        ingest.activity.clone(),
    ));

    let router = app(state.clone());
    let task = tokio::spawn(async move {
        let until_stopped = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        match tls {
            None => {
                let service = router.into_make_service_with_connect_info::<SocketAddr>();
                if let Err(error) = axum::serve(listener, service)
                    .with_graceful_shutdown(until_stopped)
                    .await
                {
                    eprintln!("warden serve: server error: {error}");
                }
            }
            Some(acceptor) => crate::tls::serve(listener, acceptor, router, until_stopped).await,
        }
        maintenance.abort();
        alerting.abort();
    });
    Ok(RunningServer {
        addr,
        state,
        shutdown,
        task,
    })
}
