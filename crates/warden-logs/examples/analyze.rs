//! Analyses files with the library alone and prints the JSON report: handy for profiling
//! the pipeline without building the `warden` binary.
//!
//! `cargo run --release -p warden-logs --example analyze -- FILE...`

use std::fs::File;

use warden_logs::{AssemblerConfig, Pipeline, SourceContext};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut pipeline = Pipeline::new(AssemblerConfig {
        scan_security: std::env::var_os("NO_SECURITY").is_none(),
        ..AssemblerConfig::default()
    });
    for path in std::env::args().skip(1) {
        pipeline.read(File::open(&path)?, &SourceContext::named(path.as_str()))?;
    }
    pipeline.finish();
    println!("{}", serde_json::to_string_pretty(&pipeline.report())?);
    Ok(())
}
