//! Starts moto's server (a local AWS API, from PyPI's `moto[server]`) on a free loopback
//! port. `.ci/run` installs it into `.venv-moto`; `WARDEN_MOTO_SERVER` names another
//! `moto_server`. Without it, tests skip with one line, except under `CI=true`, where they fail.
//!
//! Clients reach moto through a small forwarding proxy ([`Moto::endpoint`]) that passes every
//! request on unchanged except for one moto gap: moto 5 routes CloudTrail's JSON calls only by
//! the long `X-Amz-Target` botocore sends (`com.amazonaws.cloudtrail.v20131101.
//! CloudTrail_20131101.DescribeTrails`), not by the short one of the Rust SDK
//! (`CloudTrail_20131101.DescribeTrails`), and answers that with a 404 page. The proxy can
//! also play a region the account has not enabled ([`Moto::disable_region`]) and serve a
//! recorded AWS answer for an API moto does not have ([`Moto::record`]).

// Shared by the test crates of warden-audit, warden and warden-pull; each uses a part.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    /// The proxy in front of moto: what clients use.
    pub endpoint: String,
    /// Regions whose every call the proxy answers as AWS does for a region the account has
    /// not enabled.
    disabled: Arc<Mutex<Vec<String>>>,
    recorded: Recorded,
}

/// Recorded answers: request line prefix (`POST /listRegions`), status, JSON body; and the
/// bodies of the requests they answered.
type Recorded = Arc<Mutex<Vec<(String, u16, String, Vec<String>)>>>;

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WARDEN_MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = workspace.join(".venv-moto/bin/moto_server");
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("moto_server"))
            .find(|candidate| candidate.is_file())
    })
}

impl Moto {
    /// A fresh server, or `None` (and one line on stderr) when moto is not installed.
    pub fn start() -> Option<Moto> {
        let Some(server) = moto_server() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "moto_server not found: .ci/run installs it into .venv-moto"
            );
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                // To the stream itself: the harness hides `eprintln!` of passing tests.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "note: audit tests skipped: moto_server not found (python3 -m venv .venv-moto && .venv-moto/bin/pip install 'moto[server]')"
                );
            });
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", server.display()));
        let disabled = Arc::new(Mutex::new(Vec::new()));
        let recorded: Recorded = Arc::new(Mutex::new(Vec::new()));
        let moto = Moto {
            child,
            endpoint: proxy(port, disabled.clone(), recorded.clone()),
            disabled,
            recorded,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// From now on, calls signed for `region` are refused as AWS refuses them in a region
    /// the account has not opted into.
    pub fn disable_region(&self, region: &str) {
        self.disabled.lock().unwrap().push(region.to_string());
    }

    /// Answers requests whose request line starts with `request` (`POST /listRegions`) with
    /// a recorded AWS answer, for an API moto does not implement.
    pub fn record(&self, request: &str, status: u16, body: &str) {
        self.recorded.lock().unwrap().push((
            request.to_string(),
            status,
            body.to_string(),
            Vec::new(),
        ));
    }

    /// The bodies of the requests a recorded answer answered.
    pub fn recorded_requests(&self, request: &str) -> Vec<String> {
        self.recorded
            .lock()
            .unwrap()
            .iter()
            .filter(|(prefix, ..)| prefix == request)
            .flat_map(|(.., bodies)| bodies.clone())
            .collect()
    }

    /// Environment for SDK clients and `warden audit` that reaches only this server.
    pub fn environment(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_CONFIG_FILE", "/nonexistent/warden-test-config".into()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/warden-test-credentials".into(),
            ),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_MAX_ATTEMPTS", "1".into()),
        ]
    }
}

/// Starts the proxy in front of moto's `port`; returns its endpoint.
fn proxy(port: u16, disabled: Arc<Mutex<Vec<String>>>, recorded: Recorded) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let disabled = disabled.clone();
            let recorded = recorded.clone();
            std::thread::spawn(move || {
                let _ = forward(client, port, &disabled, &recorded);
            });
        }
    });
    endpoint
}

/// Forwards the requests of one client connection, one moto connection each.
fn forward(
    client: TcpStream,
    port: u16,
    disabled: &Mutex<Vec<String>>,
    recorded: &Recorded,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    loop {
        let mut head = Vec::new();
        let mut content_length = 0;
        let mut region = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                content_length = value.trim().parse().unwrap_or(0);
            }
            if let Some(value) = lower.strip_prefix("authorization:") {
                // `Credential=KEY/DATE/REGION/SERVICE/aws4_request`
                if let Some(scope) = value.split("credential=").nth(1) {
                    region = scope.split('/').nth(2).unwrap_or_default().to_string();
                }
            }
            if lower.starts_with("connection:") {
                continue;
            }
            if lower.starts_with("x-amz-target: cloudtrail_20131101.") {
                line = format!(
                    "X-Amz-Target: com.amazonaws.cloudtrail.v20131101.{}",
                    &line["x-amz-target: ".len()..]
                );
            }
            head.push(line);
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body)?;
        let request_line = head.first().cloned().unwrap_or_default();
        let answer = recorded
            .lock()
            .unwrap()
            .iter_mut()
            .find(|(prefix, ..)| request_line.starts_with(prefix.as_str()))
            .map(|(_, status, answer, bodies)| {
                bodies.push(String::from_utf8_lossy(&body).to_string());
                (*status, answer.clone())
            });
        if let Some((status, answer)) = answer {
            write!(
                client,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                answer.len()
            )?;
            continue;
        }
        if disabled.lock().unwrap().contains(&region) {
            // What a region the account has not enabled answers (JSON services; the query
            // and XML services read the same code from the header-less body as an error).
            let body = r#"{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}"#;
            write!(
                client,
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-ErrorType: UnrecognizedClientException\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )?;
            continue;
        }
        let mut moto = TcpStream::connect(("127.0.0.1", port))?;
        for line in &head {
            moto.write_all(line.as_bytes())?;
        }
        moto.write_all(b"Connection: close\r\n\r\n")?;
        moto.write_all(&body)?;
        let mut answer = Vec::new();
        moto.read_to_end(&mut answer)?;
        client.write_all(&answer)?;
        // moto closes after each answer and says so: the client opens a new connection.
        return Ok(());
    }
}
