//! YAML and JSON text to [`Node`] trees with byte spans.
//!
//! CloudFormation's YAML short forms (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) are rewritten to
//! their JSON long forms (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`) so that the rest of
//! Warden sees one shape whatever the input format. Duplicate keys and unknown tags are
//! errors with their location, as CloudFormation itself rejects them.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use warden_diagnostics::{FileId, Span};

use crate::node::{Key, Map, Node, Value};

/// A syntax error at a byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl ParseError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        ParseError {
            offset,
            message: message.into(),
        }
    }
}

/// Nodes beyond this count (after alias expansion) are refused: a "billion laughs" guard.
const MAX_NODES: usize = 2_000_000;
/// Nesting beyond this depth is refused, so that recursion elsewhere stays bounded.
pub const MAX_DEPTH: usize = 200;

/// The intrinsic functions CloudFormation accepts as YAML short tags.
const FUNCTION_TAGS: &[&str] = &[
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "If",
    "Equals",
    "And",
    "Or",
    "Not",
    "Length",
    "ToJsonString",
    "ForEach",
    "GetAtt",
];

/// Parses YAML text into a node tree.
///
/// CloudFormation (like PyYAML) accepts flow collections and quoted scalars whose
/// continuation lines are not indented past their key, which strict YAML rejects. When the
/// strict parse fails only for that reason, the offending lines are indented a little more
/// and the parse retried; spans are mapped back to the original text.
pub fn parse_yaml(text: &str, file: FileId) -> Result<Node, ParseError> {
    let first = parse_yaml_strict(text, file);
    let Err(first_error) = &first else {
        return first;
    };
    if !first_error.message.starts_with("invalid indentation")
        || first_error.message.contains("anchor")
    {
        return first;
    }
    let mut shifted = Reindented::new(text);
    for _ in 0..MAX_REINDENT_ATTEMPTS {
        let attempt = parse_yaml_strict(&shifted.text, file);
        match attempt {
            Ok(mut node) => {
                shifted.map_node(&mut node);
                return Ok(node);
            }
            Err(error)
                if error.message.starts_with("invalid indentation")
                    && !error.message.contains("anchor") =>
            {
                if !shifted.indent_more(&error) {
                    break;
                }
            }
            Err(mut error) => {
                error.offset = shifted.original_offset(error.offset);
                return Err(error);
            }
        }
    }
    first
}

/// Retries allowed for indentation leniency; each retry re-parses the file.
const MAX_REINDENT_ATTEMPTS: usize = 400;

/// The text with extra spaces at the start of some lines, and the way back.
struct Reindented {
    original_line_starts: Vec<usize>,
    extra: Vec<usize>,
    text: String,
    line_starts: Vec<usize>,
    original: String,
}

impl Reindented {
    fn new(text: &str) -> Self {
        let original_line_starts = line_starts(text);
        let lines = original_line_starts.len();
        Reindented {
            original_line_starts: original_line_starts.clone(),
            extra: vec![0; lines],
            text: text.to_string(),
            line_starts: original_line_starts,
            original: text.to_string(),
        }
    }

    /// Indents the lines the error blames by one more space; false when nothing changed.
    fn indent_more(&mut self, error: &ParseError) -> bool {
        let line = self.line_of(error.offset);
        let lines: Vec<usize> = if error.message.contains("quoted scalar") {
            // The error points at the scalar's start: shift its continuation lines.
            let end = quoted_scalar_end(&self.text, error.offset);
            let last = self.line_of(end);
            (line + 1..=last).collect()
        } else {
            vec![line]
        };
        if lines.is_empty() {
            return false;
        }
        for line in lines {
            if let Some(extra) = self.extra.get_mut(line) {
                *extra += 1;
            }
        }
        self.rebuild();
        true
    }

    fn rebuild(&mut self) {
        let mut text =
            String::with_capacity(self.original.len() + self.extra.iter().sum::<usize>());
        for (index, &start) in self.original_line_starts.iter().enumerate() {
            let end = self
                .original_line_starts
                .get(index + 1)
                .copied()
                .unwrap_or(self.original.len());
            text.extend(std::iter::repeat_n(' ', self.extra[index]));
            text.push_str(&self.original[start..end]);
        }
        self.line_starts = line_starts(&text);
        self.text = text;
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    fn original_offset(&self, offset: usize) -> usize {
        let line = self.line_of(offset);
        let column = offset - self.line_starts[line];
        self.original_line_starts[line] + column.saturating_sub(self.extra[line])
    }

    fn map_node(&self, node: &mut Node) {
        node.span.start = self.original_offset(node.span.start as usize) as u32;
        node.span.end = self.original_offset(node.span.end as usize) as u32;
        match &mut node.value {
            Value::Seq(items) | Value::OneOf(items) => {
                items.iter_mut().for_each(|item| self.map_node(item))
            }
            Value::Map(map) => {
                for (key, value) in map.entries.iter_mut() {
                    key.span.start = self.original_offset(key.span.start as usize) as u32;
                    key.span.end = self.original_offset(key.span.end as usize) as u32;
                    self.map_node(value);
                }
            }
            _ => {}
        }
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(index, _)| index + 1))
        .collect()
}

/// The offset of the closing quote of the quoted scalar starting at or after `start`.
fn quoted_scalar_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let Some(open) = bytes[start.min(bytes.len())..]
        .iter()
        .position(|&b| b == b'\'' || b == b'"')
    else {
        return start;
    };
    let open = start + open;
    let quote = bytes[open];
    let mut index = open + 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' if quote == b'"' => index += 2,
            b'\'' if quote == b'\'' && bytes.get(index + 1) == Some(&b'\'') => index += 2,
            byte if byte == quote => return index,
            _ => index += 1,
        }
    }
    bytes.len().saturating_sub(1)
}

fn parse_yaml_strict(text: &str, file: FileId) -> Result<Node, ParseError> {
    let offsets = CharOffsets::new(text);
    let mut builder = YamlBuilder {
        file,
        offsets: &offsets,
        text,
        stack: Vec::new(),
        anchors: Vec::new(),
        node_count: 0,
        root: None,
    };
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|error| {
            ParseError::new(offsets.byte(error.marker().index()), explain(error.info()))
        })?;
        let start = offsets.byte(span.start.index());
        let end = offsets.byte(span.end.index());
        if builder.event(event, start, end)? {
            break;
        }
    }
    Ok(builder
        .root
        .unwrap_or_else(|| Node::new(Value::Null, Span::new(file, 0, 0))))
}

/// Rewords the YAML parser's terser messages.
fn explain(message: &str) -> String {
    match message {
        "simple key expect ':'" | "simple key expected ':'" => {
            "expected `:` after a mapping key (is a line missing its `key:` or mis-indented?)"
                .to_string()
        }
        "mapping values are not allowed in this context" => {
            "a `key: value` pair is not allowed here (quote values that contain `: `)".to_string()
        }
        other => other.to_string(),
    }
}

/// Maps the parser's character indices to byte offsets.
struct CharOffsets {
    /// Empty for ASCII text, where the two are equal.
    bytes: Vec<u32>,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            return CharOffsets { bytes: Vec::new() };
        }
        let mut bytes: Vec<u32> = text
            .char_indices()
            .map(|(offset, _)| offset as u32)
            .collect();
        bytes.push(text.len() as u32);
        CharOffsets { bytes }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.bytes.is_empty() {
            return char_index;
        }
        let last = *self.bytes.last().unwrap_or(&0) as usize;
        self.bytes.get(char_index).map_or(last, |&b| b as usize)
    }
}

enum Frame {
    Seq {
        start: usize,
        tag: Option<String>,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        tag: Option<String>,
        anchor: usize,
        map: Map,
        pending_key: Option<Key>,
    },
}

struct YamlBuilder<'a> {
    file: FileId,
    offsets: &'a CharOffsets,
    text: &'a str,
    stack: Vec<Frame>,
    anchors: Vec<(usize, Node)>,
    node_count: usize,
    root: Option<Node>,
}

impl YamlBuilder<'_> {
    /// Handles one event; returns true once the first document is complete.
    fn event(&mut self, event: Event<'_>, start: usize, end: usize) -> Result<bool, ParseError> {
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag_name(tag.as_deref(), start)?;
                let node = self.scalar(value, style, tag.as_deref(), start, end)?;
                self.push(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => {
                let tag = tag_name(tag.as_deref(), start)?;
                self.open(start)?;
                self.stack.push(Frame::Seq {
                    start,
                    tag,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                let tag = tag_name(tag.as_deref(), start)?;
                self.open(start)?;
                self.stack.push(Frame::Map {
                    start,
                    tag,
                    anchor,
                    map: Map::default(),
                    pending_key: None,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start: seq_start,
                    tag,
                    anchor,
                    items,
                }) = self.stack.pop()
                {
                    let span_end = items
                        .last()
                        .map_or(end, |n| n.span.end as usize)
                        .max(seq_start);
                    let span = Span::new(self.file, seq_start, span_end.max(end.min(span_end + 1)));
                    let node = apply_tag(Node::new(Value::Seq(items), span), tag.as_deref());
                    self.push(node, anchor)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start: map_start,
                    tag,
                    anchor,
                    map,
                    ..
                }) = self.stack.pop()
                {
                    let span_end = map
                        .entries
                        .last()
                        .map_or(end, |(_, n)| n.span.end as usize)
                        .max(map_start);
                    let span = Span::new(self.file, map_start, span_end);
                    let node = apply_tag(Node::new(Value::Map(map), span), tag.as_deref());
                    self.push(node, anchor)?;
                }
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(anchor, _)| *anchor == id)
                    .map(|(_, node)| node.clone())
                    .ok_or_else(|| ParseError::new(start, "alias to an unknown anchor"))?;
                self.node_count += node.size();
                if self.node_count > MAX_NODES {
                    return Err(ParseError::new(
                        start,
                        "document too large after alias expansion",
                    ));
                }
                self.push(node, 0)?;
            }
            Event::DocumentEnd => return Ok(self.root.is_some()),
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::Nothing => {}
        }
        Ok(false)
    }

    fn open(&mut self, offset: usize) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError::new(
                offset,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&str>,
        start: usize,
        end: usize,
    ) -> Result<Node, ParseError> {
        let span = Span::new(self.file, start, end);
        let text = value.into_owned();
        let value = match (style, tag) {
            (_, Some("!!str")) => Value::String(text),
            (ScalarStyle::Plain, None | Some("!!int" | "!!float" | "!!bool" | "!!null")) => {
                plain_scalar(text)
            }
            _ => Value::String(text),
        };
        Ok(apply_tag(Node::new(value, span), tag))
    }

    fn push(&mut self, node: Node, anchor: usize) -> Result<(), ParseError> {
        self.node_count += 1;
        if self.node_count > MAX_NODES {
            return Err(ParseError::new(
                node.span.start as usize,
                "document too large",
            ));
        }
        if anchor != 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                map, pending_key, ..
            }) => match pending_key.take() {
                None => {
                    let name = match &node.value {
                        Value::String(text) | Value::Number(text) => text.clone(),
                        Value::Bool(value) => value.to_string(),
                        Value::Null => String::new(),
                        _ => {
                            return Err(ParseError::new(
                                node.span.start as usize,
                                "complex mapping keys are not supported in templates",
                            ))
                        }
                    };
                    if let Some((first, _)) = map.get_entry(&name) {
                        let first_line = line_of(self.text, first.span.start as usize);
                        return Err(ParseError::new(
                            node.span.start as usize,
                            format!("duplicate key `{name}` (first defined on line {first_line})"),
                        ));
                    }
                    *pending_key = Some(Key {
                        name,
                        span: node.span,
                    });
                }
                Some(key) => map.entries.push((key, node)),
            },
        }
        let _ = self.offsets;
        Ok(())
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The tag as written (`!Ref`, `!!str`), or an error for tags CloudFormation does not know.
fn tag_name(tag: Option<&Tag>, offset: usize) -> Result<Option<String>, ParseError> {
    let Some(tag) = tag else { return Ok(None) };
    if tag.handle == "!" {
        let name = tag.suffix.as_str();
        if name == "Ref" || name == "Condition" || FUNCTION_TAGS.contains(&name) {
            return Ok(Some(format!("!{name}")));
        }
        return Err(ParseError::new(offset, format!("unknown tag `!{name}`")));
    }
    if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
        let name = tag.suffix.as_str();
        return match name {
            "str" | "int" | "float" | "bool" | "null" | "map" | "seq" => {
                Ok(Some(format!("!!{name}")))
            }
            _ => Err(ParseError::new(offset, format!("unknown tag `!!{name}`"))),
        };
    }
    Err(ParseError::new(
        offset,
        format!("unknown tag `{}{}`", tag.handle, tag.suffix),
    ))
}

/// Rewrites a short-form intrinsic to its long form.
fn apply_tag(node: Node, tag: Option<&str>) -> Node {
    let Some(name) = tag.and_then(|tag| tag.strip_prefix('!')) else {
        return node;
    };
    if name.starts_with('!') {
        return node;
    }
    let span = node.span;
    let (key, value) = match name {
        "Ref" => ("Ref".to_string(), node),
        "Condition" => ("Condition".to_string(), node),
        "GetAtt" => {
            let value = match &node.value {
                Value::String(text) => {
                    // `!GetAtt Resource.Attribute.With.Dots`: the first dot splits.
                    let (resource, attribute) = text.split_once('.').unwrap_or((text, ""));
                    Node::new(
                        Value::Seq(vec![
                            Node::string(resource, span),
                            Node::string(attribute, span),
                        ]),
                        span,
                    )
                }
                _ => node,
            };
            ("Fn::GetAtt".to_string(), value)
        }
        other => (format!("Fn::{other}"), node),
    };
    let mut map = Map::default();
    map.entries.push((Key { name: key, span }, value));
    Node::map(map, span)
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn plain_scalar(text: String) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if looks_numeric(&text) {
        Value::Number(text)
    } else {
        Value::String(text)
    }
}

fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    if body.is_empty() {
        return false;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(octal) = body.strip_prefix("0o") {
        return !octal.is_empty() && octal.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    // Leading zeros ("0123", e.g. account ids) stay strings: CloudFormation keeps them.
    if body.len() > 1 && body.starts_with('0') && !body.starts_with("0.") {
        return false;
    }
    matches!(body, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN")
        || (body.bytes().any(|b| b.is_ascii_digit())
            && body.parse::<f64>().is_ok()
            && body
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+')))
}

/// Parses JSON text into a node tree.
pub fn parse_json(text: &str, file: FileId) -> Result<Node, ParseError> {
    use jsonc_parser::{ast, CollectOptions, ParseOptions};
    let options = ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: true,
        ..ParseOptions::default()
    };
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options)
        .map_err(|error| ParseError::new(error.range().start, error.kind().to_string()))?;
    let Some(value) = parsed.value else {
        return Ok(Node::new(Value::Null, Span::new(file, 0, 0)));
    };

    fn convert(
        value: &ast::Value<'_>,
        file: FileId,
        text: &str,
        depth: usize,
    ) -> Result<Node, ParseError> {
        let range = value_range(value);
        if depth > MAX_DEPTH {
            return Err(ParseError::new(
                range.start,
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        let span = Span::new(file, range.start, range.end);
        let node_value = match value {
            ast::Value::StringLit(lit) => Value::String(lit.value.to_string()),
            ast::Value::NumberLit(lit) => Value::Number(lit.value.to_string()),
            ast::Value::BooleanLit(lit) => Value::Bool(lit.value),
            ast::Value::NullKeyword(_) => Value::Null,
            ast::Value::Array(array) => Value::Seq(
                array
                    .elements
                    .iter()
                    .map(|element| convert(element, file, text, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            ast::Value::Object(object) => {
                let mut map = Map::default();
                for property in &object.properties {
                    let (name, name_range) = match &property.name {
                        ast::ObjectPropName::String(lit) => (lit.value.to_string(), lit.range),
                        ast::ObjectPropName::Word(word) => (word.value.to_string(), word.range),
                    };
                    if let Some((first, _)) = map.get_entry(&name) {
                        let first_line = line_of(text, first.span.start as usize);
                        return Err(ParseError::new(
                            name_range.start,
                            format!("duplicate key `{name}` (first defined on line {first_line})"),
                        ));
                    }
                    let key = Key {
                        name,
                        span: Span::new(file, name_range.start, name_range.end),
                    };
                    map.entries
                        .push((key, convert(&property.value, file, text, depth + 1)?));
                }
                Value::Map(map)
            }
        };
        Ok(Node::new(node_value, span))
    }

    fn value_range(value: &ast::Value<'_>) -> jsonc_parser::common::Range {
        match value {
            ast::Value::StringLit(lit) => lit.range,
            ast::Value::NumberLit(lit) => lit.range,
            ast::Value::BooleanLit(lit) => lit.range,
            ast::Value::NullKeyword(lit) => lit.range,
            ast::Value::Array(array) => array.range,
            ast::Value::Object(object) => object.range,
        }
    }

    convert(&value, file, text, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Node {
        parse_yaml(text, FileId(0)).unwrap()
    }

    #[test]
    fn short_tags_become_long_forms() {
        let root = yaml(
            "A: !Ref Param\nB: !GetAtt Role.Arn\nC: !Sub 'x-${AWS::Region}'\nD: !If [Cond, 1, 2]\n",
        );
        assert_eq!(root.path("A.Ref").unwrap().as_str(), Some("Param"));
        let get_att = root.path("B.Fn::GetAtt").unwrap().as_seq().unwrap();
        assert_eq!(get_att[0].as_str(), Some("Role"));
        assert_eq!(get_att[1].as_str(), Some("Arn"));
        assert_eq!(
            root.path("C.Fn::Sub").unwrap().as_str(),
            Some("x-${AWS::Region}")
        );
        assert_eq!(root.path("D.Fn::If").unwrap().as_seq().unwrap().len(), 3);
    }

    #[test]
    fn spans_point_at_values_in_bytes() {
        let text = "Name: é\nValue: 'secret'\n";
        let root = yaml(text);
        let value = root.get("Value").unwrap();
        assert_eq!(
            &text[value.span.start as usize..value.span.end as usize],
            "'secret'"
        );
        assert_eq!(value.as_str(), Some("secret"));
    }

    #[test]
    fn tagged_scalar_span_covers_tag() {
        let text = "Role: !GetAtt R.Arn\n";
        let root = yaml(text);
        let role = root.get("Role").unwrap();
        assert_eq!(
            &text[role.span.start as usize..role.span.end as usize],
            "!GetAtt R.Arn"
        );
    }

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        let root = yaml("a: 30\nb: true\nc: ~\nd: 0123\ne: 1.5\nf: '30'\ng: nodejs18.x\n");
        assert_eq!(root.get("a").unwrap().value, Value::Number("30".into()));
        assert_eq!(root.get("b").unwrap().value, Value::Bool(true));
        assert_eq!(root.get("c").unwrap().value, Value::Null);
        assert_eq!(root.get("d").unwrap().value, Value::String("0123".into()));
        assert_eq!(root.get("e").unwrap().as_f64(), Some(1.5));
        assert_eq!(root.get("f").unwrap().value, Value::String("30".into()));
        assert_eq!(
            root.get("g").unwrap().value,
            Value::String("nodejs18.x".into())
        );
    }

    #[test]
    fn duplicate_keys_are_located_errors() {
        let error = parse_yaml("a: 1\nb: 2\na: 3\n", FileId(0)).unwrap_err();
        assert_eq!(error.offset, 10);
        assert!(
            error.message.contains("duplicate key `a`"),
            "{}",
            error.message
        );
        let error = parse_json("{\"a\": 1,\n \"a\": 2}", FileId(0)).unwrap_err();
        assert_eq!(error.offset, 10);
        assert!(error.message.contains("first defined on line 1"));
    }

    #[test]
    fn unknown_tags_are_errors() {
        let error = parse_yaml("a: !Foo bar\n", FileId(0)).unwrap_err();
        assert!(
            error.message.contains("unknown tag `!Foo`"),
            "{}",
            error.message
        );
        assert_eq!(error.offset, 3);
    }

    #[test]
    fn aliases_are_expanded_and_bounded() {
        let root = yaml("a: &x {k: v}\nb: *x\n");
        assert_eq!(root.path("b.k").unwrap().as_str(), Some("v"));
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..8 {
            let prev = (b'a' + level - 1) as char;
            let name = (b'a' + level) as char;
            bomb.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let error = parse_yaml(&bomb, FileId(0)).unwrap_err();
        assert!(error.message.contains("too large"));
    }

    #[test]
    fn flow_content_at_the_key_indentation_is_accepted_like_cloudformation_does() {
        let text = "Resources:\n  P:\n    Properties:\n      Resource: [\n      a,\n      b\n      ]\n      Doc: !Sub '{\n        \"x\": 1\n      }'\n      After: z\n";
        let root = yaml(text);
        let resource = root.path("Resources.P.Properties.Resource").unwrap();
        assert_eq!(resource.as_seq().unwrap().len(), 2);
        let b = &resource.as_seq().unwrap()[1];
        assert_eq!(&text[b.span.start as usize..b.span.end as usize], "b");
        let after = root.path("Resources.P.Properties.After").unwrap();
        assert_eq!(
            &text[after.span.start as usize..after.span.end as usize],
            "z"
        );
        assert!(root
            .path("Resources.P.Properties.Doc.Fn::Sub")
            .unwrap()
            .as_str()
            .unwrap()
            .contains("\"x\": 1"));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = "[".repeat(10_000);
        assert!(parse_yaml(&deep, FileId(0)).is_err());
        let deep_json = "[".repeat(10_000);
        assert!(parse_json(&deep_json, FileId(0)).is_err());
    }

    #[test]
    fn json_keeps_spans() {
        let text = "{\"Resources\": {\"Fn\": {\"Type\": \"AWS::Lambda::Function\"}}}";
        let root = parse_json(text, FileId(0)).unwrap();
        let kind = root.path("Resources.Fn.Type").unwrap();
        assert_eq!(
            &text[kind.span.start as usize..kind.span.end as usize],
            "\"AWS::Lambda::Function\""
        );
    }
}
