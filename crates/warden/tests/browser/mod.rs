//! Headless Chromium for the dashboard tests.
#![allow(dead_code)] // Each test file uses its own subset.

use std::path::Path;
use std::process::Command;

/// The installed Chromium; `None` (the test is skipped) without it, except under CI where
/// it is required.
pub fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is required under CI (apt-get install -y chromium)");
        }
        eprintln!("skipping the browser test: /usr/bin/chromium is not installed (apt-get install -y chromium)");
    }
    found
}

/// Runs headless Chromium on `url`: the DOM after the page's requests settle, or a
/// screenshot at `png`.
pub fn chromium_run(browser: &str, profile: &Path, url: &str, png: Option<&Path>) -> String {
    let mut command = Command::new(browser);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1400",
        "--virtual-time-budget=15000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    match png {
        Some(png) => {
            let _ = std::fs::remove_file(png);
            command.arg(format!("--screenshot={}", png.display()));
        }
        None => {
            command.arg("--dump-dom");
        }
    }
    let output = command.arg(url).output().unwrap();
    if let Some(png) = png {
        let bytes = std::fs::read(png).unwrap_or_else(|_| {
            panic!("no screenshot: {}", String::from_utf8_lossy(&output.stderr))
        });
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
            "{} looks empty ({} bytes)",
            png.display(),
            bytes.len()
        );
        eprintln!("dashboard screenshot: {}", png.display());
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}
