//! A mergeable duration sketch for the per-minute rollups.
//!
//! Same idea and accuracy as `warden_logs::percentiles::Sketch` (log buckets with
//! γ = 1.01/0.99, any quantile within 1 %), but it can be merged and stored: the rollups
//! keep one per function and minute, and a window's percentiles come from merging them.
//! (The logs crate's sketch exposes neither its buckets nor a merge.)

use std::collections::BTreeMap;

const RELATIVE_ACCURACY: f64 = 0.01;
/// Durations below this (ms) share the zero bucket.
const MIN_TRACKED: f64 = 1e-3;
/// The zero bucket's index in the encoding.
const ZERO_INDEX: i16 = i16::MIN;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct DurationSketch {
    buckets: BTreeMap<i16, u64>,
    count: u64,
}

fn gamma() -> f64 {
    (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)
}

impl DurationSketch {
    pub fn add(&mut self, value_ms: f64) {
        if !value_ms.is_finite() || value_ms < 0.0 {
            return;
        }
        let index = if value_ms < MIN_TRACKED {
            ZERO_INDEX
        } else {
            // ln(15 min in ms) / ln(γ) ≈ 690: far inside i16.
            ((value_ms.ln() / gamma().ln()).ceil() as i64)
                .clamp(i16::MIN as i64 + 1, i16::MAX as i64) as i16
        };
        *self.buckets.entry(index).or_insert(0) += 1;
        self.count += 1;
    }

    pub fn merge(&mut self, other: &DurationSketch) {
        for (&index, &n) in &other.buckets {
            *self.buckets.entry(index).or_insert(0) += n;
        }
        self.count += other.count;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The value at quantile `q` (0..=1), within 1 % of the true one.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        let gamma = gamma();
        let mut seen = 0;
        for (&index, &n) in &self.buckets {
            seen += n;
            if rank < seen {
                if index == ZERO_INDEX {
                    return Some(0.0);
                }
                return Some(round2(2.0 * gamma.powi(index as i32) / (gamma + 1.0)));
            }
        }
        None
    }

    /// Six bytes per bucket: index (i16 LE), count (u32 LE).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.buckets.len() * 6);
        for (&index, &n) in &self.buckets {
            out.extend_from_slice(&index.to_le_bytes());
            out.extend_from_slice(&(n.min(u32::MAX as u64) as u32).to_le_bytes());
        }
        out
    }

    /// Decodes [`DurationSketch::encode`]'s output; trailing partial buckets are ignored.
    pub fn decode(bytes: &[u8]) -> DurationSketch {
        let mut sketch = DurationSketch::default();
        for chunk in bytes.chunks_exact(6) {
            let index = i16::from_le_bytes([chunk[0], chunk[1]]);
            let n = u32::from_le_bytes([chunk[2], chunk[3], chunk[4], chunk[5]]) as u64;
            *sketch.buckets.entry(index).or_insert(0) += n;
            sketch.count += n;
        }
        sketch
    }

    /// Merges an encoded sketch without building a second map.
    pub fn merge_encoded(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks_exact(6) {
            let index = i16::from_le_bytes([chunk[0], chunk[1]]);
            let n = u32::from_le_bytes([chunk[2], chunk[3], chunk[4], chunk[5]]) as u64;
            *self.buckets.entry(index).or_insert(0) += n;
            self.count += n;
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
    fn quantiles_are_within_one_percent_and_survive_encoding() {
        let mut sketch = DurationSketch::default();
        for i in 1..=10_000 {
            sketch.add(i as f64);
        }
        let decoded = DurationSketch::decode(&sketch.encode());
        assert_eq!(decoded, sketch);
        let p95 = decoded.quantile(0.95).unwrap();
        assert!((p95 - 9500.0).abs() / 9500.0 < 0.011, "{p95}");
    }

    #[test]
    fn merging_equals_adding() {
        let (mut a, mut b, mut all) = (
            DurationSketch::default(),
            DurationSketch::default(),
            DurationSketch::default(),
        );
        for i in 0..500 {
            let v = (i * 7 % 300) as f64 + 0.5;
            if i % 2 == 0 {
                a.add(v)
            } else {
                b.add(v)
            }
            all.add(v);
        }
        a.merge_encoded(&b.encode());
        assert_eq!(a, all);
        assert_eq!(DurationSketch::default().quantile(0.5), None);
        assert_eq!(DurationSketch::decode(&[1, 2, 3]).count(), 0);
    }
}
