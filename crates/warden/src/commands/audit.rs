//! `warden audit`: read a live AWS account (read-only), run the template rules on it, and
//! point findings at the local template when the user names the stack.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use warden_audit::mapping::{self, StackTemplate};
use warden_audit::AuditOptions;
use warden_diagnostics::{Date, Finding, Profile, Severity};
use warden_iac::{load_paths, LoadOptions};
use warden_output::{Format, Report, SeverityCounts};

use super::baseline::Baseline;
use super::config::{selector_matches, Config};
use super::scan::ColorChoice;

#[derive(Args)]
pub struct AuditArgs {
    /// The local template of `--stack`, to point findings at its lines.
    #[arg(requires = "stack")]
    template: Option<PathBuf>,
    /// The CloudFormation stack the template deployed (its resources carry the
    /// `aws:cloudformation:stack-name` tag).
    #[arg(long, value_name = "NAME", requires = "template")]
    stack: Option<String>,
    /// Print the read-only IAM policy the audit needs, and exit.
    #[arg(long)]
    print_policy: bool,
    /// AWS profile of the shared config files [default: the credential chain's].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Regions to read, comma-separated [default: the configured region].
    #[arg(long, value_delimiter = ',', value_name = "REGION")]
    regions: Vec<String>,
    /// Read every region enabled for the account (`account:ListRegions`).
    #[arg(long, conflicts_with = "regions")]
    all_regions: bool,
    /// Role to assume before reading.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// External id for `--role-arn`.
    #[arg(long, value_name = "ID", requires = "role_arn")]
    external_id: Option<String>,
    /// One endpoint for every AWS service (a local AWS API); `AWS_ENDPOINT_URL` and
    /// `AWS_ENDPOINT_URL_<SERVICE>` work too.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Attempts per call, with adaptive retry.
    #[arg(long, default_value = "3", value_name = "N")]
    max_attempts: u32,
    /// Calls in flight at once.
    #[arg(long, default_value = "16", value_name = "N")]
    concurrency: usize,
    /// Output format.
    #[arg(long, short, default_value = "text", value_parser = super::scan::format_parser())]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Fail (exit 1) when a finding at or above this severity remains, or `none` [default:
    /// high].
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Report only findings at or above this severity [default: medium in text].
    #[arg(long, value_name = "SEVERITY")]
    min_severity: Option<String>,
    /// Rules to run: `security` or `well-architected` [default: security].
    #[arg(long, value_name = "PROFILE")]
    rule_profile: Option<String>,
    /// Judge date-dependent rules as of this day, `YYYY-MM-DD` [default: today].
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Run only these rules (code prefixes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rules (code prefixes or names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// When to use colour in text output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Configuration file (default: ./warden.toml when present): rules, severities, and
    /// `[audit.stacks]`, the template of each stack.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the current findings to this baseline file (and exit 0).
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Print the number of API calls and the time taken to standard error.
    #[arg(long)]
    stats: bool,
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    if args.print_policy {
        let policy = serde_json::to_string_pretty(&warden_audit::policy::document())?;
        writeln!(std::io::stdout().lock(), "{policy}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let (config, config_path) = Config::load(args.config.as_deref())?;
    let fail_on = super::scan::parse_threshold(
        args.fail_on
            .as_deref()
            .or(config.fail_on.as_deref())
            .unwrap_or("high"),
    )?;
    let min_severity = match &args.min_severity {
        Some(text) => Some(text.parse::<Severity>().map_err(anyhow::Error::msg)?),
        None => config.min_severity()?,
    };
    let view_severity = match (min_severity, args.format) {
        (Some(min), _) => Some(min),
        (None, Format::Text) => Some(Severity::Medium),
        (None, _) => None,
    };
    let profile = match args.rule_profile.as_deref().or(config.profile.as_deref()) {
        Some(text) => text.parse::<Profile>().map_err(anyhow::Error::msg)?,
        None => Profile::Security,
    };
    let as_of = match args.as_of.as_deref().or(config.as_of.as_deref()) {
        Some(text) => text
            .parse::<Date>()
            .map_err(|error| anyhow::anyhow!("--as-of: {error}"))?,
        None => Date::today(),
    };
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
    let chosen = |meta: &warden_rules::RuleMeta| {
        let chosen = if select.is_empty() {
            profile.includes(meta.profile)
        } else {
            select.iter().any(|s| selector_matches(s, meta))
        };
        chosen && !ignore.iter().any(|s| selector_matches(s, meta))
    };
    // On the account, only the rules whose inputs the audit reads (`live`); on the stacks'
    // templates, the chosen rules as `scan` runs them, to tell drift from shared findings.
    let enabled_live =
        |meta: &warden_rules::RuleMeta| chosen(meta) && meta.formats.contains(&"live");
    let check_options = warden_rules::CheckOptions { as_of };

    // The stacks' templates: `TEMPLATE --stack NAME`, else `[audit.stacks]` of warden.toml
    // (paths relative to it). They load first: the live document joins their source map.
    let stack_files: Vec<(String, PathBuf)> = match (&args.stack, &args.template) {
        (Some(stack), Some(path)) => vec![(stack.clone(), path.clone())],
        _ => {
            let base = config_path
                .as_deref()
                .and_then(std::path::Path::parent)
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            config
                .audit
                .stacks
                .iter()
                .map(|(stack, path)| (stack.clone(), base.join(path)))
                .collect()
        }
    };
    for (stack, path) in &stack_files {
        anyhow::ensure!(
            path.exists(),
            "{}: no such file or directory (the template of stack `{stack}`)",
            path.display()
        );
    }
    let paths: Vec<PathBuf> = stack_files.iter().map(|(_, path)| path.clone()).collect();
    let mut loaded = if paths.is_empty() {
        warden_iac::Loaded::default()
    } else {
        load_paths(&paths, &LoadOptions::default(), &|_: &std::path::Path| {
            false
        })
    };
    // Each stack's template: the one template loaded from its path.
    let mut stack_indices = Vec::new();
    for (stack, path) in &stack_files {
        let path = path.strip_prefix("./").unwrap_or(path);
        let owned: Vec<usize> = (0..loaded.templates.len())
            .filter(|&index| {
                loaded
                    .sources
                    .get(loaded.templates[index].file)
                    .is_some_and(|file| {
                        file.path
                            .strip_prefix("./")
                            .unwrap_or(&file.path)
                            .starts_with(path)
                    })
            })
            .collect();
        match owned.as_slice() {
            [index] => stack_indices.push((stack.clone(), *index)),
            [] if !loaded.errors.is_empty() => {}
            [] => anyhow::bail!("no template of stack `{stack}` in {}", path.display()),
            _ => anyhow::bail!(
                "{} holds several templates: name the file of stack `{stack}`",
                path.display()
            ),
        }
    }
    let template_findings: Vec<Vec<Finding>> = stack_indices
        .iter()
        .map(|(_, index)| {
            warden_rules::check_template(&loaded.templates[*index], &chosen, &check_options)
        })
        .collect();

    let options = AuditOptions {
        regions: args.regions.clone(),
        all_regions: args.all_regions,
        profile: args.profile.clone(),
        role_arn: args.role_arn.clone(),
        external_id: args.external_id.clone(),
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: Some(args.max_attempts),
        concurrency: Some(args.concurrency),
        attempt_timeout: Some(Duration::from_secs(20)),
    };
    let started = std::time::Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let audit = runtime.block_on(warden_audit::read_account(&options))?;
    if args.stats {
        eprintln!(
            "warden: audit read {} resources in {} with {} API calls in {:.2}s",
            audit.model.resources.len(),
            audit.regions.join(", "),
            audit.calls,
            started.elapsed().as_secs_f64()
        );
    }
    // Not one answer: wrong credentials, endpoint or region, not a clean account.
    if audit.calls > 0 && audit.answered == 0 {
        let first = audit
            .notices
            .first()
            .map_or_else(String::new, |notice| format!(": {}", notice.message));
        anyhow::bail!(
            "no AWS call succeeded ({} tried){first}; check the credentials, --profile, --regions and --endpoint-url",
            audit.calls
        );
    }
    let stack_names: Vec<&str> = stack_indices
        .iter()
        .map(|(stack, _)| stack.as_str())
        .collect();
    let live = audit.model.load(&mut loaded.sources, &stack_names)?;
    let stacks: Vec<StackTemplate<'_>> = stack_indices
        .iter()
        .zip(&template_findings)
        .map(|((stack, index), findings)| StackTemplate {
            stack,
            template: &loaded.templates[*index],
            findings,
        })
        .collect();
    let located: Vec<Finding> = match &live {
        Some(live) => warden_rules::check_template(&live.template, &enabled_live, &check_options)
            .into_iter()
            .map(|finding| mapping::locate(finding, &audit.model, live, &stacks, &loaded.sources))
            .collect(),
        None => Vec::new(),
    };
    // A finding at a template's line is suppressed as `scan` would suppress it there
    // (`Metadata.warden.skip`, `# warden:ignore` comments); the others stay.
    let mut suppressed = 0;
    let mut problems = Vec::new();
    let mut findings = Vec::new();
    let mut rest = located;
    for stack in &stacks {
        let (here, elsewhere): (Vec<Finding>, Vec<Finding>) = rest
            .into_iter()
            .partition(|finding| finding.span.file == stack.template.file);
        let filtered = warden_rules::suppression::apply(stack.template, &loaded.sources, here);
        suppressed += filtered.suppressed;
        problems.extend(filtered.problems);
        findings.extend(filtered.findings);
        rest = elsewhere;
    }
    findings.extend(rest);
    findings.retain(|finding| min_severity.is_none_or(|min| finding.severity >= min));
    // Live findings carry fingerprints like scan findings (their file is the resource's
    // ARN), so a baseline of an account keeps working from one audit to the next.
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
    let mut errors = std::mem::take(&mut loaded.errors);
    errors.extend(problems);
    let failing = findings
        .iter()
        .any(|finding| fail_on.is_some_and(|threshold| finding.severity >= threshold))
        || (fail_on.is_some() && !errors.is_empty());
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
    let mut notices = loaded.all_notices();
    notices.extend(audit.notices);
    let report = Report {
        findings,
        errors,
        suppressed,
        files_scanned: loaded.files_scanned,
        resources_scanned: audit.model.resources.len(),
        notices,
        hidden,
        min_severity: view_severity,
        as_of: Some(as_of),
        profile: Some(profile),
    };
    super::scan::write_report(
        args.format,
        &report,
        &loaded.sources,
        args.color,
        args.output.as_deref(),
    )?;
    Ok(if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
