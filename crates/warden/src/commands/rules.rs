//! `warden rules` and `warden rule CODE`: the rule list and one rule's documentation.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct RulesArgs {
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct RuleArgs {
    /// Rule code (e.g. WD201) or name (e.g. function-url-without-auth).
    code: String,
}

pub fn list(args: RulesArgs) -> anyhow::Result<ExitCode> {
    let infos = warden_rules::rule_infos();
    let mut out = std::io::stdout().lock();
    if args.json {
        let rules: Vec<_> = infos
            .iter()
            .map(|info| {
                serde_json::json!({
                    "code": info.code, "name": info.name, "risk": info.risk.slug(),
                    "severity": info.severity.as_str(), "profile": info.profile.as_str(),
                    "formats": info.formats, "summary": info.summary,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rules)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let name_width = infos.iter().map(|i| i.name.len()).max().unwrap_or(4);
    let risk_width = infos.iter().map(|i| i.risk.slug().len()).max().unwrap_or(4);
    writeln!(
        out,
        "{:<6} {:<name_width$} {:<risk_width$} {:<8} {:<16} FORMATS",
        "CODE", "NAME", "RISK", "SEVERITY", "PROFILE"
    )?;
    for info in infos {
        writeln!(
            out,
            "{:<6} {:<name_width$} {:<risk_width$} {:<8} {:<16} {}",
            info.code,
            info.name,
            info.risk.slug(),
            info.severity.as_str(),
            info.profile.as_str(),
            info.formats.join(",")
        )?;
    }
    let security = infos
        .iter()
        .filter(|info| info.profile == warden_diagnostics::Profile::Security)
        .count();
    writeln!(
        out,
        "\n{} rules: {security} in the security profile (the default), {} more with `--profile well-architected`.\n`warden rule CODE` shows one rule's documentation.",
        infos.len(),
        infos.len() - security
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn show(args: RuleArgs) -> anyhow::Result<ExitCode> {
    let Some(info) = warden_rules::rule_infos()
        .iter()
        .find(|info| info.code.eq_ignore_ascii_case(&args.code) || info.name == args.code)
    else {
        anyhow::bail!("no rule `{}` (see `warden rules`)", args.code);
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "# {} ({})\n", info.name, info.code)?;
    writeln!(
        out,
        "Risk: {} · Default severity: {} · Profile: {} · Formats: {}\n",
        info.risk.slug(),
        info.severity.as_str(),
        info.profile.as_str(),
        info.formats.join(", ")
    )?;
    writeln!(out, "{}", info.docs)?;
    Ok(ExitCode::SUCCESS)
}
