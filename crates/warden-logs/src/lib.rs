//! Lambda log analytics.
