//! Terraform: HCL modules (`.tf` files per directory) and `terraform show -json` plans,
//! translated into the same resource model as CloudFormation.
//!
//! A module directory is loaded as a whole ([`load_module`]): its files are parsed
//! ([`hcl`]), variables bound (defaults < `terraform.tfvars` < `*.auto.tfvars` <
//! `--var-file` < `--var`), expressions evaluated ([`eval`], [`functions`]), resources
//! expanded by literal `count`/`for_each`, local modules (`source = "./x"`) followed with
//! their inputs bound, and the resulting resource instances translated to CloudFormation
//! types and property names ([`translate`]). Plans go through [`plan`] and the same
//! translation. Anything not knowable before `apply` is [`crate::Value::Unknown`].

mod eval;
mod functions;
mod hcl;
pub mod plan;
mod translate;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use warden_diagnostics::{FileId, Notice, Span};

use crate::analysis::{self, Analysis};
use crate::model::{Format, Template};
use crate::node::{Node, Value};
use crate::template::{LoadOptions, TemplateError};

use eval::{index_suffix, iteration_items, Evaluator, Instances, Scope};
pub use hcl::SourceText;
use hcl::{span_of, BlockDecl, ModuleConfig};
pub use translate::TfInstance;

/// `count` and `for_each` values larger than this are not expanded (one instance is kept).
const MAX_INSTANCES_PER_RESOURCE: usize = 100;
/// Local module calls are followed this deep.
const MAX_MODULE_DEPTH: usize = 8;
/// Module instances per root module, whatever the depth: bounds self-referencing modules.
const MAX_MODULE_INSTANCES: usize = 64;
/// Resource instances per root module.
const MAX_RESOURCE_INSTANCES: usize = 20_000;

/// Meta-arguments and blocks that are not resource attributes.
const META_ARGUMENTS: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
    "timeouts",
];

/// Where the loader finds the files of local modules and variable files. Implementations
/// register what they return in the source map, so that spans can be reported.
pub trait ModuleSources: Sync {
    /// The `.tf` files of a directory, sorted by path.
    fn directory(&self, dir: &Path) -> Vec<SourceText>;
    /// One file (`terraform.tfvars`, `--var-file`), if it exists.
    fn file(&self, path: &Path) -> Option<SourceText>;
}

/// The outcome of loading one root module: a template when it declares resources, and the
/// errors of files that could not be read (the others still load).
#[derive(Debug, Default)]
pub struct ModuleLoad {
    pub template: Option<Template>,
    pub errors: Vec<(FileId, TemplateError)>,
    /// Directories of the local modules this one called (normalised paths).
    pub called_modules: Vec<PathBuf>,
}

/// True for Terraform configuration files.
pub fn is_terraform_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tf"))
}

/// True for Terraform variable files (`*.tfvars`).
pub fn is_tfvars_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tfvars"))
}

/// Loads the module in `dir` made of `files` as a root module.
pub fn load_module(
    dir: &Path,
    files: Vec<SourceText>,
    options: &LoadOptions,
    sources: &dyn ModuleSources,
) -> ModuleLoad {
    let first_file = files.first().map(|f| f.id);
    let (config, mut errors) = hcl::collect(dir.to_path_buf(), files);
    let mut loader = Loader {
        options,
        sources,
        errors: Vec::new(),
        instances: Vec::new(),
        json_sources: HashMap::new(),
        module_instances: 0,
        called_modules: Vec::new(),
        notices: Vec::new(),
    };
    let variables = loader.root_variables(&config);
    loader.instantiate(&config, String::new(), variables, 0);
    errors.append(&mut loader.errors);
    let Some(file) = first_file else {
        return ModuleLoad {
            template: None,
            errors,
            called_modules: loader.called_modules,
        };
    };
    if loader.instances.is_empty() {
        return ModuleLoad {
            template: None,
            errors,
            called_modules: loader.called_modules,
        };
    }
    let resources = translate::translate(loader.instances, &loader.json_sources);
    let mut template = Template {
        file,
        format: Format::Terraform,
        parameters: Vec::new(),
        resources,
        outputs: Vec::new(),
        analysis: Analysis::default(),
        notices: loader.notices,
        packaged: false,
    };
    analysis::analyse(&mut template, Vec::new());
    ModuleLoad {
        template: Some(template),
        errors,
        called_modules: loader.called_modules,
    }
}

/// Builds a template from resource instances (used by plans).
pub(crate) fn template_from_instances(file: FileId, instances: Vec<TfInstance>) -> Template {
    let resources = translate::translate(instances, &HashMap::new());
    let mut template = Template {
        file,
        format: Format::Terraform,
        parameters: Vec::new(),
        resources,
        outputs: Vec::new(),
        analysis: Analysis::default(),
        notices: Vec::new(),
        packaged: false,
    };
    analysis::analyse(&mut template, Vec::new());
    template
}

struct Loader<'a> {
    options: &'a LoadOptions,
    sources: &'a dyn ModuleSources,
    errors: Vec<(FileId, TemplateError)>,
    instances: Vec<TfInstance>,
    json_sources: HashMap<Span, Node>,
    module_instances: usize,
    called_modules: Vec<PathBuf>,
    notices: Vec<Notice>,
}

impl Loader<'_> {
    /// Values of a root module's variables, by precedence.
    fn root_variables(&mut self, config: &ModuleConfig) -> HashMap<String, Node> {
        let mut values = defaults(config);
        let mut var_files = vec![config.dir.join("terraform.tfvars")];
        if let Ok(entries) = std::fs::read_dir(if config.dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &config.dir
        }) {
            let mut auto: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".auto.tfvars"))
                .map(|name| config.dir.join(name))
                .collect();
            auto.sort();
            var_files.extend(auto);
        }
        var_files.extend(self.options.terraform_var_files.iter().cloned());
        for path in var_files {
            let Some(source) = self.sources.file(&path) else {
                continue;
            };
            let body = match hcl::parse_file(&source.text) {
                Ok(body) => body,
                Err(error) => {
                    self.errors.push((source.id, error));
                    continue;
                }
            };
            let file_id = source.id;
            let var_config = ModuleConfig {
                dir: config.dir.clone(),
                files: vec![source],
                ..ModuleConfig::default()
            };
            let evaluator = Evaluator::new(&var_config, String::new(), HashMap::new());
            for attribute in body.attributes() {
                let node = evaluator.eval(&attribute.value, file_id, &Scope::default());
                values.insert(attribute.key.as_str().to_string(), node);
            }
            self.json_sources
                .extend(evaluator.json_sources.into_inner());
        }
        for (name, text) in &self.options.terraform_vars {
            let declaration = config.variables.iter().find(|v| &v.name == name);
            let span = declaration.map_or_else(
                || {
                    config
                        .files
                        .first()
                        .map_or_else(Span::default, |f| Span::new(f.id, 0, 0))
                },
                |d| d.span,
            );
            let mut node = Node::string(text.clone(), span);
            if declaration.is_some_and(|d| !d.is_string) {
                if let Ok(expr) = hcl_edit::parser::parse_expr(text) {
                    let evaluator = Evaluator::new(config, String::new(), HashMap::new());
                    node = evaluator.eval(&expr, span.file, &Scope::default());
                    eval::collapse_spans(&mut node, span);
                }
            }
            values.insert(name.clone(), node);
        }
        values
    }

    /// Evaluates one module instance, appending its resources (and its children's);
    /// returns its outputs as a map node.
    fn instantiate(
        &mut self,
        config: &ModuleConfig,
        prefix: String,
        variables: HashMap<String, Node>,
        depth: usize,
    ) -> Node {
        let mut evaluator = Evaluator::new(config, prefix.clone(), variables);
        // Expansion first: references need to know which instances exist.
        let mut expansions: Vec<Vec<(String, Scope)>> = Vec::with_capacity(config.resources.len());
        for decl in &config.resources {
            let (instances, scopes) = expand(&evaluator, decl);
            evaluator
                .instances
                .insert(format!("{}.{}", decl.labels[0], decl.labels[1]), instances);
            expansions.push(scopes);
        }
        for decl in &config.modules {
            self.call_module(&mut evaluator, decl, depth);
        }
        for (decl, scopes) in config.resources.iter().zip(expansions) {
            for (suffix, scope) in scopes {
                if self.instances.len() >= MAX_RESOURCE_INSTANCES {
                    break;
                }
                let block_span = span_of(decl.file, &decl.block);
                let mut body = evaluator.eval_body(&decl.block.body, decl.file, &scope, block_span);
                if let Some(map) = body.as_map_mut() {
                    map.entries
                        .retain(|(key, _)| !META_ARGUMENTS.contains(&key.name.as_str()));
                }
                self.instances.push(TfInstance {
                    address: format!("{prefix}{}.{}{suffix}", decl.labels[0], decl.labels[1]),
                    tf_type: decl.labels[0].clone(),
                    body,
                    header: decl.header,
                });
            }
        }
        let mut outputs = crate::node::Map::default();
        for (name, expr, file) in &config.outputs {
            let node = evaluator.eval(expr, *file, &Scope::default());
            outputs.insert(
                crate::node::Key {
                    name: name.clone(),
                    span: node.span,
                },
                node,
            );
        }
        self.json_sources
            .extend(evaluator.json_sources.into_inner());
        for (span, function, path) in evaluator.unread_files.into_inner() {
            self.notices.push(
                Notice::new(
                    "include-not-read",
                    format!("`{function}(\"{path}\")` could not be read: what is built from it is unknown, and no finding rests on it"),
                )
                .at(span)
                .path(path)
                .help("Check the path (relative to the module) or create the file before scanning."),
            );
        }
        Node::map(outputs, Span::default())
    }

    /// Follows a `module` block with a local `source`; remote modules stay unknown.
    fn call_module(&mut self, parent: &mut Evaluator<'_>, decl: &BlockDecl, depth: usize) {
        let name = decl.labels[0].clone();
        let source = decl
            .block
            .body
            .get_attribute("source")
            .map(|attribute| parent.eval(&attribute.value, decl.file, &Scope::default()));
        let Some(source) = source.as_ref().and_then(Node::as_str) else {
            return;
        };
        let is_local = source.starts_with("./") || source.starts_with("../");
        if !is_local {
            // Registry, Git and S3 modules are not on this disk: what they create is not
            // analysed, and their outputs are unknown.
            self.notices.push(
                Notice::new(
                    "registry-module",
                    format!(
                        "module `{}{name}` comes from `{source}` and was not read: the resources it creates are not analysed",
                        parent.prefix
                    ),
                )
                .at(decl.header)
                .path(source)
                .help("Scan a plan instead: `terraform plan -out plan.out && terraform show -json plan.out > plan.json && warden scan plan.json`."),
            );
            return;
        }
        if depth >= MAX_MODULE_DEPTH || self.module_instances >= MAX_MODULE_INSTANCES {
            return;
        }
        self.module_instances += 1;
        let dir = normalize(&parent.config.dir.join(source));
        self.called_modules.push(dir.clone());
        let files = self.sources.directory(&dir);
        if files.is_empty() {
            return;
        }
        let (child, mut errors) = hcl::collect(dir, files);
        self.errors.append(&mut errors);
        let mut variables = defaults(&child);
        for attribute in decl.block.body.attributes() {
            let key = attribute.key.as_str();
            if matches!(
                key,
                "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
            ) {
                continue;
            }
            variables.insert(
                key.to_string(),
                parent.eval(&attribute.value, decl.file, &Scope::default()),
            );
        }
        let prefix = format!("{}module.{name}.", parent.prefix);
        let outputs = self.instantiate(&child, prefix, variables, depth + 1);
        parent.module_outputs.insert(name, outputs);
    }
}

/// Variable defaults of a module.
fn defaults(config: &ModuleConfig) -> HashMap<String, Node> {
    let evaluator = Evaluator::new(config, String::new(), HashMap::new());
    config
        .variables
        .iter()
        .filter_map(|variable| {
            let (expr, file) = variable.default.as_ref()?;
            Some((
                variable.name.clone(),
                evaluator.eval(expr, *file, &Scope::default()),
            ))
        })
        .collect()
}

/// The instances of a resource: literal `count`/`for_each` expand, anything else keeps one.
fn expand(evaluator: &Evaluator<'_>, decl: &BlockDecl) -> (Instances, Vec<(String, Scope)>) {
    let body = &decl.block.body;
    if let Some(count) = body.get_attribute("count") {
        let node = evaluator.eval(&count.value, decl.file, &Scope::default());
        if let Some(n) = node
            .as_i64()
            .filter(|n| (0..=MAX_INSTANCES_PER_RESOURCE as i64).contains(n))
        {
            let scopes: Vec<(String, Scope)> = (0..n)
                .map(|index| {
                    let scope = Scope {
                        count_index: Some(Node::new(Value::Number(index.to_string()), node.span)),
                        ..Scope::default()
                    };
                    (format!("[{index}]"), scope)
                })
                .collect();
            return (
                Instances::Indexed(scopes.iter().map(|(s, _)| s.clone()).collect()),
                scopes,
            );
        }
        return (Instances::Single, vec![(String::new(), Scope::default())]);
    }
    if let Some(for_each) = body.get_attribute("for_each") {
        let node = evaluator.eval(&for_each.value, decl.file, &Scope::default());
        let items =
            iteration_items(&node).filter(|items| items.len() <= MAX_INSTANCES_PER_RESOURCE);
        if let Some(items) = items {
            let is_set = matches!(node.value, Value::Seq(_));
            let mut scopes = Vec::new();
            for (key, value) in items {
                // A set's elements are both key and value.
                let key = if is_set { value.clone() } else { key };
                let Some(suffix) = index_suffix(&Node::string(key.display(), key.span)) else {
                    continue;
                };
                if !key.is_known() {
                    return (Instances::Single, vec![(String::new(), Scope::default())]);
                }
                let scope = Scope {
                    each: Some((Node::string(key.display(), key.span), value)),
                    ..Scope::default()
                };
                scopes.push((suffix, scope));
            }
            return (
                Instances::Indexed(scopes.iter().map(|(s, _)| s.clone()).collect()),
                scopes,
            );
        }
        let unknown = Node::unknown(
            "`for_each` is not known",
            span_of(decl.file, &for_each.value),
        );
        let scope = Scope {
            each: Some((unknown.clone(), unknown)),
            ..Scope::default()
        };
        return (Instances::Single, vec![(String::new(), scope)]);
    }
    (Instances::Single, vec![(String::new(), Scope::default())])
}

/// Removes `.` and `..` components without touching the file system.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Module sources read from the disk as they are asked for, with ids from `next_id` on;
/// files already known (discovered by the walk) keep their ids.
pub struct DiskSources {
    known: HashMap<PathBuf, SourceText>,
    next_id: std::sync::atomic::AtomicU32,
    added: std::sync::Mutex<Vec<SourceText>>,
}

impl DiskSources {
    pub fn new(known: Vec<SourceText>, next_id: u32) -> Self {
        DiskSources {
            known: known
                .into_iter()
                .map(|source| (normalize(&source.path), source))
                .collect(),
            next_id: std::sync::atomic::AtomicU32::new(next_id),
            added: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Files read from the disk beyond the known ones (to add to the source map).
    pub fn into_added(self) -> Vec<SourceText> {
        let mut added = self
            .added
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        added.sort_by_key(|source| source.id);
        added
    }

    fn read(&self, path: &Path) -> Option<SourceText> {
        let path = normalize(path);
        if let Some(source) = self.known.get(&path) {
            return Some(source.clone());
        }
        let mut added = self
            .added
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(source) = added.iter().find(|source| source.path == path) {
            return Some(source.clone());
        }
        let metadata = std::fs::metadata(&path).ok()?;
        if !metadata.is_file() || metadata.len() > 16 << 20 {
            return None;
        }
        let bytes = std::fs::read(&path).ok()?;
        let source = SourceText {
            id: FileId(
                self.next_id
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ),
            path,
            text: String::from_utf8_lossy(&bytes).into_owned().into(),
        };
        added.push(source.clone());
        Some(source)
    }
}

impl ModuleSources for DiskSources {
    fn directory(&self, dir: &Path) -> Vec<SourceText> {
        let dir = normalize(dir);
        let listing = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir.as_path()
        };
        let Ok(entries) = std::fs::read_dir(listing) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| dir.join(entry.file_name()))
            .filter(|path| is_terraform_file(path))
            .collect();
        paths.sort();
        paths.iter().filter_map(|path| self.read(path)).collect()
    }

    fn file(&self, path: &Path) -> Option<SourceText> {
        self.read(path)
    }
}
