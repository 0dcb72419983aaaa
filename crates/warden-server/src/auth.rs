//! Who may do what: ingest keys (write only), read tokens, admin tokens, and dashboard
//! sessions.
//!
//! Keys and tokens are compared in constant time (SHA-256 of both sides, then a
//! branch-free comparison, so neither content nor length leaks through timing). Sessions
//! are random ids in an `HttpOnly; SameSite=Strict` cookie; a state-changing request
//! authenticated by cookie must also send the session's CSRF token in `X-CSRF-Token`
//! (double submit: the dashboard reads it from the `warden_csrf` cookie). Bearer-token
//! requests need no CSRF token: browsers do not attach them by themselves.
//! Every principal has its own token bucket.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use sha2::{Digest, Sha256};

use crate::error::AppError;

const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
pub const SESSION_COOKIE: &str = "warden_session";
pub const CSRF_COOKIE: &str = "warden_csrf";

/// A credential whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Compares two secrets in time independent of where they differ and of their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // getrandom only fails when the OS has no entropy source at all; a server that cannot
    // make session ids must not start handing out predictable ones.
    getrandom::getrandom(&mut bytes).expect("the OS random number generator is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone, Debug, Default)]
pub struct Credentials {
    pub ingest_keys: Vec<Secret>,
    pub read_tokens: Vec<Secret>,
    pub admin_tokens: Vec<Secret>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Read,
    Admin,
}

struct Session {
    role: Role,
    csrf: String,
    expires: Instant,
}

/// A token bucket.
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

pub struct Auth {
    credentials: Credentials,
    /// `--insecure-no-auth`: everything is admin (the server then binds to loopback only).
    disabled: bool,
    sessions: Mutex<HashMap<String, Session>>,
    buckets: Mutex<HashMap<String, Bucket>>,
    pub ingest_rate: RateLimit,
    pub api_rate: RateLimit,
}

fn find(candidates: &[Secret], presented: &str) -> Option<usize> {
    // Check every candidate so the time does not say which one matched.
    let mut found = None;
    for (index, candidate) in candidates.iter().enumerate() {
        if constant_time_eq(candidate.expose().as_bytes(), presented.as_bytes()) && found.is_none()
        {
            found = Some(index);
        }
    }
    found
}

pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl Auth {
    pub fn new(
        credentials: Credentials,
        disabled: bool,
        ingest_rate: RateLimit,
        api_rate: RateLimit,
    ) -> Auth {
        Auth {
            credentials,
            disabled,
            sessions: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            ingest_rate,
            api_rate,
        }
    }

    pub fn disabled(&self) -> bool {
        self.disabled
    }

    /// Takes one token from `principal`'s bucket.
    pub fn rate_limit(&self, principal: &str, limit: RateLimit) -> Result<(), AppError> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| now.duration_since(b.last) < Duration::from_secs(60));
        }
        let bucket = buckets.entry(principal.to_owned()).or_insert(Bucket {
            tokens: limit.burst,
            last: now,
        });
        bucket.tokens = (bucket.tokens
            + now.duration_since(bucket.last).as_secs_f64() * limit.per_second)
            .min(limit.burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(AppError::TooManyRequests {
                retry_after_seconds: ((1.0 - bucket.tokens) / limit.per_second).ceil().max(1.0)
                    as u64,
            })
        }
    }

    /// Checks an ingest key; returns the principal name for rate limiting.
    pub fn check_ingest_key(&self, presented: Option<&str>) -> Result<String, AppError> {
        if self.disabled {
            return Ok("ingest:local".into());
        }
        let presented = presented.ok_or(AppError::Unauthorized)?;
        let index = find(&self.credentials.ingest_keys, presented).ok_or(AppError::Unauthorized)?;
        let principal = format!("ingest:{index}");
        self.rate_limit(&principal, self.ingest_rate)?;
        Ok(principal)
    }

    /// The role a token grants, if any.
    pub fn token_role(&self, token: &str) -> Option<(Role, String)> {
        if let Some(index) = find(&self.credentials.admin_tokens, token) {
            return Some((Role::Admin, format!("admin:{index}")));
        }
        find(&self.credentials.read_tokens, token)
            .map(|index| (Role::Read, format!("read:{index}")))
    }

    /// Starts a dashboard session; returns (session id, CSRF token).
    pub fn create_session(&self, role: Role) -> (String, String) {
        let (id, csrf) = (random_token(), random_token());
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(
            id.clone(),
            Session {
                role,
                csrf: csrf.clone(),
                expires: now + SESSION_LIFETIME,
            },
        );
        (id, csrf)
    }

    pub fn end_session(&self, id: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// The session's role and CSRF token.
    pub fn session(&self, headers: &HeaderMap) -> Option<(Role, String, String)> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let session = sessions.get(id).filter(|s| s.expires > Instant::now())?;
        Some((session.role, session.csrf.clone(), id.to_owned()))
    }

    /// Authenticates an API or dashboard request: bearer token, or session cookie (with
    /// the CSRF check for state-changing methods).
    pub fn authenticate(
        &self,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<(Role, String), AppError> {
        if self.disabled {
            return Ok((Role::Admin, "local".into()));
        }
        let (role, principal) = if let Some(token) = bearer(headers) {
            self.token_role(token).ok_or(AppError::Unauthorized)?
        } else if let Some((role, csrf, id)) = self.session(headers) {
            let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
            if !safe {
                let presented = headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if !constant_time_eq(presented.as_bytes(), csrf.as_bytes()) {
                    return Err(AppError::Forbidden(
                        "missing or wrong CSRF token (X-CSRF-Token)".into(),
                    ));
                }
            }
            (role, format!("session:{}", &id[..id.len().min(16)]))
        } else {
            return Err(AppError::Unauthorized);
        };
        self.rate_limit(&principal, self.api_rate)?;
        Ok((role, principal))
    }
}

/// Any read or admin credential.
pub struct ReadAccess;

/// An admin credential.
pub struct AdminAccess;

impl<S: Send + Sync> FromRequestParts<S> for ReadAccess
where
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Arc::<Auth>::from_ref(state)
            .authenticate(&parts.method, &parts.headers)
            .map(|_| ReadAccess)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AdminAccess
where
    Arc<Auth>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Arc::<Auth>::from_ref(state).authenticate(&parts.method, &parts.headers)? {
            (Role::Admin, _) => Ok(AdminAccess),
            (Role::Read, _) => Err(AppError::Forbidden(
                "this action needs an admin token".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert_eq!(
            format!("{:?}", Secret::new("hunter2")),
            "Secret([redacted])"
        );
        assert_eq!(random_token().len(), 64);
    }

    #[test]
    fn buckets_limit_bursts() {
        let auth = Auth::new(
            Credentials::default(),
            false,
            RateLimit {
                per_second: 1.0,
                burst: 2.0,
            },
            RateLimit {
                per_second: 1.0,
                burst: 2.0,
            },
        );
        let limit = auth.api_rate;
        assert!(auth.rate_limit("p", limit).is_ok());
        assert!(auth.rate_limit("p", limit).is_ok());
        assert!(matches!(
            auth.rate_limit("p", limit),
            Err(AppError::TooManyRequests { .. })
        ));
        assert!(auth.rate_limit("q", limit).is_ok());
    }
}
