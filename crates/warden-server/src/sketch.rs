//! A mergeable duration sketch for the per-minute rollups.
//!
//! Same idea and accuracy as `warden_logs::percentiles::Sketch` (log buckets with
//! γ = 1.01/0.99, any quantile within 1 %), but it can be merged and stored: the rollups
//! keep one per function and minute, and a window's percentiles come from merging them.
//! (The logs crate's sketch exposes neither its buckets nor a merge.)

const RELATIVE_ACCURACY: f64 = 0.01;
/// Durations below this (ms) share the zero bucket.
const MIN_TRACKED: f64 = 1e-3;
/// The zero bucket's index in the encoding.
const ZERO_INDEX: i16 = i16::MIN;

/// Buckets are dense (a `Vec` over the occupied index range): merging thousands of
/// rollup sketches for a long window is then a tight loop, not map inserts.
#[derive(Clone, Debug, Default)]
pub struct DurationSketch {
    zeros: u64,
    /// Index of `buckets[0]`.
    offset: i32,
    buckets: Vec<u64>,
    count: u64,
}

impl PartialEq for DurationSketch {
    fn eq(&self, other: &Self) -> bool {
        self.encode() == other.encode()
    }
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
        self.add_count(index, 1);
    }

    fn add_count(&mut self, index: i16, n: u64) {
        self.count += n;
        if index == ZERO_INDEX {
            self.zeros += n;
            return;
        }
        let index = i32::from(index);
        if self.buckets.is_empty() {
            self.offset = index;
            self.buckets.push(0);
        } else if index < self.offset {
            let grow = (self.offset - index) as usize;
            self.buckets.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = index;
        } else if index - self.offset >= self.buckets.len() as i32 {
            self.buckets.resize((index - self.offset + 1) as usize, 0);
        }
        self.buckets[(index - self.offset) as usize] += n;
    }

    pub fn merge(&mut self, other: &DurationSketch) {
        self.zeros += other.zeros;
        self.count += other.zeros;
        for (i, &n) in other.buckets.iter().enumerate() {
            if n > 0 {
                self.add_count((other.offset + i as i32) as i16, n);
            }
        }
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
        let mut seen = self.zeros;
        if rank < seen {
            return Some(0.0);
        }
        for (i, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if rank < seen {
                let index = self.offset + i as i32;
                return Some(round2(2.0 * gamma.powi(index) / (gamma + 1.0)));
            }
        }
        None
    }

    /// Six bytes per occupied bucket: index (i16 LE), count (u32 LE).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |index: i16, n: u64| {
            out.extend_from_slice(&index.to_le_bytes());
            out.extend_from_slice(&(n.min(u32::MAX as u64) as u32).to_le_bytes());
        };
        if self.zeros > 0 {
            put(ZERO_INDEX, self.zeros);
        }
        for (i, &n) in self.buckets.iter().enumerate() {
            if n > 0 {
                put((self.offset + i as i32) as i16, n);
            }
        }
        out
    }

    /// Decodes [`DurationSketch::encode`]'s output; trailing partial buckets are ignored.
    pub fn decode(bytes: &[u8]) -> DurationSketch {
        let mut sketch = DurationSketch::default();
        sketch.merge_encoded(bytes);
        sketch
    }

    /// Merges an encoded sketch without decoding it first.
    pub fn merge_encoded(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks_exact(6) {
            let index = i16::from_le_bytes([chunk[0], chunk[1]]);
            let n = u32::from_le_bytes([chunk[2], chunk[3], chunk[4], chunk[5]]) as u64;
            self.add_count(index, n);
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
