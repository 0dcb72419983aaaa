//! Serverless Framework services (`serverless.yml` / `.yaml` / `.json`) into the resource
//! model, so that every rule written for CloudFormation and SAM applies unchanged.
//!
//! The steps: recognise the file ([`is_serverless`]: top-level `service` and an AWS
//! `provider`), resolve its variables ([`variables`]), translate functions, events and
//! provider settings into the resources the Framework deploys ([`translate`]), then resolve
//! them together with `resources.Resources` / `Outputs` / `Conditions` through the same
//! path as a CloudFormation template ([`crate::template`]). Findings name the function (its
//! key under `functions:`, origin type `Serverless::Function`) or `provider`.

pub mod translate;
pub mod variables;

use std::path::Path;

use warden_diagnostics::{FileId, Notice, Span};

use crate::model::{Format, Resource, Template};
use crate::node::{Map, Node, Value};
use crate::template::{resolve_stack, LoadOptions, Sections, TemplateError};

pub use translate::{
    normalize_name, DEFAULT_ROLE_ID, DEPLOYMENT_ID, DEPLOYMENT_TYPE, FUNCTION_ORIGIN_TYPE,
    HTTP_API_ID, PROVIDER_ORIGIN_TYPE, REST_API_ID,
};

/// File names the Framework reads a service from.
const FILE_NAMES: &[&str] = &["serverless.yml", "serverless.yaml", "serverless.json"];

/// True for a file named like a Serverless service file.
pub fn is_serverless_file_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| {
            FILE_NAMES
                .iter()
                .any(|known| name.eq_ignore_ascii_case(known))
        })
}

/// Quick text test before parsing: a service file names a `service` and a `provider`.
pub fn may_be_serverless(text: &str) -> bool {
    text.contains("service") && text.contains("provider")
}

/// True when a document is a Serverless Framework service for AWS: top-level `service` and
/// `provider` with `name: aws` (or the older `provider: aws`).
pub fn is_serverless(root: &Node) -> bool {
    let Some(map) = root.as_map() else {
        return false;
    };
    map.get("service").is_some() && map.get("provider").is_some_and(provider_is_aws)
}

fn provider_is_aws(provider: &Node) -> bool {
    match &provider.value {
        Value::String(name) => name.eq_ignore_ascii_case("aws"),
        Value::Map(map) => map
            .get_ignore_case("name")
            .and_then(Node::as_str)
            .is_some_and(|name| name.trim().eq_ignore_ascii_case("aws")),
        _ => false,
    }
}

/// Builds the template of a Serverless service. `dir` is the service directory, for
/// `${file(...)}`.
pub fn build(
    root: &Node,
    file: FileId,
    dir: &Path,
    options: &LoadOptions,
) -> Result<Template, TemplateError> {
    let map = root
        .as_map()
        .ok_or_else(|| TemplateError::at(root.span, "a serverless.yml must be a mapping"))?;
    let (provider_key, provider) = map
        .get_entry("provider")
        .ok_or_else(|| TemplateError::at(root.span, "the service has no `provider`"))?;
    if provider.as_map().is_none() && provider.as_str().is_none() {
        return Err(TemplateError::at(
            provider.span,
            "`provider` must be a mapping with `name: aws`",
        ));
    }

    let mut variables = variables::Variables::new(root, dir, options);
    let document = variables.resolve_document();
    let names = translate::Names {
        service: service_name(&document, root.span),
        stage: variables.stage(),
        region: variables.region(),
    };
    if let Some(functions) = document.get("functions") {
        if !matches!(
            functions.value,
            Value::Map(_) | Value::Seq(_) | Value::Null | Value::Unknown { .. }
        ) {
            return Err(TemplateError::at(
                functions.span,
                "`functions` must be a mapping of function names to functions",
            ));
        }
    }

    let sections = cloudformation_sections(&document)?;
    let empty = Map::default();
    let declared = sections.resources.as_ref().unwrap_or(&empty);
    let (typed, overrides) = split_overrides(declared);
    let declared_ids: Vec<String> = typed.keys().map(str::to_string).collect();
    let translation = translate::translate(&document, provider_key.span, &names, &declared_ids);
    let mut generated = translation.resources;
    apply_overrides(&mut generated, &overrides);

    let stack_sections = Sections {
        parameters: sections.parameters.as_ref(),
        mappings: sections.mappings.as_ref(),
        conditions: sections.conditions.as_ref(),
        resources: &typed,
        outputs: sections.outputs.as_ref(),
    };
    let routes = translation.routes;
    let stack = resolve_stack(&stack_sections, generated, options, |_, _| routes)?;
    let mut template = stack.into_template(file, Format::Serverless);
    template.notices = plugin_notices(&document);
    for (span, path, why) in variables.unread_files() {
        template.notices.push(
            Notice::new(
                "include-not-read",
                format!("`${{file({path})}}` was not read ({why}): the values that come from it are unknown, and no finding rests on them"),
            )
            .at(span)
            .path(path)
            .help("Create the file (often a git-ignored per-stage config) or scan with the values given as options."),
        );
    }
    Ok(template)
}

/// Plugins that only build, package or run code locally: they deploy nothing of their own.
const BUILD_PLUGINS: &[&str] = &[
    "serverless-offline",
    "serverless-python-requirements",
    "serverless-webpack",
    "serverless-esbuild",
    "serverless-bundle",
    "serverless-plugin-typescript",
    "@hewmen/serverless-plugin-typescript",
    "serverless-babel-plugin",
    "serverless-plugin-optimize",
    "serverless-prune-plugin",
    "serverless-dotenv-plugin",
    "serverless-export-env",
    "serverless-dynamodb-local",
    "serverless-s3-local",
    "serverless-offline-sqs",
    "serverless-wsgi",
    "serverless-rack",
    "serverless-rust",
    "serverless-ruby-layer",
    "serverless-hooks-plugin",
    "serverless-plugin-scripts",
    "serverless-pseudo-parameters",
    "serverless-plugin-include-dependencies",
    "serverless-plugin-monorepo",
    "serverless-jest-plugin",
    "serverless-mocha-plugin",
    "serverless-plugin-chrome",
];

/// One notice per plugin that may add or change resources at deploy time: what it does is
/// not part of the analysed model.
fn plugin_notices(document: &Node) -> Vec<Notice> {
    let Some(plugins) = document.get("plugins") else {
        return Vec::new();
    };
    // `plugins: [a, b]` or `plugins: {localPath: ..., modules: [a, b]}`.
    let list = plugins.get("modules").unwrap_or(plugins);
    list.items()
        .into_iter()
        .filter_map(|plugin| {
            let name = plugin.as_str()?.trim();
            if name.is_empty() || BUILD_PLUGINS.contains(&name) {
                return None;
            }
            Some(
                Notice::new(
                    "serverless-plugin",
                    format!("plugin `{name}` may create or change resources at deploy time: they were not analysed"),
                )
                .at(plugin.span)
                .path(name)
                .help("Scan what the Framework generates: `serverless package`, then `warden scan .serverless/cloudformation-template-update-stack.json`."),
            )
        })
        .collect()
}

/// `service: name` or the older `service: {name: ...}`.
fn service_name(document: &Node, span: Span) -> Node {
    match document.get("service") {
        Some(service) if service.as_map().is_some() => service
            .get("name")
            .cloned()
            .unwrap_or_else(|| Node::unknown("the service has no name", span)),
        Some(service) => service.clone(),
        None => Node::unknown("the service has no name", span),
    }
}

/// The CloudFormation sections under `resources:` (a mapping, or a list of fragments that
/// the Framework merges).
#[derive(Default)]
struct CloudFormationSections {
    parameters: Option<Node>,
    mappings: Option<Node>,
    conditions: Option<Node>,
    resources: Option<Map>,
    outputs: Option<Node>,
}

fn cloudformation_sections(document: &Node) -> Result<CloudFormationSections, TemplateError> {
    let mut sections = CloudFormationSections::default();
    let Some(resources) = document.get("resources") else {
        return Ok(sections);
    };
    let fragments: Vec<&Node> = match &resources.value {
        Value::Map(_) => vec![resources],
        Value::Seq(items) => items.iter().collect(),
        // `${file(...)}` that could not be read: nothing to add.
        Value::Null | Value::Unknown { .. } => Vec::new(),
        _ => {
            return Err(TemplateError::at(
                resources.span,
                "`resources` must be a mapping with `Resources` (or a list of them)",
            ))
        }
    };
    for fragment in fragments {
        let Some(fragment_map) = fragment.as_map() else {
            if fragment.is_known() && !matches!(fragment.value, Value::Null) {
                return Err(TemplateError::at(
                    fragment.span,
                    "each `resources` entry must be a mapping with `Resources`",
                ));
            }
            continue;
        };
        for (key, section) in fragment_map.iter() {
            let slot = match key.name.as_str() {
                "Resources" => {
                    match &section.value {
                        Value::Map(map) => {
                            let merged = sections.resources.get_or_insert_with(Map::default);
                            for (id, resource) in map.iter() {
                                merged.insert(id.clone(), resource.clone());
                            }
                        }
                        Value::Null | Value::Unknown { .. } => {}
                        _ => return Err(TemplateError::at(
                            section.span,
                            "`resources.Resources` must be a mapping of logical IDs to resources",
                        )),
                    }
                    continue;
                }
                "Parameters" => &mut sections.parameters,
                "Mappings" => &mut sections.mappings,
                "Conditions" => &mut sections.conditions,
                "Outputs" => &mut sections.outputs,
                _ => continue,
            };
            merge_section(slot, section);
        }
    }
    Ok(sections)
}

fn merge_section(slot: &mut Option<Node>, section: &Node) {
    match (slot.as_mut().and_then(Node::as_map_mut), section.as_map()) {
        (Some(existing), Some(more)) => {
            for (key, value) in more.iter() {
                existing.insert(key.clone(), value.clone());
            }
        }
        _ => *slot = Some(section.clone()),
    }
}

/// Splits `resources.Resources` into resources with a `Type` and entries without one,
/// which in the Framework extend the resource it generates under that logical ID.
fn split_overrides(resources: &Map) -> (Map, Vec<(String, Node)>) {
    let mut typed = Map::default();
    let mut overrides = Vec::new();
    for (key, resource) in resources.iter() {
        // Brought in by a `${file(...)}` that could not be read: nothing to analyse.
        if !resource.is_known() {
            continue;
        }
        if resource.get("Type").is_some() || resource.as_map().is_none() {
            typed.entries.push((key.clone(), resource.clone()));
        } else {
            overrides.push((key.name.clone(), resource.clone()));
        }
    }
    (typed, overrides)
}

/// Merges override `Properties` into the generated resources of the same logical ID; an
/// override of something not modelled (the deployment bucket ...) is ignored.
fn apply_overrides(generated: &mut [Resource], overrides: &[(String, Node)]) {
    for (id, extension) in overrides {
        let Some(resource) = generated.iter_mut().find(|resource| &resource.id == id) else {
            continue;
        };
        if let Some(properties) = extension.get("Properties").and_then(Node::as_map) {
            if let Some(target) = resource.properties.as_map_mut() {
                for (key, value) in properties.iter() {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
