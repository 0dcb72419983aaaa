//! Seeds a data directory with N synthetic invocations spread over the last 30 days, through
//! the store's own write path (rollups included), for the API latency benchmark
//! (`warden_server::demo::seed` says what they are).
//!
//! `seed DATA_DIR INVOCATIONS [FUNCTIONS]`

use std::time::Instant;

use warden_server::store::sqlite::SqliteStore;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: seed DATA_DIR INVOCATIONS [FUNCTIONS]";
    let dir = std::path::PathBuf::from(args.get(1).expect(usage));
    let total: u64 = args.get(2).expect(usage).parse().expect(usage);
    let functions: u64 = args.get(3).map_or(20, |f| f.parse().expect(usage));
    let store = SqliteStore::open(&dir).expect("open the store");
    let started = Instant::now();
    let seeded =
        warden_server::demo::seed(&store, total, functions, warden_server::clock::now_ms())
            .expect("write");
    let seconds = started.elapsed().as_secs_f64();
    println!("seed: {} invocations ({} error occurrences, {} security events) over 30 days in {functions} functions in {seconds:.1}s ({:.0} invocations/s)", seeded.invocations, seeded.errors, seeded.security, seeded.invocations as f64 / seconds);
}
