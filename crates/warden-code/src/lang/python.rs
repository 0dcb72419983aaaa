//! Python: tree-sitter-python lowered to the IR.

use tree_sitter::Node;

use super::Lowering;
use crate::ir::*;

pub fn language() -> tree_sitter::Language {
    tree_sitter_python::LANGUAGE.into()
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

fn block(l: &mut Lowering<'_>, node: Node<'_>) -> Vec<Stmt> {
    let mut out = Vec::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        statement(l, child, &mut out);
    }
    out
}

fn field_block(l: &mut Lowering<'_>, node: Node<'_>, field: &str) -> Vec<Stmt> {
    node.child_by_field_name(field)
        .map(|body| block(l, body))
        .unwrap_or_default()
}

fn statement(l: &mut Lowering<'_>, node: Node<'_>, out: &mut Vec<Stmt>) {
    if !l.enter() {
        return;
    }
    match node.kind() {
        "expression_statement" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                match child.kind() {
                    "assignment" | "augmented_assignment" => assignment(l, child, out),
                    _ => out.push(Stmt::Expr(expr(l, child))),
                }
            }
        }
        "return_statement" => {
            let value = node.named_child(0).map(|child| expr(l, child));
            out.push(Stmt::Return(value, range(node)));
        }
        "raise_statement" => {
            let value = node.named_child(0).map(|child| expr(l, child));
            out.push(Stmt::Throw(value, range(node)));
        }
        "if_statement" => out.push(if_statement(l, node)),
        "for_statement" => {
            let target = node.child_by_field_name("left").map(|t| target(l, t));
            let iter = node.child_by_field_name("right").map(|e| expr(l, e));
            let mut body = field_block(l, node, "body");
            if let Some(alternative) = node.child_by_field_name("alternative") {
                body.extend(field_block(l, alternative, "body"));
            }
            out.push(Stmt::Loop { target, iter, body });
        }
        "while_statement" => {
            let cond = node.child_by_field_name("condition").map(|e| expr(l, e));
            let body = field_block(l, node, "body");
            out.push(Stmt::Loop {
                target: None,
                iter: cond,
                body,
            });
        }
        "try_statement" => {
            let body = field_block(l, node, "body");
            let mut handlers = Vec::new();
            let mut finally = Vec::new();
            let mut else_body = Vec::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                match child.kind() {
                    "except_clause" | "except_group_clause" => {
                        let name = child
                            .child_by_field_name("alias")
                            .map(|alias| l.text(alias).to_string())
                            .or_else(|| {
                                // Older form: `except E as e` parsed as an `as_pattern`.
                                let mut c = child.walk();
                                let found = child
                                    .named_children(&mut c)
                                    .find(|n| n.kind() == "as_pattern")
                                    .and_then(|p| p.child_by_field_name("alias"))
                                    .map(|alias| l.text(alias).trim().to_string());
                                found
                            });
                        let mut c = child.walk();
                        let body_node = child.named_children(&mut c).find(|n| n.kind() == "block");
                        let body = body_node.map(|b| block(l, b)).unwrap_or_default();
                        handlers.push(Handler {
                            name,
                            body,
                            range: range(child),
                        });
                    }
                    "finally_clause" => {
                        let mut c = child.walk();
                        let found = child.named_children(&mut c).find(|n| n.kind() == "block");
                        if let Some(b) = found {
                            finally = block(l, b);
                        }
                    }
                    "else_clause" => else_body = field_block(l, child, "body"),
                    _ => {}
                }
            }
            let mut body = body;
            body.extend(else_body);
            out.push(Stmt::Try {
                body,
                handlers,
                finally,
            });
        }
        "with_statement" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind() == "with_clause" {
                    let mut c = child.walk();
                    for item in child.named_children(&mut c) {
                        let Some(value) = item.child_by_field_name("value") else {
                            continue;
                        };
                        if value.kind() == "as_pattern" {
                            let source = value.named_child(0).map(|e| expr(l, e));
                            let alias = value.child_by_field_name("alias");
                            if let (Some(source), Some(alias)) = (source, alias) {
                                let target = target(l, alias);
                                out.push(Stmt::Assign {
                                    target,
                                    value: source,
                                    range: range(value),
                                });
                            }
                        } else {
                            out.push(Stmt::Expr(expr(l, value)));
                        }
                    }
                }
            }
            out.extend(field_block(l, node, "body"));
        }
        "function_definition" => {
            let id = function(l, node, false);
            let name = l.module.functions[id].name.clone();
            out.push(Stmt::Def(name, id));
        }
        "decorated_definition" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind() == "decorator" {
                    if let Some(e) = child.named_child(0) {
                        out.push(Stmt::Expr(expr(l, e)));
                    }
                }
            }
            if let Some(definition) = node.child_by_field_name("definition") {
                statement(l, definition, out);
            }
        }
        "class_definition" => {
            if let Some(body) = node.child_by_field_name("body") {
                let mut cursor = body.walk();
                for child in body.named_children(&mut cursor) {
                    let definition = if child.kind() == "decorated_definition" {
                        child.child_by_field_name("definition")
                    } else {
                        Some(child)
                    };
                    match definition {
                        Some(def) if def.kind() == "function_definition" => {
                            let id = function(l, def, true);
                            let name = l.module.functions[id].name.clone();
                            out.push(Stmt::Def(name, id));
                        }
                        Some(other) => statement(l, other, out),
                        None => {}
                    }
                }
            }
        }
        "import_statement" => {
            let mut cursor = node.walk();
            for child in node.children_by_field_name("name", &mut cursor) {
                let (name, alias) = aliased(l, child);
                // `import os.path` binds `os`.
                let local = alias.unwrap_or_else(|| name.split('.').next().unwrap_or("").into());
                let module = if local == name || name.starts_with(&format!("{local}.")) {
                    local.clone()
                } else {
                    name.clone()
                };
                out.push(Stmt::Import(Import {
                    local,
                    module,
                    member: None,
                    range: range(child),
                }));
            }
        }
        "import_from_statement" => {
            let module = node
                .child_by_field_name("module_name")
                .map(|m| l.text(m).to_string())
                .unwrap_or_default();
            let mut cursor = node.walk();
            for child in node.children_by_field_name("name", &mut cursor) {
                let (name, alias) = aliased(l, child);
                out.push(Stmt::Import(Import {
                    local: alias.unwrap_or_else(|| name.clone()),
                    module: module.clone(),
                    member: Some(name),
                    range: range(child),
                }));
            }
        }
        "block" | "module" => out.extend(block(l, node)),
        "comment" => {}
        "match_statement" => {
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind() == "block" {
                    let mut c = child.walk();
                    for case in child.named_children(&mut c) {
                        out.push(Stmt::If {
                            cond: Expr::other(range(case)),
                            then: field_block(l, case, "consequence"),
                            otherwise: Vec::new(),
                        });
                    }
                } else {
                    out.push(Stmt::Expr(expr(l, child)));
                }
            }
        }
        "global_statement"
        | "nonlocal_statement"
        | "pass_statement"
        | "break_statement"
        | "continue_statement"
        | "future_import_statement" => {}
        "ERROR" => {}
        _ => {
            // assert, del, print (py2) ...: their expressions still matter (calls).
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                if child.kind() == "block" {
                    out.extend(block(l, child));
                } else if child.kind().ends_with("statement") {
                    statement(l, child, out);
                } else {
                    out.push(Stmt::Expr(expr(l, child)));
                }
            }
        }
    }
    l.leave();
}

fn aliased(l: &Lowering<'_>, node: Node<'_>) -> (String, Option<String>) {
    if node.kind() == "aliased_import" {
        let name = node
            .child_by_field_name("name")
            .map(|n| l.text(n).to_string())
            .unwrap_or_default();
        let alias = node
            .child_by_field_name("alias")
            .map(|n| l.text(n).to_string());
        (name, alias)
    } else {
        (l.text(node).to_string(), None)
    }
}

fn if_statement(l: &mut Lowering<'_>, node: Node<'_>) -> Stmt {
    let cond = field_expr(l, node, "condition");
    let then = field_block(l, node, "consequence");
    // elif/else chain, innermost last.
    let mut cursor = node.walk();
    let alternatives: Vec<Node<'_>> = node
        .children_by_field_name("alternative", &mut cursor)
        .collect();
    let mut otherwise: Vec<Stmt> = Vec::new();
    for alternative in alternatives.into_iter().rev() {
        match alternative.kind() {
            "else_clause" => otherwise = field_block(l, alternative, "body"),
            "elif_clause" => {
                let cond = field_expr(l, alternative, "condition");
                let then = field_block(l, alternative, "consequence");
                otherwise = vec![Stmt::If {
                    cond,
                    then,
                    otherwise,
                }];
            }
            _ => {}
        }
    }
    Stmt::If {
        cond,
        then,
        otherwise,
    }
}

fn assignment(l: &mut Lowering<'_>, node: Node<'_>, out: &mut Vec<Stmt>) {
    let Some(left) = node.child_by_field_name("left") else {
        return;
    };
    let Some(right) = node.child_by_field_name("right") else {
        // Annotation only: `x: int`.
        return;
    };
    let target_node = left;
    let mut value = if right.kind() == "assignment" {
        // `a = b = value`: lower the inner one first, then assign its value here too.
        assignment(l, right, out);
        right
            .child_by_field_name("left")
            .map(|inner| expr(l, inner))
            .unwrap_or_else(|| Expr::other(range(right)))
    } else {
        expr(l, right)
    };
    if node.kind() == "augmented_assignment" {
        let current = expr(l, left);
        let operator = node
            .child_by_field_name("operator")
            .map(|op| l.text(op).to_string())
            .unwrap_or_default();
        let r = range(node);
        value = if operator == "+=" {
            Expr::new(ExprKind::Concat(vec![current, value]), r)
        } else {
            Expr::new(
                ExprKind::Binary(Box::new(current), operator, Box::new(value)),
                r,
            )
        };
    }
    if let Some(name) = single_name(l, target_node) {
        l.note_strings(&value, Some(&name));
    }
    let target = target(l, target_node);
    out.push(Stmt::Assign {
        target,
        value,
        range: range(node),
    });
}

fn single_name(l: &Lowering<'_>, node: Node<'_>) -> Option<String> {
    match node.kind() {
        "identifier" => Some(l.text(node).to_string()),
        "attribute" => node
            .child_by_field_name("attribute")
            .map(|a| l.text(a).to_string()),
        "subscript" => node
            .child_by_field_name("subscript")
            .filter(|s| s.kind() == "string")
            .map(|s| string_value(l, s)),
        _ => None,
    }
}

fn target(l: &mut Lowering<'_>, node: Node<'_>) -> Target {
    match node.kind() {
        "identifier" => Target::Name(l.text(node).to_string(), range(node)),
        "attribute" => {
            let object = field_expr(l, node, "object");
            let name = node
                .child_by_field_name("attribute")
                .map(|a| l.text(a).to_string());
            Target::Field(object, name)
        }
        "subscript" => {
            let object = field_expr(l, node, "value");
            let key = node
                .child_by_field_name("subscript")
                .filter(|s| s.kind() == "string")
                .map(|s| string_value(l, s));
            Target::Field(object, key)
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list"
        | "expression_list" => {
            let mut cursor = node.walk();
            let items: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            Target::Sequence(items.into_iter().map(|item| target(l, item)).collect())
        }
        "list_splat_pattern" | "parenthesized_expression" | "as_pattern_target" => {
            match node.named_child(0) {
                Some(inner) => target(l, inner),
                None => Target::Ignored,
            }
        }
        _ => Target::Ignored,
    }
}

fn function(l: &mut Lowering<'_>, node: Node<'_>, is_method: bool) -> FuncId {
    let name = node
        .child_by_field_name("name")
        .map(|n| l.text(n).to_string())
        .unwrap_or_else(|| "<lambda>".into());
    let id = l.reserve(&name, range(node), is_method);
    let mut params = Vec::new();
    if let Some(parameters) = node.child_by_field_name("parameters") {
        let mut cursor = parameters.walk();
        for parameter in parameters.named_children(&mut cursor) {
            let name_node = match parameter.kind() {
                "identifier" => Some(parameter),
                "default_parameter" | "typed_default_parameter" => {
                    parameter.child_by_field_name("name")
                }
                "typed_parameter" => parameter.named_child(0),
                "list_splat_pattern" | "dictionary_splat_pattern" => parameter.named_child(0),
                _ => None,
            };
            if parameter.kind() == "keyword_separator" || parameter.kind() == "positional_separator"
            {
                continue;
            }
            params.push(Param {
                name: name_node
                    .filter(|n| n.kind() == "identifier")
                    .map(|n| l.text(n).to_string()),
                pattern: None,
                range: range(parameter),
            });
        }
    }
    let body = match node.child_by_field_name("body") {
        Some(body) if body.kind() == "block" => block(l, body),
        // lambda: its body is an expression.
        Some(body) => {
            let value = expr(l, body);
            vec![Stmt::Return(Some(value), range(body))]
        }
        None => Vec::new(),
    };
    l.finish(id, params, body);
    id
}

pub(crate) fn string_value(l: &Lowering<'_>, node: Node<'_>) -> String {
    let mut value = String::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "string_content" => value.push_str(l.text(child)),
            "escape_sequence" => value.push_str(unescape(l.text(child))),
            _ => {}
        }
    }
    value
}

fn unescape(text: &str) -> &str {
    match text {
        "\\n" => "\n",
        "\\t" => "\t",
        "\\\\" => "\\",
        "\\'" => "'",
        "\\\"" => "\"",
        _ => "",
    }
}

fn expr(l: &mut Lowering<'_>, node: Node<'_>) -> Expr {
    let r = range(node);
    if !l.enter() {
        return Expr::other(r);
    }
    let kind = match node.kind() {
        "identifier" => ExprKind::Name(l.text(node).to_string()),
        "attribute" => {
            let object = field_expr(l, node, "object");
            let name = node
                .child_by_field_name("attribute")
                .map(|a| l.text(a).to_string())
                .unwrap_or_default();
            ExprKind::Attr(Box::new(object), name)
        }
        "subscript" => {
            let object = field_expr(l, node, "value");
            let mut cursor = node.walk();
            let indices: Vec<Node<'_>> = node
                .children_by_field_name("subscript", &mut cursor)
                .collect();
            let index = match indices.first() {
                Some(first) => expr(l, *first),
                None => Expr::other(r),
            };
            ExprKind::Index(Box::new(object), Box::new(index))
        }
        "call" => {
            let callee = field_expr(l, node, "function");
            let mut args = Vec::new();
            if let Some(arguments) = node.child_by_field_name("arguments") {
                if arguments.kind() == "generator_expression" {
                    args.push(Arg {
                        name: None,
                        value: expr(l, arguments),
                        spread: false,
                    });
                } else {
                    let mut cursor = arguments.walk();
                    for argument in arguments.named_children(&mut cursor) {
                        match argument.kind() {
                            "keyword_argument" => {
                                let name = argument
                                    .child_by_field_name("name")
                                    .map(|n| l.text(n).to_string());
                                let value = field_expr(l, argument, "value");
                                if let Some(name) = &name {
                                    l.note_strings(&value, Some(name));
                                }
                                args.push(Arg {
                                    name,
                                    value,
                                    spread: false,
                                });
                            }
                            "list_splat" | "dictionary_splat" => args.push(Arg {
                                name: None,
                                value: argument
                                    .named_child(0)
                                    .map(|v| expr(l, v))
                                    .unwrap_or_else(|| Expr::other(range(argument))),
                                spread: true,
                            }),
                            "comment" => {}
                            _ => args.push(Arg {
                                name: None,
                                value: expr(l, argument),
                                spread: false,
                            }),
                        }
                    }
                }
            }
            // `"...{}".format(x)` is string building.
            if let ExprKind::Attr(object, method) = &callee.kind {
                if method == "format" && matches!(object.kind, ExprKind::Str(_)) {
                    let mut parts = vec![(**object).clone()];
                    parts.extend(args.into_iter().map(|a| a.value));
                    l.leave();
                    return Expr::new(ExprKind::Concat(parts), r);
                }
            }
            ExprKind::Call {
                callee: Box::new(callee),
                args,
                construct: false,
            }
        }
        "string" => {
            let mut cursor = node.walk();
            let interpolations: Vec<Node<'_>> = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "interpolation")
                .collect();
            if interpolations.is_empty() {
                let value = string_value(l, node);
                l.note_literal(&value, r);
                ExprKind::Str(value)
            } else {
                let mut parts = Vec::new();
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    match child.kind() {
                        "string_content" => parts.push(Expr::new(
                            ExprKind::Str(l.text(child).to_string()),
                            range(child),
                        )),
                        "interpolation" => {
                            if let Some(e) = child.child_by_field_name("expression") {
                                parts.push(expr(l, e));
                            }
                        }
                        _ => {}
                    }
                }
                ExprKind::Concat(parts)
            }
        }
        "concatenated_string" => {
            let mut cursor = node.walk();
            let parts: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            let parts: Vec<Expr> = parts.into_iter().map(|p| expr(l, p)).collect();
            if parts.iter().all(|p| matches!(p.kind, ExprKind::Str(_))) {
                ExprKind::Str(parts.iter().filter_map(|p| p.as_str()).collect())
            } else {
                ExprKind::Concat(parts)
            }
        }
        "binary_operator" => {
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
                        ExprKind::Concat(flatten_concat(left, right))
                    } else if operator == "%" && matches!(left.kind, ExprKind::Str(_)) {
                        // `"... %s" % (a, b)`
                        let mut parts = vec![left];
                        match right.kind {
                            ExprKind::Array(items) => parts.extend(items),
                            _ => parts.push(right),
                        }
                        ExprKind::Concat(parts)
                    } else {
                        ExprKind::Binary(Box::new(left), operator, Box::new(right))
                    }
                }
                _ => ExprKind::Other(Vec::new()),
            }
        }
        "boolean_operator" => {
            let left = node.child_by_field_name("left").map(|e| expr(l, e));
            let right = node.child_by_field_name("right").map(|e| expr(l, e));
            let operator = node
                .child_by_field_name("operator")
                .map(|op| l.text(op).to_string())
                .unwrap_or_default();
            match (left, right) {
                (Some(left), Some(right)) => {
                    ExprKind::Binary(Box::new(left), operator, Box::new(right))
                }
                _ => ExprKind::Other(Vec::new()),
            }
        }
        "comparison_operator" => {
            let mut cursor = node.walk();
            let operands: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            let mut operators = Vec::new();
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                if !child.is_named() {
                    operators.push(l.text(child).to_string());
                }
            }
            if operands.len() == 2 {
                let left = expr(l, operands[0]);
                let right = expr(l, operands[1]);
                ExprKind::Binary(Box::new(left), operators.join(" "), Box::new(right))
            } else {
                ExprKind::Other(operands.into_iter().map(|o| expr(l, o)).collect())
            }
        }
        "not_operator" => {
            let argument = field_expr(l, node, "argument");
            ExprKind::Unary("not".into(), Box::new(argument))
        }
        "unary_operator" => {
            let argument = field_expr(l, node, "argument");
            ExprKind::Unary("-".into(), Box::new(argument))
        }
        "dictionary" => {
            let mut entries = Vec::new();
            let mut cursor = node.walk();
            for child in node.named_children(&mut cursor) {
                match child.kind() {
                    "pair" => {
                        let key = child
                            .child_by_field_name("key")
                            .filter(|k| k.kind() == "string")
                            .map(|k| string_value(l, k));
                        let value = field_expr(l, child, "value");
                        if let Some(key) = &key {
                            l.note_strings(&value, Some(key));
                        }
                        entries.push((key, value));
                    }
                    "dictionary_splat" => {
                        if let Some(v) = child.named_child(0) {
                            entries.push((None, expr(l, v)));
                        }
                    }
                    _ => {}
                }
            }
            ExprKind::Object(entries)
        }
        "list" | "tuple" | "set" | "expression_list" => {
            let mut cursor = node.walk();
            let items: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            ExprKind::Array(items.into_iter().map(|i| expr(l, i)).collect())
        }
        "list_comprehension"
        | "set_comprehension"
        | "generator_expression"
        | "dictionary_comprehension" => {
            // The element's value, with the loop variable bound to the iterated items.
            let body = node.child_by_field_name("body");
            let mut cursor = node.walk();
            let clauses: Vec<Node<'_>> = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "for_in_clause")
                .collect();
            let mut stmts = Vec::new();
            for clause in &clauses {
                let target = clause.child_by_field_name("left").map(|t| target(l, t));
                let iter = clause.child_by_field_name("right").map(|e| expr(l, e));
                if let (Some(target), Some(iter)) = (target, iter) {
                    stmts.push((target, iter));
                }
            }
            let body = body.map(|b| expr(l, b)).unwrap_or_else(|| Expr::other(r));
            let id = l.reserve("<comprehension>", r, false);
            let mut function_body = Vec::new();
            for (target, iter) in stmts {
                let iter_range = iter.range;
                function_body.push(Stmt::Assign {
                    target,
                    value: Expr::new(
                        ExprKind::Index(Box::new(iter), Box::new(Expr::other(iter_range))),
                        iter_range,
                    ),
                    range: iter_range,
                });
            }
            function_body.push(Stmt::Return(Some(body), r));
            l.finish(id, Vec::new(), function_body);
            // An inline closure: called where it stands.
            let callee = Expr::new(ExprKind::Function(id), r);
            let call = ExprKind::Call {
                callee: Box::new(callee),
                args: Vec::new(),
                construct: false,
            };
            if node.kind() == "dictionary_comprehension" {
                ExprKind::Other(vec![Expr::new(call, r)])
            } else {
                ExprKind::Array(vec![Expr::new(call, r)])
            }
        }
        "lambda" => ExprKind::Function(function(l, node, false)),
        "await" => {
            let inner = node
                .named_child(0)
                .map(|e| expr(l, e))
                .unwrap_or_else(|| Expr::other(r));
            ExprKind::Await(Box::new(inner))
        }
        "parenthesized_expression" => match node.named_child(0) {
            Some(inner) => {
                l.leave();
                return expr(l, inner);
            }
            None => ExprKind::Other(Vec::new()),
        },
        "conditional_expression" => {
            let mut cursor = node.walk();
            let parts: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            if parts.len() == 3 {
                let a = expr(l, parts[0]);
                let c = expr(l, parts[1]);
                let b = expr(l, parts[2]);
                ExprKind::Conditional(Box::new(c), Box::new(a), Box::new(b))
            } else {
                ExprKind::Other(parts.into_iter().map(|p| expr(l, p)).collect())
            }
        }
        "named_expression" => {
            let value = field_expr(l, node, "value");
            ExprKind::Other(vec![value])
        }
        "integer" | "float" | "true" | "false" | "none" | "ellipsis" => {
            ExprKind::Literal(l.text(node).to_string())
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

fn flatten_concat(left: Expr, right: Expr) -> Vec<Expr> {
    let mut parts = Vec::new();
    for side in [left, right] {
        match side.kind {
            ExprKind::Concat(inner) => parts.extend(inner),
            _ => parts.push(side),
        }
    }
    parts
}

/// The lowered `field` child of `node`, or an opaque expression where the parser left it out.
fn field_expr(l: &mut Lowering<'_>, node: Node<'_>, field: &str) -> Expr {
    match node.child_by_field_name(field) {
        Some(child) => expr(l, child),
        None => Expr::other(range(node)),
    }
}
