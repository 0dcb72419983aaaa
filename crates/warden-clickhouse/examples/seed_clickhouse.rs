//! Seeds a ClickHouse database with N synthetic invocations spread over the last 30 days,
//! through the store's own write path (the materialized views fill the rollups), for
//! `scripts/bench-serve.sh` with `BENCH_STORE` (`warden_server::demo::seed` says what they
//! are). Migrates the schema first.
//!
//! `seed_clickhouse clickhouse://USER@HOST:PORT/DATABASE INVOCATIONS [FUNCTIONS] [CLUSTER]`

use std::time::Instant;

use warden_clickhouse::{ClickHouseStore, ClickHouseUrl};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: seed_clickhouse clickhouse://USER@HOST:PORT/DATABASE INVOCATIONS [FUNCTIONS] [CLUSTER]";
    let url = ClickHouseUrl::parse(args.get(1).expect(usage)).expect(usage);
    let total: u64 = args.get(2).expect(usage).parse().expect(usage);
    let functions: u64 = args.get(3).map_or(20, |f| f.parse().expect(usage));
    let cluster = args.get(4).map(String::as_str);
    ClickHouseStore::connect(&url, cluster)
        .and_then(|store| store.migrate())
        .expect("migrate the schema");
    let store = ClickHouseStore::open(&url, cluster).expect("open the store");
    let started = Instant::now();
    let seeded =
        warden_server::demo::seed(&store, total, functions, warden_server::clock::now_ms())
            .expect("write");
    let seconds = started.elapsed().as_secs_f64();
    println!("seed: {} invocations ({} error occurrences, {} security events) over 30 days in {functions} functions in {seconds:.1}s ({:.0} invocations/s)", seeded.invocations, seeded.errors, seeded.security, seeded.invocations as f64 / seconds);
}
