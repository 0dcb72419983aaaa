//! `cfn-lint` (AWS's CloudFormation linter, from PyPI) on every generated CloudFormation
//! stack: no error, warning or informational message. `.ci/run` installs it into the
//! workspace's `.venv-moto` (beside moto) and exports `WARDEN_CFN_LINT`; otherwise
//! `/opt/warden-venv` and `PATH` are searched. Without it the test prints one line
//! and passes, except under `CI=true`, where it fails.

mod support;

use std::path::PathBuf;
use std::process::Command;

use warden_connect::Format;

fn cfn_lint() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WARDEN_CFN_LINT") {
        return Some(PathBuf::from(path));
    }
    let workspace = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    for venv in [
        workspace.join(".venv-moto/bin/cfn-lint"),
        PathBuf::from("/opt/warden-venv/bin/cfn-lint"),
    ] {
        if venv.is_file() {
            return Some(venv);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("cfn-lint"))
            .find(|candidate| candidate.is_file())
    })
}

fn lint(files: &[PathBuf]) -> Option<(bool, String)> {
    let Some(linter) = cfn_lint() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "cfn-lint not found: .ci/run installs it into .venv-moto"
        );
        eprintln!("skipped: cfn-lint not found (python3 -m venv /opt/warden-venv && /opt/warden-venv/bin/pip install cfn-lint)");
        return None;
    };
    let output = Command::new(&linter)
        .args(["--format", "parseable", "--"])
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("{} does not run: {e}", linter.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some((output.status.success() && report.trim().is_empty(), report))
}

#[test]
fn cloudformation_stacks_pass_cfn_lint() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, options) in support::variants() {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, support::render(&options, Format::CloudFormation)).unwrap();
        files.push(path);
    }
    // A stack with an invalid value first: the linter runs and knows these resource types.
    let (_, options) = &support::variants()[0];
    let broken = dir.path().join("broken.yaml");
    let text = support::render(options, Format::CloudFormation);
    assert!(text.contains("ContentEncoding: GZIP"));
    std::fs::write(
        &broken,
        text.replace("ContentEncoding: GZIP", "ContentEncoding: ZSTD"),
    )
    .unwrap();
    let Some((clean, report)) = lint(&[broken]) else {
        return;
    };
    assert!(
        !clean && report.contains("ZSTD"),
        "cfn-lint did not report an invalid ContentEncoding: {report}"
    );

    let (clean, report) = lint(&files).expect("cfn-lint was found above");
    assert!(clean, "cfn-lint reports:\n{report}");
}
