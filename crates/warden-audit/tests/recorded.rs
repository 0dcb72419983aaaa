//! Answers moto cannot give (denials, an HTML page where XML is due) and the shapes of real
//! AWS answers, served by a loopback HTTP server from recorded responses.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use warden_audit::{read_account, AuditOptions};
use warden_diagnostics::SourceMap;

struct Reply {
    status: u16,
    content_type: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
}

const fn json(status: u16, body: &'static str) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        headers: &[],
        body: body.as_bytes(),
    }
}

const fn xml(status: u16, body: &'static str) -> Reply {
    Reply {
        status,
        content_type: "application/xml",
        headers: &[],
        body: body.as_bytes(),
    }
}

const LIST_FUNCTIONS_PAGE_2: &str = r#"{"Functions":[{"FunctionName":"rec2","FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:rec2","Runtime":"nodejs22.x","Role":"arn:aws:iam::123456789012:role/rec-role","Handler":"index.handler","Timeout":30,"MemorySize":256}]}"#;
const LIST_FUNCTIONS: &str = r#"{"NextMarker":"page-2","Functions":[{"FunctionName":"rec","FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:rec","Runtime":"python3.12","Role":"arn:aws:iam::123456789012:role/rec-role","Handler":"app.handler","Timeout":3,"MemorySize":128,"TracingConfig":{"Mode":"PassThrough"}}]}"#;
const LIST_MAPPINGS: &str = r#"{"EventSourceMappings":[{"UUID":"3f1c","FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:rec","EventSourceArn":"arn:aws:kinesis:us-east-1:123456789012:stream/clicks","BatchSize":100,"StartingPosition":"LATEST","MaximumRetryAttempts":-1,"BisectBatchOnFunctionError":false,"State":"Enabled","DestinationConfig":{"OnFailure":{}}}]}"#;
const DENIED_JSON: &str = r#"{"Message":"User: arn:aws:sts::123456789012:assumed-role/audit/x is not authorized to perform: lambda:GetFunctionUrlConfig"}"#;
const NOT_FOUND_JSON: &str =
    r#"{"Type":"User","Message":"The resource you requested does not exist."}"#;
const IAM_DENIED: &str = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: iam:ListRoles</Message></Error><RequestId>7a62c49f</RequestId></ErrorResponse>"#;
const LIST_BUCKETS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID></Owner><Buckets><Bucket><Name>rec-bucket</Name><CreationDate>2024-05-01T10:00:00.000Z</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket></Buckets></ListAllMyBucketsResult>"#;
const S3_ACL: &str = r#"<?xml version="1.0" encoding="UTF-8"?><AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>75aa</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>75aa</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>"#;

const GET_CALLER_IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/audit/warden-audit</Arn><UserId>AROAEXAMPLE:warden-audit</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#;
const LIST_VERSIONS: &str = r#"{"Versions":[{"FunctionName":"rec","FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:rec:$LATEST","Runtime":"python3.12","Version":"$LATEST"}]}"#;
const GET_CODE_SIGNING_CONFIG: &str = r#"{"CodeSigningConfig":{"CodeSigningConfigId":"csc-0f6f0e7c9f2a1b3c4","CodeSigningConfigArn":"arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0f6f0e7c9f2a1b3c4","Description":"release signing","AllowedPublishers":{"SigningProfileVersionArns":["arn:aws:signer:us-east-1:123456789012:/signing-profiles/release/abcdef0123"]},"CodeSigningPolicies":{"UntrustedArtifactOnDeployment":"Warn"},"LastModified":"2024-05-01T10:00:00.000+0000"}}"#;

fn s3_error(code: &'static str) -> Reply {
    let body: &'static str = Box::leak(
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>not found</Message><BucketName>rec-bucket</BucketName><RequestId>R1</RequestId><HostId>H1</HostId></Error>"#)
            .into_boxed_str(),
    );
    xml(404, body)
}

/// The recorded answer to a request; `operation` is the `X-Amz-Target` header of JSON
/// protocols.
fn answer(method: &str, target: &str, operation: &str, body: &str) -> Reply {
    // The services this account does not use answer empty lists.
    match operation {
        "DynamoDB_20120810.ListTables" => return json(200, r#"{"TableNames":[]}"#),
        "secretsmanager.ListSecrets" => return json(200, r#"{"SecretList":[]}"#),
        "Logs_20140328.DescribeLogGroups" => return json(200, r#"{"logGroups":[]}"#),
        "AmazonSQS.ListQueues" => return json(200, r#"{"QueueUrls":[]}"#),
        "CloudTrail_20131101.DescribeTrails" => return json(200, r#"{"trailList":[]}"#),
        _ => {}
    }
    if body.contains("Action=GetCallerIdentity") {
        return xml(200, GET_CALLER_IDENTITY);
    }
    if body.contains("Action=ListTopics") {
        return xml(
            200,
            r#"<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics/></ListTopicsResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ListTopicsResponse>"#,
        );
    }
    if body.contains("Action=ListSubscriptions") {
        return xml(
            200,
            r#"<ListSubscriptionsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListSubscriptionsResult><Subscriptions/></ListSubscriptionsResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></ListSubscriptionsResponse>"#,
        );
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let has = |name: &str| {
        query
            .split('&')
            .any(|pair| pair == name || pair.starts_with(&format!("{name}=")))
    };
    match (method, path) {
        ("GET", "/2015-03-31/functions/") | ("GET", "/2015-03-31/functions") => {
            if has("Marker") {
                json(200, LIST_FUNCTIONS_PAGE_2)
            } else {
                json(200, LIST_FUNCTIONS)
            }
        }
        ("GET", "/2015-03-31/event-source-mappings/") | ("GET", "/2015-03-31/event-source-mappings") => {
            json(200, LIST_MAPPINGS)
        }
        ("GET", p) if p.starts_with("/2017-03-31/tags/") => json(200, r#"{"Tags":{}}"#),
        // CloudWatch speaks Smithy RPC v2 CBOR: an empty map is "no alarms".
        ("POST", "/service/GraniteServiceVersion20100801/operation/DescribeAlarms") => Reply {
            status: 200,
            content_type: "application/cbor",
            headers: &[("smithy-protocol", "rpc-v2-cbor")],
            body: &[0xa0],
        },
        // Never configured at account level.
        // S3 Control wraps its errors, unlike S3.
        ("GET", "/v20180820/configuration/publicAccessBlock") => xml(
            404,
            r#"<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Code>NoSuchPublicAccessBlockConfiguration</Code><Message>The public access block configuration was not found</Message><AccountId>123456789012</AccountId></Error><RequestId>R2</RequestId><HostId>H2</HostId></ErrorResponse>"#,
        ),
        ("GET", "/domainnames") => json(200, r#"{"item":[]}"#),
        ("GET", "/v2/domainnames") => json(200, r#"{"items":[]}"#),
        ("GET", p) if p.ends_with("/versions") => json(200, LIST_VERSIONS),
        ("GET", p) if p.ends_with("/aliases") => json(200, r#"{"Aliases":[]}"#),
        ("GET", "/2020-06-30/functions/rec/code-signing-config") => json(
            200,
            r#"{"CodeSigningConfigArn":"arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0f6f0e7c9f2a1b3c4","FunctionName":"rec"}"#,
        ),
        ("GET", "/2020-06-30/functions/rec2/code-signing-config") => {
            json(200, r#"{"CodeSigningConfigArn":"","FunctionName":"rec2"}"#)
        }
        ("GET", p) if p.starts_with("/2020-04-22/code-signing-configs/") => {
            json(200, GET_CODE_SIGNING_CONFIG)
        }
        ("GET", "/restapis") => json(200, r#"{"item":[]}"#),
        ("GET", "/v2/apis") => json(200, r#"{"items":[]}"#),
        ("GET", p) if p.ends_with("/concurrency") => json(200, "{}"),
        // No asynchronous invocation settings: a 404, which is "absent".
        ("GET", p) if p.ends_with("/event-invoke-config") => Reply {
            headers: &[("x-amzn-ErrorType", "ResourceNotFoundException")],
            ..json(404, NOT_FOUND_JSON)
        },
        ("GET", p) if p.starts_with("/2021-10-31/functions/") && p.ends_with("/url") => Reply {
            headers: &[("x-amzn-ErrorType", "AccessDeniedException")],
            ..json(403, DENIED_JSON)
        },
        ("GET", p) if p.ends_with("/policy") && p.starts_with("/2015-03-31/functions/") => Reply {
            headers: &[(
                "x-amzn-ErrorType",
                "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.awsgirpsvc/",
            )],
            ..json(404, NOT_FOUND_JSON)
        },
        ("POST", "/") if body.contains("Action=ListRoles") => xml(403, IAM_DENIED),
        ("GET", "/") => xml(200, LIST_BUCKETS),
        ("GET", "/rec-bucket") | ("GET", "/rec-bucket/") => {
            if has("tagging") {
                s3_error("NoSuchTagSet")
            } else if has("acl") {
                xml(200, S3_ACL)
            } else if has("policy") {
                s3_error("NoSuchBucketPolicy")
            } else if has("publicAccessBlock") {
                s3_error("NoSuchPublicAccessBlockConfiguration")
            } else if has("encryption") {
                s3_error("ServerSideEncryptionConfigurationNotFoundError")
            } else if has("logging") {
                xml(200, r#"<?xml version="1.0" encoding="UTF-8"?><BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LoggingEnabled><TargetBucket>rec-logs</TargetBucket><TargetPrefix>rec/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>"#)
            } else if has("notification") {
                xml(
                    200,
                    r#"<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>"#,
                )
            } else if has("ownershipControls") {
                s3_error("OwnershipControlsNotFoundError")
            } else if has("versioning") {
                // What moto answers: a page, not the document the SDK reads.
                Reply { status: 500, content_type: "text/html", headers: &[], body: b"<!doctype html><html><body>Internal Server Error</body></html>" }
            } else {
                Reply { status: 400, content_type: "text/plain", headers: &[], body: b"unexpected" }
            }
        }
        _ => Reply { status: 400, content_type: "text/plain", headers: &[], body: b"unexpected" },
    }
}

fn serve(stream: TcpStream, log: Arc<Mutex<Vec<String>>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut content_length = 0;
        let mut operation = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
                if name.eq_ignore_ascii_case("x-amz-target") {
                    operation = value.trim().to_string();
                }
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body).unwrap();
        let body = String::from_utf8_lossy(&body).to_string();
        let mut parts = request_line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        log.lock()
            .unwrap()
            .push(format!("{method} {target} {body}"));
        let reply = answer(method, target, &operation, &body);
        let mut head = format!(
            "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            reply.status,
            reply.content_type,
            reply.body.len()
        );
        for (name, value) in reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if stream.write_all(head.as_bytes()).is_err() || stream.write_all(reply.body).is_err() {
            return;
        }
    }
}

fn recorded_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let shared = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = shared.clone();
            std::thread::spawn(move || serve(stream, log));
        }
    });
    (endpoint, log)
}

fn audit_recorded() -> warden_audit::Audit {
    let (endpoint, _log) = recorded_server();
    for (key, value) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_CONFIG_FILE", "/nonexistent/warden-test-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/warden-test-credentials",
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        std::env::set_var(key, value);
    }
    let options = AuditOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(endpoint),
        max_attempts: Some(1),
        ..AuditOptions::default()
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(read_account(&options))
        .unwrap()
}

#[test]
fn denied_and_unreadable_calls_are_notices_and_the_audit_carries_on() {
    let audit = audit_recorded();
    let messages: Vec<&str> = audit.notices.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "not analysed: `iam:ListRoles` denied in global for 1 role list (AccessDenied)",
            "not analysed: `lambda:GetFunctionUrlConfig` denied in us-east-1 for 2 functions (AccessDeniedException)",
            "not analysed: `s3:GetBucketVersioning` failed in us-east-1 for 1 bucket (HTTP 500 without an error code)",
        ],
        "{messages:#?}"
    );
    let kinds: Vec<&str> = audit.notices.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        ["live-call-denied", "live-call-denied", "live-call-failed"]
    );
    // The function and the bucket were read all the same.
    let function = audit
        .model
        .resources
        .iter()
        .find(|r| r.name == "rec" && r.resource_type == "AWS::Lambda::Function")
        .expect("the function is read despite the denials");
    assert_eq!(function.properties["Timeout"], 3);
    // The second page of functions (`NextMarker`) is read too.
    assert!(audit.model.resources.iter().any(|r| r.name == "rec2"));
    assert_eq!(audit.actions_called["lambda:ListFunctions"], 2);
}

#[test]
fn recorded_not_found_answers_are_absent_settings() {
    let audit = audit_recorded();
    // ResourceNotFoundException on the function policy: no permissions, and no notice.
    assert!(!audit
        .model
        .resources
        .iter()
        .any(|r| r.resource_type == "AWS::Lambda::Permission"));
    let bucket = audit
        .model
        .resources
        .iter()
        .find(|r| r.resource_type == "AWS::S3::Bucket")
        .unwrap();
    // NoSuchPublicAccessBlockConfiguration: nothing blocked.
    assert_eq!(
        bucket.properties["PublicAccessBlockConfiguration"]["BlockPublicAcls"],
        false
    );
    // ServerSideEncryptionConfigurationNotFoundError: no default encryption.
    assert!(bucket.properties.get("BucketEncryption").is_none());
    // NoSuchBucketPolicy: no policy resource.
    assert!(!audit
        .model
        .resources
        .iter()
        .any(|r| r.resource_type == "AWS::S3::BucketPolicy"));
    assert_eq!(
        bucket.properties["LoggingConfiguration"],
        serde_json::json!({"DestinationBucketName": "rec-logs", "LogFilePrefix": "rec/"})
    );
    // An ACL granting AllUsers READ is the canned `PublicRead`.
    assert_eq!(bucket.properties["AccessControl"], "PublicRead");
    for notice in &audit.notices {
        for action in [
            "lambda:GetPolicy",
            "s3:GetBucketPolicy",
            "s3:GetBucketPublicAccessBlock",
            "s3:GetEncryptionConfiguration",
            "s3:GetBucketTagging",
        ] {
            assert_ne!(notice.path.as_deref(), Some(action));
        }
    }
}

#[test]
fn a_recorded_event_source_mapping_reaches_the_stream_rule() {
    let audit = audit_recorded();
    let mapping = audit
        .model
        .resources
        .iter()
        .find(|r| r.resource_type == "AWS::Lambda::EventSourceMapping")
        .expect("the mapping");
    assert_eq!(
        mapping.properties["EventSourceArn"]["$arn"],
        "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
    );
    assert_eq!(mapping.properties["MaximumRetryAttempts"], -1);
    let mut sources = SourceMap::new();
    let live = audit.model.load(&mut sources, &[]).unwrap().unwrap();
    let findings = warden_rules::check_template(
        &live.template,
        &|_: &warden_rules::RuleMeta| true,
        &warden_rules::CheckOptions::default(),
    );
    let codes: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.code, f.resource.as_str()))
        .collect();
    // The stream mapping retries forever with no failure destination.
    let stream = findings
        .iter()
        .find(|f| f.code == "WD110" && f.resource == "rec")
        .unwrap_or_else(|| panic!("{codes:?}"));
    // It points at the mapping's live `MaximumRetryAttempts`, in the mapping's own text.
    let relocated = live.relocate(stream.span);
    let location = sources.locate(relocated).unwrap();
    assert_eq!(
        location.file,
        "arn:aws:lambda:us-east-1:123456789012:function:rec#mapping-3f1c"
    );
    let text = &sources.get(relocated.file).unwrap().text;
    assert_eq!(
        &text[relocated.start as usize..relocated.end as usize],
        "-1"
    );
    // ACLs apply (no ownership controls) and nothing blocks them: the public ACL counts.
    assert!(codes.contains(&("WD701", "rec-bucket")), "{codes:?}");
    // Versioning could not be read: the versioning rule must not conclude.
    assert!(!findings.iter().any(|f| f.code == "WD716"), "{codes:?}");
}

#[test]
fn a_recorded_code_signing_configuration_and_account_block_are_read() {
    // moto has no code signing configurations and no account-level answer without one.
    let audit = audit_recorded();
    let config = audit
        .model
        .resources
        .iter()
        .find(|r| r.resource_type == "AWS::Lambda::CodeSigningConfig")
        .expect("the code signing configuration");
    assert_eq!(
        config.properties["CodeSigningPolicies"]["UntrustedArtifactOnDeployment"],
        "Warn"
    );
    let function = |name: &str| {
        audit
            .model
            .resources
            .iter()
            .find(|r| r.resource_type == "AWS::Lambda::Function" && r.name == name)
            .unwrap()
    };
    assert_eq!(
        function("rec").properties["CodeSigningConfigArn"]["$arn"],
        config.arn.as_str()
    );
    // An empty ARN is "none".
    assert!(function("rec2")
        .properties
        .get("CodeSigningConfigArn")
        .is_none());
    // `$LATEST` is the function, not a version.
    assert!(!audit
        .model
        .resources
        .iter()
        .any(|r| r.resource_type == "AWS::Lambda::Version"));
    // NoSuchPublicAccessBlockConfiguration at account level: nothing blocked.
    let block = audit
        .model
        .resources
        .iter()
        .find(|r| r.resource_type == warden_audit::ACCOUNT_PUBLIC_ACCESS_BLOCK)
        .expect("the account-level block");
    assert_eq!(
        block.properties["PublicAccessBlockConfiguration"]["BlockPublicAcls"],
        false
    );
    let mut sources = SourceMap::new();
    let live = audit.model.load(&mut sources, &[]).unwrap().unwrap();
    let findings = warden_rules::check_template(
        &live.template,
        &|_: &warden_rules::RuleMeta| true,
        &warden_rules::CheckOptions::default(),
    );
    let unsigned: Vec<&str> = findings
        .iter()
        .filter(|f| f.code == "WD124")
        .map(|f| f.resource.as_str())
        .collect();
    assert_eq!(unsigned, ["rec2"]);
}
