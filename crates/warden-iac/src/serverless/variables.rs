//! Serverless Framework variables: `${source:address, fallback}` in `serverless.yml`.
//!
//! Resolved: `self:` (paths into the document itself), `opt:` (`--stage`, `--option`),
//! `sls:stage`, `env:` (the environment the caller supplies), `param:` (the `params`
//! section), `file(...)` (local YAML/JSON files, optionally with `:key`), `aws:region`, plus
//! nested variables and fallbacks (`${opt:stage, 'dev'}`, `${self:custom.${sls:stage}.x}`).
//! Not resolved, and so [`Value::Unknown`]: `ssm:` and Secrets Manager references (which are
//! also a secret-store reference, the compliant way to pass a secret), `cf:`, `s3:`, other
//! `aws:` values, plugin sources, and anything without a value. A string that mixes text
//! with an unknown variable becomes unknown with a `partial` rendering, as `Fn::Sub` does.
//!
//! CloudFormation's own `${AWS::Region}` / `${Resource.Arn}` placeholders (in `Fn::Sub`) are
//! not variables (no `source:` prefix) and are left as written.
//!
//! Resolution is lazy and memoised per `self:` path; cycles, runaway nesting and expansion
//! blow-ups (a `self:` "billion laughs") end in unknown values rather than hangs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use warden_diagnostics::Span;

use crate::node::{Map, Node, Value};

use crate::template::LoadOptions;

/// Nesting of variable resolution (a variable whose value holds a variable ...).
const MAX_DEPTH: usize = 48;
/// Nodes that variable expansion may produce in total, a guard against exponential
/// expansion through `self:` references.
const MAX_EXPANDED_NODES: usize = 500_000;
/// Stage the Framework uses when none is given.
pub const DEFAULT_STAGE: &str = "dev";
/// Region the Framework uses when none is given.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Resolves the variables of one `serverless.yml`.
pub struct Variables<'a> {
    root: &'a Node,
    base_dir: PathBuf,
    options: &'a LoadOptions,
    /// `self:` paths resolved so far.
    memo: HashMap<String, Node>,
    /// `self:` paths (and files) being resolved: seeing one again is a cycle.
    active: Vec<String>,
    /// Parsed include files by path (`None` when missing or unreadable).
    files: HashMap<PathBuf, Result<Node, String>>,
    /// `${file(...)}` includes that could not be read, once each: (where, path, why).
    unread: Vec<(Span, String, String)>,
    expanded: usize,
    /// The stage, once computed: `Some(None)` while it is being computed.
    stage: Option<Option<Node>>,
}

/// One piece of a string: literal text or a `${...}` variable (its inside).
#[derive(Debug, PartialEq)]
enum Part<'t> {
    Text(&'t str),
    Variable(&'t str),
}

impl<'a> Variables<'a> {
    /// `dir` is the directory of the file, for relative `${file(...)}` paths.
    pub fn new(root: &'a Node, dir: &Path, options: &'a LoadOptions) -> Self {
        Variables {
            root,
            base_dir: dir.to_path_buf(),
            options,
            memo: HashMap::new(),
            active: Vec::new(),
            files: HashMap::new(),
            unread: Vec::new(),
            expanded: 0,
            stage: None,
        }
    }

    /// The whole document with every variable resolved.
    pub fn resolve_document(&mut self) -> Node {
        let root = self.root;
        let dir = self.base_dir.clone();
        self.resolve(root, &dir, 0)
    }

    /// The stage: `--stage`, `--option stage=...`, `provider.stage`, else `dev`. Unknown
    /// when `provider.stage` depends on something unknown.
    pub fn stage(&mut self) -> Node {
        let span = self.root.span;
        if let Some(stage) = self.options.stage.as_deref().or_else(|| {
            self.options
                .serverless_options
                .get("stage")
                .map(String::as_str)
        }) {
            return Node::string(stage, span);
        }
        match &self.stage {
            Some(Some(stage)) => return stage.clone(),
            Some(None) => {
                return unknown_with_partial("the stage depends on itself", "${sls:stage}", span)
            }
            None => {}
        }
        self.stage = Some(None);
        let stage = match self.self_path("provider.stage", 0) {
            Some(node) if !matches!(node.value, Value::Null) => node,
            _ => Node::string(DEFAULT_STAGE, span),
        };
        self.stage = Some(Some(stage.clone()));
        stage
    }

    /// The region: `--option region=...`, `provider.region`, else `us-east-1`.
    pub fn region(&mut self) -> Node {
        let span = self.root.span;
        if let Some(region) = self.options.serverless_options.get("region") {
            return Node::string(region, span);
        }
        match self.self_path("provider.region", 0) {
            Some(node) if !matches!(node.value, Value::Null) => node,
            _ => Node::string(DEFAULT_REGION, span),
        }
    }

    /// Resolves every variable in `node`; `dir` is the directory relative `file(...)` paths
    /// start from.
    fn resolve(&mut self, node: &Node, dir: &Path, depth: usize) -> Node {
        if depth > MAX_DEPTH {
            return Node::unknown("variables nested too deeply", node.span);
        }
        match &node.value {
            Value::String(text) if text.contains("${") => {
                self.resolve_string(text, node.span, dir, depth)
            }
            Value::Map(map) => {
                let mut out = Map::default();
                for (key, value) in map.iter() {
                    out.entries
                        .push((key.clone(), self.resolve(value, dir, depth + 1)));
                }
                Node {
                    value: Value::Map(out),
                    span: node.span,
                    parameter: node.parameter.clone(),
                }
            }
            Value::Seq(items) => Node::new(
                Value::Seq(
                    items
                        .iter()
                        .map(|item| self.resolve(item, dir, depth + 1))
                        .collect(),
                ),
                node.span,
            ),
            _ => node.clone(),
        }
    }

    /// A string with variables: the variable's own value when the string is just one
    /// variable (it may be a map or a list), otherwise the text with values substituted.
    fn resolve_string(&mut self, text: &str, span: Span, dir: &Path, depth: usize) -> Node {
        let parts = split_variables(text);
        if let [Part::Variable(body)] = parts.as_slice() {
            return self
                .variable(body, span, dir, depth)
                .unwrap_or_else(|| missing(body, span));
        }
        if !parts.iter().any(|part| matches!(part, Part::Variable(_))) {
            return Node::string(text, span);
        }
        let mut out = String::with_capacity(text.len());
        let mut unknown = Vec::new();
        for part in parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Variable(body) => {
                    let value = self
                        .variable(body, span, dir, depth)
                        .unwrap_or_else(|| missing(body, span));
                    match &value.value {
                        Value::String(text) | Value::Number(text) => out.push_str(text),
                        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
                        Value::Unknown { reason, partial } => {
                            unknown.push(reason.clone());
                            match partial {
                                Some(partial) => out.push_str(partial),
                                None => push_placeholder(&mut out, body),
                            }
                        }
                        // A map, list or null inside text: the Framework refuses it.
                        _ => {
                            unknown.push(format!("`${{{body}}}` is not a text value"));
                            push_placeholder(&mut out, body);
                        }
                    }
                }
            }
        }
        if unknown.is_empty() {
            Node::string(out, span)
        } else {
            Node::new(
                Value::Unknown {
                    reason: unknown.join("; "),
                    partial: Some(out),
                },
                span,
            )
        }
    }

    /// The value of one variable (the text inside `${...}`), trying its fallbacks in order;
    /// `None` when neither it nor a fallback has a value.
    fn variable(&mut self, body: &str, span: Span, dir: &Path, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return Some(Node::unknown("variables nested too deeply", span));
        }
        let mut alternatives = split_top_level(body, ',').into_iter();
        let primary = alternatives.next().unwrap_or("").trim();
        let reference = match self.interpolate(primary, span, dir, depth) {
            Ok(reference) => reference,
            Err(unknown) => return Some(unknown),
        };
        // A file that is missing but covered by a fallback is not worth a notice.
        let unread_before = self.unread.len();
        match self.lookup(&reference, span, dir, depth) {
            Some(node) if !matches!(node.value, Value::Null) => return Some(node),
            _ => {}
        }
        for fallback in alternatives {
            if let Some(node) = self.fallback(fallback.trim(), span, dir, depth) {
                if node.is_fully_known() {
                    self.unread.truncate(unread_before);
                }
                return Some(node);
            }
        }
        None
    }

    /// A reference with nested variables in it (`self:custom.${sls:stage}.name`) made plain.
    fn interpolate(
        &mut self,
        reference: &str,
        span: Span,
        dir: &Path,
        depth: usize,
    ) -> Result<String, Node> {
        if !reference.contains("${") {
            return Ok(reference.to_string());
        }
        let resolved = self.resolve_string(reference, span, dir, depth + 1);
        match &resolved.value {
            Value::String(text) | Value::Number(text) => Ok(text.clone()),
            Value::Unknown { reason, partial } => Err(Node::new(
                Value::Unknown {
                    reason: reason.clone(),
                    partial: Some(format!("${{{}}}", partial.as_deref().unwrap_or(reference))),
                },
                span,
            )),
            _ => Err(unknown_with_partial(
                format!("`{reference}` does not name a variable"),
                &format!("${{{reference}}}"),
                span,
            )),
        }
    }

    /// A fallback: a quoted string, a number, `true`/`false`/`null`, another variable
    /// (`${...}`, or bare `self:...` as older Framework versions allowed), or plain text.
    fn fallback(&mut self, text: &str, span: Span, dir: &Path, depth: usize) -> Option<Node> {
        if text.is_empty() {
            return None;
        }
        let quoted = (text.len() >= 2)
            && ((text.starts_with('\'') && text.ends_with('\''))
                || (text.starts_with('"') && text.ends_with('"')));
        if quoted {
            let inner = &text[1..text.len() - 1];
            return Some(if inner.contains("${") {
                self.resolve_string(inner, span, dir, depth + 1)
            } else {
                Node::string(inner, span)
            });
        }
        if text.starts_with("${") {
            let parts = split_variables(text);
            if let [Part::Variable(body)] = parts.as_slice() {
                return self.variable(body, span, dir, depth + 1);
            }
            return Some(self.resolve_string(text, span, dir, depth + 1));
        }
        match text {
            "true" => return Some(Node::new(Value::Bool(true), span)),
            "false" => return Some(Node::new(Value::Bool(false), span)),
            "null" => return Some(Node::new(Value::Null, span)),
            _ => {}
        }
        if text.parse::<f64>().is_ok() {
            return Some(Node::new(Value::Number(text.to_string()), span));
        }
        if source_name(text).is_some() {
            return self.variable(text, span, dir, depth + 1);
        }
        Some(Node::string(text, span))
    }

    /// Looks a plain reference (`source:address`, `file(path):address`) up. `None` when it
    /// has no value; unknown when it has one the scanner cannot see.
    fn lookup(&mut self, reference: &str, span: Span, dir: &Path, depth: usize) -> Option<Node> {
        let placeholder = format!("${{{reference}}}");
        if let Some(rest) = reference.strip_prefix("file(") {
            let Some(close) = rest.find(')') else {
                return Some(unknown_with_partial(
                    "malformed `file(...)` variable",
                    &placeholder,
                    span,
                ));
            };
            let path = rest[..close].trim().trim_matches(|c| c == '\'' || c == '"');
            let address = rest[close + 1..]
                .trim_start()
                .strip_prefix(':')
                .unwrap_or("")
                .trim();
            return self.include(path, address, span, dir, depth);
        }
        let Some((source, address)) = reference.split_once(':') else {
            return Some(unknown_with_partial(
                format!("`{reference}` is not a variable"),
                &placeholder,
                span,
            ));
        };
        let address = address.trim();
        match source.trim() {
            "self" => self.self_path(address, depth + 1),
            "opt" => {
                let value = match address {
                    "stage" => self
                        .options
                        .stage
                        .clone()
                        .or_else(|| self.options.serverless_options.get("stage").cloned()),
                    other => self.options.serverless_options.get(other).cloned(),
                };
                value.map(|value| Node::string(value, span))
            }
            "sls" => match address {
                "stage" => Some(respan(self.stage(), span)),
                _ => Some(unknown_with_partial(
                    format!("`sls:{address}` is known only at deploy time"),
                    &placeholder,
                    span,
                )),
            },
            "env" => self
                .options
                .environment
                .get(address)
                .map(|value| Node::string(value, span)),
            "param" => self.param(address, depth),
            "aws" => match address {
                "region" => Some(respan(self.region(), span)),
                _ => Some(unknown_with_partial(
                    format!("`aws:{address}` is known only at deploy time"),
                    &placeholder,
                    span,
                )),
            },
            "ssm" => Some(unknown_with_partial(
                format!("secret store reference: SSM parameter `{address}`"),
                &placeholder,
                span,
            )),
            "secretsmanager" | "secrets" => Some(unknown_with_partial(
                format!("secret store reference: Secrets Manager secret `{address}`"),
                &placeholder,
                span,
            )),
            "cf" => Some(unknown_with_partial(
                format!("output of another stack (`cf:{address}`)"),
                &placeholder,
                span,
            )),
            "s3" => Some(unknown_with_partial(
                format!("S3 object `{address}`"),
                &placeholder,
                span,
            )),
            other => Some(unknown_with_partial(
                format!("unsupported variable source `{other}`"),
                &placeholder,
                span,
            )),
        }
    }

    /// `param:NAME`: the `params` section for the stage, then its `default`.
    fn param(&mut self, name: &str, depth: usize) -> Option<Node> {
        let stage = self.stage();
        if let Some(stage) = stage.as_str() {
            if let Some(node) = self.self_path(&format!("params.{stage}.{name}"), depth + 1) {
                return Some(node);
            }
        }
        self.self_path(&format!("params.default.{name}"), depth + 1)
    }

    /// `self:a.b.c`: the resolved value at that path of the document.
    fn self_path(&mut self, address: &str, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return Some(Node::unknown("variables nested too deeply", self.root.span));
        }
        let key = format!("self:{address}");
        if let Some(known) = self.memo.get(&key) {
            let known = known.clone();
            return Some(self.count(known));
        }
        if self.active.contains(&key) {
            return Some(unknown_with_partial(
                format!("`${{{key}}}` refers to itself"),
                &format!("${{{key}}}"),
                self.root.span,
            ));
        }
        self.active.push(key.clone());
        let found = self.walk(address, depth);
        self.active.pop();
        let found = found.map(|node| self.count(node));
        if let Some(found) = &found {
            self.memo.insert(key, found.clone());
        }
        found
    }

    /// Follows `address` from the root, resolving variables met on the way.
    fn walk(&mut self, address: &str, depth: usize) -> Option<Node> {
        let root: &'a Node = self.root;
        let dir = self.base_dir.clone();
        let segments: Vec<&str> = address
            .split('.')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        // Borrowed while the path runs through plain document nodes; owned once a variable
        // on the way had to be resolved.
        let mut raw: Option<&'a Node> = Some(root);
        let mut owned: Option<Node> = None;
        for (index, segment) in segments.iter().enumerate() {
            if let Some(node) = raw {
                if let Value::String(text) = &node.value {
                    if text.contains("${") {
                        let prefix = segments[..index].join(".");
                        let resolved = if prefix.is_empty() {
                            self.resolve(node, &dir, depth + 1)
                        } else {
                            self.self_path(&prefix, depth + 1)?
                        };
                        raw = None;
                        owned = Some(resolved);
                    }
                }
            }
            if let Some(node) = raw {
                raw = Some(child(node, segment)?);
            } else {
                let node = owned.take()?;
                if !node.is_known() {
                    return Some(node);
                }
                owned = Some(child(&node, segment)?.clone());
            }
        }
        match (raw, owned) {
            (Some(node), _) => Some(self.resolve(node, &dir, depth + 1)),
            (None, owned) => owned,
        }
    }

    /// `file(path):address`: a local YAML or JSON file, or one value in it.
    fn include(
        &mut self,
        path: &str,
        address: &str,
        span: Span,
        dir: &Path,
        depth: usize,
    ) -> Option<Node> {
        let placeholder = if address.is_empty() {
            format!("${{file({path})}}")
        } else {
            format!("${{file({path}):{address}}}")
        };
        let relative = Path::new(path);
        if path.is_empty() || relative.is_absolute() {
            return Some(unknown_with_partial(
                "only relative `file(...)` paths are read",
                &placeholder,
                span,
            ));
        }
        let extension = relative
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(extension.as_deref(), Some("yml" | "yaml" | "json")) {
            return Some(unknown_with_partial(
                format!("`{path}` is not a YAML or JSON file: not evaluated"),
                &placeholder,
                span,
            ));
        }
        let full = dir.join(relative);
        let canonical = full.canonicalize().unwrap_or_else(|_| full.clone());
        let marker = format!("file:{}", canonical.display());
        if self.active.contains(&marker) {
            return Some(unknown_with_partial(
                format!("`{path}` includes itself"),
                &placeholder,
                span,
            ));
        }
        let parsed = match self.files.get(&canonical) {
            Some(parsed) => parsed.clone(),
            None => {
                let parsed = crate::include::read_local(&canonical, span);
                self.files.insert(canonical.clone(), parsed.clone());
                parsed
            }
        };
        if let Err(reason) = &parsed {
            let why = if reason.is_empty() {
                "it does not exist".to_string()
            } else {
                reason.clone()
            };
            self.unread.push((span, path.to_string(), why));
        }
        let content = match parsed {
            Ok(mut content) => {
                // Its offsets are in another file: everything from it points at this
                // `${file(...)}`.
                crate::include::respan_in_place(&mut content, span);
                content
            }
            // A missing file has no value (a fallback may apply), as in the Framework.
            Err(reason) if reason.is_empty() => return None,
            Err(reason) => return Some(unknown_with_partial(reason, &placeholder, span)),
        };
        let include_dir = canonical
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.to_path_buf());
        self.active.push(marker);
        let resolved = self.resolve(&content, &include_dir, depth + 1);
        self.active.pop();
        let resolved = self.count(resolved);
        let mut node = &resolved;
        for segment in address.split('.').map(str::trim).filter(|s| !s.is_empty()) {
            if !node.is_known() {
                return Some(node.clone());
            }
            node = child(node, segment)?;
        }
        Some(node.clone())
    }

    /// The `${file(...)}` includes that could not be read and that no fallback covered,
    /// once per path: (where, path, why).
    pub fn unread_files(&self) -> Vec<(Span, String, String)> {
        let mut seen = std::collections::HashSet::new();
        self.unread
            .iter()
            .filter(|(_, path, _)| seen.insert(path.clone()))
            .cloned()
            .collect()
    }

    /// Counts expanded nodes; past the budget the value is replaced by an unknown.
    fn count(&mut self, node: Node) -> Node {
        self.expanded = self.expanded.saturating_add(node.size());
        if self.expanded > MAX_EXPANDED_NODES {
            return Node::unknown("variables expand to too much data", node.span);
        }
        node
    }
}

fn respan(mut node: Node, span: Span) -> Node {
    node.span = span;
    node
}

fn child<'n>(node: &'n Node, segment: &str) -> Option<&'n Node> {
    match &node.value {
        Value::Map(map) => map.get(segment),
        Value::Seq(items) => segment
            .parse::<usize>()
            .ok()
            .and_then(|index| items.get(index)),
        _ => None,
    }
}

fn missing(body: &str, span: Span) -> Node {
    unknown_with_partial(
        format!("`${{{body}}}` has no value"),
        &format!("${{{body}}}"),
        span,
    )
}

fn unknown_with_partial(reason: impl Into<String>, partial: &str, span: Span) -> Node {
    Node::new(
        Value::Unknown {
            reason: reason.into(),
            partial: Some(partial.to_string()),
        },
        span,
    )
}

fn push_placeholder(out: &mut String, body: &str) {
    out.push_str("${");
    out.push_str(body);
    out.push('}');
}

/// The source name at the start of a reference (`self` in `self:custom`, `file` in
/// `file(x.yml)`), if the text is a Framework variable reference. `AWS::Region` and
/// `Resource.Arn` (CloudFormation's `Fn::Sub` placeholders) are not.
fn source_name(reference: &str) -> Option<&str> {
    let reference = reference.trim_start();
    let end = reference
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(reference.len(), |(index, _)| index);
    let name = &reference[..end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = &reference[end..];
    if rest.starts_with('(') || (rest.starts_with(':') && !rest.starts_with("::")) {
        Some(name)
    } else {
        None
    }
}

/// Splits text into literal parts and variables. A `${` that does not start a variable
/// reference (or is never closed) is literal text.
fn split_variables(text: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut literal_start = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("${") {
        let start = search + found;
        let body_start = start + 2;
        if source_name(&text[body_start..]).is_none() {
            search = body_start;
            continue;
        }
        let Some(end) = closing_brace(&text[body_start..]) else {
            break;
        };
        if start > literal_start {
            parts.push(Part::Text(&text[literal_start..start]));
        }
        parts.push(Part::Variable(&text[body_start..body_start + end]));
        literal_start = body_start + end + 1;
        search = literal_start;
    }
    if literal_start < text.len() {
        parts.push(Part::Text(&text[literal_start..]));
    }
    parts
}

/// The offset of the `}` closing a variable whose inside starts `text`, skipping nested
/// `${...}` and quoted fallbacks.
fn closing_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        match quote {
            Some(q) if byte == q => quote = None,
            Some(_) => {}
            None => match byte {
                b'\'' | b'"' => quote = Some(byte),
                b'$' if bytes.get(index + 1) == Some(&b'{') => {
                    depth += 1;
                    index += 1;
                }
                b'{' => depth += 1,
                b'}' if depth == 0 => return Some(index),
                b'}' => depth -= 1,
                _ => {}
            },
        }
        index += 1;
    }
    None
}

/// Splits at `separator` outside nested `${...}`, parentheses and quotes.
fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '{' | '(' => depth += 1,
                '}' | ')' => depth = depth.saturating_sub(1),
                c if c == separator && depth == 0 => {
                    parts.push(&text[start..index]);
                    start = index + c.len_utf8();
                }
                _ => {}
            },
        }
    }
    parts.push(&text[start..]);
    parts
}

/// True when the text holds a Framework variable (not merely a `Fn::Sub` placeholder).
pub fn has_variable(text: &str) -> bool {
    split_variables(text)
        .iter()
        .any(|part| matches!(part, Part::Variable(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_yaml;
    use warden_diagnostics::FileId;

    fn resolve_with(text: &str, options: &LoadOptions, dir: &Path) -> Node {
        let root = parse_yaml(text, FileId(0)).unwrap();
        Variables::new(&root, dir, options).resolve_document()
    }

    fn resolve(text: &str) -> Node {
        resolve_with(text, &LoadOptions::default(), Path::new("."))
    }

    fn display(node: &Node, path: &str) -> String {
        node.path(path)
            .unwrap_or_else(|| panic!("no {path}"))
            .display()
    }

    fn is_unknown(node: &Node, path: &str) -> bool {
        node.path(path).is_some_and(Node::is_unknown)
    }

    #[test]
    fn splits_variables_but_not_cloudformation_placeholders() {
        assert_eq!(
            split_variables("a-${self:x}-${AWS::Region}-${Res.Arn}"),
            vec![
                Part::Text("a-"),
                Part::Variable("self:x"),
                Part::Text("-${AWS::Region}-${Res.Arn}")
            ]
        );
        assert_eq!(
            split_variables("${opt:stage, 'd}v'}"),
            vec![Part::Variable("opt:stage, 'd}v'")]
        );
        assert_eq!(
            split_variables("${self:a.${opt:b}}"),
            vec![Part::Variable("self:a.${opt:b}")]
        );
        assert_eq!(
            split_variables("${self:unclosed"),
            vec![Part::Text("${self:unclosed")]
        );
        assert!(!has_variable("arn:${AWS::Partition}:s3:::${Bucket}/*"));
    }

    #[test]
    fn self_references_keep_the_value_and_its_span() {
        let text = "service: shop\ncustom:\n  timeout: 20\n  table: ${self:service}-orders\nprovider:\n  timeout: ${self:custom.timeout}\n  name: ${self:custom.table}\n";
        let node = resolve(text);
        let timeout = node.path("provider.timeout").unwrap();
        assert_eq!(timeout.as_i64(), Some(20));
        assert_eq!(
            &text[timeout.span.start as usize..timeout.span.end as usize],
            "20"
        );
        assert_eq!(display(&node, "provider.name"), "shop-orders");
        assert_eq!(display(&node, "custom.table"), "shop-orders");
    }

    #[test]
    fn whole_maps_and_lists_come_through() {
        let node = resolve("custom:\n  env:\n    A: x\n    B: ${self:custom.b}\n  b: two\nprovider:\n  environment: ${self:custom.env}\n");
        assert_eq!(display(&node, "provider.environment.A"), "x");
        assert_eq!(display(&node, "provider.environment.B"), "two");
    }

    #[test]
    fn stage_from_options_provider_or_default() {
        let text = "provider:\n  stage: ${opt:stage, 'prod'}\nx: ${sls:stage}\ny: ${opt:stage, \"qa\"}\nz: ${opt:stage}\n";
        let node = resolve(text);
        assert_eq!(display(&node, "provider.stage"), "prod");
        assert_eq!(display(&node, "x"), "prod");
        assert_eq!(display(&node, "y"), "qa");
        assert!(is_unknown(&node, "z"));

        let options = LoadOptions {
            stage: Some("live".into()),
            ..LoadOptions::default()
        };
        let node = resolve_with(text, &options, Path::new("."));
        assert_eq!(display(&node, "x"), "live");
        assert_eq!(display(&node, "z"), "live");

        let node = resolve("x: ${sls:stage}\n");
        assert_eq!(display(&node, "x"), "dev");
    }

    #[test]
    fn options_environment_and_params() {
        let mut options = LoadOptions::default();
        options
            .serverless_options
            .insert("tier".into(), "gold".into());
        options
            .environment
            .insert("HOME_TABLE".into(), "homes".into());
        let text = "provider:\n  stage: prod\nparams:\n  default:\n    size: 1\n  prod:\n    size: 3\na: ${opt:tier}\nb: ${opt:missing, 'fallback'}\nc: ${env:HOME_TABLE}\nd: ${env:NOT_SET, 'dflt'}\ne: ${param:size}\nf: ${env:NOT_SET}\n";
        let node = resolve_with(text, &options, Path::new("."));
        assert_eq!(display(&node, "a"), "gold");
        assert_eq!(display(&node, "b"), "fallback");
        assert_eq!(display(&node, "c"), "homes");
        assert_eq!(display(&node, "d"), "dflt");
        assert_eq!(display(&node, "e"), "3");
        assert!(is_unknown(&node, "f"));
    }

    #[test]
    fn nested_variables_and_chained_fallbacks() {
        let text = "provider:\n  stage: prod\ncustom:\n  prod:\n    memory: 512\n  dev:\n    memory: 128\na: ${self:custom.${sls:stage}.memory}\nb: ${opt:x, ${self:custom.dev.memory}}\nc: ${opt:x, env:NOPE, self:custom.dev.memory}\nd: ${self:custom.nothing, 7}\ne: ${opt:x, true}\n";
        let node = resolve(text);
        assert_eq!(display(&node, "a"), "512");
        assert_eq!(display(&node, "b"), "128");
        assert_eq!(display(&node, "c"), "128");
        assert_eq!(display(&node, "d"), "7");
        assert_eq!(node.get("e").and_then(Node::as_bool), Some(true));
    }

    #[test]
    fn cycles_become_unknown() {
        let node = resolve("a: ${self:b}\nb: ${self:a}\nc: ${self:c}\nd:\n  e: ${self:d}\nprovider:\n  stage: ${sls:stage}\ns: ${sls:stage}\n");
        assert!(is_unknown(&node, "a"));
        assert!(is_unknown(&node, "b"));
        assert!(is_unknown(&node, "c"));
        assert!(is_unknown(&node, "d.e.e"));
        assert!(node
            .path("s")
            .is_some_and(|s| !s.is_known() || s.as_str().is_some()));
    }

    #[test]
    fn exponential_self_references_are_bounded() {
        let mut text = String::from("l0: [x, x, x, x, x, x, x, x]\n");
        for level in 1..30 {
            let previous = format!("${{self:l{}}}", level - 1);
            text.push_str(&format!(
                "l{level}: [\"{previous}\", \"{previous}\", \"{previous}\", \"{previous}\"]\n"
            ));
        }
        let node = resolve(&text);
        assert!(node.size() < 5 * MAX_EXPANDED_NODES);
    }

    #[test]
    fn unknown_sources_and_partial_text() {
        let text = "a: ${ssm:/prod/db-password}\nb: arn:aws:sqs:${aws:region}:${aws:accountId}:queue\nc: ${cf:other-stack.Output}\nd: ${plugin:thing}\ne: arn:${AWS::Partition}:s3:::${self:custom.bucket}/*\ncustom:\n  bucket: bkt\n";
        let node = resolve(text);
        let a = node.get("a").unwrap();
        match &a.value {
            Value::Unknown { reason, partial } => {
                assert!(reason.contains("secret store"), "{reason}");
                assert_eq!(partial.as_deref(), Some("${ssm:/prod/db-password}"));
            }
            other => panic!("{other:?}"),
        }
        match &node.get("b").unwrap().value {
            Value::Unknown { partial, .. } => {
                assert_eq!(
                    partial.as_deref(),
                    Some("arn:aws:sqs:us-east-1:${aws:accountId}:queue")
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(is_unknown(&node, "c"));
        assert!(is_unknown(&node, "d"));
        assert_eq!(display(&node, "e"), "arn:${AWS::Partition}:s3:::bkt/*");
    }

    #[test]
    fn file_includes_with_keys_and_nested_files() {
        let dir = std::env::temp_dir().join(format!("warden-sls-vars-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::write(
            dir.join("config/dev.yml"),
            "memory: 256\nnested: ${file(./inner.json):value}\nself: ${self:service}\n",
        )
        .unwrap();
        std::fs::write(dir.join("config/inner.json"), "{\"value\": \"deep\"}").unwrap();
        std::fs::write(dir.join("loop.yml"), "x: ${file(./loop.yml)}\n").unwrap();
        let text = "service: svc\na: ${file(./config/${sls:stage}.yml):memory}\nb: ${file(config/dev.yml)}\nc: ${file(./absent.yml), 'none'}\nd: ${file(./handler.js):value}\ne: ${file(./loop.yml)}\n";
        let node = resolve_with(text, &LoadOptions::default(), &dir);
        assert_eq!(display(&node, "a"), "256");
        assert_eq!(display(&node, "b.nested"), "deep");
        assert_eq!(display(&node, "b.self"), "svc");
        assert_eq!(display(&node, "c"), "none");
        assert!(is_unknown(&node, "d"));
        assert!(is_unknown(&node, "e.x"));
        // Included values point at the `${file(...)}` that brought them in.
        let b = node.path("b.nested").unwrap();
        assert_eq!(
            &text[b.span.start as usize..b.span.end as usize],
            "${file(config/dev.yml)}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut text = String::from("v0: leaf\n");
        for level in 1..200 {
            text.push_str(&format!("v{level}: ${{self:v{}}}\n", level - 1));
        }
        let node = resolve(&text);
        assert!(node.get("v199").is_some());
        // Fallbacks nested far deeper than the limit end in an unknown, not an overflow.
        let nested = format!("x: \"{}'z'{}\"\n", "${opt:a, ".repeat(300), "}".repeat(300));
        assert!(resolve(&nested).get("x").is_some());
        let shallow = format!("x: \"{}'z'{}\"\n", "${opt:a, ".repeat(5), "}".repeat(5));
        assert_eq!(display(&resolve(&shallow), "x"), "z");
    }
}
