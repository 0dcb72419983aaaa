//! The value tree every loader produces: YAML and JSON nodes with their byte spans.
//!
//! A loaded template is one [`Node`] tree. After intrinsic resolution the same type also
//! carries what resolution learned: a value may be a reference to another resource, unknown
//! (it depends on something the scanner cannot see), or one of several possible values (an
//! undecided condition). Rules must treat [`Value::Unknown`] as "cannot tell", never as a
//! violation.

use std::fmt;

use warden_diagnostics::Span;

/// A value with the span of the text it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// Set when the value was resolved from a template parameter (`Ref: Param`).
    pub parameter: Option<Box<str>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as written; parse with [`Node::as_f64`] / [`Node::as_i64`].
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Map),
    /// `Ref` or `Fn::GetAtt` to a resource in the same template.
    ResourceRef {
        logical_id: String,
        attribute: Option<String>,
    },
    /// A value the scanner cannot know. `partial` is a best-effort rendering with the
    /// unknown parts as `${...}` placeholders (e.g. from `Fn::Sub`).
    Unknown {
        reason: String,
        partial: Option<String>,
    },
    /// The value depends on a condition that cannot be decided: any of these may apply.
    OneOf(Vec<Node>),
}

/// A mapping that keeps its keys' spans and their order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map {
    pub entries: Vec<(Key, Node)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Map {
    pub fn get(&self, name: &str) -> Option<&Node> {
        self.entries
            .iter()
            .find(|(key, _)| key.name == name)
            .map(|(_, node)| node)
    }

    pub fn get_entry(&self, name: &str) -> Option<(&Key, &Node)> {
        self.entries
            .iter()
            .find(|(key, _)| key.name == name)
            .map(|(key, node)| (key, node))
    }

    /// Case-insensitive lookup, for property names that users spell loosely (Serverless).
    pub fn get_ignore_case(&self, name: &str) -> Option<&Node> {
        self.entries
            .iter()
            .find(|(key, _)| key.name.eq_ignore_ascii_case(name))
            .map(|(_, node)| node)
    }

    pub fn insert(&mut self, key: Key, node: Node) {
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| k.name == key.name) {
            slot.1 = node;
        } else {
            self.entries.push((key, node));
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Node> {
        let index = self.entries.iter().position(|(key, _)| key.name == name)?;
        Some(self.entries.remove(index).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Node)> {
        self.entries.iter().map(|(key, node)| (key, node))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| key.name.as_str())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node {
            value,
            span,
            parameter: None,
        }
    }

    pub fn string(text: impl Into<String>, span: Span) -> Self {
        Node::new(Value::String(text.into()), span)
    }

    pub fn map(map: Map, span: Span) -> Self {
        Node::new(Value::Map(map), span)
    }

    pub fn unknown(reason: impl Into<String>, span: Span) -> Self {
        Node::new(
            Value::Unknown {
                reason: reason.into(),
                partial: None,
            },
            span,
        )
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The string value, also for numbers and booleans written as scalars.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) | Value::Number(text) => Some(text),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_str()?.trim().parse().ok()
    }

    pub fn as_i64(&self) -> Option<i64> {
        let text = self.as_str()?.trim();
        text.parse::<i64>()
            .ok()
            .or_else(|| text.parse::<f64>().ok().map(|value| value as i64))
    }

    /// Booleans as CloudFormation reads them: `true`, `"true"`, `"True"`.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(value) => Some(*value),
            Value::String(text) => match text.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Node> {
        self.as_map()?.get(name)
    }

    /// Follows a dotted path of map keys (`"Environment.Variables"`).
    pub fn path(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |node, key| node.get(key))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown { .. })
    }

    /// True when the value cannot be known in any of its possible forms.
    pub fn is_known(&self) -> bool {
        match &self.value {
            Value::Unknown { .. } => false,
            Value::OneOf(options) => options.iter().all(Node::is_known),
            _ => true,
        }
    }

    /// True when no part of the value, at any depth, is unknown.
    pub fn is_fully_known(&self) -> bool {
        match &self.value {
            Value::Unknown { .. } => false,
            Value::Seq(items) | Value::OneOf(items) => items.iter().all(Node::is_fully_known),
            Value::Map(map) => map.entries.iter().all(|(_, node)| node.is_fully_known()),
            _ => true,
        }
    }

    /// The possible values: the node itself, or each option of an undecided condition
    /// (flattened).
    pub fn alternatives(&self) -> Vec<&Node> {
        match &self.value {
            Value::OneOf(options) => options.iter().flat_map(Node::alternatives).collect(),
            _ => vec![self],
        }
    }

    /// Items of a sequence; a scalar counts as a one-item list (IAM `Action: "s3:*"`).
    /// Options of an undecided condition are all included.
    pub fn items(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        for alternative in self.alternatives() {
            match &alternative.value {
                Value::Seq(items) => {
                    for item in items {
                        out.extend(item.alternatives());
                    }
                }
                Value::Null => {}
                _ => out.push(alternative),
            }
        }
        out
    }

    pub fn resource_ref(&self) -> Option<&str> {
        match &self.value {
            Value::ResourceRef { logical_id, .. } => Some(logical_id),
            _ => None,
        }
    }

    /// A short human rendering of the value for messages.
    pub fn display(&self) -> String {
        match &self.value {
            Value::Null => "null".to_string(),
            Value::Bool(value) => value.to_string(),
            Value::Number(text) | Value::String(text) => text.clone(),
            Value::Seq(items) => format!("[{} items]", items.len()),
            Value::Map(map) => format!("{{{} keys}}", map.len()),
            Value::ResourceRef {
                logical_id,
                attribute: Some(attribute),
            } => format!("{logical_id}.{attribute}"),
            Value::ResourceRef { logical_id, .. } => logical_id.clone(),
            Value::Unknown {
                partial: Some(partial),
                ..
            } => partial.clone(),
            Value::Unknown { reason, .. } => format!("<unknown: {reason}>"),
            Value::OneOf(options) => options
                .iter()
                .map(Node::display)
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }

    /// Counts nodes, to bound the work that aliases and expansion may cause.
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) | Value::OneOf(items) => items.iter().map(Node::size).sum(),
            Value::Map(map) => map.entries.iter().map(|(_, node)| node.size()).sum(),
            _ => 0,
        }
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Converts a resolved node to JSON (unknown parts become `null`), for policy documents
/// and data that rules read as plain values.
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as Json;
    match &node.value {
        Value::Null | Value::Unknown { .. } => Json::Null,
        Value::Bool(value) => Json::Bool(*value),
        Value::Number(text) => text
            .parse::<serde_json::Number>()
            .map(Json::Number)
            .unwrap_or_else(|_| Json::String(text.clone())),
        Value::String(text) => Json::String(text.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => Json::Object(
            map.entries
                .iter()
                .map(|(key, node)| (key.name.clone(), to_json(node)))
                .collect(),
        ),
        Value::ResourceRef { .. } => Json::String(node.display()),
        Value::OneOf(options) => options.first().map(to_json).unwrap_or(Json::Null),
    }
}
