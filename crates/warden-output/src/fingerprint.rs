//! Stable identities for findings.
//!
//! A fingerprint must not change when lines are added above a finding, when the file is
//! re-indented, or when Warden is built for another platform: baselines and GitHub code
//! scanning match findings across runs by it. It is therefore computed from what the
//! finding *is* (rule, file, resource, message and the offending text), never from where it
//! is (lines, columns, byte offsets).
//!
//! The hash is 64-bit FNV-1a, written out here so that it can never change under us with a
//! dependency upgrade. It is not meant to resist an attacker, only to tell findings apart.

use warden_diagnostics::{Finding, SourceMap};

use crate::UNKNOWN_FILE;

/// Version tag mixed into the hash. Bump it (and SARIF's `warden/v1` key) only when the
/// inputs change on purpose, since that invalidates every stored baseline.
const SCHEME: &str = "warden/v1";

/// A 16-digit lowercase hex fingerprint of `finding`.
///
/// Built from the rule code, the file's display path (forward slashes), the resource, the
/// whitespace-normalized message and the whitespace-normalized first line of the text under
/// the span. Line numbers and offsets are not part of it, so the fingerprint survives edits
/// elsewhere in the file.
pub fn fingerprint(finding: &Finding, sources: &SourceMap) -> String {
    let file = sources.get(finding.span.file);
    let path = file
        .map(|file| file.display_path())
        .unwrap_or_else(|| UNKNOWN_FILE.to_string());
    let offending = file
        .map(|file| offending_text(file.slice(finding.span)))
        .unwrap_or_default();

    let mut hasher = Fnv1a::new();
    for part in [
        SCHEME,
        finding.code,
        &path,
        &finding.resource,
        &normalize(&finding.message),
        &offending,
    ] {
        hasher.write(part.as_bytes());
        // A separator that cannot occur in the parts keeps ("ab", "c") apart from ("a", "bc").
        hasher.write(&[0]);
    }
    format!("{:016x}", hasher.finish())
}

/// The first non-blank line of the span's text, normalized. Later lines are left out so
/// that a span over a whole resource does not change with every edit inside it.
fn offending_text(slice: &str) -> String {
    let first = slice
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    normalize(first.trim_end_matches(|c: char| c == ',' || c.is_whitespace()))
}

/// Collapses runs of whitespace into one space and trims the ends.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv1a(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_vectors() {
        // Test vectors from the FNV reference (draft-eastlake-fnv).
        let hash = |text: &str| {
            let mut hasher = Fnv1a::new();
            hasher.write(text.as_bytes());
            hasher.finish()
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn normalize_collapses_whitespace() {
        assert_eq!(normalize("  a \t b\n\nc  "), "a b c");
        assert_eq!(offending_text("\n   Action: '*',\n  more"), "Action: '*'");
        assert_eq!(offending_text(""), "");
    }
}
