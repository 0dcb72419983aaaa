//! `warden serve` as a process: durability under SIGKILL, and the dashboard in headless
//! Chromium with data ingested over HTTP. Also `warden demo`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod browser;

use browser::chromium_run;
use warden_logs::OwnedLogEvent;
use warden_server::demo;

const INGEST: &str = "ingest-key-0123456789abcdef";
const READ: &str = "read-token-0123456789abcdef";

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `warden` with `args` and waits for the address it prints.
fn spawn(args: &[&str], marker: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(args)
        .env("WARDEN_INGEST_KEYS", INGEST)
        .env("WARDEN_READ_TOKENS", READ)
        .env("WARDEN_ADMIN_TOKENS", "admin-token-0123456789abcdef")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("warden starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("warden printed its address").unwrap();
        if let Some(at) = line.find(marker) {
            let rest = &line[at + marker.len()..];
            break rest.split(['/', ' ']).next().unwrap().to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

/// A minimal HTTP/1.1 request; returns (status, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    // Bodies are chunked or not; JSON answers here are small, so strip chunk sizes.
    let body = if text
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(&body)
    } else {
        body
    };
    Ok((status, body))
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

fn now_ms() -> i64 {
    warden_server::clock::now_ms()
}

/// `count` invocations in one stream of one function, as log events.
fn stream_events(function: &str, count: usize, start: i64) -> (Vec<OwnedLogEvent>, Vec<String>) {
    let group = format!("/aws/lambda/{function}");
    let stream = format!("2026/01/01/[$LATEST]{:0>32}", function.len());
    let mut events = Vec::new();
    let mut ids = Vec::new();
    for n in 0..count {
        let id = format!("{:08x}-0000-4000-8000-{:012x}", n, function.len());
        let at = start + n as i64 * 10;
        for message in [
            format!("START RequestId: {id} Version: $LATEST"),
            format!("{}\t{id}\tINFO\tworking on {n}", warden_logs::time::format_millis(at + 1)),
            format!("END RequestId: {id}"),
            format!("REPORT RequestId: {id}\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB"),
        ] {
            events.push(OwnedLogEvent { timestamp_ms: Some(at), message, log_group: group.clone(), log_stream: stream.clone(), ..OwnedLogEvent::default() });
        }
        ids.push(id);
    }
    (events, ids)
}

fn post_firehose(addr: &str, request_id: &str, events: &[OwnedLogEvent]) -> std::io::Result<u16> {
    let body = demo::gzip(&demo::firehose_body(request_id, now_ms(), events));
    let headers = [
        ("X-Amz-Firehose-Access-Key", INGEST),
        ("X-Amz-Firehose-Request-Id", request_id),
        ("Content-Encoding", "gzip"),
        ("Content-Type", "application/json"),
    ];
    http(addr, "POST", "/ingest/firehose", &headers, &body).map(|(status, _)| status)
}

/// Every acknowledged invocation survives SIGKILL at arbitrary moments, and a restarted
/// server resumes: Firehose-style retries of unacknowledged requests (same request id)
/// complete the data exactly once.
#[test]
fn sigkill_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    let args = ["serve", "--data-dir", &data_dir, "--bind", "127.0.0.1:0"];
    let start = now_ms() - 3_600_000;
    let functions = ["kill-a", "kill-bb", "kill-ccc"];
    // Chunks of 7 events: invocations (4 events each) straddle requests.
    let plans: Vec<(String, Vec<Vec<OwnedLogEvent>>, Vec<String>)> = functions
        .iter()
        .map(|f| {
            let (events, ids) = stream_events(f, 600, start);
            (
                f.to_string(),
                events.chunks(7).map(<[_]>::to_vec).collect(),
                ids,
            )
        })
        .collect();
    let mut next_chunk = vec![0usize; plans.len()];
    let mut kills = 0;
    let mut server = spawn(&args, "listening on http://");
    // Kill at staggered moments while all streams are being posted concurrently.
    for delay_ms in [300u64, 700, 450] {
        let deadline = Instant::now() + Duration::from_millis(delay_ms);
        let addr = server.addr.clone();
        let progress: Vec<usize> = std::thread::scope(|scope| {
            let handles: Vec<_> = plans
                .iter()
                .zip(next_chunk.iter())
                .map(|((function, chunks, _), &from)| {
                    let addr = addr.clone();
                    scope.spawn(move || {
                        let mut acked = from;
                        while acked < chunks.len()
                            && Instant::now() < deadline + Duration::from_millis(200)
                        {
                            match post_firehose(
                                &addr,
                                &format!("{function}-{acked}"),
                                &chunks[acked],
                            ) {
                                Ok(200) => acked += 1,
                                _ => break,
                            }
                        }
                        acked
                    })
                })
                .collect();
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            // SIGKILL while requests are in flight.
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        kills += 1;
        next_chunk = progress;
        server = spawn(&args, "listening on http://");
    }
    assert_eq!(kills, 3);
    assert!(
        next_chunk.iter().any(|&n| n > 0),
        "something was acknowledged before the kills"
    );
    // Resume as Firehose does: retry from the first unacknowledged request, then finish.
    for (index, (function, chunks, _)) in plans.iter().enumerate() {
        for (n, chunk) in chunks.iter().enumerate().skip(next_chunk[index]) {
            assert_eq!(
                post_firehose(&server.addr, &format!("{function}-{n}"), chunk).unwrap(),
                200
            );
        }
        // The stream moves on: its last invocation settles and is stored.
        let (tail, _) = stream_events(function, 1, start + 100_000);
        let mut next = tail[0].clone();
        next.message =
            "START RequestId: ffffffff-0000-4000-8000-000000000000 Version: $LATEST".into();
        assert_eq!(
            post_firehose(&server.addr, &format!("{function}-tail"), &[next]).unwrap(),
            200
        );
    }
    let auth = format!("Bearer {READ}");
    for (function, _, ids) in &plans {
        let mut stored: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        let path = format!("/api/v1/invocations?function={function}&limit=1000");
        let (status, body) =
            http(&server.addr, "GET", &path, &[("Authorization", &auth)], b"").unwrap();
        assert_eq!(status, 200, "{body}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        for invocation in body["invocations"].as_array().unwrap() {
            stored.insert(
                invocation["request_id"].as_str().unwrap().to_owned(),
                invocation.clone(),
            );
        }
        let expected: BTreeSet<&String> = ids.iter().collect();
        let got: BTreeSet<&String> = stored.keys().collect();
        assert_eq!(got, expected, "{function}: every invocation exactly once");
        for (id, invocation) in &stored {
            assert_eq!(invocation["complete"], true, "{function} {id}");
            assert_eq!(
                invocation["lines"], 1,
                "{function} {id}: its application line, once"
            );
        }
    }
}

/// Chromium, and `warden serve` (no auth, loopback) holding two hours of demo data sent
/// through the Firehose endpoint; `None` (the test is skipped) without Chromium, except
/// under CI where it is required.
fn browser_and_demo_server(
    request_prefix: &str,
) -> Option<(&'static str, tempfile::TempDir, Server)> {
    let browser = browser::chromium()?;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let server = spawn(
        &[
            "serve",
            "--insecure-no-auth",
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
        ],
        "listening on http://",
    );
    let events = demo::generate(now_ms(), 120, 1.0, 42);
    for (n, chunk) in events.chunks(5_000).enumerate() {
        assert_eq!(
            post_firehose(&server.addr, &format!("{request_prefix}-{n}"), chunk).unwrap(),
            200
        );
    }
    Some((browser, dir, server))
}

/// The dashboard, served by the binary with embedded assets, renders the overview of data
/// ingested over the Firehose endpoint in headless Chromium; the screenshot is kept.
#[test]
fn dashboard_renders_ingested_data_in_headless_chromium() {
    let Some((browser, dir, server)) = browser_and_demo_server("browser") else {
        return;
    };
    let url = format!("http://{}/", server.addr);
    let html = chromium_run(browser, &dir.path().join("profile"), &url, None);
    for function in demo::function_names() {
        assert!(
            html.contains(&format!("data-function=\"{function}\"")),
            "{function} missing from the overview:\n{html}"
        );
    }
    assert!(
        html.contains("Failure rate") && html.contains("<svg"),
        "{html}"
    );
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&shots).unwrap();
    chromium_run(
        browser,
        &dir.path().join("profile2"),
        &url,
        Some(&shots.join("overview.png")),
    );
}

#[test]
fn demo_loads_sample_data() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "demo",
            "--bind",
            "127.0.0.1:0",
            "--hours",
            "1",
            "--load-only",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("from 5 functions") && stdout.contains("dashboard at http://127.0.0.1:"),
        "{stdout}"
    );
    assert!(dir.path().join("warden.db").exists());
    let refused = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["demo", "--bind", "0.0.0.0:0", "--load-only"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}

/// Headless Chromium driven over the DevTools protocol (`--remote-debugging-pipe`: JSON
/// messages ending in NUL, written to the browser's fd 3 and read from its fd 4), for what
/// a page cannot do on its own: choose a file for an `<input type="file">` and click.
struct Devtools {
    child: Child,
    to_browser: std::fs::File,
    from_browser: BufReader<std::fs::File>,
    next_id: u64,
    session: Option<String>,
}

impl Devtools {
    fn launch(browser: &str, profile: &Path) -> Devtools {
        // The shell hands the browser our pipes as its fds 3 and 4 (and nothing else).
        let mut child = Command::new("sh")
            .args([
                "-c",
                r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null 2>/dev/null"#,
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,1400",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let to_browser =
            std::fs::File::from(std::os::fd::OwnedFd::from(child.stdin.take().unwrap()));
        let from_browser =
            std::fs::File::from(std::os::fd::OwnedFd::from(child.stdout.take().unwrap()));
        Devtools {
            child,
            to_browser,
            from_browser: BufReader::new(from_browser),
            next_id: 0,
            session: None,
        }
    }

    /// Sends one command (to the attached page, once there is one) and returns its result.
    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = serde_json::json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = session.clone().into();
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.to_browser.write_all(&bytes).unwrap();
        loop {
            let mut reply = Vec::new();
            let read = self.from_browser.read_until(0, &mut reply).unwrap();
            assert!(read > 0, "the browser closed its pipe during {method}");
            reply.pop();
            let reply: serde_json::Value = serde_json::from_slice(&reply).unwrap();
            if reply["id"] == id {
                assert!(reply["error"].is_null(), "{method}: {reply}");
                return reply["result"].clone();
            }
        }
    }

    /// Opens `url` in a new page and sends further commands to it.
    fn open(&mut self, url: &str) {
        let target = self.call("Target.createTarget", serde_json::json!({ "url": url }));
        let attached = self.call(
            "Target.attachToTarget",
            serde_json::json!({ "targetId": target["targetId"], "flatten": true }),
        );
        self.session = attached["sessionId"].as_str().map(str::to_owned);
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    fn eval(&mut self, expression: &str) -> serde_json::Value {
        let result = self.call(
            "Runtime.evaluate",
            serde_json::json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        result["result"]["value"].clone()
    }

    /// Waits until `expression` is true in the page.
    fn wait_for(&mut self, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.eval(expression) != serde_json::Value::Bool(true) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {expression}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Chooses `file` in the file input `selector`.
    fn choose_file(&mut self, selector: &str, file: &Path) {
        let document = self.call("DOM.getDocument", serde_json::json!({}));
        let node = self.call(
            "DOM.querySelector",
            serde_json::json!({ "nodeId": document["root"]["nodeId"], "selector": selector }),
        );
        self.call(
            "DOM.setFileInputFiles",
            serde_json::json!({ "files": [file.to_str().unwrap()], "nodeId": node["nodeId"] }),
        );
    }

    /// A PNG of the page as it is now, kept at `png` and checked not to be blank.
    fn screenshot(&mut self, png: &Path) {
        use base64::Engine;
        let shot = self.call(
            "Page.captureScreenshot",
            serde_json::json!({ "format": "png" }),
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
            "{} looks empty ({} bytes)",
            png.display(),
            bytes.len()
        );
        std::fs::write(png, bytes).unwrap();
        eprintln!("dashboard screenshot: {}", png.display());
    }
}

impl Drop for Devtools {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The dashboard's paths a team uses, in headless Chromium against the binary: a function
/// page with its posture from an uploaded `warden scan` report beside its runtime
/// security events, the drill-down into a failed invocation (lines, timeline, error), log
/// search with filters in the URL, grouped security events and the posture page. Each page
/// is also kept as a screenshot.
#[test]
fn dashboard_drill_down_search_and_posture_in_headless_chromium() {
    let Some((browser, dir, server)) = browser_and_demo_server("drill") else {
        return;
    };
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    std::fs::create_dir_all(&shots).unwrap();
    let base = format!("http://{}/", server.addr);
    // The example app's scan, as `warden scan --format json` prints it, uploaded through
    // the posture page's form for the stack `shop` with its OrdersApi mapped to the demo's
    // auth-service: the file chosen in the form, the button clicked.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let scan = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["scan", "--format", "json"])
        .arg(&examples)
        .output()
        .unwrap();
    let report_file = dir.path().join("shop-scan.json");
    std::fs::write(&report_file, &scan.stdout).unwrap();
    let mut page = Devtools::launch(browser, &dir.path().join("upload"));
    page.open(&format!("{base}#/posture"));
    page.wait_for("!!document.getElementById('upload-button')");
    page.choose_file("#upload-file", &report_file);
    page.eval(
        r#"document.getElementById('upload-stack').value = 'shop';
           document.getElementById('upload-mapping').value = '{"OrdersApi": "auth-service"}';
           document.getElementById('upload-button').click(); true"#,
    );
    page.wait_for(
        "!!document.querySelector('#upload-message .ok-box, #upload-message .error-box')",
    );
    let message = page.eval("document.getElementById('upload-message').textContent");
    let message = message.as_str().unwrap_or_default().to_owned();
    assert!(
        message.starts_with("Stored ")
            && message.contains("of shop")
            && message.contains("auth-service"),
        "{message}"
    );
    page.screenshot(&shots.join("upload.png"));
    // The page reloads its list after the upload: the findings are there, matched.
    page.wait_for("!!document.querySelector('#findings a[href=\"#/function/auth-service\"]')");
    page.screenshot(&shots.join("upload-listed.png"));
    drop(page);
    // A failed checkout invocation to open.
    let (status, body) = http(
        &server.addr,
        "GET",
        "/api/v1/invocations?function=checkout-api&outcome=error&limit=1",
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let found: serde_json::Value = serde_json::from_str(&body).unwrap();
    let invocation = found["invocations"][0]["id"]
        .as_i64()
        .expect("a failed checkout");
    let request = found["invocations"][0]["request_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let pages = [
        ("function", format!("{base}#/function/auth-service?w=24h")),
        ("metrics", format!("{base}#/function/checkout-api?w=24h")),
        ("invocation", format!("{base}#/invocation/{invocation}")),
        (
            "search",
            format!("{base}#/search?text=declined&function=checkout-api&outcome=failure"),
        ),
        ("security", format!("{base}#/security")),
        ("posture", format!("{base}#/posture")),
        ("alerts", format!("{base}#/alerts")),
        ("status-push", format!("{base}#/status")),
        (
            "overview-sorted",
            format!("{base}#/?sort=failure_rate&dir=desc&q=a"),
        ),
    ];
    let mut dom = std::collections::HashMap::new();
    for (n, (name, url)) in pages.iter().enumerate() {
        let html = chromium_run(browser, &dir.path().join(format!("p{n}")), url, None);
        assert!(!html.contains("Could not load"), "{name}: {html}");
        chromium_run(
            browser,
            &dir.path().join(format!("s{n}")),
            url,
            Some(&shots.join(format!("{name}.png"))),
        );
        dom.insert(*name, html);
    }

    // Posture next to runtime: the mapped findings and the injection attempts in its logs.
    let function = &dom["function"];
    assert!(function.contains("id=\"posture\""), "{function}");
    assert!(
        function.contains("Unauthenticated route + "),
        "no highlight:\n{function}"
    );
    assert!(
        function.contains("WD001") && function.contains("sql-injection"),
        "{function}"
    );
    // Invocation rows open the drill-down.
    assert!(function.contains("href=\"#/invocation/"), "{function}");

    // Custom metrics (EMF) the demo's checkout function prints, one row per metric.
    let metrics = &dom["metrics"];
    let table = metrics.split("id=\"metrics\"").nth(1).unwrap_or("");
    assert!(
        table.contains("data-metric=\"OrderValue\"")
            && table.contains("data-metric=\"OrdersPlaced\""),
        "{metrics}"
    );
    assert!(table.contains("service=checkout"), "{metrics}");
    let other = &dom["function"];
    assert!(
        other.contains("No Embedded Metric Format lines from this function"),
        "{other}"
    );

    // The drill-down: its lines, the timeline, memory and the error with its stack.
    let page = &dom["invocation"];
    assert!(page.contains(&request), "{page}");
    assert!(
        page.contains("id=\"timeline\"") && page.contains("billed "),
        "{page}"
    );
    assert!(page.contains("id=\"memory\""), "{page}");
    assert!(
        page.contains("id=\"invocation-error\"") && page.contains("PaymentDeclinedError"),
        "{page}"
    );
    assert!(page.contains("payments.js:88"), "{page}");
    assert!(
        page.contains("START RequestId: ") && page.contains("REPORT RequestId: "),
        "{page}"
    );

    // Search: filters come from the URL; results link to their invocation.
    let search = &dom["search"];
    assert!(search.contains("id=\"search-results\""), "{search}");
    assert!(search.contains("card declined"), "{search}");
    assert!(search.contains("href=\"#/request/"), "{search}");
    assert!(!search.contains("handling request for"), "{search}");

    // Security events grouped: one row per kind × function.
    let security = &dom["security"];
    let table = security
        .split("id=\"security-groups\"")
        .nth(1)
        .unwrap_or("");
    assert!(
        table.contains("sql-injection") && table.contains("auth-service"),
        "{security}"
    );
    assert_eq!(
        table.matches("<td>aws-access-key</td>").count(),
        1,
        "{security}"
    );

    // The posture page lists the upload with the function each finding matched.
    let posture = &dom["posture"];
    assert!(posture.contains("id=\"upload-button\""), "{posture}");
    assert!(
        posture.contains("href=\"#/function/auth-service\""),
        "{posture}"
    );

    // The alert rule form with its preview button.
    let alerts = &dom["alerts"];
    assert!(
        alerts.contains("id=\"rule-form\"") && alerts.contains("id=\"preview-rule\""),
        "{alerts}"
    );

    // The status page of a server that does not poll: the ingest figures and how to
    // enable push or poll.
    let status = &dom["status-push"];
    assert!(
        status.contains("Lines received") && status.contains("id=\"poll-off\""),
        "{status}"
    );
    assert!(
        status.contains("<code>warden serve --poll</code>"),
        "{status}"
    );

    // The function list: sorted by failure rate, filtered by the URL's `q`.
    let overview = &dom["overview-sorted"];
    assert!(overview.contains("Failure rate ▾"), "{overview}");
    assert!(overview.contains("value=\"a\""), "{overview}");
}
