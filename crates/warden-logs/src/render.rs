//! Terminal output: the per-function table with the top error groups and security events,
//! and the one-line view of an invocation that `tail` prints.

use std::io::{self, Write};

use crate::aggregate::Report;
use crate::invocation::{Invocation, Outcome};
use crate::percentiles::Method;
use crate::time::format_millis;

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// How many error groups and security events the text report lists.
const TOP_GROUPS: usize = 10;
const TOP_SECURITY: usize = 20;

fn paint(text: &str, color: &str, enabled: bool) -> String {
    if enabled {
        format!("{color}{text}{RESET}")
    } else {
        text.to_owned()
    }
}

fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
        None => "-".to_owned(),
    }
}

/// Dollars to the micro-dollar everywhere, so a column of small and large costs lines up
/// and reads the same way (a request costs $0.0000002).
fn dollars(value: f64) -> String {
    format!("{:.6}", value + 0.0)
}

/// A function's cost in the table: `-` when none of its invocations could be priced
/// (no REPORT read), as the other columns without figures show.
fn cost_cell(value: f64, priced: bool) -> String {
    if priced {
        dollars(value)
    } else {
        "-".to_owned()
    }
}

/// Writes the text report.
pub fn write_report(report: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    let input = &report.totals.input;
    if report.functions.is_empty() && input.events == 0 && input.control_messages > 0 {
        writeln!(
            out,
            "No Lambda invocations found: the input held only CloudWatch Logs control / health-check messages (no log events)."
        )?;
    } else if report.functions.is_empty() {
        writeln!(
            out,
            "No Lambda invocations found ({} events read).",
            input.events
        )?;
    } else {
        let header = [
            "FUNCTION",
            "INVOCATIONS",
            "ERROR",
            "TIMEOUT",
            "OOM",
            "INIT",
            "CRASH",
            "COLD",
            "P50 ms",
            "P95 ms",
            "P99 ms",
            "MAX ms",
            "BILLED s",
            "MEM MB",
            "COST $",
        ];
        let rows: Vec<[String; 15]> = report
            .functions
            .iter()
            .map(|f| {
                [
                    f.function.clone(),
                    if f.incomplete > 0 {
                        format!("{} ({} open)", f.invocations, f.incomplete)
                    } else {
                        f.invocations.to_string()
                    },
                    f.failures.error.to_string(),
                    f.failures.timeout.to_string(),
                    f.failures.out_of_memory.to_string(),
                    f.failures.init_error.to_string(),
                    f.failures.crash.to_string(),
                    if f.snapstart_restores > 0 {
                        format!("{}+{}r", f.cold_starts, f.snapstart_restores)
                    } else {
                        f.cold_starts.to_string()
                    },
                    ms(f.duration_ms.p50),
                    ms(f.duration_ms.p95),
                    ms(f.duration_ms.p99),
                    ms(f.duration_ms.max),
                    format!("{:.1}", f.billed_duration_ms_total as f64 / 1000.0),
                    match (f.max_memory_used_mb, f.memory_size_mb) {
                        (Some(u), Some(s)) => format!("{u}/{s}"),
                        (Some(u), None) => u.to_string(),
                        _ => "-".to_owned(),
                    },
                    cost_cell(f.cost_usd, f.cost_usd > 0.0),
                ]
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("{c:<w$}", w = widths[i])
                    } else {
                        format!("{c:>w$}", w = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        writeln!(out, "{}", paint(line(&head).trim_end(), BOLD, color))?;
        for (row, f) in rows.iter().zip(&report.functions) {
            let text = line(row);
            if f.failures.total() > 0 {
                // Only the failure columns are red, so the table stays readable.
                let mut cells = row.clone();
                for i in 2..7 {
                    if cells[i] != "0" {
                        cells[i] = format!("{:>w$}", cells[i], w = widths[i]);
                    }
                }
                let parts: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let padded = if i == 0 {
                            format!("{c:<w$}", w = widths[i])
                        } else {
                            format!("{c:>w$}", w = widths[i])
                        };
                        if (2..7).contains(&i) && c.trim() != "0" {
                            paint(&padded, RED, color)
                        } else {
                            padded
                        }
                    })
                    .collect();
                writeln!(out, "{}", parts.join("  ").trim_end())?;
            } else {
                writeln!(out, "{}", text.trim_end())?;
            }
        }
    }

    let at_limit: Vec<_> = report
        .functions
        .iter()
        .filter(|f| f.memory_at_limit > 0)
        .collect();
    if !at_limit.is_empty() {
        writeln!(out)?;
        for f in at_limit {
            let hint = format!(
                "{}: {} invocation{} used all {} MB of memory (Max Memory Used >= Memory Size): likely out of memory or about to be",
                f.function,
                f.memory_at_limit,
                if f.memory_at_limit == 1 { "" } else { "s" },
                f.memory_size_mb.unwrap_or(0),
            );
            writeln!(out, "{}", paint(&hint, YELLOW, color))?;
        }
    }

    let resizable: Vec<_> = report
        .functions
        .iter()
        .filter(|f| f.memory.suggested_mb.is_some())
        .collect();
    if !resizable.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint("Memory (estimate)", BOLD, color))?;
        for f in resizable {
            let m = &f.memory;
            writeln!(
                out,
                "  {}: max memory used p50 {} / p99 {} of {} MB configured; {} MB would have cost ${} less",
                f.function,
                m.max_used_p50_mb.unwrap_or(0),
                m.max_used_p99_mb.unwrap_or(0),
                m.configured_mb.unwrap_or(0),
                m.suggested_mb.unwrap_or(0),
                dollars(m.estimated_saving_usd.unwrap_or(0.0)),
            )?;
        }
    }
    if !report.metrics.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint("Custom metrics (EMF)", BOLD, color))?;
        for m in report.metrics.iter().take(TOP_GROUPS) {
            writeln!(
                out,
                "  {} {}/{}: {} values, sum {}, min {}, max {}{}",
                m.function,
                m.namespace,
                m.name,
                m.count,
                m.sum,
                m.min,
                m.max,
                m.unit
                    .as_deref()
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default()
            )?;
        }
    }

    if !report.error_groups.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint(
                &format!(
                    "Error groups (top {} of {})",
                    report.error_groups.len().min(TOP_GROUPS),
                    report.error_groups.len()
                ),
                BOLD,
                color
            )
        )?;
        for group in report.error_groups.iter().take(TOP_GROUPS) {
            let message = if group.message.is_empty() {
                String::new()
            } else {
                format!(": {}", truncate(&group.message, 100))
            };
            writeln!(
                out,
                "  {:>6}×  {}  {}{}",
                group.count,
                group.function,
                paint(&group.error_type, RED, color),
                message
            )?;
            let when = match (group.first_seen, group.last_seen) {
                (Some(first), Some(last)) if first != last => {
                    format!("{} … {}", format_millis(first), format_millis(last))
                }
                (Some(first), _) => format_millis(first),
                _ => "time unknown".to_owned(),
            };
            let frames = if group.frames.is_empty() {
                String::new()
            } else {
                format!("  at {}", group.frames.join(" < "))
            };
            writeln!(
                out,
                "{}",
                paint(
                    &format!("           {}  {}{}", group.fingerprint, when, frames),
                    DIM,
                    color
                )
            )?;
        }
    }

    if !report.security_events.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            paint(
                &format!(
                    "Security events ({} found, {} shown)",
                    report.totals.security_events,
                    report.security_events.len().min(TOP_SECURITY)
                ),
                BOLD,
                color
            )
        )?;
        for event in report.security_events.iter().take(TOP_SECURITY) {
            writeln!(
                out,
                "  {}  {}  {}  {}",
                paint(event.risk.slug(), YELLOW, color),
                event.function,
                event.request_id.as_deref().unwrap_or("-"),
                truncate(&event.detail, 160)
            )?;
        }
    }

    let t = &report.totals;
    writeln!(out)?;
    let failure_rate = if t.invocations > 0 {
        100.0 * t.failed_invocations as f64 / t.invocations as f64
    } else {
        0.0
    };
    writeln!(
        out,
        "{} invocations in {} function{}, {} failed ({failure_rate:.1} %), {} cold starts; estimated cost ${} ({} {}, list price {}); percentiles {}.",
        t.invocations,
        t.functions,
        if t.functions == 1 { "" } else { "s" },
        t.failed_invocations,
        t.cold_starts,
        dollars(t.cost_usd),
        t.price_table.architecture,
        t.price_table.region,
        t.price_table.version,
        match t.percentiles {
            Method::Exact => "exact",
            Method::Sketch => "from a sketch (within 1 %)",
        }
    )?;
    if t.input_problems > 0 {
        writeln!(
            out,
            "{} input problem{} reported on stderr.",
            t.input_problems,
            if t.input_problems == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// One line per completed invocation, failures in red.
pub fn invocation_line(invocation: &Invocation, color: bool) -> String {
    let when = invocation
        .end
        .or(invocation.start)
        .map_or_else(|| "-".to_owned(), format_millis);
    let outcome = if invocation.complete || invocation.outcome.is_failure() {
        invocation.outcome.as_str()
    } else {
        "incomplete"
    };
    let outcome = match invocation.outcome {
        Outcome::Success => paint(&format!("{outcome:<13}"), "", false),
        _ => paint(&format!("{outcome:<13}"), RED, color),
    };
    let mut line = format!(
        "{when}  {}  {}  {outcome}  {:>9} ms  billed {:>6} ms  mem {}",
        invocation.function,
        invocation.request_id,
        ms(invocation.duration_ms),
        invocation
            .billed_duration_ms
            .map_or_else(|| "-".to_owned(), |b| b.to_string()),
        match (invocation.max_memory_used_mb, invocation.memory_size_mb) {
            (Some(u), Some(s)) => format!("{u}/{s} MB"),
            _ => "-".to_owned(),
        }
    );
    if invocation.cold_start {
        line.push_str(&format!("  cold {} ms", ms(invocation.init_duration_ms)));
    }
    if invocation.snapstart_restore {
        line.push_str(&format!(
            "  restore {} ms",
            ms(invocation.restore_duration_ms)
        ));
    }
    if let Some(error) = &invocation.error {
        let text = format!("  {}: {}", error.error_type, truncate(&error.message, 120));
        line.push_str(&paint(&text, RED, color));
    }
    line
}

fn truncate(text: &str, max: usize) -> String {
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(max).collect();
        cut.push('…');
        cut
    }
}
