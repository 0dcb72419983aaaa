//! Custom metrics from CloudWatch Embedded Metric Format (EMF) documents: the JSON lines
//! that Powertools Metrics, `aws-embedded-metrics` and hand-written code print so that
//! CloudWatch extracts metrics from the logs.
//!
//! An EMF document names its metrics under `_aws.CloudWatchMetrics[]` — each directive has a
//! `Namespace`, `Dimensions` (sets of dimension names) and `Metrics` (`Name`, `Unit`) — and
//! carries the values as top-level members: a number, or an array of numbers, per metric
//! name; a string per dimension name (the EMF specification, "Embedded metric format").
//! CloudWatch creates one metric per dimension set; so does Warden.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::invocation::time_format;

/// At most this many metric points are read from one document.
const MAX_POINTS_PER_DOCUMENT: usize = 100;
/// At most this many values per metric (EMF allows 100).
const MAX_VALUES: usize = 100;

/// One metric of one EMF document: a name, its unit, one dimension set and its values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    pub function: String,
    pub namespace: String,
    pub name: String,
    /// `Milliseconds`, `Count`, … as the document says; `None` when it says nothing.
    pub unit: Option<String>,
    /// Dimension name → value, in name order.
    pub dimensions: BTreeMap<String, String>,
    pub values: Vec<f64>,
    /// `_aws.Timestamp`, else the log event's time.
    #[serde(with = "time_format")]
    pub timestamp: Option<i64>,
    pub request_id: Option<String>,
}

/// Count, sum, minimum and maximum of a metric's values: what `warden logs` reports per
/// series and bucket and what the server keeps per minute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricStats {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

impl Default for MetricStats {
    fn default() -> Self {
        MetricStats {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl MetricStats {
    pub fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    pub fn merge(&mut self, other: &MetricStats) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    pub fn average(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

/// The metric points of an EMF document (without function and request id, which the
/// caller knows). Empty when the document is not EMF or names no metric with a value.
pub fn emf_points(document: &Value, fallback_ms: Option<i64>) -> Vec<MetricPoint> {
    let mut points = Vec::new();
    let Some(aws) = document.get("_aws") else {
        return points;
    };
    let timestamp = aws.get("Timestamp").and_then(Value::as_i64).or(fallback_ms);
    let Some(directives) = aws.get("CloudWatchMetrics").and_then(Value::as_array) else {
        return points;
    };
    for directive in directives {
        let namespace = directive
            .get("Namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let dimension_sets: Vec<Vec<&str>> = match directive.get("Dimensions") {
            Some(Value::Array(sets)) if !sets.is_empty() => sets
                .iter()
                .filter_map(Value::as_array)
                .map(|set| set.iter().filter_map(Value::as_str).collect())
                .collect(),
            _ => vec![Vec::new()],
        };
        let Some(metrics) = directive.get("Metrics").and_then(Value::as_array) else {
            continue;
        };
        for metric in metrics {
            let Some(name) = metric.get("Name").and_then(Value::as_str) else {
                continue;
            };
            let values: Vec<f64> = match document.get(name) {
                Some(Value::Number(n)) => n.as_f64().into_iter().collect(),
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_f64)
                    .take(MAX_VALUES)
                    .collect(),
                _ => Vec::new(),
            };
            let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
            if values.is_empty() {
                continue;
            }
            let unit = metric
                .get("Unit")
                .and_then(Value::as_str)
                .filter(|u| !u.is_empty() && *u != "None")
                .map(str::to_owned);
            for set in &dimension_sets {
                if points.len() >= MAX_POINTS_PER_DOCUMENT {
                    return points;
                }
                let dimensions = set
                    .iter()
                    .map(|key| {
                        let value = match document.get(*key) {
                            Some(Value::String(s)) => s.clone(),
                            Some(Value::Null) | None => String::new(),
                            Some(other) => other.to_string(),
                        };
                        ((*key).to_owned(), value)
                    })
                    .collect();
                points.push(MetricPoint {
                    function: String::new(),
                    namespace: namespace.clone(),
                    name: name.to_owned(),
                    unit: unit.clone(),
                    dimensions,
                    values: values.clone(),
                    timestamp,
                    request_id: None,
                });
            }
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powertools_document_with_two_dimension_sets_and_multi_values() {
        let doc: Value = serde_json::from_str(
            r#"{"_aws":{"Timestamp":1700000000000,"CloudWatchMetrics":[{"Namespace":"Shop","Dimensions":[["service"],["service","route"]],"Metrics":[{"Name":"Latency","Unit":"Milliseconds"},{"Name":"Orders","Unit":"Count"},{"Name":"Missing","Unit":"Count"}]}]},"service":"checkout","route":"/pay","Latency":[12.5,20],"Orders":1}"#,
        )
        .unwrap();
        let points = emf_points(&doc, None);
        assert_eq!(points.len(), 4);
        assert_eq!(points[0].name, "Latency");
        assert_eq!(points[0].values, vec![12.5, 20.0]);
        assert_eq!(points[0].dimensions.len(), 1);
        assert_eq!(points[1].dimensions["route"], "/pay");
        assert_eq!(points[2].unit.as_deref(), Some("Count"));
        assert_eq!(points[0].timestamp, Some(1_700_000_000_000));
        assert!(emf_points(&serde_json::json!({"level": "INFO"}), None).is_empty());
    }
}
