//! Lambda list prices and the per-invocation cost formula (docs/lambda-logs.md §3).
//!
//! cost = request price + billed GB-seconds × duration price (tier 1)
//!
//! `Billed Duration` already includes the init phase for on-demand ZIP functions on
//! managed runtimes since 2025-08-01, and the billed restore for SnapStart, so it is used
//! as is. Tier 1 is the list price: the monthly volume tiers apply to an account's
//! aggregate usage per region and architecture, which logs cannot see, and neither can
//! the free tier or Savings Plans. Ephemeral storage above 512 MB is not in the logs either.

use std::fmt;

use serde::Serialize;

/// The table's identity, reported with every cost so a number can be traced to its source.
pub const PRICE_TABLE_VERSION: &str = "2026-11-28";
pub const PRICE_TABLE_SOURCE: &str = "AWS Price List API offer AWSLambda (on-demand, tier 1), as transcribed in docs/lambda-logs.md §3.1; regional rates from artillery@2.0.28 lib/platform/aws-lambda/prices.js";

/// The instruction set a function runs on; arm64 is about 20 % cheaper per GB-second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    #[default]
    X86_64,
    Arm64,
}

impl Architecture {
    pub fn parse(text: &str) -> Option<Architecture> {
        match text.to_ascii_lowercase().as_str() {
            "x86_64" | "x86-64" | "x86" | "amd64" => Some(Architecture::X86_64),
            "arm64" | "aarch64" | "arm" | "graviton" => Some(Architecture::Arm64),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Per-region prices in USD.
#[derive(Clone, Copy, Debug, PartialEq)]
struct RegionPrices {
    region: &'static str,
    request: f64,
    gb_second_x86: f64,
    gb_second_arm: f64,
}

const STANDARD_X86: f64 = 0.000_016_666_7;
const STANDARD_ARM: f64 = 0.000_013_333_4;
const REQUEST: f64 = 0.000_000_2;

const fn standard(region: &'static str) -> RegionPrices {
    RegionPrices {
        region,
        request: REQUEST,
        gb_second_x86: STANDARD_X86,
        gb_second_arm: STANDARD_ARM,
    }
}

/// Regions at the standard rate, then the ones that differ (docs/lambda-logs.md §3.1).
const REGIONS: &[RegionPrices] = &[
    standard("us-east-1"),
    standard("us-east-2"),
    standard("us-west-1"),
    standard("us-west-2"),
    standard("ca-central-1"),
    standard("eu-west-1"),
    standard("eu-west-2"),
    standard("eu-west-3"),
    standard("eu-central-1"),
    standard("eu-north-1"),
    standard("ap-south-1"),
    standard("ap-northeast-1"),
    standard("ap-northeast-2"),
    standard("ap-northeast-3"),
    standard("ap-southeast-1"),
    standard("ap-southeast-2"),
    standard("sa-east-1"),
    RegionPrices {
        region: "af-south-1",
        request: 0.000_000_27,
        gb_second_x86: 0.000_022_1,
        gb_second_arm: 0.000_017_68,
    },
    RegionPrices {
        region: "ap-east-1",
        request: 0.000_000_29,
        gb_second_x86: 0.000_022_92,
        gb_second_arm: 0.000_018_3,
    },
    RegionPrices {
        region: "eu-south-1",
        request: 0.000_000_23,
        gb_second_x86: 0.000_019_517_2,
        gb_second_arm: 0.000_015_613_8,
    },
    RegionPrices {
        region: "me-south-1",
        request: 0.000_000_25,
        gb_second_x86: 0.000_020_666_7,
        gb_second_arm: 0.000_016_533_4,
    },
];

/// Prices for one architecture in one region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostModel {
    pub architecture: Architecture,
    pub region: &'static str,
    request: f64,
    gb_second: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel::new(Architecture::X86_64, "us-east-1").expect("us-east-1 is in the table")
    }
}

impl CostModel {
    /// `None` when the region is not in the table (see [`CostModel::known_regions`]).
    pub fn new(architecture: Architecture, region: &str) -> Option<CostModel> {
        let prices = REGIONS.iter().find(|r| r.region == region)?;
        Some(CostModel {
            architecture,
            region: prices.region,
            request: prices.request,
            gb_second: match architecture {
                Architecture::X86_64 => prices.gb_second_x86,
                Architecture::Arm64 => prices.gb_second_arm,
            },
        })
    }

    pub fn known_regions() -> impl Iterator<Item = &'static str> {
        REGIONS.iter().map(|r| r.region)
    }

    /// List price of one invocation. Memory is divided by 1024 as in AWS's own examples.
    pub fn invocation_cost(&self, billed_duration_ms: u64, memory_size_mb: u32) -> f64 {
        let gb_seconds = billed_duration_ms as f64 / 1000.0 * f64::from(memory_size_mb) / 1024.0;
        self.request + gb_seconds * self.gb_second
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_from_the_reference() {
        // 512 MB, billed 1,200 ms → 0.6 GB-s (docs/lambda-logs.md §3.2).
        let x86 = CostModel::new(Architecture::X86_64, "us-east-1").unwrap();
        assert!((x86.invocation_cost(1200, 512) - 0.000_010_2).abs() < 1e-10);
        let arm = CostModel::new(Architecture::Arm64, "us-east-1").unwrap();
        assert!((arm.invocation_cost(1200, 512) - 0.000_008_2).abs() < 1e-10);
    }

    #[test]
    fn regions_differ_and_unknown_ones_are_refused() {
        let cape = CostModel::new(Architecture::X86_64, "af-south-1").unwrap();
        assert!(
            cape.invocation_cost(1000, 1024) > CostModel::default().invocation_cost(1000, 1024)
        );
        assert!(CostModel::new(Architecture::X86_64, "mars-north-1").is_none());
        assert_eq!(Architecture::parse("ARM64"), Some(Architecture::Arm64));
    }
}
