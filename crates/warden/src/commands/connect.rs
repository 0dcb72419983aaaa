//! `warden connect`: print the CloudFormation or Terraform stack that sends an account's
//! Lambda logs to a Warden server through Amazon Data Firehose.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use warden_connect::{ConnectOptions, Endpoint, Format, LogGroupName, StackName, Subscription};

#[derive(Args)]
pub struct ConnectArgs {
    /// Warden's public HTTPS address on port 443 (`https://HOST[/BASE]`); `/ingest/firehose` is
    /// appended unless the URL already ends with it.
    #[arg(long, value_name = "URL")]
    endpoint: String,
    /// The stack's format.
    #[arg(long, short, value_enum, default_value = "cloudformation")]
    format: ConnectFormat,
    /// Subscribe only these log groups (comma-separated or repeated) instead of the
    /// account-level subscription filter policy.
    #[arg(
        long,
        value_name = "NAME",
        value_delimiter = ',',
        conflicts_with = "exclude_log_groups"
    )]
    log_groups: Vec<String>,
    /// Log groups the account-level policy leaves out (comma-separated or repeated).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    exclude_log_groups: Vec<String>,
    /// Also create the read-only role `warden audit --role-arn … --external-id …` assumes.
    #[arg(long)]
    audit_role: bool,
    /// Names the Firehose stream, the subscription and the error log group; prefixes the
    /// roles and the bucket.
    #[arg(long, default_value = "warden")]
    name: String,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ConnectFormat {
    /// A CloudFormation template (YAML).
    Cloudformation,
    /// A Terraform root module (HCL).
    Terraform,
}

pub fn run(args: ConnectArgs) -> anyhow::Result<ExitCode> {
    let parse_groups = |names: &[String]| -> Result<Vec<LogGroupName>, _> {
        names.iter().map(|name| LogGroupName::parse(name)).collect()
    };
    let subscription = if args.log_groups.is_empty() {
        Subscription::Account {
            exclude: parse_groups(&args.exclude_log_groups)?,
        }
    } else {
        Subscription::LogGroups(parse_groups(&args.log_groups)?)
    };
    let options = ConnectOptions {
        endpoint: Endpoint::parse(&args.endpoint)?,
        name: StackName::parse(&args.name)?,
        subscription,
        audit_role: args.audit_role,
    };
    let format = match args.format {
        ConnectFormat::Cloudformation => Format::CloudFormation,
        ConnectFormat::Terraform => Format::Terraform,
    };
    let stack = warden_connect::generate(&options, format)?;
    match &args.output {
        Some(path) => std::fs::write(path, stack)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(stack.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
