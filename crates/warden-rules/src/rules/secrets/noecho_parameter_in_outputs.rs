use warden_diagnostics::Span;
use warden_iac::{Node, Template, Value};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags stack outputs whose `Value` references a `NoEcho` parameter, with `Ref` or as
    /// `${Name}` in `Fn::Sub`.
    ///
    /// ## Why is this bad?
    /// `NoEcho` only masks the parameter itself. An output that echoes it prints the secret
    /// in the console and in `describe-stacks` for anyone who can read the stack, and
    /// exports make it readable from every other stack of the account.
    ///
    /// ## Example
    /// ```yaml
    /// Outputs:
    ///   DbPassword:
    ///     Value: !Ref DbPassword
    /// ```
    ///
    /// ## Fix
    /// Output the ARN or name of where the secret is stored (a Secrets Manager secret), not
    /// the secret.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html>
    /// - cfn-lint W2010
    pub struct NoechoParameterInOutputs {
        code: "WD607",
        name: "noecho-parameter-in-outputs",
        risk: InsecureSecrets,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless"],
        help: "Output the ARN or name of the secret's store instead of the `NoEcho` parameter's value.",
    }
}

impl Rule for NoechoParameterInOutputs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let hidden: Vec<&str> = template
            .parameters
            .iter()
            .filter(|parameter| parameter.no_echo)
            .map(|parameter| parameter.name.as_str())
            .collect();
        if hidden.is_empty() {
            return;
        }
        for output in &template.outputs {
            let mut hits = Vec::new();
            find_references(&output.raw, &hidden, &[], &mut hits);
            for (name, span) in hits {
                checker.report_on(
                    &output.name,
                    "Output",
                    span,
                    format!(
                        "output `{}` reveals the `NoEcho` parameter `{name}`",
                        output.name
                    ),
                );
            }
        }
    }
}

/// Collects `Ref: name` and `${name}` in `Fn::Sub` for hidden parameters; `shadowed` are
/// the variables of an enclosing `Fn::Sub` map, which hide parameters of the same name.
fn find_references<'a>(
    node: &'a Node,
    hidden: &[&'a str],
    shadowed: &[&str],
    hits: &mut Vec<(&'a str, Span)>,
) {
    match &node.value {
        Value::Map(map) => {
            if let Some(Value::String(name)) = map.get("Ref").map(|target| &target.value) {
                if let Some(hidden) = hidden.iter().find(|hidden| **hidden == name) {
                    hits.push((hidden, node.span));
                }
            }
            if let Some(sub) = map.get("Fn::Sub") {
                let (text, variables) = match &sub.value {
                    Value::Seq(items) => (items.first(), items.get(1)),
                    _ => (Some(sub), None),
                };
                let local: Vec<&str> = variables
                    .and_then(Node::as_map)
                    .map(|vars| vars.keys().collect())
                    .unwrap_or_default();
                if let Some(text) = text.and_then(Node::as_str) {
                    for name in hidden {
                        if !local.contains(name)
                            && !shadowed.contains(name)
                            && text.contains(&format!("${{{name}}}"))
                        {
                            hits.push((name, text_span(sub)));
                        }
                    }
                }
                if let Some(variables) = variables {
                    find_references(variables, hidden, shadowed, hits);
                }
                return;
            }
            for (_, child) in map.iter() {
                find_references(child, hidden, shadowed, hits);
            }
        }
        Value::Seq(items) | Value::OneOf(items) => {
            for item in items {
                find_references(item, hidden, shadowed, hits);
            }
        }
        _ => {}
    }
}

/// The span of the `Fn::Sub` string (the node itself when it is the string).
fn text_span(sub: &Node) -> Span {
    match &sub.value {
        Value::Seq(items) => items.first().map_or(sub.span, |first| first.span),
        _ => sub.span,
    }
}
