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

use super::config::selector_matches;
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
    /// Fail (exit 1) when a finding at or above this severity remains, or `none`.
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    fail_on: String,
    /// Report only findings at or above this severity [default: medium in text].
    #[arg(long, value_name = "SEVERITY")]
    min_severity: Option<String>,
    /// Rules to run: `security` or `well-architected`.
    #[arg(long, value_name = "PROFILE", default_value = "security")]
    rule_profile: String,
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
    let fail_on = super::scan::parse_threshold(&args.fail_on)?;
    let min_severity = match &args.min_severity {
        Some(text) => Some(text.parse::<Severity>().map_err(anyhow::Error::msg)?),
        None => None,
    };
    let view_severity = match (min_severity, args.format) {
        (Some(min), _) => Some(min),
        (None, Format::Text) => Some(Severity::Medium),
        (None, _) => None,
    };
    let profile = args
        .rule_profile
        .parse::<Profile>()
        .map_err(anyhow::Error::msg)?;
    let as_of = match &args.as_of {
        Some(text) => text
            .parse::<Date>()
            .map_err(|error| anyhow::anyhow!("--as-of: {error}"))?,
        None => Date::today(),
    };
    let metas = super::rules::all_metas();
    for selector in args.select.iter().chain(&args.ignore) {
        if !metas.iter().any(|meta| selector_matches(selector, meta)) {
            anyhow::bail!("`{selector}` matches no rule (see `warden rules`)");
        }
    }
    let enabled = |meta: &warden_rules::RuleMeta| {
        let chosen = if args.select.is_empty() {
            profile.includes(meta.profile)
        } else {
            args.select.iter().any(|s| selector_matches(s, meta))
        };
        chosen && !args.ignore.iter().any(|s| selector_matches(s, meta))
    };
    let check_options = warden_rules::CheckOptions { as_of };

    // The local template first: the live document joins its source map.
    let mut loaded = match &args.template {
        Some(path) => {
            anyhow::ensure!(
                path.exists(),
                "{}: no such file or directory",
                path.display()
            );
            load_paths(
                std::slice::from_ref(path),
                &LoadOptions::default(),
                &|_: &std::path::Path| false,
            )
        }
        None => warden_iac::Loaded::default(),
    };
    let stack_template = match (&args.stack, loaded.templates.as_slice()) {
        (Some(_), [template]) => Some(template),
        (Some(stack), []) => anyhow::bail!(
            "no template of stack `{stack}` in {}",
            args.template
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string())
        ),
        (Some(stack), _) => anyhow::bail!(
            "{} holds several templates: name the file of stack `{stack}`",
            args.template
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string())
        ),
        (None, _) => None,
    };
    let template_findings = stack_template
        .map(|template| warden_rules::check_template(template, &enabled, &check_options))
        .unwrap_or_default();

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
    let live = audit
        .model
        .load(&mut loaded.sources, args.stack.as_deref())?;
    let stack = match (&args.stack, stack_template) {
        (Some(stack), Some(template)) => Some(StackTemplate {
            stack,
            template,
            findings: &template_findings,
        }),
        _ => None,
    };
    let mut findings: Vec<Finding> = match &live {
        Some(live) => warden_rules::check_template(&live.template, &enabled, &check_options)
            .into_iter()
            .map(|finding| {
                mapping::locate(finding, &audit.model, live, stack.as_ref(), &loaded.sources)
            })
            .collect(),
        None => Vec::new(),
    };
    findings.retain(|finding| min_severity.is_none_or(|min| finding.severity >= min));
    let errors = std::mem::take(&mut loaded.errors);
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
        suppressed: 0,
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
