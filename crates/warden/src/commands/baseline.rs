//! Baseline files: the fingerprints of known findings, so that CI fails only on new ones.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use warden_diagnostics::{Finding, SourceMap};

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    pub resource: String,
    pub file: String,
}

impl Baseline {
    pub fn of(findings: &[Finding], sources: &SourceMap) -> Baseline {
        let mut findings: Vec<BaselineEntry> = findings
            .iter()
            .map(|finding| BaselineEntry {
                fingerprint: warden_output::fingerprint(finding, sources),
                rule: finding.code.to_string(),
                resource: finding.resource.clone(),
                file: sources
                    .locate(finding.span)
                    .map(|l| l.file)
                    .unwrap_or_default(),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.rule, &a.resource, &a.fingerprint).cmp(&(
                &b.file,
                &b.rule,
                &b.resource,
                &b.fingerprint,
            ))
        });
        findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn read(path: &Path) -> anyhow::Result<HashSet<String>> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read baseline {}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .with_context(|| format!("invalid baseline {}", path.display()))?;
        Ok(baseline
            .findings
            .into_iter()
            .map(|entry| entry.fingerprint)
            .collect())
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write baseline {}", path.display()))
    }
}
