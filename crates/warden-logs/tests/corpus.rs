//! Every sample in the corpora's `lambda-logs` folder (see `warden-corpora`), read in place,
//! with its expected invocations, classes, fields, error groups and decoder behaviour.

use std::fs::File;
use std::path::PathBuf;

use warden_logs::{
    AssemblerConfig, Emitted, ErrorOccurrence, Invocation, LogEvent, Outcome, Pipeline, Report,
    SecurityEvent, SourceContext,
};

fn corpus(path: &str) -> PathBuf {
    warden_corpora::root().join("lambda-logs").join(path)
}

/// True when the log corpus is absent and the calling test should return (see `warden-corpora`).
fn corpus_missing() -> bool {
    warden_corpora::require("lambda-logs").is_none()
}

#[derive(Default)]
struct Run {
    invocations: Vec<Invocation>,
    errors: Vec<ErrorOccurrence>,
    security: Vec<SecurityEvent>,
    report: Option<Report>,
    problems: Vec<String>,
}

impl Run {
    fn report(&self) -> &Report {
        self.report.as_ref().expect("finished")
    }

    fn invocation(&self, request_id: &str) -> &Invocation {
        self.invocations
            .iter()
            .find(|i| i.request_id == request_id)
            .unwrap_or_else(|| {
                panic!(
                    "no invocation {request_id} in {:?}",
                    self.invocations
                        .iter()
                        .map(|i| &i.request_id)
                        .collect::<Vec<_>>()
                )
            })
    }
}

fn collect(pipeline: &mut Pipeline, run: &mut Run) {
    for item in pipeline.take_emitted() {
        match item {
            Emitted::Invocation(i) => run.invocations.push(*i),
            Emitted::Amended(a) => {
                let slot = run
                    .invocations
                    .iter_mut()
                    .find(|i| i.key == a.current.key)
                    .expect("an amendment follows its invocation");
                *slot = a.current;
            }
            Emitted::Error(e) => run.errors.push(*e),
            Emitted::Security(s) => run.security.push(*s),
            Emitted::Metric(_) => {}
        }
    }
}

fn analyze(paths: &[&str]) -> Run {
    let mut pipeline = Pipeline::new(AssemblerConfig {
        scan_security: true,
        ..AssemblerConfig::default()
    })
    .keep_emitted(true);
    let mut run = Run::default();
    for path in paths {
        let file = File::open(corpus(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        pipeline.read(file, &SourceContext::named(*path)).unwrap();
        collect(&mut pipeline, &mut run);
    }
    pipeline.finish();
    collect(&mut pipeline, &mut run);
    run.report = Some(pipeline.report());
    run.problems = pipeline
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    run
}

fn analyze_events(events: &[(Option<i64>, &str, &str)]) -> Run {
    let mut pipeline = Pipeline::new(AssemblerConfig {
        scan_security: true,
        ..AssemblerConfig::default()
    })
    .keep_emitted(true);
    let mut run = Run::default();
    for (timestamp_ms, stream, message) in events {
        pipeline.push(&LogEvent {
            timestamp_ms: *timestamp_ms,
            message,
            log_group: "/aws/lambda/corpus",
            log_stream: stream,
            ..LogEvent::default()
        });
    }
    pipeline.finish();
    collect(&mut pipeline, &mut run);
    run.report = Some(pipeline.report());
    run
}

/// (request id, outcome, complete, cold start, duration, billed, memory, max used, init, xray, function)
type Expected = (
    &'static str,
    Outcome,
    bool,
    bool,
    Option<f64>,
    Option<u64>,
    Option<u32>,
    Option<u32>,
    Option<f64>,
    Option<&'static str>,
    &'static str,
);

fn check(inv: &Invocation, e: &Expected) {
    let (id, outcome, complete, cold, duration, billed, memory, used, init, xray, function) = *e;
    assert_eq!(inv.request_id, id);
    assert_eq!(inv.outcome, outcome, "{id}");
    assert_eq!(inv.complete, complete, "{id}");
    assert_eq!(inv.cold_start, cold, "{id}");
    assert_eq!(inv.duration_ms, duration, "{id}");
    assert_eq!(inv.billed_duration_ms, billed, "{id}");
    assert_eq!(inv.memory_size_mb, memory, "{id}");
    assert_eq!(inv.max_memory_used_mb, used, "{id}");
    assert_eq!(inv.init_duration_ms, init, "{id}");
    assert_eq!(inv.xray_trace_id.as_deref(), xray, "{id}");
    assert_eq!(inv.function, function, "{id}");
}

#[test]
fn developer_guide_text_samples() {
    if corpus_missing() {
        return;
    }
    use Outcome::Success;
    let cases: &[(&str, &[Expected], u32)] = &[
        (
            "aws-lambda-developer-guide/csharp-logging-example.log",
            &[(
                "d1cf0ccb-xmpl-46e6-950d-04c96c9b1c5d",
                Success,
                true,
                true,
                Some(4157.16),
                Some(4200),
                Some(256),
                Some(99),
                Some(841.6),
                Some("1-5e7e8131-7ff0xmpl32bfb31045d0a3bb"),
                "blank-csharp-function-WU56XMPLV2XA",
            )],
            28,
        ),
        (
            "aws-lambda-developer-guide/golang-logging-example.log",
            &[(
                "dbda340c-xmpl-4031-8810-11bb609b4c71",
                Success,
                true,
                true,
                Some(38.66),
                Some(39),
                Some(128),
                Some(54),
                Some(203.69),
                Some("1-5e7d7595-212fxmpl9ee07c4884191322"),
                "blank-go-function-9DV3XMPL6XBC",
            )],
            20,
        ),
        (
            "aws-lambda-developer-guide/java-logging-example.log",
            &[(
                "6bc28136-xmpl-4365-b021-0ce6b2e64ab0",
                Success,
                true,
                true,
                Some(198.5),
                Some(200),
                Some(512),
                Some(90),
                Some(524.75),
                None,
                "unknown",
            )],
            25,
        ),
        // Node: the XRAY fields on the REPORT line itself.
        (
            "aws-lambda-developer-guide/nodejs-logging-example.log",
            &[(
                "c793869b-ee49-115b-a5b6-4fd21e8dedac",
                Success,
                true,
                true,
                Some(128.83),
                Some(200),
                Some(128),
                Some(74),
                Some(166.62),
                Some("1-5d9d007f-0a8c7fd02xmpl480aed55ef0"),
                "my-function",
            )],
            // The pretty-printed `{"key": "value"}` is one record, not three lines.
            14,
        ),
        (
            "aws-lambda-developer-guide/powershell-logging-example.log",
            &[(
                "56639408-xmpl-435f-9041-ac47ae25ceed",
                Success,
                true,
                true,
                Some(3906.38),
                Some(4000),
                Some(512),
                Some(367),
                Some(5960.19),
                Some("1-5e843da6-733cxmple7d0c3c020510040"),
                "blank-powershell-function-18CIXMPLHFAJJ",
            )],
            23,
        ),
        // Space-separated REPORT and XRAY lines (docs rendering).
        (
            "aws-lambda-developer-guide/python-logging-example.log",
            &[(
                "8f507cfc-xmpl-4697-b07a-ac58fc914c95",
                Success,
                true,
                true,
                Some(15.74),
                Some(16),
                Some(128),
                Some(56),
                Some(130.49),
                Some("1-5e34a614-10bdxmplf1fb44f07bc535a1"),
                "my-function",
            )],
            4,
        ),
        (
            "aws-lambda-developer-guide/python-logging-library-example.log",
            &[(
                "1c8df7d3-xmpl-46da-9778-518e6eca8125",
                Success,
                true,
                true,
                Some(2.75),
                Some(3),
                Some(128),
                Some(56),
                Some(113.51),
                Some("1-5e34a66a-474xmpl7c2534a87870b4370"),
                "my-function",
            )],
            4,
        ),
        (
            "aws-lambda-developer-guide/cli-invoke-logresult-decoded.log",
            &[(
                "57f231fb-1730-4395-85cb-4f71bd2b87b8",
                Success,
                true,
                false,
                Some(79.67),
                Some(80),
                Some(128),
                Some(73),
                None,
                None,
                "unknown",
            )],
            1,
        ),
    ];
    for (path, expected, lines) in cases {
        let run = analyze(&[path]);
        assert!(run.problems.is_empty(), "{path}: {:?}", run.problems);
        assert_eq!(run.invocations.len(), expected.len(), "{path}");
        for (inv, e) in run.invocations.iter().zip(expected.iter()) {
            check(inv, e);
            assert_eq!(inv.lines, *lines, "{path}");
            assert!(inv.cost_usd.unwrap() > 0.0);
        }
        assert!(run.errors.is_empty(), "{path}: {:?}", run.errors);
        // The session token printed by the invoke sample is not a known secret format.
        let report = run.report();
        assert_eq!(report.totals.invocations, expected.len() as u64);
        assert_eq!(report.totals.failed_invocations, 0);
    }
}

#[test]
fn log4j2_sample_has_no_report_so_its_invocation_is_incomplete() {
    if corpus_missing() {
        return;
    }
    let run = analyze(&["aws-lambda-developer-guide/java-log4j2-appender-example.log"]);
    assert_eq!(run.invocations.len(), 1);
    let inv = &run.invocations[0];
    assert_eq!(inv.request_id, "6bc28136-xmpl-4365-b021-0ce6b2e64ab0");
    assert!(!inv.complete);
    assert_eq!(inv.outcome, Outcome::Success);
    assert_eq!(inv.duration_ms, None);
    assert_eq!(inv.lines, 14);
    assert_eq!(run.report().functions[0].incomplete, 1);
}

#[test]
fn ruby_sample_with_mismatched_ids_keys_by_request_id() {
    if corpus_missing() {
        return;
    }
    // The docs sample's START says 50aba555-99c8-… but END/REPORT say 50aba555-xmpl-…:
    // invocations are keyed by request id, so the REPORT stands alone and the START is
    // left open (incomplete) rather than merged by position.
    let run = analyze(&["aws-lambda-developer-guide/ruby-logging-example.log"]);
    assert_eq!(run.invocations.len(), 2);
    let reported = run.invocation("50aba555-xmpl-4b21-8358-644ee996a05f");
    assert!(reported.complete && reported.cold_start);
    assert_eq!(reported.billed_duration_ms, Some(13));
    let open = run.invocation("50aba555-99c8-4b21-8358-644ee996a05f");
    assert!(!open.complete);
    assert_eq!(open.lines, 13);
}

#[test]
fn get_log_events_output_with_carriage_returns() {
    if corpus_missing() {
        return;
    }
    let run = analyze(&["aws-lambda-developer-guide/cli-get-log-events-output.txt"]);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert_eq!(run.invocations.len(), 1);
    let inv = &run.invocations[0];
    assert_eq!(inv.request_id, "4ce9340a-b765-490f-ad8a-02ab3415e2bf");
    assert_eq!(inv.start, Some(1_559_763_003_171));
    assert_eq!(inv.end, Some(1_559_763_003_218));
    assert_eq!(
        (inv.duration_ms, inv.billed_duration_ms),
        (Some(26.73), Some(27))
    );
    assert_eq!(inv.version.as_deref(), Some("$LATEST"));
    assert_eq!(inv.lines, 2);
    assert_eq!(inv.outcome, Outcome::Success);
}

#[test]
fn datadog_decoded_subscription_payload() {
    if corpus_missing() {
        return;
    }
    let run = analyze(&["datadog-serverless-functions/cloudwatch_logs.json"]);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert_eq!(run.invocations.len(), 1);
    let inv = &run.invocations[0];
    assert_eq!(inv.function, "hello-dog-node-dev-hello12x");
    assert_eq!(inv.log_group, "/aws/lambda/hello-dog-node-dev-hello12x");
    assert_eq!(
        inv.log_stream,
        "2020/03/05/[$LATEST]20bddfd5a2dc4c6b97ac02800eae90d0"
    );
    assert_eq!(inv.request_id, "f08bb4c8-d6b2-4f05-ac17-af7e2ba005fb");
    assert_eq!(
        (
            inv.duration_ms,
            inv.billed_duration_ms,
            inv.memory_size_mb,
            inv.max_memory_used_mb
        ),
        (Some(619.31), Some(700), Some(128), Some(118))
    );
    assert_eq!(
        inv.xray_trace_id.as_deref(),
        Some("1-5e61292c-cc1229a4dfbeae1043928548")
    );
    assert!(!inv.cold_start);
    assert_eq!(inv.outcome, Outcome::Success);
    // 19 events: 17 application lines (the metric lines had no request id and no START
    // came before them, so two count as unattributed) + END + REPORT.
    assert_eq!(run.report().totals.input.events, 19);
    assert_eq!(run.report().totals.input.platform_records, 2);
    // 0.7 s × 0.125 GB × 0.0000166667 + 0.0000002
    assert!((inv.cost_usd.unwrap() - 0.000_001_658_3).abs() < 1e-9);
}

/// `enhanced_metrics_test_messages.jsonl`: Datadog's test strings, each its own stream.
#[test]
fn datadog_enhanced_metrics_messages() {
    if corpus_missing() {
        return;
    }
    let text = std::fs::read_to_string(corpus(
        "datadog-serverless-functions/enhanced_metrics_test_messages.jsonl",
    ))
    .unwrap();
    let lines: Vec<(String, String)> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["name"].as_str().unwrap().to_owned(),
                v["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(lines.len(), 17);
    let events: Vec<(Option<i64>, &str, &str)> = lines
        .iter()
        .map(|(n, m)| (None, n.as_str(), m.as_str()))
        .collect();
    let run = analyze_events(&events);
    let by_stream = |name: &str| {
        run.invocations
            .iter()
            .filter(|i| i.log_stream == name)
            .collect::<Vec<_>>()
    };
    assert_eq!(run.report().totals.input.malformed_platform_lines, 1);
    assert!(by_stream("malformed_report").is_empty());

    let standard = by_stream("standard_report");
    assert_eq!(standard.len(), 1);
    assert_eq!(
        (
            standard[0].outcome,
            standard[0].billed_duration_ms,
            standard[0].cold_start
        ),
        (Outcome::Success, Some(100), false)
    );
    let cold = by_stream("cold_start_report");
    assert_eq!(
        (
            cold[0].cold_start,
            cold[0].init_duration_ms,
            cold[0].max_memory_used_mb
        ),
        (true, Some(1234.0), Some(90))
    );
    assert_eq!(
        by_stream("report_with_xray")[0].xray_trace_id.as_deref(),
        Some("1-5d83c0ad-b8eb33a0b1de97d804fac890")
    );
    let json = by_stream("standard_json_report");
    assert_eq!(
        (json[0].outcome, json[0].duration_ms, json[0].memory_size_mb),
        (Outcome::Success, Some(0.62), Some(128))
    );
    assert!(by_stream("cold_start_json_report")[0].cold_start);
    let timeout = by_stream("timeout_json_report");
    assert_eq!(
        (
            timeout[0].outcome,
            timeout[0].status.as_deref(),
            timeout[0].duration_ms
        ),
        (Outcome::Timeout, Some("timeout"), Some(30000.0))
    );
    // Managed Instances: only durationMs, so no billing and no cost.
    let managed = by_stream("managed_instances_metrics_json_report");
    assert_eq!(
        (
            managed[0].duration_ms,
            managed[0].billed_duration_ms,
            managed[0].cost_usd
        ),
        (Some(2.524), None, None)
    );
    assert_eq!(
        by_stream("log_message_line_252")[0]
            .xray_trace_id
            .as_deref(),
        Some("1-5d8bba5a-dc2932496a65bab91d2d42d4")
    );
    // A lone legacy timeout line and a lone Node OOM line name their request: each is an
    // (incomplete) failed invocation.
    let legacy = by_stream("log_message_line_500");
    assert_eq!(
        (
            legacy[0].request_id.as_str(),
            legacy[0].outcome,
            legacy[0].complete
        ),
        (
            "7c9567b5-107b-4a6c-8798-0157ac21db52",
            Outcome::Timeout,
            false
        )
    );
    assert_eq!(
        by_stream("log_message_line_542")[0].outcome,
        Outcome::OutOfMemory
    );
    // Runtime OOM messages without a request id cannot be attributed alone…
    for name in [
        "go_out_of_memory_error",
        "java_out_of_memory_error",
        "node_out_of_memory_error",
        "python_out_of_memory_error",
        "ruby_out_of_memory_error",
    ] {
        assert!(by_stream(name).is_empty(), "{name}");
    }
    // …but inside an invocation each one makes it an out-of-memory failure.
    for (name, message) in lines
        .iter()
        .filter(|(n, _)| n.ends_with("out_of_memory_error"))
    {
        let run = analyze_events(&[
            (None, "s", "START RequestId: 0aa7a2f1-8b2b-4d4e-9a59-4b1d4ab3c001 Version: $LATEST"),
            (None, "s", message),
            (None, "s", "REPORT RequestId: 0aa7a2f1-8b2b-4d4e-9a59-4b1d4ab3c001\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t"),
        ]);
        assert_eq!(run.invocations[0].outcome, Outcome::OutOfMemory, "{name}");
        assert_eq!(
            run.report().functions[0].failures.out_of_memory,
            1,
            "{name}"
        );
    }
}

/// `reported_lines.tsv`: lines quoted in issues; lines from the same source share a stream.
#[test]
fn reported_lines() {
    if corpus_missing() {
        return;
    }
    let text = std::fs::read_to_string(corpus("reported-lines/reported_lines.tsv")).unwrap();
    let rows: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (url, line) = l.split_once('\t').unwrap();
            (url.to_owned(), line.replace("\\t", "\t"))
        })
        .collect();
    assert_eq!(rows.len(), 12);
    let events: Vec<(Option<i64>, &str, &str)> = rows
        .iter()
        .map(|(u, l)| (None, u.as_str(), l.as_str()))
        .collect();
    let run = analyze_events(&events);
    let get = |id: &str| run.invocation(id);

    let azul = get("4725a167-21a7-5731-99c2-c3d0e3dfd770");
    assert_eq!(
        (azul.outcome, azul.duration_ms, azul.billed_duration_ms),
        (Outcome::Timeout, Some(180000.0), Some(180000))
    );
    let otel = get("595492f6-5916-4b98-94e5-a1079dfab87b");
    assert_eq!(
        (otel.outcome, otel.cold_start, otel.billed_duration_ms),
        (Outcome::Timeout, true, Some(5579))
    );
    // INIT billing: billed 662 = 395.99 + 265.72 rounded up; used as is for cost.
    let init_billed = get("bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb");
    assert_eq!(
        (init_billed.outcome, init_billed.billed_duration_ms),
        (Outcome::Success, Some(662))
    );
    assert!(
        (init_billed.cost_usd.unwrap() - (0.0000002 + 0.662 * 0.5 * 0.0000166667)).abs() < 1e-12
    );
    // Legacy timeout line without a REPORT.
    let dd55 = get("3364d63a-b18c-5ed6-97c7-85c6bf57800e");
    assert_eq!((dd55.outcome, dd55.complete), (Outcome::Timeout, false));
    // REPORT first, then the legacy line: the settling invocation picks it up.
    let apex = get("fb63a8b6-599d-11e8-a437-911ac44bc0b4");
    assert_eq!(
        (apex.outcome, apex.complete, apex.billed_duration_ms),
        (Outcome::Timeout, true, Some(18000))
    );
    let apex_error = apex.error.as_ref().unwrap();
    assert_eq!(apex_error.error_type, "Sandbox.Timedout");
    assert_eq!(apex_error.message, "Task timed out after 18.02 seconds");
    // Max Memory Used above Memory Size: an old-style OOM.
    assert_eq!(
        get("16f8d3a2-26fc-11e8-bca6-73dbc61c39e7").outcome,
        Outcome::OutOfMemory
    );
    let deno = get("89ba7dfa-72d1-4ad7-9dac-2214d1698697");
    assert_eq!(
        (deno.outcome, deno.cold_start, deno.billed_duration_ms),
        (Outcome::Success, true, Some(338))
    );
    assert_eq!(
        get("a0537bcb-712d-11e4-8c97-af075a3c0929").outcome,
        Outcome::Success
    );
    // "Process exited before completing request" at the memory limit: out of memory.
    assert_eq!(
        get("b86c93c6-e1d0-11e7-955b-539d8b965ff9").outcome,
        Outcome::OutOfMemory
    );
    assert_eq!(run.invocations.len(), 9);
    // The import error has no request: it is grouped on its own.
    let import = run
        .errors
        .iter()
        .find(|e| e.error_type == "Runtime.ImportModuleError")
        .unwrap();
    assert_eq!(
        import.message,
        "Unable to import module 'lambda_funxction': No module named 'lambda_funxction'"
    );
    assert_eq!(
        import.masked_message,
        "Unable to import module '<str>': No module named '<str>'"
    );
    let failures = &run.report().totals.failures;
    assert_eq!(
        (failures.timeout, failures.out_of_memory, failures.error),
        (4, 2, 0)
    );
}

#[test]
fn telemetry_api_batches() {
    if corpus_missing() {
        return;
    }
    let run = analyze(&["aws-lambda-rust-runtime/telemetry_api_events.jsonl"]);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    // The file holds two START…REPORT cycles of one request id, a year apart (fixtures of
    // two tests): two attempts, as Lambda's async retries are.
    assert_eq!(run.invocations.len(), 2);
    assert_ne!(run.invocations[0].key, run.invocations[1].key);
    let inv = &run.invocations[0];
    assert_eq!(inv.request_id, "459921b5-681c-4a96-beb0-81e0aa586026");
    assert_eq!(
        (
            inv.duration_ms,
            inv.billed_duration_ms,
            inv.memory_size_mb,
            inv.max_memory_used_mb
        ),
        (Some(2599.4), Some(2600), Some(128), Some(94))
    );
    assert_eq!(
        (inv.cold_start, inv.init_duration_ms, inv.outcome),
        (true, Some(549.04), Outcome::Success)
    );
    assert_eq!(
        inv.xray_trace_id.as_deref(),
        Some("1-6352a70e-1e2c502e358361800241fd45")
    );
    let stats = &run.report().totals.input;
    assert_eq!(stats.events, 20);
    assert_eq!(stats.extension_records, 4);

    let run = analyze(&["datadog-lambda-extension/telemetry_api_events.jsonl"]);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert_eq!(run.report().totals.input.logs_dropped, 1);
    // The fixtures are from unrelated tests: a failed SnapStart restore two days before an
    // invocation whose own report says it succeeded after an init (`initDurationMs`). The
    // restore failure is an error of its own, at its own time; the invocation is a cold
    // start, as the same record is in the Rust runtime's file.
    let invoked = run.invocation("459921b5-681c-4a96-beb0-81e0aa586026");
    assert_eq!(
        (
            invoked.outcome,
            invoked.cold_start,
            invoked.snapstart_restore
        ),
        (Outcome::Success, true, false)
    );
    assert_eq!(invoked.restore_duration_ms, None);
    assert_eq!(run.errors.len(), 1);
    let restore = &run.errors[0];
    assert_eq!(
        (restore.error_type.as_str(), restore.message.as_str()),
        ("RestoreError", "SnapStart restore failed: RestoreError")
    );
    assert_eq!(restore.timestamp, Some(1_666_187_536_136));
    assert_eq!(restore.request_id, None);
    let managed = run.invocation("13d1305b-a2f5-440c-bfbe-686ccff3d3e0");
    assert_eq!(
        (
            managed.outcome,
            managed.duration_ms,
            managed.billed_duration_ms
        ),
        (Outcome::Success, Some(1.148), None)
    );
    let f = &run.report().functions[0];
    assert_eq!(
        (
            f.invocations,
            f.failures.total(),
            f.cold_starts,
            f.snapstart_restores
        ),
        (2, 0, 1, 0)
    );
}

#[test]
fn awslogs_subscription_events_gzip_and_zlib() {
    if corpus_missing() {
        return;
    }
    let gzip = analyze(&["powertools-lambda-python/cloudWatchLogEvent.json"]);
    let zlib = analyze(&["powertools-lambda-python/cloudWatchLogEventWithPolicyLevel.json"]);
    let rust = analyze(&["aws-lambda-rust-runtime/example-cloudwatch_logs-event.json"]);
    for run in [&gzip, &zlib, &rust] {
        assert!(run.problems.is_empty(), "{:?}", run.problems);
        assert!(run.invocations.is_empty());
        assert_eq!(run.report().totals.input.events, 2);
        let messages: Vec<_> = run
            .errors
            .iter()
            .map(|e| (e.function.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            [
                ("testLogGroup", "First test message"),
                ("testLogGroup", "Second test message")
            ]
        );
        assert_eq!(run.errors[0].timestamp, Some(1_440_442_987_000));
    }
}

#[test]
fn kinesis_stream_of_subscription_payloads() {
    if corpus_missing() {
        return;
    }
    let run = analyze(&["powertools-lambda-python/kinesisStreamCloudWatchLogsEvent.json"]);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert_eq!(run.invocations.len(), 2);
    for inv in &run.invocations {
        assert_eq!(inv.function, "pt-1488-DummyLogDataFunction-gnWXPvL6jJyG");
        assert_eq!(inv.outcome, Outcome::Success);
        assert!(inv.complete);
    }
    assert_ne!(run.invocations[0].log_stream, run.invocations[1].log_stream);
    assert_eq!(run.report().totals.cold_starts, 1);
}

#[test]
fn firehose_records_that_are_not_log_payloads_become_lines() {
    if corpus_missing() {
        return;
    }
    for path in [
        "powertools-lambda-python/kinesisFirehosePutEvent.json",
        "powertools-lambda-python/kinesisFirehoseKinesisEvent.json",
        "aws-lambda-rust-runtime/example-firehose-event.json",
        "aws-lambda-rust-runtime/example-kinesis-firehose-event.json",
        "aws-lambda-rust-runtime/example-kinesis-firehose-response.json",
    ] {
        let run = analyze(&[path]);
        assert!(run.problems.is_empty(), "{path}: {:?}", run.problems);
        assert!(run.invocations.is_empty(), "{path}");
        let stats = &run.report().totals.input;
        assert!(stats.events >= 2, "{path}: {stats:?}");
        assert_eq!(stats.unattributed_lines, stats.events, "{path}");
    }
}

#[test]
fn firehose_control_message_is_dropped() {
    if corpus_missing() {
        return;
    }
    let run =
        analyze(&["firehose-http-endpoint/openobserve-issue-505-control-message-request.json"]);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert_eq!(run.report().totals.input.events, 0);
}

#[test]
fn powertools_logger_output() {
    if corpus_missing() {
        return;
    }
    let dir = "powertools-lambda-python/logger-output/";
    let run = analyze(&[&format!("{dir}logging_stacktrace_output.json")]);
    assert_eq!(run.errors.len(), 1);
    let e = &run.errors[0];
    assert_eq!(e.error_type, "HTTPError");
    assert_eq!(
        e.message,
        "500 Server Error: INTERNAL SERVER ERROR for url: http://httpbin.org/status/500"
    );
    assert_eq!(
        e.frames,
        ["models.py:raise_for_status", "app.py:lambda_handler"]
    );
    assert!(!e.unhandled, "Powertools logged and handled it");
    assert_eq!(e.timestamp, Some(1_696_873_670_191));

    let run = analyze(&[&format!("{dir}logging_uncaught_exceptions_output.json")]);
    assert_eq!(run.errors.len(), 1);
    assert!(run.errors[0].unhandled);
    assert_eq!(run.errors[0].error_type, "HTTPError");

    let run = analyze(&[&format!("{dir}logging_exceptions_output.json")]);
    assert_eq!(
        (
            run.errors[0].error_type.as_str(),
            run.errors[0].message.as_str()
        ),
        ("RuntimeError", "Unable to fullfil request")
    );
    assert_eq!(run.errors[0].masked_message, "Unable to fullfil request");

    // Ordinary records: no errors; the function name in them names the stream's function.
    let run = analyze(&[
        &format!("{dir}inject_lambda_context_output.json"),
        &format!("{dir}sampling_debug_logs_output.json"),
        &format!("{dir}set_correlation_id_output.json"),
    ]);
    assert!(run.problems.is_empty() && run.errors.is_empty());
    assert_eq!(run.report().totals.input.events, 5);
}

#[test]
fn emf_documents_are_metrics_not_errors() {
    if corpus_missing() {
        return;
    }
    let dir = "powertools-lambda-python/metrics-emf-output/";
    let files: Vec<String> = [
        "add_metadata_output.json",
        "add_multi_value_metrics_output.json",
        "capture_cold_start_metric_output.json",
        "log_metrics_output.json",
        "single_metric_output.json",
    ]
    .iter()
    .map(|f| format!("{dir}{f}"))
    .collect();
    let paths: Vec<&str> = files.iter().map(String::as_str).collect();
    let run = analyze(&paths);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert_eq!(run.report().totals.input.emf_documents, 5);
    assert!(run.errors.is_empty() && run.invocations.is_empty() && run.security.is_empty());
}

#[test]
fn whole_corpus_in_one_run_has_no_input_problems_and_no_false_security_events() {
    if corpus_missing() {
        return;
    }
    let mut paths = Vec::new();
    for dir in [
        "aws-lambda-developer-guide",
        "aws-lambda-rust-runtime",
        "datadog-lambda-extension",
        "datadog-serverless-functions",
        "firehose-http-endpoint",
        "powertools-lambda-python",
        "powertools-lambda-python/logger-output",
        "powertools-lambda-python/metrics-emf-output",
    ] {
        for entry in std::fs::read_dir(corpus(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                paths.push(format!(
                    "{dir}/{}",
                    path.file_name().unwrap().to_str().unwrap()
                ));
            }
        }
    }
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let run = analyze(&refs);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert!(run.report().totals.invocations >= 15);
    let kinds: Vec<_> = run
        .security
        .iter()
        .map(|s| (s.kind, s.detail.clone()))
        .collect();
    assert!(kinds.is_empty(), "{kinds:?}");
}
