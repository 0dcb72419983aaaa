//! Folding many stored duration sketches into one, fast.
//!
//! A 30-day window over 200 functions merges tens of thousands of rollup sketches per
//! request. `Sketch::merge_encoded` decodes each blob into its own `BTreeMap` and then
//! merges map into map; here the blobs are read straight into one dense array of bucket
//! counts, and a `Sketch` is built once at the end. The result is the same sketch that
//! merging one by one gives (exact while at most `SKETCH_EXACT_LIMIT` values, else the same
//! buckets, count, min and max): `folding_equals_merging` checks it.

use warden_logs::percentiles::SKETCH_EXACT_LIMIT;
use warden_logs::Sketch;

const ENCODING_EXACT: u8 = 1;
const ENCODING_BUCKETS: u8 = 2;
/// Below this (ms) a value counts in the zero bucket, as in `warden_logs::Sketch`.
const MIN_TRACKED: f64 = 1e-3;

fn log_gamma() -> f64 {
    ((1.0 + 0.01) / (1.0 - 0.01f64)).ln()
}

#[derive(Debug, Default)]
pub struct SketchFold {
    /// Every value, while all inputs were exact and few enough.
    exact: Option<Vec<f64>>,
    /// Index of `dense[0]`.
    offset: i32,
    dense: Vec<u64>,
    zeros: u64,
    count: u64,
    min: Option<f64>,
    max: Option<f64>,
}

impl SketchFold {
    fn bounds(&mut self, min: f64, max: f64) {
        self.min = Some(self.min.map_or(min, |m| m.min(min)));
        self.max = Some(self.max.map_or(max, |m| m.max(max)));
    }

    fn add_bucket(&mut self, index: i32, n: u64) {
        if self.dense.is_empty() {
            self.offset = index;
            self.dense.push(0);
        } else if index < self.offset {
            let grow = (self.offset - index) as usize;
            self.dense.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = index;
        } else if index - self.offset >= self.dense.len() as i32 {
            self.dense.resize((index - self.offset + 1) as usize, 0);
        }
        self.dense[(index - self.offset) as usize] += n;
    }

    fn add_value_to_buckets(&mut self, value: f64) {
        if value < MIN_TRACKED {
            self.zeros += 1;
        } else {
            let index = (value.ln() / log_gamma()).ceil() as i32;
            self.add_bucket(index, 1);
        }
    }

    fn spill(&mut self) {
        if let Some(values) = self.exact.take() {
            for value in values {
                self.add_value_to_buckets(value);
            }
        }
    }

    /// Adds one blob written by `Sketch::encode`. A blob that does not decode changes
    /// nothing and is reported.
    pub fn add_encoded(&mut self, bytes: &[u8]) -> Result<(), &'static str> {
        let (&kind, rest) = bytes.split_first().ok_or("empty")?;
        match kind {
            ENCODING_EXACT => {
                if rest.len() % 8 != 0 {
                    return Err("truncated value");
                }
                let values = rest
                    .chunks_exact(8)
                    .map(|chunk| f64::from_le_bytes(chunk.try_into().expect("chunks of 8 bytes")));
                if values.clone().any(|v| !v.is_finite() || v < 0.0) {
                    return Err("invalid value");
                }
                let n = (rest.len() / 8) as u64;
                if n == 0 {
                    return Ok(());
                }
                let exact_still = (self.count == 0 || self.exact.is_some())
                    && (self.count + n) as usize <= SKETCH_EXACT_LIMIT;
                for value in values {
                    self.bounds(value, value);
                    if exact_still {
                        self.exact.get_or_insert_with(Vec::new).push(value);
                    } else {
                        self.spill();
                        self.add_value_to_buckets(value);
                    }
                }
                self.count += n;
            }
            ENCODING_BUCKETS => {
                if rest.len() < 32 || (rest.len() - 32) % 6 != 0 {
                    return Err("truncated buckets");
                }
                let u64_at = |at: usize| u64::from_le_bytes(rest[at..at + 8].try_into().unwrap());
                let f64_at = |at: usize| f64::from_le_bytes(rest[at..at + 8].try_into().unwrap());
                let (count, min, max, zeros) = (u64_at(0), f64_at(8), f64_at(16), u64_at(24));
                if !(min.is_finite() && max.is_finite() && min <= max) {
                    return Err("invalid bounds");
                }
                let pairs = rest[32..].chunks_exact(6).map(|chunk| {
                    (
                        i32::from(i16::from_le_bytes([chunk[0], chunk[1]])),
                        u64::from(u32::from_le_bytes([chunk[2], chunk[3], chunk[4], chunk[5]])),
                    )
                });
                if count == 0 || zeros + pairs.clone().map(|(_, n)| n).sum::<u64>() != count {
                    return Err("bucket counts do not add up");
                }
                self.spill();
                for (index, n) in pairs {
                    self.add_bucket(index, n);
                }
                self.zeros += zeros;
                self.count += count;
                self.bounds(min, max);
            }
            _ => return Err("unknown encoding"),
        }
        Ok(())
    }

    /// Adds a sketch already decoded (rows in an older format).
    pub fn add_sketch(&mut self, sketch: &Sketch) {
        if sketch.count() > 0 {
            // Through its encoding: the one public view of its buckets.
            let _ = self.add_encoded(&sketch.encode());
        }
    }

    pub fn finish(self) -> Sketch {
        if let Some(values) = self.exact {
            let mut sketch = Sketch::default();
            for value in values {
                sketch.add(value);
            }
            return sketch;
        }
        if self.count == 0 {
            return Sketch::default();
        }
        let mut bytes = Vec::with_capacity(33 + self.dense.len() * 6);
        bytes.push(ENCODING_BUCKETS);
        bytes.extend_from_slice(&self.count.to_le_bytes());
        bytes.extend_from_slice(&self.min.unwrap_or(0.0).to_le_bytes());
        bytes.extend_from_slice(&self.max.unwrap_or(0.0).to_le_bytes());
        bytes.extend_from_slice(&self.zeros.to_le_bytes());
        for (i, &n) in self.dense.iter().enumerate() {
            if n > 0 {
                let index = (self.offset + i as i32).clamp(i16::MIN as i32, i16::MAX as i32) as i16;
                bytes.extend_from_slice(&index.to_le_bytes());
                bytes.extend_from_slice(&(n.min(u64::from(u32::MAX)) as u32).to_le_bytes());
            }
        }
        Sketch::decode(&bytes).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sketch_of(values: impl IntoIterator<Item = f64>) -> Sketch {
        let mut sketch = Sketch::default();
        for v in values {
            sketch.add(v);
        }
        sketch
    }

    #[test]
    fn folding_equals_merging() {
        // Small exact sketches that stay exact together, ones that spill, bucketed ones,
        // zeros, and an empty one.
        let parts: Vec<Sketch> = vec![
            sketch_of([1.5, 2.5, 0.0]),
            sketch_of((0..100).map(|i| i as f64 * 3.7)),
            sketch_of([]),
            sketch_of((0..900).map(|i| (i * 7 % 1000) as f64 + 0.25)),
            sketch_of((0..120).map(|i| 2000.0 + i as f64)),
            sketch_of([0.0001, 45.0]),
        ];
        for take in 1..=parts.len() {
            let mut merged = Sketch::default();
            let mut fold = SketchFold::default();
            for part in &parts[..take] {
                merged.merge(part);
                fold.add_encoded(&part.encode()).unwrap();
            }
            let folded = fold.finish();
            assert_eq!(folded.count(), merged.count(), "{take} parts");
            assert_eq!(folded.is_exact(), merged.is_exact(), "{take} parts");
            assert_eq!(folded.percentiles(), merged.percentiles(), "{take} parts");
            assert_eq!(folded.min(), merged.min(), "{take} parts");
        }
    }

    #[test]
    fn exact_while_small_and_bad_blobs_change_nothing() {
        let mut fold = SketchFold::default();
        fold.add_encoded(&sketch_of([10.0, 20.0]).encode()).unwrap();
        assert!(fold.add_encoded(&[2, 1, 2]).is_err());
        assert!(fold.add_encoded(&[]).is_err());
        let sketch = fold.finish();
        assert!(sketch.is_exact());
        assert_eq!(sketch.quantile(1.0), Some(20.0));
        assert_eq!(sketch.count(), 2);
    }
}
