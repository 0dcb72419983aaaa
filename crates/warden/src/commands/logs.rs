//! `warden logs`: Lambda log analytics over files, stdin, a growing file or CloudWatch Logs.
//!
//! `analyze` reads every input to the end and prints the per-function report; `tail`
//! follows one input and prints each invocation as it completes; `pull` reads log groups
//! from CloudWatch Logs (`warden_pull`) and prints the report `analyze` would. All are glue
//! over `warden_logs::Pipeline`.
//!
//! Exit codes: 0 done; 1 when `--fail-on` matched; 2 when an input could not be read, had
//! records that could not be decoded, or held log lines from which nothing (no invocation,
//! error, security event or metric) could be made (the report and the reasons are still
//! printed). 2 wins over 1.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use warden_logs::follow::{follow_file, follow_reader, FollowOptions};
use warden_logs::render::{invocation_line, write_report};
use warden_logs::{
    Architecture, AssemblerConfig, CostModel, Emitted, InputProblem, Pipeline, Report,
    SourceContext,
};

#[derive(Subcommand)]
pub enum LogsCommand {
    /// Turn raw Lambda logs into a per-function picture: invocations, failures, cold
    /// starts, duration percentiles, cost, error groups and security events.
    Analyze(AnalyzeArgs),
    /// Follow a growing log file (or stdin) and print each invocation as it completes,
    /// failures highlighted.
    Tail(TailArgs),
    /// Read Lambda logs from CloudWatch Logs (FilterLogEvents over a time window) and
    /// print the same report as `analyze`.
    Pull(PullArgs),
}

#[derive(Args)]
pub struct PullArgs {
    /// Read every log group whose name starts with this (DescribeLogGroups).
    #[arg(long, value_name = "PREFIX", required_unless_present = "log_group")]
    log_group_prefix: Option<String>,
    /// Read this log group (repeatable), as well as those the prefix finds.
    #[arg(long, value_name = "NAME")]
    log_group: Vec<String>,
    /// Start of the window: a duration before now (`90s`, `30m`, `1h`, `2d`).
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    since: String,
    /// End of the window: a duration before now [default: now].
    #[arg(long, value_name = "DURATION")]
    until: Option<String>,
    /// AWS region to read, and to price [default: the configured region].
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// AWS profile of the shared config files [default: the credential chain's].
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Role to assume before reading.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// External id for `--role-arn`.
    #[arg(long, value_name = "ID", requires = "role_arn")]
    external_id: Option<String>,
    /// One endpoint for every AWS service (a local AWS API); `AWS_ENDPOINT_URL` works too.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Requests per second, all calls together (CloudWatch Logs allows 5 FilterLogEvents
    /// per second per account and region by default).
    #[arg(long, value_name = "N", default_value_t = 5.0)]
    requests_per_second: f64,
    /// Stop after this many requests; what was not read is reported.
    #[arg(long, value_name = "N")]
    max_requests: Option<u64>,
    /// Events per FilterLogEvents page [default: the service's, 10,000].
    #[arg(long, value_name = "N", hide = true)]
    page_size: Option<i32>,

    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Exit with 1 when the logs show failed invocations, security events, or either.
    #[arg(long, value_enum, value_name = "WHAT")]
    fail_on: Option<FailOn>,

    /// Architecture for cost: x86_64 or arm64.
    #[arg(long, value_name = "ARCH", default_value = "x86_64")]
    arch: String,

    /// Do not scan log lines for security events.
    #[arg(long)]
    no_security: bool,

    /// When to color the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args)]
pub struct AnalyzeArgs {
    /// Log files: plain text (CloudWatch, `aws logs tail`, `sam logs`, console copies and
    /// Test output), CloudWatch CSV exports (Logs Insights, console download), Logs
    /// Insights get-query-results JSON, get-log-events / filter-log-events JSON (or one
    /// event object per line), subscription payloads, Firehose bodies, Telemetry API
    /// batches or NDJSON of those;
    /// detected by content, `.gz` accepted, `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Exit with 1 when the logs show failed invocations (incomplete ones included),
    /// security events, or either. Input errors exit with 2 whatever this says.
    #[arg(long, value_enum, value_name = "WHAT")]
    fail_on: Option<FailOn>,

    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args)]
pub struct TailArgs {
    /// The file to follow, or `-` for stdin.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// `text` (one line per invocation) or `ndjson` (one JSON object per invocation).
    #[arg(long, value_enum, default_value_t = TailFormat::Text)]
    format: TailFormat,

    /// Read the file from its beginning instead of only what is appended.
    #[arg(long)]
    from_start: bool,

    /// Stop after this many seconds without new data (default: follow until interrupted).
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<f64>,

    /// How often to look for new data, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 250)]
    poll_interval: u64,

    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args)]
struct CommonArgs {
    /// The function the logs belong to, when the input does not name it (plain text).
    #[arg(long, value_name = "NAME")]
    function: Option<String>,

    /// Architecture for cost: x86_64 or arm64.
    #[arg(long, value_name = "ARCH", default_value = "x86_64")]
    arch: String,

    /// AWS region for cost.
    #[arg(long, value_name = "REGION", default_value = "us-east-1")]
    region: String,

    /// Do not scan log lines for security events.
    #[arg(long)]
    no_security: bool,

    /// When to color the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Ndjson,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TailFormat {
    Text,
    Ndjson,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Failures,
    Security,
    Any,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn assembler_config(
    function: Option<String>,
    arch: &str,
    region: &str,
    no_security: bool,
) -> anyhow::Result<AssemblerConfig> {
    let Some(architecture) = Architecture::parse(arch) else {
        bail!("unknown architecture `{arch}` (expected x86_64 or arm64)");
    };
    let Some(cost) = CostModel::new(architecture, region) else {
        let known: Vec<&str> = CostModel::known_regions().collect();
        bail!(
            "no Lambda prices for region `{region}` (known: {})",
            known.join(", ")
        );
    };
    Ok(AssemblerConfig {
        default_function: function,
        cost,
        scan_security: !no_security,
        ..AssemblerConfig::default()
    })
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

impl CommonArgs {
    fn config(&self) -> anyhow::Result<AssemblerConfig> {
        assembler_config(
            self.function.clone(),
            &self.arch,
            &self.region,
            self.no_security,
        )
    }

    fn color(&self) -> bool {
        use_color(self.color)
    }
}

pub fn run(command: LogsCommand) -> anyhow::Result<ExitCode> {
    match command {
        LogsCommand::Analyze(args) => analyze(args),
        LogsCommand::Tail(args) => tail(args),
        LogsCommand::Pull(args) => pull(args),
    }
}

fn display_name(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

fn analyze(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let config = args.common.config()?;
    let color = args.common.color();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let streaming = args.format == Format::Ndjson;
    let mut pipeline = Pipeline::new(config).keep_emitted(streaming);
    let mut unreadable = 0u64;
    for path in &args.files {
        let context = SourceContext::named(display_name(path));
        let result = if path.as_os_str() == "-" {
            pipeline.read(io::stdin().lock(), &context)
        } else {
            match File::open(path) {
                Ok(file) => pipeline.read(file, &context),
                Err(error) => Err(error),
            }
        };
        if let Err(error) = result {
            if error.kind() == io::ErrorKind::BrokenPipe {
                return Err(error.into());
            }
            eprintln!("warden: error: {}: {error}", context.name);
            unreadable += 1;
        }
        if streaming {
            write_ndjson(&mut out, &pipeline.take_emitted())?;
        }
    }
    finish_report(
        pipeline,
        &mut out,
        args.format,
        color,
        args.fail_on,
        unreadable,
    )
}

/// Ends the input, prints the report in `format` and decides the exit code (`analyze` and
/// `pull` alike).
fn finish_report(
    mut pipeline: Pipeline,
    out: &mut impl Write,
    format: Format,
    color: bool,
    fail_on: Option<FailOn>,
    unreadable: u64,
) -> anyhow::Result<ExitCode> {
    pipeline.finish();
    if format == Format::Ndjson {
        write_ndjson(out, &pipeline.take_emitted())?;
    }
    report_problems(pipeline.problems(), pipeline.problem_count());
    let report = pipeline.report();
    for warning in &report.warnings {
        eprintln!("warden: warning: {warning}");
    }
    match format {
        Format::Text => write_report(&report, out, color)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
        }
        Format::Ndjson => {}
    }
    out.flush()?;
    // Lambda lines were read but nothing could be made of them: the input was not
    // understood, which is an input error, not an empty report.
    let t = &report.totals;
    let not_understood = u64::from(
        t.input.events > 0
            && t.invocations == 0
            && t.error_occurrences == 0
            && t.security_events == 0
            && report.metrics.is_empty(),
    );
    Ok(exit_code(
        &report,
        fail_on,
        unreadable + pipeline.problem_count() + not_understood,
    ))
}

/// `500ms`, `90s`, `30m`, `1h`, `2d` as milliseconds.
pub(crate) fn parse_ago(text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .with_context(|| format!("`{text}` is not a duration such as 30m, 1h or 2d"))?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => bail!("`{text}`: the unit must be ms, s, m, h or d"),
    };
    number
        .checked_mul(unit_ms)
        .with_context(|| format!("`{text}` is too long"))
}

fn pull(args: PullArgs) -> anyhow::Result<ExitCode> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the clock is before 1970")?
        .as_millis() as i64;
    let start_ms = now_ms - parse_ago(&args.since)?;
    let end_ms = match &args.until {
        Some(until) => now_ms - parse_ago(until)?,
        None => now_ms,
    };
    if start_ms >= end_ms {
        bail!("--since must be further back than --until");
    }
    let options = warden_pull::PullOptions {
        aws: warden_audit::AuditOptions {
            regions: args.region.iter().cloned().collect(),
            profile: args.profile.clone(),
            role_arn: args.role_arn.clone(),
            external_id: args.external_id.clone(),
            endpoint_url: args.endpoint_url.clone(),
            attempt_timeout: Some(Duration::from_secs(30)),
            ..warden_audit::AuditOptions::default()
        },
        log_group_prefix: args.log_group_prefix.clone(),
        log_groups: args.log_group.clone(),
        start_ms,
        end_ms,
        requests_per_second: args.requests_per_second,
        max_requests: args.max_requests,
        page_size: args.page_size,
        ..warden_pull::PullOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // Priced in the region read; a region without a price table is priced as us-east-1.
    let pricing_region = args.region.clone().unwrap_or_else(|| "us-east-1".into());
    let config = assembler_config(None, &args.arch, &pricing_region, args.no_security)
        .or_else(|_| assembler_config(None, &args.arch, "us-east-1", args.no_security))?;
    let streaming = args.format == Format::Ndjson;
    let mut pipeline = Pipeline::new(config).keep_emitted(streaming);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut write_error = None;
    let summary = runtime.block_on(warden_pull::pull(&options, &mut |event| {
        pipeline.push(event);
        if streaming && write_error.is_none() {
            if let Err(error) = write_ndjson(&mut out, &pipeline.take_emitted()) {
                write_error = Some(error);
            }
        }
    }))?;
    if let Some(error) = write_error {
        return Err(error);
    }
    for notice in &summary.notices {
        eprintln!("warden: notice: {notice}");
    }
    eprintln!(
        "warden: pulled {} events from {} log groups in {} ({} requests, {} throttled)",
        summary.events(),
        summary.groups.len(),
        summary.region,
        summary.calls,
        summary.throttled
    );
    if summary.groups.is_empty() {
        eprintln!("warden: warning: no log group matched");
    }
    finish_report(
        pipeline,
        &mut out,
        args.format,
        use_color(args.color),
        args.fail_on,
        0,
    )
}

/// One object per invocation; an amended invocation is printed again with the same `key`
/// and a higher `revision` (the last one counts).
fn write_ndjson(out: &mut impl Write, items: &[Emitted]) -> anyhow::Result<()> {
    for item in items {
        let invocation = match item {
            Emitted::Invocation(invocation) => &**invocation,
            Emitted::Amended(amendment) => &amendment.current,
            _ => continue,
        };
        serde_json::to_writer(&mut *out, invocation)?;
        writeln!(out)?;
    }
    Ok(())
}

fn report_problems(problems: &[InputProblem], total: u64) {
    for problem in problems {
        eprintln!("warden: warning: {problem}");
    }
    let shown = problems.len() as u64;
    if total > shown {
        eprintln!(
            "warden: warning: {} more input problems not shown",
            total - shown
        );
    }
}

fn exit_code(report: &Report, fail_on: Option<FailOn>, problems: u64) -> ExitCode {
    if problems > 0 {
        return ExitCode::from(2);
    }
    let failures = report.totals.failed_invocations > 0;
    let security = report.totals.security_events > 0;
    let failed = match fail_on {
        None => false,
        Some(FailOn::Failures) => failures,
        Some(FailOn::Security) => security,
        Some(FailOn::Any) => failures || security,
    };
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn tail(args: TailArgs) -> anyhow::Result<ExitCode> {
    let config = args.common.config()?;
    let color = args.common.color();
    let options = FollowOptions {
        poll_interval: Duration::from_millis(args.poll_interval.max(1)),
        idle_timeout: args.idle_timeout.map(Duration::from_secs_f64),
        from_start: args.from_start,
        ..FollowOptions::default()
    };
    let context = SourceContext::named(display_name(&args.file));
    let mut pipeline = Pipeline::new(config).keep_emitted(true);
    let stdout = io::stdout();
    let mut print = |items: &[Emitted]| -> io::Result<()> {
        let mut out = stdout.lock();
        for item in items {
            let (invocation, amended) = match item {
                Emitted::Invocation(invocation) => (&**invocation, false),
                Emitted::Amended(amendment) => (&amendment.current, true),
                _ => continue,
            };
            match args.format {
                TailFormat::Text if amended => {
                    writeln!(out, "{} (updated)", invocation_line(invocation, color))?
                }
                TailFormat::Text => writeln!(out, "{}", invocation_line(invocation, color))?,
                TailFormat::Ndjson => {
                    serde_json::to_writer(&mut out, invocation)?;
                    writeln!(out)?;
                }
            }
        }
        out.flush()
    };
    let never = || false;
    if args.file.as_os_str() == "-" {
        follow_reader(
            io::stdin(),
            &context,
            &options,
            &mut pipeline,
            &mut print,
            &never,
        )
    } else {
        follow_file(
            &args.file,
            &context,
            &options,
            &mut pipeline,
            &mut print,
            &never,
        )
    }
    .with_context(|| format!("following {}", context.name))?;
    report_problems(pipeline.problems(), pipeline.problem_count());
    Ok(if pipeline.problem_count() > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
