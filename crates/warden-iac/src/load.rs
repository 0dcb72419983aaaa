//! Finding template files and loading them, in parallel.
//!
//! Directories are walked honouring `.gitignore`, skipping `node_modules`, `.git` and
//! `.aws-sam` (SAM's build output, a copy of the source). Files are recognised by content,
//! not by name. A file that cannot be parsed is reported with its position and the run
//! carries on with the others.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use warden_diagnostics::{FileId, LoadError, Notice, SourceFile, SourceMap};

use crate::model::Template;
use crate::parse::{self, ParseError};
use crate::serverless;
use crate::template::{self, LoadOptions};
use crate::terraform;

/// Everything a scan loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub templates: Vec<Template>,
    pub errors: Vec<LoadError>,
    /// Files read and recognised as templates (including those with errors).
    pub files_scanned: usize,
    /// What the scan as a whole did not analyse, or analysed once for two files (packaged
    /// copies, CDK apps without `cdk.out`); each template carries its own notices too.
    pub notices: Vec<Notice>,
}

impl Loaded {
    /// Every notice: the scan's and each template's.
    pub fn all_notices(&self) -> Vec<Notice> {
        let mut notices = self.notices.clone();
        for template in &self.templates {
            notices.extend(template.notices.iter().cloned());
        }
        notices
    }
}

/// Directory names never descended into.
const SKIPPED_DIRECTORIES: &[&str] = &[
    "node_modules",
    ".git",
    ".aws-sam",
    ".serverless",
    ".terraform",
];

/// Extensions of files that may hold templates.
const TEMPLATE_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "template", "tf", "tfvars"];

/// Lists the candidate files under `paths`. Files named explicitly are always included.
pub fn discover(
    paths: &[PathBuf],
    excluded: &(dyn Fn(&Path) -> bool + Sync),
) -> (Vec<PathBuf>, Vec<LoadError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.exists() {
            errors.push(LoadError {
                file: warden_diagnostics::display_path(path),
                line: 0,
                column: 0,
                message: "no such file or directory".into(),
            });
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .filter_entry(|entry| {
                let name = entry.file_name().to_string_lossy();
                !(entry.file_type().is_some_and(|t| t.is_dir())
                    && SKIPPED_DIRECTORIES.contains(&name.as_ref()))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    let candidate = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        TEMPLATE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                    });
                    if is_file && candidate && !excluded(path) {
                        files.push(path.to_path_buf());
                    }
                }
                Err(error) => errors.push(LoadError {
                    file: warden_diagnostics::display_path(path),
                    line: 0,
                    column: 0,
                    message: error.to_string(),
                }),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// The outcome for one file.
enum FileOutcome {
    NotATemplate,
    Template(Box<Template>),
    Error(ParseError),
    /// A Terraform file: loaded later with the other files of its module directory.
    Terraform,
}

/// Loads every template under `paths`.
pub fn load_paths(
    paths: &[PathBuf],
    options: &LoadOptions,
    excluded: &(dyn Fn(&Path) -> bool + Sync),
) -> Loaded {
    let (files, mut errors) = discover(paths, excluded);
    let results: Vec<(SourceFile, Result<FileOutcome, String>)> = files
        .par_iter()
        .enumerate()
        .map(|(index, path)| {
            let id = FileId(index as u32);
            match std::fs::read(path) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let outcome = load_one(&text, path, id, options);
                    // Keep the text only where a report may quote it.
                    let keep = !matches!(outcome, FileOutcome::NotATemplate);
                    (
                        SourceFile::new(id, path.clone(), if keep { text } else { String::new() }),
                        Ok(outcome),
                    )
                }
                Err(error) => (
                    SourceFile::new(id, path.clone(), String::new()),
                    Err(error.to_string()),
                ),
            }
        })
        .collect();
    let mut loaded = Loaded::default();
    let mut terraform_files = Vec::new();
    for (file, outcome) in results {
        let file = loaded.sources.insert(file);
        match outcome {
            Ok(FileOutcome::NotATemplate) => {}
            Ok(FileOutcome::Terraform) => terraform_files.push(terraform::SourceText {
                id: file.id,
                path: file.path.clone(),
                text: file.text.as_str().into(),
            }),
            Ok(FileOutcome::Template(template)) => {
                loaded.files_scanned += 1;
                loaded.templates.push(*template);
            }
            Ok(FileOutcome::Error(error)) => {
                loaded.files_scanned += 1;
                errors.push(located(&file, error));
            }
            Err(message) => errors.push(LoadError {
                file: file.display_path(),
                line: 0,
                column: 0,
                message,
            }),
        }
    }
    load_terraform(&mut loaded, terraform_files, options, &mut errors);
    loaded.errors = errors;
    load_nested_stacks(&mut loaded, options);
    drop_packaged_copies(&mut loaded);
    notice_unsynthesized_cdk_apps(&mut loaded, &files);
    loaded
}

/// Nested stacks (`AWS::CloudFormation::Stack`, `AWS::Serverless::Application`) whose
/// template is a local file are scanned with the parameters their parent passes: the
/// child's stand-alone scan (with its defaults) is replaced by that one. A template that is
/// not on this disk (S3, the Serverless Application Repository) is a notice.
fn load_nested_stacks(loaded: &mut Loaded, options: &LoadOptions) {
    const MAX_NESTING: usize = 4;
    let mut queue: Vec<(usize, usize)> = (0..loaded.templates.len()).map(|i| (i, 0)).collect();
    let mut replaced: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    while let Some((index, depth)) = queue.pop() {
        if depth >= MAX_NESTING || index >= loaded.templates.len() {
            continue;
        }
        let Some(parent_file) = loaded.sources.get(loaded.templates[index].file).cloned() else {
            continue;
        };
        let dir = parent_file.path.parent().map(Path::to_path_buf);
        let mut children = Vec::new();
        let mut notices = Vec::new();
        for resource in &loaded.templates[index].resources {
            let location = match resource.resource_type.as_str() {
                "AWS::CloudFormation::Stack" => resource.prop("TemplateURL"),
                "AWS::Serverless::Application" => resource.prop("Location"),
                _ => continue,
            };
            let Some(location) = location else {
                continue;
            };
            match crate::include::location(location, dir.as_deref()) {
                crate::include::Location::Local(path) if path.is_file() => {
                    let mut child_options = options.clone();
                    for (name, value) in resource
                        .prop("Parameters")
                        .and_then(crate::node::Node::as_map)
                        .map(|map| map.iter().collect::<Vec<_>>())
                        .unwrap_or_default()
                    {
                        match passed_value(value) {
                            Some(text) => {
                                child_options.parameters.insert(name.name.clone(), text);
                            }
                            None => {
                                child_options.unknown_parameters.insert(name.name.clone());
                            }
                        }
                    }
                    children.push((terraform::normalize(&path), child_options));
                }
                _ => notices.push(
                    Notice::new(
                        "nested-stack-not-read",
                        format!(
                            "nested stack `{}` comes from `{}`, which is not a local file: its resources are not analysed",
                            resource.origin.id,
                            location.display()
                        ),
                    )
                    .at(location.span)
                    .path(location.display())
                    .help("Keep the child template beside the parent (`TemplateURL: ./child.yaml`) and scan the source, not the packaged copy."),
                ),
            }
        }
        loaded.templates[index].notices.extend(notices);
        for (path, child_options) in children {
            // The first parent that passes parameters wins; a child used twice is scanned once.
            if !replaced.insert(path.clone()) {
                continue;
            }
            let known = loaded
                .sources
                .files()
                .iter()
                .find(|file| terraform::normalize(&file.path) == path && !file.text.is_empty())
                .cloned();
            let file = match known {
                Some(file) => file,
                None => match std::fs::read(&path) {
                    Ok(bytes) => loaded
                        .sources
                        .add(path.clone(), String::from_utf8_lossy(&bytes).into_owned()),
                    Err(_) => continue,
                },
            };
            let outcome = load_one(&file.text, &file.path, file.id, &child_options);
            let FileOutcome::Template(child) = outcome else {
                continue;
            };
            let standalone = loaded
                .templates
                .iter()
                .position(|template| template.file == file.id);
            match standalone {
                Some(position) => loaded.templates[position] = *child,
                None => {
                    loaded.files_scanned += 1;
                    loaded.templates.push(*child);
                    queue.push((loaded.templates.len() - 1, depth + 1));
                }
            }
        }
    }
}

/// The text a parent passes as a nested stack parameter, when it is known.
fn passed_value(value: &crate::node::Node) -> Option<String> {
    use crate::node::Value;
    match &value.value {
        Value::String(text) | Value::Number(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Seq(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(",")),
        _ => None,
    }
}

/// `sam package` writes a copy of the template whose code points at S3: it is the same
/// stack as its source. When the source sits in the same directory (same resources), only
/// the source is scanned, and a notice says so.
fn drop_packaged_copies(loaded: &mut Loaded) {
    let dir_of = |template: &Template| {
        loaded
            .sources
            .get(template.file)
            .and_then(|file| file.path.parent().map(Path::to_path_buf))
    };
    fn ids(template: &Template) -> Vec<&str> {
        let mut ids: Vec<&str> = template
            .resources
            .iter()
            .map(|resource| resource.origin.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
    let mut copies = Vec::new();
    for (index, template) in loaded.templates.iter().enumerate() {
        if !template.packaged {
            continue;
        }
        let dir = dir_of(template);
        let own = ids(template);
        let source = loaded.templates.iter().find(|other| {
            !other.packaged
                && other.format == template.format
                && dir_of(other) == dir
                && ids(other) == own
        });
        if let Some(source) = source {
            copies.push((index, source.file));
        }
    }
    for (index, source) in copies.iter().rev() {
        let copy = loaded.templates.remove(*index);
        let path = |id: FileId| {
            loaded
                .sources
                .get(id)
                .map(|file| file.display_path())
                .unwrap_or_default()
        };
        loaded.notices.push(
            Notice::new(
                "packaged-duplicate",
                format!(
                    "`{}` is the packaged copy of `{}` (code on S3, same resources): only the source was scanned",
                    path(copy.file),
                    path(*source)
                ),
            )
            .path(path(copy.file)),
        );
    }
}

/// A CDK app (`cdk.json`) is analysed through its synthesized templates in `cdk.out`; one
/// without them is not analysed at all.
fn notice_unsynthesized_cdk_apps(loaded: &mut Loaded, files: &[PathBuf]) {
    for file in files {
        if file.file_name().and_then(|name| name.to_str()) != Some("cdk.json") {
            continue;
        }
        let app = file.parent().unwrap_or(Path::new(""));
        let output = app.join("cdk.out");
        let synthesized = loaded.templates.iter().any(|template| {
            loaded
                .sources
                .get(template.file)
                .is_some_and(|source| source.path.starts_with(&output))
        });
        if !synthesized {
            let shown = warden_diagnostics::display_path(app);
            let shown = if shown.is_empty() {
                ".".to_string()
            } else {
                shown
            };
            loaded.notices.push(
                Notice::new(
                    "cdk-not-synthesized",
                    format!("CDK app `{shown}` has no synthesized templates in `cdk.out`: its stacks were not analysed"),
                )
                .path(warden_diagnostics::display_path(file))
                .help("Run `cdk synth` and scan again (or `warden scan cdk.out` if `.gitignore` hides it)."),
            );
        }
    }
}

/// Loads every directory holding `.tf` files as a root module (local modules they call
/// are loaded as part of them too, with their inputs bound).
fn load_terraform(
    loaded: &mut Loaded,
    files: Vec<terraform::SourceText>,
    options: &LoadOptions,
    errors: &mut Vec<LoadError>,
) {
    if files.is_empty() {
        return;
    }
    let mut modules: std::collections::BTreeMap<PathBuf, Vec<terraform::SourceText>> =
        std::collections::BTreeMap::new();
    for file in &files {
        if terraform::is_terraform_file(&file.path) {
            let dir = file
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            modules.entry(dir).or_default().push(file.clone());
        }
    }
    loaded.files_scanned += modules.values().map(Vec::len).sum::<usize>();
    let sources = terraform::DiskSources::new(files, loaded.sources.files().len() as u32);
    let results: Vec<(PathBuf, terraform::ModuleLoad)> = modules
        .into_par_iter()
        .map(|(dir, files)| {
            let result = terraform::load_module(&dir, files, options, &sources);
            (terraform::normalize(&dir), result)
        })
        .collect();
    // A directory that a root module calls (directly or through other modules) is reported
    // as part of its caller, with the caller's inputs, not a second time on its own. A
    // "root" here is a directory no other scanned directory calls; cycles keep everything.
    let called_by_others = |dir: &PathBuf| {
        results
            .iter()
            .any(|(caller, result)| caller != dir && result.called_modules.contains(dir))
    };
    let roots: Vec<&PathBuf> = results
        .iter()
        .map(|(dir, _)| dir)
        .filter(|dir| !called_by_others(dir))
        .collect();
    let called: std::collections::HashSet<PathBuf> = results
        .iter()
        .filter(|(dir, _)| roots.contains(&dir))
        .flat_map(|(dir, result)| {
            result
                .called_modules
                .iter()
                .filter(move |callee| *callee != dir)
        })
        .cloned()
        .collect();
    for added in sources.into_added() {
        loaded.sources.insert(SourceFile::new(
            added.id,
            added.path,
            added.text.to_string(),
        ));
    }
    for (dir, result) in results {
        for (id, error) in result.errors {
            if let Some(file) = loaded.sources.get(id) {
                errors.push(located(
                    file,
                    ParseError {
                        offset: error.offset,
                        message: error.message,
                    },
                ));
            }
        }
        if !called.contains(&dir) {
            loaded.templates.extend(result.template);
        }
    }
}

/// Loads a Terraform file given as text: a module of that one file (local modules it
/// calls are read from the disk).
fn load_terraform_text(
    sources: &mut SourceMap,
    file: &SourceFile,
    options: &LoadOptions,
) -> Result<Option<Template>, LoadError> {
    if terraform::is_tfvars_file(&file.path) {
        return Ok(None);
    }
    let source = terraform::SourceText {
        id: file.id,
        path: file.path.clone(),
        text: file.text.as_str().into(),
    };
    let dir = file
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let disk = terraform::DiskSources::new(vec![source.clone()], sources.files().len() as u32);
    let result = terraform::load_module(&dir, vec![source], options, &disk);
    for added in disk.into_added() {
        sources.insert(SourceFile::new(
            added.id,
            added.path,
            added.text.to_string(),
        ));
    }
    if let Some((id, error)) = result.errors.into_iter().next() {
        let error = ParseError {
            offset: error.offset,
            message: error.message,
        };
        return Err(match sources.get(id) {
            Some(source) => located(source, error),
            None => located(file, error),
        });
    }
    Ok(result.template)
}

/// Loads one file's text into `sources`; for tests and for callers with text in memory.
pub fn load_text(
    sources: &mut SourceMap,
    path: impl Into<PathBuf>,
    text: &str,
    options: &LoadOptions,
) -> Result<Option<Template>, LoadError> {
    let path = path.into();
    let file = sources.add(path.clone(), text.to_string());
    match load_one(text, &path, file.id, options) {
        FileOutcome::NotATemplate => Ok(None),
        FileOutcome::Terraform => load_terraform_text(sources, &file, options),
        FileOutcome::Template(template) => Ok(Some(*template)),
        FileOutcome::Error(error) => Err(located(&file, error)),
    }
}

fn located(file: &SourceFile, error: ParseError) -> LoadError {
    let position = file.line_column(error.offset as u32);
    LoadError {
        file: file.display_path(),
        line: position.line,
        column: position.column,
        message: error.message,
    }
}

/// Quick text test, so that unrelated YAML and JSON (package.json ...) are not parsed.
fn may_be_cloudformation(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && (text.contains("AWS::") || text.contains("Custom::")))
}

fn load_one(text: &str, path: &Path, id: FileId, options: &LoadOptions) -> FileOutcome {
    if terraform::is_terraform_file(path) || terraform::is_tfvars_file(path) {
        return FileOutcome::Terraform;
    }
    if terraform::plan::may_be_plan(text) {
        if let Ok(root) = parse::parse_json(text, id) {
            if terraform::plan::is_plan(&root) {
                return match terraform::plan::build(&root, id) {
                    Ok(template) => FileOutcome::Template(Box::new(template)),
                    Err(error) => FileOutcome::Error(ParseError {
                        offset: error.offset,
                        message: error.message,
                    }),
                };
            }
        }
    }
    // Serverless Framework services first: recognised by name or by content.
    let named_serverless = serverless::is_serverless_file_name(path);
    let cloudformation_text = may_be_cloudformation(text);
    if !cloudformation_text && !named_serverless && !serverless::may_be_serverless(text) {
        return FileOutcome::NotATemplate;
    }
    let is_json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with('{');
    let parsed = if is_json {
        parse::parse_json(text, id)
    } else {
        parse::parse_yaml(text, id)
    };
    let root = match parsed {
        Ok(root) => root,
        // Only files that claim to be templates are reported as broken.
        Err(error) if cloudformation_text || named_serverless => return FileOutcome::Error(error),
        Err(_) => return FileOutcome::NotATemplate,
    };
    if serverless::is_serverless(&root) {
        let dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return match serverless::build(&root, id, dir, options) {
            Ok(template) => FileOutcome::Template(Box::new(template)),
            Err(error) => FileOutcome::Error(ParseError {
                offset: error.offset,
                message: error.message,
            }),
        };
    }
    if !cloudformation_text {
        return FileOutcome::NotATemplate;
    }
    if !template::is_cloudformation(&root) {
        // Declares a format version but nothing usable: say so rather than pass silently.
        if root.get("AWSTemplateFormatVersion").is_some() || root.get("Resources").is_some() {
            return match template::build(&root, id, path.parent(), options) {
                Ok(template) => FileOutcome::Template(Box::new(template)),
                Err(error) => FileOutcome::Error(ParseError {
                    offset: error.offset,
                    message: error.message,
                }),
            };
        }
        return FileOutcome::NotATemplate;
    }
    match template::build(&root, id, path.parent(), options) {
        Ok(template) => FileOutcome::Template(Box::new(template)),
        Err(error) => FileOutcome::Error(ParseError {
            offset: error.offset,
            message: error.message,
        }),
    }
}
