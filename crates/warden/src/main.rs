//! The `warden` command: glue over the library crates. It parses arguments, runs one
//! command and owns the exit codes: 0 clean, 1 findings or failures at or above the
//! threshold, 2 usage or I/O errors.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;

#[derive(Parser)]
#[command(name = "warden", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// `scan` carries many options; the command is parsed once per run, so its size is moot.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Scan CloudFormation/SAM, Serverless Framework and Terraform templates, and the
    /// handler code they point to, for serverless security weaknesses.
    Scan(commands::scan::ScanArgs),
    /// Audit a live AWS account, read-only, with the same rules; with `--stack`, point
    /// findings at the local template and report drift.
    Audit(commands::audit::AuditArgs),
    /// Print the least-privilege policy a function's code needs (from its AWS SDK calls).
    Policy(commands::policy::PolicyArgs),
    /// List the posture rules.
    Rules(commands::rules::RulesArgs),
    /// Print one rule's documentation.
    Rule(commands::rules::RuleArgs),
    /// Analyse Lambda logs: invocations, failures, error groups, cost, security events.
    #[command(subcommand)]
    Logs(commands::logs::LogsCommand),
    /// Run the observability server: ingest (Firehose, CloudWatch forwarder, Telemetry API,
    /// NDJSON), durable store, API, alerts and dashboard.
    Serve(commands::serve::ServeArgs),
    /// Start the server on 127.0.0.1 with bundled sample data and open the dashboard.
    Demo(commands::serve::DemoArgs),
    /// Store maintenance: `warden store migrate --store clickhouse://…` creates or upgrades
    /// the schema.
    #[command(subcommand)]
    Store(commands::store::StoreCommand),
    /// Print the CloudFormation or Terraform stack that sends an account's Lambda logs to
    /// Warden (CloudWatch Logs subscription -> Firehose HTTP endpoint -> /ingest/firehose).
    Connect(commands::connect::ConnectArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with success, usage errors with 2.
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Scan(args) => commands::scan::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Policy(args) => commands::policy::run(args),
        Command::Rules(args) => commands::rules::list(args),
        Command::Rule(args) => commands::rules::show(args),
        Command::Logs(command) => commands::logs::run(command),
        Command::Serve(args) => commands::serve::serve(args),
        Command::Demo(args) => commands::serve::demo(args),
        Command::Store(command) => commands::store::run(command),
        Command::Connect(args) => commands::connect::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            eprintln!("warden: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
