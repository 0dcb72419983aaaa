//! Following a function of the resource model to its code.
//!
//! | format | where the code is |
//! |---|---|
//! | SAM | `CodeUri` (a folder or file beside the template) + `Handler`; `InlineCode` |
//! | CloudFormation | `Code.ZipFile` (inline); `Code: ./path` (before `aws cloudformation package`) |
//! | CDK (`cdk.out`) | the function's `aws:asset:path` metadata: a folder beside the template |
//! | Serverless | the service folder + `handler:`, if `package.patterns` keep it; `package.artifact` is a prebuilt archive |
//! | Terraform | `filename`, or the `source_dir` / `source_file` of the `archive_file` it names |
//!
//! Code in S3, container images, archives and languages Warden does not read yet are
//! [`CodeSource::NotAnalysed`], with the reason: every such function appears in the report's
//! notices.

use std::path::{Path, PathBuf};

use warden_diagnostics::Span;
use warden_iac::{Node, Resource, Value};

use crate::lang::Language;

#[derive(Clone, Debug)]
pub enum CodeSource {
    /// Code on disk: `root` is what handler paths are relative to.
    Local {
        root: PathBuf,
        file: PathBuf,
        function: String,
    },
    /// Code written in the template.
    Inline {
        text: String,
        language: Language,
        function: String,
        /// The template node that holds the code.
        span: Span,
    },
    NotAnalysed {
        reason: String,
        help: Option<String>,
    },
}

/// Where `function`'s code is. `template_dir` is the directory of the file that declares it.
pub fn locate(function: &Resource, template_dir: &Path) -> CodeSource {
    let handler = function.prop("Handler").and_then(Node::as_str);
    let runtime = function.prop("Runtime").and_then(Node::as_str);
    if function
        .prop("PackageType")
        .and_then(Node::as_str)
        .is_some_and(|p| p.eq_ignore_ascii_case("image"))
        || function.prop("ImageUri").is_some()
        || function.prop("Code.ImageUri").is_some()
    {
        return not_analysed("a container image: its code is not in the repository", None);
    }
    if let Some(runtime) = runtime {
        if !runtime.starts_with("python") && !runtime.starts_with("nodejs") {
            return not_analysed(
                &format!(
                    "runtime `{runtime}`: code analysis reads Python, JavaScript and TypeScript"
                ),
                None,
            );
        }
    }
    // Inline code.
    for path in ["InlineCode", "Code.ZipFile"] {
        if let Some(node) = function.prop(path) {
            let Some(text) = node.as_str() else {
                return not_analysed("inline code built with intrinsic functions", None);
            };
            let language = match runtime {
                Some(r) if r.starts_with("python") => Language::Python,
                Some(_) => Language::JavaScript,
                None => return not_analysed("inline code without a runtime", None),
            };
            let Some((module, function_name)) = handler.and_then(split_handler_any) else {
                return not_analysed("inline code without a handler", None);
            };
            // Lambda saves inline code as `index.py` / `index.js`: a handler in another
            // module means the inline code is a placeholder replaced by a later deployment.
            if path == "Code.ZipFile" && module != "index" {
                return not_analysed(
                    &format!("its inline code is a placeholder (Lambda saves it as `index`, the handler names `{module}`)"),
                    Some("scan the code that is deployed over it"),
                );
            }
            return CodeSource::Inline {
                text: text.to_string(),
                language,
                function: function_name.to_string(),
                span: node.span,
            };
        }
    }
    let Some(handler) = handler else {
        return not_analysed("no handler", None);
    };
    // CDK: `Metadata: { aws:asset:path: asset.<hash>, aws:asset:property: Code }`.
    let asset = function
        .metadata
        .as_ref()
        .and_then(|m| m.get("aws:asset:path"))
        .and_then(Node::as_str);
    let location = function
        .prop("CodeUri")
        .or_else(|| function.prop("Code").filter(|code| code.as_str().is_some()));
    let root = match (asset, location) {
        (Some(asset), _) => {
            let root = template_dir.join(asset);
            if !root.exists() {
                return not_analysed(
                    &format!("the CDK asset `{asset}` is not beside the template"),
                    Some("run `cdk synth` so that `cdk.out` holds the assets"),
                );
            }
            root
        }
        (None, Some(node)) => match &node.value {
            Value::String(uri) => {
                if uri.starts_with("s3://") || uri.starts_with("https://") {
                    return not_analysed(
                        &format!("code in S3 (`{uri}`)"),
                        Some("scan the source template, not the packaged one"),
                    );
                }
                let candidate = template_dir.join(uri);
                // Terraform's `${path.module}/src` is already anchored at the module folder.
                let anchored = Path::new(uri).is_absolute()
                    || (!template_dir.as_os_str().is_empty()
                        && template_dir != Path::new(".")
                        && Path::new(uri).starts_with(template_dir));
                let path = if anchored && Path::new(uri).exists() {
                    PathBuf::from(uri)
                } else if candidate.exists() {
                    candidate
                } else {
                    return not_analysed(
                        &format!("the code path `{uri}` does not exist"),
                        Some("build or check out the code next to the template"),
                    );
                };
                if path.is_file() {
                    match Language::of(&path) {
                        // Terraform `source_file`: the file is the module.
                        Some(_) => {
                            let Some((_, function_name)) = split_handler_any(handler) else {
                                return not_analysed(&format!("handler `{handler}`"), None);
                            };
                            return CodeSource::Local {
                                root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                                file: path.clone(),
                                function: function_name.to_string(),
                            };
                        }
                        None => {
                            return not_analysed(
                                &format!("a packaged archive (`{uri}`)"),
                                Some("point the function at its source folder, or scan the folder the archive is built from"),
                            )
                        }
                    }
                }
                path
            }
            Value::Map(_) => {
                return not_analysed("code in S3", None);
            }
            _ => return not_analysed("the code location is not known", None),
        },
        (None, None) => {
            if function.prop("Code.S3Bucket").is_some() || function.prop("Code").is_some() {
                return not_analysed("code in S3", None);
            }
            return not_analysed("no code location", None);
        }
    };
    let source = find_handler_file(&root, handler, runtime);
    if let (CodeSource::Local { root, file, .. }, Some(patterns)) =
        (&source, function.prop("PackagePatterns"))
    {
        if let Some(pattern) = excluded_from_package(patterns, root, file) {
            return not_analysed(
                &format!(
                    "the handler file `{}` is left out of the deployment package by `{pattern}`",
                    warden_diagnostics::display_path(file.strip_prefix(root).unwrap_or(file))
                ),
                Some("scan the code that is packaged (a build output?), or fix `package.patterns`"),
            );
        }
    }
    source
}

/// The Serverless Framework's packaging: everything is in, then each pattern in order
/// includes what it matches, or excludes it when it starts with `!`. Returns the pattern
/// that leaves `file` out, if one does.
fn excluded_from_package(patterns: &Node, root: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(root).ok()?;
    let mut excluded_by = None;
    for pattern in patterns.as_seq()?.iter().filter_map(Node::as_str) {
        let (negated, glob) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let glob = glob.trim_start_matches("./");
        let Ok(glob) = globset::GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
        else {
            continue;
        };
        let matcher = glob.compile_matcher();
        // A folder pattern (`src`, `src/`) covers what is under it.
        let matches = matcher.is_match(relative)
            || relative
                .ancestors()
                .skip(1)
                .any(|folder| !folder.as_os_str().is_empty() && matcher.is_match(folder));
        if matches {
            excluded_by = negated.then(|| pattern.to_string());
        }
    }
    excluded_by
}

fn not_analysed(reason: &str, help: Option<&str>) -> CodeSource {
    CodeSource::NotAnalysed {
        reason: reason.to_string(),
        help: help.map(str::to_string),
    }
}

/// `app.lambda_handler` → (`app`, `lambda_handler`); `src/index.handler` →
/// (`src/index`, `handler`).
fn split_handler_any(handler: &str) -> Option<(&str, &str)> {
    let (module, function) = handler.rsplit_once('.')?;
    (!module.is_empty() && !function.is_empty()).then_some((module, function))
}

/// Finds the file a handler string names under `root`.
pub fn find_handler_file(root: &Path, handler: &str, runtime: Option<&str>) -> CodeSource {
    let mut candidates: Vec<(String, String)> = Vec::new();
    // Node: the module ends at the first dot after the last slash (`file.obj.method`).
    let slash = handler.rfind('/').map_or(0, |i| i + 1);
    if let Some(dot) = handler[slash..].find('.') {
        let (module, function) = handler.split_at(slash + dot);
        candidates.push((module.to_string(), function[1..].to_string()));
    }
    if let Some((module, function)) = split_handler_any(handler) {
        // Python: dotted packages.
        candidates.push((module.to_string(), function.to_string()));
        candidates.push((module.replace('.', "/"), function.to_string()));
    }
    for (module, function) in &candidates {
        for extension in Language::handler_extensions(runtime) {
            let file = root.join(format!("{module}.{extension}"));
            if file.is_file() {
                // `handler.obj.method`: the exported object's method is the handler.
                let function = function.rsplit('.').next().unwrap_or(function).to_string();
                return CodeSource::Local {
                    root: root.to_path_buf(),
                    file,
                    function,
                };
            }
        }
    }
    match candidates.first() {
        Some((module, _)) => not_analysed(
            &format!(
                "the handler file `{module}.*` is not in `{}`",
                warden_diagnostics::display_path(root)
            ),
            Some("build the code (TypeScript compiled elsewhere?) or check the handler path"),
        ),
        None => not_analysed(&format!("handler `{handler}` names no file"), None),
    }
}
