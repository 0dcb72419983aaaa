//! `warden policy FUNCTION [PATH]`: the least-privilege policy one function's code needs,
//! from the AWS SDK calls it makes, as SAM `Policies`, a CloudFormation `PolicyDocument` or a
//! Terraform `aws_iam_policy_document`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use warden_iac::{load_paths, LoadOptions};

#[derive(Args)]
pub struct PolicyArgs {
    /// The function: its SAM/CloudFormation logical ID, Serverless function name or
    /// Terraform address.
    function: String,
    /// Files or directories to look in (default: .).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// How to write the policy (default: the format of the template that declares it).
    #[arg(long, short, value_enum)]
    format: Option<PolicyFormat>,
}

#[derive(Clone, Copy, ValueEnum)]
enum PolicyFormat {
    /// SAM `Policies` for an `AWS::Serverless::Function`.
    Sam,
    /// A CloudFormation `PolicyDocument` (JSON).
    Cloudformation,
    /// A Terraform `data "aws_iam_policy_document"`.
    Terraform,
}

pub fn run(args: PolicyArgs) -> anyhow::Result<ExitCode> {
    let loaded = load_paths(&args.paths, &LoadOptions::default(), &|_| false);
    let mut sources = loaded.sources.clone();
    let report = warden_code::analyse(&loaded.templates, &mut sources, &|_| false);
    let matches: Vec<&warden_code::FunctionPolicy> = report
        .policies
        .iter()
        .filter(|policy| policy.function == args.function)
        .collect();
    let policy = match matches.as_slice() {
        [] => {
            let not_analysed = report
                .notices
                .iter()
                .find(|notice| notice.message.contains(&format!("`{}`", args.function)));
            match not_analysed {
                Some(notice) => anyhow::bail!("{}", notice.message),
                None => anyhow::bail!(
                    "no function `{}` with analysable code in {}",
                    args.function,
                    args.paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        [one] => *one,
        several => anyhow::bail!(
            "`{}` is declared in several templates ({}); name one of them as PATH",
            args.function,
            several
                .iter()
                .map(|p| p.template.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let template_format = loaded
        .templates
        .iter()
        .find(|t| {
            sources
                .get(t.file)
                .is_some_and(|f| f.path == policy.template)
        })
        .map(|t| t.format);
    let format = args.format.unwrap_or(match template_format {
        Some(warden_iac::Format::Terraform) => PolicyFormat::Terraform,
        Some(warden_iac::Format::Sam) => PolicyFormat::Sam,
        _ => PolicyFormat::Cloudformation,
    });
    let mut out = std::io::stdout().lock();
    let comment = match format {
        PolicyFormat::Cloudformation => None,
        _ => Some("#"),
    };
    if let Some(comment) = comment {
        writeln!(
            out,
            "{comment} Least privilege for `{}` ({}), from the AWS SDK calls in its code.",
            policy.function,
            warden_diagnostics::display_path(&policy.template)
        )?;
        for unknown in &policy.unknown {
            writeln!(out, "{comment} Not resolved, may be missing: {unknown}")?;
        }
    } else if !policy.unknown.is_empty() {
        eprintln!(
            "warden: the policy may be incomplete: {}",
            policy.unknown.join("; ")
        );
    }
    match format {
        PolicyFormat::Sam => write!(
            out,
            "{}",
            warden_code::policy::sam_policies(&policy.statements)
        )?,
        PolicyFormat::Cloudformation => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&warden_code::policy::policy_document(
                &policy.statements
            ))?
        )?,
        PolicyFormat::Terraform => {
            let name = policy
                .function
                .rsplit('.')
                .next()
                .unwrap_or(&policy.function)
                .replace('-', "_");
            write!(
                out,
                "{}",
                warden_code::policy::terraform_document(&name, &policy.statements)
            )?
        }
    }
    Ok(ExitCode::SUCCESS)
}
