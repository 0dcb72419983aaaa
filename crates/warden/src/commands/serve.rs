//! `warden serve` and `warden demo`: glue over `warden_server`; with `--poll`, `warden_pull`'s
//! reader is the server's CloudWatch Logs source (the server itself knows no AWS SDK).
//!
//! Credentials come from the environment (`WARDEN_INGEST_KEYS`, `WARDEN_READ_TOKENS`,
//! `WARDEN_ADMIN_TOKENS`, comma-separated) or from `credentials.json` in the data
//! directory, which is created with fresh random tokens (mode 0600) on first start. They
//! never appear on the command line (visible in `ps`) or in the output.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde::{Deserialize, Serialize};
use warden_logs::{Architecture, AssemblerConfig, CostModel};
use warden_server::auth::{random_token, Credentials, Secret};
use warden_server::config::SmtpConfig;
use warden_server::poll::{
    LogSource, PageRequest, PollConfig, SourceCalls, SourceError, SourceErrorKind, SourceFuture,
    SourceGroup, SourcePage,
};
use warden_server::store::RetentionPolicy;
use warden_server::{ServerConfig, TlsConfig};

#[derive(Args)]
pub struct ServeArgs {
    /// Where the database and generated credentials live.
    #[arg(long, value_name = "DIR", default_value = "warden-data")]
    data_dir: PathBuf,

    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8686")]
    bind: SocketAddr,

    /// The store: `sqlite:///DIR` (the default: SQLite in --data-dir) or
    /// `clickhouse://user:password@host:8123/database`, which several nodes may share (run
    /// `warden store migrate` first). Credentials still come from --data-dir or the
    /// environment.
    #[arg(long, value_name = "URL")]
    store: Option<String>,

    /// The ClickHouse cluster the schema was migrated `ON CLUSTER` (reads and writes go
    /// through its `Distributed` tables).
    #[arg(long, value_name = "NAME", requires = "store")]
    clickhouse_cluster: Option<String>,

    /// Serve without any token. Only allowed on a loopback address.
    #[arg(long)]
    insecure_no_auth: bool,

    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Days of data kept.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    retention_days: u32,

    /// Database size above which the oldest raw lines are trimmed, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 20 * 1024)]
    retention_max_mib: u64,

    /// Seconds between alert evaluations.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    alert_interval: u64,

    /// Seconds (wall clock) after its last line at which an invocation still waiting for
    /// its REPORT is stored as incomplete; a late REPORT completes it. 1 to 900.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=900))]
    idle_timeout: u64,

    /// Largest request body accepted, in MiB (before decompression).
    #[arg(long, value_name = "MIB", default_value_t = 16)]
    max_body_mib: usize,

    /// Ingest requests served at once; more are answered 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    max_concurrent_ingest: u64,

    /// Memory all ingest requests together may hold while decoding and until committed,
    /// in MiB (an estimate: keep it well under the memory the server may use).
    #[arg(long, value_name = "MIB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(16..=65536))]
    ingest_memory_mib: u64,

    /// Ingest requests per second per key (burst: twice that).
    #[arg(long, value_name = "N", default_value_t = 500.0)]
    ingest_rate: f64,

    /// API requests per second per read/admin token or dashboard session (burst: twice
    /// that). The dashboard makes one request per page view, a few on a function's page.
    #[arg(long, value_name = "N", default_value_t = 100.0)]
    api_rate: f64,

    /// SMTP relay for email alerts (password in WARDEN_SMTP_PASSWORD).
    #[arg(long, value_name = "HOST")]
    smtp_host: Option<String>,
    #[arg(long, value_name = "PORT", default_value_t = 25)]
    smtp_port: u16,
    #[arg(long, value_name = "ADDRESS", default_value = "warden@localhost")]
    smtp_from: String,
    #[arg(long, value_name = "USER")]
    smtp_username: Option<String>,

    /// Region whose Lambda prices are used.
    #[arg(long, default_value = "us-east-1")]
    region: String,

    /// x86_64 or arm64.
    #[arg(long, default_value = "x86_64")]
    architecture: String,

    #[command(flatten)]
    poll: PollArgs,
}

/// `--poll`: read CloudWatch Logs (FilterLogEvents) instead of, or as well as, being sent
/// logs. Credentials come from the AWS credential chain, as for `warden audit`.
#[derive(Args)]
#[command(next_help_heading = "Polling CloudWatch Logs")]
pub struct PollArgs {
    /// Read Lambda logs from CloudWatch Logs continuously (needs --log-group-prefix or
    /// --log-group).
    #[arg(long, requires = "poll_groups")]
    poll: bool,
    /// Poll every log group whose name starts with this (DescribeLogGroups, listed again
    /// every --poll-discover-every so that new functions are read).
    #[arg(long, value_name = "PREFIX", requires = "poll", group = "poll_groups")]
    log_group_prefix: Option<String>,
    /// Poll this log group (repeatable).
    #[arg(long, value_name = "NAME", requires = "poll", group = "poll_groups")]
    log_group: Vec<String>,
    /// Time from the start of one sweep over the log groups to the start of the next.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    poll_interval: String,
    /// How far back each read re-reads, for events CloudWatch ingests late (de-duplicated
    /// by event id).
    #[arg(long, value_name = "DURATION", default_value = "2m")]
    poll_overlap: String,
    /// How far back a log group is read the first time it is polled.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    poll_lookback: String,
    /// How often the log groups are listed again.
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    poll_discover_every: String,
    /// Requests per second to CloudWatch Logs, all calls together (the account's default
    /// quota is 5 FilterLogEvents per second per region, shared with every other reader).
    #[arg(long, value_name = "N", default_value_t = 5.0)]
    poll_requests_per_second: f64,
    /// AWS region to poll [default: the configured region].
    #[arg(long, value_name = "REGION", requires = "poll")]
    poll_region: Option<String>,
    /// AWS profile of the shared config files [default: the credential chain's].
    #[arg(long, value_name = "NAME", requires = "poll")]
    profile: Option<String>,
    /// Role to assume before polling.
    #[arg(long, value_name = "ARN", requires = "poll")]
    role_arn: Option<String>,
    /// External id for `--role-arn`.
    #[arg(long, value_name = "ID", requires = "role_arn")]
    external_id: Option<String>,
    /// One endpoint for every AWS service (a local AWS API); `AWS_ENDPOINT_URL` works too.
    #[arg(long, value_name = "URL", requires = "poll")]
    endpoint_url: Option<String>,
    /// Events per FilterLogEvents page [default: the service's, 10,000].
    #[arg(long, value_name = "N", hide = true)]
    poll_page_size: Option<i32>,
}

/// `warden_pull`'s reader as the server's log source.
struct CloudWatchSource(warden_pull::Reader);

fn source_error(error: warden_pull::ReadError) -> SourceError {
    let kind = if error.is_not_found() {
        SourceErrorKind::NotFound
    } else if error.is_denied() {
        SourceErrorKind::Denied
    } else if error.is_throttled() {
        SourceErrorKind::Throttled
    } else {
        SourceErrorKind::Other
    };
    SourceError {
        kind,
        message: error.message(),
    }
}

impl LogSource for CloudWatchSource {
    fn log_groups<'a>(&'a mut self, prefix: &'a str) -> SourceFuture<'a, Vec<SourceGroup>> {
        Box::pin(async move {
            let groups = self.0.log_groups(prefix).await.map_err(source_error)?;
            Ok(groups
                .into_iter()
                .map(|group| SourceGroup { name: group.name })
                .collect())
        })
    }

    fn events<'a>(&'a mut self, request: PageRequest<'a>) -> SourceFuture<'a, SourcePage> {
        Box::pin(async move {
            let page = self
                .0
                .events_page(
                    request.log_group,
                    request.start_ms,
                    request.end_ms,
                    request.next_token,
                )
                .await
                .map_err(source_error)?;
            Ok(SourcePage {
                events: page.events,
                next_token: page.next_token,
            })
        })
    }

    fn calls(&self) -> SourceCalls {
        SourceCalls {
            calls: self.0.calls(),
            throttled: self.0.throttled(),
        }
    }
}

fn duration(flag: &str, text: &str) -> anyhow::Result<Duration> {
    let ms = super::logs::parse_ago(text).with_context(|| format!("--{flag}"))?;
    if ms <= 0 {
        bail!("--{flag} must be longer than zero");
    }
    Ok(Duration::from_millis(ms as u64))
}

/// The poller's settings and a connected reader, when `--poll` is given.
async fn poll_setup(args: PollArgs) -> anyhow::Result<Option<(PollConfig, Box<dyn LogSource>)>> {
    if !args.poll {
        return Ok(None);
    }
    let config = PollConfig {
        log_group_prefix: args.log_group_prefix,
        log_groups: args.log_group,
        interval: duration("poll-interval", &args.poll_interval)?,
        overlap: duration("poll-overlap", &args.poll_overlap)?,
        lookback: duration("poll-lookback", &args.poll_lookback)?,
        discover_every: duration("poll-discover-every", &args.poll_discover_every)?,
        ..PollConfig::default()
    };
    if !(args.poll_requests_per_second.is_finite() && args.poll_requests_per_second > 0.0) {
        bail!("--poll-requests-per-second must be a positive number");
    }
    let options = warden_pull::PullOptions {
        aws: warden_audit::AuditOptions {
            regions: args.poll_region.into_iter().collect(),
            profile: args.profile,
            role_arn: args.role_arn,
            external_id: args.external_id,
            endpoint_url: args.endpoint_url,
            attempt_timeout: Some(Duration::from_secs(30)),
            ..warden_audit::AuditOptions::default()
        },
        requests_per_second: args.poll_requests_per_second,
        page_size: args.poll_page_size,
        ..warden_pull::PullOptions::default()
    };
    let reader = warden_pull::Reader::connect(&options)
        .await
        .context("--poll: connecting to CloudWatch Logs")?;
    eprintln!(
        "warden serve: polling CloudWatch Logs in {} every {}",
        reader.region(),
        args.poll_interval
    );
    Ok(Some((config, Box::new(CloudWatchSource(reader)))))
}

#[derive(Args)]
pub struct DemoArgs {
    /// Address to listen on (loopback only: the demo has no tokens).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8686")]
    bind: SocketAddr,

    /// Keep the demo database here (default: a fresh temporary directory).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Hours of sample data.
    #[arg(long, value_name = "HOURS", default_value_t = 6)]
    hours: u32,

    /// Exit after loading the data instead of serving (for scripts and tests).
    #[arg(long, hide = true)]
    load_only: bool,
}

#[derive(Serialize, Deserialize)]
struct CredentialsFile {
    ingest_keys: Vec<String>,
    read_tokens: Vec<String>,
    admin_tokens: Vec<String>,
}

fn from_env(name: &str) -> Vec<Secret> {
    std::env::var(name)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Secret::new)
        .collect()
}

/// Environment first; else `credentials.json`, created on first start.
fn credentials(data_dir: &Path) -> anyhow::Result<Credentials> {
    let env = Credentials {
        ingest_keys: from_env("WARDEN_INGEST_KEYS"),
        read_tokens: from_env("WARDEN_READ_TOKENS"),
        admin_tokens: from_env("WARDEN_ADMIN_TOKENS"),
    };
    if !env.ingest_keys.is_empty() || !env.read_tokens.is_empty() || !env.admin_tokens.is_empty() {
        return Ok(env);
    }
    let path = data_dir.join("credentials.json");
    if !path.exists() {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let file = CredentialsFile {
            ingest_keys: vec![random_token()],
            read_tokens: vec![random_token()],
            admin_tokens: vec![random_token()],
        };
        write_private(&path, &serde_json::to_vec_pretty(&file)?)?;
        eprintln!(
            "warden serve: generated credentials in {} (ingest key, read token, admin token)",
            path.display()
        );
    }
    let file: CredentialsFile = serde_json::from_slice(
        &std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
    )
    .with_context(|| format!("parsing {}", path.display()))?;
    let secrets = |list: Vec<String>| {
        list.into_iter()
            .filter(|t| t.len() >= 16)
            .map(Secret::new)
            .collect::<Vec<_>>()
    };
    let credentials = Credentials {
        ingest_keys: secrets(file.ingest_keys),
        read_tokens: secrets(file.read_tokens),
        admin_tokens: secrets(file.admin_tokens),
    };
    if credentials.ingest_keys.is_empty()
        && credentials.read_tokens.is_empty()
        && credentials.admin_tokens.is_empty()
    {
        bail!(
            "{} holds no token of at least 16 characters",
            path.display()
        );
    }
    Ok(credentials)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("creating {}", path.display()))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let architecture = Architecture::parse(&args.architecture)
        .with_context(|| format!("unknown architecture `{}`", args.architecture))?;
    let cost = CostModel::new(architecture, &args.region)
        .with_context(|| format!("no Lambda prices for region `{}`", args.region))?;
    if args.insecure_no_auth && !args.bind.ip().is_loopback() {
        bail!("--insecure-no-auth only binds to a loopback address such as 127.0.0.1");
    }
    let (data_dir, store) = match args.store.as_deref().map(super::store::StoreUrl::parse) {
        None => (args.data_dir, None),
        Some(Ok(super::store::StoreUrl::Sqlite(dir))) => (dir, None),
        Some(Ok(super::store::StoreUrl::ClickHouse(url))) => {
            let store = super::store::open_clickhouse(&url, args.clickhouse_cluster.as_deref())?;
            (args.data_dir, Some(warden_server::ExternalStore(store)))
        }
        Some(Err(error)) => return Err(error),
    };
    let credentials = if args.insecure_no_auth {
        Credentials::default()
    } else {
        credentials(&data_dir)?
    };
    let smtp = args.smtp_host.map(|host| SmtpConfig {
        host,
        port: args.smtp_port,
        from: args.smtp_from,
        username: args.smtp_username,
        password: std::env::var("WARDEN_SMTP_PASSWORD").ok(),
    });
    if let Some(smtp) = &smtp {
        warden_server::alert_rules::check_email(&smtp.from)
            .map_err(anyhow::Error::msg)
            .context("--smtp-from")?;
    }
    let poll_args = args.poll;
    let defaults = ServerConfig::default();
    let config = ServerConfig {
        data_dir: Some(data_dir),
        store,
        credentials,
        insecure_no_auth: args.insecure_no_auth,
        tls: args
            .tls_cert
            .zip(args.tls_key)
            .map(|(cert_pem, key_pem)| TlsConfig { cert_pem, key_pem }),
        limits: warden_server::Limits {
            max_body_bytes: args.max_body_mib << 20,
            max_concurrent_ingest: args.max_concurrent_ingest as usize,
            ingest_memory_bytes: args.ingest_memory_mib << 20,
            ..defaults.limits
        },
        ingest_rate: warden_server::auth::RateLimit {
            per_second: args.ingest_rate,
            burst: args.ingest_rate * 2.0,
        },
        api_rate: warden_server::auth::RateLimit {
            per_second: args.api_rate,
            burst: args.api_rate * 2.0,
        },
        retention: RetentionPolicy {
            days: args.retention_days,
            max_bytes: args.retention_max_mib << 20,
        },
        idle_timeout: Duration::from_secs(args.idle_timeout),
        alert_interval: Duration::from_secs(args.alert_interval.max(1)),
        smtp,
        assembler: AssemblerConfig {
            cost,
            scan_security: true,
            ..AssemblerConfig::default()
        },
        ..defaults
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("binding {}", args.bind))?;
        let poll = poll_setup(poll_args).await?;
        let server = warden_server::start_polling(config, listener, poll)
            .await
            .context("starting the server")?;
        println!("warden serve: listening on {scheme}://{}", server.addr);
        wait_for_shutdown().await;
        server.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    if !args.bind.ip().is_loopback() {
        bail!("the demo has no tokens and only binds to a loopback address such as 127.0.0.1");
    }
    let (data_dir, _temporary) = match args.data_dir {
        Some(dir) => (dir, None),
        None => {
            let dir = std::env::temp_dir().join(format!("warden-demo-{}", std::process::id()));
            (dir.clone(), Some(TempDir(dir)))
        }
    };
    let config = ServerConfig {
        data_dir: Some(data_dir),
        insecure_no_auth: true,
        assembler: AssemblerConfig {
            scan_security: true,
            ..AssemblerConfig::default()
        },
        ..ServerConfig::default()
    };
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("binding {}", args.bind))?;
        let server = warden_server::start(config, listener)
            .await
            .context("starting the server")?;
        let now = warden_server::clock::now_ms();
        let events =
            warden_server::demo::generate(now, i64::from(args.hours) * 60, 1.0, now as u64);
        let total = events.len();
        for chunk in events.chunks(5_000) {
            server
                .state
                .ingest
                .submit(chunk.to_vec(), None)
                .await
                .map_err(|e| anyhow::anyhow!("loading demo data: {e:?}"))?;
        }
        let store = server.state.store.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            if store.alert_rules()?.is_empty() {
                let spec: warden_server::alert_rules::AlertRuleSpec =
                    serde_json::from_value(serde_json::json!({
                        "name": "checkout-api failure rate above 1 %",
                        "condition": { "kind": "failure_rate" },
                        "functions": "checkout-*",
                        "window_seconds": 3600,
                        "threshold": 0.01
                    }))?;
                store.create_alert_rule(&spec, warden_server::clock::now_ms())?;
            }
            Ok(())
        })
        .await??;
        println!(
            "warden demo: loaded {total} log lines from {} functions",
            warden_server::demo::function_names().len()
        );
        println!(
            "warden demo: dashboard at http://{}/ (no token: loopback only)",
            server.addr
        );
        if !args.load_only {
            wait_for_shutdown().await;
        }
        server.stop().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Removes the demo's temporary data directory on exit.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
