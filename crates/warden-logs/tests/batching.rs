//! Property: however the input is cut — bytes of a text export at any points, or events
//! grouped into subscription payloads of any sizes — the invocations, errors, security
//! events and report are the same as for the uncut input.

use std::io::Write;

use base64::Engine;
use flate2::write::GzEncoder;
use proptest::prelude::*;
use warden_logs::{
    AssemblerConfig, Emitted, LogEvent, OwnedLogEvent, Pipeline, SourceContext, StreamDecoder,
};

/// One invocation's lines in `aws logs tail` format (timestamp, stream, message).
fn invocation(stream: usize, n: usize, kind: u8, swap_end_report: bool) -> Vec<String> {
    let id = format!("{n:08x}-0000-4000-8000-{stream:012x}");
    let ts = |offset: usize| {
        format!(
            "2024-05-01T10:{:02}:{:02}.{:03}Z",
            n / 60 % 60,
            n % 60,
            offset
        )
    };
    let prefix = |offset: usize| format!("{} 2024/05/01/[$LATEST]{stream:032x} ", ts(offset));
    let mut lines = vec![format!(
        "{}START RequestId: {id} Version: $LATEST",
        prefix(0)
    )];
    lines.push(format!(
        "{}{}\t{id}\tINFO\tprocessing order {}",
        prefix(1),
        ts(1),
        n * 7
    ));
    let mut status = String::new();
    match kind {
        1 => lines.push(format!("{}{}\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"OrderError\",\"errorMessage\":\"order {} failed\",\"stack\":[\"OrderError: x\",\"    at handler (/var/task/index.js:3:9)\"]}}", prefix(2), ts(2), n)),
        2 => status = "\tStatus: timeout".to_owned(),
        3 => {
            // A Python traceback split over lines, NBSP-indented.
            lines.push(format!("{}[ERROR] KeyError: 'k{n}'", prefix(2)));
            lines.push(format!("{}Traceback (most recent call last):", prefix(2)));
            lines.push(format!("{}\u{a0}\u{a0}File \"/var/task/app.py\", line 9, in handler", prefix(2)));
        }
        4 => lines.push(format!("{}{}\t{id}\tINFO\tlogin password=hunter{n} from 10.0.0.{n}", prefix(2), ts(2))),
        _ => {}
    }
    let end = format!("{}END RequestId: {id}", prefix(3));
    let init = if n % 3 == 0 {
        "\tInit Duration: 120.50 ms"
    } else {
        ""
    };
    let report = format!("{}REPORT RequestId: {id}\tDuration: {}.25 ms\tBilled Duration: {} ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB{init}{status}\t", prefix(3), 10 + n, 11 + n);
    if swap_end_report {
        lines.push(report);
        lines.push(end);
    } else {
        lines.push(end);
        lines.push(report);
    }
    lines
}

/// Interleaves invocations of several streams, line by line.
fn build_input(plan: &[(usize, u8, bool)]) -> String {
    let mut per_stream: Vec<Vec<String>> = vec![Vec::new(); 3];
    for (n, (stream, kind, swap)) in plan.iter().enumerate() {
        per_stream[*stream].extend(invocation(*stream, n, *kind, *swap));
    }
    let mut out = String::new();
    let longest = per_stream.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        for stream in &per_stream {
            if let Some(line) = stream.get(i) {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn new_pipeline() -> Pipeline {
    Pipeline::new(AssemblerConfig {
        scan_security: true,
        ..AssemblerConfig::default()
    })
    .keep_emitted(true)
}

fn outcome(mut pipeline: Pipeline, emitted: &mut Vec<Emitted>) -> (Vec<Emitted>, String) {
    pipeline.finish();
    emitted.extend(pipeline.take_emitted());
    (
        std::mem::take(emitted),
        serde_json::to_string(&pipeline.report()).unwrap(),
    )
}

fn run_chunks(input: &[u8], cuts: &[usize]) -> (Vec<Emitted>, String) {
    let context = SourceContext::named("prop");
    let mut pipeline = new_pipeline();
    let mut decoder = StreamDecoder::default();
    let mut emitted = Vec::new();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.sort_unstable();
    let mut from = 0;
    for point in points.into_iter().chain([input.len()]) {
        decoder.feed(&input[from..point], &context, &mut pipeline);
        emitted.extend(pipeline.take_emitted());
        from = point;
    }
    decoder.finish(&context, &mut pipeline);
    outcome(pipeline, &mut emitted)
}

fn events_of(input: &str) -> Vec<OwnedLogEvent> {
    let context = SourceContext::named("prop");
    let mut sink = warden_logs::event::CollectingSink::default();
    let mut decoder = StreamDecoder::default();
    decoder.feed(input.as_bytes(), &context, &mut sink);
    decoder.finish(&context, &mut sink);
    sink.events
}

fn gzip_base64(document: &str) -> String {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(document.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(encoder.finish().unwrap())
}

/// The events as a Firehose HTTP body per batch, each record one subscription payload
/// per run of same-stream events, as CloudWatch would send them.
///
/// `redeliver` sends some batches twice, as Firehose and subscription retries do: event ids
/// make that harmless.
fn run_subscription_batches(
    events: &[OwnedLogEvent],
    cuts: &[usize],
    redeliver: &[bool],
) -> (Vec<Emitted>, String) {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (events.len() + 1)).collect();
    points.sort_unstable();
    points.dedup();
    let mut pipeline = new_pipeline();
    let mut emitted = Vec::new();
    let mut from = 0;
    for (n, point) in points.into_iter().chain([events.len()]).enumerate() {
        let first_id = from;
        let batch = &events[from..point];
        from = point;
        let mut records = Vec::new();
        let mut start = 0;
        while start < batch.len() {
            let stream = &batch[start].log_stream;
            let end = batch[start..]
                .iter()
                .position(|e| &e.log_stream != stream)
                .map_or(batch.len(), |p| start + p);
            let payload = serde_json::json!({
                "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "", "logStream": stream,
                "subscriptionFilters": ["f"],
                "logEvents": batch[start..end].iter().enumerate().map(|(i, e)| serde_json::json!({"id": format!("{:056}", first_id + start + i), "timestamp": e.timestamp_ms, "message": e.message})).collect::<Vec<_>>(),
            });
            records.push(serde_json::json!({"data": gzip_base64(&payload.to_string())}));
            start = end;
        }
        let body =
            serde_json::json!({"requestId": "r", "timestamp": 1, "records": records}).to_string();
        let times = if redeliver.get(n).copied().unwrap_or(false) {
            2
        } else {
            1
        };
        for _ in 0..times {
            pipeline
                .read(body.as_bytes(), &SourceContext::named("firehose"))
                .unwrap();
            emitted.extend(pipeline.take_emitted());
        }
    }
    outcome(pipeline, &mut emitted)
}

fn plan() -> impl Strategy<Value = Vec<(usize, u8, bool)>> {
    prop::collection::vec((0usize..3, 0u8..6, any::<bool>()), 1..14)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn cutting_text_anywhere_changes_nothing(plan in plan(), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let input = build_input(&plan);
        let whole = run_chunks(input.as_bytes(), &[]);
        let cut = run_chunks(input.as_bytes(), &cuts);
        prop_assert_eq!(&whole.0, &cut.0);
        prop_assert_eq!(&whole.1, &cut.1);
        // Every planned invocation came out, complete.
        let invocations = whole.0.iter().filter(|e| matches!(e, Emitted::Invocation(i) if i.complete)).count();
        prop_assert_eq!(invocations, plan.len());
    }

    #[test]
    fn batching_events_into_payloads_changes_nothing(plan in plan(), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let input = build_input(&plan);
        let mut events = events_of(&input);
        for event in &mut events {
            event.account = Some("123456789012".to_owned());
        }
        let mut direct = new_pipeline();
        for event in &events {
            direct.push(&event.as_event());
        }
        let whole = outcome(direct, &mut Vec::new());
        let batched = run_subscription_batches(&events, &cuts, &[]);
        prop_assert_eq!(&whole.0, &batched.0);
        prop_assert_eq!(&whole.1, &batched.1);
    }

    #[test]
    fn redelivered_batches_change_nothing(plan in plan(), cuts in prop::collection::vec(any::<usize>(), 0..8), redeliver in prop::collection::vec(any::<bool>(), 0..9)) {
        let events = events_of(&build_input(&plan));
        let once = run_subscription_batches(&events, &cuts, &[]);
        let twice = run_subscription_batches(&events, &cuts, &redeliver);
        prop_assert_eq!(&once.0, &twice.0);
        let strip = |report: &str| {
            let mut v: serde_json::Value = serde_json::from_str(report).unwrap();
            v["totals"]["input"] = serde_json::Value::Null;
            v["warnings"] = serde_json::Value::Null;
            v
        };
        prop_assert_eq!(strip(&once.1), strip(&twice.1));
    }
}

#[test]
fn the_generated_input_exercises_every_class() {
    let plan: Vec<(usize, u8, bool)> = (0..6).map(|k| (k % 3, k as u8, k % 2 == 0)).collect();
    let (emitted, report) = run_chunks(build_input(&plan).as_bytes(), &[17, 301, 999]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let failures = &report["totals"]["failures"];
    assert_eq!(failures["error"], 2, "{report}"); // the Node error and the Python traceback
    assert_eq!(failures["timeout"], 1);
    assert_eq!(report["totals"]["security_events"], 1);
    assert!(
        !report.to_string().contains("hunter3"),
        "secrets never appear"
    );
    let groups = report["error_groups"].as_array().unwrap();
    assert!(
        groups
            .iter()
            .any(|g| g["error_type"] == "KeyError" && g["frames"][0] == "app.py:handler"),
        "{groups:?}"
    );
    assert!(emitted.iter().any(|e| matches!(e, Emitted::Security(_))));
    let _ = LogEvent {
        timestamp_ms: None,
        message: "",
        log_group: "",
        log_stream: "",
        ..LogEvent::default()
    };
}
