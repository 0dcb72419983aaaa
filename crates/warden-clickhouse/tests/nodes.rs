//! Several `warden serve` processes on ClickHouse (Debian's 18.16, started on loopback
//! ports): `warden store migrate`, three nodes fed round-robin answer exactly as one node
//! fed the same requests, and a node SIGKILLed mid-ingest loses nothing it acknowledged;
//! on one server, and on a two-shard cluster (`--clickhouse-cluster`) against SQLite.

mod support;

use serde_json::Value;
use support::serve::{binary, http, serve, settled, warden, Node, INGEST};

/// `warden store migrate` with `args`, twice: migrating is idempotent.
fn migrate(args: &[&str]) {
    for _ in 0..2 {
        let output = warden(&[&["store", "migrate"], args].concat())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("is current"));
    }
}

/// The demo's traffic of 40 minutes up to `end` as NDJSON requests of 37 lines:
/// invocations are cut across requests, so across nodes.
fn requests(end: i64, seed: u64) -> Vec<Vec<u8>> {
    let events = warden_server::demo::generate(end, 40, 0.15, seed);
    let requests: Vec<Vec<u8>> = events
        .chunks(37)
        .map(|chunk| {
            chunk
                .iter()
                .map(|e| {
                    serde_json::json!({"timestamp": e.timestamp_ms, "message": e.message, "log_group": e.log_group, "log_stream": e.log_stream}).to_string() + "\n"
                })
                .collect::<String>()
                .into_bytes()
        })
        .collect();
    assert!(requests.len() > 40, "{}", requests.len());
    requests
}

/// Posts every request to the next live node in turn and, once a node acknowledged it, to
/// `one`. Halfway, the second node is SIGKILLed (holding the assembler lease or not:
/// either way nothing it acknowledged may be lost).
fn feed(one: &Node, nodes: &mut [Option<Node>], requests: &[Vec<u8>]) {
    let kill_at = requests.len() / 2;
    let mut next = 0;
    for (i, body) in requests.iter().enumerate() {
        if i == kill_at {
            let mut killed = nodes[1].take().unwrap();
            killed.child.kill().unwrap();
            killed.child.wait().unwrap();
        }
        let node = loop {
            next = (next + 1) % nodes.len();
            if let Some(node) = &nodes[next] {
                break node;
            }
        };
        let (status, answer) = http(&node.addr, "POST", "/ingest/lines", INGEST, body);
        assert_eq!(status, 200, "{answer}");
        let (status, answer) = http(&one.addr, "POST", "/ingest/lines", INGEST, body);
        assert_eq!(status, 200, "{answer}");
    }
}

/// Every node still running answers as `one`, once both have settled; returns the answers.
fn assert_same_answers(one: &Node, nodes: &[Option<Node>], from: &str) -> Value {
    let expected = settled(&one.addr, from);
    let functions = expected["functions"].as_array().unwrap();
    let invocations: u64 = functions
        .iter()
        .map(|f| f["invocations"].as_u64().unwrap())
        .sum();
    assert!(invocations > 50, "{expected}");
    assert!(
        !expected["declined"].as_array().unwrap().is_empty(),
        "{expected}"
    );
    for node in nodes.iter().flatten() {
        let got = settled(&node.addr, from);
        for (key, want) in expected.as_object().unwrap() {
            let have = &got[key];
            if have == want {
                continue;
            }
            // The first item that differs, whole, on each side.
            let (a, b) = match (want.as_array(), have.as_array()) {
                (Some(a), Some(b)) => {
                    let at = (0..a.len().max(b.len()))
                        .find(|&i| a.get(i) != b.get(i))
                        .unwrap_or(0);
                    (
                        format!(
                            "item {at} of {}: {}",
                            a.len(),
                            a.get(at).unwrap_or(&Value::Null)
                        ),
                        format!(
                            "item {at} of {}: {}",
                            b.len(),
                            b.get(at).unwrap_or(&Value::Null)
                        ),
                    )
                }
                _ => (want.to_string(), have.to_string()),
            };
            panic!(
                "node {} differs from the single node in `{key}`:\none:  {a}\nnode: {b}",
                node.addr
            );
        }
    }
    expected
}

#[test]
fn three_nodes_fed_round_robin_answer_as_one_and_a_killed_node_loses_nothing() {
    if !support::available() || binary().is_none() {
        return;
    }
    let clickhouse = support::ClickHouse::start();
    let single = format!(
        "clickhouse://default@127.0.0.1:{}/warden_one",
        clickhouse.http_port
    );
    let shared = format!(
        "clickhouse://default@127.0.0.1:{}/warden_three",
        clickhouse.http_port
    );
    for store in [&single, &shared] {
        migrate(&["--store", store]);
    }
    let dir = tempfile::tempdir().unwrap();
    let one = serve(&["--store", &single], &dir.path().join("one"));
    let mut nodes: Vec<Option<Node>> = (0..3)
        .map(|i| {
            Some(serve(
                &["--store", &shared],
                &dir.path().join(format!("node{i}")),
            ))
        })
        .collect();
    let now = warden_server::clock::now_ms();
    feed(&one, &mut nodes, &requests(now - 60_000, 5));
    assert_same_answers(&one, &nodes, &(now - 3 * 3_600_000).to_string());
}

/// The deployment: two ClickHouse shards (two 18.16 servers, a `remote_servers`
/// cluster, ZooKeeper for `ON CLUSTER`), the schema migrated from one node, three nodes
/// talking to different shard hosts; they answer exactly as one SQLite node, and the rows
/// are on both shards.
#[test]
fn three_nodes_on_a_two_shard_cluster_answer_as_one_sqlite_node() {
    if !support::cluster_available() || binary().is_none() {
        return;
    }
    let mut cluster = support::Cluster::start();
    let database = "warden_cluster";
    let url = |shard: usize| {
        format!(
            "clickhouse://default@127.0.0.1:{}/{database}",
            cluster.shards[shard].http_port
        )
    };
    let name = support::Cluster::NAME;

    // A cluster the servers do not define, and a database migrated on the cluster opened
    // as if it were one server's, are refused with what to do.
    let output = warden(&[
        "store",
        "migrate",
        "--store",
        &url(0),
        "--clickhouse-cluster",
        "nine",
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no cluster `nine` in its remote_servers"),
        "{stderr}"
    );
    migrate(&["--store", &url(0), "--clickhouse-cluster", name]);
    // Migrated through the first shard's server, the schema is on both.
    let tables: Vec<String> = cluster
        .shards
        .iter()
        .map(|shard| {
            shard.query(&format!(
                "SELECT name FROM system.tables WHERE database = '{database}' ORDER BY name"
            ))
        })
        .collect();
    assert_eq!(tables[0], tables[1]);
    for table in [
        "invocations",
        "invocations_local",
        "staged_local",
        "cluster_parts",
    ] {
        assert!(
            tables[1].lines().any(|t| t == table),
            "{table}: {}",
            tables[1]
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let output = warden(&[
        "serve",
        "--store",
        &url(1),
        "--data-dir",
        dir.path().join("refused").to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("migrated on a cluster: pass its name with --clickhouse-cluster"),
        "{stderr}"
    );

    let one = serve(&[], &dir.path().join("sqlite"));
    // The node `feed` kills talks to the first shard's server; the two left talk to one
    // shard's server each.
    let mut nodes: Vec<Option<Node>> = [0, 0, 1]
        .into_iter()
        .enumerate()
        .map(|(i, shard)| {
            Some(serve(
                &["--store", &url(shard), "--clickhouse-cluster", name],
                &dir.path().join(format!("node{i}")),
            ))
        })
        .collect();
    let now = warden_server::clock::now_ms();
    let from = (now - 3 * 3_600_000).to_string();
    feed(&one, &mut nodes, &requests(now - 60_000, 5));
    assert_same_answers(&one, &nodes, &from);

    for table in ["lines", "invocations", "rollups_minute", "open_streams"] {
        let rows = cluster.rows_per_shard(database, table);
        assert!(rows.iter().all(|&n| n > 0), "{table} per shard: {rows:?}");
    }

    // A shard down: nothing is acknowledged (whether a delivery was staged before cannot
    // be told), the senders retry once it is back, and nothing is stored twice.
    let live: Vec<&Node> = nodes.iter().flatten().collect();
    let more = requests(now - 45 * 60_000, 6);
    cluster.shards[1].kill();
    for (i, body) in more.iter().take(4).enumerate() {
        let node = live[i % live.len()];
        let (status, answer) = http(&node.addr, "POST", "/ingest/lines", INGEST, body);
        assert_eq!(status, 503, "with a shard down: {answer}");
    }
    cluster.shards[1].restart();
    for (i, body) in more.iter().enumerate() {
        let node = live[i % live.len()];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (status, answer) = http(&node.addr, "POST", "/ingest/lines", INGEST, body);
            if status == 200 {
                break;
            }
            assert_eq!(status, 503, "{answer}");
            assert!(
                std::time::Instant::now() < deadline,
                "still refused: {answer}"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let (status, answer) = http(&one.addr, "POST", "/ingest/lines", INGEST, body);
        assert_eq!(status, 200, "{answer}");
    }
    assert_same_answers(&one, &nodes, &from);
}
