//! `warden logs pull`: Warden reads Lambda logs from CloudWatch Logs itself, for accounts that
//! cannot expose an endpoint to Firehose.
//!
//! Log groups are named or discovered by prefix (`DescribeLogGroups`, every page); each is
//! read with `FilterLogEvents` over `[start, end)`, every page, and each event is handed to
//! the caller as a [`warden_logs::LogEvent`] with its group, stream and CloudWatch event id —
//! the same unit `warden logs analyze` and the server's ingest feed to the assembler, which
//! drops an event id it has already seen in a stream.
//!
//! Calls share the SDK configuration of `warden audit` ([`warden_audit::Clients`]: credentials
//! chain, profile, role, endpoint, rustls). They are paced to a request rate (CloudWatch Logs
//! allows 5 `FilterLogEvents` and 5 `DescribeLogGroups` per second per account and region by
//! default), retried with exponential backoff and jitter when throttled or briefly
//! unavailable, and bounded by an optional request budget. A log group that is deleted
//! between discovery and reading, or that the credentials may not read, is a notice, not a
//! stop.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::time::Instant;
use warden_audit::{AuditOptions, Clients};
use warden_logs::LogEvent;

/// What to read and how fast.
#[derive(Clone, Debug)]
pub struct PullOptions {
    /// Credentials, region (the first of `regions`), profile, role and endpoint, as for
    /// `warden audit`.
    pub aws: AuditOptions,
    /// Discover log groups whose name starts with this.
    pub log_group_prefix: Option<String>,
    /// Read these log groups (as well as the discovered ones).
    pub log_groups: Vec<String>,
    /// Unix milliseconds, inclusive.
    pub start_ms: i64,
    /// Unix milliseconds, exclusive.
    pub end_ms: i64,
    /// Requests per second, across all calls (default 5).
    pub requests_per_second: f64,
    /// Stop after this many requests; what was not read is a notice.
    pub max_requests: Option<u64>,
    /// Events per `FilterLogEvents` page (the service's default, 10,000, when `None`).
    pub page_size: Option<i32>,
    /// Attempts per call when throttled or unavailable (default 8).
    pub max_attempts: u32,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            aws: AuditOptions::default(),
            log_group_prefix: None,
            log_groups: Vec::new(),
            start_ms: 0,
            end_ms: 0,
            requests_per_second: 5.0,
            max_requests: None,
            page_size: None,
            max_attempts: 8,
        }
    }
}

/// What one log group gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupStats {
    pub log_group: String,
    /// `FilterLogEvents` calls, retries included.
    pub calls: u64,
    pub pages: u64,
    pub events: u64,
    /// Unix milliseconds of the newest event read.
    pub newest_ms: Option<i64>,
}

/// What a pull did.
#[derive(Clone, Debug, Default)]
pub struct PullSummary {
    pub region: String,
    pub groups: Vec<GroupStats>,
    /// Deleted or denied log groups, an exhausted budget: what was not read, and why.
    pub notices: Vec<String>,
    /// Every request, retries included.
    pub calls: u64,
    /// Requests the service throttled (each was retried after a backoff).
    pub throttled: u64,
}

impl PullSummary {
    pub fn events(&self) -> u64 {
        self.groups.iter().map(|g| g.events).sum()
    }
}

/// Error codes worth another attempt after a pause.
const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "LimitExceededException",
    "ServiceUnavailableException",
    "RequestLimitExceeded",
];

/// Paces requests and keeps the budget and counters.
struct Pacer {
    interval: Duration,
    next: Instant,
    calls: u64,
    throttled: u64,
    max_requests: Option<u64>,
    max_attempts: u32,
}

/// Why a call gave nothing.
enum CallError {
    /// The budget is spent.
    Budget,
    /// The service answered with this code (or a transport error, described).
    Failed {
        code: Option<String>,
        message: String,
    },
}

impl Pacer {
    fn new(options: &PullOptions) -> Self {
        let rate = if options.requests_per_second.is_finite() && options.requests_per_second > 0.0 {
            options.requests_per_second
        } else {
            5.0
        };
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Instant::now(),
            calls: 0,
            throttled: 0,
            max_requests: options.max_requests,
            max_attempts: options.max_attempts.max(1),
        }
    }

    /// Runs `call` (rebuilt for each attempt) at the paced rate, retrying throttling and
    /// unavailability with exponential backoff (0.2 s doubling to 20 s, with jitter).
    async fn run<T, E, F, Fut>(&mut self, mut call: F) -> Result<T, CallError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    {
        let mut attempt = 0u32;
        loop {
            if self.max_requests.is_some_and(|max| self.calls >= max) {
                return Err(CallError::Budget);
            }
            tokio::time::sleep_until(self.next).await;
            self.next = Instant::now() + self.interval;
            self.calls += 1;
            attempt += 1;
            let error = match call().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let code = match &error {
                SdkError::ServiceError(service) => service.err().code().map(str::to_owned),
                _ => None,
            };
            let retryable = match &code {
                Some(code) => RETRYABLE_CODES.contains(&code.as_str()),
                // Timeouts and connection failures: worth another attempt.
                None => matches!(
                    error,
                    SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)
                ),
            };
            if code
                .as_deref()
                .is_some_and(|c| c.starts_with("Throttl") || c == "LimitExceededException")
            {
                self.throttled += 1;
            }
            if !retryable || attempt >= self.max_attempts {
                return Err(CallError::Failed {
                    message: describe(&error),
                    code,
                });
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
    }
}

/// The pause before attempt `attempt + 1`: full jitter over 0.2 s × 2^(attempt-1), capped.
fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = (200u64 << attempt.saturating_sub(1).min(7)).min(20_000);
    Duration::from_millis(ceiling_ms / 2 + fastrand::u64(0..=ceiling_ms / 2))
}

fn describe<E: std::error::Error + 'static>(error: &SdkError<E, HttpResponse>) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Reads every chosen log group over `[start_ms, end_ms)` and hands each event to `on_event`.
pub async fn pull(
    options: &PullOptions,
    on_event: &mut dyn FnMut(&LogEvent<'_>),
) -> anyhow::Result<PullSummary> {
    anyhow::ensure!(
        options.start_ms < options.end_ms,
        "nothing to read: the start of the window is not before its end"
    );
    let mut aws = options.aws.clone();
    // Retries are ours (counted, paced); the SDK makes one attempt per call.
    aws.max_attempts = Some(1);
    let clients = Clients::load(&aws).await?;
    let region = clients
        .regions
        .first()
        .cloned()
        .context("no region: pass --region, or set AWS_REGION or a profile's `region`")?;
    let client = clients.logs(&region);
    let mut pacer = Pacer::new(options);
    let mut summary = PullSummary {
        region: region.clone(),
        ..PullSummary::default()
    };

    let mut names = options.log_groups.clone();
    if let Some(prefix) = &options.log_group_prefix {
        names.extend(discover(&client, prefix, &mut pacer).await?);
    }
    names.sort();
    names.dedup();

    for (index, name) in names.iter().enumerate() {
        let mut stats = GroupStats {
            log_group: name.clone(),
            ..GroupStats::default()
        };
        let outcome = read_group(
            &client, options, name, &region, &mut pacer, &mut stats, on_event,
        )
        .await;
        summary.groups.push(stats);
        match outcome {
            Ok(()) => {}
            Err(CallError::Budget) => {
                summary.notices.push(format!(
                    "request budget of {} spent: {} of {} log groups not read completely (from {name})",
                    options.max_requests.unwrap_or_default(),
                    names.len() - index,
                    names.len()
                ));
                break;
            }
            Err(CallError::Failed { code, message }) => {
                summary
                    .notices
                    .push(group_notice(name, code.as_deref(), &message));
            }
        }
    }
    summary.calls = pacer.calls;
    summary.throttled = pacer.throttled;
    Ok(summary)
}

fn group_notice(name: &str, code: Option<&str>, message: &str) -> String {
    match code {
        Some("ResourceNotFoundException") => {
            format!("log group `{name}` not read: it does not exist (deleted?)")
        }
        Some("AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation") => format!(
            "log group `{name}` not read: logs:FilterLogEvents is denied to these credentials"
        ),
        _ => format!("log group `{name}` not read: {message}"),
    }
}

/// Every log group whose name starts with `prefix`, every page.
async fn discover(client: &Client, prefix: &str, pacer: &mut Pacer) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = pacer
            .run(|| {
                client
                    .describe_log_groups()
                    .log_group_name_prefix(prefix)
                    .set_next_token(token.clone())
                    .send()
            })
            .await;
        let page = match page {
            Ok(page) => page,
            Err(CallError::Budget) => {
                anyhow::bail!("the request budget is spent before the log groups are listed")
            }
            Err(CallError::Failed { code, message }) => anyhow::bail!(
                "cannot list log groups starting with `{prefix}` (logs:DescribeLogGroups): {}",
                code.unwrap_or(message)
            ),
        };
        names.extend(
            page.log_groups()
                .iter()
                .filter_map(|group| group.log_group_name().map(str::to_owned)),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() && token.as_deref() != Some(next) => {
                token = Some(next.to_owned())
            }
            _ => break,
        }
    }
    Ok(names)
}

/// One log group over the window, every page, in the order the service returns (by time).
async fn read_group(
    client: &Client,
    options: &PullOptions,
    name: &str,
    region: &str,
    pacer: &mut Pacer,
    stats: &mut GroupStats,
    on_event: &mut dyn FnMut(&LogEvent<'_>),
) -> Result<(), CallError> {
    let mut token: Option<String> = None;
    loop {
        let before = pacer.calls;
        let page = pacer
            .run(|| {
                client
                    .filter_log_events()
                    .log_group_name(name)
                    .start_time(options.start_ms)
                    // FilterLogEvents' end time is inclusive; the window's is not.
                    .end_time(options.end_ms - 1)
                    .set_limit(options.page_size)
                    .set_next_token(token.clone())
                    .send()
            })
            .await;
        stats.calls += pacer.calls - before;
        let page = page?;
        stats.pages += 1;
        for event in page.events() {
            let Some(message) = event.message() else {
                continue;
            };
            stats.events += 1;
            stats.newest_ms = stats.newest_ms.max(event.timestamp());
            on_event(&LogEvent {
                timestamp_ms: event.timestamp(),
                message,
                log_group: name,
                log_stream: event.log_stream_name().unwrap_or_default(),
                id: event.event_id(),
                account: None,
                region: Some(region),
            });
        }
        match page.next_token() {
            // The service can answer a page with no events and a token: it is still searching.
            Some(next) if !next.is_empty() && token.as_deref() != Some(next) => {
                token = Some(next.to_owned())
            }
            _ => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..=20 {
            let pause = backoff(attempt);
            let ceiling = (200u64 << (attempt - 1).min(7)).min(20_000);
            assert!(
                pause >= Duration::from_millis(ceiling / 2),
                "{attempt}: {pause:?}"
            );
            assert!(
                pause <= Duration::from_millis(ceiling),
                "{attempt}: {pause:?}"
            );
        }
        assert!(backoff(20) <= Duration::from_secs(20));
    }

    #[test]
    fn notices_say_why_a_group_was_not_read() {
        assert!(
            group_notice("/aws/lambda/a", Some("ResourceNotFoundException"), "")
                .contains("does not exist")
        );
        assert!(
            group_notice("/aws/lambda/a", Some("AccessDeniedException"), "").contains("denied")
        );
        assert!(group_notice("/aws/lambda/a", None, "timed out").contains("timed out"));
    }
}
