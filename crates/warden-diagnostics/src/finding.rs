use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::Span;

/// The ten risk slugs every finding and security event is filed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    EventInjection,
    BrokenAuthentication,
    InsecureConfiguration,
    OverPrivileged,
    InsufficientLogging,
    InsecureSecrets,
    DenialOfWallet,
    ImproperErrorHandling,
    Reliability,
    Cost,
}

impl Risk {
    pub const ALL: [Risk; 10] = [
        Risk::EventInjection,
        Risk::BrokenAuthentication,
        Risk::InsecureConfiguration,
        Risk::OverPrivileged,
        Risk::InsufficientLogging,
        Risk::InsecureSecrets,
        Risk::DenialOfWallet,
        Risk::ImproperErrorHandling,
        Risk::Reliability,
        Risk::Cost,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Risk::EventInjection => "event-injection",
            Risk::BrokenAuthentication => "broken-authentication",
            Risk::InsecureConfiguration => "insecure-configuration",
            Risk::OverPrivileged => "over-privileged",
            Risk::InsufficientLogging => "insufficient-logging",
            Risk::InsecureSecrets => "insecure-secrets",
            Risk::DenialOfWallet => "denial-of-wallet",
            Risk::ImproperErrorHandling => "improper-error-handling",
            Risk::Reliability => "reliability",
            Risk::Cost => "cost",
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for Risk {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Risk::ALL
            .into_iter()
            .find(|risk| risk.slug() == text)
            .ok_or_else(|| format!("unknown risk `{text}`"))
    }
}

/// How bad a finding is. Ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{text}` (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// A resolved position: file as displayed, one-based start and end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// One weakness that a rule found in one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable code, e.g. `WDN101`.
    pub code: &'static str,
    /// The rule's kebab-case name.
    pub name: &'static str,
    pub risk: Risk,
    pub severity: Severity,
    /// A sentence that names the resource and the offending value.
    pub message: String,
    /// Where the offending value is, or the resource when something is missing.
    pub span: Span,
    /// The logical ID (CloudFormation), address (Terraform) or name of the resource.
    pub resource: String,
    /// The resource's type, e.g. `AWS::Serverless::Function`.
    pub resource_type: String,
    /// How to fix it, in one or two sentences.
    pub help: String,
    /// Other places that share the cause (the other functions of a shared role, the other
    /// flags of one bucket): SARIF's related locations, listed under the finding in text.
    pub related: Vec<Related>,
}

/// Another place that belongs to a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    /// What the place is, e.g. "function `Worker` uses this role".
    pub message: String,
}

/// Something a scan did not analyse, so that "no findings" is never claimed for it: an
/// included file that could not be read, a Terraform registry module, a CDK app without
/// `cdk.out`, a Serverless plugin that creates resources, a packaged copy of a template.
///
/// Loaders, code analysis and live audits all add their own kinds; every output format
/// renders every notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Stable kebab-case kind, e.g. `include-not-read` or `registry-module`.
    pub kind: &'static str,
    /// One sentence saying what was not analysed and why.
    pub message: String,
    /// Where in a scanned file it arises (the include, the module block), if anywhere.
    pub span: Option<Span>,
    /// The file, module source, URL or ARN that was not analysed, as written.
    pub path: Option<String>,
    /// What the user can do to have it analysed, if anything.
    pub help: Option<String>,
}

impl Notice {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Notice {
            kind,
            message: message.into(),
            span: None,
            path: None,
            help: None,
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Which report a rule belongs to. `security` (the default) holds the eight serverless
/// risks; `well-architected` adds hygiene that fires on nearly every function by design
/// (alarms, tracing, concurrency caps, code signing, customer managed keys), reliability and
/// cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    Security,
    WellArchitected,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Security => "security",
            Profile::WellArchitected => "well-architected",
        }
    }

    /// The default profile of a rule filed under `risk`.
    pub const fn of_risk(risk: Risk) -> Profile {
        match risk {
            Risk::Reliability | Risk::Cost => Profile::WellArchitected,
            _ => Profile::Security,
        }
    }

    /// True when a scan with this profile runs rules of `rule`'s profile.
    pub fn includes(self, rule: Profile) -> bool {
        self == Profile::WellArchitected || rule == Profile::Security
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "security" => Ok(Profile::Security),
            "well-architected" | "wa" => Ok(Profile::WellArchitected),
            _ => Err(format!(
                "unknown profile `{text}` (expected security or well-architected)"
            )),
        }
    }
}

/// A file that could not be read or understood as a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for LoadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_slugs_round_trip() {
        for risk in Risk::ALL {
            assert_eq!(risk.slug().parse::<Risk>().unwrap(), risk);
        }
        assert!("nope".parse::<Risk>().is_err());
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
    }
}

/// What an output format needs to know about a rule (SARIF rule descriptors, docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable code, e.g. `WDN101`. Never changes once released.
    pub code: &'static str,
    /// Kebab-case name, e.g. `function-url-without-auth`.
    pub name: &'static str,
    pub risk: Risk,
    /// Default severity; a finding may carry a different one.
    pub severity: Severity,
    /// One-line summary: the first sentence of the documentation.
    pub summary: &'static str,
    /// The full Markdown documentation (What it does, Why is this bad?, Example, Fix,
    /// References), generated from the rule's doc comment.
    pub docs: &'static str,
    /// Input formats the rule covers, e.g. `["cloudformation", "sam"]`.
    pub formats: &'static [&'static str],
    pub profile: Profile,
}
