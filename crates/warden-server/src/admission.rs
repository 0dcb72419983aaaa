//! Admission control for ingest: how many requests are served at once, a bounded pool of
//! threads that decompress and parse bodies (never the async runtime's threads, so the
//! API stays responsive), and a memory reservation pool that every request draws from for
//! its body, its parsed documents and its events until they are committed.
//!
//! Nothing waits without bound: a request that finds the gate, the decoders or the pool
//! full is refused at once (or after a short wait for a decoder) with a retryable 503;
//! one that could never fit is refused with 413.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::config::Limits;

/// How long a request waits for a decoder thread before it is told to retry.
const DECODER_WAIT: Duration = Duration::from_secs(2);
/// The memory pool counts in KiB (semaphore permits are `u32`).
const UNIT: u64 = 1024;

/// Why a request was not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Full right now: retry later (503 with `Retry-After`).
    Busy,
    /// Could never fit (413).
    TooLarge(String),
}

pub struct Admission {
    requests: Arc<Semaphore>,
    decoders: Arc<Semaphore>,
    memory: Arc<Semaphore>,
    memory_units: u64,
}

/// Memory held by a request; returned to the pool when dropped.
#[derive(Debug, Default)]
pub struct Reservation {
    permit: Option<OwnedSemaphorePermit>,
}

impl Reservation {
    pub fn merge(&mut self, other: Reservation) {
        match (&mut self.permit, other.permit) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (mine @ None, theirs) => *mine = theirs,
            (_, None) => {}
        }
    }

    pub fn bytes(&self) -> u64 {
        self.permit
            .as_ref()
            .map_or(0, |p| p.num_permits() as u64 * UNIT)
    }
}

impl Admission {
    pub fn new(limits: &Limits) -> Admission {
        let decoders = match limits.decode_workers {
            0 => std::thread::available_parallelism()
                .map_or(2, usize::from)
                .min(4),
            n => n,
        };
        let memory_units = (limits.ingest_memory_bytes / UNIT).clamp(1, u64::from(u32::MAX >> 4));
        Admission {
            requests: Arc::new(Semaphore::new(limits.max_concurrent_ingest.max(1))),
            decoders: Arc::new(Semaphore::new(decoders)),
            memory: Arc::new(Semaphore::new(memory_units as usize)),
            memory_units,
        }
    }

    /// The whole pool, in bytes.
    pub fn capacity(&self) -> u64 {
        self.memory_units * UNIT
    }

    /// A slot among the concurrent ingest requests.
    pub fn enter(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        self.requests
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Busy)
    }

    /// Reserves `bytes` of the memory pool without waiting.
    pub fn reserve(&self, bytes: u64) -> Result<Reservation, Refusal> {
        let units = bytes.div_ceil(UNIT).max(1);
        if units > self.memory_units {
            return Err(Refusal::TooLarge(format!(
                "the request needs about {} MiB to decode, more than the server's ingest memory ({} MiB)",
                bytes >> 20,
                (self.memory_units * UNIT) >> 20
            )));
        }
        match self.memory.clone().try_acquire_many_owned(units as u32) {
            Ok(permit) => Ok(Reservation {
                permit: Some(permit),
            }),
            Err(TryAcquireError::NoPermits) | Err(TryAcquireError::Closed) => Err(Refusal::Busy),
        }
    }

    /// Runs `work` (decompression, parsing) on a decoder thread.
    pub async fn decode<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Refusal> {
        let permit = tokio::time::timeout(DECODER_WAIT, self.decoders.clone().acquire_owned())
            .await
            .map_err(|_| Refusal::Busy)?
            .map_err(|_| Refusal::Busy)?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(|_| Refusal::Busy)
    }
}

/// Roughly what parsing `json` into a `serde_json::Value` costs: the text, a value and
/// its allocation for every element (one per `,` and `[`), and a B-tree node for every
/// object (measured: a three-key object costs about 700 bytes).
pub fn parsed_json_cost(json: &[u8]) -> u64 {
    let (mut objects, mut elements) = (0u64, 0u64);
    for &b in json {
        match b {
            b'{' => objects += 1,
            b',' | b'[' => elements += 1,
            _ => {}
        }
    }
    json.len() as u64 + objects * 640 + elements * 64
}

/// Roughly what one event costs from decoding to commit: the event and its strings, then
/// the stored line the pipeline builds from it.
pub fn event_cost(message: usize, names: usize) -> u64 {
    (2 * (message + names) + 512) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_come_back_when_dropped_and_oversize_is_refused() {
        let admission = Admission::new(&Limits {
            ingest_memory_bytes: 4 << 20,
            max_concurrent_ingest: 1,
            ..Limits::default()
        });
        let first = admission.reserve(3 << 20).unwrap();
        assert_eq!(admission.reserve(2 << 20).unwrap_err(), Refusal::Busy);
        drop(first);
        let mut held = admission.reserve(2 << 20).unwrap();
        held.merge(admission.reserve(1 << 20).unwrap());
        assert_eq!(held.bytes(), 3 << 20);
        assert!(matches!(
            admission.reserve(5 << 20),
            Err(Refusal::TooLarge(_))
        ));
        let slot = admission.enter().unwrap();
        assert_eq!(admission.enter().unwrap_err(), Refusal::Busy);
        drop(slot);
        assert!(admission.enter().is_ok());
        assert_eq!(parsed_json_cost(br#"{"a":[1,2,3]}"#), 13 + 640 + 3 * 64);
    }
}
