//! `warden_pull::pull` against moto's server: log groups discovered by prefix, every page
//! of every group read, the events assembled by the same engine as `warden logs analyze`
//! into exactly the invocations that were written; a deleted group and a spent budget are
//! notices. moto is found as for the audit tests (`.venv-moto`, `WARDEN_MOTO_SERVER`).
//!
//! What moto (5.x) does not model, so these tests cannot show: throttling, IAM denials
//! (without its opt-in auth mode), ingestion delay, empty pages that still carry a
//! `nextToken`, and CloudWatch's 56-digit event ids (moto numbers events `0`, `1`, …).

#[path = "../../warden-audit/tests/support/moto.rs"]
mod moto;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use warden_audit::{AuditOptions, Clients};
use warden_logs::{AssemblerConfig, Pipeline};
use warden_pull::{pull, PullOptions, PullSummary};

/// Invocations written per stream; two streams per function.
const PER_STREAM: usize = 9;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn request_id(function: usize, stream: usize, n: usize) -> String {
    format!("{function:08x}-{stream:04x}-4000-8000-{n:012x}")
}

/// The lines of one invocation: every third an error, every ninth (from the fifth) a timeout.
fn invocation(id: &str, n: usize, at: i64) -> Vec<(i64, String)> {
    let mut lines = vec![(at, format!("START RequestId: {id} Version: $LATEST"))];
    let status = if n % 9 == 4 {
        "\tStatus: timeout"
    } else {
        if n % 3 == 0 {
            lines.push((
                at + 1,
                format!("2026-01-01T00:00:00.001Z\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"OrderError\",\"errorMessage\":\"order {n} failed\"}}"),
            ));
        }
        ""
    };
    lines.push((at + 2, format!("END RequestId: {id}")));
    lines.push((
        at + 3,
        format!("REPORT RequestId: {id}\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB{status}"),
    ));
    lines
}

fn aws(moto: &moto::Moto) -> AuditOptions {
    for (key, value) in moto.environment() {
        std::env::set_var(key, value);
    }
    AuditOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(moto.endpoint.clone()),
        ..AuditOptions::default()
    }
}

/// Writes `functions` Lambda log groups (and one other group); returns the events written.
async fn seed(options: &AuditOptions, functions: usize, start: i64) -> usize {
    let logs = Clients::load(options).await.unwrap().logs("us-east-1");
    logs.create_log_group()
        .log_group_name("/ecs/not-lambda")
        .send()
        .await
        .unwrap();
    let mut written = 0;
    for function in 0..functions {
        let group = format!("/aws/lambda/fn-{function}");
        logs.create_log_group()
            .log_group_name(&group)
            .send()
            .await
            .unwrap();
        for stream in 0..2 {
            let name = format!("2026/01/01/[$LATEST]{function:016x}{stream:016x}");
            logs.create_log_stream()
                .log_group_name(&group)
                .log_stream_name(&name)
                .send()
                .await
                .unwrap();
            let mut events = Vec::new();
            for n in 0..PER_STREAM {
                let at = start + (n as i64) * 1_000 + stream as i64 * 100;
                for (timestamp, message) in invocation(&request_id(function, stream, n), n, at) {
                    events.push(
                        InputLogEvent::builder()
                            .timestamp(timestamp)
                            .message(message)
                            .build()
                            .unwrap(),
                    );
                }
            }
            written += events.len();
            logs.put_log_events()
                .log_group_name(&group)
                .log_stream_name(&name)
                .set_log_events(Some(events))
                .send()
                .await
                .unwrap();
        }
    }
    written
}

fn run(options: &PullOptions) -> (PullSummary, Pipeline) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut pipeline = Pipeline::new(AssemblerConfig::default());
    let summary = runtime
        .block_on(pull(options, &mut |event| pipeline.push(event)))
        .unwrap();
    pipeline.finish();
    (summary, pipeline)
}

#[test]
fn every_page_of_every_group_becomes_the_invocations_written() {
    let Some(moto) = moto::Moto::start() else {
        return;
    };
    let aws = aws(&moto);
    let start = now_ms() - 10 * 60_000;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let written = runtime.block_on(seed(&aws, 3, start));
    let options = PullOptions {
        aws,
        log_group_prefix: Some("/aws/lambda/".into()),
        start_ms: start - 1,
        end_ms: now_ms() + 1,
        page_size: Some(7),
        requests_per_second: 1_000.0,
        ..PullOptions::default()
    };
    let (summary, pipeline) = run(&options);
    assert!(summary.notices.is_empty(), "{:?}", summary.notices);
    let groups: Vec<&str> = summary
        .groups
        .iter()
        .map(|g| g.log_group.as_str())
        .collect();
    assert_eq!(
        groups,
        ["/aws/lambda/fn-0", "/aws/lambda/fn-1", "/aws/lambda/fn-2"]
    );
    assert_eq!(summary.events() as usize, written, "every event read once");
    for group in &summary.groups {
        // 2 streams × (9 invocations × 3 lines + 3 error lines), 7 per page.
        assert_eq!(group.events, 60, "{group:?}");
        assert_eq!(group.pages, 60_u64.div_ceil(7), "{group:?}");
        assert_eq!(group.calls, group.pages, "{group:?}");
    }
    let report = pipeline.report();
    assert_eq!(report.functions.len(), 3);
    for function in &report.functions {
        assert_eq!(
            function.invocations,
            2 * PER_STREAM as u64,
            "{}",
            function.function
        );
        // n = 0, 3, 6 error (n = 4 is the timeout) in each stream.
        assert_eq!(function.failures.error, 2 * 3, "{}", function.function);
        assert_eq!(function.failures.timeout, 2, "{}", function.function);
    }
    assert_eq!(report.totals.incomplete, 0);

    // A window that ends before the events were written reads nothing.
    let (summary, _) = run(&PullOptions {
        end_ms: start - 1,
        start_ms: start - 60_000,
        ..options
    });
    assert_eq!(summary.events(), 0);
}

#[test]
fn a_deleted_group_and_a_spent_budget_are_notices() {
    let Some(moto) = moto::Moto::start() else {
        return;
    };
    let aws = aws(&moto);
    let start = now_ms() - 10 * 60_000;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(seed(&aws, 2, start));
    let options = PullOptions {
        aws,
        log_group_prefix: Some("/aws/lambda/".into()),
        log_groups: vec!["/aws/lambda/deleted".into()],
        start_ms: start - 1,
        end_ms: now_ms() + 1,
        requests_per_second: 1_000.0,
        ..PullOptions::default()
    };
    let (summary, pipeline) = run(&options);
    assert_eq!(summary.notices.len(), 1, "{:?}", summary.notices);
    assert!(
        summary.notices[0].contains("`/aws/lambda/deleted`")
            && summary.notices[0].contains("does not exist"),
        "{:?}",
        summary.notices
    );
    assert_eq!(
        pipeline.report().functions.len(),
        2,
        "the other groups are read"
    );

    // One DescribeLogGroups and one FilterLogEvents: the third group is not read.
    let (summary, _) = run(&PullOptions {
        max_requests: Some(2),
        log_groups: vec![],
        page_size: None,
        ..options
    });
    assert_eq!(summary.calls, 2);
    assert!(
        summary.notices.iter().any(|n| n.contains("budget")),
        "{:?}",
        summary.notices
    );
}
