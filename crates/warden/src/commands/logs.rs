//! `warden logs`: placeholder until the log analytics crate lands.
use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum LogsCommand {
    /// Turn raw Lambda logs into a per-function picture.
    Analyze,
}

pub fn run(_command: LogsCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("warden logs is not implemented yet")
}
