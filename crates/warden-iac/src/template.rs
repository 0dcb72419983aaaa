//! A parsed document to a [`Template`]: sections read, intrinsics resolved, SAM expanded,
//! cross-resource views built.

use std::collections::HashMap;
use std::path::Path;

use warden_diagnostics::{FileId, Span};

use crate::analysis::{self, Analysis, Route};
use crate::include;
use crate::model::{Format, Origin, Output, Parameter, Resource, Template};
use crate::node::{Map, Node, Value};
use crate::resolve::{ParameterValue, Resolver};
use crate::sam;

/// Values the user supplies for parameters and pseudo parameters (`AWS::Region`).
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub parameters: HashMap<String, String>,
    /// Terraform input variables given on the command line (`--var KEY=VALUE`); they win
    /// over every variable file.
    pub terraform_vars: HashMap<String, String>,
    /// Terraform variable files given on the command line (`--var-file`), in order; they
    /// win over `terraform.tfvars` and `*.auto.tfvars`.
    pub terraform_var_files: Vec<std::path::PathBuf>,
    /// Serverless Framework stage (`--stage`); `${sls:stage}` and `${opt:stage}`.
    pub stage: Option<String>,
    /// Serverless Framework CLI options (`--option KEY=VALUE`), for `${opt:KEY}`.
    pub serverless_options: HashMap<String, String>,
    /// Environment variables visible to `${env:NAME}` in `serverless.yml` (empty: every
    /// `${env:...}` without a fallback is unknown).
    pub environment: HashMap<String, String>,
    /// Parameters a parent stack passes with values Warden cannot know: unknown, whatever
    /// their default.
    pub unknown_parameters: std::collections::HashSet<String>,
}

/// A problem that makes a template unusable, at a byte offset in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
}

impl TemplateError {
    pub(crate) fn at(span: Span, message: impl Into<String>) -> Self {
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

/// Builds a template from a CloudFormation/SAM document. `dir` is the template's
/// directory, for `AWS::Include` and `DefinitionUri` files beside it.
pub fn build(
    root: &Node,
    file: FileId,
    dir: Option<&Path>,
    options: &LoadOptions,
) -> Result<Template, TemplateError> {
    let mut notices = Vec::new();
    let root = &include::expand_includes(root, dir, &mut notices);
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

    let sections = Sections {
        parameters: map.get("Parameters"),
        mappings: map.get("Mappings"),
        conditions: map.get("Conditions"),
        resources: resources_map,
        outputs: map.get("Outputs"),
    };
    let mut is_sam = false;
    let packaged = is_packaged(resources_map);
    let stack = resolve_stack(&sections, Vec::new(), options, |resources, resolver| {
        is_sam = map.get("Transform").is_some_and(|t| {
            t.display().contains("AWS::Serverless")
                || t.items()
                    .iter()
                    .any(|i| i.as_str().is_some_and(|s| s.starts_with("AWS::Serverless")))
        }) || resources
            .iter()
            .any(|r| r.resource_type.starts_with("AWS::Serverless::"));
        if !is_sam {
            return Vec::new();
        }
        let globals = map.get("Globals").map(|globals| resolver.resolve(globals));
        sam::expand(resources, globals.as_ref(), resolver, dir, &mut notices)
    })?;
    let mut template = stack.into_template(
        file,
        if is_sam {
            Format::Sam
        } else {
            Format::CloudFormation
        },
    );
    template.notices = notices;
    template.packaged = packaged;
    Ok(template)
}

/// True when the template's code locations are S3 objects, as `sam package` writes them.
fn is_packaged(resources: &Map) -> bool {
    resources.iter().any(|(_, resource)| {
        let Some(properties) = resource.get("Properties") else {
            return false;
        };
        ["CodeUri", "ContentUri"].iter().any(|name| {
            properties.get(name).is_some_and(|uri| match &uri.value {
                Value::String(text) => text.starts_with("s3://"),
                Value::Map(map) => map.get("Bucket").is_some() && map.get("Key").is_some(),
                _ => false,
            })
        })
    })
}

/// The CloudFormation sections of a stack, wherever the input format keeps them (the top
/// of a template; `resources:` of a `serverless.yml`).
pub(crate) struct Sections<'a> {
    pub parameters: Option<&'a Node>,
    pub mappings: Option<&'a Node>,
    pub conditions: Option<&'a Node>,
    /// Logical IDs to resources, each with a `Type`.
    pub resources: &'a Map,
    pub outputs: Option<&'a Node>,
}

/// A stack whose sections are read and whose intrinsics are resolved.
pub(crate) struct ResolvedStack {
    pub parameters: Vec<Parameter>,
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    pub routes: Vec<Route>,
}

impl ResolvedStack {
    /// The template, with its cross-resource views.
    pub(crate) fn into_template(self, file: FileId, format: Format) -> Template {
        let mut template = Template {
            file,
            format,
            parameters: self.parameters,
            resources: self.resources,
            outputs: self.outputs,
            analysis: Analysis::default(),
            notices: Vec::new(),
            packaged: false,
        };
        analysis::analyse(&mut template, self.routes);
        template
    }
}

/// Reads the sections and resolves every intrinsic. `generated` are resources another
/// front end produced (Serverless functions, roles ...): they are resolved in the same scope
/// as the declared ones, so each may reference the other. `expand` runs on the resolved
/// resources with the resolver (SAM expansion) and returns the routes it found.
pub(crate) fn resolve_stack(
    sections: &Sections<'_>,
    generated: Vec<Resource>,
    options: &LoadOptions,
    expand: impl FnOnce(&mut Vec<Resource>, &Resolver<'_>) -> Vec<Route>,
) -> Result<ResolvedStack, TemplateError> {
    let resources_map = sections.resources;
    let (parameters, parameter_values) = read_parameters(sections.parameters, options)?;
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
    for resource in &generated {
        resource_types
            .entry(resource.id.clone())
            .or_insert_with(|| resource.resource_type.clone());
    }
    let pseudo: HashMap<String, String> = options
        .parameters
        .iter()
        .filter(|(name, _)| name.starts_with("AWS::"))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let resolver = Resolver::new(
        &parameter_values,
        sections.mappings,
        sections.conditions,
        &resource_types,
        &pseudo,
    );

    let mut resources = Vec::with_capacity(resources_map.len() + generated.len());
    for mut resource in generated {
        resource.properties = resolver.resolve(&resource.properties);
        resources.push(resource);
    }
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

    let outputs = sections
        .outputs
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

    let routes = expand(&mut resources, &resolver);
    Ok(ResolvedStack {
        parameters,
        resources,
        outputs,
        routes,
    })
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
                passed_unknown: options.unknown_parameters.contains(&key.name),
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
