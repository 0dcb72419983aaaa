//! Load generator for `scripts/bench-serve.sh`, run as a second process.
//!
//! `loadgen ingest URL KEY LINES [CONCURRENCY] [BATCH] [STOP_FILE]`: pre-builds gzip
//! Firehose bodies of demo log lines (LINES of them), then posts them concurrently and
//! prints lines/s. URL may list several nodes, comma-separated: connection i posts to node
//! i modulo their number. With STOP_FILE it does not stop there: a producer thread keeps building
//! bodies of earlier hours and the posting goes on until STOP_FILE exists, so that
//! whatever is measured meanwhile is measured while ingest runs.
//! `loadgen api URL TOKEN REQUESTS`: times the functions, overview, series, error-group and
//! security-group endpoints over 24 h, 7 d and 30 d windows and prints p50/p99 latencies.
//! `loadgen search URL TOKEN REQUESTS`: times full-text line searches (30 d window).

use std::time::{Duration, Instant};

use warden_server::demo;

fn arg<T: std::str::FromStr>(args: &[String], index: usize, default: Option<T>) -> T {
    match args.get(index) {
        Some(value) => value.parse().unwrap_or_else(|_| panic!("argument {index}: cannot parse `{value}`")),
        None => default.unwrap_or_else(|| panic!("usage: loadgen ingest URL KEY LINES [CONCURRENCY] [BATCH] | loadgen api|search URL TOKEN REQUESTS")),
    }
}

/// GETs `path`, waiting out 429s (their `Retry-After`) instead of failing: the time of the
/// answered request is what is measured. Any other non-200 answer stops the run with its
/// status and body.
async fn timed_get(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    path: &str,
) -> (Duration, serde_json::Value) {
    for _ in 0..100 {
        let started = Instant::now();
        let response = match client
            .get(format!("{url}{path}"))
            .bearer_auth(token)
            .send()
            .await
        {
            Ok(response) => response,
            Err(error) => {
                eprintln!("loadgen: GET {path}: {error}");
                std::process::exit(1);
            }
        };
        let status = response.status();
        if status == 429 {
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            eprintln!("loadgen: GET {path}: 429, retrying in {wait}s");
            tokio::time::sleep(Duration::from_secs(wait.max(1))).await;
            continue;
        }
        let bytes = response.bytes().await.unwrap_or_default();
        let took = started.elapsed();
        if status != 200 {
            eprintln!(
                "loadgen: GET {path}: {status} {}",
                String::from_utf8_lossy(&bytes)
            );
            std::process::exit(1);
        }
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        return (took, body);
    }
    eprintln!("loadgen: GET {path}: still rate limited after 100 tries");
    std::process::exit(1);
}

/// A Firehose request: its id, gzip body and how many lines it carries.
type Body = (String, Vec<u8>, usize);

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
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
            let stop_file: Option<std::path::PathBuf> = args.get(7).map(Into::into);
            // Demo data, regenerated with other seeds and earlier hours until there is enough.
            let build = Instant::now();
            let end = warden_server::clock::now_ms();
            let mut hour = 0i64;
            let mut next_id = 0usize;
            // The bodies of one more hour of demo traffic, at most `limit` lines.
            let mut hour_bodies = move |limit: usize| {
                let events = demo::generate(end - hour * 3_600_000, 60, 4.0, 1 + hour as u64);
                hour += 1;
                let mut bodies = Vec::new();
                let mut total = 0;
                for chunk in events.chunks(batch) {
                    if total >= limit {
                        break;
                    }
                    let chunk = &chunk[..chunk.len().min(limit - total)];
                    total += chunk.len();
                    // Unique per run: a reused data directory remembers earlier delivery ids.
                    let id = format!("bench-{end}-{next_id}");
                    next_id += 1;
                    bodies.push((
                        id.clone(),
                        demo::gzip(&demo::firehose_body(&id, end, chunk)),
                        chunk.len(),
                    ));
                }
                (bodies, total)
            };
            let mut bodies = Vec::new();
            let mut total = 0;
            while total < lines {
                let (more, count) = hour_bodies(lines - total);
                bodies.extend(more);
                total += count;
            }
            let compressed: usize = bodies.iter().map(|b| b.1.len()).sum();
            eprintln!(
                "loadgen: built {} requests ({total} lines, {:.1} MB gzip) in {:.1}s",
                bodies.len(),
                compressed as f64 / 1e6,
                build.elapsed().as_secs_f64()
            );
            // After the pre-built bodies: more, built as they are needed, until the stop file.
            let (more_tx, more_rx) = tokio::sync::mpsc::channel::<Body>(2 * concurrency);
            let producer = stop_file.map(|stop_file| {
                std::thread::spawn(move || {
                    while !stop_file.exists() {
                        let (more, _) = hour_bodies(usize::MAX);
                        for body in more {
                            if stop_file.exists() || more_tx.blocking_send(body).is_err() {
                                return;
                            }
                        }
                    }
                })
            });
            let queue = std::sync::Arc::new(std::sync::Mutex::new(bodies.into_iter()));
            let more = std::sync::Arc::new(tokio::sync::Mutex::new(more_rx));
            let started = Instant::now();
            let mut workers = Vec::new();
            let nodes: Vec<&str> = url.split(',').collect();
            for connection in 0..concurrency {
                let (queue, more, client, url, key) = (
                    queue.clone(),
                    more.clone(),
                    client.clone(),
                    nodes[connection % nodes.len()].to_owned(),
                    secret.clone(),
                );
                workers.push(tokio::spawn(async move {
                    let (mut sent, mut failed) = (0usize, 0usize);
                    loop {
                        let next = queue.lock().unwrap().next();
                        let next = match next {
                            Some(body) => Some(body),
                            None => more.lock().await.recv().await,
                        };
                        let Some((id, body, count)) = next else { break };
                        // Like Firehose: a busy server (503) is retried after Retry-After.
                        loop {
                            let response = client
                                .post(format!("{url}/ingest/firehose"))
                                .header("X-Amz-Firehose-Access-Key", &key)
                                .header("X-Amz-Firehose-Request-Id", &id)
                                .header("Content-Encoding", "gzip")
                                .header("Content-Type", "application/json")
                                .body(body.clone())
                                .send()
                                .await;
                            match response {
                                Ok(r) if r.status() == 200 => sent += count,
                                Ok(r) if r.status() == 503 => {
                                    let wait = r
                                        .headers()
                                        .get("retry-after")
                                        .and_then(|v| v.to_str().ok()?.parse().ok())
                                        .unwrap_or(1);
                                    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                                    continue;
                                }
                                _ => failed += 1,
                            }
                            break;
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
            if let Some(producer) = producer {
                producer.join().unwrap();
            }
            let seconds = started.elapsed().as_secs_f64();
            let to = if nodes.len() > 1 {
                format!(" to {} nodes", nodes.len())
            } else {
                String::new()
            };
            println!("ingest: {sent} lines in {seconds:.2}s = {:.0} lines/s through /ingest/firehose{to} ({concurrency} connections, {batch} lines/request, {failed} failed requests)", sent as f64 / seconds);
        }
        "api" | "search" => {
            let requests: usize = arg(&args, 4, None);
            let get = |path: String| {
                let (client, url, token) = (client.clone(), url.clone(), secret.clone());
                async move { timed_get(&client, &url, &token, &path).await }
            };
            let now = warden_server::clock::now_ms();
            let windows = [
                ("24h", 86_400_000i64),
                ("7d", 7 * 86_400_000),
                ("30d", 30 * 86_400_000),
            ];
            if mode == "search" {
                // Common and rare words, prefixes, with and without filters, over 30 days.
                let queries = [
                    "text=handling",
                    "text=declined",
                    "text=KeyError&outcome=failure",
                    "text=order*&function=checkout-api",
                    "text=AccessDeniedException",
                    "text=Cannot%20read&outcome=error",
                    "text=sku&function=orders-worker",
                    "text=nosuchwordanywhere",
                ];
                let mut times = Vec::new();
                let mut hits = 0usize;
                for n in 0..requests {
                    let (took, body) = get(format!(
                        "/api/v1/lines?{}&from={}&to={now}&limit=100",
                        queries[n % queries.len()],
                        now - 30 * 86_400_000
                    ))
                    .await;
                    hits += body["lines"].as_array().map_or(0, Vec::len);
                    times.push(took);
                }
                times.sort();
                println!(
                    "search ({requests} requests, {} query shapes, {hits} lines returned): p50 {:.1} ms p99 {:.1} ms",
                    queries.len(),
                    percentile(&times, 0.5),
                    percentile(&times, 0.99)
                );
                return;
            }
            let (_, first) = get(format!("/api/v1/functions?from={}", now - 30 * 86_400_000)).await;
            let names: Vec<String> = first["functions"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|f| f["function"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let invocations: u64 = first["functions"]
                .as_array()
                .map(|list| list.iter().filter_map(|f| f["invocations"].as_u64()).sum())
                .unwrap_or(0);
            for (label, window_ms) in windows {
                let mut functions = Vec::new();
                let mut overview = Vec::new();
                let mut series = Vec::new();
                let mut error_groups = Vec::new();
                let mut security_groups = Vec::new();
                let from = now - window_ms;
                for n in 0..requests {
                    functions.push(
                        get(format!("/api/v1/functions?from={from}&to={now}"))
                            .await
                            .0,
                    );
                    overview.push(
                        get(format!("/api/v1/overview?from={from}&to={now}"))
                            .await
                            .0,
                    );
                    let name = names
                        .get(n % names.len().max(1))
                        .cloned()
                        .unwrap_or_default();
                    series.push(
                        get(format!(
                            "/api/v1/functions/{name}/series?from={from}&to={now}"
                        ))
                        .await
                        .0,
                    );
                    error_groups.push(
                        get(format!("/api/v1/error-groups?from={from}&to={now}"))
                            .await
                            .0,
                    );
                    security_groups.push(
                        get(format!("/api/v1/security-groups?from={from}&to={now}"))
                            .await
                            .0,
                    );
                }
                for list in [
                    &mut functions,
                    &mut overview,
                    &mut series,
                    &mut error_groups,
                    &mut security_groups,
                ] {
                    list.sort();
                }
                println!(
                    "api {label:>3} ({invocations} invocations in {} functions, {requests} requests each): functions p50 {:.1} p99 {:.1} ms; overview p50 {:.1} p99 {:.1} ms; series p50 {:.1} p99 {:.1} ms; error-groups p50 {:.1} p99 {:.1} ms; security-groups p50 {:.1} p99 {:.1} ms",
                    names.len(),
                    percentile(&functions, 0.5),
                    percentile(&functions, 0.99),
                    percentile(&overview, 0.5),
                    percentile(&overview, 0.99),
                    percentile(&series, 0.5),
                    percentile(&series, 0.99),
                    percentile(&error_groups, 0.5),
                    percentile(&error_groups, 0.99),
                    percentile(&security_groups, 0.5),
                    percentile(&security_groups, 0.99)
                );
            }
        }
        other => panic!("unknown mode `{other}`"),
    }
}
