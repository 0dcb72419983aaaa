//! Files a template pulls in from beside it: `AWS::Include` transforms, SAM's
//! `DefinitionUri`, Serverless `${file(...)}`.
//!
//! A local file is read, parsed and put in place, its nodes pointing at the text that
//! included it (findings are reported where the user wrote the include). A file that cannot
//! be read (an S3 location, a missing file) leaves an unknown value, on which no finding
//! rests, and a [`Notice`] that says what was not analysed.

use std::path::{Path, PathBuf};

use warden_diagnostics::{Notice, Span};

use crate::node::{Node, Value};
use crate::parse;

/// Files larger than this are not included.
pub(crate) const MAX_INCLUDE_BYTES: u64 = 4 << 20;
/// Includes inside included files are followed this deep.
const MAX_INCLUDE_DEPTH: usize = 4;

/// Reads and parses a local YAML or JSON file, with every node pointing at `span`.
/// `Err("")` when the file does not exist.
pub(crate) fn read_local(path: &Path, span: Span) -> Result<Node, String> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(_) => return Err(String::new()),
    };
    if !metadata.is_file() {
        return Err(String::new());
    }
    if metadata.len() > MAX_INCLUDE_BYTES {
        return Err(format!("`{}` is too large to include", path.display()));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("`{}` cannot be read: {error}", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    let parsed = if is_json {
        parse::parse_json(&text, span.file)
    } else {
        parse::parse_yaml(&text, span.file)
    };
    let mut node = parsed
        .map_err(|error| format!("`{}` cannot be parsed: {}", path.display(), error.message))?;
    respan_in_place(&mut node, span);
    Ok(node)
}

/// Points `node` and everything under it at `span`.
pub(crate) fn respan_in_place(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.value {
        Value::Map(map) => {
            for (key, value) in map.entries.iter_mut() {
                key.span = span;
                respan_in_place(value, span);
            }
        }
        Value::Seq(items) | Value::OneOf(items) => {
            for item in items {
                respan_in_place(item, span);
            }
        }
        _ => {}
    }
}

/// Where a location written in a template points, when it is a local file.
pub(crate) enum Location {
    Local(PathBuf),
    /// S3, HTTPS or anything else that is not on this disk.
    Remote,
    /// Not a literal (a parameter, a `Fn::Sub` ...).
    Unknown,
}

/// Classifies `node` (a `Location`, `DefinitionUri`, `TemplateURL` ...) relative to `dir`.
pub(crate) fn location(node: &Node, dir: Option<&Path>) -> Location {
    let Some(text) = node.as_str() else {
        if let Some(map) = node.as_map() {
            // `{Bucket, Key}` forms are S3 objects.
            if map.get("Bucket").is_some() || map.get("Key").is_some() {
                return Location::Remote;
            }
        }
        return Location::Unknown;
    };
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("s3://") || lower.starts_with("http://") || lower.starts_with("https://") {
        return Location::Remote;
    }
    if text.is_empty() {
        return Location::Unknown;
    }
    let path = Path::new(text);
    Location::Local(match dir {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_path_buf(),
    })
}

/// Replaces every `Fn::Transform: {Name: AWS::Include, ...}` of a template whose location is
/// a readable local file by the file's content; records a notice for the others.
pub(crate) fn expand_includes(root: &Node, dir: Option<&Path>, notices: &mut Vec<Notice>) -> Node {
    if !has_include(root, 0) {
        return root.clone();
    }
    expand(root, dir, notices, 0, 0)
}

fn include_location(node: &Node) -> Option<&Node> {
    let map = node.as_map()?;
    if map.len() != 1 {
        return None;
    }
    let transform = map.get("Fn::Transform")?;
    if transform.get("Name").and_then(Node::as_str) != Some("AWS::Include") {
        return None;
    }
    transform.path("Parameters.Location").or(Some(transform))
}

fn has_include(node: &Node, depth: usize) -> bool {
    if depth > parse::MAX_DEPTH {
        return false;
    }
    if include_location(node).is_some() {
        return true;
    }
    match &node.value {
        Value::Map(map) => map.entries.iter().any(|(_, v)| has_include(v, depth + 1)),
        Value::Seq(items) => items.iter().any(|item| has_include(item, depth + 1)),
        _ => false,
    }
}

/// `depth` counts nodes, `nest` includes within includes.
fn expand(
    node: &Node,
    dir: Option<&Path>,
    notices: &mut Vec<Notice>,
    depth: usize,
    nest: usize,
) -> Node {
    if depth > parse::MAX_DEPTH {
        return node.clone();
    }
    if let Some(location_node) = include_location(node) {
        return include(node, location_node, dir, notices, nest);
    }
    match &node.value {
        Value::Map(map) => {
            let mut out = map.clone();
            for (_, value) in out.entries.iter_mut() {
                *value = expand(value, dir, notices, depth + 1, nest);
            }
            Node {
                value: Value::Map(out),
                span: node.span,
                parameter: node.parameter.clone(),
            }
        }
        Value::Seq(items) => Node {
            value: Value::Seq(
                items
                    .iter()
                    .map(|item| expand(item, dir, notices, depth + 1, nest))
                    .collect(),
            ),
            span: node.span,
            parameter: node.parameter.clone(),
        },
        _ => node.clone(),
    }
}

fn include(
    node: &Node,
    location_node: &Node,
    dir: Option<&Path>,
    notices: &mut Vec<Notice>,
    nest: usize,
) -> Node {
    let span = location_node.span;
    let written = location_node.display();
    let not_read = |why: String, notices: &mut Vec<Notice>| {
        notices.push(
            Notice::new(
                "include-not-read",
                format!("`AWS::Include` of `{written}` was not read ({why}): what it defines is not analysed"),
            )
            .at(span)
            .path(written.clone())
            .help("Keep the included file next to the template, or scan the processed template (`aws cloudformation get-template --template-stage Processed`)."),
        );
        Node::unknown(format!("AWS::Include of `{written}` not read"), node.span)
    };
    match location(location_node, dir) {
        Location::Remote => not_read("not a local file".into(), notices),
        Location::Unknown => not_read("its location is not a literal".into(), notices),
        Location::Local(path) => match read_local(&path, span) {
            Ok(content) if nest < MAX_INCLUDE_DEPTH => {
                let inner_dir = path.parent().map(Path::to_path_buf);
                expand(&content, inner_dir.as_deref(), notices, 0, nest + 1)
            }
            Ok(_) => not_read("includes nest too deeply".into(), notices),
            Err(error) if error.is_empty() => not_read("no such file".into(), notices),
            Err(error) => not_read(error, notices),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_diagnostics::FileId;

    #[test]
    fn local_includes_are_read_and_others_noticed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("api.yaml"),
            "openapi: 3.0.1\npaths:\n  /x:\n    get:\n      security: [{Auth: []}]\n",
        )
        .unwrap();
        let text = "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      DefinitionBody:\n        Fn::Transform:\n          Name: AWS::Include\n          Parameters:\n            Location: api.yaml\n      Other:\n        Fn::Transform:\n          Name: AWS::Include\n          Parameters:\n            Location: s3://bucket/x.yaml\n      Missing:\n        Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./gone.yaml}}\n";
        let root = parse::parse_yaml(text, FileId(0)).unwrap();
        let mut notices = Vec::new();
        let expanded = expand_includes(&root, Some(dir.path()), &mut notices);
        let body = expanded
            .path("Resources.Api.Properties.DefinitionBody")
            .unwrap();
        assert_eq!(
            body.path("paths./x.get.security").map(|s| s.items().len()),
            Some(1)
        );
        // Spans point at the `Location` that included the file.
        let location = text.find("api.yaml").unwrap();
        assert_eq!(body.span.start as usize, location);
        assert!(expanded
            .path("Resources.Api.Properties.Other")
            .unwrap()
            .is_unknown());
        assert_eq!(notices.len(), 2);
        assert!(notices[0].message.contains("s3://bucket/x.yaml"));
        assert!(notices[1].message.contains("no such file"));
    }
}
