//! Duration percentiles: exact while the values fit in memory, a log-bucket sketch after.
//!
//! The sketch is DDSketch's idea (Masson et al., VLDB 2019) in its smallest form: values
//! fall into buckets whose bounds grow by γ = (1 + α) / (1 − α), so any quantile read back
//! is within α = 1 % of the true value, with one counter per occupied bucket — a few
//! hundred for durations from a millisecond to fifteen minutes.

use std::collections::BTreeMap;

use serde::Serialize;

/// How many durations per function are kept for exact percentiles.
pub const EXACT_CAP: usize = 1 << 20;
const RELATIVE_ACCURACY: f64 = 0.01;
/// Durations below this (ms) share one bucket; they read back as 0.
const MIN_TRACKED: f64 = 1e-3;

/// Which method produced the percentiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Exact,
    Sketch,
}

/// p50 / p95 / p99 / max of a set of durations, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

/// A log-bucket quantile sketch with 1 % relative error.
#[derive(Clone, Debug)]
pub struct Sketch {
    gamma_ln: f64,
    gamma: f64,
    buckets: BTreeMap<i32, u64>,
    zeros: u64,
    count: u64,
}

impl Default for Sketch {
    fn default() -> Self {
        let gamma = (1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY);
        Sketch {
            gamma_ln: gamma.ln(),
            gamma,
            buckets: BTreeMap::new(),
            zeros: 0,
            count: 0,
        }
    }
}

impl Sketch {
    pub fn add(&mut self, value: f64) {
        self.count += 1;
        if value < MIN_TRACKED {
            self.zeros += 1;
        } else {
            let index = (value.ln() / self.gamma_ln).ceil() as i32;
            *self.buckets.entry(index).or_insert(0) += 1;
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
        let mut seen = self.zeros;
        if rank < seen {
            return Some(0.0);
        }
        for (&index, &n) in &self.buckets {
            seen += n;
            if rank < seen {
                // The bucket (γ^(i-1), γ^i] is represented by the point of least relative error.
                return Some(2.0 * self.gamma.powi(index) / (self.gamma + 1.0));
            }
        }
        None
    }

    /// Number of occupied buckets: the sketch's memory.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
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
        if !value.is_finite() {
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

    pub fn method(&self) -> Method {
        if self.sketch.is_some() {
            Method::Sketch
        } else {
            Method::Exact
        }
    }

    pub fn percentiles(&self) -> Percentiles {
        let quantile = |q: f64| match &self.sketch {
            Some(sketch) => sketch.quantile(q),
            None => exact_quantile(&self.exact, q),
        };
        Percentiles {
            p50: quantile(0.50).map(round2),
            p95: quantile(0.95).map(round2),
            p99: quantile(0.99).map(round2),
            max: self.max.map(round2),
        }
    }
}

/// Nearest-rank percentile on a copy of the values.
fn exact_quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
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
    fn sketch_stays_within_one_percent() {
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
}
