//! Every generated CloudFormation stack, created on moto's server (a local AWS API, from
//! PyPI's `moto[server]`): CreateStack reaches `CREATE_COMPLETE`, and the resources moto's
//! CloudFormation creates are read back through the services' own APIs with the values
//! that matter, references resolved: the backup bucket's encryption, the error log group
//! and its retention, the two roles' trust policies (`firehose.amazonaws.com` with this
//! account as external id, `logs.amazonaws.com` for this account and region) and inline
//! policies (the bucket, the log group and the ingest key secret moto holds), and with
//! `--audit-role` the audit role's trust (the principal and external id passed) and its
//! read-only policy (`AUDIT_ACTIONS`), plus the stack's outputs.
//!
//! moto 5 (checked with 5.2.1 and 5.2.6) creates `AWS::S3::Bucket` (taking only `BucketEncryption` and `Tags` from it:
//! versioning, lifecycle, public access block and ownership controls are dropped),
//! `AWS::Logs::LogGroup` and `AWS::IAM::Role`. It has no CloudFormation model for
//! [`NOT_CREATED_BY_MOTO`]: it skips those resources silently (listing them as blank stack
//! resources), and a stack that reads an attribute of one (`!GetAtt DeliveryStream.Arn`)
//! fails with an internal error. So the test creates each template with exactly those
//! resources removed and every reference to them replaced by a stand-in ([`stand_in`];
//! only the stream's ARN is referenced, by the CloudWatch Logs role and an output); any
//! other reference to a removed resource fails the test. The Firehose stream, the
//! subscriptions, the bucket policy, the error log stream and the bucket properties moto
//! drops are covered by `cfn_lint.rs`, `dogfood.rs` and the snapshots only.
//!
//! Requests are plain HTTP with a SigV4-shaped `Authorization` header naming the service,
//! which moto routes by and does not verify; moto's own inline-policy answer for roles it
//! created from a template is a Python `repr`, read by [`policy_document`]. The server is
//! found as `cfn_lint.rs` finds `cfn-lint`: `WARDEN_MOTO_SERVER`, the workspace's
//! `.venv-moto`, `/opt/warden-venv`, `PATH`.
//! Without it the test prints one line and passes, except under `CI=true`, where it fails.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use warden_connect::{ConnectOptions, Format, Subscription, AUDIT_ACTIONS, BACKUP_DAYS};
use warden_diagnostics::FileId;

/// The resource types of the stacks that moto's CloudFormation creates.
const CREATED_BY_MOTO: &[&str] = &["AWS::IAM::Role", "AWS::Logs::LogGroup", "AWS::S3::Bucket"];

/// The resource types of the stacks that moto's CloudFormation has no model for; removed
/// before CreateStack.
const NOT_CREATED_BY_MOTO: &[&str] = &[
    "AWS::KinesisFirehose::DeliveryStream",
    "AWS::Logs::AccountPolicy",
    "AWS::Logs::LogStream",
    "AWS::Logs::SubscriptionFilter",
    "AWS::S3::BucketPolicy",
];

/// What the audit role's parameters are given.
const AUDIT_PRINCIPAL: &str = "arn:aws:iam::123456789012:role/warden-auditor";
const AUDIT_EXTERNAL_ID: &str = "warden-moto-external-id";

const REGION: &str = "us-east-1";

struct Moto {
    child: Child,
    endpoint: String,
    agent: ureq::Agent,
    /// moto's stderr: the traceback behind an internal error (500) is only there.
    log: tempfile::NamedTempFile,
}

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
    let workspace = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    for venv in [
        workspace.join(".venv-moto/bin/moto_server"),
        PathBuf::from("/opt/warden-venv/bin/moto_server"),
    ] {
        if venv.is_file() {
            return Some(venv);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("moto_server"))
            .find(|candidate| candidate.is_file())
    })
}

impl Moto {
    /// A fresh server on a free loopback port, or `None` (and one line on stderr) when moto
    /// is not installed.
    fn start() -> Option<Moto> {
        let Some(server) = moto_server() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "moto_server not found: .ci/run installs it into .venv-moto"
            );
            // To the stream itself: the harness hides `eprintln!` of passing tests.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "note: connect moto test skipped: moto_server not found (python3 -m venv .venv-moto && .venv-moto/bin/pip install 'moto[server]')"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let log = tempfile::NamedTempFile::new().expect("a log file");
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(log.reopen().expect("the log file"))
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", server.display()));
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(60))
                .build(),
            log,
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

    fn log_len(&self) -> usize {
        std::fs::metadata(self.log.path()).map_or(0, |meta| meta.len() as usize)
    }

    /// The exception moto logged after byte `since` of its log: what an internal error (500)
    /// was. moto may write it just after answering, so wait for it a little.
    fn error_since(&self, since: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = std::fs::read(self.log.path()).unwrap_or_default();
            let new = String::from_utf8_lossy(log.get(since..).unwrap_or_default()).into_owned();
            let exception = new.lines().rev().find(|line| {
                !line.starts_with(' ') && (line.contains("Error") || line.contains("Exception"))
            });
            if let Some(line) = exception {
                return line.to_string();
            }
            if Instant::now() > deadline {
                return "moto logged no exception".to_string();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Forgets every resource: each variant starts from an empty account.
    fn reset(&self) {
        let (status, body) = answer(
            self.agent
                .post(&format!("{}/moto-api/reset", self.endpoint))
                .call(),
        );
        assert_eq!(status, 200, "moto reset: {body}");
    }

    fn request(&self, method: &str, path: &str, service: &str) -> ureq::Request {
        // moto routes by the service of the credential scope and checks no signature.
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        self.agent
            .request(method, &format!("{}{path}", self.endpoint))
            .set("Authorization", &authorization)
    }

    /// A query-protocol call (CloudFormation, IAM): the status and the XML answer.
    fn query(&self, service: &str, version: &str, params: &[(&str, &str)]) -> (u16, String) {
        let mut form = vec![("Version", version)];
        form.extend_from_slice(params);
        answer(self.request("POST", "/", service).send_form(&form))
    }

    /// A query-protocol call that must succeed: its XML answer.
    fn query_ok(&self, service: &str, version: &str, params: &[(&str, &str)]) -> String {
        let (status, body) = self.query(service, version, params);
        assert_eq!(status, 200, "{service} {params:?}: {body}");
        body
    }

    fn cloudformation(&self, params: &[(&str, &str)]) -> String {
        self.query_ok("cloudformation", "2010-05-15", params)
    }

    fn iam(&self, params: &[(&str, &str)]) -> String {
        self.query_ok("iam", "2010-05-08", params)
    }

    /// A JSON-protocol call (CloudWatch Logs, Secrets Manager) that must succeed.
    fn json(&self, service: &str, target: &str, body: Value) -> Value {
        let (status, text) = answer(
            self.request("POST", "/", service)
                .set("X-Amz-Target", target)
                .set("Content-Type", "application/x-amz-json-1.1")
                .send_string(&body.to_string()),
        );
        assert_eq!(status, 200, "{target}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{target}: {e}: {text}"))
    }

    /// An S3 REST GET that must succeed (path-style): the XML answer.
    fn s3_get(&self, path: &str) -> String {
        let (status, body) = answer(self.request("GET", path, "s3").call());
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
}

fn answer(result: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("moto did not answer: {error}"),
    };
    let status = response.status();
    (status, response.into_string().expect("a text answer"))
}

/// The text of every element named `name` (local name), in document order.
fn texts(xml: &str, name: &str) -> Vec<String> {
    let document =
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid XML ({e}): {xml}"));
    document
        .descendants()
        .filter(|node| node.has_tag_name(name))
        .map(|node| node.text().unwrap_or_default().to_string())
        .collect()
}

fn text(xml: &str, name: &str) -> String {
    match texts(xml, name).as_slice() {
        [one] => one.clone(),
        other => panic!("expected one <{name}>, found {}: {xml}", other.len()),
    }
}

/// `(key, value)` of each `member` that has both, e.g. the outputs of DescribeStacks.
fn members(xml: &str, key: &str, value: &str) -> BTreeMap<String, String> {
    let document = roxmltree::Document::parse(xml).expect("valid XML");
    let child = |node: roxmltree::Node, name: &str| {
        node.children()
            .find(|child| child.has_tag_name(name))
            .map(|child| child.text().unwrap_or_default().to_string())
    };
    document
        .descendants()
        .filter(|node| node.has_tag_name("member"))
        .filter_map(|node| Some((child(node, key)?, child(node, value)?)))
        .collect()
}

/// An IAM policy document as IAM returns it: URL-encoded JSON. moto 5 returns the inline
/// policies of a role CloudFormation created as the Python `repr` of the document
/// (`{'Version': '2012-10-17', ...}`); that form is read too.
fn policy_document(text: &str) -> Value {
    let decoded = if text.starts_with('{') {
        text.to_string()
    } else {
        url::form_urlencoded::parse(format!("d={text}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    serde_json::from_str(&decoded)
        .or_else(|_| serde_json::from_str(&python_literal_to_json(&decoded)))
        .unwrap_or_else(|e| panic!("not a policy document ({e}): {text}"))
}

/// Rewrites a Python literal of dicts, lists and plain strings as JSON.
fn python_literal_to_json(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let mut string = String::new();
                loop {
                    match chars.next() {
                        Some(end) if end == c => break,
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('\\' | '\'' | '"')) => string.push(escaped),
                            other => panic!("unexpected escape \\{other:?} in {text}"),
                        },
                        Some(other) => string.push(other),
                        None => panic!("unterminated string in {text}"),
                    }
                }
                out.push_str(&Value::String(string).to_string());
            }
            'T' if chars.as_str().starts_with("rue") => {
                chars.nth(2);
                out.push_str("true");
            }
            'F' if chars.as_str().starts_with("alse") => {
                chars.nth(3);
                out.push_str("false");
            }
            'N' if chars.as_str().starts_with("one") => {
                chars.nth(2);
                out.push_str("null");
            }
            other => out.push(other),
        }
    }
    out
}

/// The template as JSON (short forms such as `!GetAtt A.B` in their long form, by Warden's
/// own CloudFormation parser) with the resources of [`NOT_CREATED_BY_MOTO`] removed and the
/// references to them replaced. Returns the template and the removed logical ids.
fn for_moto(yaml: &str) -> (Value, BTreeSet<String>) {
    let node = warden_iac::parse::parse_yaml(yaml, FileId(0)).expect("the stack parses");
    let mut template = warden_iac::node::to_json(&node);
    let resources = template["Resources"].as_object_mut().expect("Resources");
    let mut removed = BTreeMap::new();
    for (logical_id, resource) in std::mem::take(resources) {
        let kind = resource["Type"].as_str().unwrap_or_default();
        if NOT_CREATED_BY_MOTO.contains(&kind) {
            removed.insert(logical_id, resource);
        } else {
            assert!(
                CREATED_BY_MOTO.contains(&kind),
                "{logical_id} has type {kind}: add it to CREATED_BY_MOTO or NOT_CREATED_BY_MOTO"
            );
            resources.insert(logical_id, resource);
        }
    }
    replace_references(&mut template, &removed, "template");
    (template, removed.into_keys().collect())
}

/// What replaces `!GetAtt logical_id.attribute` of a removed resource: the value
/// CloudFormation would give.
fn stand_in(resource: &Value, attribute: Option<&str>) -> Option<Value> {
    match (resource["Type"].as_str()?, attribute) {
        ("AWS::KinesisFirehose::DeliveryStream", Some("Arn")) => {
            let name = resource["Properties"]["DeliveryStreamName"].as_str()?;
            Some(json!({
                "Fn::Sub":
                    format!("arn:${{AWS::Partition}}:firehose:${{AWS::Region}}:${{AWS::AccountId}}:deliverystream/{name}")
            }))
        }
        _ => None,
    }
}

/// Replaces each `Ref`/`Fn::GetAtt` of a removed resource by its [`stand_in`]; any other
/// mention of one (no stand-in, `Fn::Sub`, `DependsOn`) fails.
fn replace_references(value: &mut Value, removed: &BTreeMap<String, Value>, at: &str) {
    let target = match &*value {
        Value::Object(map) if map.len() == 1 => match map.iter().next() {
            Some((key, Value::String(id))) if key == "Ref" => Some((id.clone(), None)),
            Some((key, Value::Array(parts))) if key == "Fn::GetAtt" => {
                let id = parts[0].as_str().unwrap_or_default().to_string();
                Some((id, parts.get(1).and_then(Value::as_str).map(String::from)))
            }
            _ => None,
        },
        _ => None,
    };
    if let Some((id, attribute)) = target {
        if let Some(resource) = removed.get(&id) {
            *value = stand_in(resource, attribute.as_deref()).unwrap_or_else(|| {
                panic!("{at} refers to {id} ({attribute:?}), which moto cannot create: give it a stand-in")
            });
        }
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let mentions = |text: &str| {
                    removed.keys().find(|id| {
                        (key == "Fn::Sub"
                            && (text.contains(&format!("${{{id}}}"))
                                || text.contains(&format!("${{{id}."))))
                            || (key == "DependsOn" && text == id.as_str())
                    })
                };
                let strings: Vec<&str> = match &*child {
                    Value::String(text) => vec![text],
                    Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if let Some(id) = strings.into_iter().find_map(mentions) {
                    panic!("{at}.{key} mentions {id}, which moto cannot create");
                }
                replace_references(child, removed, &format!("{at}.{key}"));
            }
        }
        Value::Array(items) => {
            for item in items {
                replace_references(item, removed, at);
            }
        }
        _ => {}
    }
}

/// The logical ids of the resources moto creates and of those removed for it.
fn expected_resources(options: &ConnectOptions) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut created = vec![
        "BackupBucket".to_string(),
        "DeliveryErrorLogGroup".into(),
        "FirehoseRole".into(),
        "LogsToFirehoseRole".into(),
    ];
    if options.audit_role {
        created.push("AuditRole".into());
    }
    let mut removed = vec![
        "BackupBucketPolicy".to_string(),
        "DeliveryErrorLogStream".into(),
        "DeliveryStream".into(),
    ];
    match &options.subscription {
        Subscription::Account { .. } => removed.push("AccountSubscription".into()),
        Subscription::LogGroups(groups) => {
            removed.extend((1..=groups.len()).map(|n| format!("LogGroupSubscription{n}")))
        }
    }
    (created.into_iter().collect(), removed.into_iter().collect())
}

/// A stack moto created: its DescribeStacks answer and the physical id of each resource.
struct Stack {
    described: String,
    physical_ids: BTreeMap<String, String>,
}

/// CreateStack, then the stack must reach `CREATE_COMPLETE` with every resource of the
/// template created.
fn create_stack(
    moto: &Moto,
    stack_name: &str,
    template: &Value,
    parameters: &[(&str, &str)],
) -> Result<Stack, String> {
    let template_body = template.to_string();
    let mut form = vec![
        ("Action".to_string(), "CreateStack".to_string()),
        ("StackName".into(), stack_name.into()),
        ("TemplateBody".into(), template_body),
        ("Capabilities.member.1".into(), "CAPABILITY_IAM".into()),
    ];
    for (index, (key, value)) in parameters.iter().enumerate() {
        let n = index + 1;
        form.push((
            format!("Parameters.member.{n}.ParameterKey"),
            key.to_string(),
        ));
        form.push((
            format!("Parameters.member.{n}.ParameterValue"),
            value.to_string(),
        ));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let log_len = moto.log_len();
    let (status, created) = moto.query("cloudformation", "2010-05-15", &form);
    if status == 500 {
        let error = moto.error_since(log_len);
        return Err(format!("CreateStack answered 500: {error}"));
    }
    if status != 200 {
        return Err(format!("CreateStack answered {status}: {created}"));
    }
    let stack_id = text(&created, "StackId");

    // moto creates synchronously; wait anyway, as for CloudFormation.
    let deadline = Instant::now() + Duration::from_secs(30);
    let described = loop {
        let described =
            moto.cloudformation(&[("Action", "DescribeStacks"), ("StackName", &stack_id)]);
        let status = text(&described, "StackStatus");
        if !status.ends_with("_IN_PROGRESS") || Instant::now() > deadline {
            break described;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let status = text(&described, "StackStatus");
    if status != "CREATE_COMPLETE" {
        return Err(format!("the stack is {status}: {described}"));
    }

    let listed = moto.cloudformation(&[("Action", "ListStackResources"), ("StackName", &stack_id)]);
    let document = roxmltree::Document::parse(&listed).expect("valid XML");
    let mut physical_ids = BTreeMap::new();
    for member in document.descendants().filter(|n| n.has_tag_name("member")) {
        let field = |name: &str| {
            member
                .children()
                .find(|child| child.has_tag_name(name))
                .and_then(|child| child.text())
                .unwrap_or_default()
        };
        let id = field("LogicalResourceId");
        if field("ResourceStatus") != "CREATE_COMPLETE"
            || field("ResourceType") != template["Resources"][id]["Type"]
            || field("PhysicalResourceId").is_empty()
        {
            return Err(format!(
                "{id:?} was not created as the template says: {listed}"
            ));
        }
        physical_ids.insert(id.to_string(), field("PhysicalResourceId").to_string());
    }
    Ok(Stack {
        described,
        physical_ids,
    })
}

/// A role as IAM returns it: the GetRole answer, its trust policy and its inline policies
/// by name.
struct Role {
    got: String,
    trust: Value,
    policies: BTreeMap<String, Value>,
}

fn role(moto: &Moto, name: &str) -> Role {
    let got = moto.iam(&[("Action", "GetRole"), ("RoleName", name)]);
    let trust = policy_document(&text(&got, "AssumeRolePolicyDocument"));
    let listed = moto.iam(&[("Action", "ListRolePolicies"), ("RoleName", name)]);
    let policies = texts(&listed, "member")
        .into_iter()
        .map(|policy| {
            let answer = moto.iam(&[
                ("Action", "GetRolePolicy"),
                ("RoleName", name),
                ("PolicyName", &policy),
            ]);
            (policy, policy_document(&text(&answer, "PolicyDocument")))
        })
        .collect();
    Role {
        got,
        trust,
        policies,
    }
}

fn same(what: &str, got: Value, expected: Value) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!(
            "{what}:\n got      {got:#}\n expected {expected:#}"
        ))
    }
}

/// `{"Version": "2012-10-17", "Statement": [statements]}`
fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Creates the stack `yaml` (generated from `options`) on a reset `moto` and reads back
/// what it created.
fn create_and_check(
    moto: &Moto,
    stack_name: &str,
    options: &ConnectOptions,
    yaml: &str,
) -> Result<(), String> {
    moto.reset();
    let (template, removed) = for_moto(yaml);
    let (expected_created, expected_removed) = expected_resources(options);
    assert_eq!(removed, expected_removed, "{stack_name}: removed resources");

    // The ingest key secret the stack is pointed at, and the parameters.
    let secret = moto.json(
        "secretsmanager",
        "secretsmanager.CreateSecret",
        json!({"Name": "warden/ingest-key", "SecretString": "{\"api_key\": \"moto\"}"}),
    );
    let secret_arn = secret["ARN"].as_str().expect("a secret ARN");
    let account = secret_arn.split(':').nth(4).expect("an account");
    let parameters: Vec<(&str, &str)> = template["Parameters"]
        .as_object()
        .expect("Parameters")
        .keys()
        .map(|name| {
            let value = match name.as_str() {
                "IngestKeySecretArn" => secret_arn,
                "AuditPrincipalArn" => AUDIT_PRINCIPAL,
                "AuditExternalId" => AUDIT_EXTERNAL_ID,
                other => panic!("{stack_name}: no value for the parameter {other}"),
            };
            (name.as_str(), value)
        })
        .collect();

    let stack = create_stack(moto, stack_name, &template, &parameters)?;
    same(
        "stack resources",
        json!(stack.physical_ids.keys().collect::<Vec<_>>()),
        json!(expected_created),
    )?;
    let physical = |id: &str| stack.physical_ids[id].as_str();

    // The backup bucket: encrypted with S3-managed keys.
    let bucket = physical("BackupBucket");
    let encryption = moto.s3_get(&format!("/{bucket}?encryption"));
    same(
        "bucket encryption",
        json!(texts(&encryption, "SSEAlgorithm")),
        json!(["AES256"]),
    )?;

    // The error log group: named for the stream, kept as long as the backups.
    let log_group = options.error_log_group();
    same(
        "error log group",
        json!(physical("DeliveryErrorLogGroup")),
        json!(log_group),
    )?;
    let groups = moto.json(
        "logs",
        "Logs_20140328.DescribeLogGroups",
        json!({"logGroupNamePrefix": log_group}),
    );
    let retention: Vec<&Value> = groups["logGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|group| group["logGroupName"] == log_group.as_str())
        .map(|group| &group["retentionInDays"])
        .collect();
    same(
        "error log group retention",
        json!(retention),
        json!([BACKUP_DAYS]),
    )?;
    let log_group_arn = format!("arn:aws:logs:{REGION}:{account}:log-group:{log_group}");

    // The roles: trust and inline policies, every reference resolved.
    let firehose = role(moto, physical("FirehoseRole"));
    same(
        "FirehoseRole trust",
        firehose.trust,
        policy(json!([{
            "Effect": "Allow",
            "Principal": {"Service": "firehose.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": account}},
        }])),
    )?;
    let mut policies = firehose.policies;
    // CloudFormation's `Arn` of a log group ends in `:*`, moto's does not: both are the group.
    if let Some(resource) = policies
        .get_mut("deliver-to-warden")
        .and_then(|policy| policy["Statement"][1].get_mut("Resource"))
    {
        if resource.as_str() == Some(&format!("{log_group_arn}:*")) {
            *resource = json!(log_group_arn);
        }
    }
    same(
        "FirehoseRole policies",
        json!(policies),
        json!({"deliver-to-warden": policy(json!([
            {
                "Sid": "BackUpFailedDeliveries",
                "Effect": "Allow",
                "Action": [
                    "s3:AbortMultipartUpload",
                    "s3:GetBucketLocation",
                    "s3:GetObject",
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                    "s3:PutObject",
                ],
                "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            },
            {
                "Sid": "LogDeliveryErrors",
                "Effect": "Allow",
                "Action": "logs:PutLogEvents",
                "Resource": log_group_arn,
            },
            {
                "Sid": "ReadIngestKey",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arn,
            },
        ]))}),
    )?;

    // The stream's ARN is the stand-in's: what is checked here is the rest of the policy.
    let stream_arn = format!(
        "arn:aws:firehose:{REGION}:{account}:deliverystream/{}",
        options.name
    );
    let logs = role(moto, physical("LogsToFirehoseRole"));
    same(
        "LogsToFirehoseRole trust",
        logs.trust,
        policy(json!([{
            "Effect": "Allow",
            "Principal": {"Service": "logs.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringLike": {"aws:SourceArn": format!("arn:aws:logs:{REGION}:{account}:*")}},
        }])),
    )?;
    same(
        "LogsToFirehoseRole policies",
        json!(logs.policies),
        json!({"put-into-warden-stream": policy(json!([{
            "Effect": "Allow",
            "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
            "Resource": stream_arn,
        }]))}),
    )?;

    let mut outputs = BTreeMap::from([
        ("DeliveryStreamArn".to_string(), stream_arn),
        ("BackupBucketName".to_string(), bucket.to_string()),
        ("DeliveryErrorLogGroupName".to_string(), log_group),
    ]);
    if options.audit_role {
        let audit = role(moto, physical("AuditRole"));
        same(
            "AuditRole trust",
            audit.trust,
            policy(json!([{
                "Effect": "Allow",
                "Principal": {"AWS": AUDIT_PRINCIPAL},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": AUDIT_EXTERNAL_ID}},
            }])),
        )?;
        same(
            "AuditRole policies",
            json!(audit.policies),
            json!({"warden-audit-read-only": policy(json!([{
                "Sid": "WardenAuditReadOnly",
                "Effect": "Allow",
                "Action": AUDIT_ACTIONS,
                "Resource": "*",
            }]))}),
        )?;
        same(
            "AuditRole MaxSessionDuration",
            json!(text(&audit.got, "MaxSessionDuration")),
            json!("3600"),
        )?;
        outputs.insert("AuditRoleArn".to_string(), text(&audit.got, "Arn"));
    }
    same(
        "outputs",
        json!(members(&stack.described, "OutputKey", "OutputValue")),
        json!(outputs),
    )
}

#[test]
fn cloudformation_stacks_create_on_moto() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let mut failures = Vec::new();
    for (variant, options) in support::variants() {
        let yaml = support::render(&options, Format::CloudFormation);
        let stack_name = format!("warden-{}", variant.replace('_', "-"));
        if let Err(failure) = create_and_check(&moto, &stack_name, &options, &yaml) {
            failures.push(format!("{variant}: {failure}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    // A copy whose Firehose role trusts another service: the read-back can fail.
    let (_, options) = &support::variants()[0];
    let yaml = support::render(options, Format::CloudFormation);
    assert!(yaml.contains("Service: firehose.amazonaws.com"));
    let weakened = yaml.replace(
        "Service: firehose.amazonaws.com",
        "Service: lambda.amazonaws.com",
    );
    let failure = create_and_check(&moto, "warden-weakened", options, &weakened)
        .expect_err("a Firehose role that trusts Lambda passes");
    assert!(
        failure.starts_with("FirehoseRole trust") && failure.contains("lambda.amazonaws.com"),
        "{failure}"
    );
}
