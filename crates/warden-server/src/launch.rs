//! Starting and stopping: open the store, replay open streams, start the pipeline and the
//! background tasks (idle timer, retention, alerts, the poller), and serve the router over TCP or TLS.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::admission::Admission;
use crate::alerts;
use crate::auth::Auth;
use crate::clock::now_ms;
use crate::config::ServerConfig;
use crate::notify::Notifier;
use crate::pipeline;
use crate::poll::{self, LogSource, PollConfig, PollStatus};
use crate::server::app;
use crate::state::{AppState, Inner};
use crate::store::sqlite::SqliteStore;
use crate::store::Store;

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
    start_polling(config, listener, None).await
}

/// [`start`], and with `poll` a task that reads CloudWatch Logs through the source into the
/// pipeline (`warden serve --poll`).
pub async fn start_polling(
    config: ServerConfig,
    listener: TcpListener,
    poll: Option<(PollConfig, Box<dyn LogSource>)>,
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
    let store: Arc<dyn Store> = match (&config.store, &config.data_dir) {
        (Some(external), _) => external.0.clone(),
        (None, Some(dir)) => {
            let dir = dir.clone();
            Arc::new(
                tokio::task::spawn_blocking(move || SqliteStore::open(&dir))
                    .await
                    .map_err(|e| StartError(e.to_string()))?
                    .map_err(|e| StartError(e.to_string()))?,
            )
        }
        (None, None) => Arc::new(SqliteStore::in_memory().map_err(|e| StartError(e.to_string()))?),
    };
    // Staging nodes acknowledge events before they are assembled, so a poll checkpoint
    // could not be committed with the lines it covers: polling needs a store of its own.
    if poll.is_some() && store.shared_assembly() {
        return Err(StartError(
            "--poll needs a store this node does not share with others (use SQLite, or run \
             the poller as one warden serve on its own SQLite store)"
                .into(),
        ));
    }
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
        auth: Arc::new(Auth::new(
            config.credentials.clone(),
            config.insecure_no_auth,
            config.ingest_rate,
            config.api_rate,
        )),
        limits: config.limits,
        alert_interval: config.alert_interval,
        admission: Admission::new(&config.limits),
        secure_cookies: config.tls.is_some(),
        poll: poll.as_ref().map(|_| Arc::new(PollStatus::default())),
    }));
    let tls = match &config.tls {
        Some(tls) => Some(crate::tls::acceptor(tls).map_err(StartError)?),
        None => None,
    };
    let (shutdown, mut stopped) = watch::channel(false);

    // Background work ends with the server.
    let idle_timer = {
        let (ingest, idle) = (ingest.clone(), config.idle_timeout);
        tokio::spawn(async move {
            // Check often enough that an invocation closes within a quarter of the timeout
            // after it expires, and never depend on other traffic to do it.
            let period = (idle / 4).clamp(Duration::from_millis(100), Duration::from_secs(5));
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                ingest.close_idle(idle.as_millis() as i64).await;
            }
        })
    };
    let maintenance = {
        let (store, config) = (store.clone(), config.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(config.maintenance_interval);
            tick.tick().await;
            loop {
                tick.tick().await;
                let store = store.clone();
                let policy = config.retention;
                match tokio::task::spawn_blocking(move || store.apply_retention(policy, now_ms()))
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
        Notifier::new(config.smtp.clone(), config.delivery_backoff.clone()),
        config.alert_interval,
        ingest.activity.clone(),
    ));

    let polling = match (poll, &state.poll) {
        (Some((poll_config, source)), Some(status)) => Some(tokio::spawn(poll::run(
            store.clone(),
            ingest.clone(),
            source,
            poll_config,
            status.clone(),
        ))),
        _ => None,
    };

    let router = app(state.clone());
    let task = tokio::spawn(async move {
        let until_stopped = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        crate::listen::serve(
            listener,
            tls,
            router,
            config.limits.header_read_timeout,
            until_stopped,
        )
        .await;
        idle_timer.abort();
        maintenance.abort();
        alerting.abort();
        if let Some(polling) = polling {
            polling.abort();
        }
    });
    Ok(RunningServer {
        addr,
        state,
        shutdown,
        task,
    })
}
