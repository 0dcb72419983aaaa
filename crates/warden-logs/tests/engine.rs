//! The assembler's contract with a long-running caller (`warden serve`): REPORT completes
//! at once, late lines amend by key, the idle timer is the caller's wall clock, watermarks
//! are per stream, retries and re-deliveries count right.

use warden_logs::{Assembler, AssemblerConfig, Emitted, Invocation, LogEvent, Outcome};

const GROUP: &str = "/aws/lambda/orders";

fn push(a: &mut Assembler, stream: &str, ts: i64, message: &str, out: &mut Vec<Emitted>) {
    a.push(
        &LogEvent {
            timestamp_ms: Some(ts),
            message,
            log_group: GROUP,
            log_stream: stream,
            ..LogEvent::default()
        },
        out,
    );
}

fn invocations(out: &[Emitted]) -> Vec<&Invocation> {
    out.iter()
        .filter_map(|e| match e {
            Emitted::Invocation(i) => Some(&**i),
            _ => None,
        })
        .collect()
}

fn report_line(id: &str) -> String {
    format!("REPORT RequestId: {id}\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t")
}

#[test]
fn a_report_completes_the_last_invocation_of_a_quiet_stream_at_once() {
    let mut a = Assembler::new(AssemblerConfig::default());
    let mut out = Vec::new();
    let s = "2025/01/01/[$LATEST]aaaa";
    push(
        &mut a,
        s,
        1_000,
        "START RequestId: r-1 Version: $LATEST",
        &mut out,
    );
    push(&mut a, s, 1_010, "END RequestId: r-1", &mut out);
    push(&mut a, s, 1_010, &report_line("r-1"), &mut out);
    let done = invocations(&out);
    assert_eq!(done.len(), 1, "no waiting for the stream to move on");
    assert!(done[0].complete);
    assert_eq!(done[0].revision, 0);
}

#[test]
fn the_idle_timer_is_wall_clock_per_invocation_and_a_late_report_amends() {
    let mut a = Assembler::new(AssemblerConfig::default());
    let mut out = Vec::new();
    let (busy, quiet) = ("2025/01/01/[$LATEST]busy", "2025/01/01/[$LATEST]quiet");
    a.set_now(10_000);
    push(
        &mut a,
        quiet,
        1_000,
        "START RequestId: q-1 Version: $LATEST",
        &mut out,
    );
    // Other traffic, far ahead in event time, closes nothing.
    for n in 0..50 {
        a.set_now(10_000 + n * 100);
        let id = format!("b-{n}");
        let at = 10_000_000 + n * 1_000;
        push(
            &mut a,
            busy,
            at,
            &format!("START RequestId: {id} Version: $LATEST"),
            &mut out,
        );
        push(&mut a, busy, at + 5, &report_line(&id), &mut out);
    }
    assert!(invocations(&out).iter().all(|i| i.request_id != "q-1"));
    // 30 s of wall clock later, the caller's timer closes it.
    a.close_idle(45_000, 30_000, &mut out);
    let closed: Vec<_> = invocations(&out)
        .into_iter()
        .filter(|i| i.request_id == "q-1")
        .cloned()
        .collect();
    assert_eq!(closed.len(), 1);
    assert!(!closed[0].complete);
    // Its REPORT arrives after all: the same key, complete, revision 1.
    out.clear();
    a.set_now(50_000);
    push(&mut a, quiet, 1_900, &report_line("q-1"), &mut out);
    let amended = out
        .iter()
        .find_map(|e| match e {
            Emitted::Amended(a) => Some(a),
            _ => None,
        })
        .expect("an amendment");
    assert_eq!(amended.current.key, closed[0].key);
    assert_eq!(amended.current.revision, 1);
    assert!(amended.current.complete && !amended.previous.complete);
    assert_eq!(amended.current.duration_ms, Some(12.0));
}

#[test]
fn a_source_far_behind_another_keeps_its_open_invocations() {
    let mut a = Assembler::new(AssemblerConfig::default());
    let mut out = Vec::new();
    let (ahead, behind) = ("2025/01/01/[$LATEST]ahead", "2025/01/01/[$LATEST]behind");
    push(
        &mut a,
        behind,
        0,
        "START RequestId: slow Version: $LATEST",
        &mut out,
    );
    // Another stream is 20 minutes ahead.
    push(
        &mut a,
        ahead,
        20 * 60_000,
        "START RequestId: fast Version: $LATEST",
        &mut out,
    );
    push(
        &mut a,
        ahead,
        20 * 60_000 + 5,
        &report_line("fast"),
        &mut out,
    );
    assert_eq!(a.open_invocations(), 1);
    push(&mut a, behind, 2_000, &report_line("slow"), &mut out);
    let slow = invocations(&out)
        .into_iter()
        .find(|i| i.request_id == "slow")
        .unwrap();
    assert!(slow.complete, "its REPORT was not dropped");
    // Its own stream moving 16 minutes on does end an invocation that never reported.
    push(
        &mut a,
        behind,
        3_000,
        "START RequestId: lost Version: $LATEST",
        &mut out,
    );
    push(
        &mut a,
        behind,
        3_000 + 17 * 60_000,
        "a line of nobody",
        &mut out,
    );
    assert!(invocations(&out)
        .iter()
        .any(|i| i.request_id == "lost" && !i.complete));
}

#[test]
fn three_attempts_of_one_request_are_three_invocations_and_replays_are_not() {
    let mut a = Assembler::new(AssemblerConfig::default());
    let mut out = Vec::new();
    let s = "2025/01/01/[$LATEST]retry";
    let mut lines = Vec::new();
    for attempt in 0..3 {
        let at = attempt * 60_000;
        let r = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
        lines.push((at, format!("START RequestId: {r} Version: $LATEST")));
        lines.push((at + 1, format!("2025-01-01T00:00:00.001Z\t{r}\tERROR\tInvoke Error \t{{\"errorType\":\"E\",\"errorMessage\":\"x\"}}")));
        lines.push((at + 2, report_line(r)));
    }
    // The same text twice: the second reading is recognised by its times.
    for (ts, line) in lines.iter().chain(lines.iter()) {
        push(&mut a, s, *ts, line, &mut out);
    }
    a.finish(&mut out);
    let done = invocations(&out);
    assert_eq!(done.len(), 3);
    assert!(done.iter().all(|i| i.outcome == Outcome::Error));
    let mut keys: Vec<_> = done.iter().map(|i| i.key.clone()).collect();
    keys.dedup();
    assert_eq!(keys.len(), 3);
    assert_eq!(
        out.iter()
            .filter(|e| matches!(e, Emitted::Error(_)))
            .count(),
        3
    );
}

#[test]
fn keys_are_stable_and_invocations_round_trip_through_serde() {
    let run = || {
        let mut a = Assembler::new(AssemblerConfig::default());
        let mut out = Vec::new();
        push(&mut a, "s", 5, "START RequestId: k Version: 3", &mut out);
        push(&mut a, "s", 9, &report_line("k"), &mut out);
        invocations(&out)[0].clone()
    };
    let (first, second) = (run(), run());
    assert_eq!(first.key, second.key);
    assert_eq!(first.key.len(), 32);
    let json = serde_json::to_string(&first).unwrap();
    let back: Invocation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, first);
}

#[test]
fn memory_stays_bounded_over_many_one_invocation_streams() {
    let mut a = Assembler::new(AssemblerConfig::default());
    let mut out = Vec::new();
    for n in 0..200_000u32 {
        let stream = format!("2025/01/01/[$LATEST]{n:032x}");
        let id = format!("{n:08x}-0000-4000-8000-000000000000");
        push(
            &mut a,
            &stream,
            i64::from(n),
            &format!("START RequestId: {id} Version: $LATEST"),
            &mut out,
        );
        push(&mut a, &stream, i64::from(n), &report_line(&id), &mut out);
        out.clear();
    }
    assert!(a.streams() <= 70_000, "{} streams held", a.streams());
    assert_eq!(a.open_invocations(), 0);
}
