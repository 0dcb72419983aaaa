//! Duration percentiles: exact while the values fit in memory, a mergeable sketch after.
//!
//! Every percentile here is the **nearest-rank** one: the value at rank ⌈q·n⌉ of the sorted
//! values, so p99 of 40 durations is the largest, and no percentile exceeds the maximum.
//!
//! [`Sketch`] is what rollups store and merge (the server keeps one per function and
//! minute). It holds the values themselves up to [`SKETCH_EXACT_LIMIT`], so small samples
//! are exact; beyond, it switches to DDSketch's idea (Masson et al., VLDB 2019) in its
//! smallest form: values fall into buckets whose bounds grow by γ = (1 + α) / (1 − α), so
//! any quantile read back is within α = 1 % of the true value, with one counter per
//! occupied bucket — a few hundred for durations from a millisecond to fifteen minutes.
//! Answers are clamped to the exact minimum and maximum, which the sketch tracks.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How many durations per function `warden logs analyze` keeps for exact percentiles.
pub const EXACT_CAP: usize = 1 << 20;
/// A [`Sketch`] keeps its values, and answers exactly, up to this many.
pub const SKETCH_EXACT_LIMIT: usize = 256;
const RELATIVE_ACCURACY: f64 = 0.01;
/// Durations below this (ms) share one bucket; they read back as the minimum.
const MIN_TRACKED: f64 = 1e-3;
const ENCODING_EXACT: u8 = 1;
const ENCODING_BUCKETS: u8 = 2;

/// Which method produced the percentiles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    #[default]
    Exact,
    Sketch,
}

/// p50 / p95 / p99 / max of a set of durations, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

/// A mergeable quantile sketch: exact up to [`SKETCH_EXACT_LIMIT`] values, then log
/// buckets with 1 % relative error, never answering outside [min, max].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sketch {
    /// The values while there are at most [`SKETCH_EXACT_LIMIT`] of them.
    exact: Option<Vec<f64>>,
    buckets: BTreeMap<i32, u64>,
    zeros: u64,
    count: u64,
    min: Option<f64>,
    max: Option<f64>,
}

/// A byte string that is not an encoded [`Sketch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SketchError(pub &'static str);

impl fmt::Display for SketchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an encoded sketch: {}", self.0)
    }
}

impl std::error::Error for SketchError {}

fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

fn bucket_index(value: f64) -> Option<i32> {
    (value >= MIN_TRACKED).then(|| (value.ln() / gamma().ln()).ceil() as i32)
}

/// Nearest rank (1-based) of quantile `q` among `n` values.
fn nearest_rank(q: f64, n: u64) -> u64 {
    ((q.clamp(0.0, 1.0) * n as f64).ceil() as u64).clamp(1, n)
}

impl Sketch {
    /// Adds one value; NaN, infinities and negative values are ignored.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() || value < 0.0 {
            return;
        }
        self.min = Some(self.min.map_or(value, |m| m.min(value)));
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
        self.count += 1;
        match &mut self.exact {
            Some(values) if values.len() < SKETCH_EXACT_LIMIT => values.push(value),
            None if self.count == 1 => self.exact = Some(vec![value]),
            _ => {
                self.spill_to_buckets();
                self.add_to_bucket(value, 1);
            }
        }
    }

    fn add_to_bucket(&mut self, value: f64, n: u64) {
        match bucket_index(value) {
            Some(index) => *self.buckets.entry(index).or_insert(0) += n,
            None => self.zeros += n,
        }
    }

    /// Moves kept values into buckets (once the exact limit is passed).
    fn spill_to_buckets(&mut self) {
        if let Some(values) = self.exact.take() {
            for v in values {
                self.add_to_bucket(v, 1);
            }
        }
    }

    /// Adds everything `other` holds. Exact while the total stays within the exact limit.
    pub fn merge(&mut self, other: &Sketch) {
        if other.count == 0 {
            return;
        }
        self.min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let total = self.count + other.count;
        let both_exact = (self.count == 0 || self.exact.is_some()) && other.exact.is_some();
        if both_exact && total as usize <= SKETCH_EXACT_LIMIT {
            let values = self.exact.get_or_insert_with(Vec::new);
            values.extend_from_slice(other.exact.as_deref().unwrap_or(&[]));
        } else {
            self.spill_to_buckets();
            match &other.exact {
                Some(values) => {
                    for &v in values {
                        self.add_to_bucket(v, 1);
                    }
                }
                None => {
                    self.zeros += other.zeros;
                    for (&index, &n) in &other.buckets {
                        *self.buckets.entry(index).or_insert(0) += n;
                    }
                }
            }
        }
        self.count = total;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn min(&self) -> Option<f64> {
        self.min
    }

    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// Whether quantiles are exact (at most [`SKETCH_EXACT_LIMIT`] values seen).
    pub fn is_exact(&self) -> bool {
        self.exact.is_some() || self.count == 0
    }

    /// Number of occupied buckets (0 while exact): the sketch's memory.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// The nearest-rank value at quantile `q` (0..=1): exact while [`Sketch::is_exact`],
    /// else within 1 %; always within [min, max].
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = nearest_rank(q, self.count);
        if let Some(values) = &self.exact {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            return sorted.get(rank as usize - 1).copied();
        }
        let (min, max) = (self.min?, self.max?);
        if rank == self.count {
            return Some(max);
        }
        let mut seen = self.zeros;
        if rank <= seen {
            return Some(min);
        }
        let gamma = gamma();
        for (&index, &n) in &self.buckets {
            seen += n;
            if rank <= seen {
                // The bucket (γ^(i-1), γ^i] is represented by its point of least relative error.
                let value = 2.0 * gamma.powi(index) / (gamma + 1.0);
                return Some(value.clamp(min, max));
            }
        }
        Some(max)
    }

    /// p50, p95, p99 and max, rounded to 0.01 ms.
    pub fn percentiles(&self) -> Percentiles {
        Percentiles {
            p50: self.quantile(0.50).map(round2),
            p95: self.quantile(0.95).map(round2),
            p99: self.quantile(0.99).map(round2),
            max: self.max.map(round2),
        }
    }

    /// A compact, versioned byte form for storage: `1` + f64 values (exact), or `2` + count,
    /// min, max, zeros, then (i16 index, u32 count) per occupied bucket.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match &self.exact {
            Some(values) => {
                out.push(ENCODING_EXACT);
                for v in values {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
            None if self.count == 0 => out.push(ENCODING_EXACT),
            None => {
                out.push(ENCODING_BUCKETS);
                out.extend_from_slice(&self.count.to_le_bytes());
                out.extend_from_slice(&self.min.unwrap_or(0.0).to_le_bytes());
                out.extend_from_slice(&self.max.unwrap_or(0.0).to_le_bytes());
                out.extend_from_slice(&self.zeros.to_le_bytes());
                for (&index, &n) in &self.buckets {
                    let index = index.clamp(i16::MIN as i32, i16::MAX as i32) as i16;
                    out.extend_from_slice(&index.to_le_bytes());
                    out.extend_from_slice(&(n.min(u64::from(u32::MAX)) as u32).to_le_bytes());
                }
            }
        }
        out
    }

    /// Reads [`Sketch::encode`]'s output.
    pub fn decode(bytes: &[u8]) -> Result<Sketch, SketchError> {
        let mut sketch = Sketch::default();
        let (&kind, rest) = bytes.split_first().ok_or(SketchError("empty"))?;
        match kind {
            ENCODING_EXACT => {
                if rest.len() % 8 != 0 {
                    return Err(SketchError("truncated value"));
                }
                for chunk in rest.chunks_exact(8) {
                    let v = f64::from_le_bytes(chunk.try_into().expect("8 bytes"));
                    if !v.is_finite() || v < 0.0 {
                        return Err(SketchError("invalid value"));
                    }
                    sketch.add(v);
                }
            }
            ENCODING_BUCKETS => {
                if rest.len() < 32 || (rest.len() - 32) % 6 != 0 {
                    return Err(SketchError("truncated buckets"));
                }
                let u64_at = |at: usize| u64::from_le_bytes(rest[at..at + 8].try_into().unwrap());
                let f64_at = |at: usize| f64::from_le_bytes(rest[at..at + 8].try_into().unwrap());
                let (count, min, max, zeros) = (u64_at(0), f64_at(8), f64_at(16), u64_at(24));
                if !(min.is_finite() && max.is_finite() && min <= max) {
                    return Err(SketchError("invalid bounds"));
                }
                let mut total = zeros;
                for chunk in rest[32..].chunks_exact(6) {
                    let index = i16::from_le_bytes([chunk[0], chunk[1]]);
                    let n = u64::from(u32::from_le_bytes([chunk[2], chunk[3], chunk[4], chunk[5]]));
                    *sketch.buckets.entry(i32::from(index)).or_insert(0) += n;
                    total += n;
                }
                if total != count || count == 0 {
                    return Err(SketchError("bucket counts do not add up"));
                }
                sketch.zeros = zeros;
                sketch.count = count;
                sketch.min = Some(min);
                sketch.max = Some(max);
            }
            _ => return Err(SketchError("unknown encoding")),
        }
        Ok(sketch)
    }

    /// Merges an encoded sketch.
    pub fn merge_encoded(&mut self, bytes: &[u8]) -> Result<(), SketchError> {
        self.merge(&Sketch::decode(bytes)?);
        Ok(())
    }
}

/// Collects durations, exact up to a cap, then as a sketch.
#[derive(Clone, Debug)]
pub struct DurationDistribution {
    exact: Vec<f64>,
    sketch: Option<Sketch>,
    cap: usize,
    max: Option<f64>,
}

impl Default for DurationDistribution {
    fn default() -> Self {
        DurationDistribution::with_cap(EXACT_CAP)
    }
}

impl DurationDistribution {
    pub fn with_cap(cap: usize) -> Self {
        DurationDistribution {
            exact: Vec::new(),
            sketch: None,
            cap,
            max: None,
        }
    }

    pub fn add(&mut self, value: f64) {
        if !value.is_finite() || value < 0.0 {
            return;
        }
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
        match &mut self.sketch {
            Some(sketch) => sketch.add(value),
            None if self.exact.len() < self.cap => self.exact.push(value),
            None => {
                // Over the cap: move everything into a sketch and forget the values.
                let mut sketch = Sketch::default();
                for v in self.exact.drain(..) {
                    sketch.add(v);
                }
                sketch.add(value);
                self.exact = Vec::new();
                self.sketch = Some(sketch);
            }
        }
    }

    /// Takes back one value added before (an amended invocation's old duration).
    pub fn remove(&mut self, value: f64) {
        if self.sketch.is_none() {
            if let Some(at) = self.exact.iter().rposition(|v| *v == value) {
                self.exact.swap_remove(at);
            }
        }
    }

    pub fn method(&self) -> Method {
        if self.sketch.as_ref().is_some_and(|s| !s.is_exact()) {
            Method::Sketch
        } else {
            Method::Exact
        }
    }

    pub fn percentiles(&self) -> Percentiles {
        match &self.sketch {
            Some(sketch) => sketch.percentiles(),
            None => {
                let mut sorted = self.exact.clone();
                sorted.sort_by(f64::total_cmp);
                let quantile = |q: f64| {
                    (!sorted.is_empty())
                        .then(|| sorted[nearest_rank(q, sorted.len() as u64) as usize - 1])
                };
                Percentiles {
                    p50: quantile(0.50).map(round2),
                    p95: quantile(0.95).map(round2),
                    p99: quantile(0.99).map(round2),
                    max: sorted.last().copied().map(round2),
                }
            }
        }
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_percentiles_use_nearest_rank() {
        let mut d = DurationDistribution::default();
        for v in 1..=100 {
            d.add(f64::from(v));
        }
        let p = d.percentiles();
        assert_eq!(
            (p.p50, p.p95, p.p99, p.max),
            (Some(50.0), Some(95.0), Some(99.0), Some(100.0))
        );
        assert_eq!(d.method(), Method::Exact);
    }

    #[test]
    fn distribution_sketch_stays_within_one_percent() {
        let mut exact = DurationDistribution::default();
        let mut sketched = DurationDistribution::with_cap(1000);
        // A skewed spread from 0.5 ms to ~15 min.
        let values: Vec<f64> = (0..50_000u32)
            .map(|i| 0.5 * 1.0003f64.powi(i as i32 % 40_000))
            .collect();
        for &v in &values {
            exact.add(v);
            sketched.add(v);
        }
        assert_eq!(sketched.method(), Method::Sketch);
        let (e, s) = (exact.percentiles(), sketched.percentiles());
        for (e, s) in [(e.p50, s.p50), (e.p95, s.p95), (e.p99, s.p99)] {
            let (e, s) = (e.unwrap(), s.unwrap());
            assert!((s - e).abs() / e <= 0.0101, "exact {e} sketch {s}");
        }
        assert_eq!(e.max, s.max);
    }

    #[test]
    fn small_samples_are_exact_and_never_above_max() {
        // 39 fast invocations and one timeout: p99 of 40 is the timeout itself.
        let mut s = Sketch::default();
        for i in 0..39 {
            s.add(250.0 + f64::from(i));
        }
        s.add(3000.0);
        assert!(s.is_exact());
        let p = s.percentiles();
        assert_eq!((p.p99, p.max), (Some(3000.0), Some(3000.0)));
        assert_eq!(p.p50, Some(269.0));
    }

    #[test]
    fn bucketed_quantiles_are_clamped_to_the_observed_range() {
        let mut s = Sketch::default();
        for _ in 0..1000 {
            s.add(3000.0);
        }
        assert!(!s.is_exact());
        for q in [0.0, 0.5, 0.99, 1.0] {
            assert_eq!(s.quantile(q), Some(3000.0), "q={q}");
        }
        let mut t = Sketch::default();
        for i in 1..=10_000 {
            t.add(f64::from(i));
        }
        let p95 = t.quantile(0.95).unwrap();
        assert!((p95 - 9500.0).abs() / 9500.0 < 0.0101, "{p95}");
        assert_eq!(t.quantile(1.0), Some(10_000.0));
    }

    #[test]
    fn merging_equals_adding_and_survives_encoding() {
        for n in [10usize, 200, 5_000] {
            let (mut a, mut b, mut all) = (Sketch::default(), Sketch::default(), Sketch::default());
            for i in 0..n {
                let v = (i * 7 % 300) as f64 + 0.5;
                if i % 2 == 0 {
                    a.add(v)
                } else {
                    b.add(v)
                }
                all.add(v);
            }
            a.merge_encoded(&b.encode()).unwrap();
            assert_eq!(a.count(), all.count());
            assert_eq!(a.is_exact(), all.is_exact());
            for q in [0.5, 0.95, 0.99] {
                assert_eq!(a.quantile(q), all.quantile(q), "n={n} q={q}");
            }
            let decoded = Sketch::decode(&all.encode()).unwrap();
            assert_eq!(decoded.percentiles(), all.percentiles());
        }
        assert_eq!(Sketch::default().quantile(0.5), None);
        assert!(Sketch::decode(&[2, 1, 2]).is_err());
        assert!(Sketch::decode(&[]).is_err());
        assert!(Sketch::decode(&[9]).is_err());
        assert_eq!(
            Sketch::decode(&Sketch::default().encode()).unwrap().count(),
            0
        );
    }
}
