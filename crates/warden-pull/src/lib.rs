//! `warden logs pull`: Warden reads Lambda logs from CloudWatch Logs itself, for accounts that
//! cannot expose an endpoint to Firehose. [`Reader`] is also what `warden serve --poll` reads
//! through (the binary connects it to `warden_server::poll::LogSource`).
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
use warden_logs::{LogEvent, OwnedLogEvent};

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
    async fn run<T, E, F, Fut>(&mut self, mut call: F) -> Result<T, ReadError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    {
        let mut attempt = 0u32;
        loop {
            if self.max_requests.is_some_and(|max| self.calls >= max) {
                return Err(ReadError::Budget);
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
                // The service's own words when it gave some; the whole chain otherwise.
                let message = match &error {
                    SdkError::ServiceError(service) => service.err().message().map(str::to_owned),
                    _ => None,
                }
                .unwrap_or_else(|| describe(&error));
                return Err(ReadError::Failed { message, code });
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

/// One CloudWatch Logs client with its pacer: what `pull` uses, and what `warden serve
/// --poll` reads through (the binary connects it to `warden_server::poll::LogSource`).
pub struct Reader {
    client: Client,
    region: String,
    pacer: Pacer,
    page_size: Option<i32>,
}

/// A log group as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedGroup {
    pub name: String,
}

/// One `FilterLogEvents` page.
#[derive(Clone, Debug, Default)]
pub struct EventsPage {
    pub events: Vec<OwnedLogEvent>,
    /// `None` on the last page.
    pub next_token: Option<String>,
}

/// Why a request gave nothing, after retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The request budget (`max_requests`) is spent.
    Budget,
    /// The service answered with `code` (`None`: a transport error), described in `message`.
    Failed {
        code: Option<String>,
        message: String,
    },
}

impl ReadError {
    /// The log group does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Failed { code: Some(code), .. } if code == "ResourceNotFoundException")
    }

    /// The credentials may not make the call.
    pub fn is_denied(&self) -> bool {
        matches!(self, ReadError::Failed { code: Some(code), .. }
            if matches!(code.as_str(), "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation"))
    }

    /// Still throttled after every attempt.
    pub fn is_throttled(&self) -> bool {
        matches!(self, ReadError::Failed { code: Some(code), .. }
            if code.starts_with("Throttl") || code == "LimitExceededException" || code == "RequestLimitExceeded")
    }

    pub fn message(&self) -> String {
        match self {
            ReadError::Budget => "the request budget is spent".to_owned(),
            ReadError::Failed {
                code: Some(code),
                message,
            } => format!("{code}: {message}"),
            ReadError::Failed {
                code: None,
                message,
            } => message.clone(),
        }
    }
}

impl Reader {
    /// Loads credentials and the region as `warden audit` does; `options`' rate, budget,
    /// attempts and page size apply to every request.
    pub async fn connect(options: &PullOptions) -> anyhow::Result<Reader> {
        let mut aws = options.aws.clone();
        // Retries are ours (counted, paced); the SDK makes one attempt per call.
        aws.max_attempts = Some(1);
        let clients = Clients::load(&aws).await?;
        let region = clients
            .regions
            .first()
            .cloned()
            .context("no region: pass --region, or set AWS_REGION or a profile's `region`")?;
        Ok(Reader {
            client: clients.logs(&region),
            region,
            pacer: Pacer::new(options),
            page_size: options.page_size,
        })
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Requests made, retries included.
    pub fn calls(&self) -> u64 {
        self.pacer.calls
    }

    /// Requests the service throttled.
    pub fn throttled(&self) -> u64 {
        self.pacer.throttled
    }

    /// Every log group whose name starts with `prefix`, every page.
    pub async fn log_groups(&mut self, prefix: &str) -> Result<Vec<ListedGroup>, ReadError> {
        let mut groups = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .pacer
                .run(|| {
                    self.client
                        .describe_log_groups()
                        .log_group_name_prefix(prefix)
                        .set_next_token(token.clone())
                        .send()
                })
                .await?;
            groups.extend(page.log_groups().iter().filter_map(|group| {
                Some(ListedGroup {
                    name: group.log_group_name()?.to_owned(),
                })
            }));
            match page.next_token() {
                Some(next) if !next.is_empty() && token.as_deref() != Some(next) => {
                    token = Some(next.to_owned())
                }
                _ => return Ok(groups),
            }
        }
    }

    /// One page of `log_group`'s events over `[start_ms, end_ms]` (both inclusive), in time
    /// order.
    pub async fn events_page(
        &mut self,
        log_group: &str,
        start_ms: i64,
        end_ms: i64,
        token: Option<String>,
    ) -> Result<EventsPage, ReadError> {
        let page = self
            .pacer
            .run(|| {
                #[allow(deprecated)]
                self.client
                    .filter_log_events()
                    .log_group_name(log_group)
                    .start_time(start_ms)
                    .end_time(end_ms)
                    // Ignored by CloudWatch, which always interleaves streams by time since
                    // 2019; moto sorts by time only when asked. Checkpoints rely on it.
                    .interleaved(true)
                    .set_limit(self.page_size)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let events = page
            .events()
            .iter()
            .filter_map(|event| {
                Some(OwnedLogEvent {
                    timestamp_ms: event.timestamp(),
                    message: event.message()?.to_owned(),
                    log_group: log_group.to_owned(),
                    log_stream: event.log_stream_name().unwrap_or_default().to_owned(),
                    id: event.event_id().map(str::to_owned),
                    account: None,
                    region: Some(self.region.clone()),
                })
            })
            .collect();
        let next_token = match page.next_token() {
            // The service can answer a page with no events and a token: it is still searching.
            Some(next) if !next.is_empty() && token.as_deref() != Some(next) => {
                Some(next.to_owned())
            }
            _ => None,
        };
        Ok(EventsPage { events, next_token })
    }
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
    let mut reader = Reader::connect(options).await?;
    let mut summary = PullSummary {
        region: reader.region.clone(),
        ..PullSummary::default()
    };

    let mut names = options.log_groups.clone();
    if let Some(prefix) = &options.log_group_prefix {
        match reader.log_groups(prefix).await {
            Ok(groups) => names.extend(groups.into_iter().map(|group| group.name)),
            Err(ReadError::Budget) => {
                anyhow::bail!("the request budget is spent before the log groups are listed")
            }
            Err(ReadError::Failed { code, message }) => anyhow::bail!(
                "cannot list log groups starting with `{prefix}` (logs:DescribeLogGroups): {}",
                code.unwrap_or(message)
            ),
        }
    }
    names.sort();
    names.dedup();

    for (index, name) in names.iter().enumerate() {
        let mut stats = GroupStats {
            log_group: name.clone(),
            ..GroupStats::default()
        };
        let outcome = read_group(&mut reader, options, name, &mut stats, on_event).await;
        summary.groups.push(stats);
        match outcome {
            Ok(()) => {}
            Err(ReadError::Budget) => {
                summary.notices.push(format!(
                    "request budget of {} spent: {} of {} log groups not read completely (from {name})",
                    options.max_requests.unwrap_or_default(),
                    names.len() - index,
                    names.len()
                ));
                break;
            }
            Err(ReadError::Failed { code, message }) => {
                summary
                    .notices
                    .push(group_notice(name, code.as_deref(), &message));
            }
        }
    }
    summary.calls = reader.calls();
    summary.throttled = reader.throttled();
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

/// One log group over the window, every page, in the order the service returns (by time).
async fn read_group(
    reader: &mut Reader,
    options: &PullOptions,
    name: &str,
    stats: &mut GroupStats,
    on_event: &mut dyn FnMut(&LogEvent<'_>),
) -> Result<(), ReadError> {
    let mut token: Option<String> = None;
    loop {
        let before = reader.calls();
        // FilterLogEvents' end time is inclusive; the window's is not.
        let page = reader
            .events_page(name, options.start_ms, options.end_ms - 1, token.take())
            .await;
        stats.calls += reader.calls() - before;
        let page = page?;
        stats.pages += 1;
        for event in &page.events {
            stats.events += 1;
            stats.newest_ms = stats.newest_ms.max(event.timestamp_ms);
            on_event(&event.as_event());
        }
        match page.next_token {
            Some(next) => token = Some(next),
            None => return Ok(()),
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
