//! A real ClickHouse server for tests: Debian's `clickhouse-server` started on free
//! loopback ports in a temporary directory, one fresh database per test.
//!
//! Without the server the tests skip (with a note), except under `CI=true`, where they fail:
//! `.ci/run` installs it.

#![allow(dead_code)]

pub mod serve;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use warden_clickhouse::{ClickHouseStore, ClickHouseUrl};

pub const SERVER: &str = "clickhouse-server";

/// Whether tests can run; panics under CI when the server is missing.
pub fn available() -> bool {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(SERVER).is_file()))
        .unwrap_or(false)
        || Path::new("/usr/sbin/clickhouse-server").is_file();
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{SERVER} is missing under CI=true: .ci/run installs it (apt-get install clickhouse-server)");
        }
        eprintln!("skipped: {SERVER} is not installed");
    }
    found
}

/// A Python with `chdb` (a current ClickHouse, in-process): `WARDEN_CHDB_PYTHON`, else the
/// workspace's `.venv-moto`, where `.ci/run` installs it. `None` (a note) when missing,
/// a panic under `CI=true`.
pub fn chdb_python() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = std::env::var_os("WARDEN_CHDB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join(".venv-moto/bin/python"));
    let works = Command::new(&python)
        .args(["-c", "import chdb"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if works {
        return Some(python);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "no Python with chdb at {} under CI=true: .ci/run installs it into .venv-moto",
            python.display()
        );
    }
    eprintln!(
        "skipped the chdb check: no Python with chdb at {}",
        python.display()
    );
    None
}

fn server_binary() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(SERVER))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/clickhouse-server"))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One ClickHouse server process.
pub struct ClickHouse {
    pub dir: tempfile::TempDir,
    pub http_port: u16,
    pub tcp_port: u16,
    child: Option<Child>,
    /// Extra `<yandex>` config (remote_servers for a cluster).
    extra: String,
}

impl ClickHouse {
    pub fn start() -> ClickHouse {
        Self::start_with(free_port(), free_port(), String::new())
    }

    pub fn start_with(http_port: u16, tcp_port: u16, extra: String) -> ClickHouse {
        let dir = tempfile::tempdir().unwrap();
        let mut server = ClickHouse {
            dir,
            http_port,
            tcp_port,
            child: None,
            extra,
        };
        server.write_config();
        server.launch();
        server
    }

    fn write_config(&self) {
        let root = self.dir.path();
        std::fs::write(
            root.join("config.xml"),
            format!(
                r#"<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{root}/server.log</log><errorlog>{root}/error.log</errorlog></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{root}/data/</path>
  <tmp_path>{root}/tmp/</tmp_path>
  <users_config>{root}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <uncompressed_cache_size>8388608</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  {extra}
</yandex>
"#,
                root = root.display(),
                http = self.http_port,
                tcp = self.tcp_port,
                extra = self.extra,
            ),
        )
        .unwrap();
        std::fs::write(
            root.join("users.xml"),
            r#"<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"#,
        )
        .unwrap();
    }

    fn launch(&mut self) {
        let child = Command::new(server_binary())
            .arg(format!(
                "--config-file={}/config.xml",
                self.dir.path().display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting clickhouse-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.ping() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default();
        panic!(
            "clickhouse-server did not answer on port {}: {log}",
            self.http_port
        );
    }

    pub fn ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.http_port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.write_all(b"GET /ping HTTP/1.0\r\n\r\n");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.ends_with("Ok.\n")
    }

    /// SIGKILL, then wait until the port is free.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same ports and data.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// A fresh database's URL.
    pub fn url(&self) -> ClickHouseUrl {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        ClickHouseUrl::parse(&format!(
            "clickhouse://default@127.0.0.1:{}/warden_{}_{n}",
            self.http_port,
            std::process::id()
        ))
        .unwrap()
    }

    /// A migrated store in a fresh database.
    pub fn store(&self) -> ClickHouseStore {
        let url = self.url();
        let store = ClickHouseStore::connect(&url, None).unwrap();
        store.migrate().unwrap();
        ClickHouseStore::open(&url, None).unwrap()
    }

    /// Runs SQL and returns its text answer.
    pub fn query(&self, sql: &str) -> String {
        let http = warden_clickhouse::http::Http::new(
            ClickHouseUrl::parse(&format!(
                "clickhouse://127.0.0.1:{}/default",
                self.http_port
            ))
            .unwrap(),
        )
        .unwrap();
        http.text(sql).unwrap()
    }
}

/// Debian's `zookeeper` package: its jar (with its dependencies on the manifest's class
/// path) and a `java` to run it. `WARDEN_ZOOKEEPER_JAR` overrides the jar.
fn zookeeper_jar() -> PathBuf {
    std::env::var_os("WARDEN_ZOOKEEPER_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/java/zookeeper.jar"))
}

fn java_works() -> bool {
    Command::new("java")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Whether a two-shard cluster can start: clickhouse-server, and ZooKeeper for the
/// distributed DDL (`ON CLUSTER`) of 18.16. Panics under CI when something is missing.
pub fn cluster_available() -> bool {
    if !available() {
        return false;
    }
    let jar = zookeeper_jar();
    let missing = if !jar.is_file() {
        Some(format!("no ZooKeeper jar at {}", jar.display()))
    } else if !java_works() {
        Some("no `java` to run ZooKeeper".to_owned())
    } else {
        None
    };
    match missing {
        None => true,
        Some(what) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{what} under CI=true: .ci/run installs it (apt-get install zookeeper)")
        }
        Some(what) => {
            eprintln!("skipped: {what} (apt-get install zookeeper)");
            false
        }
    }
}

/// A standalone ZooKeeper on a free loopback port, its data in a temporary directory.
pub struct ZooKeeper {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl ZooKeeper {
    pub fn start() -> ZooKeeper {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("zoo.cfg");
        std::fs::write(
            &config,
            format!(
                "tickTime=500\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=srvr\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("zookeeper.log")).unwrap();
        let child = Command::new("java")
            .args(["-Xmx256m", "-cp"])
            .arg(zookeeper_jar())
            .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting ZooKeeper");
        let zookeeper = ZooKeeper { dir, port, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !zookeeper.ok() {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(zookeeper.dir.path().join("zookeeper.log"))
                    .unwrap_or_default();
                panic!("ZooKeeper did not answer on port {port}: {log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        zookeeper
    }

    /// ZooKeeper's `srvr` names its mode once it serves sessions. (`ruok` answers `imok`
    /// earlier, while sessions are still refused; a 18.16 server whose first ZooKeeper
    /// session fails crashes on its first `ON CLUSTER` statement.)
    fn ok(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.write_all(b"srvr");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.contains("Mode: standalone")
    }
}

impl Drop for ZooKeeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two clickhouse-server processes as the two shards (one replica each) of the cluster
/// [`Cluster::NAME`], with a ZooKeeper for their distributed DDL.
pub struct Cluster {
    /// Dropped after the servers (fields drop in order).
    pub shards: Vec<ClickHouse>,
    pub zookeeper: ZooKeeper,
}

impl Cluster {
    pub const NAME: &'static str = "two";

    pub fn start() -> Cluster {
        let zookeeper = ZooKeeper::start();
        let ports: Vec<(u16, u16)> = (0..2).map(|_| (free_port(), free_port())).collect();
        let shards: String = ports
            .iter()
            .map(|(_, tcp)| {
                format!(
                    "<shard><replica><host>127.0.0.1</host><port>{tcp}</port></replica></shard>"
                )
            })
            .collect();
        let extra = format!(
            "<zookeeper><node><host>127.0.0.1</host><port>{zk}</port></node></zookeeper>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <remote_servers><{name}>{shards}</{name}></remote_servers>",
            zk = zookeeper.port,
            name = Self::NAME,
        );
        let shards = ports
            .into_iter()
            .map(|(http, tcp)| ClickHouse::start_with(http, tcp, extra.clone()))
            .collect();
        Cluster { shards, zookeeper }
    }

    /// The same database through shard `shard`'s host.
    pub fn url(&self, shard: usize, database: &str) -> ClickHouseUrl {
        ClickHouseUrl::parse(&format!(
            "clickhouse://default@127.0.0.1:{}/{database}",
            self.shards[shard].http_port
        ))
        .unwrap()
    }

    /// A store migrated `ON CLUSTER` in a fresh database, opened through the first shard.
    pub fn store(&self) -> ClickHouseStore {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let database = format!(
            "warden_cluster_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let url = self.url(0, &database);
        let store = ClickHouseStore::connect(&url, Some(Self::NAME)).unwrap();
        store.migrate().unwrap();
        ClickHouseStore::open(&url, Some(Self::NAME)).unwrap()
    }

    /// Rows in `table`'s shard-local table on each shard.
    pub fn rows_per_shard(&self, database: &str, table: &str) -> Vec<u64> {
        self.shards
            .iter()
            .map(|shard| {
                shard
                    .query(&format!("SELECT count() FROM {database}.{table}_local"))
                    .trim()
                    .parse()
                    .unwrap()
            })
            .collect()
    }
}

/// Waits until every staged event is assembled, then for two more assembler rounds (idle
/// streams close in a round after the events).
pub async fn wait_until_assembled(store: std::sync::Arc<ClickHouseStore>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let probe = store.clone();
        let left = tokio::task::spawn_blocking(move || probe.unassembled())
            .await
            .unwrap()
            .unwrap();
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{left} staged events still not assembled"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        self.kill();
    }
}
