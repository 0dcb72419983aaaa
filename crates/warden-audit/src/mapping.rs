//! Live findings back to the local template.
//!
//! A resource that CloudFormation created carries the `aws:cloudformation:stack-name` and
//! `aws:cloudformation:logical-id` tags. When the user names the stack and its template, a
//! finding on such a resource moves to the same property of that logical resource in the
//! template (or to its logical ID when the template does not set the property). A finding
//! that the template does not share (same rule, same resource) is drift: the live resource
//! is weaker than its template, and the message gives both values.

use warden_diagnostics::{Finding, SourceMap, Span};
use warden_iac::analysis::refers_to;
use warden_iac::{Node, Resource, Template, Value};

use crate::document::LoadedLive;
use crate::LiveModel;

/// One step into a property tree.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    /// An item of a list, with what identifies it when the list is a set whose order
    /// the live account does not keep (managed policy ARNs, named inline policies).
    Item {
        index: usize,
        identity: Option<Identity>,
    },
}

/// What identifies a list item regardless of its position.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Identity {
    /// A plain string item: itself.
    Text(String),
    /// A map item: the value of its naming field.
    Named(&'static str, String),
}

/// The fields that name a list item of a resource's properties.
const NAMING_FIELDS: &[&str] = &["PolicyName", "Sid", "Key"];

impl Identity {
    fn of(node: &Node) -> Option<Identity> {
        match &node.value {
            Value::String(text) => Some(Identity::Text(text.clone())),
            Value::Map(map) => NAMING_FIELDS.iter().find_map(|field| {
                map.get(field)
                    .and_then(Node::as_str)
                    .map(|name| Identity::Named(field, name.to_owned()))
            }),
            _ => None,
        }
    }
}

/// The local template of one stack, with what the rules find in it.
pub struct StackTemplate<'a> {
    pub stack: &'a str,
    pub template: &'a Template,
    pub findings: &'a [Finding],
}

/// Moves a live finding to the template when its resource belongs to the stack, marking
/// drift; otherwise to the resource's own live text (ARN and region).
pub fn locate(
    finding: Finding,
    model: &LiveModel,
    live: &LoadedLive,
    stacks: &[StackTemplate<'_>],
    sources: &SourceMap,
) -> Finding {
    let mapped = live.resource_at(finding.span).and_then(|index| {
        let live_resource = live.template.resource(&live.ids[index])?;
        stacks.iter().find_map(|stack| {
            let local = local_resource(model, index, stack)?;
            Some((stack, live_resource, local))
        })
    });
    let Some((stack, live_resource, local)) = mapped else {
        return live.relocate_finding(finding);
    };
    let path = path_to(&live_resource.properties, finding.span);
    let (template_span, complete) = follow(local, &path);
    let shared = stack.findings.iter().any(|other| {
        other.code == finding.code
            && (other.resource == local.id || other.resource == local.origin.id)
    }) || (complete
        && !path.is_empty()
        && same_value(
            &excerpt(sources, finding.span),
            &excerpt(sources, template_span),
        ));
    let mut mapped = finding.clone();
    mapped.span = template_span;
    mapped.resource = local.origin.id.clone();
    mapped.resource_type = local.origin.resource_type.clone();
    for related in &mut mapped.related {
        related.span = live.relocate(related.span);
    }
    if !shared {
        mapped.message = if path.is_empty() {
            format!(
                "drift: {} (the template does not have this weakness)",
                finding.message
            )
        } else {
            let live_value = excerpt(sources, finding.span);
            let template_value = if complete {
                format!("`{}`", excerpt(sources, template_span))
            } else {
                "not set".to_string()
            };
            format!(
                "drift: {} (live: `{live_value}`; template: {template_value})",
                finding.message
            )
        };
        // The live value is where the drift is seen: keep it as a related place.
        mapped.related.insert(
            0,
            warden_diagnostics::Related {
                span: live.relocate(finding.span),
                message: "the live value".to_string(),
            },
        );
    }
    mapped
}

/// Whether a live value and its template value say the same (`"*"` and `*`): then the
/// template has the weakness too, even when the scan reported it on another resource (a
/// role's statement on its function), and it is not drift.
fn same_value(live: &str, template: &str) -> bool {
    let bare = |value: &str| {
        value
            .trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .to_owned()
    };
    bare(live) == bare(template)
}

/// The template's resource for live resource `index`: by its CloudFormation tags, or, for
/// a resource without tags (a function's URL, a bucket's policy), the template's resource
/// of the same type that belongs to its owner.
fn local_resource<'t>(
    model: &LiveModel,
    index: usize,
    stack: &StackTemplate<'t>,
) -> Option<&'t Resource> {
    let template = stack.template;
    let by_logical_id = |logical_id: &str| {
        template.resource(logical_id).or_else(|| {
            template
                .resources
                .iter()
                .find(|r| r.origin.id == logical_id)
        })
    };
    let resource = &model.resources[index];
    if let Some(tag) = &resource.stack {
        return (tag.stack_name == stack.stack)
            .then(|| by_logical_id(&tag.logical_id))
            .flatten();
    }
    let parent_arn = resource.parent.as_deref()?;
    let parent = model.resources.iter().find(|r| r.arn == parent_arn)?;
    let tag = parent
        .stack
        .as_ref()
        .filter(|tag| tag.stack_name == stack.stack)?;
    let owner = template.resource(&tag.logical_id)?;
    let link = match resource.resource_type {
        "AWS::Lambda::Url" => "TargetFunctionArn",
        "AWS::S3::BucketPolicy" => "Bucket",
        "AWS::SQS::QueuePolicy" => "Queues",
        "AWS::SNS::TopicPolicy" => "Topics",
        "AWS::SNS::Subscription" => "TopicArn",
        "AWS::SecretsManager::RotationSchedule" | "AWS::SecretsManager::ResourcePolicy" => {
            "SecretId"
        }
        "AWS::ApiGatewayV2::Route"
        | "AWS::ApiGatewayV2::Integration"
        | "AWS::ApiGatewayV2::Stage"
        | "AWS::ApiGatewayV2::Authorizer" => "ApiId",
        "AWS::ApiGateway::Method"
        | "AWS::ApiGateway::Resource"
        | "AWS::ApiGateway::Stage"
        | "AWS::ApiGateway::RequestValidator"
        | "AWS::ApiGateway::Authorizer" => "RestApiId",
        "AWS::Logs::SubscriptionFilter" => "LogGroupName",
        // Versions, aliases, permissions, URLs, mappings, invoke configs.
        _ => "FunctionName",
    };
    let names_owner = |node: &Node| {
        refers_to(node, &owner.id) || node.items().iter().any(|item| refers_to(item, &owner.id))
    };
    let mut candidates = template
        .resources_of_type(resource.resource_type)
        .filter(|r| r.prop(link).is_some_and(names_owner));
    let action = resource
        .properties
        .get("Action")
        .and_then(serde_json::Value::as_str);
    let all: Vec<&Resource> = candidates.by_ref().collect();
    all.iter()
        .find(|r| action.is_some() && r.prop("Action").and_then(Node::as_str) == action)
        .or(all.first())
        .copied()
}

/// The steps from a resource's properties to the deepest node that holds `span`.
fn path_to(properties: &Node, span: Span) -> Vec<Step> {
    let mut path = Vec::new();
    let mut node = properties;
    loop {
        let next = match &node.value {
            Value::Map(map) => map.entries.iter().find_map(|(key, child)| {
                let holds = |s: Span| s.start <= span.start && span.end <= s.end;
                (holds(child.span) || holds(key.span)).then(|| (Step::Key(key.name.clone()), child))
            }),
            Value::Seq(items) => items.iter().enumerate().find_map(|(index, child)| {
                (child.span.start <= span.start && span.end <= child.span.end).then(|| {
                    let identity = Identity::of(child);
                    (Step::Item { index, identity }, child)
                })
            }),
            _ => None,
        };
        match next {
            Some((step, child)) if child.span != node.span => {
                path.push(step);
                node = child;
            }
            _ => return path,
        }
    }
}

/// The span of the deepest node of `path` the template has (its logical ID when it has
/// none of it), and whether it has all of it.
fn follow(resource: &Resource, path: &[Step]) -> (Span, bool) {
    let mut node = &resource.properties;
    let mut span = resource.span;
    for (depth, step) in path.iter().enumerate() {
        let next = match (step, &node.value) {
            (Step::Key(name), Value::Map(map)) => map.get_entry(name).map(|(key, child)| {
                // A scalar points at its value; a missing child at its parent's key.
                (
                    child,
                    if depth + 1 == path.len() {
                        child.span
                    } else {
                        key.span
                    },
                )
            }),
            (Step::Item { index, identity }, Value::Seq(items)) => {
                matching_item(items, *index, identity.as_ref()).map(|child| (child, child.span))
            }
            _ => None,
        };
        match next {
            Some((child, child_span)) => {
                node = child;
                span = child_span;
            }
            None => return (span, false),
        }
    }
    (span, true)
}

/// The template's item for a live list item: the one with the same identity, since the
/// account lists managed policies and inline policies in its own order; by position only
/// when the item has no identity or the template builds some items with intrinsics
/// (`!Sub arn:${AWS::Partition}:...`) that cannot be compared.
fn matching_item<'n>(
    items: &'n [Node],
    index: usize,
    identity: Option<&Identity>,
) -> Option<&'n Node> {
    let Some(identity) = identity else {
        return items.get(index);
    };
    if let Some(found) = items
        .iter()
        .find(|item| Identity::of(item).as_ref() == Some(identity))
    {
        return Some(found);
    }
    let comparable = |item: &Node| match identity {
        Identity::Text(_) => item.as_str().is_some(),
        Identity::Named(field, _) => item.get(field).and_then(Node::as_str).is_some(),
    };
    if items.iter().all(comparable) {
        None
    } else {
        items.get(index)
    }
}

/// The text at `span`, on one line and short.
fn excerpt(sources: &SourceMap, span: Span) -> String {
    let Some(file) = sources.get(span.file) else {
        return String::new();
    };
    let text: String = file
        .slice(span)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 80 {
        let short: String = text.chars().take(77).collect();
        format!("{short}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::{matching_item, same_value, Identity};
    use warden_diagnostics::FileId;
    use warden_iac::parse::parse_yaml;
    use warden_iac::Node;

    fn items(yaml: &str) -> Vec<Node> {
        let root = parse_yaml(yaml, FileId(0)).expect("fixture parses");
        root.as_seq().expect("fixture is a list").to_vec()
    }

    fn text(node: Option<&Node>) -> Option<String> {
        node.map(|node| {
            node.as_str()
                .map(str::to_owned)
                .or_else(|| {
                    node.get("PolicyName")
                        .and_then(Node::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default()
        })
    }

    #[test]
    fn a_live_managed_policy_matches_the_template_item_with_the_same_arn_wherever_it_is() {
        let template = items("- arn:aws:iam::aws:policy/A\n- arn:aws:iam::aws:policy/B\n");
        let live_b = Identity::Text("arn:aws:iam::aws:policy/B".into());
        assert_eq!(
            text(matching_item(&template, 0, Some(&live_b))).as_deref(),
            Some("arn:aws:iam::aws:policy/B")
        );
    }

    #[test]
    fn a_live_item_the_template_does_not_have_maps_to_nothing_rather_than_a_neighbour() {
        let template = items("- arn:aws:iam::aws:policy/A\n");
        let live_c = Identity::Text("arn:aws:iam::aws:policy/C".into());
        assert_eq!(text(matching_item(&template, 0, Some(&live_c))), None);
    }

    #[test]
    fn inline_policies_match_by_name() {
        let template = items(
            "- PolicyName: Reads\n  PolicyDocument: {}\n- PolicyName: Writes\n  PolicyDocument: {}\n",
        );
        let live = Identity::Named("PolicyName", "Writes".into());
        assert_eq!(
            text(matching_item(&template, 0, Some(&live))).as_deref(),
            Some("Writes")
        );
    }

    #[test]
    fn position_decides_when_the_template_builds_an_item_with_an_intrinsic() {
        let template =
            items("- !Sub arn:${AWS::Partition}:iam::aws:policy/A\n- arn:aws:iam::aws:policy/B\n");
        let live_a = Identity::Text("arn:aws:iam::aws:policy/A".into());
        assert!(
            matching_item(&template, 0, Some(&live_a)).is_some_and(|item| item.as_str().is_none())
        );
        assert_eq!(
            text(matching_item(&template, 1, None)).as_deref(),
            Some("arn:aws:iam::aws:policy/B")
        );
    }

    #[test]
    fn a_quoted_and_a_bare_value_are_the_same_but_different_values_are_drift() {
        assert!(same_value("\"*\"", "*"));
        assert!(same_value(" 'NONE' ", "NONE"));
        assert!(!same_value("\"*\"", "\"s3:GetObject\""));
        assert!(!same_value("NONE", "AWS_IAM"));
    }
}
