//! `warden scan`: load templates, run the rules, apply suppressions and the baseline,
//! render the report, and decide the exit code.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use warden_diagnostics::{Date, Finding, Profile, Severity};
use warden_iac::{load_paths, LoadOptions};
use warden_output::{render, Format, RenderOptions, Report, SeverityCounts};

use super::baseline::Baseline;
use super::config::{selector_matches, Config};

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories to scan (directories are walked, honouring .gitignore).
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, default_value = "text", value_parser = format_parser())]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Fail (exit 1) when a finding at or above this severity remains, or `none`
    /// [default: high].
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Report only findings at or above this severity [default: medium in text (a line
    /// counts what is hidden); everything in the other formats].
    #[arg(long, value_name = "SEVERITY")]
    min_severity: Option<String>,
    /// Rules to run: `security` (the eight serverless risks) or `well-architected` (adds
    /// hygiene that fires on nearly every function, reliability and cost) [default: security].
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// Judge date-dependent rules (runtime deprecation) as of this day, `YYYY-MM-DD`, so
    /// that a commit scans the same next month [default: today].
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Template parameter value, `Key=Value` (repeatable); also `AWS::Region=...`.
    #[arg(long = "parameter", short = 'p', value_name = "KEY=VALUE")]
    parameters: Vec<String>,
    /// Parameter values from a file: CloudFormation CLI JSON, `{"Parameters": {...}}`, or a
    /// SAM `samconfig.toml` with `parameter_overrides`.
    #[arg(long, value_name = "FILE")]
    parameters_file: Option<PathBuf>,
    /// Serverless Framework stage for `serverless.yml` files (`${sls:stage}`, `${opt:stage}`).
    #[arg(long, value_name = "NAME")]
    stage: Option<String>,
    /// Serverless Framework CLI option, `KEY=VALUE` (repeatable), for `${opt:KEY}` in
    /// `serverless.yml` (`--option region=eu-west-1`).
    #[arg(long = "option", value_name = "KEY=VALUE")]
    options: Vec<String>,
    /// Value for `${env:KEY}` in `serverless.yml`, `KEY=VALUE` (repeatable). The process
    /// environment is never read: scans stay reproducible and CI secrets stay out of reports.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    environment: Vec<String>,
    /// Terraform input variable, `KEY=VALUE` (repeatable); wins over variable files.
    #[arg(long = "var", value_name = "KEY=VALUE")]
    terraform_vars: Vec<String>,
    /// Terraform variable file (`.tfvars`, repeatable); wins over `terraform.tfvars` and
    /// `*.auto.tfvars`.
    #[arg(long = "var-file", value_name = "FILE")]
    terraform_var_files: Vec<PathBuf>,
    /// Run only these rules (code prefixes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rules (code prefixes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Configuration file (default: ./warden.toml when present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the current findings to this baseline file (and exit 0).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// When to use colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Skip the analysis of handler code (templates only).
    #[arg(long)]
    no_code: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Lists the formats in `--help` and parses the choice.
pub(crate) fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["text", "json", "sarif", "github", "junit"])
        .try_map(|name| name.parse::<Format>())
}

pub(crate) fn parse_threshold(text: &str) -> anyhow::Result<Option<Severity>> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    text.parse::<Severity>()
        .map(Some)
        .map_err(anyhow::Error::msg)
}

pub fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let (config, _) = Config::load(args.config.as_deref())?;
    let mut parameters: HashMap<String, String> = config
        .parameters
        .iter()
        .map(|(key, value)| (key.clone(), toml_scalar(value)))
        .collect();
    if let Some(file) = &args.parameters_file {
        parameters.extend(read_parameters_file(file)?);
    }
    parameters.extend(key_values(&args.parameters, "--parameter")?);
    let fail_on = parse_threshold(
        args.fail_on
            .as_deref()
            .or(config.fail_on.as_deref())
            .unwrap_or("high"),
    )?;
    let min_severity = match &args.min_severity {
        Some(text) => Some(text.parse::<Severity>().map_err(anyhow::Error::msg)?),
        None => config.min_severity()?,
    };
    // The text report is read by people: unless asked otherwise, it shows medium and above
    // and counts the rest. Machine formats keep everything.
    let view_severity = match (min_severity, args.format) {
        (Some(min), _) => Some(min),
        (None, Format::Text) => Some(Severity::Medium),
        (None, _) => None,
    };
    let profile = match args.profile.as_deref().or(config.profile.as_deref()) {
        Some(text) => text.parse::<Profile>().map_err(anyhow::Error::msg)?,
        None => Profile::Security,
    };
    let as_of = match args.as_of.as_deref().or(config.as_of.as_deref()) {
        Some(text) => text
            .parse::<Date>()
            .map_err(|error| anyhow::anyhow!("--as-of: {error}"))?,
        None => Date::today(),
    };
    let check_options = warden_rules::CheckOptions { as_of };
    let select: Vec<String> = if args.select.is_empty() {
        config.select.clone()
    } else {
        args.select.clone()
    };
    let ignore: Vec<String> = config.ignore.iter().chain(&args.ignore).cloned().collect();
    let metas = super::rules::all_metas();
    for selector in select.iter().chain(&ignore) {
        if !metas.iter().any(|meta| selector_matches(selector, meta)) {
            anyhow::bail!("`{selector}` matches no rule (see `warden rules`)");
        }
    }
    let excludes = build_globset(&config.exclude)?;

    let serverless_options = key_values(&args.options, "--option")?;
    let terraform_vars = key_values(&args.terraform_vars, "--var")?;
    for file in &args.terraform_var_files {
        anyhow::ensure!(
            file.is_file(),
            "--var-file `{}`: no such file",
            file.display()
        );
    }
    let mut options = LoadOptions {
        parameters,
        stage: args.stage.clone(),
        serverless_options,
        environment: key_values(&args.environment, "--env")?,
        ..LoadOptions::default()
    };
    options.terraform_vars = terraform_vars;
    options.terraform_var_files = args.terraform_var_files.clone();
    let excluded = |path: &Path| {
        let path = path.strip_prefix("./").unwrap_or(path);
        excludes.is_match(path)
    };
    let missing_paths = args.paths.iter().any(|path| !path.exists());
    let mut loaded = load_paths(&args.paths, &options, &excluded);
    if loaded.files_scanned == 0 && loaded.errors.is_empty() {
        eprintln!(
            "warden: no CloudFormation, SAM, Serverless or Terraform templates found in {}",
            display_paths(&args.paths)
        );
    }

    // The profile chooses the rules unless `--select` names them.
    let enabled = |meta: &warden_rules::RuleMeta| {
        let chosen = if select.is_empty() {
            profile.includes(meta.profile)
        } else {
            select.iter().any(|s| selector_matches(s, meta))
        };
        chosen && !ignore.iter().any(|s| selector_matches(s, meta))
    };
    let per_template: Vec<_> = loaded
        .templates
        .par_iter()
        .map(|template| {
            let findings = warden_rules::check_template(template, &enabled, &check_options);
            warden_rules::suppression::apply(template, &loaded.sources, findings)
        })
        .collect();
    let mut findings: Vec<Finding> = Vec::new();
    let mut suppressed = 0;
    let mut errors = std::mem::take(&mut loaded.errors);
    for filtered in per_template {
        findings.extend(filtered.findings);
        suppressed += filtered.suppressed;
        errors.extend(filtered.problems);
    }
    // The handler code each function points to: injection paths, leaked errors, secrets,
    // least privilege. Code files join `sources` so that reports can show them.
    let mut notices = loaded.all_notices();
    let mut code_files = 0;
    if !args.no_code {
        let code = warden_code::analyse(&loaded.templates, &mut loaded.sources, &enabled);
        findings.extend(code.findings);
        suppressed += code.suppressed;
        errors.extend(code.problems);
        code_files = code.files_analysed;
        notices.extend(
            code.notices
                .into_iter()
                .map(|notice| warden_diagnostics::Notice {
                    kind: notice.kind,
                    message: notice.message,
                    span: notice.span,
                    path: notice.path,
                    help: notice.help,
                }),
        );
    }
    findings.retain(|finding| min_severity.is_none_or(|min| finding.severity >= min));

    if let Some(path) = &args.write_baseline {
        Baseline::of(&findings, &loaded.sources).write(path)?;
        eprintln!(
            "warden: wrote {} findings to baseline {}",
            findings.len(),
            path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.baseline {
        let known = Baseline::read(path)?;
        let before = findings.len();
        findings.retain(|finding| {
            !known.contains(&warden_output::fingerprint(finding, &loaded.sources))
        });
        suppressed += before - findings.len();
    }

    let failing = findings
        .iter()
        .any(|finding| fail_on.is_some_and(|threshold| finding.severity >= threshold))
        || (fail_on.is_some() && !errors.is_empty());
    // What the view leaves out is counted, not lost: the exit code above saw it.
    let mut hidden = SeverityCounts::default();
    if min_severity.is_none() {
        if let Some(view) = view_severity {
            findings.retain(|finding| {
                let shown = finding.severity >= view;
                if !shown {
                    hidden.add(finding.severity);
                }
                shown
            });
        }
    }
    let report = Report {
        findings,
        errors,
        suppressed,
        files_scanned: loaded.files_scanned + code_files,
        resources_scanned: loaded.templates.iter().map(|t| t.resources.len()).sum(),
        notices,
        hidden,
        min_severity: view_severity,
        as_of: Some(as_of),
        profile: Some(profile),
    };
    write_report(
        args.format,
        &report,
        &loaded.sources,
        args.color,
        args.output.as_deref(),
    )?;
    // A path that does not exist is an I/O error (exit 2), reported after everything else
    // was scanned, as ripgrep does.
    Ok(if missing_paths {
        ExitCode::from(2)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Parses repeated `KEY=VALUE` flags.
fn key_values(pairs: &[String], flag: &str) -> anyhow::Result<HashMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            let (key, value) = pair
                .split_once('=')
                .with_context(|| format!("{flag} `{pair}` is not KEY=VALUE"))?;
            Ok((key.trim().to_string(), value.to_string()))
        })
        .collect()
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn build_globset(patterns: &[String]) -> anyhow::Result<globset::GlobSet> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .with_context(|| format!("invalid exclude pattern `{pattern}`"))?;
        builder.add(glob);
        // `dir/` or `dir` excludes everything below it too.
        let below = format!("{}/**", pattern.trim_end_matches('/'));
        if let Ok(glob) = globset::Glob::new(&below) {
            builder.add(glob);
        }
    }
    Ok(builder.build()?)
}

fn toml_scalar(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Reads parameter values: CloudFormation CLI JSON (`[{"ParameterKey", "ParameterValue"}]`),
/// `{"Parameters": {...}}` (CodePipeline template configuration), a plain JSON object, or a
/// SAM `samconfig.toml` (`parameter_overrides`).
fn read_parameters_file(path: &Path) -> anyhow::Result<HashMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = HashMap::new();
    if path.extension().is_some_and(|e| e == "toml") {
        let value: toml::Value =
            toml::from_str(&text).with_context(|| format!("invalid TOML in {}", path.display()))?;
        let mut found = None;
        find_toml_key(&value, "parameter_overrides", &mut found);
        let overrides =
            found.with_context(|| format!("{}: no `parameter_overrides`", path.display()))?;
        let items: Vec<String> = match overrides {
            toml::Value::String(text) => split_overrides(&text),
            toml::Value::Array(items) => items.iter().map(toml_scalar).collect(),
            other => anyhow::bail!(
                "{}: unexpected `parameter_overrides` {other}",
                path.display()
            ),
        };
        for item in items {
            if let Some((key, value)) = item.split_once('=') {
                out.insert(key.to_string(), value.trim_matches('"').to_string());
            }
        }
        return Ok(out);
    }
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("invalid JSON in {}", path.display()))?;
    let scalar = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    match &json {
        serde_json::Value::Array(items) => {
            for item in items {
                let key = item.get("ParameterKey").and_then(|k| k.as_str());
                let value = item.get("ParameterValue");
                match (key, value) {
                    (Some(key), Some(value)) => {
                        out.insert(key.to_string(), scalar(value));
                    }
                    _ => anyhow::bail!(
                        "{}: each item needs ParameterKey and ParameterValue",
                        path.display()
                    ),
                }
            }
        }
        serde_json::Value::Object(map) => {
            let map = map
                .get("Parameters")
                .and_then(|p| p.as_object())
                .unwrap_or(map);
            for (key, value) in map {
                out.insert(key.clone(), scalar(value));
            }
        }
        _ => anyhow::bail!(
            "{}: expected a JSON array or object of parameters",
            path.display()
        ),
    }
    Ok(out)
}

fn find_toml_key(value: &toml::Value, key: &str, found: &mut Option<toml::Value>) {
    if found.is_some() {
        return;
    }
    if let toml::Value::Table(table) = value {
        if let Some(value) = table.get(key) {
            *found = Some(value.clone());
            return;
        }
        for child in table.values() {
            find_toml_key(child, key, found);
        }
    }
}

/// Splits `Key=Value Other="with space"` as SAM does.
fn split_overrides(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for character in text.chars() {
        match character {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !current.is_empty() {
                    items.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(character),
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    items
}

/// Renders a report to `output` (or stdout), in colour when `color` says so — `auto`: only
/// on a terminal and without `NO_COLOR`. Shared by `scan` and `audit`.
pub(super) fn write_report(
    format: Format,
    report: &Report,
    sources: &warden_diagnostics::SourceMap,
    color: ColorChoice,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let options = RenderOptions {
        color,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    render(
        format,
        report,
        sources,
        super::rules::all_infos(),
        &options,
        &mut out,
    )?;
    out.flush()?;
    Ok(())
}
