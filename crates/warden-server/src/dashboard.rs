//! The dashboard: static HTML/CSS/JS embedded in the binary (no build step, no network),
//! and the login flow that turns a read or admin token into a session cookie.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::auth::{RateLimit, CSRF_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::state::AppState;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const LOGIN_HTML: &str = include_str!("../assets/login.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");
const SESSION_SECONDS: u32 = 12 * 3600;

/// The peer address when the server knows it (not in in-process tests).
pub struct PeerIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !state.auth.disabled() && state.auth.session(&headers).is_none() {
        return Redirect::to("/login").into_response();
    }
    Html(INDEX_HTML).into_response()
}

#[derive(Deserialize)]
pub struct LoginQuery {
    failed: Option<String>,
}

/// The sign-in form; after a wrong token (`?failed=1`) it says so.
pub async fn login_page(
    query: Result<axum::extract::Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> Html<String> {
    let failed = query.is_ok_and(|q| q.failed.is_some());
    if failed {
        Html(LOGIN_HTML.replace(
            LOGIN_PROMPT,
            "<p class=\"error-box\" role=\"alert\">That token is not valid: check it for a typo or ask an admin for a new one.</p>",
        ))
    } else {
        Html(LOGIN_HTML.to_owned())
    }
}

/// Where the login page shows a failed attempt.
const LOGIN_PROMPT: &str = "<!-- login-error -->";

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

pub async fn login(
    State(state): State<AppState>,
    PeerIp(peer): PeerIp,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, AppError> {
    // Slow down token guessing per client address.
    let principal = format!(
        "login:{}",
        peer.map_or("unknown".into(), |ip| ip.to_string())
    );
    state.auth.rate_limit(
        &principal,
        RateLimit {
            per_second: 0.2,
            burst: 10.0,
        },
    )?;
    let Ok(Form(form)) = form else {
        return Err(AppError::BadRequest(
            "expected a form with a `token` field".into(),
        ));
    };
    let Some((role, _)) = state.auth.token_role(form.token.trim()) else {
        return Ok(Redirect::to("/login?failed=1").into_response());
    };
    let (session, csrf) = state.auth.create_session(role);
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let mut response = Redirect::to("/").into_response();
    let headers = response.headers_mut();
    for cookie in [
        format!("{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}{secure}"),
        format!("{CSRF_COOKIE}={csrf}; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}{secure}"),
    ] {
        if let Ok(value) = cookie.parse() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    // Logging out is a state change: it needs the CSRF token like any other.
    state
        .auth
        .authenticate(&axum::http::Method::POST, &headers)?;
    if let Some((_, _, id)) = state.auth.session(&headers) {
        state.auth.end_session(&id);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        if let Ok(value) = format!("{name}=; Path=/; Max-Age=0; SameSite=Strict").parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        APP_JS,
    )
}

pub async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLE_CSS,
    )
}
