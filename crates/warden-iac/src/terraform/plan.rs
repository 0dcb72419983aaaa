//! `terraform show -json` plan files: the planned resources with their final values,
//! translated like HCL modules. Spans point into the JSON.
//!
//! Plan values are concrete strings where HCL has references (a role ARN, not
//! `aws_iam_role.r.arn`), so the plan's `configuration` section is used to restore
//! references: an attribute whose expression references a planned resource becomes a
//! [`Value::ResourceRef`]. Attributes known only after apply (`after_unknown`) are unknown.

use std::collections::{HashMap, HashSet};

use warden_diagnostics::{FileId, Span};

use super::TfInstance;
use crate::model::Template;
use crate::node::{Key, Map, Node, Value};
use crate::template::TemplateError;

/// Child modules are followed this deep.
const MAX_MODULE_DEPTH: usize = 32;
/// Nested blocks are matched against their configuration this deep.
const MAX_BLOCK_DEPTH: usize = 4;

/// Quick text test before parsing: plans name these top-level keys.
pub fn may_be_plan(text: &str) -> bool {
    text.contains("\"format_version\"")
        && (text.contains("\"planned_values\"") || text.contains("\"resource_changes\""))
}

/// True when a parsed JSON document is a plan.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("resource_changes").is_some())
}

/// Builds a template from a parsed plan.
pub fn build(root: &Node, file: FileId) -> Result<Template, TemplateError> {
    let mut planned = Vec::new();
    match root.path("planned_values.root_module") {
        Some(module) => collect_planned(module, 0, &mut planned),
        None => collect_changes(root.get("resource_changes"), &mut planned),
    }
    if planned.is_empty() {
        return Err(TemplateError {
            offset: root.span.start as usize,
            message: "the plan has no planned resources".into(),
        });
    }
    let mut expressions = HashMap::new();
    if let Some(module) = root.path("configuration.root_module") {
        collect_expressions(module, "", 0, &mut expressions);
    }
    let unknown_after = unknown_attributes(root.get("resource_changes"));
    let addresses: HashSet<String> = planned.iter().map(|p| p.address.clone()).collect();
    let mut bases: HashMap<String, Vec<String>> = HashMap::new();
    for resource in &planned {
        bases
            .entry(strip_indexes(&resource.address))
            .or_default()
            .push(resource.address.clone());
    }
    let resolver = References {
        addresses: &addresses,
        bases: &bases,
    };
    let instances = planned
        .into_iter()
        .map(|resource| {
            let base = strip_indexes(&resource.address);
            let module_prefix = module_prefix(&base);
            let mut body = resource.values;
            if let Some(expr) = expressions.get(&base) {
                resolver.restore(&mut body, expr, &module_prefix, 0);
            }
            if let (Some(unknown), Some(map)) =
                (unknown_after.get(&resource.address), body.as_map_mut())
            {
                for (name, span) in unknown {
                    let absent = map.get(name).is_none_or(|n| matches!(n.value, Value::Null));
                    if absent {
                        map.insert(
                            Key {
                                name: name.clone(),
                                span: *span,
                            },
                            Node::unknown("known after apply", *span),
                        );
                    }
                }
            }
            TfInstance {
                address: resource.address,
                tf_type: resource.tf_type,
                body,
                header: resource.header,
            }
        })
        .collect();
    Ok(super::template_from_instances(file, instances))
}

struct Planned {
    address: String,
    tf_type: String,
    values: Node,
    header: Span,
}

fn planned_from(resource: &Node) -> Option<Planned> {
    if resource
        .get("mode")
        .and_then(Node::as_str)
        .is_some_and(|mode| mode != "managed")
    {
        return None;
    }
    let address_node = resource.get("address")?;
    let address = address_node.as_str()?.to_string();
    let tf_type = resource.get("type").and_then(Node::as_str)?.to_string();
    let values = match resource
        .get("values")
        .or_else(|| resource.path("change.after"))
    {
        Some(values) if values.as_map().is_some() => values.clone(),
        _ => Node::map(Map::default(), address_node.span),
    };
    Some(Planned {
        address,
        tf_type,
        values,
        header: address_node.span,
    })
}

fn collect_planned(module: &Node, depth: usize, out: &mut Vec<Planned>) {
    if depth > MAX_MODULE_DEPTH {
        return;
    }
    if let Some(resources) = module.get("resources") {
        out.extend(resources.items().into_iter().filter_map(planned_from));
    }
    if let Some(children) = module.get("child_modules") {
        for child in children.items() {
            collect_planned(child, depth + 1, out);
        }
    }
}

/// Plans without `planned_values` (older formats): the `after` state of each change.
fn collect_changes(changes: Option<&Node>, out: &mut Vec<Planned>) {
    if let Some(changes) = changes {
        out.extend(changes.items().into_iter().filter_map(planned_from));
    }
}

/// `configuration` expressions by resource address without indexes.
fn collect_expressions<'a>(
    module: &'a Node,
    prefix: &str,
    depth: usize,
    out: &mut HashMap<String, &'a Node>,
) {
    if depth > MAX_MODULE_DEPTH {
        return;
    }
    if let Some(resources) = module.get("resources") {
        for resource in resources.items() {
            if let (Some(address), Some(expressions)) = (
                resource.get("address").and_then(Node::as_str),
                resource.get("expressions"),
            ) {
                out.insert(format!("{prefix}{address}"), expressions);
            }
        }
    }
    if let Some(calls) = module.get("module_calls").and_then(Node::as_map) {
        for (name, call) in calls.iter() {
            if let Some(child) = call.get("module") {
                collect_expressions(
                    child,
                    &format!("{prefix}module.{}.", name.name),
                    depth + 1,
                    out,
                );
            }
        }
    }
}

/// Top-level attributes each change marks as known only after apply.
fn unknown_attributes(changes: Option<&Node>) -> HashMap<String, Vec<(String, Span)>> {
    let mut out = HashMap::new();
    let Some(changes) = changes else {
        return out;
    };
    for change in changes.items() {
        let (Some(address), Some(unknown)) = (
            change.get("address").and_then(Node::as_str),
            change.path("change.after_unknown").and_then(Node::as_map),
        ) else {
            continue;
        };
        let names = unknown
            .iter()
            .filter(|(_, value)| value.as_bool() == Some(true))
            .map(|(key, _)| (key.name.clone(), key.span))
            .collect();
        out.insert(address.to_string(), names);
    }
    out
}

/// `module.a["x"].aws_s3_bucket.b[0]` → `module.a.aws_s3_bucket.b`.
fn strip_indexes(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in address.chars() {
        if depth > 0 {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            continue;
        }
        if c == '[' {
            depth = 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// `module.a.module.b.aws_x.y` → `module.a.module.b.`.
fn module_prefix(base: &str) -> String {
    let parts: Vec<&str> = base.split('.').collect();
    let mut prefix = String::new();
    let mut index = 0;
    while index + 1 < parts.len() && parts[index] == "module" {
        prefix.push_str(&format!("module.{}.", parts[index + 1]));
        index += 2;
    }
    prefix
}

struct References<'a> {
    addresses: &'a HashSet<String>,
    bases: &'a HashMap<String, Vec<String>>,
}

impl References<'_> {
    /// The planned resource a configuration reference (`aws_iam_role.r.arn`) names.
    fn resolve(&self, reference: &str, prefix: &str) -> Option<(String, Option<String>)> {
        if reference.starts_with("data.")
            || reference.starts_with("var.")
            || reference.starts_with("local.")
        {
            return None;
        }
        let full = format!("{prefix}{reference}");
        let lookup = |candidate: &str| -> Option<String> {
            if self.addresses.contains(candidate) {
                return Some(candidate.to_string());
            }
            match self.bases.get(candidate).map(Vec::as_slice) {
                Some([only]) => Some(only.clone()),
                _ => None,
            }
        };
        if let Some(address) = lookup(&full) {
            return Some((address, None));
        }
        let (address, attribute) = full.rsplit_once('.')?;
        lookup(address).map(|address| (address, Some(attribute.to_string())))
    }

    /// Replaces scalar values whose expression references a planned resource.
    fn restore(&self, values: &mut Node, expressions: &Node, prefix: &str, depth: usize) {
        if depth > MAX_BLOCK_DEPTH {
            return;
        }
        let Some(expressions) = expressions.as_map() else {
            return;
        };
        let span = values.span;
        let Some(map) = values.as_map_mut() else {
            return;
        };
        for (name, expression) in expressions.iter() {
            // Nested blocks: a list of expression maps, matched by position.
            if let Some(blocks) = expression.as_seq() {
                if let Some(Value::Seq(items)) = map.get(&name.name).map(|n| &n.value) {
                    let mut items = items.clone();
                    for (item, block_expressions) in items.iter_mut().zip(blocks) {
                        self.restore(item, block_expressions, prefix, depth + 1);
                    }
                    if let Some((_, node)) =
                        map.entries.iter_mut().find(|(k, _)| k.name == name.name)
                    {
                        node.value = Value::Seq(items);
                    }
                }
                continue;
            }
            let Some(references) = expression.get("references") else {
                continue;
            };
            let resolved = references
                .items()
                .into_iter()
                .filter_map(|reference| self.resolve(reference.as_str()?, prefix))
                .max_by_key(|(_, attribute)| attribute.is_some());
            let Some((logical_id, attribute)) = resolved else {
                continue;
            };
            let current = map.get(&name.name);
            let replaceable = current.is_none_or(|node| {
                matches!(
                    node.value,
                    Value::String(_) | Value::Null | Value::Number(_)
                )
            });
            if !replaceable {
                continue;
            }
            let (key_span, value_span) = match map.get_entry(&name.name) {
                Some((key, node)) => (key.span, node.span),
                None => (span, span),
            };
            map.insert(
                Key {
                    name: name.name.clone(),
                    span: key_span,
                },
                Node::new(
                    Value::ResourceRef {
                        logical_id,
                        attribute,
                    },
                    value_span,
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_instance_keys() {
        assert_eq!(
            strip_indexes("module.a[\"x]\"].aws_s3_bucket.b[0]"),
            "module.a.aws_s3_bucket.b"
        );
        assert_eq!(
            module_prefix("module.a.module.b.aws_x.y"),
            "module.a.module.b."
        );
        assert_eq!(module_prefix("aws_x.y"), "");
    }
}
