//! `warden logs`: Lambda log analytics over files, stdin or a growing file.
//!
//! `analyze` reads every input to the end and prints the per-function report; `tail`
//! follows one input and prints each invocation as it completes. Both are glue over
//! `warden_logs::Pipeline`.
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

impl CommonArgs {
    fn config(&self) -> anyhow::Result<AssemblerConfig> {
        let Some(architecture) = Architecture::parse(&self.arch) else {
            bail!(
                "unknown architecture `{}` (expected x86_64 or arm64)",
                self.arch
            );
        };
        let Some(cost) = CostModel::new(architecture, &self.region) else {
            let known: Vec<&str> = CostModel::known_regions().collect();
            bail!(
                "no Lambda prices for region `{}` (known: {})",
                self.region,
                known.join(", ")
            );
        };
        Ok(AssemblerConfig {
            default_function: self.function.clone(),
            cost,
            scan_security: !self.no_security,
            ..AssemblerConfig::default()
        })
    }

    fn color(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

pub fn run(command: LogsCommand) -> anyhow::Result<ExitCode> {
    match command {
        LogsCommand::Analyze(args) => analyze(args),
        LogsCommand::Tail(args) => tail(args),
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
    pipeline.finish();
    if streaming {
        write_ndjson(&mut out, &pipeline.take_emitted())?;
    }
    report_problems(pipeline.problems(), pipeline.problem_count());
    let report = pipeline.report();
    for warning in &report.warnings {
        eprintln!("warden: warning: {warning}");
    }
    match args.format {
        Format::Text => write_report(&report, &mut out, color)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
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
        args.fail_on,
        unreadable + pipeline.problem_count() + not_understood,
    ))
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
