//! JavaScript and TypeScript: tree-sitter-javascript / tree-sitter-typescript lowered to the
//! IR. TypeScript adds type annotations and wrappers (`x as T`, `x!`, `x satisfies T`),
//! which are dropped; everything else has the same node kinds.
//!
//! CommonJS exports become names: `exports.handler = f` and `module.exports = { handler }`
//! bind `export:handler`, so the handler is found the same way as `export const handler`.

use tree_sitter::Node;

use super::Lowering;
use crate::ir::*;

pub fn language() -> tree_sitter::Language {
    tree_sitter_javascript::LANGUAGE.into()
}

pub fn lower(root: Node<'_>, source: &str) -> Module {
    let mut lowering = Lowering::new(source);
    let top = lowering.reserve("<module>", range(root), false);
    let body = block(&mut lowering, root);
    lowering.finish(top, Vec::new(), body);
    lowering.module
}

fn range(node: Node<'_>) -> Range {
    Range::new(node.start_byte(), node.end_byte())
}

/// The name a CommonJS export is bound to.
pub fn export_name(name: &str) -> String {
    format!("export:{name}")
}

fn block(l: &mut Lowering<'_>, node: Node<'_>) -> Vec<Stmt> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        statement(l, child, &mut out);
    }
    out
}

fn body_of(l: &mut Lowering<'_>, node: Option<Node<'_>>) -> Vec<Stmt> {
    let mut out = Vec::new();
    if let Some(node) = node {
        statement(l, node, &mut out);
    }
    out
}

fn statement(l: &mut Lowering<'_>, node: Node<'_>, out: &mut Vec<Stmt>) {
    if !l.enter() {
        return;
    }
    match node.kind() {
        "statement_block" | "program" | "class_body" | "switch_body" => out.extend(block(l, node)),
        "expression_statement" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                expression_statement(l, child, out);
            }
        }
        "lexical_declaration" | "variable_declaration" | "using_declaration" => {
            let mut cursor = node.walk();
            for declarator in node.named_children(&mut cursor) {
                if declarator.kind() != "variable_declarator" {
                    continue;
                }
                let Some(name) = declarator.child_by_field_name("name") else {
                    continue;
                };
                let Some(value) = declarator.child_by_field_name("value") else {
                    continue;
                };
                let value = expr(l, value);
                if name.kind() == "identifier" {
                    let text = l.text(name).to_string();
                    l.note_strings(&value, Some(&text));
                }
                let target = pattern(l, name);
                out.push(Stmt::Assign {
                    target,
                    value,
                    range: range(declarator),
                });
            }
        }
        "return_statement" => {
            let value = node.named_child(0).map(|e| expr(l, e));
            out.push(Stmt::Return(value, range(node)));
        }
        "throw_statement" => {
            let value = node.named_child(0).map(|e| expr(l, e));
            out.push(Stmt::Throw(value, range(node)));
        }
        "if_statement" => {
            let cond = field_expr(l, node, "condition");
            let then = body_of(l, node.child_by_field_name("consequence"));
            let otherwise = match node.child_by_field_name("alternative") {
                Some(alternative) => {
                    let mut out = Vec::new();
                    let mut cursor = alternative.walk();
                    for child in alternative.named_children(&mut cursor) {
                        statement(l, child, &mut out);
                    }
                    out
                }
                None => Vec::new(),
            };
            out.push(Stmt::If {
                cond,
                then,
                otherwise,
            });
        }
        "for_statement" => {
            let mut body = Vec::new();
            if let Some(init) = node.child_by_field_name("initializer") {
                statement(l, init, out);
            }
            let cond = node.child_by_field_name("condition").map(|c| expr(l, c));
            if let Some(increment) = node.child_by_field_name("increment") {
                body.push(Stmt::Expr(expr(l, increment)));
            }
            body.extend(body_of(l, node.child_by_field_name("body")));
            out.push(Stmt::Loop {
                target: None,
                iter: cond,
                body,
            });
        }
        "for_in_statement" => {
            let target = node.child_by_field_name("left").map(|t| pattern(l, t));
            // `for (k in obj)` iterates keys, `for (v of arr)` values: both from `right`.
            let iter = node.child_by_field_name("right").map(|e| expr(l, e));
            let body = body_of(l, node.child_by_field_name("body"));
            out.push(Stmt::Loop { target, iter, body });
        }
        "while_statement" | "do_statement" => {
            let cond = node.child_by_field_name("condition").map(|c| expr(l, c));
            let body = body_of(l, node.child_by_field_name("body"));
            out.push(Stmt::Loop {
                target: None,
                iter: cond,
                body,
            });
        }
        "try_statement" => {
            let body = body_of(l, node.child_by_field_name("body"));
            let mut handlers = Vec::new();
            if let Some(handler) = node.child_by_field_name("handler") {
                let parameter = handler.child_by_field_name("parameter");
                let name = parameter
                    .filter(|p| p.kind() == "identifier")
                    .map(|p| l.text(p).to_string());
                let body = body_of(l, handler.child_by_field_name("body"));
                handlers.push(Handler {
                    name,
                    body,
                    range: range(handler),
                });
            }
            let finally = node
                .child_by_field_name("finalizer")
                .map(|f| body_of(l, f.child_by_field_name("body")))
                .unwrap_or_default();
            out.push(Stmt::Try {
                body,
                handlers,
                finally,
            });
        }
        "switch_statement" => {
            if let Some(value) = node.child_by_field_name("value") {
                out.push(Stmt::Expr(expr(l, value)));
            }
            if let Some(body) = node.child_by_field_name("body") {
                let mut cursor = body.walk();
                for case in body.named_children(&mut cursor) {
                    let mut then = Vec::new();
                    let mut c = case.walk();
                    for (index, child) in case.named_children(&mut c).enumerate() {
                        if index == 0 && case.kind() == "switch_case" {
                            // The case value.
                            continue;
                        }
                        statement(l, child, &mut then);
                    }
                    out.push(Stmt::If {
                        cond: Expr::other(range(case)),
                        then,
                        otherwise: Vec::new(),
                    });
                }
            }
        }
        "labeled_statement" => out.extend(body_of(l, node.child_by_field_name("body"))),
        "function_declaration" | "generator_function_declaration" => {
            let id = function(l, node);
            let name = l.module.functions[id].name.clone();
            out.push(Stmt::Def(name, id));
        }
        "class_declaration" | "abstract_class_declaration" | "class" => {
            if let Some(body) = node.child_by_field_name("body") {
                let mut cursor = body.walk();
                for member in body.named_children(&mut cursor) {
                    match member.kind() {
                        "method_definition" => {
                            let id = function(l, member);
                            let name = l.module.functions[id].name.clone();
                            out.push(Stmt::Def(name, id));
                        }
                        "field_definition" | "public_field_definition" => {
                            if let Some(value) = member.child_by_field_name("value") {
                                let value = expr(l, value);
                                out.push(Stmt::Expr(value));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        "import_statement" => import(l, node, out),
        "export_statement" => {
            if let Some(source) = node.child_by_field_name("source") {
                // `export { default as producer } from './producer'`: a re-export.
                let module = string_value(l, source);
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.kind() != "export_clause" {
                        continue;
                    }
                    let mut c = child.walk();
                    for specifier in child.named_children(&mut c) {
                        out.extend(specifier_import(l, specifier, &module).map(Stmt::Import));
                    }
                }
            } else if let Some(declaration) = node.child_by_field_name("declaration") {
                statement(l, declaration, out);
            } else if let Some(value) = node.child_by_field_name("value") {
                // `export default <expr>`
                let value = expr(l, value);
                out.push(Stmt::Assign {
                    target: Target::Name(export_name("default"), range(node)),
                    value,
                    range: range(node),
                });
            } else {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    match child.kind() {
                        "export_clause" => {
                            let mut c = child.walk();
                            for specifier in child.named_children(&mut c) {
                                let name = specifier
                                    .child_by_field_name("name")
                                    .map(|n| l.text(n).to_string());
                                let alias = specifier
                                    .child_by_field_name("alias")
                                    .map(|n| l.text(n).to_string());
                                if let (Some(name), Some(alias)) = (name, alias) {
                                    out.push(Stmt::Assign {
                                        target: Target::Name(alias, range(specifier)),
                                        value: Expr::new(ExprKind::Name(name), range(specifier)),
                                        range: range(specifier),
                                    });
                                }
                            }
                        }
                        "function_declaration"
                        | "generator_function_declaration"
                        | "class_declaration"
                        | "lexical_declaration" => statement(l, child, out),
                        _ => {}
                    }
                }
            }
        }
        "import_alias" | "import_require_clause" => {}
        "internal_module" | "module" | "ambient_declaration" => {
            if let Some(body) = node.child_by_field_name("body") {
                out.extend(block(l, body));
            }
        }
        "interface_declaration"
        | "type_alias_declaration"
        | "enum_declaration"
        | "empty_statement"
        | "debugger_statement"
        | "break_statement"
        | "continue_statement"
        | "comment"
        | "hash_bang_line"
        | "ERROR" => {}
        _ => {
            if node.kind().ends_with("expression") || node.kind() == "identifier" {
                expression_statement(l, node, out);
            }
        }
    }
    l.leave();
}

fn import(l: &mut Lowering<'_>, node: Node<'_>, out: &mut Vec<Stmt>) {
    let Some(source) = node.child_by_field_name("source") else {
        return;
    };
    let module = string_value(l, source);
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "import_clause" => {
                let mut c = child.walk();
                for part in child.named_children(&mut c) {
                    match part.kind() {
                        // Default import: the module's default export (for packages, the
                        // module itself, as CommonJS interop gives it).
                        "identifier" => out.push(Stmt::Import(Import {
                            local: l.text(part).to_string(),
                            module: module.clone(),
                            member: Some("default".into()),
                            range: range(part),
                        })),
                        "namespace_import" => {
                            let mut n = part.walk();
                            let name = part
                                .named_children(&mut n)
                                .find(|c| c.kind() == "identifier");
                            if let Some(name) = name {
                                out.push(Stmt::Import(Import {
                                    local: l.text(name).to_string(),
                                    module: module.clone(),
                                    member: None,
                                    range: range(part),
                                }));
                            }
                        }
                        "named_imports" => {
                            let mut n = part.walk();
                            for specifier in part.named_children(&mut n) {
                                if specifier.kind() != "import_specifier" {
                                    continue;
                                }
                                out.extend(
                                    specifier_import(l, specifier, &module).map(Stmt::Import),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            // TypeScript `import x = require('y')`.
            "import_require_clause" => {
                if let Some(name) = child.named_child(0) {
                    out.push(Stmt::Import(Import {
                        local: l.text(name).to_string(),
                        module: module.clone(),
                        member: None,
                        range: range(child),
                    }));
                }
            }
            _ => {}
        }
    }
}

fn expression_statement(l: &mut Lowering<'_>, node: Node<'_>, out: &mut Vec<Stmt>) {
    match node.kind() {
        "assignment_expression" | "augmented_assignment_expression" => assignment(l, node, out),
        "sequence_expression" => {
            let mut cursor = node.walk();
            let parts: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            for part in parts {
                expression_statement(l, part, out);
            }
        }
        "parenthesized_expression" => {
            if let Some(inner) = node.named_child(0) {
                expression_statement(l, inner, out);
            }
        }
        _ => out.push(Stmt::Expr(expr(l, node))),
    }
}

/// `exports.x`, `module.exports.x`: the exported name. `module.exports`: `Some(None)`.
fn export_target(l: &Lowering<'_>, node: Node<'_>) -> Option<Option<String>> {
    if node.kind() != "member_expression" {
        return None;
    }
    let object = node.child_by_field_name("object")?;
    let property = l.text(node.child_by_field_name("property")?).to_string();
    let object_text = l.text(object);
    if object_text == "module" && property == "exports" {
        return Some(None);
    }
    if object_text == "exports" || object_text == "module.exports" {
        return Some(Some(property));
    }
    None
}

fn assignment(l: &mut Lowering<'_>, node: Node<'_>, out: &mut Vec<Stmt>) {
    let (Some(left), Some(right)) = (
        node.child_by_field_name("left"),
        node.child_by_field_name("right"),
    ) else {
        return;
    };
    let mut value = if matches!(right.kind(), "assignment_expression") {
        assignment(l, right, out);
        right
            .child_by_field_name("left")
            .map(|inner| expr(l, inner))
            .unwrap_or_else(|| Expr::other(range(right)))
    } else {
        expr(l, right)
    };
    if node.kind() == "augmented_assignment_expression" {
        let current = expr(l, left);
        let r = range(node);
        let operator = node
            .child_by_field_name("operator")
            .map(|op| l.text(op).to_string())
            .unwrap_or_default();
        value = if operator == "+=" {
            Expr::new(ExprKind::Concat(vec![current, value]), r)
        } else {
            Expr::new(
                ExprKind::Binary(Box::new(current), operator, Box::new(value)),
                r,
            )
        };
    }
    match export_target(l, left) {
        Some(Some(name)) => {
            out.push(Stmt::Assign {
                target: Target::Name(export_name(&name), range(left)),
                value,
                range: range(node),
            });
            return;
        }
        Some(None) => {
            // `module.exports = { a, b: c }` or `module.exports = fn`.
            if let ExprKind::Object(entries) = &value.kind {
                for (key, entry) in entries {
                    if let Some(key) = key {
                        out.push(Stmt::Assign {
                            target: Target::Name(export_name(key), entry.range),
                            value: entry.clone(),
                            range: range(node),
                        });
                    }
                }
            }
            out.push(Stmt::Assign {
                target: Target::Name(export_name("default"), range(left)),
                value,
                range: range(node),
            });
            return;
        }
        None => {}
    }
    if let Some(name) = last_name(l, left) {
        l.note_strings(&value, Some(&name));
    }
    let target = pattern(l, left);
    out.push(Stmt::Assign {
        target,
        value,
        range: range(node),
    });
}

fn last_name(l: &Lowering<'_>, node: Node<'_>) -> Option<String> {
    match node.kind() {
        "identifier" => Some(l.text(node).to_string()),
        "member_expression" => node
            .child_by_field_name("property")
            .map(|p| l.text(p).to_string()),
        _ => None,
    }
}

/// An assignment target or a declaration pattern.
fn pattern(l: &mut Lowering<'_>, node: Node<'_>) -> Target {
    match node.kind() {
        "identifier" | "shorthand_property_identifier_pattern" => {
            Target::Name(l.text(node).to_string(), range(node))
        }
        "member_expression" => {
            let object = field_expr(l, node, "object");
            let name = node
                .child_by_field_name("property")
                .map(|p| l.text(p).to_string());
            Target::Field(object, name)
        }
        "subscript_expression" => {
            let object = field_expr(l, node, "object");
            let key = node
                .child_by_field_name("index")
                .filter(|i| i.kind() == "string")
                .map(|i| string_value(l, i));
            Target::Field(object, key)
        }
        "object_pattern" => {
            let mut fields = Vec::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                match child.kind() {
                    "shorthand_property_identifier_pattern" => {
                        let name = l.text(child).to_string();
                        fields.push((Some(name.clone()), Target::Name(name, range(child))));
                    }
                    "pair_pattern" => {
                        let key = child.child_by_field_name("key").map(|k| key_name(l, k));
                        let value = child
                            .child_by_field_name("value")
                            .map(|v| pattern(l, v))
                            .unwrap_or(Target::Ignored);
                        fields.push((key.flatten(), value));
                    }
                    "object_assignment_pattern" => {
                        if let Some(left) = child.child_by_field_name("left") {
                            let name = l.text(left).to_string();
                            let target = pattern(l, left);
                            fields.push((Some(name), target));
                        }
                    }
                    "rest_pattern" => {
                        if let Some(inner) = child.named_child(0) {
                            fields.push((None, pattern(l, inner)));
                        }
                    }
                    _ => {}
                }
            }
            Target::Object(fields)
        }
        "array_pattern" => {
            let mut cursor = node.walk();
            let items: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            Target::Sequence(items.into_iter().map(|i| pattern(l, i)).collect())
        }
        "assignment_pattern" => match node.child_by_field_name("left") {
            Some(left) => pattern(l, left),
            None => Target::Ignored,
        },
        "rest_pattern" | "parenthesized_expression" | "non_null_expression" => {
            match node.named_child(0) {
                Some(inner) => pattern(l, inner),
                None => Target::Ignored,
            }
        }
        _ => Target::Ignored,
    }
}

fn key_name(l: &Lowering<'_>, node: Node<'_>) -> Option<String> {
    match node.kind() {
        "property_identifier" | "identifier" | "private_property_identifier" => {
            Some(l.text(node).to_string())
        }
        "string" => Some(string_value(l, node)),
        "number" => Some(l.text(node).to_string()),
        _ => None,
    }
}

fn function(l: &mut Lowering<'_>, node: Node<'_>) -> FuncId {
    let name = node
        .child_by_field_name("name")
        .map(|n| l.text(n).to_string())
        .unwrap_or_else(|| "<anonymous>".into());
    let id = l.reserve(&name, range(node), false);
    let mut params = Vec::new();
    if let Some(parameter) = node.child_by_field_name("parameter") {
        params.push(param(l, parameter));
    }
    if let Some(parameters) = node.child_by_field_name("parameters") {
        let mut cursor = parameters.walk();
        let list: Vec<Node<'_>> = parameters.named_children(&mut cursor).collect();
        for parameter in list {
            if matches!(parameter.kind(), "comment" | "decorator") {
                continue;
            }
            params.push(param(l, parameter));
        }
    }
    let body = match node.child_by_field_name("body") {
        Some(body) if body.kind() == "statement_block" => block(l, body),
        Some(body) => {
            let value = expr(l, body);
            vec![Stmt::Return(Some(value), range(body))]
        }
        None => Vec::new(),
    };
    l.finish(id, params, body);
    id
}

fn param(l: &mut Lowering<'_>, node: Node<'_>) -> Param {
    // TypeScript wraps parameters: `required_parameter(pattern: ..., type: ...)`.
    let inner = match node.kind() {
        "required_parameter" | "optional_parameter" => {
            node.child_by_field_name("pattern").unwrap_or(node)
        }
        "assignment_pattern" => node.child_by_field_name("left").unwrap_or(node),
        _ => node,
    };
    let inner = if inner.kind() == "assignment_pattern" {
        inner.child_by_field_name("left").unwrap_or(inner)
    } else {
        inner
    };
    match inner.kind() {
        "identifier" => Param {
            name: Some(l.text(inner).to_string()),
            pattern: None,
            range: range(node),
        },
        "this" => Param {
            name: Some("this".into()),
            pattern: None,
            range: range(node),
        },
        _ => Param {
            name: None,
            pattern: Some(pattern(l, inner)),
            range: range(node),
        },
    }
}

pub(crate) fn string_value(l: &Lowering<'_>, node: Node<'_>) -> String {
    let mut value = String::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "string_fragment" => value.push_str(l.text(child)),
            "escape_sequence" => match l.text(child) {
                "\\n" => value.push('\n'),
                "\\t" => value.push('\t'),
                "\\\\" => value.push('\\'),
                "\\'" => value.push('\''),
                "\\\"" => value.push('"'),
                _ => {}
            },
            _ => {}
        }
    }
    value
}

fn expr(l: &mut Lowering<'_>, node: Node<'_>) -> Expr {
    let r = range(node);
    if !l.enter() {
        return Expr::other(r);
    }
    let kind = match node.kind() {
        "identifier" | "shorthand_property_identifier" => ExprKind::Name(l.text(node).to_string()),
        "this" => ExprKind::Name("this".into()),
        "member_expression" => {
            let object = field_expr(l, node, "object");
            let name = node
                .child_by_field_name("property")
                .map(|p| l.text(p).to_string())
                .unwrap_or_default();
            ExprKind::Attr(Box::new(object), name)
        }
        "subscript_expression" => {
            let object = field_expr(l, node, "object");
            let index = field_expr(l, node, "index");
            ExprKind::Index(Box::new(object), Box::new(index))
        }
        "call_expression" | "new_expression" => {
            let construct = node.kind() == "new_expression";
            let callee = node
                .child_by_field_name(if construct { "constructor" } else { "function" })
                .map(|f| expr(l, f))
                .unwrap_or_else(|| Expr::other(r));
            let mut args = Vec::new();
            if let Some(arguments) = node.child_by_field_name("arguments") {
                if arguments.kind() == "template_string" {
                    // Tagged template: sql`...` keeps its parts apart (parameterised).
                    args.push(Arg {
                        name: None,
                        value: Expr::new(
                            ExprKind::Other(vec![expr(l, arguments)]),
                            range(arguments),
                        ),
                        spread: false,
                    });
                } else {
                    let mut cursor = arguments.walk();
                    let list: Vec<Node<'_>> = arguments.named_children(&mut cursor).collect();
                    for argument in list {
                        match argument.kind() {
                            "comment" => {}
                            "spread_element" => args.push(Arg {
                                name: None,
                                value: argument
                                    .named_child(0)
                                    .map(|v| expr(l, v))
                                    .unwrap_or_else(|| Expr::other(range(argument))),
                                spread: true,
                            }),
                            _ => args.push(Arg {
                                name: None,
                                value: expr(l, argument),
                                spread: false,
                            }),
                        }
                    }
                }
            }
            ExprKind::Call {
                callee: Box::new(callee),
                args,
                construct,
            }
        }
        "string" => {
            let value = string_value(l, node);
            l.note_literal(&value, r);
            ExprKind::Str(value)
        }
        "template_string" => {
            let mut parts = Vec::new();
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            for child in children {
                match child.kind() {
                    "string_fragment" => parts.push(Expr::new(
                        ExprKind::Str(l.text(child).to_string()),
                        range(child),
                    )),
                    "template_substitution" => {
                        if let Some(e) = child.named_child(0) {
                            parts.push(expr(l, e));
                        }
                    }
                    _ => {}
                }
            }
            if parts.iter().all(|p| matches!(p.kind, ExprKind::Str(_))) {
                let value: String = parts.iter().filter_map(|p| p.as_str()).collect();
                l.note_literal(&value, r);
                ExprKind::Str(value)
            } else {
                ExprKind::Concat(parts)
            }
        }
        "binary_expression" => {
            let left = node.child_by_field_name("left").map(|e| expr(l, e));
            let right = node.child_by_field_name("right").map(|e| expr(l, e));
            let operator = node
                .child_by_field_name("operator")
                .map(|op| l.text(op).to_string())
                .unwrap_or_default();
            match (left, right) {
                (Some(left), Some(right)) => {
                    let stringy =
                        |e: &Expr| matches!(e.kind, ExprKind::Str(_) | ExprKind::Concat(_));
                    if operator == "+" && (stringy(&left) || stringy(&right)) {
                        let mut parts = Vec::new();
                        for side in [left, right] {
                            match side.kind {
                                ExprKind::Concat(inner) => parts.extend(inner),
                                _ => parts.push(side),
                            }
                        }
                        ExprKind::Concat(parts)
                    } else {
                        ExprKind::Binary(Box::new(left), operator, Box::new(right))
                    }
                }
                _ => ExprKind::Other(Vec::new()),
            }
        }
        "unary_expression" => {
            let operator = node
                .child_by_field_name("operator")
                .map(|op| l.text(op).to_string())
                .unwrap_or_default();
            let argument = field_expr(l, node, "argument");
            ExprKind::Unary(operator, Box::new(argument))
        }
        "object" => {
            let mut entries = Vec::new();
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            for child in children {
                match child.kind() {
                    "pair" => {
                        let key = child
                            .child_by_field_name("key")
                            .and_then(|k| key_name(l, k));
                        let value = field_expr(l, child, "value");
                        if let Some(key) = &key {
                            l.note_strings(&value, Some(key));
                        }
                        entries.push((key, value));
                    }
                    "shorthand_property_identifier" => {
                        let name = l.text(child).to_string();
                        entries.push((
                            Some(name.clone()),
                            Expr::new(ExprKind::Name(name), range(child)),
                        ));
                    }
                    "spread_element" => {
                        if let Some(v) = child.named_child(0) {
                            entries.push((None, expr(l, v)));
                        }
                    }
                    "method_definition" => {
                        let id = function(l, child);
                        let name = l.module.functions[id].name.clone();
                        entries.push((Some(name), Expr::new(ExprKind::Function(id), range(child))));
                    }
                    _ => {}
                }
            }
            ExprKind::Object(entries)
        }
        "array" => {
            let mut cursor = node.walk();
            let items: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            ExprKind::Array(items.into_iter().map(|i| expr(l, i)).collect())
        }
        "arrow_function" | "function_expression" | "function" | "generator_function" => {
            ExprKind::Function(function(l, node))
        }
        "await_expression" => {
            let inner = node
                .named_child(0)
                .map(|e| expr(l, e))
                .unwrap_or_else(|| Expr::other(r));
            ExprKind::Await(Box::new(inner))
        }
        "parenthesized_expression"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression"
        | "type_assertion" => {
            let mut cursor = node.walk();
            let inner = node.named_children(&mut cursor).find(|c| {
                !matches!(c.kind(), "type_arguments" | "comment")
                    && !c.kind().ends_with("_type")
                    && c.kind() != "predefined_type"
                    && c.kind() != "type_identifier"
            });
            match inner {
                Some(inner) => {
                    l.leave();
                    return expr(l, inner);
                }
                None => ExprKind::Other(Vec::new()),
            }
        }
        "ternary_expression" => {
            let cond = node.child_by_field_name("condition").map(|e| expr(l, e));
            let a = node.child_by_field_name("consequence").map(|e| expr(l, e));
            let b = node.child_by_field_name("alternative").map(|e| expr(l, e));
            match (cond, a, b) {
                (Some(c), Some(a), Some(b)) => {
                    ExprKind::Conditional(Box::new(c), Box::new(a), Box::new(b))
                }
                _ => ExprKind::Other(Vec::new()),
            }
        }
        "assignment_expression" => {
            // An assignment used as a value: its value.
            let value = field_expr(l, node, "right");
            ExprKind::Other(vec![value])
        }
        "number" | "true" | "false" | "null" | "undefined" | "regex" => {
            ExprKind::Literal(l.text(node).to_string())
        }
        "class" => {
            let mut out = Vec::new();
            statement(l, node, &mut out);
            ExprKind::Other(Vec::new())
        }
        "comment" => ExprKind::Other(Vec::new()),
        _ => {
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            ExprKind::Other(children.into_iter().map(|c| expr(l, c)).collect())
        }
    };
    l.leave();
    Expr::new(kind, r)
}

/// The lowered `field` child of `node`, or an opaque expression where the parser left it out.
fn field_expr(l: &mut Lowering<'_>, node: Node<'_>, field: &str) -> Expr {
    match node.child_by_field_name(field) {
        Some(child) => expr(l, child),
        None => Expr::other(range(node)),
    }
}

/// `{ name as alias }` of an import or a re-export from `module`.
fn specifier_import(l: &Lowering<'_>, specifier: Node<'_>, module: &str) -> Option<Import> {
    let name = specifier
        .child_by_field_name("name")
        .map(|n| l.text(n).trim_matches(['"', '\'']).to_string())?;
    let alias = specifier
        .child_by_field_name("alias")
        .map(|n| l.text(n).to_string());
    Some(Import {
        local: alias.unwrap_or_else(|| name.clone()),
        module: module.to_string(),
        member: Some(name),
        range: range(specifier),
    })
}
