//! Load generator for `scripts/bench-serve.sh`, run as a second process.
//!
//! `loadgen ingest URL KEY LINES [CONCURRENCY] [BATCH]`: pre-builds gzip Firehose bodies
//! of demo log lines, then posts them concurrently and prints lines/s.
//! `loadgen api URL TOKEN REQUESTS`: times the functions and series endpoints and prints
//! p50/p99 latencies.

use std::time::{Duration, Instant};

use warden_server::demo;

fn arg<T: std::str::FromStr>(args: &[String], index: usize, default: Option<T>) -> T {
    match args.get(index) {
        Some(value) => value.parse().unwrap_or_else(|_| panic!("argument {index}: cannot parse `{value}`")),
        None => default.unwrap_or_else(|| panic!("usage: loadgen ingest URL KEY LINES [CONCURRENCY] [BATCH] | loadgen api URL TOKEN REQUESTS")),
    }
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode: String = arg(&args, 1, None);
    let url: String = arg(&args, 2, None);
    let secret: String = arg(&args, 3, None);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    match mode.as_str() {
        "ingest" => {
            let lines: usize = arg(&args, 4, None);
            let concurrency: usize = arg(&args, 5, Some(4));
            let batch: usize = arg(&args, 6, Some(5_000));
            // Demo data, regenerated with other seeds and earlier hours until there is enough.
            let build = Instant::now();
            let mut bodies = Vec::new();
            let mut total = 0;
            let mut hour = 0i64;
            let end = warden_server::clock::now_ms();
            while total < lines {
                let events = demo::generate(end - hour * 3_600_000, 60, 4.0, 1 + hour as u64);
                for chunk in events.chunks(batch) {
                    if total >= lines {
                        break;
                    }
                    let chunk = &chunk[..chunk.len().min(lines - total)];
                    total += chunk.len();
                    let id = format!("bench-{}", bodies.len());
                    bodies.push((
                        id.clone(),
                        demo::gzip(&demo::firehose_body(&id, end, chunk)),
                        chunk.len(),
                    ));
                }
                hour += 1;
            }
            let compressed: usize = bodies.iter().map(|b| b.1.len()).sum();
            eprintln!(
                "loadgen: built {} requests ({total} lines, {:.1} MB gzip) in {:.1}s",
                bodies.len(),
                compressed as f64 / 1e6,
                build.elapsed().as_secs_f64()
            );
            let queue = std::sync::Arc::new(std::sync::Mutex::new(bodies.into_iter()));
            let started = Instant::now();
            let mut workers = Vec::new();
            for _ in 0..concurrency {
                let (queue, client, url, key) =
                    (queue.clone(), client.clone(), url.clone(), secret.clone());
                workers.push(tokio::spawn(async move {
                    let (mut sent, mut failed) = (0usize, 0usize);
                    loop {
                        let next = queue.lock().unwrap().next();
                        let Some((id, body, count)) = next else { break };
                        let response = client
                            .post(format!("{url}/ingest/firehose"))
                            .header("X-Amz-Firehose-Access-Key", &key)
                            .header("X-Amz-Firehose-Request-Id", &id)
                            .header("Content-Encoding", "gzip")
                            .header("Content-Type", "application/json")
                            .body(body)
                            .send()
                            .await;
                        match response {
                            Ok(r) if r.status() == 200 => sent += count,
                            _ => failed += 1,
                        }
                    }
                    (sent, failed)
                }));
            }
            let (mut sent, mut failed) = (0, 0);
            for worker in workers {
                let (s, f) = worker.await.unwrap();
                sent += s;
                failed += f;
            }
            let seconds = started.elapsed().as_secs_f64();
            println!("ingest: {sent} lines in {seconds:.2}s = {:.0} lines/s through /ingest/firehose ({concurrency} connections, {batch} lines/request, {failed} failed requests)", sent as f64 / seconds);
        }
        "api" => {
            let requests: usize = arg(&args, 4, None);
            let get = |path: String| {
                let (client, url, token) = (client.clone(), url.clone(), secret.clone());
                async move {
                    let started = Instant::now();
                    let response = client
                        .get(format!("{url}{path}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 200, "{path}");
                    let body: serde_json::Value =
                        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
                    (started.elapsed(), body)
                }
            };
            let (_, first) = get(format!(
                "/api/v1/functions?from={}",
                warden_server::clock::now_ms() - 30 * 86_400_000
            ))
            .await;
            let names: Vec<String> = first["functions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["function"].as_str().unwrap().to_owned())
                .collect();
            let invocations: u64 = first["functions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["invocations"].as_u64().unwrap())
                .sum();
            let now = warden_server::clock::now_ms();
            for (label, window_ms) in [("24 h", 86_400_000i64), ("7 d", 7 * 86_400_000)] {
                let mut functions = Vec::new();
                let mut series = Vec::new();
                for n in 0..requests {
                    functions.push(
                        get(format!(
                            "/api/v1/functions?from={}&to={now}",
                            now - window_ms
                        ))
                        .await
                        .0,
                    );
                    let name = &names[n % names.len().max(1)];
                    series.push(
                        get(format!(
                            "/api/v1/functions/{name}/series?from={}&to={now}",
                            now - window_ms
                        ))
                        .await
                        .0,
                    );
                }
                functions.sort();
                series.sort();
                println!(
                    "api ({label} window, {invocations} invocations stored, {requests} requests each): functions p50 {:.1} ms p99 {:.1} ms; series p50 {:.1} ms p99 {:.1} ms",
                    percentile(&functions, 0.5),
                    percentile(&functions, 0.99),
                    percentile(&series, 0.5),
                    percentile(&series, 0.99)
                );
            }
        }
        other => panic!("unknown mode `{other}`"),
    }
}
