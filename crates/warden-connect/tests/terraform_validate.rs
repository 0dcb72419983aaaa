//! `terraform validate` on every generated Terraform stack, against the AWS provider's
//! schema. Opt-in: it needs `terraform` and the `hashicorp/aws` provider unpacked in a
//! plugin directory (`WARDEN_TF_PLUGIN_DIR`, default `/opt/tf-plugins`), since tests never
//! download. Without them it prints one line and passes.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use warden_connect::Format;

fn terraform() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| candidate.is_file())
    })
}

fn plugin_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WARDEN_TF_PLUGIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/tf-plugins"));
    dir.join("registry.terraform.io/hashicorp/aws")
        .is_dir()
        .then_some(dir)
}

fn run(terraform: &Path, dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(terraform)
        .args(args)
        .current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .expect("terraform runs");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn terraform_stacks_validate() {
    let (Some(terraform), Some(plugins)) = (terraform(), plugin_dir()) else {
        eprintln!("skipped: terraform validate needs `terraform` and the hashicorp/aws provider in WARDEN_TF_PLUGIN_DIR (default /opt/tf-plugins)");
        return;
    };
    let plugin_arg = format!("-plugin-dir={}", plugins.display());
    let root = tempfile::tempdir().unwrap();
    for (name, options) in support::variants() {
        let dir = root.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            dir.join("main.tf"),
            support::render(&options, Format::Terraform),
        )
        .unwrap();
        let (ok, report) = run(
            &terraform,
            &dir,
            &[
                "init",
                "-backend=false",
                "-input=false",
                "-no-color",
                &plugin_arg,
            ],
        );
        assert!(ok, "{name}: terraform init failed:\n{report}");
        let (ok, report) = run(&terraform, &dir, &["validate", "-no-color"]);
        assert!(ok, "{name}: terraform validate failed:\n{report}");
    }
}
