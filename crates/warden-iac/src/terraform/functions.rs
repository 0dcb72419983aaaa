//! Terraform's built-in functions that matter for configuration values.
//!
//! Each takes evaluated arguments and returns a node spanning the call. A function whose
//! inputs are not all known returns unknown; a function not listed here is unknown too
//! (`None` from [`call`]). `jsonencode` returns its argument unchanged, so that documents
//! written as HCL objects keep their spans.

use std::collections::HashMap;
use std::path::Path;

use warden_diagnostics::Span;

use super::eval::{collapse_spans, number, read_local_file, render_parts};
use crate::node::{Key, Map, Node, Value};
use crate::parse;

/// Returns `None` for functions the scanner does not evaluate.
pub(crate) fn call(
    name: &str,
    args: Vec<Node>,
    span: Span,
    dir: &Path,
    json_sources: &HashMap<Span, Node>,
) -> Option<Node> {
    let unknown = |why: &str| Some(Node::unknown(format!("`{name}`: {why}"), span));
    let arg = |index: usize| args.get(index);
    let all_known = args.iter().all(Node::is_known);
    let result = match name {
        // Values pass through with their spans: the caller treats maps as JSON documents.
        "jsonencode" | "tostring" | "tonumber" | "tobool" | "tolist" | "tomap" | "sensitive"
        | "nonsensitive" | "yamlencode" => {
            let mut node = arg(0)?.clone();
            if name == "tonumber" {
                if let Value::String(text) = &node.value {
                    node.value = Value::Number(text.clone());
                }
            }
            Some(node)
        }
        "toset" | "distinct" => {
            let items = arg(0)?.as_seq()?;
            let mut out: Vec<Node> = Vec::new();
            for item in items {
                if !out.iter().any(|existing| existing.value == item.value) {
                    out.push(item.clone());
                }
            }
            Some(Node::new(Value::Seq(out), span))
        }
        "jsondecode" => {
            let source = arg(0)?;
            if let Some(parsed) = json_sources.get(&source.span) {
                return Some(parsed.clone());
            }
            let text = source.as_str()?;
            match parse::parse_json(text, span.file) {
                Ok(mut node) => {
                    collapse_spans(&mut node, span);
                    Some(node)
                }
                Err(_) => unknown("invalid JSON"),
            }
        }
        "merge" => {
            if !args
                .iter()
                .all(|a| a.as_map().is_some() || matches!(a.value, Value::Null))
            {
                return unknown("arguments not known");
            }
            let mut map = Map::default();
            for argument in &args {
                if let Some(entries) = argument.as_map() {
                    for (key, value) in entries.iter() {
                        map.insert(key.clone(), value.clone());
                    }
                }
            }
            Some(Node::map(map, span))
        }
        "concat" => {
            let mut out = Vec::new();
            for argument in &args {
                match &argument.value {
                    Value::Seq(items) => out.extend(items.iter().cloned()),
                    _ => return unknown("arguments not known"),
                }
            }
            Some(Node::new(Value::Seq(out), span))
        }
        "flatten" => {
            fn flat(node: &Node, out: &mut Vec<Node>, depth: usize) -> bool {
                match &node.value {
                    Value::Seq(items) if depth < 16 => {
                        items.iter().all(|item| flat(item, out, depth + 1))
                    }
                    Value::Seq(_) | Value::Unknown { .. } | Value::OneOf(_) => false,
                    _ => {
                        out.push(node.clone());
                        true
                    }
                }
            }
            let mut out = Vec::new();
            if !flat(arg(0)?, &mut out, 0) {
                return unknown("argument not known");
            }
            Some(Node::new(Value::Seq(out), span))
        }
        "compact" => {
            let items = arg(0)?.as_seq()?;
            if !items.iter().all(Node::is_known) {
                return unknown("argument not known");
            }
            let kept = items
                .iter()
                .filter(|item| !matches!(&item.value, Value::Null) && item.as_str() != Some(""))
                .cloned()
                .collect();
            Some(Node::new(Value::Seq(kept), span))
        }
        "lookup" => {
            let map = arg(0)?;
            let key = arg(1)?.as_str()?;
            match map.as_map() {
                Some(entries) => entries.get(key).cloned().or_else(|| arg(2).cloned()),
                None => return unknown("map not known"),
            }
        }
        "element" => {
            let items = arg(0)?.as_seq()?;
            let index = usize::try_from(arg(1)?.as_i64()?).ok()?;
            if items.is_empty() {
                return None;
            }
            items.get(index % items.len()).cloned()
        }
        "one" => {
            let items = arg(0)?.as_seq()?;
            match items {
                [] => Some(Node::new(Value::Null, span)),
                [only] => Some(only.clone()),
                _ => None,
            }
        }
        "keys" | "values" => {
            let map = arg(0)?.as_map()?;
            let items = map
                .iter()
                .map(|(key, value)| {
                    if name == "keys" {
                        Node::string(key.name.clone(), key.span)
                    } else {
                        value.clone()
                    }
                })
                .collect();
            Some(Node::new(Value::Seq(items), span))
        }
        "zipmap" => {
            let keys = arg(0)?.as_seq()?;
            let values = arg(1)?.as_seq()?;
            let mut map = Map::default();
            for (key, value) in keys.iter().zip(values) {
                map.insert(
                    Key {
                        name: key.as_str()?.to_string(),
                        span: key.span,
                    },
                    value.clone(),
                );
            }
            Some(Node::map(map, span))
        }
        "length" => match &arg(0)?.value {
            Value::Seq(items) => Some(number(items.len() as f64, span)),
            Value::Map(map) => Some(number(map.len() as f64, span)),
            Value::String(text) => Some(number(text.chars().count() as f64, span)),
            _ => return unknown("argument not known"),
        },
        "contains" => {
            let items = arg(0)?.as_seq()?;
            let needle = arg(1)?;
            if !all_known {
                return unknown("arguments not known");
            }
            Some(Node::new(
                Value::Bool(items.iter().any(|item| item.value == needle.value)),
                span,
            ))
        }
        "coalesce" => {
            for argument in &args {
                if !argument.is_known() {
                    return unknown("arguments not known");
                }
                if !matches!(argument.value, Value::Null) && argument.as_str() != Some("") {
                    return Some(argument.clone());
                }
            }
            None
        }
        "coalescelist" => {
            for argument in &args {
                match &argument.value {
                    Value::Seq(items) if items.is_empty() => continue,
                    Value::Seq(_) => return Some(argument.clone()),
                    _ => return unknown("arguments not known"),
                }
            }
            None
        }
        "file" => {
            let path = arg(0)?.as_str()?;
            match read_local_file(dir, path) {
                Some(text) => Some(Node::string(text, span)),
                None => return unknown("file not readable"),
            }
        }
        "templatefile" => {
            let path = arg(0)?.as_str()?;
            let Some(text) = read_local_file(dir, path) else {
                return unknown("file not readable");
            };
            let empty = Map::default();
            let variables = match arg(1) {
                None => &empty,
                Some(node) => match node.as_map() {
                    Some(map) => map,
                    None => return unknown("template variables not known"),
                },
            };
            match render_template(&text, variables) {
                Some(rendered) => Some(Node::string(rendered, span)),
                None => return unknown("template not evaluated"),
            }
        }
        "format" => format(&args, span),
        "join" => {
            let separator = arg(0)?.as_str()?;
            let mut parts = Vec::new();
            for list in &args[1..] {
                match &list.value {
                    Value::Seq(items) => {
                        for (index, item) in items.iter().enumerate() {
                            if index > 0 || !parts.is_empty() {
                                parts.push(Node::string(separator, span));
                            }
                            parts.push(item.clone());
                        }
                    }
                    _ => return unknown("list not known"),
                }
            }
            Some(render_parts(&parts, span))
        }
        "split" => {
            let separator = arg(0)?.as_str()?;
            let text = string_arg(&args, 1)?;
            if separator.is_empty() {
                return None;
            }
            Some(Node::new(
                Value::Seq(
                    text.split(separator)
                        .map(|part| Node::string(part, span))
                        .collect(),
                ),
                span,
            ))
        }
        "lower" | "upper" | "trimspace" | "chomp" | "title" => {
            let text = string_arg(&args, 0)?;
            let out = match name {
                "lower" => text.to_lowercase(),
                "upper" => text.to_uppercase(),
                "trimspace" => text.trim().to_string(),
                "chomp" => text.trim_end_matches(['\n', '\r']).to_string(),
                _ => title_case(text),
            };
            Some(Node::string(out, span))
        }
        "trimprefix" | "trimsuffix" => {
            let text = string_arg(&args, 0)?;
            let affix = string_arg(&args, 1)?;
            let out = if name == "trimprefix" {
                text.strip_prefix(affix).unwrap_or(text)
            } else {
                text.strip_suffix(affix).unwrap_or(text)
            };
            Some(Node::string(out, span))
        }
        "startswith" | "endswith" => {
            let text = string_arg(&args, 0)?;
            let affix = string_arg(&args, 1)?;
            let yes = if name == "startswith" {
                text.starts_with(affix)
            } else {
                text.ends_with(affix)
            };
            Some(Node::new(Value::Bool(yes), span))
        }
        "replace" => {
            let text = string_arg(&args, 0)?;
            let from = string_arg(&args, 1)?;
            let to = string_arg(&args, 2)?;
            if from.is_empty() || (from.len() > 1 && from.starts_with('/') && from.ends_with('/')) {
                return unknown("regular expression replacement");
            }
            let out = text.replace(from, to);
            if out.len() > 1 << 20 {
                return unknown("result too long");
            }
            Some(Node::string(out, span))
        }
        "substr" => {
            let text = string_arg(&args, 0)?;
            let offset = usize::try_from(arg(1)?.as_i64()?).ok()?;
            let length = arg(2)?.as_i64()?;
            let chars = text.chars().skip(offset);
            let out: String = if length < 0 {
                chars.collect()
            } else {
                chars.take(length as usize).collect()
            };
            Some(Node::string(out, span))
        }
        "abs" => Some(number(arg(0)?.as_f64()?.abs(), span)),
        "max" | "min" => {
            let values: Option<Vec<f64>> = args.iter().map(Node::as_f64).collect();
            let values = values?;
            let folded = if name == "max" {
                values.into_iter().fold(f64::NEG_INFINITY, f64::max)
            } else {
                values.into_iter().fold(f64::INFINITY, f64::min)
            };
            folded.is_finite().then(|| number(folded, span))
        }
        "range" => {
            let numbers: Option<Vec<f64>> = args.iter().map(Node::as_f64).collect();
            let (start, end) = match numbers?.as_slice() {
                [end] => (0.0, *end),
                [start, end, ..] => (*start, *end),
                _ => return None,
            };
            if !(0.0..=1000.0).contains(&(end - start)) {
                return unknown("range too large");
            }
            let items = (start as i64..end as i64)
                .map(|i| number(i as f64, span))
                .collect();
            Some(Node::new(Value::Seq(items), span))
        }
        _ => return None,
    };
    if result.is_none() && !all_known {
        return unknown("arguments not known");
    }
    result.or_else(|| unknown("arguments not usable"))
}

fn string_arg(args: &[Node], index: usize) -> Option<&str> {
    match &args.get(index)?.value {
        Value::String(text) | Value::Number(text) => Some(text),
        _ => None,
    }
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c.is_whitespace();
    }
    out
}

/// `format` with the verbs configuration uses (`%s`, `%d`, `%v`, `%q`, `%%`).
fn format(args: &[Node], span: Span) -> Option<Node> {
    let pattern = args.first()?.as_str()?;
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut next = 1;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            literal.push(c);
            continue;
        }
        // Skip flags and width, keep the verb.
        let mut verb = None;
        while let Some(&following) = chars.peek() {
            chars.next();
            if following.is_ascii_alphabetic() || following == '%' {
                verb = Some(following);
                break;
            }
        }
        match verb {
            Some('%') => literal.push('%'),
            Some(verb) => {
                parts.push(Node::string(std::mem::take(&mut literal), span));
                let value = args.get(next)?.clone();
                next += 1;
                if verb == 'q' {
                    parts.push(Node::string("\"", span));
                    parts.push(value);
                    parts.push(Node::string("\"", span));
                } else {
                    parts.push(value);
                }
            }
            None => return None,
        }
    }
    parts.push(Node::string(literal, span));
    Some(render_parts(&parts, span))
}

/// Renders a `templatefile` template whose interpolations are plain variable names.
/// Variables whose value is not a known scalar stay as `${name}` placeholders, which no rule
/// reads as a name or a wildcard. `None` for directives (`%{ ... }`), expressions, or a JSON
/// document that placeholders leave unparseable: the result is then unknown.
fn render_template(text: &str, variables: &Map) -> Option<String> {
    if text.contains("%{") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        // `$${` is a literal `${`.
        if out.ends_with('$') {
            out.push('{');
            rest = &rest[start + 2..];
            continue;
        }
        let end = rest[start..].find('}')? + start;
        let name = rest[start + 2..end].trim();
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain {
            return None;
        }
        match variables.get(name).map(|value| &value.value) {
            Some(Value::String(value) | Value::Number(value)) => out.push_str(value),
            Some(Value::Bool(value)) => out.push_str(if *value { "true" } else { "false" }),
            Some(_) => {
                out.push_str("${");
                out.push_str(name);
                out.push('}');
            }
            None => return None,
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    let trimmed = out.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(&out).is_err()
    {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod template_tests {
    use super::*;

    fn vars(items: &[(&str, Value)]) -> Map {
        let mut map = Map::default();
        for (name, value) in items {
            map.insert(
                Key {
                    name: name.to_string(),
                    span: Span::default(),
                },
                Node::new(value.clone(), Span::default()),
            );
        }
        map
    }

    #[test]
    fn templates_render_known_values_and_keep_placeholders() {
        let variables = vars(&[
            ("table", Value::String("orders".into())),
            (
                "arn",
                Value::ResourceRef {
                    logical_id: "aws_sqs_queue.q".into(),
                    attribute: Some("arn".into()),
                },
            ),
        ]);
        assert_eq!(
            render_template(
                r#"{"a": "${table}", "b": "${arn}", "c": "$${x}"}"#,
                &variables
            )
            .as_deref(),
            Some(r#"{"a": "orders", "b": "${arn}", "c": "${x}"}"#)
        );
        // Unquoted placeholders leave JSON unparseable: unknown.
        assert_eq!(render_template(r#"{"a": ${arn}}"#, &variables), None);
        assert_eq!(
            render_template("%{ for x in y }x%{ endfor }", &variables),
            None
        );
        assert_eq!(render_template("${upper(table)}", &variables), None);
        assert_eq!(render_template("${missing}", &variables), None);
    }
}
