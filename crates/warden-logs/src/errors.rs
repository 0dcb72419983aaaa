//! Failure signatures and error extraction.
//!
//! Two jobs, both on application lines:
//! - [`SignalMatcher`] spots the lines that decide an invocation's failure class on their
//!   own: legacy timeouts, runtime exits, out-of-memory messages of every runtime, init
//!   failures (docs/lambda-logs.md §2.3).
//! - [`error_start`] spots the first line of an error report (a runtime's unhandled-error
//!   line, an ERROR-level log line, a traceback), and [`extract_error`] reads the whole
//!   report, once its continuation lines are in, into type, message and stack.

use aho_corasick::AhoCorasick;
use serde_json::Value;

use crate::invocation::Outcome;
use crate::message::{AppLine, Level};

/// What a single line says about the invocation's fate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    pub outcome: Outcome,
    /// A Lambda-style error type for grouping, e.g. `Runtime.ExitError`.
    pub error_type: &'static str,
}

/// Finds failure signatures in one pass over the line.
pub struct SignalMatcher {
    automaton: AhoCorasick,
}

// (literal, outcome, error type). Order matters only for readability: the strongest
// outcome of all matches wins (see `Outcome::severity`).
const SIGNATURES: &[(&str, Outcome, &str)] = &[
    ("Task timed out after", Outcome::Timeout, "Sandbox.Timedout"),
    (
        "signal: killed",
        Outcome::OutOfMemory,
        "Runtime.OutOfMemory",
    ),
    (
        "Runtime.OutOfMemory",
        Outcome::OutOfMemory,
        "Runtime.OutOfMemory",
    ),
    (
        "fatal error: runtime: out of memory",
        Outcome::OutOfMemory,
        "Runtime.OutOfMemory",
    ),
    (
        "java.lang.OutOfMemoryError",
        Outcome::OutOfMemory,
        "java.lang.OutOfMemoryError",
    ),
    (
        "JavaScript heap out of memory",
        Outcome::OutOfMemory,
        "Runtime.OutOfMemory",
    ),
    (
        "failed to allocate memory (NoMemoryError)",
        Outcome::OutOfMemory,
        "NoMemoryError",
    ),
    (
        "OutOfMemoryException",
        Outcome::OutOfMemory,
        "System.OutOfMemoryException",
    ),
    ("[ERROR] MemoryError", Outcome::OutOfMemory, "MemoryError"),
    (
        "Runtime exited with error",
        Outcome::Crash,
        "Runtime.ExitError",
    ),
    (
        "Runtime exited without providing a reason",
        Outcome::Crash,
        "Runtime.ExitError",
    ),
    (
        "Process exited before completing request",
        Outcome::Crash,
        "Runtime.ExitError",
    ),
    (
        "Unknown application error occurred",
        Outcome::Crash,
        "Runtime.Unknown",
    ),
    (
        "Unable to import module",
        Outcome::InitError,
        "Runtime.ImportModuleError",
    ),
    (
        "Runtime.ImportModuleError",
        Outcome::InitError,
        "Runtime.ImportModuleError",
    ),
    (
        "Runtime.HandlerNotFound",
        Outcome::InitError,
        "Runtime.HandlerNotFound",
    ),
    (
        "Runtime.UserCodeSyntaxError",
        Outcome::InitError,
        "Runtime.UserCodeSyntaxError",
    ),
    (
        "Runtime.MalformedHandlerName",
        Outcome::InitError,
        "Runtime.MalformedHandlerName",
    ),
    (
        "Init error when loading handler",
        Outcome::InitError,
        "Runtime.InitError",
    ),
];

impl Default for SignalMatcher {
    fn default() -> Self {
        let automaton = AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(SIGNATURES.iter().map(|s| s.0))
            .expect("failure signatures are valid literals");
        SignalMatcher { automaton }
    }
}

/// The signature literals, for callers that fold them into a combined scan.
pub fn signature_literals() -> impl Iterator<Item = &'static str> {
    SIGNATURES.iter().map(|s| s.0)
}

/// The signal of the `index`-th signature literal.
pub fn signature_signal(index: usize) -> Signal {
    let (_, outcome, error_type) = SIGNATURES[index];
    Signal {
        outcome,
        error_type,
    }
}

impl SignalMatcher {
    /// The strongest failure signature in `text`, if any.
    pub fn find(&self, text: &str) -> Option<Signal> {
        let mut best: Option<Signal> = None;
        for found in self.automaton.find_iter(text) {
            let (_, outcome, error_type) = SIGNATURES[found.pattern().as_usize()];
            if best
                .as_ref()
                .is_none_or(|b| outcome.severity() > b.outcome.severity())
            {
                best = Some(Signal {
                    outcome,
                    error_type,
                });
            }
        }
        best
    }
}

/// Maps a Lambda error type (`Error Type:` of REPORT / INIT_REPORT, `errorType` of JSON
/// records) to the failure class it means.
pub fn outcome_for_error_type(error_type: &str) -> Outcome {
    match error_type {
        "Runtime.OutOfMemory"
        | "MemoryError"
        | "java.lang.OutOfMemoryError"
        | "NoMemoryError"
        | "System.OutOfMemoryException" => Outcome::OutOfMemory,
        "Runtime.ExitError" | "Runtime.NodeJsExit" | "Runtime.Unknown" => Outcome::Crash,
        "Runtime.ImportModuleError"
        | "Runtime.HandlerNotFound"
        | "Runtime.UserCodeSyntaxError"
        | "Runtime.MalformedHandlerName"
        | "Runtime.BadFunctionCode"
        | "Runtime.BeforeSnapshotError"
        | "Runtime.AfterRestoreError"
        | "Runtime.InitError"
        | "RestoreError" => Outcome::InitError,
        "Sandbox.Timedout" => Outcome::Timeout,
        _ => Outcome::Error,
    }
}

/// How to read an error report once all its lines are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorShape {
    /// `{"errorType", "errorMessage", "stackTrace"}` somewhere in the text (Node `Invoke
    /// Error`, Go, Ruby, Java and .NET response payloads).
    Envelope,
    /// A structured JSON log record (JSON log format, Powertools).
    JsonRecord,
    /// `[ERROR] Type: message` + `Traceback …`.
    Python,
    /// `Traceback (most recent call last):` without the runtime's first line.
    Traceback,
    /// `message: java.lang.Exception` + `\tat …` frames.
    Java,
    /// `Type: message` on the first line (.NET, Node, anything else).
    Generic,
}

/// The first line of an error report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorStart {
    pub shape: ErrorShape,
    /// The runtime reported it (the invocation failed), rather than the code logging an
    /// error it handled.
    pub unhandled: bool,
}

/// Recognises the first line of an error report.
pub fn error_start(line: &AppLine<'_>) -> Option<ErrorStart> {
    let start = |shape, unhandled| Some(ErrorStart { shape, unhandled });
    if let Some(json) = &line.json {
        if line.emf {
            return None;
        }
        if json.get("errorType").is_some() || json.get("errorMessage").is_some() {
            return start(ErrorShape::JsonRecord, true);
        }
        if json.get("exception").is_some() || json.get("exception_name").is_some() {
            // Powertools logs handled exceptions; its uncaught-exception hook says so.
            let uncaught = json
                .get("location")
                .and_then(Value::as_str)
                .is_some_and(|l| l.contains("uncaught"));
            return start(ErrorShape::JsonRecord, uncaught);
        }
        return if matches!(line.level, Some(Level::Error | Level::Fatal)) {
            start(ErrorShape::JsonRecord, false)
        } else {
            None
        };
    }
    // Informational lines never start an error report: most lines end here.
    if matches!(
        line.level,
        Some(Level::Trace | Level::Debug | Level::Info | Level::Warn)
    ) {
        return None;
    }
    let body = line.body;
    if line.python_unhandled {
        // `[ERROR] First test message` is a logged message, not the runtime's report.
        return start(ErrorShape::Python, crate::message::names_a_type(body));
    }
    if body.starts_with("Invoke Error")
        || body.starts_with("Uncaught Exception")
        || body.starts_with("Unhandled Promise Rejection")
    {
        return start(ErrorShape::Envelope, true);
    }
    if body.starts_with("Unable to import module")
        || (body.starts_with("Handler '") && body.contains("missing on module"))
    {
        return start(ErrorShape::Generic, true);
    }
    if body.starts_with("Error raised from handler method")
        || body.starts_with("Init error when loading handler")
    {
        return start(ErrorShape::Envelope, true);
    }
    if body.starts_with('{') && body.contains("\"errorType\"") {
        // Go's `log.Printf("%s", errorPayload)` and raw response payloads.
        return start(ErrorShape::Envelope, true);
    }
    let first_line = body.lines().next().unwrap_or("");
    if java_exception_suffix(first_line).is_some() || first_line.starts_with("Exception in thread")
    {
        return start(ErrorShape::Java, true);
    }
    if body.starts_with("Traceback (most recent call last)") {
        return start(ErrorShape::Traceback, false);
    }
    if matches!(line.level, Some(Level::Error | Level::Fatal)) {
        // .NET reports unhandled exceptions at `fail` with a namespaced type first.
        let unhandled = leading_error_type(first_line).is_some_and(|(t, _)| t.contains('.'));
        return start(ErrorShape::Generic, unhandled);
    }
    None
}

/// An error report, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorInfo {
    pub error_type: String,
    pub message: String,
    /// The stack as printed, first lines only.
    pub stack: Vec<String>,
    /// The top in-app frames, closest to the throw first, as `file:function`.
    pub frames: Vec<String>,
}

const MAX_STACK_LINES: usize = 30;
const MAX_FRAMES: usize = 3;
const MAX_MESSAGE: usize = 500;

/// Reads a finished error report. `json` is the parsed record when the first line was
/// JSON. Returns `None` when there is nothing to group: an ERROR-level line without a type
/// or a stack is a log message, not an exception.
pub fn extract_error(
    start: ErrorStart,
    first_body: &str,
    continuation: &str,
    json: Option<&Value>,
) -> Option<ErrorInfo> {
    let info = match start.shape {
        ErrorShape::JsonRecord => from_json_record(json?, first_body),
        ErrorShape::Envelope => {
            let text = join(first_body, continuation);
            text.find('{')
                .and_then(|at| first_json_value(&text[at..]))
                .and_then(|v| from_envelope(&v))
                .or_else(|| from_generic(&text, start.unhandled))
        }
        ErrorShape::Python => from_python(first_body, continuation),
        ErrorShape::Traceback => from_traceback(&join(first_body, continuation)),
        ErrorShape::Java => from_java(&join(first_body, continuation)),
        ErrorShape::Generic => from_generic(&join(first_body, continuation), start.unhandled),
    }?;
    Some(ErrorInfo {
        error_type: info.error_type.chars().take(200).collect(),
        message: info.message.chars().take(MAX_MESSAGE).collect(),
        ..info
    })
}

fn join(first: &str, continuation: &str) -> String {
    if continuation.is_empty() {
        first.to_owned()
    } else {
        format!("{first}\n{continuation}")
    }
}

fn first_json_value(text: &str) -> Option<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok)
}

fn from_envelope(v: &Value) -> Option<ErrorInfo> {
    let error_type = v.get("errorType").and_then(Value::as_str)?;
    // Ruby wraps the class: `Function<TypeError>`.
    let error_type = error_type
        .strip_prefix("Function<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(error_type);
    let message = v.get("errorMessage").and_then(Value::as_str).unwrap_or("");
    let stack = stack_lines(
        v.get("stackTrace")
            .or_else(|| v.get("stack"))
            .or_else(|| v.get("trace")),
    );
    Some(ErrorInfo {
        error_type: error_type.to_owned(),
        message: first_line_of(message),
        frames: in_app_frames(&stack),
        stack,
    })
}

fn from_json_record(v: &Value, raw: &str) -> Option<ErrorInfo> {
    if let Some(info) = from_envelope(v) {
        return Some(info);
    }
    let message = match v.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    if let Some(exception) = v.get("exception").and_then(Value::as_str) {
        // Powertools: `exception` is the formatted traceback, `exception_name` the class.
        // The group is named by the exception's own text, not by what the logger call said
        // around it (`logger.exception("Received a HTTP 5xx error")`).
        let name = v.get("exception_name").and_then(Value::as_str);
        let mut info = from_traceback(exception)
            .filter(|info| {
                name.is_none_or(|n| {
                    n == info.error_type || n.ends_with(&format!(".{}", info.error_type))
                })
            })
            .or_else(|| exception_line(exception, name?))
            .unwrap_or(ErrorInfo {
                error_type: String::new(),
                message: String::new(),
                stack: collect_stack(exception),
                frames: Vec::new(),
            });
        if info.frames.is_empty() {
            info.frames = in_app_frames(&info.stack);
        }
        if let Some(name) = name {
            info.error_type = name.to_owned();
        }
        if info.message.is_empty() {
            info.message = first_line_of(&message);
        }
        if let Some(frames) = v.pointer("/stack_trace/frames").and_then(Value::as_array) {
            let stack: Vec<String> = frames
                .iter()
                .map(|f| {
                    format!(
                        "File \"{}\", line {}, in {}",
                        f.get("file").and_then(Value::as_str).unwrap_or("?"),
                        f.get("line").and_then(Value::as_u64).unwrap_or(0),
                        f.get("function").and_then(Value::as_str).unwrap_or("?")
                    )
                })
                .collect();
            info.frames = in_app_frames(&stack);
            info.stack = stack;
        }
        if info.error_type.is_empty() {
            info.error_type = "Exception".to_owned();
        }
        return Some(info);
    }
    if message.is_empty() && raw.is_empty() {
        return None;
    }
    // A plain ERROR record: group it only when it names a type.
    let (error_type, rest) = leading_error_type(&message)?;
    Some(ErrorInfo {
        error_type: error_type.to_owned(),
        message: first_line_of(rest),
        stack: Vec::new(),
        frames: Vec::new(),
    })
}

/// `Type: message` of a formatted exception whose last line is not on a line of its own
/// (a traceback flattened into one line, as Powertools' documentation shows it): the text
/// after the last `<exception_name>: `.
fn exception_line(exception: &str, name: &str) -> Option<ErrorInfo> {
    let short = name.rsplit('.').next().unwrap_or(name);
    let marker = format!("{short}: ");
    let at = exception.rfind(&marker)?;
    let message = exception[at + marker.len()..]
        .lines()
        .next()
        .unwrap_or("")
        .trim();
    let stack = collect_stack(&exception[..at]);
    Some(ErrorInfo {
        error_type: short.to_owned(),
        message: message.to_owned(),
        frames: in_app_frames(&stack),
        stack,
    })
}

fn from_python(first: &str, continuation: &str) -> Option<ErrorInfo> {
    // `first` is the body after `[ERROR] `: `Type: message` (message may be empty).
    let head = first_line_of(first);
    // `[ERROR] KeyError: 'x'`; a logging call's `[ERROR] some text` names no type.
    let is_type = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
    };
    let (error_type, message) = match head.split_once(": ") {
        Some((t, m)) if is_type(t.trim()) => (t.trim().to_owned(), m.to_owned()),
        _ if is_type(head.trim().trim_end_matches(':')) => {
            (head.trim().trim_end_matches(':').to_owned(), String::new())
        }
        _ => ("Error".to_owned(), head.clone()),
    };
    let mut text = String::new();
    for line in first.lines().skip(1) {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(continuation);
    let stack = collect_stack(&text);
    Some(ErrorInfo {
        error_type,
        message,
        frames: in_app_frames(&stack),
        stack,
    })
}

fn from_traceback(text: &str) -> Option<ErrorInfo> {
    let stack = collect_stack(text);
    // The exception is the last line that is not a frame or its source line.
    let last = text
        .lines()
        .rev()
        .map(normalise_indent)
        .find(|l| !l.is_empty() && !l.starts_with(' ') && !l.starts_with("Traceback"))?;
    let (error_type, message) = match last.split_once(": ") {
        Some((t, m)) => (t.to_owned(), m.to_owned()),
        None => (last.clone(), String::new()),
    };
    // `requests.exceptions.HTTPError` is grouped as `HTTPError`, like Powertools names it.
    let error_type = error_type
        .rsplit('.')
        .next()
        .unwrap_or(&error_type)
        .to_owned();
    Some(ErrorInfo {
        error_type,
        message,
        frames: in_app_frames(&stack),
        stack,
    })
}

fn from_java(text: &str) -> Option<ErrorInfo> {
    let first = text.lines().next()?;
    let (error_type, message) = if let Some(rest) = first.strip_prefix("Exception in thread") {
        // `Exception in thread "main" java.lang.X: message`
        let rest = rest.trim_start();
        let rest = rest
            .strip_prefix('"')
            .and_then(|r| r.split_once('"'))
            .map_or(rest, |(_, r)| r.trim_start());
        match rest.split_once(": ") {
            Some((t, m)) => (t.to_owned(), m.to_owned()),
            None => (rest.to_owned(), String::new()),
        }
    } else {
        let (message, error_type) = java_exception_suffix(first)?;
        (error_type.to_owned(), message.to_owned())
    };
    let stack = collect_stack(text);
    Some(ErrorInfo {
        error_type,
        message,
        frames: in_app_frames(&stack),
        stack,
    })
}

fn from_generic(text: &str, unhandled: bool) -> Option<ErrorInfo> {
    let first = first_line_of(text);
    let stack = collect_stack(text);
    let (error_type, message) = match leading_error_type(&first) {
        Some((t, m)) => (t.to_owned(), m.to_owned()),
        // An error line without a type is grouped only if it has a stack or failed the
        // invocation; otherwise it is just a log message at ERROR level.
        None if unhandled || !stack.is_empty() => ("Error".to_owned(), first.clone()),
        None => return None,
    };
    Some(ErrorInfo {
        error_type,
        message: first_line_of(&message),
        frames: in_app_frames(&stack),
        stack,
    })
}

/// `Type: message` where Type looks like an exception class (`KeyError`,
/// `System.InvalidOperationException`, `Runtime.ImportModuleError`, `Error`).
fn leading_error_type(line: &str) -> Option<(&str, &str)> {
    let (head, rest) = match line.split_once(':') {
        Some((head, rest)) => (head, rest.trim_start()),
        None => (line.trim_end(), ""),
    };
    let ok = !head.is_empty()
        && head.len() <= 120
        && head.as_bytes()[0].is_ascii_alphabetic()
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'$')
        && (head.ends_with("Error")
            || head.ends_with("Exception")
            || head.ends_with("Fault")
            || head.contains('.'));
    ok.then_some((head, rest))
}

/// Java's `UserFault` line: `<message>: <fully.qualified.Exception>`.
fn java_exception_suffix(line: &str) -> Option<(&str, &str)> {
    let (message, class) = line.rsplit_once(": ")?;
    let class = class.trim_end();
    let is_class = class.contains('.')
        && (class.ends_with("Exception") || class.ends_with("Error"))
        && class.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        });
    is_class.then_some((message, class))
}

fn first_line_of(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_owned()
}

/// Python indents tracebacks with NO-BREAK SPACE (U+00A0) in text mode.
fn normalise_indent(line: &str) -> String {
    line.replace('\u{a0}', " ").trim_end().to_owned()
}

fn collect_stack(text: &str) -> Vec<String> {
    text.lines()
        .map(normalise_indent)
        .filter(|l| is_frame(l.trim_start()))
        .map(|l| l.trim().to_owned())
        .take(MAX_STACK_LINES)
        .collect()
}

fn stack_lines(value: Option<&Value>) -> Vec<String> {
    let mut lines = Vec::new();
    match value {
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => lines.extend(s.lines().map(normalise_indent)),
                    // Go: {"path", "line", "label"}
                    Value::Object(o) => lines.push(format!(
                        "{}:{} {}",
                        o.get("path").and_then(Value::as_str).unwrap_or("?"),
                        o.get("line").and_then(Value::as_u64).unwrap_or(0),
                        o.get("label").and_then(Value::as_str).unwrap_or("?")
                    )),
                    _ => {}
                }
            }
        }
        Some(Value::String(s)) => lines.extend(s.lines().map(normalise_indent)),
        _ => {}
    }
    lines
        .into_iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .take(MAX_STACK_LINES)
        .collect()
}

fn is_frame(line: &str) -> bool {
    line.starts_with("File \"")
        || line.starts_with("at ")
        || (line.contains(".rb:") && line.contains(":in "))
        || line.starts_with("Caused by:")
}

/// Code that is not the user's: runtimes, language libraries, dependencies.
fn is_library(location: &str) -> bool {
    const LIBRARY: &[&str] = &[
        "/var/runtime/",
        "/var/lang/",
        "site-packages",
        "dist-packages",
        "node_modules",
        "/opt/",
        "node:",
        "internal/",
        "<frozen",
        "/usr/lib",
        "/usr/local/lib",
        "/gems/",
    ];
    const LIBRARY_PREFIXES: &[&str] = &[
        "java.",
        "javax.",
        "jdk.",
        "sun.",
        "com.amazonaws.",
        "software.amazon.",
        "lambdainternal.",
        "System.",
        "Microsoft.",
        "Amazon.Lambda.",
        "runtime.",
        "github.com/aws/aws-lambda-go",
    ];
    LIBRARY.iter().any(|l| location.contains(l))
        || LIBRARY_PREFIXES.iter().any(|p| location.starts_with(p))
}

/// Picks the in-app frames nearest the throw and names each `file:function` (no line
/// numbers: they move with every deploy and would split groups).
fn in_app_frames(stack: &[String]) -> Vec<String> {
    let mut frames: Vec<(String, bool)> = Vec::new();
    let mut python_order = false;
    for line in stack {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("File \"") {
            // Python: File "/var/task/app.py", line 14, in lambda_handler
            python_order = true;
            let (path, tail) = rest.split_once('"').unwrap_or((rest, ""));
            let function = tail.rsplit_once(" in ").map_or("?", |(_, f)| f.trim());
            frames.push((format!("{}:{}", basename(path), function), is_library(path)));
        } else if let Some(rest) = line.strip_prefix("at ") {
            if let Some((function, location)) = rest.split_once(" (") {
                // Node: at handler (/var/task/index.js:10:5); Java: at a.B.c(B.java:12)
                let path = location.trim_end_matches(')');
                let path = path.split(':').next().unwrap_or(path);
                frames.push((
                    format!("{}:{}", basename(path), function.trim()),
                    is_library(location) || is_library(function),
                ));
            } else if let Some((method, _)) = rest.split_once('(') {
                // Java `at pkg.Class.method(File.java:12)` and .NET `at Ns.C.M(args) in /p:line 3`
                frames.push((method.trim().to_owned(), is_library(method.trim())));
            } else {
                let path = rest.split(':').next().unwrap_or(rest);
                frames.push((basename(path).to_owned(), is_library(rest)));
            }
        } else if line.contains(".rb:") {
            // Ruby: /var/task/function.rb:10:in `handler'
            let path = line.split(':').next().unwrap_or(line);
            let function = line
                .rsplit_once(":in ")
                .map_or("?", |(_, f)| f.trim_matches(['`', '\'', '"']));
            frames.push((format!("{}:{}", basename(path), function), is_library(path)));
        } else if let Some((path, label)) = line.split_once(' ') {
            // Go, as rendered by `stack_lines`: path:line label
            if path.contains(".go:") {
                frames.push((
                    format!(
                        "{}:{}",
                        basename(path.split(':').next().unwrap_or(path)),
                        label
                    ),
                    is_library(path) || is_library(label),
                ));
            }
        }
    }
    let in_app = frames
        .into_iter()
        .filter(|(_, library)| !library)
        .map(|(f, _)| f);
    if python_order {
        // Python prints the innermost frame last.
        let all: Vec<String> = in_app.collect();
        all.into_iter().rev().take(MAX_FRAMES).collect()
    } else {
        in_app.take(MAX_FRAMES).collect()
    }
}

fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{parse_message, Message};

    fn start_of(text: &str) -> Option<ErrorStart> {
        match parse_message(text) {
            Message::App(line) => error_start(&line),
            Message::Platform(_) => None,
        }
    }

    #[test]
    fn python_traceback_with_nbsp_indent() {
        let text = "[ERROR] JSONDecodeError: Expecting value: line 1 column 1 (char 0)\nTraceback (most recent call last):\n\u{a0}\u{a0}File \"/var/task/lambda_function.py\", line 14, in lambda_handler\n\u{a0}\u{a0}\u{a0}\u{a0}body = json.loads(event['body'])\n\u{a0}\u{a0}File \"/var/lang/lib/python3.13/json/__init__.py\", line 346, in loads\n";
        let start = start_of(text).unwrap();
        assert_eq!(
            start,
            ErrorStart {
                shape: ErrorShape::Python,
                unhandled: true
            }
        );
        let info = extract_error(start, text.strip_prefix("[ERROR] ").unwrap(), "", None).unwrap();
        assert_eq!(info.error_type, "JSONDecodeError");
        assert_eq!(info.message, "Expecting value: line 1 column 1 (char 0)");
        assert_eq!(info.frames, vec!["lambda_function.py:lambda_handler"]);
        assert_eq!(info.stack.len(), 2);
    }

    #[test]
    fn node_invoke_error() {
        let text = "2025-02-10T07:37:10.463Z\tundefined\tERROR\tUncaught Exception \t{\"errorType\":\"Runtime.UserCodeSyntaxError\",\"errorMessage\":\"SyntaxError: Unexpected end of input\",\"stack\":[\"Runtime.UserCodeSyntaxError: SyntaxError: Unexpected end of input\",\"    at _loadUserApp (file:///var/runtime/index.mjs:1084:17)\"]}";
        let Message::App(line) = parse_message(text) else {
            panic!()
        };
        let start = error_start(&line).unwrap();
        assert!(start.unhandled);
        let info = extract_error(start, line.body, "", None).unwrap();
        assert_eq!(info.error_type, "Runtime.UserCodeSyntaxError");
        assert_eq!(info.message, "SyntaxError: Unexpected end of input");
        assert!(
            info.frames.is_empty(),
            "runtime frames are not in-app: {:?}",
            info.frames
        );
    }

    #[test]
    fn java_user_fault() {
        let text = "/ by zero: java.lang.ArithmeticException\njava.lang.ArithmeticException: / by zero\n\tat example.Handler.handleRequest(Handler.java:12)\n\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)";
        let start = start_of(text).unwrap();
        let info = extract_error(start, text, "", None).unwrap();
        assert_eq!(info.error_type, "java.lang.ArithmeticException");
        assert_eq!(info.message, "/ by zero");
        assert_eq!(info.frames, vec!["example.Handler.handleRequest"]);
    }

    #[test]
    fn go_and_ruby_envelopes() {
        let go = r#"2024/01/02 03:04:05 {"errorMessage":"something went wrong!","errorType":"errorString"}"#;
        let Message::App(line) = parse_message(go) else {
            panic!()
        };
        let info = extract_error(error_start(&line).unwrap(), line.body, "", None).unwrap();
        assert_eq!(
            (info.error_type.as_str(), info.message.as_str()),
            ("errorString", "something went wrong!")
        );

        let ruby_first = "Error raised from handler method";
        let ruby_rest = "{\n  \"errorMessage\": \"undefined method `x' for nil:NilClass\",\n  \"errorType\": \"Function<NoMethodError>\",\n  \"stackTrace\": [\n    \"/var/task/function.rb:3:in `handler'\"\n  ]\n}";
        let start = start_of(ruby_first).unwrap();
        let info = extract_error(start, ruby_first, ruby_rest, None).unwrap();
        assert_eq!(info.error_type, "NoMethodError");
        assert_eq!(info.frames, vec!["function.rb:handler"]);
    }

    #[test]
    fn dotnet_fail_line() {
        let text = "2024-01-01T00:00:00.000Z\t79b4f56e-95b1-4643-9700-2807f4e68189\tfail\tSystem.InvalidOperationException: Sequence contains no elements\n   at System.Linq.ThrowHelper.ThrowNoElementsException()\n   at Orders.Function.Handler(Order order) in /src/Function.cs:line 42";
        let Message::App(line) = parse_message(text) else {
            panic!()
        };
        let start = error_start(&line).unwrap();
        assert!(start.unhandled);
        let info = extract_error(start, line.body, "", None).unwrap();
        assert_eq!(info.error_type, "System.InvalidOperationException");
        assert_eq!(info.frames, vec!["Orders.Function.Handler"]);
    }

    #[test]
    fn plain_error_log_without_type_is_not_grouped() {
        let text = "2024-01-01T00:00:00.000Z\t79b4f56e-95b1-4643-9700-2807f4e68189\tERROR\tcould not reach the cache";
        let Message::App(line) = parse_message(text) else {
            panic!()
        };
        let start = error_start(&line).unwrap();
        assert!(!start.unhandled);
        assert_eq!(extract_error(start, line.body, "", None), None);
    }

    #[test]
    fn signatures() {
        let m = SignalMatcher::default();
        assert_eq!(
            m.find("2020-06-09T15:02:26.150Z 7c9567b5 Task timed out after 3.00 seconds")
                .unwrap()
                .outcome,
            Outcome::Timeout
        );
        assert_eq!(
            m.find(
                "RequestId: x Error: Runtime exited with error: signal: killed\nRuntime.ExitError"
            )
            .unwrap()
            .outcome,
            Outcome::OutOfMemory
        );
        assert_eq!(
            m.find("RequestId: x Error: Runtime exited with error: exit status 1")
                .unwrap()
                .outcome,
            Outcome::Crash
        );
        assert_eq!(
            m.find("Requested array size exceeds VM limit: java.lang.OutOfMemoryError")
                .unwrap()
                .outcome,
            Outcome::OutOfMemory
        );
        assert_eq!(
            m.find("Unable to import module 'app': No module named 'x'")
                .unwrap()
                .outcome,
            Outcome::InitError
        );
        assert_eq!(m.find("all good"), None);
    }
}
