//! `warden serve --poll`: the server reads CloudWatch Logs itself and feeds what it reads to
//! the same pipeline and store as push ingest, so pulled and pushed data are one thing.
//!
//! The AWS side sits behind [`LogSource`] (this crate does not depend on the AWS SDK; the
//! binary connects `warden-pull`'s reader). One task polls: every sweep it reads each log
//! group with `FilterLogEvents` from the group's checkpoint to now, every page, and submits
//! each page's new events **with the group's new checkpoint** through
//! [`IngestHandle::submit_polled`], which commits both in one transaction. A restart, even
//! after SIGKILL, therefore resumes exactly where the store is: no gap, no duplicate.
//!
//! A checkpoint is the newest event time read, the time the next read starts from (newest
//! minus `overlap`, which re-reads the last minutes to catch events CloudWatch ingests
//! late), and the ids of the events read since that start, which the re-read skips. The
//! ids are bounded per group (`max_seen_ids`): when there are more, the oldest times are
//! forgotten and the start moves after them, so the ids always cover the re-read. Pages
//! come in event time order (CloudWatch interleaves a group's streams by time), which is
//! what makes a page's checkpoint cover everything before it.
//!
//! Log groups come from `--log-group` and from `DescribeLogGroups` by prefix, refreshed every
//! `discover_every` so that new functions appear; a group seen for the first time is read
//! from `lookback` ago (events may carry times before their group was created). A denied, deleted or
//! throttled group is a notice on the status (`/api/v1/status`, `poll`) and on stderr,
//! never a stop; it is tried again next sweep from its checkpoint.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use warden_logs::OwnedLogEvent;

use crate::clock::now_ms;
use crate::pipeline::IngestHandle;
use crate::store::{PollCheckpoint, SeenEvent, Store};

/// A future a [`LogSource`] returns.
pub type SourceFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SourceError>> + Send + 'a>>;

/// CloudWatch Logs as the poller needs it. Implementations pace their requests, retry
/// throttling with backoff, and count what they do.
pub trait LogSource: Send + 'static {
    /// Every log group whose name starts with `prefix` (`DescribeLogGroups`, every page).
    fn log_groups<'a>(&'a mut self, prefix: &'a str) -> SourceFuture<'a, Vec<SourceGroup>>;
    /// One page of `FilterLogEvents` over `[start_ms, end_ms]` (both inclusive), events in
    /// time order, each with its log group, stream and event id.
    fn events<'a>(&'a mut self, request: PageRequest<'a>) -> SourceFuture<'a, SourcePage>;
    /// Requests made so far (retries included) and how many of them were throttled.
    fn calls(&self) -> SourceCalls;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceGroup {
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct PageRequest<'a> {
    pub log_group: &'a str,
    pub start_ms: i64,
    pub end_ms: i64,
    pub next_token: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct SourcePage {
    pub events: Vec<OwnedLogEvent>,
    /// `None` when this was the last page.
    pub next_token: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SourceCalls {
    pub calls: u64,
    pub throttled: u64,
}

/// Why a request gave nothing, after the source's own retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    pub kind: SourceErrorKind,
    /// What the service (or the transport) said.
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceErrorKind {
    /// The log group does not exist (deleted).
    NotFound,
    /// The credentials may not make this call.
    Denied,
    /// Still throttled after every retry.
    Throttled,
    Other,
}

/// What to poll and how.
#[derive(Clone, Debug)]
pub struct PollConfig {
    pub log_group_prefix: Option<String>,
    pub log_groups: Vec<String>,
    /// From the start of one sweep to the start of the next.
    pub interval: Duration,
    /// How often the log groups are listed again.
    pub discover_every: Duration,
    /// How far back a read re-reads (CloudWatch's ingestion delay).
    pub overlap: Duration,
    /// How far back a log group is read the first time.
    pub lookback: Duration,
    /// Event ids kept per log group for the overlap's de-duplication.
    pub max_seen_ids: usize,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            log_group_prefix: None,
            log_groups: Vec::new(),
            interval: Duration::from_secs(60),
            discover_every: Duration::from_secs(300),
            overlap: Duration::from_secs(120),
            lookback: Duration::from_secs(3600),
            max_seen_ids: 20_000,
        }
    }
}

/// One log group on the status page.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupStatus {
    pub log_group: String,
    /// `FilterLogEvents` requests for this group since the server started, retries included.
    pub calls: u64,
    /// Events read and stored since the server started (re-read duplicates not counted).
    pub events: u64,
    /// Unix milliseconds of the newest event read (kept across restarts).
    pub newest_event_ms: Option<i64>,
    /// Unix milliseconds of the last sweep that read this group to its end.
    pub last_read_ms: Option<i64>,
    /// The last error or notice, until a read succeeds.
    pub notice: Option<Notice>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    pub at_ms: i64,
    pub kind: SourceErrorKind,
    pub message: String,
}

/// What the poller has done, for `/api/v1/status`. Cheap to read.
#[derive(Debug, Default)]
pub struct PollStatus {
    inner: Mutex<StatusInner>,
}

#[derive(Debug, Default)]
struct StatusInner {
    groups: BTreeMap<String, GroupStatus>,
    calls: SourceCalls,
    sweeps: u64,
    last_sweep_ms: Option<i64>,
    discovery_notice: Option<Notice>,
}

impl PollStatus {
    fn update(&self, change: impl FnOnce(&mut StatusInner)) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        change(&mut inner);
    }

    fn group(&self, name: &str, change: impl FnOnce(&mut GroupStatus)) {
        self.update(|inner| {
            let group = inner
                .groups
                .entry(name.to_owned())
                .or_insert_with(|| GroupStatus {
                    log_group: name.to_owned(),
                    ..GroupStatus::default()
                });
            change(group);
        });
    }

    /// The status as JSON, with each group's lag (now − newest event read) at `now_ms`.
    pub fn to_json(&self, now_ms: i64) -> serde_json::Value {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let groups: Vec<serde_json::Value> = inner
            .groups
            .values()
            .map(|group| {
                let mut value = serde_json::to_value(group).unwrap_or_default();
                value["lag_ms"] = group
                    .newest_event_ms
                    .map(|newest| (now_ms - newest).max(0))
                    .into();
                value
            })
            .collect();
        serde_json::json!({
            "calls": inner.calls.calls,
            "throttled": inner.calls.throttled,
            "sweeps": inner.sweeps,
            "last_sweep_ms": inner.last_sweep_ms,
            "discovery_notice": inner.discovery_notice,
            "events": inner.groups.values().map(|g| g.events).sum::<u64>(),
            "log_groups": groups,
        })
    }
}

/// A log group's position in memory: the stored checkpoint and its ids.
#[derive(Debug)]
struct Position {
    newest_ms: Option<i64>,
    resume_from_ms: i64,
    /// Event ids by time, at or after `resume_from_ms`.
    by_time: BTreeMap<i64, Vec<String>>,
    ids: HashSet<String>,
}

impl Position {
    fn new(resume_from_ms: i64) -> Position {
        Position {
            newest_ms: None,
            resume_from_ms,
            by_time: BTreeMap::new(),
            ids: HashSet::new(),
        }
    }

    fn from_checkpoint(checkpoint: PollCheckpoint) -> Position {
        let mut position = Position::new(checkpoint.resume_from_ms);
        position.newest_ms = checkpoint.newest_ms;
        for event in checkpoint.seen {
            position.remember(event.id, event.timestamp_ms);
        }
        position
    }

    fn remember(&mut self, id: String, timestamp_ms: i64) {
        if self.ids.insert(id.clone()) {
            self.by_time.entry(timestamp_ms).or_default().push(id);
        }
    }

    /// Keeps the events of a page whose ids were not seen and returns the checkpoint
    /// change covering them.
    fn advance(
        &mut self,
        log_group: &str,
        page: Vec<OwnedLogEvent>,
        overlap_ms: i64,
        max_ids: usize,
    ) -> (Vec<OwnedLogEvent>, PollCheckpoint) {
        let mut fresh = Vec::with_capacity(page.len());
        let mut added = Vec::new();
        for event in page {
            let timestamp = event.timestamp_ms.unwrap_or(self.resume_from_ms);
            if let Some(id) = &event.id {
                if self.ids.contains(id) {
                    continue;
                }
                self.remember(id.clone(), timestamp);
                added.push(SeenEvent {
                    id: id.clone(),
                    timestamp_ms: timestamp,
                });
            }
            self.newest_ms = self.newest_ms.max(Some(timestamp));
            fresh.push(event);
        }
        if let Some(newest) = self.newest_ms {
            self.resume_from_ms = self.resume_from_ms.max(newest - overlap_ms);
        }
        // Too many ids: forget whole oldest times, and never re-read them.
        while self.ids.len() > max_ids.max(1) && self.by_time.len() > 1 {
            if let Some((time, _)) = self.by_time.first_key_value() {
                self.resume_from_ms = self.resume_from_ms.max(time + 1);
            }
            self.forget_before(self.resume_from_ms);
        }
        self.forget_before(self.resume_from_ms);
        added.retain(|event| event.timestamp_ms >= self.resume_from_ms);
        let checkpoint = PollCheckpoint {
            log_group: log_group.to_owned(),
            newest_ms: self.newest_ms,
            resume_from_ms: self.resume_from_ms,
            seen: added,
        };
        (fresh, checkpoint)
    }

    fn forget_before(&mut self, time: i64) {
        while let Some(entry) = self.by_time.first_entry() {
            if *entry.key() >= time {
                break;
            }
            for id in entry.remove() {
                self.ids.remove(&id);
            }
        }
    }
}

struct Poller {
    store: Arc<dyn Store>,
    ingest: IngestHandle,
    source: Box<dyn LogSource>,
    config: PollConfig,
    status: Arc<PollStatus>,
    /// The groups read each sweep.
    groups: BTreeSet<String>,
    /// Groups a read found deleted: left out until a listing shows them again.
    gone: HashSet<String>,
    positions: HashMap<String, Position>,
    /// Whether `positions` holds the store's checkpoints.
    loaded: bool,
    /// When the groups were last listed (server wall clock).
    discovered_at_ms: Option<i64>,
}

/// Polls until the task is dropped. Loads the checkpoints first; if the store cannot be
/// read the poller says so and tries again after an interval.
pub async fn run(
    store: Arc<dyn Store>,
    ingest: IngestHandle,
    source: Box<dyn LogSource>,
    config: PollConfig,
    status: Arc<PollStatus>,
) {
    let mut poller = Poller {
        groups: config.log_groups.iter().cloned().collect(),
        store,
        ingest,
        source,
        config,
        status,
        gone: HashSet::new(),
        positions: HashMap::new(),
        loaded: false,
        discovered_at_ms: None,
    };
    let mut tick = tokio::time::interval(poller.config.interval.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        poller.sweep().await;
    }
}

impl Poller {
    async fn sweep(&mut self) {
        if !self.loaded && !self.load_positions().await {
            return;
        }
        let now = now_ms();
        let due = self
            .discovered_at_ms
            .is_none_or(|at| now - at >= self.config.discover_every.as_millis() as i64);
        if due {
            self.discover().await;
        }
        let names: Vec<String> = self
            .groups
            .iter()
            .filter(|name| !self.gone.contains(*name))
            .cloned()
            .collect();
        for name in names {
            self.read_group(&name).await;
        }
        let calls = self.source.calls();
        self.status.update(|inner| {
            inner.calls = calls;
            inner.sweeps += 1;
            inner.last_sweep_ms = Some(now_ms());
        });
    }

    /// Reads every stored checkpoint; false (and a notice) when the store cannot be read.
    async fn load_positions(&mut self) -> bool {
        let store = self.store.clone();
        let loaded = tokio::task::spawn_blocking(move || store.poll_checkpoints()).await;
        let checkpoints = match loaded {
            Ok(Ok(checkpoints)) => checkpoints,
            Ok(Err(error)) => {
                eprintln!("warden serve: poll: reading checkpoints failed: {error}");
                return false;
            }
            Err(error) => {
                eprintln!("warden serve: poll: reading checkpoints failed: {error}");
                return false;
            }
        };
        for checkpoint in checkpoints {
            let name = checkpoint.log_group.clone();
            self.status
                .group(&name, |group| group.newest_event_ms = checkpoint.newest_ms);
            self.positions
                .insert(name, Position::from_checkpoint(checkpoint));
        }
        self.loaded = true;
        true
    }

    async fn discover(&mut self) {
        // Named groups found deleted are tried again at each listing.
        self.gone.clear();
        let Some(prefix) = self.config.log_group_prefix.clone() else {
            self.discovered_at_ms = Some(now_ms());
            return;
        };
        match self.source.log_groups(&prefix).await {
            Ok(listed) => {
                self.discovered_at_ms = Some(now_ms());
                // A group no longer listed (deleted) is no longer read.
                self.groups = self.config.log_groups.iter().cloned().collect();
                for group in listed {
                    self.groups.insert(group.name);
                }
                self.status.update(|inner| inner.discovery_notice = None);
            }
            Err(error) => {
                // Tried again next sweep; the groups already known are still read.
                let message = format!(
                    "cannot list log groups starting with `{prefix}` (logs:DescribeLogGroups): {}",
                    error.message
                );
                eprintln!("warden serve: poll: {message}");
                self.status.update(|inner| {
                    inner.discovery_notice = Some(Notice {
                        at_ms: now_ms(),
                        kind: error.kind,
                        message,
                    })
                });
            }
        }
    }

    async fn read_group(&mut self, name: &str) {
        let end_ms = now_ms();
        let lookback_start = end_ms - self.config.lookback.as_millis() as i64;
        let position = self
            .positions
            .entry(name.to_owned())
            .or_insert_with(|| Position::new(lookback_start));
        let start_ms = position.resume_from_ms;
        let overlap_ms = self.config.overlap.as_millis() as i64;
        let max_ids = self.config.max_seen_ids;
        let mut next_token: Option<String> = None;
        loop {
            let before = self.source.calls().calls;
            let page = self
                .source
                .events(PageRequest {
                    log_group: name,
                    start_ms,
                    end_ms,
                    next_token: next_token.take(),
                })
                .await;
            let now_calls = self.source.calls();
            self.status.update(|inner| {
                inner.calls = now_calls;
                let group = inner
                    .groups
                    .entry(name.to_owned())
                    .or_insert_with(|| GroupStatus {
                        log_group: name.to_owned(),
                        ..GroupStatus::default()
                    });
                group.calls += now_calls.calls - before;
            });
            let page = match page {
                Ok(page) => page,
                Err(error) => {
                    self.group_failed(name, error);
                    return;
                }
            };
            let Some(position) = self.positions.get_mut(name) else {
                return;
            };
            let (fresh, checkpoint) = position.advance(name, page.events, overlap_ms, max_ids);
            let newest = checkpoint.newest_ms;
            let count = fresh.len() as u64;
            if !fresh.is_empty() {
                if let Err(failure) = self.ingest.submit_polled(fresh, checkpoint).await {
                    // Not stored: forget the positions so the next sweep starts from the
                    // store's checkpoints again.
                    self.positions.clear();
                    self.loaded = false;
                    self.status.group(name, |group| {
                        group.notice = Some(Notice {
                            at_ms: now_ms(),
                            kind: SourceErrorKind::Other,
                            message: format!("storing polled events failed: {failure:?}"),
                        })
                    });
                    return;
                }
            }
            self.status.group(name, |group| {
                group.events += count;
                group.newest_event_ms = newest;
            });
            match page.next_token {
                Some(token) => next_token = Some(token),
                None => break,
            }
        }
        self.status.group(name, |group| {
            group.last_read_ms = Some(end_ms);
            group.notice = None;
        });
    }

    fn group_failed(&mut self, name: &str, error: SourceError) {
        let message = match error.kind {
            SourceErrorKind::NotFound => {
                // Deleted: not read again before the next listing.
                self.gone.insert(name.to_owned());
                format!("log group `{name}` not read: it does not exist (deleted?)")
            }
            SourceErrorKind::Denied => format!(
                "log group `{name}` not read: logs:FilterLogEvents is denied to these credentials ({})",
                error.message
            ),
            SourceErrorKind::Throttled => format!(
                "log group `{name}`: still throttled after retries; read again next sweep from its checkpoint ({})",
                error.message
            ),
            SourceErrorKind::Other => format!("log group `{name}` not read: {}", error.message),
        };
        self.status.group(name, |group| {
            // Said once on stderr while it lasts, not at every sweep.
            if group.notice.as_ref().is_none_or(|n| n.message != message) {
                eprintln!("warden serve: poll: {message}");
            }
            group.notice = Some(Notice {
                at_ms: now_ms(),
                kind: error.kind,
                message,
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, at: i64) -> OwnedLogEvent {
        OwnedLogEvent {
            timestamp_ms: Some(at),
            message: format!("line {id}"),
            log_group: "/aws/lambda/a".into(),
            log_stream: "s".into(),
            id: Some(id.into()),
            ..OwnedLogEvent::default()
        }
    }

    fn ids(events: &[OwnedLogEvent]) -> Vec<&str> {
        events.iter().filter_map(|e| e.id.as_deref()).collect()
    }

    #[test]
    fn the_overlap_is_read_again_without_duplicates() {
        let mut position = Position::new(0);
        let (fresh, checkpoint) = position.advance(
            "g",
            vec![event("a", 1_000), event("b", 5_000), event("c", 9_000)],
            5_000,
            100,
        );
        assert_eq!(ids(&fresh), ["a", "b", "c"]);
        assert_eq!(checkpoint.newest_ms, Some(9_000));
        assert_eq!(checkpoint.resume_from_ms, 4_000);
        // `a` is before the resume point: neither kept nor written.
        let written: Vec<&str> = checkpoint.seen.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(written, ["b", "c"]);

        // The re-read from 4,000 returns b and c again and a late event at 6,000.
        let (fresh, checkpoint) = position.advance(
            "g",
            vec![event("b", 5_000), event("late", 6_000), event("c", 9_000)],
            5_000,
            100,
        );
        assert_eq!(ids(&fresh), ["late"]);
        assert_eq!(checkpoint.resume_from_ms, 4_000);

        // A restart from what the store holds behaves the same.
        let stored = PollCheckpoint {
            seen: ["b", "late", "c"]
                .iter()
                .zip([5_000, 6_000, 9_000])
                .map(|(id, at)| SeenEvent {
                    id: id.to_string(),
                    timestamp_ms: at,
                })
                .collect(),
            ..checkpoint
        };
        let mut restarted = Position::from_checkpoint(stored);
        let (fresh, _) = restarted.advance(
            "g",
            vec![event("b", 5_000), event("late", 6_000), event("d", 9_500)],
            5_000,
            100,
        );
        assert_eq!(ids(&fresh), ["d"]);
    }

    #[test]
    fn too_many_ids_move_the_resume_point_past_the_forgotten_ones() {
        let mut position = Position::new(0);
        let page: Vec<OwnedLogEvent> = (0..10)
            .map(|n| event(&format!("e{n}"), 1_000 + n))
            .collect();
        let (fresh, checkpoint) = position.advance("g", page, 60_000, 4);
        assert_eq!(fresh.len(), 10);
        // Only the four newest times are kept; the next read starts after the rest.
        assert_eq!(checkpoint.resume_from_ms, 1_006);
        assert_eq!(position.ids.len(), 4);
        assert!(checkpoint.seen.iter().all(|e| e.timestamp_ms >= 1_006));
        // Ids at one time are kept together, whatever the bound.
        let mut position = Position::new(0);
        let page: Vec<OwnedLogEvent> = (0..10).map(|n| event(&format!("e{n}"), 7)).collect();
        position.advance("g", page, 60_000, 4);
        assert_eq!(position.ids.len(), 10);
    }
}
