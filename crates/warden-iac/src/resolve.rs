//! Intrinsic function resolution with three-valued results.
//!
//! A value is known (a literal), a reference to a resource, unknown (it depends on
//! something outside the template: an import, a parameter without default, the account id)
//! or one of several values (an undecided condition). Nothing is guessed: the peers' false
//! positives come from treating what they cannot resolve as a violation.

use std::collections::HashMap;

use warden_diagnostics::Span;

use crate::node::{Key, Map, Node, Value};
use crate::parse::MAX_DEPTH;

/// A template parameter as resolution sees it.
#[derive(Clone, Debug)]
pub struct ParameterValue {
    /// The value supplied on the command line or in a parameters file.
    pub supplied: Option<String>,
    pub default: Option<Node>,
    pub no_echo: bool,
    pub list: bool,
    /// A parent stack passes a value Warden cannot know: the default does not apply.
    pub passed_unknown: bool,
}

/// What intrinsic functions can see: parameters, mappings, conditions, resources.
pub struct Resolver<'a> {
    pub parameters: &'a HashMap<String, ParameterValue>,
    pub mappings: Option<&'a Node>,
    pub conditions: Option<&'a Node>,
    pub resources: &'a HashMap<String, String>,
    /// Values for pseudo parameters (`AWS::Region`, `AWS::AccountId`) supplied by the user.
    pub pseudo: &'a HashMap<String, String>,
    condition_cache: std::cell::RefCell<HashMap<String, Option<bool>>>,
}

/// The result of resolving a map entry or list item that `AWS::NoValue` may remove.
enum Resolved {
    Node(Node),
    NoValue,
}

impl<'a> Resolver<'a> {
    pub fn new(
        parameters: &'a HashMap<String, ParameterValue>,
        mappings: Option<&'a Node>,
        conditions: Option<&'a Node>,
        resources: &'a HashMap<String, String>,
        pseudo: &'a HashMap<String, String>,
    ) -> Self {
        Resolver {
            parameters,
            mappings,
            conditions,
            resources,
            pseudo,
            condition_cache: Default::default(),
        }
    }

    /// Resolves every intrinsic function in `node`.
    pub fn resolve(&self, node: &Node) -> Node {
        match self.resolve_inner(node, 0) {
            Resolved::Node(node) => node,
            Resolved::NoValue => Node::new(Value::Null, node.span),
        }
    }

    fn resolve_inner(&self, node: &Node, depth: usize) -> Resolved {
        if depth > MAX_DEPTH {
            return Resolved::Node(Node::unknown("nested too deeply", node.span));
        }
        match &node.value {
            Value::Map(map) => {
                if map.len() == 1 {
                    let (key, argument) = &map.entries[0];
                    if let Some(resolved) = self.function(&key.name, argument, node.span, depth) {
                        return resolved;
                    }
                }
                let mut out = Map::default();
                for (key, value) in &map.entries {
                    if let Resolved::Node(value) = self.resolve_inner(value, depth + 1) {
                        out.entries.push((key.clone(), value));
                    }
                }
                Resolved::Node(Node::map(out, node.span))
            }
            Value::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Resolved::Node(item) = self.resolve_inner(item, depth + 1) {
                        out.push(item);
                    }
                }
                Resolved::Node(Node::new(Value::Seq(out), node.span))
            }
            _ => Resolved::Node(node.clone()),
        }
    }

    fn node(&self, node: &Node, depth: usize) -> Node {
        match self.resolve_inner(node, depth + 1) {
            Resolved::Node(node) => node,
            Resolved::NoValue => Node::new(Value::Null, node.span),
        }
    }

    /// Resolves an intrinsic function; `None` when `name` is not one.
    fn function(&self, name: &str, argument: &Node, span: Span, depth: usize) -> Option<Resolved> {
        let resolved = match name {
            "Ref" => return Some(self.reference(argument, span)),
            "Fn::GetAtt" => self.get_att(argument, span, depth),
            "Fn::Sub" => self.sub(argument, span, depth),
            "Fn::Join" => self.join(argument, span, depth),
            "Fn::Select" => self.select(argument, span, depth),
            "Fn::Split" => self.split(argument, span, depth),
            "Fn::FindInMap" => self.find_in_map(argument, span, depth),
            "Fn::If" => return Some(self.if_function(argument, span, depth)),
            "Fn::Base64" => {
                // The decoded value is what a rule must see (a secret stays a secret).
                let mut inner = self.node(argument, depth);
                inner.span = span;
                inner
            }
            "Fn::ImportValue" => {
                let what = self.node(argument, depth);
                Node::unknown(format!("Fn::ImportValue {}", what.display()), span)
            }
            "Fn::GetAZs" | "Fn::Cidr" | "Fn::Length" | "Fn::ToJsonString" | "Fn::Transform"
            | "Fn::ForEach" => Node::unknown(name.to_string(), span),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" | "Condition" => {
                match self.condition_expr(&Node::map(single(name, argument.clone(), span), span), 0)
                {
                    Some(value) => Node::new(Value::Bool(value), span),
                    None => Node::unknown(format!("undecided {name}"), span),
                }
            }
            _ => return None,
        };
        Some(Resolved::Node(resolved))
    }

    fn reference(&self, argument: &Node, span: Span) -> Resolved {
        let Some(name) = argument.as_str() else {
            return Resolved::Node(Node::unknown("Ref to a computed name", span));
        };
        if name == "AWS::NoValue" {
            return Resolved::NoValue;
        }
        if let Some(value) = self.pseudo_parameter(name) {
            return Resolved::Node(match value {
                Some(text) => Node::string(text, span),
                None => Node::new(
                    Value::Unknown {
                        reason: name.to_string(),
                        partial: Some(format!("${{{name}}}")),
                    },
                    span,
                ),
            });
        }
        if let Some(parameter) = self.parameters.get(name) {
            let mut node = self.parameter_value(name, parameter, span);
            node.parameter = Some(name.into());
            return Resolved::Node(node);
        }
        if self.resources.contains_key(name) {
            return Resolved::Node(Node::new(
                Value::ResourceRef {
                    logical_id: name.to_string(),
                    attribute: None,
                },
                span,
            ));
        }
        Resolved::Node(Node::unknown(format!("Ref to undefined `{name}`"), span))
    }

    fn parameter_value(&self, name: &str, parameter: &ParameterValue, span: Span) -> Node {
        if parameter.passed_unknown {
            return Node::new(
                Value::Unknown {
                    reason: format!("parameter `{name}` passed by the parent stack"),
                    partial: Some(format!("${{{name}}}")),
                },
                span,
            );
        }
        if let Some(supplied) = &parameter.supplied {
            if parameter.list {
                let items = supplied
                    .split(',')
                    .map(|item| Node::string(item.trim(), span))
                    .collect();
                return Node::new(Value::Seq(items), span);
            }
            return Node::string(supplied.clone(), span);
        }
        match &parameter.default {
            Some(default) => {
                let mut value = default.clone();
                // Point at the use, not the default, so findings land where the value is used.
                value.span = span;
                if parameter.list {
                    if let Some(text) = value.as_str() {
                        let items = text
                            .split(',')
                            .map(|item| Node::string(item.trim(), span))
                            .collect();
                        return Node::new(Value::Seq(items), span);
                    }
                }
                value
            }
            None => Node::new(
                Value::Unknown {
                    reason: format!("parameter `{name}` has no default"),
                    partial: Some(format!("${{{name}}}")),
                },
                span,
            ),
        }
    }

    /// `Some(Some(value))` for a known pseudo parameter, `Some(None)` for one that is
    /// unknown here, `None` for other names.
    fn pseudo_parameter(&self, name: &str) -> Option<Option<String>> {
        if !name.starts_with("AWS::") {
            return None;
        }
        if let Some(value) = self.pseudo.get(name) {
            return Some(Some(value.clone()));
        }
        match name {
            "AWS::Partition" => Some(Some("aws".to_string())),
            "AWS::URLSuffix" => Some(Some("amazonaws.com".to_string())),
            "AWS::AccountId"
            | "AWS::Region"
            | "AWS::StackName"
            | "AWS::StackId"
            | "AWS::NotificationARNs" => Some(None),
            _ => None,
        }
    }

    fn get_att(&self, argument: &Node, span: Span, depth: usize) -> Node {
        let argument = self.node(argument, depth);
        let (resource, attribute) = match &argument.value {
            Value::Seq(items) if items.len() == 2 => (
                items[0].as_str().map(str::to_string),
                items[1].as_str().map(str::to_string),
            ),
            Value::String(text) => {
                let (resource, attribute) = text.split_once('.').unwrap_or((text, ""));
                (Some(resource.to_string()), Some(attribute.to_string()))
            }
            _ => (None, None),
        };
        match (resource, attribute) {
            (Some(resource), attribute) if self.resources.contains_key(&resource) => Node::new(
                Value::ResourceRef {
                    logical_id: resource,
                    attribute,
                },
                span,
            ),
            (Some(resource), _) => {
                Node::unknown(format!("Fn::GetAtt of undefined `{resource}`"), span)
            }
            _ => Node::unknown("malformed Fn::GetAtt", span),
        }
    }

    fn sub(&self, argument: &Node, span: Span, depth: usize) -> Node {
        let (template, variables) = match &argument.value {
            Value::String(text) => (text.clone(), None),
            Value::Seq(items) if !items.is_empty() => match items[0].as_str() {
                Some(text) => (text.to_string(), items.get(1).and_then(Node::as_map)),
                None => return Node::unknown("malformed Fn::Sub", span),
            },
            _ => return Node::unknown("malformed Fn::Sub", span),
        };
        let mut out = String::with_capacity(template.len());
        let mut known = true;
        let mut reasons = Vec::new();
        let mut rest = template.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let value = match variables.and_then(|vars| vars.get(name)) {
                Some(variable) => self.node(variable, depth),
                None => self.sub_variable(name, span),
            };
            match (&value.value, value.as_str()) {
                (Value::String(_) | Value::Number(_) | Value::Bool(_), Some(text)) => {
                    out.push_str(text)
                }
                _ => {
                    known = false;
                    reasons.push(name.to_string());
                    // A reference renders as CloudFormation writes it (`${Bucket}`,
                    // `${Bucket.Arn}`), whatever the variable was called, so that rules
                    // can tell which resource the text names.
                    match &value.value {
                        Value::ResourceRef {
                            logical_id,
                            attribute,
                        } => {
                            out.push_str("${");
                            out.push_str(logical_id);
                            if let Some(attribute) = attribute {
                                out.push('.');
                                out.push_str(attribute);
                            }
                            out.push('}');
                        }
                        Value::Unknown {
                            partial: Some(partial),
                            ..
                        } => out.push_str(partial),
                        _ => {
                            out.push_str("${");
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                }
            }
        }
        out.push_str(rest);
        if known {
            Node::string(out, span)
        } else {
            Node::new(
                Value::Unknown {
                    reason: format!("Fn::Sub depends on {}", reasons.join(", ")),
                    partial: Some(out),
                },
                span,
            )
        }
    }

    fn sub_variable(&self, name: &str, span: Span) -> Node {
        if let Some((resource, attribute)) = name.split_once('.') {
            if self.resources.contains_key(resource) {
                return Node::new(
                    Value::ResourceRef {
                        logical_id: resource.to_string(),
                        attribute: Some(attribute.to_string()),
                    },
                    span,
                );
            }
        }
        // A `NoEcho` parameter is supplied at deploy time: its default is not the value a
        // text built from it holds (rules judge the default on the parameter itself).
        if self.parameters.get(name).is_some_and(|parameter| {
            parameter.no_echo && parameter.supplied.is_none() && !parameter.passed_unknown
        }) {
            return Node::new(
                Value::Unknown {
                    reason: format!("NoEcho parameter `{name}`"),
                    partial: Some(format!("${{{name}}}")),
                },
                span,
            );
        }
        match self.reference(&Node::string(name, span), span) {
            Resolved::Node(node) => node,
            Resolved::NoValue => Node::string("", span),
        }
    }

    fn join(&self, argument: &Node, span: Span, depth: usize) -> Node {
        let argument = self.node(argument, depth);
        let Some([delimiter, list]) = argument
            .as_seq()
            .and_then(|items| <&[Node; 2]>::try_from(items).ok())
        else {
            return Node::unknown("malformed Fn::Join", span);
        };
        let Some(delimiter) = delimiter.as_str() else {
            return Node::unknown("Fn::Join with a computed delimiter", span);
        };
        let Some(items) = list.as_seq() else {
            return Node::unknown("Fn::Join of a computed list", span);
        };
        let mut parts = Vec::with_capacity(items.len());
        let mut known = true;
        for item in items {
            match (&item.value, item.as_str()) {
                (Value::String(_) | Value::Number(_) | Value::Bool(_), Some(text)) => {
                    parts.push(text.to_string())
                }
                _ => {
                    known = false;
                    parts.push(format!("${{{}}}", item.display()));
                }
            }
        }
        let text = parts.join(delimiter);
        if known {
            Node::string(text, span)
        } else {
            Node::new(
                Value::Unknown {
                    reason: "Fn::Join of unknown parts".into(),
                    partial: Some(text),
                },
                span,
            )
        }
    }

    fn select(&self, argument: &Node, span: Span, depth: usize) -> Node {
        let argument = self.node(argument, depth);
        let Some([index, list]) = argument
            .as_seq()
            .and_then(|items| <&[Node; 2]>::try_from(items).ok())
        else {
            return Node::unknown("malformed Fn::Select", span);
        };
        match (index.as_i64(), list.as_seq()) {
            (Some(index), Some(items)) if index >= 0 && (index as usize) < items.len() => {
                items[index as usize].clone()
            }
            _ => Node::unknown("Fn::Select of unknown values", span),
        }
    }

    fn split(&self, argument: &Node, span: Span, depth: usize) -> Node {
        let argument = self.node(argument, depth);
        let Some([delimiter, source]) = argument
            .as_seq()
            .and_then(|items| <&[Node; 2]>::try_from(items).ok())
        else {
            return Node::unknown("malformed Fn::Split", span);
        };
        match (delimiter.as_str(), &source.value) {
            (Some(delimiter), Value::String(text)) if !delimiter.is_empty() => Node::new(
                Value::Seq(
                    text.split(delimiter)
                        .map(|part| Node::string(part, span))
                        .collect(),
                ),
                span,
            ),
            _ => Node::unknown("Fn::Split of unknown values", span),
        }
    }

    fn find_in_map(&self, argument: &Node, span: Span, depth: usize) -> Node {
        let argument = self.node(argument, depth);
        let Some(items) = argument.as_seq() else {
            return Node::unknown("malformed Fn::FindInMap", span);
        };
        if items.len() < 3 {
            return Node::unknown("malformed Fn::FindInMap", span);
        }
        let default = items
            .get(3)
            .and_then(|options| options.get("DefaultValue"))
            .cloned();
        let keys: Option<Vec<&str>> = items[..3].iter().map(Node::as_str).collect();
        let found = keys.and_then(|keys| {
            self.mappings?
                .get(keys[0])?
                .get(keys[1])?
                .get(keys[2])
                .map(|value| self.node(value, depth))
        });
        match (found, default) {
            (Some(mut value), _) => {
                value.span = span;
                value
            }
            (None, Some(default)) => default,
            (None, None) => Node::unknown("Fn::FindInMap with unknown keys", span),
        }
    }

    fn if_function(&self, argument: &Node, span: Span, depth: usize) -> Resolved {
        let Some([condition, when_true, when_false]) = argument
            .as_seq()
            .and_then(|items| <&[Node; 3]>::try_from(items).ok())
        else {
            return Resolved::Node(Node::unknown("malformed Fn::If", span));
        };
        let Some(name) = condition.as_str() else {
            return Resolved::Node(Node::unknown("Fn::If with a computed condition", span));
        };
        match self.condition(name) {
            Some(true) => self.resolve_inner(when_true, depth + 1),
            Some(false) => self.resolve_inner(when_false, depth + 1),
            None => {
                let options: Vec<Node> = [when_true, when_false]
                    .into_iter()
                    .filter_map(|branch| match self.resolve_inner(branch, depth + 1) {
                        Resolved::Node(node) => Some(node),
                        Resolved::NoValue => None,
                    })
                    .collect();
                match options.len() {
                    0 => Resolved::NoValue,
                    1 => Resolved::Node(
                        options
                            .into_iter()
                            .next()
                            .unwrap_or_else(|| Node::unknown("", span)),
                    ),
                    _ => Resolved::Node(Node::new(Value::OneOf(options), span)),
                }
            }
        }
    }

    /// Evaluates a named condition: `Some(bool)` when decided, `None` when it depends on
    /// something unknown.
    pub fn condition(&self, name: &str) -> Option<bool> {
        if let Some(cached) = self.condition_cache.borrow().get(name) {
            return *cached;
        }
        // Mark as undecided first, so that a cycle ends instead of recursing forever.
        self.condition_cache
            .borrow_mut()
            .insert(name.to_string(), None);
        let result = self
            .conditions
            .and_then(|conditions| conditions.get(name))
            .and_then(|expr| self.condition_expr(expr, 0));
        self.condition_cache
            .borrow_mut()
            .insert(name.to_string(), result);
        result
    }

    fn condition_expr(&self, expr: &Node, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Value::Bool(value) = expr.value {
            return Some(value);
        }
        let map = expr.as_map()?;
        if map.len() != 1 {
            return None;
        }
        let (key, argument) = &map.entries[0];
        match key.name.as_str() {
            "Condition" => self.condition(argument.as_str()?),
            "Fn::Not" => {
                let inner = argument.as_seq()?.first()?;
                self.condition_expr(inner, depth + 1).map(|value| !value)
            }
            "Fn::And" => {
                let mut all = Some(true);
                for item in argument.as_seq()? {
                    match self.condition_expr(item, depth + 1) {
                        Some(false) => return Some(false),
                        None => all = None,
                        Some(true) => {}
                    }
                }
                all
            }
            "Fn::Or" => {
                let mut any = Some(false);
                for item in argument.as_seq()? {
                    match self.condition_expr(item, depth + 1) {
                        Some(true) => return Some(true),
                        None => any = None,
                        Some(false) => {}
                    }
                }
                any
            }
            "Fn::Equals" => {
                let items = argument.as_seq()?;
                if items.len() != 2 {
                    return None;
                }
                let left = self.node(&items[0], depth);
                let right = self.node(&items[1], depth);
                if !left.is_known() || !right.is_known() {
                    return None;
                }
                match (left.as_str(), right.as_str()) {
                    (Some(left), Some(right)) => Some(left == right),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

fn single(name: &str, value: Node, span: Span) -> Map {
    let mut map = Map::default();
    map.entries.push((
        Key {
            name: name.to_string(),
            span,
        },
        value,
    ));
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_yaml;
    use warden_diagnostics::FileId;

    struct Fixture {
        root: Node,
        parameters: HashMap<String, ParameterValue>,
        resources: HashMap<String, String>,
        pseudo: HashMap<String, String>,
    }

    fn fixture(text: &str) -> Fixture {
        let root = parse_yaml(text, FileId(0)).unwrap();
        let mut parameters = HashMap::new();
        if let Some(map) = root.get("Parameters").and_then(Node::as_map) {
            for (key, value) in map.iter() {
                parameters.insert(
                    key.name.clone(),
                    ParameterValue {
                        supplied: None,
                        default: value.get("Default").cloned(),
                        no_echo: value.get("NoEcho").and_then(Node::as_bool).unwrap_or(false),
                        list: false,
                        passed_unknown: false,
                    },
                );
            }
        }
        let mut resources = HashMap::new();
        if let Some(map) = root.get("Resources").and_then(Node::as_map) {
            for (key, value) in map.iter() {
                resources.insert(
                    key.name.clone(),
                    value
                        .get("Type")
                        .and_then(Node::as_str)
                        .unwrap_or("")
                        .to_string(),
                );
            }
        }
        Fixture {
            root,
            parameters,
            resources,
            pseudo: HashMap::new(),
        }
    }

    fn resolve(fixture: &Fixture, path: &str) -> Node {
        let resolver = Resolver::new(
            &fixture.parameters,
            fixture.root.get("Mappings"),
            fixture.root.get("Conditions"),
            &fixture.resources,
            &fixture.pseudo,
        );
        resolver.resolve(fixture.root.path(path).unwrap())
    }

    const TEMPLATE: &str = r#"
Parameters:
  Stage: {Type: String, Default: prod}
  Secret: {Type: String, NoEcho: true}
Mappings:
  Sizes: {prod: {Memory: 1024}, dev: {Memory: 128}}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  HasSecret: !Not [!Equals [!Ref Secret, ""]]
Resources:
  Fn: {Type: AWS::Lambda::Function}
Values:
  stage: !Ref Stage
  secret: !Ref Secret
  sub: !Sub "arn:${AWS::Partition}:s3:::${Stage}-bucket"
  subUnknown: !Sub "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Fn}/*"
  subVars: !Sub ["${A}-${B}", {A: x, B: !Ref Stage}]
  subLiteral: !Sub "${!Literal}"
  join: !Join ["-", [a, !Ref Stage]]
  select: !Select [1, [a, b, c]]
  split: !Split [",", "a,b"]
  map: !FindInMap [Sizes, !Ref Stage, Memory]
  ifProd: !If [IsProd, big, small]
  ifSecret: !If [HasSecret, yes, no]
  noValue: {Keep: 1, Drop: !Ref AWS::NoValue}
  getAtt: !GetAtt Fn.Arn
  import: !ImportValue Shared
"#;

    #[test]
    fn parameters_resolve_to_defaults_or_unknown() {
        let f = fixture(TEMPLATE);
        let stage = resolve(&f, "Values.stage");
        assert_eq!(stage.as_str(), Some("prod"));
        assert_eq!(stage.parameter.as_deref(), Some("Stage"));
        assert!(resolve(&f, "Values.secret").is_unknown());
    }

    #[test]
    fn sub_join_select_split_and_mappings() {
        let f = fixture(TEMPLATE);
        assert_eq!(
            resolve(&f, "Values.sub").as_str(),
            Some("arn:aws:s3:::prod-bucket")
        );
        let partial = resolve(&f, "Values.subUnknown");
        assert!(partial.is_unknown());
        assert_eq!(
            partial.display(),
            "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Fn}/*"
        );
        assert_eq!(resolve(&f, "Values.subVars").as_str(), Some("x-prod"));
        assert_eq!(
            resolve(&f, "Values.subLiteral").as_str(),
            Some("${Literal}")
        );
        assert_eq!(resolve(&f, "Values.join").as_str(), Some("a-prod"));
        assert_eq!(resolve(&f, "Values.select").as_str(), Some("b"));
        assert_eq!(resolve(&f, "Values.split").as_seq().unwrap().len(), 2);
        assert_eq!(resolve(&f, "Values.map").as_i64(), Some(1024));
    }

    #[test]
    fn conditions_decide_or_keep_both_branches() {
        let f = fixture(TEMPLATE);
        assert_eq!(resolve(&f, "Values.ifProd").as_str(), Some("big"));
        let either = resolve(&f, "Values.ifSecret");
        let options: Vec<_> = either.alternatives().iter().map(|n| n.display()).collect();
        assert_eq!(options, ["yes", "no"]);
    }

    #[test]
    fn no_value_removes_the_key_and_refs_point_at_resources() {
        let f = fixture(TEMPLATE);
        let map = resolve(&f, "Values.noValue");
        assert!(map.get("Keep").is_some());
        assert!(map.get("Drop").is_none());
        assert_eq!(resolve(&f, "Values.getAtt").resource_ref(), Some("Fn"));
        assert!(resolve(&f, "Values.import").is_unknown());
    }

    #[test]
    fn cyclic_conditions_are_undecided() {
        let f = fixture("Conditions:\n  A: !Condition B\n  B: !Condition A\nV: !If [A, x, y]\n");
        let value = resolve(&f, "V");
        assert_eq!(value.alternatives().len(), 2);
    }
}
