//! The router: every route in one place, with the layers they share. The only module
//! that knows every handler.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::error::{json_error_body, AppError};
use crate::state::AppState;
use crate::{api, dashboard, explore, ingest, openapi, posture};

/// Security headers on every response; API answers are never cached.
async fn headers(request: Request, next: Next) -> Response {
    let api =
        request.uri().path().starts_with("/api") || request.uri().path().starts_with("/ingest");
    let mut response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if api
        && !is_json
        && (response.status().is_client_error() || response.status().is_server_error())
    {
        let (parts, _) = response.into_parts();
        let mut rebuilt = json_error_body(parts.status).into_response();
        *rebuilt.status_mut() = parts.status;
        for (name, value) in &parts.headers {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                rebuilt.headers_mut().insert(name.clone(), value.clone());
            }
        }
        response = rebuilt;
    }
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

/// API and dashboard requests (small bodies, quick answers) end within the body read
/// timeout: a client that trickles a body in does not hold a connection open. Ingest has
/// its own body timeout ([`ingest::gate`]), since its commit may wait for the pipeline.
async fn deadline(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.limits.body_read_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::Timeout.into_response(),
    }
}

/// The whole HTTP surface. All routes are listed here.
pub fn app(state: AppState) -> Router {
    let body_limit = state.limits.max_body_bytes;
    let ingest = Router::new()
        .route("/ingest/firehose", post(ingest::firehose))
        .route("/ingest/cloudwatch", post(ingest::cloudwatch))
        .route("/ingest/telemetry", post(ingest::telemetry))
        .route("/ingest/lines", post(ingest::lines))
        .route_layer(middleware::from_fn_with_state(state.clone(), ingest::gate))
        .layer(DefaultBodyLimit::max(body_limit));
    let api = Router::new()
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/v1/status", get(api::status))
        .route("/api/v1/functions", get(api::functions))
        .route("/api/v1/functions/{function}/series", get(api::series))
        .route(
            "/api/v1/functions/{function}/metrics",
            get(api::custom_metrics),
        )
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
        .route("/api/v1/alerts/preview", post(explore::alert_preview))
        .route("/api/v1/overview", get(explore::overview))
        .route(
            "/api/v1/findings",
            get(posture::list)
                // SARIF logs carry every rule's description: larger than other API bodies.
                .post(posture::upload)
                .layer(DefaultBodyLimit::max(16 << 20)),
        )
        .route(
            "/api/v1/functions/{function}/posture",
            get(posture::function_posture),
        )
        .route("/api/v1/invocations/{id}", get(explore::invocation))
        .route("/api/v1/security-groups", get(explore::security_groups))
        .route(
            "/api/v1/error-groups/{fingerprint}/occurrences",
            get(explore::error_occurrences),
        )
        .route("/api/{*rest}", axum::routing::any(api::not_found))
        .layer(DefaultBodyLimit::max(1 << 20))
        .route_layer(middleware::from_fn_with_state(state.clone(), deadline));
    let dashboard = Router::new()
        .route("/", get(dashboard::index))
        .route("/login", get(dashboard::login_page).post(dashboard::login))
        .route("/logout", post(dashboard::logout))
        .route("/assets/app.js", get(dashboard::script))
        .route("/assets/style.css", get(dashboard::style))
        .layer(DefaultBodyLimit::max(16 << 10))
        .route_layer(middleware::from_fn_with_state(state.clone(), deadline));
    Router::new()
        .merge(ingest)
        .merge(api)
        .merge(dashboard)
        .layer(middleware::from_fn(headers))
        .with_state(state)
}
