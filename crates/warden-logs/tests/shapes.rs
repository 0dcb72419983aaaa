//! Every export shape users bring, from fixtures written for it (anonymised, realistic:
//! see `tests/fixtures/shapes/`), with the counts a reader of the lines gets by hand.

use std::fs::File;
use std::path::PathBuf;

use warden_logs::{AssemblerConfig, Pipeline, Report, SourceContext};

fn analyze(name: &str) -> (Report, Vec<String>) {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/shapes"
    ))
    .join(name);
    let mut pipeline = Pipeline::new(AssemblerConfig {
        scan_security: true,
        ..AssemblerConfig::default()
    });
    pipeline
        .read(File::open(&path).unwrap(), &SourceContext::named(name))
        .unwrap();
    pipeline.finish();
    let problems = pipeline
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    (pipeline.report(), problems)
}

/// (invocations, failures, cold starts, incomplete, error groups, error occurrences)
fn counts(report: &Report) -> (u64, u64, u64, u64, u64, u64) {
    let t = &report.totals;
    (
        t.invocations,
        t.failed_invocations,
        t.cold_starts,
        t.incomplete,
        t.error_groups,
        t.error_occurrences,
    )
}

#[test]
fn csv_and_insights_exports_newest_first_with_two_environments() {
    // Three invocations in two environments (A cold, B cold and failing, C warm in A's).
    for file in [
        "insights-export.csv",
        "console-download.csv",
        "insights-results.json",
    ] {
        let (report, problems) = analyze(file);
        assert!(problems.is_empty(), "{file}: {problems:?}");
        assert_eq!(counts(&report), (3, 1, 2, 0, 1, 1), "{file}");
        assert_eq!(report.totals.failures.error, 1, "{file}");
        assert_eq!(
            report.error_groups[0].error_type, "JSONDecodeError",
            "{file}"
        );
    }
    let (report, _) = analyze("insights-export.csv");
    let f = &report.functions[0];
    assert_eq!(f.function, "invite-bot");
    assert_eq!(f.account.as_deref(), Some("123456789012"));
    assert_eq!(report.totals.input.reordered_inputs, 1);
}

#[test]
fn sam_logs_with_colours() {
    let (report, problems) = analyze("sam-logs.txt");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (1, 1, 0, 0, 1, 1));
    assert_eq!(report.error_groups[0].error_type, "TypeError");
}

#[test]
fn timestamp_and_clock_prefixes() {
    let (report, problems) = analyze("prefixed.log");
    assert!(problems.is_empty(), "{problems:?}");
    // The Python error behind an ISO timestamp fails its invocation; the clock-prefixed
    // REPORT says timeout.
    assert_eq!(counts(&report), (2, 2, 1, 0, 2, 2));
    assert_eq!(
        (report.totals.failures.error, report.totals.failures.timeout),
        (1, 1)
    );
}

#[test]
fn console_test_output_skips_the_response_and_splits_glued_records() {
    let (report, problems) = analyze("console-test-output.txt");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (1, 1, 1, 0, 1, 1));
    assert_eq!(report.totals.input.ends, 1);
}

#[test]
fn a_first_line_in_brackets_does_not_make_the_file_json() {
    let (report, problems) = analyze("mixed-first-line.log");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (1, 0, 0, 0, 0, 0));
    let f = &report.functions[0];
    // Read from Powertools' `function_arn`.
    assert_eq!(f.function, "invite-bot");
    assert_eq!(f.region.as_deref(), Some("ap-northeast-2"));
    assert_eq!(f.aliases, ["live"]);
}

#[test]
fn newest_first_text_is_read_in_order() {
    let (report, problems) = analyze("newest-first.log");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (2, 0, 1, 0, 0, 0));
    assert_eq!(report.totals.input.duplicate_records, 0);
}

#[test]
fn async_retries_are_separate_invocations() {
    let (report, _) = analyze("retries.log");
    assert_eq!(counts(&report), (3, 3, 0, 0, 1, 3));
    assert_eq!(report.functions[0].billed_duration_ms_total, 18);
}

#[test]
fn proactive_initialisation_is_not_a_cold_start() {
    let (report, _) = analyze("proactive-init.log");
    assert_eq!(counts(&report), (1, 0, 0, 0, 0, 0));
    assert_eq!(report.totals.proactive_inits, 1);
}

#[test]
fn lone_error_lines_from_a_filtered_subscription_fail_incomplete_invocations() {
    let (report, problems) = analyze("filtered-errors.ndjson");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (3, 3, 0, 3, 2, 3));
}

#[test]
fn a_redelivered_batch_counts_once() {
    let (report, _) = analyze("redelivered.ndjson");
    assert_eq!(counts(&report), (1, 1, 0, 0, 1, 1));
    assert_eq!(report.totals.security_events, 1);
    assert_eq!(report.totals.input.duplicate_events, 5);
}

#[test]
fn embedded_metric_format_becomes_custom_metrics() {
    let (report, _) = analyze("emf.log");
    let latency = report
        .metrics
        .iter()
        .find(|m| m.name == "CheckoutLatency")
        .unwrap();
    assert_eq!(latency.namespace, "Shop");
    assert_eq!(latency.unit.as_deref(), Some("Milliseconds"));
    assert_eq!(latency.dimensions["service"], "checkout");
    assert_eq!((latency.count, latency.sum, latency.max), (2, 200.5, 120.5));
    assert_eq!(latency.buckets.len(), 2, "two different minutes");
    let orders = report
        .metrics
        .iter()
        .find(|m| m.name == "OrdersPlaced")
        .unwrap();
    assert_eq!(orders.sum, 3.0);
}

#[test]
fn a_timeout_line_after_the_report_amends_the_invocation() {
    let (report, _) = analyze("late-timeout.log");
    assert_eq!(counts(&report), (1, 1, 0, 0, 1, 1));
    assert_eq!(report.totals.failures.timeout, 1);
    assert_eq!(report.totals.input.amendments, 1);
}

fn analyze_real(name: &str) -> (Report, Vec<String>) {
    let path =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real")).join(name);
    let mut pipeline = Pipeline::new(AssemblerConfig::default());
    pipeline
        .read(File::open(&path).unwrap(), &SourceContext::named(name))
        .unwrap();
    pipeline.finish();
    let problems = pipeline
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    (pipeline.report(), problems)
}

#[test]
fn real_samples_in_the_repository() {
    // Powertools Metrics output, pretty-printed: one EMF document, two values.
    let (report, problems) = analyze_real("powertools-add_multi_value_metrics_output.json");
    assert!(problems.is_empty(), "{problems:?}");
    let m = &report.metrics[0];
    assert_eq!(
        (m.namespace.as_str(), m.name.as_str()),
        ("ServerlessAirline", "TurbineReads")
    );
    assert_eq!(m.dimensions["environment"], "dev");
    assert_eq!((m.count, m.sum), (2, 9.0));
    // A Datadog test payload: one Node invocation with its trace on the REPORT's next line.
    let (report, problems) = analyze_real("datadog-cloudwatch_logs.json");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (1, 0, 0, 0, 0, 0));
    assert_eq!(report.functions[0].account.as_deref(), Some("601427279990"));
    assert_eq!(report.functions[0].versions, ["$LATEST"]);
}

fn analyze_bytes(name: &str, bytes: &[u8]) -> (Report, Vec<String>) {
    let mut pipeline = Pipeline::new(AssemblerConfig::default());
    pipeline.read(bytes, &SourceContext::named(name)).unwrap();
    pipeline.finish();
    let problems = pipeline
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    (pipeline.report(), problems)
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/shapes"
        ))
        .join(name),
    )
    .unwrap()
}

#[test]
fn one_log_event_per_json_line_is_read_like_the_same_events_in_a_page() {
    // `aws logs filter-log-events … | jq -c '.events[]'`: two invocations of one
    // sandbox (a cold one, a timeout), and one event re-delivered.
    let (lines, problems) = analyze("events-per-line.ndjson");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&lines), (2, 1, 1, 0, 1, 1));
    assert_eq!(lines.totals.failures.timeout, 1);
    assert_eq!(
        lines.totals.input.duplicate_events, 1,
        "event ids are taken"
    );
    assert_eq!(lines.totals.input.request_id_lines, 3);
    let f = &lines.functions[0];
    assert_eq!(f.versions, ["$LATEST"], "the stream name is taken");
    assert_eq!(f.billed_duration_ms_total, 6410);
    // The timeout's group is timed by the events' own timestamps.
    assert_eq!(lines.error_groups[0].first_seen, Some(1_772_442_066_001));

    // The same events as `filter-log-events` prints them.
    let text = fixture_text("events-per-line.ndjson");
    let page = format!(
        "{{\"events\": [{}], \"searchedLogStreams\": []}}",
        text.lines().collect::<Vec<_>>().join(",\n")
    );
    let (paged, problems) = analyze_bytes("page.json", page.as_bytes());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(lines.functions, paged.functions);
    assert_eq!(lines.error_groups, paged.error_groups);
}

#[test]
fn records_whose_message_is_a_lambda_line_are_unwrapped() {
    // Test records `{"name", "message"}`: a REPORT, a JSON `platform.report` that timed
    // out, a legacy timeout line with its request id, and a record that is not Lambda's.
    let (report, problems) = analyze("records-with-message.jsonl");
    assert!(problems.is_empty(), "{problems:?}");
    // The legacy timeout line has no REPORT: an incomplete, failed invocation.
    assert_eq!(counts(&report), (3, 2, 1, 1, 1, 2));
    assert_eq!(report.totals.failures.timeout, 2);
    assert_eq!(report.totals.input.reports, 2);
    assert_eq!(report.totals.input.application_lines, 2);
    assert!(
        report
            .warnings
            .iter()
            .all(|w| !w.contains("no Lambda log lines")),
        "{:?}",
        report.warnings
    );
    // The JSON report's own time dates its timeout.
    let timeout = report
        .error_groups
        .iter()
        .find(|g| g.message == "Task timed out after 15.00 seconds");
    assert_eq!(timeout.map(|g| g.first_seen), Some(Some(1_768_213_233_004)));

    // A subscription's `logEvents` one per line (`jq -c '.logEvents[]'`).
    let events = concat!(
        r#"{"id":"38712342034573294752083474856129","timestamp":1772442000180,"message":"START RequestId: 2d1c0b9a-8f7e-4d6c-9b5a-4f3e2d1c0b9a Version: 12\n"}"#,
        "\n",
        r#"{"id":"38712342034573294752083474856130","timestamp":1772442000377,"message":"REPORT RequestId: 2d1c0b9a-8f7e-4d6c-9b5a-4f3e2d1c0b9a\tDuration: 196.02 ms\tBilled Duration: 197 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n"}"#,
        "\n",
    );
    let (report, problems) = analyze_bytes("log-events.ndjson", events.as_bytes());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (1, 0, 0, 0, 0, 0));
    assert_eq!(report.functions[0].versions, ["12"]);
}

#[test]
fn structured_log_lines_with_a_message_stay_application_lines() {
    // Powertools records between platform text lines: `message` is the application's,
    // even when it begins with `START`.
    let (report, problems) = analyze("powertools-between-platform-lines.log");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (1, 0, 0, 0, 1, 1));
    let s = &report.totals.input;
    assert_eq!(
        (
            s.application_lines,
            s.request_id_lines,
            s.malformed_platform_lines
        ),
        (2, 2, 0)
    );
    assert_eq!(report.functions[0].function, "orders-api");
    // The group is named by the exception, not by the logger call around it (its last
    // line glued to the frame before, as Powertools' documentation prints it), and `5xx`
    // is a word, not an id.
    let group = &report.error_groups[0];
    assert_eq!(
        (group.error_type.as_str(), group.message.as_str()),
        (
            "RuntimeError",
            "Unable to fullfil request: upstream returned 5xx"
        )
    );
    assert_eq!(
        group.masked_message,
        "Unable to fullfil request: upstream returned 5xx"
    );
    assert_eq!(group.frames, ["app.py:charge", "app.py:handler"]);
    assert_eq!(
        group.sample_request_ids,
        ["3c2b1a09-8f7e-4d6c-b5a4-938271605f4e"]
    );
}

#[test]
fn a_failed_snapstart_restore_is_its_own_error_not_the_next_invocations() {
    // A restore fails (both records say so), Lambda inits instead and the invocation
    // succeeds; five minutes later a restore works.
    let (report, problems) = analyze("snapstart-restore-failure.jsonl");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(counts(&report), (2, 0, 1, 0, 1, 1));
    assert_eq!(report.totals.snapstart_restores, 1);
    let group = &report.error_groups[0];
    assert_eq!(
        (group.error_type.as_str(), group.message.as_str()),
        (
            "Runtime.AfterRestoreError",
            "SnapStart restore failed: Runtime.AfterRestoreError"
        )
    );
    // 2026-02-10T08:00:00.900Z: the restore's time, not an invocation's.
    assert_eq!(group.first_seen, Some(1_770_710_400_900));
    assert!(group.sample_request_ids.is_empty());
}

#[test]
fn control_messages_alone_are_said_to_be_no_log_events() {
    // A Firehose HTTP endpoint body and a decoded subscription payload, both a
    // destination health check.
    let (report, problems) = analyze("control-message.json");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(report.totals.input.events, 0);
    assert_eq!(report.totals.input.control_messages, 2);
    assert!(
        report.warnings.iter().any(|w| w
            .starts_with("only CloudWatch Logs control / health-check messages: no log events")),
        "{:?}",
        report.warnings
    );
    // With log events beside it, it is not worth a word.
    let mut text = fixture_text("control-message.json");
    text.push_str(&fixture_text("memory-at-limit.log"));
    let (report, _) = analyze_bytes("mixed", text.as_bytes());
    assert!(
        report.warnings.iter().all(|w| !w.contains("control")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn memory_at_the_limit_is_counted_and_the_outcome_kept() {
    // 256/256 (success), 256/256 with Status: timeout, 257/256 (out of memory), 140/256.
    let (report, problems) = analyze("memory-at-limit.log");
    assert!(problems.is_empty(), "{problems:?}");
    let f = &report.functions[0];
    assert_eq!(f.invocations, 4);
    assert_eq!(
        (
            f.failures.timeout,
            f.failures.out_of_memory,
            f.failures.total()
        ),
        (1, 1, 2)
    );
    assert_eq!(f.memory_at_limit, 2);
    assert_eq!(report.totals.memory_at_limit, 2);
}

#[test]
fn a_start_and_a_report_with_different_ids_in_one_stream_are_warned_about() {
    let (report, problems) = analyze("mismatched-ids.log");
    assert!(problems.is_empty(), "{problems:?}");
    // Counted as read: one open, one reported; but said.
    assert_eq!(report.totals.invocations, 2);
    assert_eq!(report.totals.incomplete, 1);
    assert_eq!(report.totals.input.unmatched_starts, 1);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("request ids probably do not match")),
        "{:?}",
        report.warnings
    );

    // An export cut at both ends (a REPORT whose START is before it, a START whose REPORT
    // is after it) is not that.
    let cut = "REPORT RequestId: 11111111-2222-4333-8444-555555555555\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t
START RequestId: 22222222-3333-4444-8555-666666666666 Version: $LATEST
REPORT RequestId: 22222222-3333-4444-8555-666666666666\tDuration: 6.00 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t
START RequestId: 33333333-4444-4555-8666-777777777777 Version: $LATEST
";
    let (report, _) = analyze_bytes("cut.log", cut.as_bytes());
    assert_eq!(report.totals.invocations, 3);
    assert_eq!(report.totals.input.unmatched_starts, 0);
    assert!(
        report.warnings.iter().all(|w| !w.contains("do not match")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn no_invocation_costs_zero_not_minus_zero() {
    let (report, _) = analyze("control-message.json");
    let json = serde_json::to_string(&report.totals).unwrap();
    assert!(json.contains("\"cost_usd\":0.0"), "{json}");
}

#[test]
fn real_telemetry_batches_and_test_records() {
    // The same `platform.report` (initDurationMs 549.04) in two projects' fixtures: a
    // cold start in both, although one file also holds a failed SnapStart restore.
    let (report, problems) = analyze_real("rust-runtime-telemetry_api_events.jsonl");
    assert!(problems.is_empty(), "{problems:?}");
    // Two attempts of the same request, each with that report.
    assert_eq!(counts(&report), (2, 0, 2, 0, 0, 0));
    let (report, problems) = analyze_real("datadog-extension-telemetry_api_events.jsonl");
    assert!(problems.is_empty(), "{problems:?}");
    // That report, and a Managed Instances report without init: one cold start; the
    // restore failure is an error group of its own and fails no invocation.
    assert_eq!(counts(&report), (2, 0, 1, 0, 1, 1));
    assert_eq!(report.totals.snapstart_restores, 0);
    let group = &report.error_groups[0];
    assert_eq!(
        (group.error_type.as_str(), group.message.as_str()),
        ("RestoreError", "SnapStart restore failed: RestoreError")
    );
    // 2022-10-19T13:52:16.136Z, the restoreReport's time.
    assert_eq!(group.first_seen, Some(1_666_187_536_136));

    // Datadog's forwarder test strings as `{"name", "message"}`: nine REPORT /
    // platform.report records (one a timeout, three with an init duration), a malformed
    // REPORT, and a legacy timeout line whose invocation has no REPORT.
    let (report, problems) = analyze_real("datadog-enhanced_metrics_test_messages.jsonl");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        (
            report.totals.invocations,
            report.totals.failures.timeout,
            report.totals.cold_starts,
            report.totals.incomplete,
            report.totals.input.malformed_platform_lines
        ),
        (10, 2, 3, 1, 1)
    );

    // Powertools' documented exception record: the exception's text names the group.
    let (report, _) = analyze_real("powertools-logging_exceptions_output.json");
    let group = &report.error_groups[0];
    assert_eq!(
        (group.error_type.as_str(), group.message.as_str()),
        ("RuntimeError", "Unable to fullfil request")
    );
}
