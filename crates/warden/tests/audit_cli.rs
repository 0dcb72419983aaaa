//! `warden audit` against moto's server: the read-only policy, findings on live resources,
//! their mapping back to the template, drift, and every output format of `scan`.

#[path = "../../warden-audit/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::moto::Moto;
use support::seed;

const TEMPLATE: &str = "tests/fixtures/audit/orders.yaml";

fn audit(moto: &Moto, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warden"))
        .arg("audit")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(moto.environment())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn seeded() -> Option<Moto> {
    let moto = Moto::start()?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let config = seed::config(&moto.endpoint);
            seed::orders_account(&config).await;
            seed::messaging_account(&config).await;
        });
    Some(moto)
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{error}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn finding<'a>(report: &'a Value, rule: &str, resource: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["resource"] == resource)
        .unwrap_or_else(|| panic!("no {rule} on {resource} in {report:#}"))
}

#[test]
fn print_policy_is_the_list_of_actions_called() {
    let output = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["audit", "--print-policy"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let policy: Value = serde_json::from_slice(&output.stdout).unwrap();
    let actions: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(actions, warden_audit::policy::ACTIONS);
    assert_eq!(policy["Statement"][0]["Effect"], "Allow");
}

#[test]
fn live_findings_point_at_the_template_line_and_drift_shows_both_values() {
    let Some(moto) = seeded() else { return };
    let output = audit(
        &moto,
        &[TEMPLATE, "--stack", seed::STACK, "--format", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);

    // The URL is public live, `AWS_IAM` in the template: drift, at the template's value.
    let url = finding(&report, "WD201", "OrdersFunction");
    assert_eq!(url["file"], TEMPLATE);
    assert_eq!(
        (url["line"].as_u64(), url["column"].as_u64()),
        (Some(15), Some(19))
    );
    let message = url["message"].as_str().unwrap();
    assert!(message.starts_with("drift: "), "{message}");
    assert!(
        message.contains("live: `\"NONE\"`; template: `AWS_IAM`"),
        "{message}"
    );

    // A secret the template never had: the template's `Variables` is where it would go.
    let secret = finding(&report, "WD101", "OrdersFunction");
    assert_eq!(secret["file"], TEMPLATE);
    assert_eq!(secret["line"].as_u64(), Some(17));
    assert!(secret["message"]
        .as_str()
        .unwrap()
        .contains("template: not set"));

    // The role was widened by hand: its finding points into the template too.
    let admin = finding(&report, "WD113", "OrdersFunction");
    assert_eq!(admin["file"], TEMPLATE);
    assert!(admin["message"].as_str().unwrap().starts_with("drift: "));

    // The bucket has no CloudFormation tags: its findings carry its ARN and region.
    let acl = finding(&report, "WD701", "orders-public");
    assert_eq!(acl["file"], "arn:aws:s3:::orders-public (us-east-1)");
    assert!(!acl["message"].as_str().unwrap().starts_with("drift"));
}

#[test]
fn without_a_template_findings_carry_the_arn() {
    let Some(moto) = seeded() else { return };
    let output = audit(&moto, &["--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let url = finding(&report, "WD201", "orders-url");
    let file = url["file"].as_str().unwrap();
    assert_eq!(
        file,
        "arn:aws:lambda:us-east-1:123456789012:function:orders#url"
    );
    let queue = finding(&report, "WD706", "jobs-policy");
    assert_eq!(
        queue["file"],
        "arn:aws:sqs:us-east-1:123456789012:jobs#policy"
    );
    let secret = finding(&report, "WD101", "orders");
    assert_eq!(
        secret["file"],
        "arn:aws:lambda:us-east-1:123456789012:function:orders"
    );
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !f["message"].as_str().unwrap().starts_with("drift")));
}

#[test]
fn every_output_format_of_scan_renders_an_audit() {
    let Some(moto) = seeded() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (format, expected) in [
        ("text", "WD201"),
        ("sarif", "\"version\": \"2.1.0\""),
        (
            "github",
            "::error file=tests/fixtures/audit/orders.yaml,line=15",
        ),
        ("junit", "<testsuite"),
        ("json", "\"findings\""),
    ] {
        let path = dir.path().join(format);
        let output = audit(
            &moto,
            &[
                TEMPLATE,
                "--stack",
                seed::STACK,
                "--format",
                format,
                "-o",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(Path::new(&path)).unwrap();
        assert!(text.contains(expected), "{format}: {text}");
        assert!(text.contains("drift"), "{format} loses the drift message");
    }
}

#[test]
fn an_empty_account_is_clean() {
    let Some(moto) = Moto::start() else { return };
    let output = audit(&moto, &["--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(
        report["notices"].as_array().map(Vec::len),
        Some(0),
        "{report:#}"
    );
}

#[test]
fn a_stack_needs_its_template() {
    let output = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["audit", "--stack", "orders-prod"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_route_whose_authorization_was_removed_is_drift_at_the_template_line() {
    let Some(moto) = Moto::start() else { return };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(seed::apis_account(&seed::config(&moto.endpoint)));
    let template = "tests/fixtures/audit/shop-http.yaml";
    let output = audit(
        &moto,
        &[template, "--stack", seed::STACK, "--format", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let route = finding(&report, "WD401", "OrdersRoute");
    assert_eq!(route["file"], template);
    assert_eq!(
        (route["line"].as_u64(), route["column"].as_u64()),
        (Some(14), Some(26))
    );
    let message = route["message"].as_str().unwrap();
    assert!(
        message.contains("live: `\"NONE\"`; template: `AWS_IAM`"),
        "{message}"
    );
    // The REST API has no CloudFormation tags: its route is reported at its ARN.
    let rest = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "WD301")
        .unwrap_or_else(|| panic!("no WD301 in {report:#}"));
    let file = rest["file"].as_str().unwrap();
    assert!(
        file.starts_with("arn:aws:apigateway:us-east-1::/restapis/"),
        "{file}"
    );
    assert!(file.ends_with("-GET"), "{file}");
}

#[test]
fn credentials_come_from_a_named_profile_and_regions_from_the_flag() {
    let Some(moto) = Moto::start() else { return };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let east = seed::config_in(&moto.endpoint, "us-east-1");
            let west = seed::config_in(&moto.endpoint, "eu-west-1");
            let role = seed::role(&east, "region-role", None).await;
            seed::function(
                &east,
                "east",
                &role,
                None,
                &[("API_TOKEN", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB")],
            )
            .await;
            seed::function(
                &west,
                "west",
                &role,
                None,
                &[("API_TOKEN", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB")],
            )
            .await;
        });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[profile audit]\nregion = us-east-1\naws_access_key_id = fromprofile\naws_secret_access_key = fromprofile\n",
    )
    .unwrap();
    // No credentials in the environment: only the profile has them.
    let output = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "audit",
            "--profile",
            "audit",
            "--regions",
            "us-east-1,eu-west-1",
            "--format",
            "json",
        ])
        .args(["--endpoint-url", &moto.endpoint, "--max-attempts", "1"])
        .env_clear()
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let east = finding(&report, "WD101", "east");
    assert_eq!(
        east["file"],
        "arn:aws:lambda:us-east-1:123456789012:function:east"
    );
    let west = finding(&report, "WD101", "west");
    assert_eq!(
        west["file"],
        "arn:aws:lambda:eu-west-1:123456789012:function:west"
    );
}

#[test]
fn a_role_is_assumed_with_its_external_id() {
    let Some(moto) = seeded() else { return };
    let output = audit(
        &moto,
        &[
            "--role-arn",
            "arn:aws:iam::123456789012:role/warden-audit",
            "--external-id",
            "X-42",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    finding(&json(&output), "WD201", "orders-url");
}

#[test]
fn without_credentials_the_audit_is_an_error_not_a_clean_account() {
    let Some(moto) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args([
            "audit",
            "--regions",
            "us-east-1",
            "--format",
            "json",
            "--max-attempts",
            "1",
        ])
        .args(["--endpoint-url", &moto.endpoint])
        .env_clear()
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no AWS call succeeded"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn warden_toml_maps_stacks_and_template_comments_suppress_live_findings() {
    let Some(moto) = seeded() else { return };
    let dir = tempfile::tempdir().unwrap();
    let template = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE))
        .unwrap()
        .replace(
            "AuthType: AWS_IAM",
            "AuthType: AWS_IAM # warden:ignore WD201 reviewed: the URL is signed by CloudFront",
        );
    std::fs::write(dir.path().join("orders.yaml"), template).unwrap();
    let config = dir.path().join("warden.toml");
    std::fs::write(
        &config,
        format!("[audit.stacks]\n{} = \"orders.yaml\"\n", seed::STACK),
    )
    .unwrap();
    let output = audit(
        &moto,
        &["--config", config.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    // Mapped through warden.toml: the secret points at the template's line.
    let secret = finding(&report, "WD101", "OrdersFunction");
    let file = dir.path().join("orders.yaml");
    assert_eq!(secret["file"], file.to_str().unwrap());
    assert_eq!(secret["line"].as_u64(), Some(17));
    // The public URL's drift lands on the commented line: suppressed, and counted.
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "WD201"),
        "{report:#}"
    );
    assert_eq!(report["summary"]["suppressed"], 1, "{report:#}");
}

#[test]
fn a_baseline_of_an_account_holds_back_known_live_findings() {
    let Some(moto) = seeded() else { return };
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let written = audit(&moto, &["--write-baseline", baseline.to_str().unwrap()]);
    assert_eq!(written.status.code(), Some(0));
    let known: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let count = known["findings"].as_array().unwrap().len();
    assert!(count > 5, "{known:#}");
    // Live findings are named by their ARN.
    assert!(known["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|entry| entry["file"] == "arn:aws:lambda:us-east-1:123456789012:function:orders#url"));
    let output = audit(
        &moto,
        &["--baseline", baseline.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = json(&output);
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        0,
        "{report:#}"
    );
    assert_eq!(report["summary"]["suppressed"].as_u64(), Some(count as u64));
}

#[test]
fn all_regions_reads_the_regions_the_account_lists() {
    let Some(moto) = Moto::start() else { return };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let east = seed::config_in(&moto.endpoint, "us-east-1");
            let role = seed::role(&east, "r", None).await;
            for region in ["us-east-1", "eu-west-1"] {
                let config = seed::config_in(&moto.endpoint, region);
                seed::function(&config, &format!("fn-{region}"), &role, None, &[]).await;
            }
        });
    // moto has no AWS Account API: a recorded `ListRegions` answer.
    moto.record(
        "POST /listRegions",
        200,
        r#"{"Regions":[{"RegionName":"eu-west-1","RegionOptStatus":"ENABLED"},{"RegionName":"us-east-1","RegionOptStatus":"ENABLED_BY_DEFAULT"}]}"#,
    );
    let output = audit(&moto, &["--all-regions", "--stats", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("in eu-west-1, us-east-1 with"), "{stderr}");
    // Both functions are in the report (findings shared by both list the other as a related
    // place).
    let text = String::from_utf8_lossy(&output.stdout);
    json(&output);
    for region in ["us-east-1", "eu-west-1"] {
        let arn = format!("arn:aws:lambda:{region}:123456789012:function:fn-{region}");
        assert!(text.contains(&arn), "{arn} not in {text}");
    }
    // `--regions` and `--all-regions` do not go together.
    let both = audit(&moto, &["--all-regions", "--regions", "us-east-1"]);
    assert_eq!(both.status.code(), Some(2));
}
