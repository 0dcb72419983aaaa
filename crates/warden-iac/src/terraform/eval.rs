//! Terraform expressions to [`Node`] values, keeping the span of the text each value came
//! from.
//!
//! What the scanner can know is computed: literals, `var.*` (bound values), `local.*`,
//! `each.*`/`count.*`, string templates, operators, conditionals, `for` expressions and the
//! common built-in functions. References to resources become [`Value::ResourceRef`] (the
//! address as logical ID, the attribute as written); `data.aws_iam_policy_document.X.json`
//! becomes the policy document itself. Everything else (other data sources, remote
//! modules, unsupported functions) is [`Value::Unknown`], which rules never treat as a
//! violation. Work is bounded: nesting depth, collection sizes and local chains.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::path::Path;

use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl_edit::structure::Body;
use hcl_edit::template::{Directive, Element, Template as HclTemplate};
use hcl_edit::Span as _;
use warden_diagnostics::{FileId, Span};

use super::hcl::{span_of, BlockDecl, ModuleConfig};
use crate::node::{Key, Map, Node, Value};
use crate::parse;

/// Expression nesting deeper than this evaluates to unknown.
const MAX_EVAL_DEPTH: usize = 96;
/// Values larger than this (in nodes) are replaced by unknown: `concat(a, a)` chains could
/// otherwise grow exponentially.
pub(crate) const MAX_VALUE_NODES: usize = 50_000;
/// Strings longer than this are not built (`join`, `format`, templates).
const MAX_STRING_LEN: usize = 1 << 20;
/// Iterations of `for` expressions, `range` and template `for` directives.
const MAX_ITERATIONS: usize = 1_000;
/// Files read by `file()` larger than this are unknown.
const MAX_FILE_LEN: u64 = 1 << 20;

/// Names bound while evaluating one resource instance or expression.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    pub count_index: Option<Node>,
    /// `each.key` and `each.value`.
    pub each: Option<(Node, Node)>,
    /// Names bound by `for` expressions and `dynamic` blocks, innermost last.
    pub names: Vec<(String, Node)>,
}

impl Scope {
    fn with_name(&self, name: &str, value: Node) -> Scope {
        let mut scope = self.clone();
        scope.names.push((name.to_string(), value));
        scope
    }

    fn name(&self, name: &str) -> Option<&Node> {
        self.names
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, node)| node)
    }
}

/// How a resource was expanded by `count`/`for_each`.
#[derive(Clone, Debug)]
pub(crate) enum Instances {
    /// No `count`/`for_each`, or one whose value is unknown: one instance, no index.
    Single,
    /// Index suffixes as Terraform writes them: `[0]`, `["key"]`.
    Indexed(Vec<String>),
}

/// Evaluates expressions of one module instance.
pub(crate) struct Evaluator<'c> {
    pub config: &'c ModuleConfig,
    /// Address prefix of this module instance: `""` or `module.name.`.
    pub prefix: String,
    pub variables: HashMap<String, Node>,
    /// Outputs of child modules loaded so far, by module name (a map node).
    pub module_outputs: HashMap<String, Node>,
    /// Expansion of each resource (`type.name`, without prefix).
    pub instances: HashMap<String, Instances>,
    data: HashMap<String, &'c BlockDecl>,
    locals_cache: RefCell<HashMap<String, Node>>,
    data_cache: RefCell<HashMap<String, Node>>,
    in_progress: RefCell<HashSet<String>>,
    depth: Cell<usize>,
    /// Strings written as JSON (heredocs) parsed with spans into the file, keyed by the
    /// string node's span, so that policy documents point inside the heredoc.
    pub json_sources: RefCell<HashMap<Span, Node>>,
    /// Files that `file()` / `templatefile()` named but could not be read, with the call:
    /// what is built from them is unknown, and the report says so.
    pub unread_files: RefCell<Vec<(Span, String, String)>>,
}

impl<'c> Evaluator<'c> {
    pub fn new(config: &'c ModuleConfig, prefix: String, variables: HashMap<String, Node>) -> Self {
        let data = config
            .data
            .iter()
            .map(|decl| (format!("{}.{}", decl.labels[0], decl.labels[1]), decl))
            .collect();
        Evaluator {
            config,
            prefix,
            variables,
            module_outputs: HashMap::new(),
            instances: HashMap::new(),
            data,
            locals_cache: RefCell::new(HashMap::new()),
            data_cache: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(HashSet::new()),
            depth: Cell::new(0),
            json_sources: RefCell::new(HashMap::new()),
            unread_files: RefCell::new(Vec::new()),
        }
    }

    /// Evaluates one expression written in `file`.
    pub fn eval(&self, expr: &Expression, file: FileId, scope: &Scope) -> Node {
        let span = span_of(file, expr);
        if self.depth.get() >= MAX_EVAL_DEPTH {
            return Node::unknown("expression nested too deeply", span);
        }
        self.depth.set(self.depth.get() + 1);
        let node = self.eval_inner(expr, file, scope, span);
        self.depth.set(self.depth.get() - 1);
        if node.size() > MAX_VALUE_NODES {
            return Node::unknown("value too large", span);
        }
        node
    }

    fn eval_inner(&self, expr: &Expression, file: FileId, scope: &Scope, span: Span) -> Node {
        match expr {
            Expression::Null(_) => Node::new(Value::Null, span),
            Expression::Bool(value) => Node::new(Value::Bool(*value.value()), span),
            Expression::Number(number) => {
                Node::new(Value::Number(number.value().to_string()), span)
            }
            Expression::String(text) => Node::string(text.value().clone(), span),
            Expression::Array(array) => Node::new(
                Value::Seq(
                    array
                        .iter()
                        .map(|item| self.eval(item, file, scope))
                        .collect(),
                ),
                span,
            ),
            Expression::Object(object) => {
                let mut map = Map::default();
                for (key, value) in object.iter() {
                    let key_span = span_of(file, key);
                    let name = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_string(),
                        ObjectKey::Expression(expr) => {
                            match self.eval(expr, file, scope).as_str() {
                                Some(text) => text.to_string(),
                                None => return Node::unknown("object key is not known", span),
                            }
                        }
                    };
                    map.insert(
                        Key {
                            name,
                            span: key_span,
                        },
                        self.eval(value.expr(), file, scope),
                    );
                }
                Node::map(map, span)
            }
            Expression::StringTemplate(template) => self.eval_template(template, file, scope, span),
            Expression::HeredocTemplate(heredoc) => {
                let node = self.eval_template(&heredoc.template, file, scope, span);
                self.record_json_heredoc(&heredoc.template, file, scope, &node);
                node
            }
            Expression::Parenthesis(inner) => {
                let mut node = self.eval(inner.inner(), file, scope);
                node.span = span;
                node
            }
            Expression::Variable(name) => match scope.name(name.as_str()) {
                Some(node) => node.clone(),
                None => Node::unknown(format!("`{}` is not known", name.as_str()), span),
            },
            Expression::Conditional(conditional) => {
                let condition = self.eval(&conditional.cond_expr, file, scope);
                match condition.as_bool() {
                    Some(true) => self.eval(&conditional.true_expr, file, scope),
                    Some(false) => self.eval(&conditional.false_expr, file, scope),
                    None => {
                        let yes = self.eval(&conditional.true_expr, file, scope);
                        let no = self.eval(&conditional.false_expr, file, scope);
                        if yes.value == no.value {
                            yes
                        } else {
                            Node::new(Value::OneOf(vec![yes, no]), span)
                        }
                    }
                }
            }
            Expression::FuncCall(call) => self.call(call, file, scope, span),
            Expression::Traversal(traversal) => {
                self.traverse(&traversal.expr, &traversal.operators, file, scope, span)
            }
            Expression::UnaryOp(op) => {
                let operand = self.eval(&op.expr, file, scope);
                match (op.operator.value(), &operand.value) {
                    (UnaryOperator::Not, _) => match operand.as_bool() {
                        Some(value) => Node::new(Value::Bool(!value), span),
                        None => Node::unknown("negation of an unknown value", span),
                    },
                    (UnaryOperator::Neg, _) => match operand.as_f64() {
                        Some(value) => number(-value, span),
                        None => Node::unknown("negation of an unknown value", span),
                    },
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr, file, scope);
                let rhs = self.eval(&op.rhs_expr, file, scope);
                binary(*op.operator.value(), &lhs, &rhs, span)
            }
            Expression::ForExpr(for_expr) => self.for_expr(for_expr, file, scope, span),
        }
    }

    /// Evaluates a quoted or heredoc template. A template that is a single interpolation
    /// returns the interpolated value unchanged (as Terraform does), so references survive.
    fn eval_template(
        &self,
        template: &HclTemplate,
        file: FileId,
        scope: &Scope,
        span: Span,
    ) -> Node {
        let elements: Vec<&Element> = template.iter().collect();
        if let [Element::Interpolation(interpolation)] = elements.as_slice() {
            let mut node = self.eval(&interpolation.expr, file, scope);
            if !matches!(node.value, Value::String(_)) {
                node.span = span;
            }
            return node;
        }
        let mut parts = Vec::new();
        self.template_parts(template, file, scope, &mut parts);
        render_parts(&parts, span)
    }

    fn template_parts(
        &self,
        template: &HclTemplate,
        file: FileId,
        scope: &Scope,
        parts: &mut Vec<Node>,
    ) {
        for element in template.iter() {
            if parts.len() > MAX_ITERATIONS * 4 {
                parts.push(Node::unknown("template too large", span_of(file, element)));
                return;
            }
            match element {
                Element::Literal(text) => {
                    parts.push(Node::string(text.value().clone(), span_of(file, text)))
                }
                Element::Interpolation(interpolation) => {
                    parts.push(self.eval(&interpolation.expr, file, scope))
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(directive) => {
                        let condition = self.eval(&directive.if_expr.cond_expr, file, scope);
                        match condition.as_bool() {
                            Some(true) => {
                                self.template_parts(&directive.if_expr.template, file, scope, parts)
                            }
                            Some(false) => {
                                if let Some(otherwise) = &directive.else_expr {
                                    self.template_parts(&otherwise.template, file, scope, parts);
                                }
                            }
                            None => parts.push(Node::unknown(
                                "template condition",
                                span_of(file, directive),
                            )),
                        }
                    }
                    Directive::For(directive) => {
                        let intro = &directive.for_expr;
                        let collection = self.eval(&intro.collection_expr, file, scope);
                        let Some(items) = iteration_items(&collection) else {
                            parts.push(Node::unknown("template loop", span_of(file, directive)));
                            continue;
                        };
                        for (key, value) in items {
                            let mut inner = scope.with_name(intro.value_var.as_str(), value);
                            if let Some(key_var) = &intro.key_var {
                                inner = inner.with_name(key_var.as_str(), key);
                            }
                            self.template_parts(&intro.template, file, &inner, parts);
                        }
                    }
                },
            }
        }
    }

    /// Heredocs that hold JSON (policies, state machine definitions) are parsed with spans
    /// into the file, interpolations substituted in the strings that contain them.
    fn record_json_heredoc(
        &self,
        template: &HclTemplate,
        file: FileId,
        scope: &Scope,
        node: &Node,
    ) {
        let Some(range) = template.span() else {
            return;
        };
        let Some(text) = self.config.text(file) else {
            return;
        };
        let Some(raw) = text.get(range.clone()) else {
            return;
        };
        let trimmed = raw.trim_start();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
            return;
        }
        let interpolations: Vec<(std::ops::Range<usize>, Node)> = template
            .iter()
            .filter_map(|element| match element {
                Element::Interpolation(interpolation) => Some((
                    interpolation.span()?,
                    self.eval(&interpolation.expr, file, scope),
                )),
                _ => None,
            })
            .collect();
        let has_directive = template
            .iter()
            .any(|element| matches!(element, Element::Directive(_)));
        if has_directive {
            return;
        }
        let Ok(mut parsed) = parse::parse_json(raw, file) else {
            return;
        };
        shift_spans(&mut parsed, range.start as u32);
        if !interpolations.is_empty() {
            substitute(&mut parsed, text, &interpolations);
        }
        self.json_sources.borrow_mut().insert(node.span, parsed);
    }

    fn for_expr(&self, for_expr: &ForExpr, file: FileId, scope: &Scope, span: Span) -> Node {
        let collection = self.eval(&for_expr.intro.collection_expr, file, scope);
        let Some(items) = iteration_items(&collection) else {
            return Node::unknown("`for` over an unknown collection", span);
        };
        if for_expr.grouping {
            return Node::unknown("grouping `for` expression", span);
        }
        let mut seq = Vec::new();
        let mut map = Map::default();
        for (key, value) in items {
            let mut inner = scope.with_name(for_expr.intro.value_var.as_str(), value);
            if let Some(key_var) = &for_expr.intro.key_var {
                inner = inner.with_name(key_var.as_str(), key);
            }
            if let Some(condition) = &for_expr.cond {
                match self.eval(&condition.expr, file, &inner).as_bool() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Node::unknown("`for` condition is not known", span),
                }
            }
            let value = self.eval(&for_expr.value_expr, file, &inner);
            match &for_expr.key_expr {
                Some(key_expr) => {
                    let key = self.eval(key_expr, file, &inner);
                    let Some(name) = key.as_str() else {
                        return Node::unknown("`for` key is not known", span);
                    };
                    map.insert(
                        Key {
                            name: name.to_string(),
                            span: key.span,
                        },
                        value,
                    );
                }
                None => seq.push(value),
            }
        }
        if for_expr.key_expr.is_some() {
            Node::map(map, span)
        } else {
            Node::new(Value::Seq(seq), span)
        }
    }

    fn traverse(
        &self,
        root: &Expression,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        file: FileId,
        scope: &Scope,
        span: Span,
    ) -> Node {
        let attr = |index: usize| -> Option<&str> {
            match operators.get(index).map(|op| op.value()) {
                Some(TraversalOperator::GetAttr(ident)) => Some(ident.as_str()),
                _ => None,
            }
        };
        let Expression::Variable(head) = root else {
            let base = self.eval(root, file, scope);
            return self.apply_operators(base, operators, file, scope, span);
        };
        let head = head.as_str();
        if let Some(node) = scope.name(head) {
            return self.apply_operators(node.clone(), operators, file, scope, span);
        }
        match head {
            "var" => {
                let Some(name) = attr(0) else {
                    return Node::unknown("`var` needs a name", span);
                };
                let base = match self.variables.get(name) {
                    Some(node) => node.clone(),
                    None => Node::unknown(format!("variable `{name}` has no value"), span),
                };
                self.apply_operators(base, &operators[1..], file, scope, span)
            }
            "local" => {
                let Some(name) = attr(0) else {
                    return Node::unknown("`local` needs a name", span);
                };
                let base = self.local(name, span);
                self.apply_operators(base, &operators[1..], file, scope, span)
            }
            "each" => {
                let base = match (attr(0), &scope.each) {
                    (Some("key"), Some((key, _))) => key.clone(),
                    (Some("value"), Some((_, value))) => value.clone(),
                    _ => Node::unknown("`each` outside `for_each`", span),
                };
                self.apply_operators(base, &operators[1..], file, scope, span)
            }
            "count" => match (attr(0), &scope.count_index) {
                (Some("index"), Some(index)) => index.clone(),
                _ => Node::unknown("`count.index` is not known", span),
            },
            "path" => match attr(0) {
                Some("module") | Some("root") | Some("cwd") => {
                    Node::string(self.config.dir.to_string_lossy().into_owned(), span)
                }
                _ => Node::unknown("unknown `path` attribute", span),
            },
            "terraform" => match attr(0) {
                Some("workspace") => Node::string("default", span),
                _ => Node::unknown("unknown `terraform` attribute", span),
            },
            "data" => {
                let (Some(data_type), Some(name)) = (attr(0), attr(1)) else {
                    return Node::unknown("incomplete data source reference", span);
                };
                let mut rest = 2;
                if matches!(
                    operators.get(rest).map(|op| op.value()),
                    Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_))
                ) {
                    rest += 1;
                }
                let attribute = attr(rest);
                if data_type == "aws_iam_policy_document"
                    && matches!(attribute, Some("json") | Some("minified_json"))
                {
                    let document = self.policy_document(&format!("{data_type}.{name}"), span);
                    return self.apply_operators(
                        document,
                        &operators[rest + 1..],
                        file,
                        scope,
                        span,
                    );
                }
                if data_type == "archive_file" && attribute == Some("output_path") {
                    if let Some(source) = self.archive_source(&format!("{data_type}.{name}"), span)
                    {
                        return source;
                    }
                }
                Node::unknown(format!("data source `data.{data_type}.{name}`"), span)
            }
            "module" => {
                let (Some(name), Some(output)) = (attr(0), attr(1)) else {
                    return Node::unknown("incomplete module reference", span);
                };
                let base = match self
                    .module_outputs
                    .get(name)
                    .and_then(|outputs| outputs.get(output))
                {
                    Some(node) => node.clone(),
                    None => Node::unknown(format!("output `{output}` of module `{name}`"), span),
                };
                self.apply_operators(base, &operators[2..], file, scope, span)
            }
            resource_type => self.resource_reference(resource_type, operators, file, scope, span),
        }
    }

    fn resource_reference(
        &self,
        resource_type: &str,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        file: FileId,
        scope: &Scope,
        span: Span,
    ) -> Node {
        let Some(TraversalOperator::GetAttr(name)) = operators.first().map(|op| op.value()) else {
            return Node::unknown(format!("`{resource_type}` is not known"), span);
        };
        let base = format!("{resource_type}.{}", name.as_str());
        let Some(instances) = self.instances.get(&base) else {
            return Node::unknown(format!("`{base}` is not declared in this module"), span);
        };
        let mut next = 1;
        let address = match (instances, operators.get(1).map(|op| op.value())) {
            (
                Instances::Single,
                Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)),
            ) => {
                next = 2;
                base
            }
            (Instances::Indexed(keys), Some(TraversalOperator::Index(index))) => {
                next = 2;
                let key = self.eval(index, file, scope);
                match index_suffix(&key) {
                    Some(suffix) if keys.contains(&suffix) => format!("{base}{suffix}"),
                    _ => return Node::unknown(format!("instance of `{base}` is not known"), span),
                }
            }
            (Instances::Indexed(keys), Some(TraversalOperator::LegacyIndex(index))) => {
                next = 2;
                let suffix = format!("[{}]", index.value());
                if !keys.contains(&suffix) {
                    return Node::unknown(format!("instance of `{base}` is not known"), span);
                }
                format!("{base}{suffix}")
            }
            (Instances::Indexed(_), _) => {
                return Node::unknown(format!("all instances of `{base}`"), span);
            }
            (Instances::Single, _) => base,
        };
        let logical_id = format!("{}{address}", self.prefix);
        match operators.get(next).map(|op| op.value()) {
            None => Node::new(
                Value::ResourceRef {
                    logical_id,
                    attribute: None,
                },
                span,
            ),
            Some(TraversalOperator::GetAttr(attribute)) if operators.len() == next + 1 => {
                Node::new(
                    Value::ResourceRef {
                        logical_id,
                        attribute: Some(attribute.as_str().to_string()),
                    },
                    span,
                )
            }
            _ => Node::new(
                Value::Unknown {
                    reason: format!("attribute of `{logical_id}`"),
                    partial: Some(format!("${{{logical_id}}}")),
                },
                span,
            ),
        }
    }

    fn apply_operators(
        &self,
        mut node: Node,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        file: FileId,
        scope: &Scope,
        span: Span,
    ) -> Node {
        for operator in operators {
            if !node.is_known() {
                return Node::unknown(format!("part of {}", node.display()), span);
            }
            let next = match operator.value() {
                TraversalOperator::GetAttr(name) => node.get(name.as_str()).cloned(),
                TraversalOperator::Index(index) => {
                    let key = self.eval(index, file, scope);
                    match &node.value {
                        Value::Seq(items) => key
                            .as_i64()
                            .and_then(|i| usize::try_from(i).ok())
                            .and_then(|i| items.get(i))
                            .cloned(),
                        Value::Map(map) => key.as_str().and_then(|k| map.get(k)).cloned(),
                        _ => None,
                    }
                }
                TraversalOperator::LegacyIndex(index) => node
                    .as_seq()
                    .and_then(|items| items.get(usize::try_from(*index.value()).ok()?))
                    .cloned(),
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
            };
            match next {
                Some(value) => node = value,
                None => return Node::unknown("attribute or element not known", span),
            }
        }
        node
    }

    fn local(&self, name: &str, span: Span) -> Node {
        if let Some(node) = self.locals_cache.borrow().get(name) {
            return node.clone();
        }
        let Some((expr, file)) = self.config.locals.get(name) else {
            return Node::unknown(format!("local `{name}` is not declared"), span);
        };
        let guard = format!("local.{name}");
        if !self.in_progress.borrow_mut().insert(guard.clone()) {
            return Node::unknown(format!("local `{name}` refers to itself"), span);
        }
        let node = self.eval(expr, *file, &Scope::default());
        self.in_progress.borrow_mut().remove(&guard);
        self.locals_cache
            .borrow_mut()
            .insert(name.to_string(), node.clone());
        node
    }

    /// What a `data "archive_file"` packs (`source_dir` or `source_file`): code analysis
    /// reads the code there, since the archive is built from it at plan time.
    fn archive_source(&self, key: &str, span: Span) -> Option<Node> {
        let decl = self.data.get(key).copied()?;
        let guard = format!("data.{key}");
        if !self.in_progress.borrow_mut().insert(guard.clone()) {
            return None;
        }
        let body = self.eval_body(
            &decl.block.body,
            decl.file,
            &Scope::default(),
            span_of(decl.file, &decl.block),
        );
        self.in_progress.borrow_mut().remove(&guard);
        let source = body.get("source_dir").or_else(|| body.get("source_file"))?;
        let text = source.as_str()?;
        Some(Node::string(text, span))
    }

    /// A `data "aws_iam_policy_document"` as an IAM policy document node.
    fn policy_document(&self, key: &str, span: Span) -> Node {
        if let Some(node) = self.data_cache.borrow().get(key) {
            return node.clone();
        }
        let Some(decl) = self.data.get(key).copied() else {
            return Node::unknown(format!("data source `{key}` is not declared"), span);
        };
        let guard = format!("data.{key}");
        if !self.in_progress.borrow_mut().insert(guard.clone()) {
            return Node::unknown(format!("`{key}` refers to itself"), span);
        }
        let body = self.eval_body(
            &decl.block.body,
            decl.file,
            &Scope::default(),
            span_of(decl.file, &decl.block),
        );
        let node = super::translate::policy_document_from_data(
            &body,
            decl.header,
            &self.json_sources.borrow(),
        );
        self.in_progress.borrow_mut().remove(&guard);
        self.data_cache
            .borrow_mut()
            .insert(key.to_string(), node.clone());
        node
    }

    /// Evaluates a block body: attributes by name, nested blocks as lists of maps (one entry
    /// per block, as Terraform's nested block types are lists). `dynamic` blocks are
    /// expanded when their `for_each` is known.
    pub fn eval_body(&self, body: &Body, file: FileId, scope: &Scope, span: Span) -> Node {
        let mut map = Map::default();
        for attribute in body.attributes() {
            let key = Key {
                name: attribute.key.as_str().to_string(),
                span: span_of(file, &attribute.key),
            };
            map.insert(key, self.eval(&attribute.value, file, scope));
        }
        if self.depth.get() >= MAX_EVAL_DEPTH {
            return Node::map(map, span);
        }
        self.depth.set(self.depth.get() + 1);
        for block in body.blocks() {
            let block_span = span_of(file, block);
            if block.ident.as_str() == "dynamic" {
                let Some(label) = block.labels.first() else {
                    continue;
                };
                let name = label.as_str().to_string();
                let key_span = span_of(file, label);
                let iterator = block
                    .body
                    .get_attribute("iterator")
                    .and_then(|a| match &a.value {
                        Expression::Variable(v) => Some(v.as_str().to_string()),
                        _ => None,
                    })
                    .unwrap_or_else(|| name.clone());
                let Some(content) = block.body.get_blocks("content").next() else {
                    continue;
                };
                let content_span = span_of(file, content);
                let collection = block
                    .body
                    .get_attribute("for_each")
                    .map(|a| self.eval(&a.value, file, scope));
                let generated: Vec<Node> = match collection.as_ref().and_then(iteration_items) {
                    Some(items) => items
                        .into_iter()
                        .take(MAX_ITERATIONS)
                        .map(|(key, value)| {
                            let mut item = Map::default();
                            item.insert(
                                Key {
                                    name: "key".into(),
                                    span: key.span,
                                },
                                key,
                            );
                            item.insert(
                                Key {
                                    name: "value".into(),
                                    span: value.span,
                                },
                                value,
                            );
                            let inner = scope.with_name(&iterator, Node::map(item, content_span));
                            self.eval_body(&content.body, file, &inner, content_span)
                        })
                        .collect(),
                    // Unknown collection: one instance whose iterator values are unknown.
                    None => {
                        let inner = scope.with_name(
                            &iterator,
                            Node::unknown("dynamic block iterator", content_span),
                        );
                        vec![self.eval_body(&content.body, file, &inner, content_span)]
                    }
                };
                append_blocks(&mut map, &name, key_span, generated, block_span);
                continue;
            }
            let name = block.ident.as_str().to_string();
            let key_span = span_of(file, &block.ident);
            let node = self.eval_body(&block.body, file, scope, block_span);
            append_blocks(&mut map, &name, key_span, vec![node], block_span);
        }
        self.depth.set(self.depth.get() - 1);
        Node::map(map, span)
    }

    fn call(&self, call: &FuncCall, file: FileId, scope: &Scope, span: Span) -> Node {
        let name = call.name.name.as_str();
        if !call.name.namespace.is_empty() {
            return Node::unknown(format!("provider function `{name}`"), span);
        }
        let arg_exprs: Vec<&Expression> = call.args.iter().collect();
        // Functions that must not evaluate all their arguments eagerly.
        match name {
            "try" => {
                let mut last = Node::unknown("`try` without arguments", span);
                for expr in &arg_exprs {
                    let node = self.eval(expr, file, scope);
                    if node.is_known() {
                        return node;
                    }
                    last = node;
                }
                return last;
            }
            "can" => {
                let node = arg_exprs.first().map(|expr| self.eval(expr, file, scope));
                return match node {
                    Some(node) if node.is_known() => Node::new(Value::Bool(true), span),
                    _ => Node::unknown("`can` of an unknown value", span),
                };
            }
            _ => {}
        }
        let mut args: Vec<Node> = arg_exprs
            .iter()
            .map(|expr| self.eval(expr, file, scope))
            .collect();
        if call.args.expand_final() {
            if let Some(last) = args.pop() {
                match last.value {
                    Value::Seq(items) => args.extend(items),
                    _ => {
                        return Node::unknown(
                            format!("`{name}` with unknown expanded arguments"),
                            span,
                        )
                    }
                }
            }
        }
        if matches!(name, "file" | "templatefile") {
            if let Some(path) = args.first().and_then(Node::as_str) {
                if read_local_file(&self.config.dir, path).is_none() {
                    self.unread_files
                        .borrow_mut()
                        .push((span, name.to_string(), path.to_string()));
                }
            }
        }
        let result = super::functions::call(
            name,
            args,
            span,
            &self.config.dir,
            &self.json_sources.borrow(),
        );
        match result {
            Some(node) => node,
            None => Node::unknown(format!("function `{name}`"), span),
        }
    }
}

/// Adds nested block instances under `name` (a list of maps).
fn append_blocks(map: &mut Map, name: &str, key_span: Span, nodes: Vec<Node>, span: Span) {
    if let Some((_, existing)) = map.entries.iter_mut().find(|(key, _)| key.name == name) {
        if let Value::Seq(items) = &mut existing.value {
            items.extend(nodes);
            existing.span = existing.span.cover(span);
            return;
        }
    }
    map.insert(
        Key {
            name: name.to_string(),
            span: key_span,
        },
        Node::new(Value::Seq(nodes), span),
    );
}

/// `(key, value)` pairs to iterate over: list indices or map keys. `None` when unknown.
pub(crate) fn iteration_items(collection: &Node) -> Option<Vec<(Node, Node)>> {
    let items = match &collection.value {
        Value::Seq(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                (
                    Node::new(Value::Number(index.to_string()), item.span),
                    item.clone(),
                )
            })
            .collect(),
        Value::Map(map) => map
            .iter()
            .map(|(key, value)| (Node::string(key.name.clone(), key.span), value.clone()))
            .collect(),
        Value::Null => Vec::new(),
        _ => return None,
    };
    let items: Vec<(Node, Node)> = items;
    (items.len() <= MAX_ITERATIONS).then_some(items)
}

/// The index suffix Terraform uses in addresses for a `count` index or `for_each` key.
pub(crate) fn index_suffix(key: &Node) -> Option<String> {
    match &key.value {
        Value::Number(text) => Some(format!("[{}]", text.parse::<f64>().ok()? as i64)),
        Value::String(text) => Some(format!("[{}]", serde_json::Value::String(text.clone()))),
        _ => None,
    }
}

/// Joins template parts: a known string when every part is known, otherwise unknown with a
/// best-effort `partial` rendering (`${aws_lambda_function.f}` for references, so that
/// name matching done for CloudFormation's `Fn::Sub` works here too).
pub(crate) fn render_parts(parts: &[Node], span: Span) -> Node {
    let mut text = String::new();
    let mut known = true;
    for part in parts {
        match &part.value {
            Value::String(s) | Value::Number(s) => text.push_str(s),
            Value::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
            Value::Null => {}
            Value::ResourceRef {
                logical_id,
                attribute,
            } => {
                known = false;
                text.push_str(&reference_placeholder(logical_id, attribute.as_deref()));
            }
            Value::Unknown {
                partial: Some(partial),
                ..
            } => {
                known = false;
                text.push_str(partial);
            }
            _ => {
                known = false;
                text.push_str("${?}");
            }
        }
        if text.len() > MAX_STRING_LEN {
            return Node::unknown("string too long", span);
        }
    }
    if known {
        Node::string(text, span)
    } else {
        Node::new(
            Value::Unknown {
                reason: "string built from values known only at apply time".into(),
                partial: Some(text),
            },
            span,
        )
    }
}

/// How a reference is rendered inside a partially known string: names and IDs as
/// `${address}` (like `${Ref}`), ARNs as `${address.Arn}` (like `${X.Arn}`).
pub(crate) fn reference_placeholder(logical_id: &str, attribute: Option<&str>) -> String {
    match attribute {
        None | Some("id" | "name" | "function_name" | "bucket" | "url" | "stage_name") => {
            format!("${{{logical_id}}}")
        }
        Some("arn" | "invoke_arn" | "qualified_arn") => format!("${{{logical_id}.Arn}}"),
        Some(other) => format!("${{{logical_id}.{other}}}"),
    }
}

pub(crate) fn number(value: f64, span: Span) -> Node {
    let text = if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    };
    Node::new(Value::Number(text), span)
}

fn binary(operator: BinaryOperator, lhs: &Node, rhs: &Node, span: Span) -> Node {
    use BinaryOperator as Op;
    match operator {
        Op::And | Op::Or => match (lhs.as_bool(), rhs.as_bool()) {
            (Some(a), Some(b)) => Node::new(
                Value::Bool(if operator == Op::And { a && b } else { a || b }),
                span,
            ),
            (Some(false), None) if operator == Op::And => Node::new(Value::Bool(false), span),
            (None, Some(false)) if operator == Op::And => Node::new(Value::Bool(false), span),
            (Some(true), None) if operator == Op::Or => Node::new(Value::Bool(true), span),
            (None, Some(true)) if operator == Op::Or => Node::new(Value::Bool(true), span),
            _ => Node::unknown("logic on unknown values", span),
        },
        Op::Eq | Op::NotEq => {
            if !is_plain_known(lhs) || !is_plain_known(rhs) {
                return Node::unknown("comparison of unknown values", span);
            }
            let equal = crate::node::to_json(lhs) == crate::node::to_json(rhs)
                || matches!((lhs.as_f64(), rhs.as_f64()), (Some(a), Some(b)) if a == b && matches!(lhs.value, Value::Number(_)) && matches!(rhs.value, Value::Number(_)));
            Node::new(
                Value::Bool(if operator == Op::Eq { equal } else { !equal }),
                span,
            )
        }
        _ => {
            let (Some(a), Some(b)) = (numeric(lhs), numeric(rhs)) else {
                return Node::unknown("arithmetic on unknown values", span);
            };
            match operator {
                Op::Plus => number(a + b, span),
                Op::Minus => number(a - b, span),
                Op::Mul => number(a * b, span),
                Op::Div if b != 0.0 => number(a / b, span),
                Op::Mod if b != 0.0 => number(a % b, span),
                Op::Less => Node::new(Value::Bool(a < b), span),
                Op::LessEq => Node::new(Value::Bool(a <= b), span),
                Op::Greater => Node::new(Value::Bool(a > b), span),
                Op::GreaterEq => Node::new(Value::Bool(a >= b), span),
                _ => Node::unknown("invalid arithmetic", span),
            }
        }
    }
}

fn numeric(node: &Node) -> Option<f64> {
    match &node.value {
        Value::Number(_) | Value::String(_) => node.as_f64().filter(|value| value.is_finite()),
        _ => None,
    }
}

/// Known all the way down, with no references (which compare only at apply time).
fn is_plain_known(node: &Node) -> bool {
    match &node.value {
        Value::Unknown { .. } | Value::ResourceRef { .. } | Value::OneOf(_) => false,
        Value::Seq(items) => items.iter().all(is_plain_known),
        Value::Map(map) => map.iter().all(|(_, node)| is_plain_known(node)),
        _ => true,
    }
}

/// Moves every span of a tree parsed from a slice to the slice's place in the file.
pub(crate) fn shift_spans(node: &mut Node, offset: u32) {
    node.span.start += offset;
    node.span.end += offset;
    match &mut node.value {
        Value::Seq(items) | Value::OneOf(items) => {
            items.iter_mut().for_each(|item| shift_spans(item, offset))
        }
        Value::Map(map) => {
            for (key, value) in &mut map.entries {
                key.span.start += offset;
                key.span.end += offset;
                shift_spans(value, offset);
            }
        }
        _ => {}
    }
}

/// Gives every span of a tree one span: for JSON parsed from a computed string, whose
/// characters are not in the file.
pub(crate) fn collapse_spans(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.value {
        Value::Seq(items) | Value::OneOf(items) => {
            items.iter_mut().for_each(|item| collapse_spans(item, span))
        }
        Value::Map(map) => {
            for (key, value) in &mut map.entries {
                key.span = span;
                collapse_spans(value, span);
            }
        }
        _ => {}
    }
}

/// Replaces JSON strings that contain `${...}` interpolations (by span) with their values.
fn substitute(node: &mut Node, text: &str, interpolations: &[(std::ops::Range<usize>, Node)]) {
    match &mut node.value {
        Value::Seq(items) => items
            .iter_mut()
            .for_each(|item| substitute(item, text, interpolations)),
        Value::Map(map) => map
            .entries
            .iter_mut()
            .for_each(|(_, value)| substitute(value, text, interpolations)),
        Value::String(_) => {
            let start = node.span.start as usize;
            let end = node.span.end as usize;
            let inside: Vec<&(std::ops::Range<usize>, Node)> = interpolations
                .iter()
                .filter(|(range, _)| range.start > start && range.end < end)
                .collect();
            if inside.is_empty() {
                return;
            }
            // Exactly one interpolation and nothing else: the value itself (a reference).
            if inside.len() == 1 && inside[0].0.start == start + 1 && inside[0].0.end == end - 1 {
                let span = node.span;
                *node = inside[0].1.clone();
                node.span = span;
                return;
            }
            let mut parts = Vec::new();
            let mut cursor = start + 1;
            for (range, value) in inside {
                if let Some(literal) = text.get(cursor..range.start) {
                    parts.push(Node::string(unescape_json(literal), node.span));
                }
                parts.push(value.clone());
                cursor = range.end;
            }
            if let Some(literal) = text.get(cursor..end.saturating_sub(1)) {
                parts.push(Node::string(unescape_json(literal), node.span));
            }
            *node = render_parts(&parts, node.span);
        }
        _ => {}
    }
}

fn unescape_json(raw: &str) -> String {
    serde_json::from_str::<String>(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_string())
}

/// Reads a file for `file()`, relative to the module directory.
pub(crate) fn read_local_file(dir: &Path, name: &str) -> Option<String> {
    // `path.module` renders as the module directory, so `"${path.module}/x"` is already
    // complete; bare relative names are taken relative to the module.
    let path = if Path::new(name).is_absolute() || Path::new(name).starts_with(dir) {
        Path::new(name).to_path_buf()
    } else {
        dir.join(name)
    };
    let metadata = std::fs::metadata(&path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_FILE_LEN {
        return None;
    }
    std::fs::read_to_string(path).ok()
}
