//! A parsed document to a [`Template`]: sections read, intrinsics resolved, SAM expanded,
//! cross-resource views built.

use std::collections::HashMap;

use warden_diagnostics::{FileId, Span};

use crate::analysis::{self, Analysis};
use crate::model::{Format, Origin, Output, Parameter, Resource, Template};
use crate::node::{Map, Node, Value};
use crate::resolve::{ParameterValue, Resolver};
use crate::sam;

/// Values the user supplies for parameters and pseudo parameters (`AWS::Region`).
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub parameters: HashMap<String, String>,
}

/// A problem that makes a template unusable, at a byte offset in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
}

impl TemplateError {
    fn at(span: Span, message: impl Into<String>) -> Self {
        TemplateError {
            offset: span.start as usize,
            message: message.into(),
        }
    }
}

/// True when a document is a CloudFormation or SAM template: it declares
/// `AWSTemplateFormatVersion`, or has `Resources` with an `AWS::` (or `Custom::`) type.
pub fn is_cloudformation(root: &Node) -> bool {
    let Some(map) = root.as_map() else {
        return false;
    };
    if map.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    let transform_is_sam = map
        .get("Transform")
        .is_some_and(|t| t.display().contains("AWS::Serverless"));
    match map.get("Resources").map(|r| &r.value) {
        Some(Value::Map(resources)) => {
            transform_is_sam
                || resources.iter().any(|(_, resource)| {
                    resource
                        .get("Type")
                        .and_then(Node::as_str)
                        .is_some_and(|t| t.starts_with("AWS::") || t.starts_with("Custom::"))
                })
        }
        _ => transform_is_sam,
    }
}

/// Builds a template from a CloudFormation/SAM document.
pub fn build(root: &Node, file: FileId, options: &LoadOptions) -> Result<Template, TemplateError> {
    let map = root
        .as_map()
        .ok_or_else(|| TemplateError::at(root.span, "a template must be a mapping"))?;
    let resources_node = map.get_entry("Resources");
    let resources_map = match resources_node {
        Some((_, node)) => match &node.value {
            Value::Map(resources) if !resources.is_empty() => resources,
            Value::Map(_) | Value::Null => {
                let (key, _) = resources_node.expect("checked above");
                return Err(TemplateError::at(
                    key.span,
                    "`Resources` is empty: a template needs at least one resource",
                ));
            }
            _ => {
                return Err(TemplateError::at(
                    node.span,
                    "`Resources` must be a mapping of logical IDs to resources",
                ))
            }
        },
        None => {
            return Err(TemplateError::at(
                root.span,
                "the template has no `Resources` section",
            ))
        }
    };

    let (parameters, parameter_values) = read_parameters(map.get("Parameters"), options)?;
    let mut resource_types = HashMap::new();
    for (key, resource) in resources_map.iter() {
        let resource_type = resource.get("Type").and_then(Node::as_str).ok_or_else(|| {
            TemplateError::at(key.span, format!("resource `{}` has no `Type`", key.name))
        })?;
        if resource.as_map().is_none() {
            return Err(TemplateError::at(
                key.span,
                format!("resource `{}` must be a mapping", key.name),
            ));
        }
        resource_types.insert(key.name.clone(), resource_type.to_string());
    }
    let pseudo: HashMap<String, String> = options
        .parameters
        .iter()
        .filter(|(name, _)| name.starts_with("AWS::"))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let resolver = Resolver::new(
        &parameter_values,
        map.get("Mappings"),
        map.get("Conditions"),
        &resource_types,
        &pseudo,
    );

    let mut resources = Vec::with_capacity(resources_map.len());
    for (key, resource) in resources_map.iter() {
        if let Some(condition) = resource.get("Condition").and_then(Node::as_str) {
            if resolver.condition(condition) == Some(false) {
                continue;
            }
        }
        let resource_type = resource_types[&key.name].clone();
        let properties = match resource.get("Properties") {
            Some(properties) => resolver.resolve(properties),
            None => Node::map(Map::default(), key.span),
        };
        let properties = if properties.as_map().is_some() {
            properties
        } else {
            Node::map(Map::default(), properties.span)
        };
        let mut resource = Resource::new(
            key.name.clone(),
            resource_type.clone(),
            properties,
            key.span,
            Origin {
                id: key.name.clone(),
                resource_type,
            },
        );
        resource.metadata = resources_map
            .get(&key.name)
            .and_then(|r| r.get("Metadata"))
            .cloned();
        resources.push(resource);
    }

    let outputs = map
        .get("Outputs")
        .and_then(Node::as_map)
        .map(|outputs| {
            outputs
                .iter()
                .filter_map(|(key, output)| {
                    let raw = output.get("Value")?.clone();
                    Some(Output {
                        name: key.name.clone(),
                        span: key.span,
                        value: resolver.resolve(&raw),
                        raw,
                    })
                })
                .collect()
        })
        .unwrap_or_default();

    let is_sam = map.get("Transform").is_some_and(|t| {
        t.display().contains("AWS::Serverless")
            || t.items()
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.starts_with("AWS::Serverless")))
    }) || resources
        .iter()
        .any(|r| r.resource_type.starts_with("AWS::Serverless::"));
    let mut routes = Vec::new();
    if is_sam {
        let globals = map.get("Globals").map(|globals| resolver.resolve(globals));
        routes = sam::expand(&mut resources, globals.as_ref(), &resolver);
    }
    let mut template = Template {
        file,
        format: if is_sam {
            Format::Sam
        } else {
            Format::CloudFormation
        },
        parameters,
        resources,
        outputs,
        analysis: Analysis::default(),
    };
    analysis::analyse(&mut template, routes);
    Ok(template)
}

fn read_parameters(
    node: Option<&Node>,
    options: &LoadOptions,
) -> Result<(Vec<Parameter>, HashMap<String, ParameterValue>), TemplateError> {
    let mut parameters = Vec::new();
    let mut values = HashMap::new();
    let Some(map) = node.and_then(Node::as_map) else {
        return Ok((parameters, values));
    };
    for (key, parameter) in map.iter() {
        let parameter_type = parameter
            .get("Type")
            .and_then(Node::as_str)
            .unwrap_or("String")
            .to_string();
        let no_echo = parameter
            .get("NoEcho")
            .and_then(Node::as_bool)
            .unwrap_or(false);
        let default = parameter.get("Default").cloned();
        let list = parameter_type.starts_with("List<") || parameter_type == "CommaDelimitedList";
        values.insert(
            key.name.clone(),
            ParameterValue {
                supplied: options.parameters.get(&key.name).cloned(),
                default: default.clone(),
                no_echo,
                list,
            },
        );
        parameters.push(Parameter {
            name: key.name.clone(),
            span: key.span,
            no_echo,
            default,
            parameter_type,
        });
    }
    Ok((parameters, values))
}
