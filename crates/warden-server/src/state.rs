//! What every handler shares: the store, the ingest pipeline, credentials and limits.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::admission::Admission;
use crate::auth::Auth;
use crate::config::Limits;
use crate::pipeline::IngestHandle;
use crate::poll::PollStatus;
use crate::store::Store;

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub ingest: IngestHandle,
    pub auth: Arc<Auth>,
    pub limits: Limits,
    pub admission: Admission,
    pub secure_cookies: bool,
    /// How often the alert evaluator runs (the alert preview replays at the same interval).
    pub alert_interval: std::time::Duration,
    /// What `--poll` has done (`None`: not polling).
    pub poll: Option<Arc<PollStatus>>,
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

impl FromRef<AppState> for Arc<Auth> {
    fn from_ref(state: &AppState) -> Arc<Auth> {
        state.auth.clone()
    }
}
