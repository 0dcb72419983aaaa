//! `warden store`: schema work on a `--store` URL, and the URL parsing `warden serve`
//! shares.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use warden_clickhouse::schema::{Features, Layout};
use warden_clickhouse::{ClickHouseStore, ClickHouseUrl};

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Create or upgrade the schema of a store (ClickHouse; SQLite migrates on start).
    Migrate(MigrateArgs),
    /// Print the DDL `migrate` runs, for a server version, without connecting.
    #[command(hide = true)]
    PrintSql(PrintSqlArgs),
}

#[derive(Args)]
pub struct MigrateArgs {
    /// `clickhouse://user:password@host:8123/database` or `sqlite:///path/to/dir`.
    #[arg(long, value_name = "URL")]
    store: String,
    /// Create the tables `ON CLUSTER` this cluster, behind `Distributed` tables.
    #[arg(long, value_name = "NAME")]
    clickhouse_cluster: Option<String>,
}

#[derive(Args)]
pub struct PrintSqlArgs {
    /// The ClickHouse version to generate for (`18.16.1`, `24.8`).
    #[arg(long, default_value = "18.16.1")]
    server_version: String,
    #[arg(long, default_value = "warden")]
    database: String,
    #[arg(long, value_name = "NAME")]
    clickhouse_cluster: Option<String>,
}

/// Where `--store` points.
pub enum StoreUrl {
    Sqlite(PathBuf),
    ClickHouse(ClickHouseUrl),
}

impl StoreUrl {
    pub fn parse(text: &str) -> anyhow::Result<StoreUrl> {
        if let Some(path) = text.strip_prefix("sqlite://") {
            if path.is_empty() {
                bail!("--store {text:?}: no directory after sqlite://");
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("clickhouse://") || text.starts_with("clickhouses://") {
            return Ok(StoreUrl::ClickHouse(
                ClickHouseUrl::parse(text).map_err(|e| anyhow::anyhow!("--store {e}"))?,
            ));
        }
        bail!("--store {text:?}: expected sqlite:///DIR or clickhouse://user:password@host:8123/database")
    }
}

/// Opens a ClickHouse store for `warden serve` (the schema must be migrated).
pub fn open_clickhouse(
    url: &ClickHouseUrl,
    cluster: Option<&str>,
) -> anyhow::Result<Arc<dyn warden_server::store::Store>> {
    let store = ClickHouseStore::open(url, cluster)
        .with_context(|| format!("opening the ClickHouse store at {}", url.endpoint))?;
    Ok(Arc::new(store))
}

pub fn run(command: StoreCommand) -> anyhow::Result<ExitCode> {
    match command {
        StoreCommand::Migrate(args) => match StoreUrl::parse(&args.store)? {
            StoreUrl::Sqlite(dir) => {
                warden_server::store::sqlite::SqliteStore::open(&dir)
                    .with_context(|| format!("migrating {}", dir.display()))?;
                println!("warden store: SQLite store in {} is current", dir.display());
                Ok(ExitCode::SUCCESS)
            }
            StoreUrl::ClickHouse(url) => {
                let store = ClickHouseStore::connect(&url, args.clickhouse_cluster.as_deref())
                    .with_context(|| format!("connecting to {}", url.endpoint))?;
                let statements = store.migrate().context("migrating the ClickHouse schema")?;
                println!(
                    "warden store: ClickHouse database `{}` is current ({} statements{})",
                    url.database,
                    statements.len(),
                    if store.layout().features.modern {
                        ", with codecs and LowCardinality"
                    } else {
                        ""
                    }
                );
                Ok(ExitCode::SUCCESS)
            }
        },
        StoreCommand::PrintSql(args) => {
            let layout = Layout {
                database: args.database,
                cluster: args.clickhouse_cluster,
                features: Features::of_version(&args.server_version),
            };
            for statement in layout.statements() {
                println!("{statement};");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
