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
