//! The live account as one CloudFormation document, loaded by `warden-iac` like any template.
//!
//! Each resource's text is also its own source file, named by its ARN: a finding in the
//! document is moved there ([`LoadedLive::relocate`]), so that without a template it points
//! at the live value of the resource it names.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use serde_json::{json, Map, Value};
use warden_diagnostics::{FileId, Finding, SourceMap, Span};
use warden_iac::{LoadOptions, Template};

use crate::LiveResource;

/// The resources read, each with its logical ID in the live document.
pub struct LiveModel {
    pub resources: Vec<LiveResource>,
}

/// The live document loaded as a template, with where each resource's text is.
pub struct LoadedLive {
    pub template: Template,
    /// The logical ID of each resource of [`LiveModel::resources`], in order.
    pub ids: Vec<String>,
    pieces: Vec<Piece>,
}

struct Piece {
    /// The resource's bytes in the document, from its logical ID to its closing brace.
    range: Range<u32>,
    /// The same text as its own file, named by ARN.
    file: FileId,
}

impl LiveModel {
    /// Sorted by type, region and name, so that reports do not depend on answer order.
    pub fn new(mut resources: Vec<LiveResource>) -> Self {
        resources.sort_by(|a, b| {
            (a.resource_type, &a.region, &a.name, &a.arn).cmp(&(
                b.resource_type,
                &b.region,
                &b.name,
                &b.arn,
            ))
        });
        LiveModel { resources }
    }

    /// Logical IDs: the resource's name, or its logical ID when it was deployed by one of
    /// `stacks` (so that messages name what the template names); made unique.
    pub fn logical_ids(&self, stacks: &[&str]) -> Vec<String> {
        let mut used = HashSet::new();
        let mut ids = vec![String::new(); self.resources.len()];
        // Stack members first: their template names win over a same-named resource.
        let mut order: Vec<usize> = (0..self.resources.len()).collect();
        order.sort_by_key(|&index| !self.in_stack(index, stacks));
        for index in order {
            let resource = &self.resources[index];
            let preferred = match &resource.stack {
                Some(tag) if stacks.contains(&tag.stack_name.as_str()) => tag.logical_id.clone(),
                _ => resource.name.clone(),
            };
            // A name two resources share: the type tells them apart, then the region.
            let mut id = preferred.clone();
            if used.contains(&id) {
                let kind = resource
                    .resource_type
                    .rsplit("::")
                    .next()
                    .unwrap_or_default();
                id = format!("{preferred} ({kind})");
            }
            if used.contains(&id) {
                id = format!("{preferred}@{}", resource.region);
            }
            let mut n = 2;
            while used.contains(&id) {
                id = format!("{preferred}@{}#{n}", resource.region);
                n += 1;
            }
            used.insert(id.clone());
            ids[index] = id;
        }
        ids
    }

    fn in_stack(&self, index: usize, stacks: &[&str]) -> bool {
        self.resources[index]
            .stack
            .as_ref()
            .is_some_and(|tag| stacks.contains(&tag.stack_name.as_str()))
    }

    /// Writes the document, adds it and every resource's text to `sources`, and loads it;
    /// `None` for an account without resources.
    pub fn load(
        &self,
        sources: &mut SourceMap,
        stacks: &[&str],
    ) -> anyhow::Result<Option<LoadedLive>> {
        if self.resources.is_empty() {
            return Ok(None);
        }
        let ids = self.logical_ids(stacks);
        let by_arn: HashMap<&str, &str> = self
            .resources
            .iter()
            .zip(&ids)
            .map(|(resource, id)| (resource.arn.as_str(), id.as_str()))
            .collect();
        let mut text =
            String::from("{\n\"AWSTemplateFormatVersion\": \"2010-09-09\",\n\"Resources\": {\n");
        let mut ranges = Vec::with_capacity(self.resources.len());
        for (index, (resource, id)) in self.resources.iter().zip(&ids).enumerate() {
            if index > 0 {
                text.push_str(",\n");
            }
            let body = json!({
                "Type": resource.resource_type,
                "Properties": link(&resource.properties, None, &by_arn),
            });
            let start = text.len() as u32;
            text.push_str(&serde_json::to_string(id)?);
            text.push_str(": ");
            text.push_str(&serde_json::to_string_pretty(&body)?);
            ranges.push(start..text.len() as u32);
        }
        text.push_str("\n}\n}\n");
        let mut pieces = Vec::with_capacity(ranges.len());
        for (resource, range) in self.resources.iter().zip(ranges) {
            let piece_text = text[range.start as usize..range.end as usize].to_string();
            let file = sources.add(display_name(resource), piece_text);
            pieces.push(Piece {
                range,
                file: file.id,
            });
        }
        let template =
            warden_iac::load_text(sources, "live-account.json", &text, &LoadOptions::default())
                .map_err(|error| {
                    anyhow::anyhow!("the live document did not load: {}", error.message)
                })?
                .ok_or_else(|| anyhow::anyhow!("the live document is not a template"))?;
        Ok(Some(LoadedLive {
            template,
            ids,
            pieces,
        }))
    }
}

/// What a finding without a template points at: the ARN, with the region when the ARN has
/// none (S3).
fn display_name(resource: &LiveResource) -> String {
    if resource.region != "global" && !resource.arn.contains(&resource.region) {
        format!("{} ({})", resource.arn, resource.region)
    } else {
        resource.arn.clone()
    }
}

/// Replaces `{"$arn": ARN}` by a reference to the resource with that ARN (`Fn::GetAtt` where
/// CloudFormation takes an ARN, `Ref` elsewhere), or by the ARN itself when the resource is
/// not in the account's document.
fn link(value: &Value, key: Option<&str>, by_arn: &HashMap<&str, &str>) -> Value {
    match value {
        Value::Object(map) => {
            if let (1, Some(Value::String(arn))) = (map.len(), map.get("$arn")) {
                return match by_arn.get(arn.as_str()) {
                    Some(id)
                        if matches!(
                            key,
                            Some(
                                "Role"
                                    | "TargetFunctionArn"
                                    | "EventSourceArn"
                                    | "deadLetterTargetArn"
                                    | "TargetArn"
                                    | "Endpoint"
                                    | "IntegrationUri"
                                    | "Uri"
                                    | "Function"
                                    | "Queue"
                                    | "Destination"
                                    | "SourceArn"
                                    | "DestinationArn"
                            )
                        ) =>
                    {
                        json!({ "Fn::GetAtt": [id, "Arn"] })
                    }
                    Some(id) => json!({ "Ref": id }),
                    None => json!(arn),
                };
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), link(v, Some(k), by_arn)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| link(v, key, by_arn)).collect()),
        other => other.clone(),
    }
}

impl LoadedLive {
    /// The index of the live resource whose text holds `span`.
    pub fn resource_at(&self, span: Span) -> Option<usize> {
        if span.file != self.template.file {
            return None;
        }
        self.pieces
            .iter()
            .position(|piece| piece.range.start <= span.start && span.end <= piece.range.end)
    }

    /// The same place in the resource's own file.
    pub fn relocate(&self, span: Span) -> Span {
        match self.resource_at(span) {
            Some(index) => {
                let piece = &self.pieces[index];
                Span::new(
                    piece.file,
                    (span.start - piece.range.start) as usize,
                    (span.end - piece.range.start) as usize,
                )
            }
            None => span,
        }
    }

    /// Moves a finding and its related places to the resources' own files.
    pub fn relocate_finding(&self, mut finding: Finding) -> Finding {
        finding.span = self.relocate(finding.span);
        for related in &mut finding.related {
            related.span = self.relocate(related.span);
        }
        finding
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(name: &str, resource_type: &'static str, region: &str) -> LiveResource {
        LiveResource {
            name: name.to_string(),
            resource_type,
            arn: format!("arn:{resource_type}:{region}:{name}"),
            region: region.to_string(),
            stack: None,
            parent: None,
            properties: json!({}),
        }
    }

    #[test]
    fn shared_names_are_told_apart_by_type_then_region() {
        let model = LiveModel::new(vec![
            live("orders", "AWS::Lambda::Function", "us-east-1"),
            live("orders", "AWS::DynamoDB::Table", "us-east-1"),
            live("orders", "AWS::Lambda::Function", "eu-west-1"),
        ]);
        let ids = model.logical_ids(&[]);
        let named: Vec<(&str, &str, &str)> = model
            .resources
            .iter()
            .zip(&ids)
            .map(|(r, id)| (r.resource_type, r.region.as_str(), id.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("AWS::DynamoDB::Table", "us-east-1", "orders"),
                ("AWS::Lambda::Function", "eu-west-1", "orders (Function)"),
                ("AWS::Lambda::Function", "us-east-1", "orders@us-east-1"),
            ]
        );
    }

    #[test]
    fn stack_members_take_their_template_names() {
        let mut function = live(
            "orders-prod-OrdersFunction-1X2Y",
            "AWS::Lambda::Function",
            "us-east-1",
        );
        function.stack = Some(crate::StackTag {
            stack_name: "orders-prod".into(),
            logical_id: "OrdersFunction".into(),
        });
        let model = LiveModel::new(vec![
            function,
            live("OrdersFunction", "AWS::Lambda::Function", "us-east-1"),
        ]);
        let ids = model.logical_ids(&["orders-prod"]);
        let by_name: Vec<(&str, &str)> = model
            .resources
            .iter()
            .zip(&ids)
            .map(|(r, id)| (r.name.as_str(), id.as_str()))
            .collect();
        assert!(by_name.contains(&("orders-prod-OrdersFunction-1X2Y", "OrdersFunction")));
        assert!(by_name.contains(&("OrdersFunction", "OrdersFunction (Function)")));
    }
}
