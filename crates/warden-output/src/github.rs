//! GitHub Actions workflow commands, one line per finding:
//!
//! ```text
//! ::error file=template.yaml,line=9,col=21,endLine=9,endColumn=25,title=WDN101 function-url-without-auth::Function URL ...
//! ```
//!
//! Critical and high findings are errors, medium ones warnings, low and info ones notices.
//! GitHub reads a command up to the end of the line, so newlines and the characters that
//! delimit properties must be escaped: see [`escape_data`] and [`escape_property`].

use std::io::{self, Write};

use warden_diagnostics::Severity;

use crate::{error_path, View};

pub(crate) fn render(view: &View<'_>, out: &mut dyn Write) -> io::Result<()> {
    for located in &view.findings {
        let finding = located.finding;
        let location = &located.location;
        let mut properties = vec![
            ("file", location.file.clone()),
            ("line", location.line.to_string()),
            ("col", location.column.to_string()),
            ("endLine", location.end_line.to_string()),
        ];
        // GitHub only accepts an end column on a single-line annotation.
        if location.end_line == location.line {
            properties.push(("endColumn", location.end_column.to_string()));
        }
        properties.push(("title", format!("{} {}", finding.code, finding.name)));

        let mut message = finding.message.clone();
        for (place, related) in &located.related {
            message.push_str(&format!("\nalso {}:{}: {related}", place.file, place.line));
        }
        if !finding.help.trim().is_empty() {
            message.push_str("\n\nhelp: ");
            message.push_str(finding.help.trim());
        }
        write_command(out, command(finding.severity), &properties, &message)?;
    }
    for error in &view.errors {
        let mut properties = vec![("file", error_path(error))];
        if error.line > 0 {
            properties.push(("line", error.line.to_string()));
            properties.push(("col", error.column.to_string()));
        }
        properties.push(("title", "warden: file could not be loaded".to_string()));
        write_command(out, "error", &properties, &error.message)?;
    }
    for located in &view.notices {
        let notice = located.notice;
        let mut properties = Vec::new();
        if let Some(location) = &located.location {
            properties.push(("file", location.file.clone()));
            properties.push(("line", location.line.to_string()));
            properties.push(("col", location.column.to_string()));
        }
        properties.push(("title", format!("warden: not analysed ({})", notice.kind)));
        let mut message = notice.message.clone();
        if let Some(help) = &notice.help {
            message.push_str("\n\n");
            message.push_str(help);
        }
        write_command(out, "notice", &properties, &message)?;
    }
    Ok(())
}

fn write_command(
    out: &mut dyn Write,
    command: &str,
    properties: &[(&str, String)],
    message: &str,
) -> io::Result<()> {
    let properties = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect::<Vec<_>>()
        .join(",");
    writeln!(out, "::{command} {properties}::{}", escape_data(message))
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// Escapes a workflow command's message: `%`, `\r` and `\n`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
