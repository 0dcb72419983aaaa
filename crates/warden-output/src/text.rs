//! The human-readable format: one rustc-style diagnostic per finding, then load errors and
//! a summary.
//!
//! ```text
//! WDN101 [high] Function URL of `ApiFunction` allows unauthenticated calls
//!  --> template.yaml:9:21
//!   |
//! 9 |           AuthType: NONE
//!   |                     ^^^^
//!   |
//!   = resource: ApiFunction (AWS::Serverless::Function)
//!   = rule: function-url-without-auth (broken-authentication)
//!   = help: Set `AuthType: AWS_IAM` and sign requests with SigV4.
//! ```
//!
//! Frames are written by hand rather than with annotate-snippets: the header is ours
//! (`CODE [severity] message`, not `error[CODE]: message`), spans are already resolved to
//! lines, and the output is pinned by snapshot tests, so owning the few lines it takes is
//! simpler than bending a general renderer to this shape.

use std::io::{self, Write};

use unicode_width::UnicodeWidthChar;
use warden_diagnostics::{Severity, SourceFile, SourceMap, Span};

use crate::{error_path, plural, Located, RenderOptions, View};

/// Spans longer than this many lines show their first [`HEAD_LINES`] lines, an ellipsis
/// and their last line.
const MAX_LINES: usize = 6;
const HEAD_LINES: usize = 4;
const TAB: &str = "    ";

pub(crate) fn render(
    view: &View<'_>,
    sources: &SourceMap,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let style = Style {
        color: options.color,
    };
    for located in &view.findings {
        write_finding(out, located, sources, &style)?;
        writeln!(out)?;
    }
    for error in &view.errors {
        let place = if error.line == 0 {
            error_path(error)
        } else {
            format!("{}:{}:{}", error_path(error), error.line, error.column)
        };
        writeln!(
            out,
            "{}: {place}: {}",
            style.paint(ERROR, "error"),
            sanitize(&error.message)
        )?;
    }
    if !view.errors.is_empty() {
        writeln!(out)?;
    }
    write_notices(out, view, &style)?;
    write_summary(out, view, &style)
}

/// The "not analysed" section: what the scan could not read, so that the summary does not
/// claim more than was checked.
fn write_notices(out: &mut dyn Write, view: &View<'_>, style: &Style) -> io::Result<()> {
    if view.notices.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", style.paint(BOLD, "Not analysed:"))?;
    for located in &view.notices {
        let notice = located.notice;
        let place = match &located.location {
            Some(location) => format!(
                "{}:{}:{}: ",
                sanitize(&location.file),
                location.line,
                location.column
            ),
            None => String::new(),
        };
        writeln!(
            out,
            "  - {place}{} [{}]",
            sanitize(&notice.message),
            notice.kind
        )?;
        if let Some(help) = &notice.help {
            writeln!(out, "    {}", sanitize(help))?;
        }
    }
    writeln!(out)
}

fn write_finding(
    out: &mut dyn Write,
    located: &Located<'_>,
    sources: &SourceMap,
    style: &Style,
) -> io::Result<()> {
    let finding = located.finding;
    let location = &located.location;
    let color = severity_color(finding.severity);

    writeln!(
        out,
        "{} {} {}",
        style.paint(color, finding.code),
        style.paint(color, &format!("[{}]", finding.severity)),
        style.paint(BOLD, &sanitize(&finding.message)),
    )?;

    let rows = sources
        .get(finding.span.file)
        .map(|file| frame(file, finding.span))
        .unwrap_or_default();
    let widest = rows
        .iter()
        .filter_map(|row| match row {
            Row::Line(line) => Some(line.number),
            Row::Ellipsis => None,
        })
        .max()
        .unwrap_or(location.line);
    let width = widest.to_string().len();
    let gutter = |text: &str| style.paint(GUTTER, text);

    writeln!(
        out,
        "{:width$}{} {}:{}:{}",
        "",
        gutter("-->"),
        sanitize(&location.file),
        location.line,
        location.column
    )?;
    if !rows.is_empty() {
        writeln!(out, "{:width$} {}", "", gutter("|"))?;
        for row in &rows {
            match row {
                Row::Ellipsis => writeln!(out, "{}", gutter("..."))?,
                Row::Line(line) => {
                    let number = format!("{:>width$} |", line.number);
                    if line.text.is_empty() {
                        writeln!(out, "{}", gutter(&number))?;
                    } else {
                        writeln!(out, "{} {}", gutter(&number), line.text)?;
                    }
                    if let Some((column, length)) = line.underline {
                        writeln!(
                            out,
                            "{:width$} {} {:column$}{}",
                            "",
                            gutter("|"),
                            "",
                            style.paint(color, &"^".repeat(length)),
                        )?;
                    }
                }
            }
        }
        writeln!(out, "{:width$} {}", "", gutter("|"))?;
    }

    let resource = if finding.resource_type.is_empty() {
        sanitize(&finding.resource)
    } else {
        format!(
            "{} ({})",
            sanitize(&finding.resource),
            sanitize(&finding.resource_type)
        )
    };
    write_note(out, width, style, "resource", &resource)?;
    for (place, message) in &located.related {
        write_note(
            out,
            width,
            style,
            "also",
            &format!(
                "{}:{}:{} {}",
                sanitize(&place.file),
                place.line,
                place.column,
                sanitize(message)
            ),
        )?;
    }
    write_note(
        out,
        width,
        style,
        "rule",
        &format!("{} ({})", finding.name, finding.risk),
    )?;
    if !finding.help.trim().is_empty() {
        write_note(out, width, style, "help", &sanitize(finding.help.trim()))?;
    }
    Ok(())
}

/// `  = label: text`, with continuation lines aligned under the text.
fn write_note(
    out: &mut dyn Write,
    width: usize,
    style: &Style,
    label: &str,
    text: &str,
) -> io::Result<()> {
    let indent = width + 3 + label.len() + 2;
    for (index, line) in text.lines().enumerate() {
        if index == 0 {
            writeln!(
                out,
                "{:width$} {} {line}",
                "",
                style.paint(BOLD, &format!("= {label}:")),
            )?;
        } else if line.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "{:indent$}{line}", "")?;
        }
    }
    Ok(())
}

fn write_summary(out: &mut dyn Write, view: &View<'_>, style: &Style) -> io::Result<()> {
    let report = view.report;
    let mut extras = Vec::new();
    if report.suppressed > 0 {
        extras.push(format!(
            "{} suppressed",
            plural(report.suppressed, "finding", "findings")
        ));
    }
    if !view.errors.is_empty() {
        extras.push(format!(
            "{} could not be loaded",
            plural(view.errors.len(), "file", "files")
        ));
    }
    let scanned = format!(
        "{} ({})",
        plural(report.files_scanned, "file", "files"),
        plural(report.resources_scanned, "resource", "resources")
    );

    let mut context = Vec::new();
    if let Some(profile) = report.profile {
        context.push(format!("{profile} profile"));
    }
    if let Some(as_of) = report.as_of {
        context.push(format!("as of {as_of}"));
    }
    let context = if context.is_empty() {
        String::new()
    } else {
        format!(", {}", context.join(", "))
    };
    let not_analysed = (!view.notices.is_empty()).then(|| {
        format!(
            "{} not analysed (listed above)",
            plural(view.notices.len(), "item", "items")
        )
    });

    if view.findings.is_empty() {
        // "No findings" is a claim about everything; it is made only when nothing was
        // left unread and nothing was hidden.
        let mut line = if not_analysed.is_none() && report.hidden.total() == 0 {
            format!("No findings in {scanned}{context}")
        } else {
            format!("No findings shown; scanned {scanned}{context}")
        };
        for extra in extras.iter().chain(&not_analysed) {
            line.push_str("; ");
            line.push_str(extra);
        }
        line.push('.');
        writeln!(out, "{}", style.paint(BOLD, &line))?;
        return write_hidden(out, report);
    }

    let counts = view
        .by_severity
        .iter()
        .map(|(severity, count)| {
            style.paint(severity_color(severity), &format!("{count} {severity}"))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let found = format!(
        "Found {}",
        plural(view.findings.len(), "finding", "findings")
    );
    writeln!(out, "{}: {counts}.", style.paint(BOLD, &found))?;
    let mut line = format!("Scanned {scanned}{context}");
    for extra in extras.iter().chain(&not_analysed) {
        line.push_str("; ");
        line.push_str(extra);
    }
    line.push('.');
    writeln!(out, "{line}")?;
    write_hidden(out, report)
}

/// One line that counts what the view left out and says how to see it.
fn write_hidden(out: &mut dyn Write, report: &crate::Report) -> io::Result<()> {
    let hidden = &report.hidden;
    if hidden.total() == 0 {
        return Ok(());
    }
    let counts = hidden
        .iter()
        .map(|(severity, count)| format!("{count} {severity}"))
        .collect::<Vec<_>>()
        .join(", ");
    let below = report
        .min_severity
        .map_or_else(String::new, |min| format!(" below {min}"));
    writeln!(
        out,
        "{} hidden{below} ({counts}): `--min-severity info` shows them.",
        plural(hidden.total(), "finding", "findings")
    )
}

/// One row of a code frame.
#[derive(Debug, PartialEq, Eq)]
enum Row {
    Line(FrameLine),
    Ellipsis,
}

#[derive(Debug, PartialEq, Eq)]
struct FrameLine {
    /// One-based line number.
    number: usize,
    /// The line as displayed: tabs expanded, control characters replaced.
    text: String,
    /// Display column (zero-based) and width of the carets, if this line gets any.
    underline: Option<(usize, usize)>,
}

/// The lines that `span` covers, each with the part of it that the span covers underlined.
fn frame(file: &SourceFile, span: Span) -> Vec<Row> {
    let length = file.text.len() as u32;
    let start = span.start.min(length);
    let end = span.end.min(length).max(start);
    let first = file.lines.line_of(start);
    let mut last = file.lines.line_of(end);
    // A span that ends right after a newline does not really cover the next line.
    if last > first && end == file.lines.line_start(last) {
        last -= 1;
    }

    let numbers: Vec<Option<usize>> = if last - first + 1 > MAX_LINES {
        (first..first + HEAD_LINES)
            .map(Some)
            .chain([None, Some(last)])
            .collect()
    } else {
        (first..=last).map(Some).collect()
    };

    numbers
        .into_iter()
        .map(|number| match number {
            None => Row::Ellipsis,
            Some(line) => {
                let line_start = file.lines.line_start(line) as usize;
                let raw = file.line_text(line);
                let indentation = raw.len() - raw.trim_start().len();
                let from = if line == first {
                    (start as usize).saturating_sub(line_start)
                } else {
                    indentation
                };
                let to = if line == last {
                    (end as usize).saturating_sub(line_start)
                } else {
                    raw.len()
                };
                let from = floor_boundary(raw, from.min(raw.len()));
                let to = floor_boundary(raw, to.min(raw.len())).max(from);
                let (text, from_column, to_column) = display(raw, from, to);
                // Continuation lines get no carets over nothing but whitespace.
                let underline = if line == first || !raw[from..to].trim().is_empty() {
                    Some((from_column, (to_column - from_column).max(1)))
                } else {
                    None
                };
                Row::Line(FrameLine {
                    number: line + 1,
                    text,
                    underline,
                })
            }
        })
        .collect()
}

/// The displayed line, and the display columns of byte offsets `from` and `to` in it.
fn display(raw: &str, from: usize, to: usize) -> (String, usize, usize) {
    let mut text = String::with_capacity(raw.len());
    let mut column = 0;
    let (mut from_column, mut to_column) = (None, None);
    for (offset, ch) in raw.char_indices() {
        if offset == from {
            from_column = Some(column);
        }
        if offset == to {
            to_column = Some(column);
        }
        if ch == '\t' {
            text.push_str(TAB);
            column += TAB.len();
        } else if ch.is_control() {
            text.push(char::REPLACEMENT_CHARACTER);
            column += 1;
        } else {
            text.push(ch);
            column += ch.width().unwrap_or(0);
        }
    }
    let from_column = from_column.unwrap_or(column);
    let to_column = to_column.unwrap_or(column).max(from_column);
    (text.trim_end().to_string(), from_column, to_column)
}

fn floor_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Replaces control characters other than newlines and tabs, so that text from a scanned
/// file cannot send escape sequences to the terminal.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|ch| {
            if ch.is_control() && ch != '\n' && ch != '\t' {
                char::REPLACEMENT_CHARACTER
            } else {
                ch
            }
        })
        .collect()
}

const BOLD: &str = "1";
const GUTTER: &str = "1;34";
const ERROR: &str = "1;31";

fn severity_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "1;35",
        Severity::High => "1;31",
        Severity::Medium => "1;33",
        Severity::Low => "1;36",
        Severity::Info => "1;32",
    }
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_diagnostics::FileId;

    fn lines(text: &str, start: usize, end: usize) -> Vec<Row> {
        let file = SourceFile::new(FileId(0), "t.yaml", text.to_string());
        frame(&file, Span::new(FileId(0), start, end))
    }

    fn line(number: usize, text: &str, underline: Option<(usize, usize)>) -> Row {
        Row::Line(FrameLine {
            number,
            text: text.to_string(),
            underline,
        })
    }

    #[test]
    fn single_line_span_is_underlined_under_its_text() {
        let text = "a: 1\n  key: value\n";
        assert_eq!(
            lines(text, 12, 17),
            vec![line(2, "  key: value", Some((7, 5)))]
        );
    }

    #[test]
    fn empty_span_at_end_of_file_gets_one_caret() {
        let text = "a: 1\nb: 2";
        assert_eq!(lines(text, 10, 10), vec![line(2, "b: 2", Some((4, 1)))]);
        let text = "a: 1\n";
        assert_eq!(lines(text, 5, 5), vec![line(2, "", Some((0, 1)))]);
        // Spans past the end are clamped rather than panicking.
        assert_eq!(lines(text, 50, 90), vec![line(2, "", Some((0, 1)))]);
    }

    #[test]
    fn multi_line_span_underlines_each_line_from_its_indentation() {
        let text = "Fn:\n  A: 1\n\n  B: 2\nnext: 3\n";
        assert_eq!(
            lines(text, 0, 18),
            vec![
                line(1, "Fn:", Some((0, 3))),
                line(2, "  A: 1", Some((2, 4))),
                line(3, "", None),
                line(4, "  B: 2", Some((2, 4))),
            ]
        );
    }

    #[test]
    fn long_spans_are_elided() {
        let text = "0\n1\n2\n3\n4\n5\n6\n7\n";
        let rows = lines(text, 0, 15);
        assert_eq!(rows.len(), HEAD_LINES + 2);
        assert_eq!(rows[HEAD_LINES], Row::Ellipsis);
        assert_eq!(rows[HEAD_LINES + 1], line(8, "7", Some((0, 1))));
    }

    #[test]
    fn tabs_wide_and_control_characters_keep_carets_aligned() {
        // Tab expands to four columns; 'é' is one column; '界' is two.
        let text = "\tk: é界 x\u{1b}";
        let x = text.find('x').unwrap();
        assert_eq!(
            lines(text, x, x + 1),
            vec![line(1, "    k: é界 x\u{fffd}", Some((11, 1)))]
        );
    }

    #[test]
    fn span_inside_a_multibyte_character_does_not_panic() {
        let text = "k: 界";
        // Byte 4 is inside '界' (bytes 3..6).
        assert_eq!(lines(text, 4, 5), vec![line(1, "k: 界", Some((3, 1)))]);
    }
}
