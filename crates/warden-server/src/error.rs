//! The one error type handlers return. Every variant becomes a JSON body
//! `{"error": {"code": …, "message": …}}` with a 4xx/5xx status; internal details are
//! logged to stderr and never sent.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::admission::Refusal;
use crate::store::StoreError;

/// What a busy server asks clients to wait before retrying.
const RETRY_AFTER_BUSY_SECONDS: u64 = 2;

#[derive(Debug)]
pub enum AppError {
    BadRequest(String),
    Unauthorized,
    Forbidden(String),
    NotFound(String),
    PayloadTooLarge(String),
    UnsupportedMediaType(String),
    TooManyRequests {
        retry_after_seconds: u64,
    },
    Unavailable,
    /// The client did not send its request in time.
    Timeout,
    /// Logged with its detail; the client sees a generic message.
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "rate_limited",
            AppError::Unavailable => "unavailable",
            AppError::Timeout => "request_timeout",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        match self {
            AppError::BadRequest(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::PayloadTooLarge(m)
            | AppError::UnsupportedMediaType(m) => m.clone(),
            AppError::Unauthorized => "a valid token is required".into(),
            AppError::TooManyRequests { .. } => "too many requests; slow down".into(),
            AppError::Unavailable => {
                "the server is busy or shutting down; retry after a few seconds".into()
            }
            AppError::Timeout => "the request was not sent in time".into(),
            AppError::Internal(_) => "internal error; the server log has details".into(),
        }
    }

    /// Seconds a client should wait before retrying, for statuses that invite a retry.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            AppError::Unavailable => Some(RETRY_AFTER_BUSY_SECONDS),
            _ => None,
        }
    }

    /// Logs internal details (never request contents or credentials).
    pub fn log(&self) {
        if let AppError::Internal(detail) = self {
            eprintln!("warden serve: internal error: {detail}");
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let body = serde_json::json!({ "error": { "code": self.code(), "message": self.public_message() } });
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let AppError::Unauthorized = self {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The JSON error body for a response that some layer (a framework rejection, a method
/// not allowed) produced without one: the status stays, the shape is [`AppError`]'s.
pub fn json_error_body(status: StatusCode) -> axum::Json<serde_json::Value> {
    let code = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => "this endpoint does not take that method".to_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_owned(),
    };
    axum::Json(serde_json::json!({ "error": { "code": code, "message": message } }))
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Busy => AppError::Unavailable,
            Refusal::TooLarge(message) => AppError::PayloadTooLarge(message),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        AppError::Internal(error.to_string())
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(error: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("blocking task failed: {error}"))
    }
}

/// `axum::Json` whose rejections are [`AppError`]s.
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(AppJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(AppError::UnsupportedMediaType(
                "expected `Content-Type: application/json`".into(),
            )),
            Err(JsonRejection::BytesRejection(rejection)) => Err(bytes_rejection(rejection)),
            Err(rejection) => Err(AppError::BadRequest(rejection.body_text())),
        }
    }
}

/// `axum::extract::Query` whose rejections are [`AppError`]s.
pub struct AppQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| AppQuery(q.0))
            .map_err(|rejection: QueryRejection| AppError::BadRequest(rejection.body_text()))
    }
}

/// `axum::extract::Path` whose rejections are [`AppError`]s (`/alerts/rules/abc` is a JSON
/// 400, not plain text).
pub struct AppPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for AppPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| AppPath(p.0))
            .map_err(|rejection: PathRejection| AppError::BadRequest(rejection.body_text()))
    }
}

fn bytes_rejection(rejection: BytesRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge("request body exceeds the size limit".into())
    } else {
        AppError::BadRequest("could not read the request body".into())
    }
}
