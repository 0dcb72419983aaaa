//! Where the external corpora live, for the tests that sweep them.
//!
//! Corpus tests read real material written by other people (AWS serverless patterns,
//! Serverless Framework examples, Lambda log samples). A clone of Warden does not carry it,
//! so every corpus test asks this crate for its folder:
//!
//! - `WARDEN_CORPORA` names the folder that holds `serverless-patterns/`,
//!   `serverless-examples/` and `lambda-logs/`; without it, `../shared/corpora` beside the
//!   workspace is used.
//! - When the folder (or the part a test needs) is missing, the test is told to return
//!   early, and one line on the terminal says so, so a fresh clone passes its own tests.
//! - Under `CI=true` a missing corpus is a failure instead: the project's own CI must keep
//!   running the sweeps.
//!
//! README.md ("Development") says how to fetch the corpora.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// The environment variable that names the corpora folder.
pub const ENV_VAR: &str = "WARDEN_CORPORA";

/// The corpora folder: `$WARDEN_CORPORA`, or `../shared/corpora` beside the workspace.
pub fn root() -> PathBuf {
    match std::env::var_os(ENV_VAR) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        // crates/warden-corpora → crates → the workspace → the folder beside it.
        _ => match Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(3) {
            Some(beside_workspace) => beside_workspace.join("shared/corpora"),
            None => PathBuf::from("../shared/corpora"),
        },
    }
}

/// The folder `part` of the corpora (for example `lambda-logs`), when it is there.
///
/// `None` means the calling test should return without checking anything: this prints
/// one line, once per test binary, that the corpus tests did not run. Under `CI=true` a
/// missing corpus panics instead, naming the folder and the variable.
pub fn require(part: &str) -> Option<PathBuf> {
    let path = root().join(part);
    if path.is_dir() {
        return Some(path);
    }
    if in_ci() {
        panic!(
            "corpus folder {} is missing; CI must run the corpus tests (set {ENV_VAR})",
            path.display()
        );
    }
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        // Written to the stream itself, not with `eprintln!`, which the test harness
        // captures and hides for passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "note: corpus tests skipped: {} not found (set {ENV_VAR} to the corpora folder)",
            path.display()
        );
    });
    None
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}
