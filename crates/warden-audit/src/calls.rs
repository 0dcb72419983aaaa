//! Every AWS call goes through [`Calls::run`]: it names the IAM action (the printed policy
//! is the list of those names, and a test keeps the two equal), bounds how many calls are in
//! flight, counts them, and sorts failures into "absent", "denied" and "failed".

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::Semaphore;
use warden_diagnostics::Notice;

/// The answer to one call.
#[derive(Debug)]
pub enum Answer<T> {
    Found(T),
    /// The service said the thing does not exist (`NoSuchBucketPolicy` ...): a setting
    /// that is not configured, not an error.
    Absent,
    /// Denied, unsupported or broken: recorded as a notice; the audit carries on.
    Failed,
}

impl<T> Answer<T> {
    pub fn found(self) -> Option<T> {
        match self {
            Answer::Found(value) => Some(value),
            Answer::Absent | Answer::Failed => None,
        }
    }
}

/// Error codes that mean "this setting or resource does not exist".
const ABSENT_CODES: &[&str] = &[
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NoSuchTagSet",
    "NoSuchTagSetError",
    "OwnershipControlsNotFoundError",
];

/// Error codes that mean "the credentials may not do this".
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "UnrecognizedClientException",
];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct FailureKey {
    action: &'static str,
    region: String,
    denied: bool,
    /// What was not analysed, plural: "functions", "buckets".
    subject: &'static str,
}

/// Shared by every reader of one audit.
pub struct Calls {
    limit: Semaphore,
    made: AtomicU64,
    /// Calls the service answered, "not found" included.
    answered: AtomicU64,
    failures: Mutex<BTreeMap<FailureKey, (usize, String)>>,
    /// Calls answered per region (found or not found): a region that answered none was
    /// not read at all.
    answered_in: Mutex<BTreeMap<String, u64>>,
    actions_called: Mutex<BTreeMap<&'static str, u64>>,
}

impl Calls {
    pub fn new(concurrency: usize) -> Self {
        Calls {
            limit: Semaphore::new(concurrency.max(1)),
            made: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            failures: Mutex::new(BTreeMap::new()),
            answered_in: Mutex::new(BTreeMap::new()),
            actions_called: Mutex::new(BTreeMap::new()),
        }
    }

    /// Runs one call of IAM action `action` in `region` about one of `subject` (plural,
    /// for the notice: "functions").
    pub async fn run<T, E>(
        &self,
        action: &'static str,
        region: &str,
        subject: &'static str,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Answer<T>
    where
        E: ProvideErrorMetadata,
    {
        let result = {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = self.limit.acquire().await.expect("semaphore open");
            self.made.fetch_add(1, Ordering::Relaxed);
            *self
                .actions_called
                .lock()
                .expect("not poisoned")
                .entry(action)
                .or_default() += 1;
            call.await
        };
        match result {
            Ok(value) => {
                self.count_answer(region);
                Answer::Found(value)
            }
            Err(error) => {
                let code = match &error {
                    SdkError::ServiceError(service) => service.err().code().map(str::to_string),
                    _ => None,
                };
                if code
                    .as_deref()
                    .is_some_and(|code| ABSENT_CODES.contains(&code))
                {
                    self.count_answer(region);
                    return Answer::Absent;
                }
                let denied = code
                    .as_deref()
                    .is_some_and(|code| DENIED_CODES.contains(&code));
                let reason = match code {
                    Some(code) => code,
                    None => describe(&error),
                };
                let key = FailureKey {
                    action,
                    region: region.to_string(),
                    denied,
                    subject,
                };
                let mut failures = self.failures.lock().expect("not poisoned");
                let entry = failures.entry(key).or_insert((0, reason));
                entry.0 += 1;
                Answer::Failed
            }
        }
    }

    fn count_answer(&self, region: &str) {
        self.answered.fetch_add(1, Ordering::Relaxed);
        *self
            .answered_in
            .lock()
            .expect("not poisoned")
            .entry(region.to_string())
            .or_default() += 1;
    }

    /// Calls made so far.
    pub fn count(&self) -> u64 {
        self.made.load(Ordering::Relaxed)
    }

    /// Calls the services answered (found or not found).
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// The IAM actions called, with how many times each.
    pub fn actions_called(&self) -> BTreeMap<&'static str, u64> {
        self.actions_called.lock().expect("not poisoned").clone()
    }

    /// One notice per action, region and kind of failure: "not analysed: `lambda:GetPolicy`
    /// denied in eu-west-1 for 3 functions". A region of `regions` that answered no call at
    /// all (not enabled for the account, or denied by a policy) is one notice instead.
    pub fn notices(&self) -> Vec<Notice> {
        let failures = self.failures.lock().expect("not poisoned");
        let answered_in = self.answered_in.lock().expect("not poisoned");
        let mut silent: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
        for (key, (count, reason)) in failures.iter() {
            if key.region != "global" && !answered_in.contains_key(&key.region) {
                let entry = silent.entry(&key.region).or_insert((0, reason));
                entry.0 += count;
            }
        }
        let mut notices: Vec<Notice> = silent
            .iter()
            .map(|(region, (count, reason))| {
                let mut notice = Notice::new(
                    "live-region-not-read",
                    format!(
                        "not analysed: region {region} answered none of {count} calls ({reason})"
                    ),
                );
                notice.path = Some((*region).to_string());
                notice.help = Some(
                    "the region is not enabled for this account, or the credentials may not use it (an SCP or a region condition)"
                        .to_string(),
                );
                notice
            })
            .collect();
        notices.extend(failures
            .iter()
            .filter(|(key, _)| !silent.contains_key(key.region.as_str()))
            .map(|(key, (count, reason))| {
                let what = if key.denied { "denied" } else { "failed" };
                let mut notice = Notice::new(
                    if key.denied {
                        "live-call-denied"
                    } else {
                        "live-call-failed"
                    },
                    format!(
                        "not analysed: `{}` {what} in {} for {count} {} ({reason})",
                        key.action,
                        key.region,
                        if *count == 1 {
                            key.subject.trim_end_matches('s')
                        } else {
                            key.subject
                        }
                    ),
                );
                notice.path = Some(key.action.to_string());
                notice.help = Some(if key.denied {
                    "grant the action (see `warden audit --print-policy`)".to_string()
                } else {
                    "the service did not answer this call as expected; the settings it reads were not checked".to_string()
                });
                notice
            }));
        notices
    }
}

/// A failure without a service error code: a timeout, a connection error, or an answer the
/// SDK could not read (an HTML page where XML or JSON was due).
fn describe<E>(error: &SdkError<E, HttpResponse>) -> String {
    match error {
        SdkError::ConstructionFailure(_) => "request not built".to_string(),
        SdkError::TimeoutError(_) => "timed out".to_string(),
        SdkError::DispatchFailure(_) => "no connection".to_string(),
        SdkError::ResponseError(_) => "unreadable answer".to_string(),
        SdkError::ServiceError(service) => {
            format!(
                "HTTP {} without an error code",
                service.raw().status().as_u16()
            )
        }
        _ => "unknown error".to_string(),
    }
}
