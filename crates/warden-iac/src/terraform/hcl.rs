//! HCL files of one module directory to declarations: variables, locals, resources, data
//! sources, module calls and outputs, each remembering the file it came from.
//!
//! Nothing is evaluated here; [`super::eval`] does that once values are bound. A file that
//! does not parse is reported and left out, so that the rest of the module still loads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use warden_diagnostics::{FileId, Span};

use crate::template::TemplateError;

/// Bracket nesting beyond this depth is refused before parsing: the HCL parser recurses
/// once per level, so this bounds its stack use on hostile input.
const MAX_NESTING: usize = 256;

/// One source file of a module.
#[derive(Clone, Debug)]
pub struct SourceText {
    pub id: FileId,
    pub path: PathBuf,
    pub text: Arc<str>,
}

/// A `variable` block.
#[derive(Clone, Debug)]
pub(crate) struct VariableDecl {
    pub name: String,
    pub default: Option<(Expression, FileId)>,
    /// True when the declared type is `string` (or absent): CLI values are taken verbatim.
    pub is_string: bool,
    /// The variable's name label: where values given on the command line point.
    pub span: Span,
}

/// A labelled block (`resource`, `data`, `module`) with the file it is in.
#[derive(Clone, Debug)]
pub(crate) struct BlockDecl {
    pub labels: Vec<String>,
    pub block: Block,
    pub file: FileId,
    /// From the block keyword to its last label: where "missing" findings point.
    pub header: Span,
}

/// Everything a module directory declares.
#[derive(Debug, Default)]
pub(crate) struct ModuleConfig {
    pub dir: PathBuf,
    pub files: Vec<SourceText>,
    pub variables: Vec<VariableDecl>,
    pub locals: HashMap<String, (Expression, FileId)>,
    pub resources: Vec<BlockDecl>,
    pub data: Vec<BlockDecl>,
    pub modules: Vec<BlockDecl>,
    pub outputs: Vec<(String, Expression, FileId)>,
}

impl ModuleConfig {
    pub fn text(&self, file: FileId) -> Option<&str> {
        self.files.iter().find(|f| f.id == file).map(|f| &*f.text)
    }
}

/// A byte range from hcl-edit as a span in `file`.
pub(crate) fn span_of(file: FileId, item: &impl hcl_edit::Span) -> Span {
    match item.span() {
        Some(range) => Span::new(file, range.start, range.end),
        None => Span::new(file, 0, 0),
    }
}

/// Parses one HCL file (`.tf` or `.tfvars`).
pub(crate) fn parse_file(text: &str) -> Result<Body, TemplateError> {
    if let Some(offset) = too_deep(text) {
        return Err(TemplateError {
            offset,
            message: format!("nesting deeper than {MAX_NESTING} levels"),
        });
    }
    hcl_edit::parser::parse_body(text).map_err(|error| {
        let location = error.location();
        TemplateError {
            offset: location.offset().min(text.len()),
            message: format!("invalid HCL: {}", error.message()),
        }
    })
}

/// The offset where bracket nesting first exceeds [`MAX_NESTING`] (brackets inside strings
/// count too, which only errs on the safe side).
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, byte) in text.bytes().enumerate() {
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(offset);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Reads the declarations of a module's files; parse errors are returned per file.
pub(crate) fn collect(
    dir: PathBuf,
    files: Vec<SourceText>,
) -> (ModuleConfig, Vec<(FileId, TemplateError)>) {
    let mut config = ModuleConfig {
        dir,
        ..ModuleConfig::default()
    };
    let mut errors = Vec::new();
    for file in &files {
        let body = match parse_file(&file.text) {
            Ok(body) => body,
            Err(error) => {
                errors.push((file.id, error));
                continue;
            }
        };
        for block in body.blocks() {
            let labels: Vec<String> = block
                .labels
                .iter()
                .map(|l| l.as_str().to_string())
                .collect();
            let start = span_of(file.id, &block.ident);
            let header = match block.labels.last() {
                Some(label) => start.cover(span_of(file.id, label)),
                None => start,
            };
            let decl = |labels: Vec<String>| BlockDecl {
                labels,
                block: block.clone(),
                file: file.id,
                header,
            };
            match block.ident.as_str() {
                "resource" if labels.len() == 2 => config.resources.push(decl(labels)),
                "data" if labels.len() == 2 => config.data.push(decl(labels)),
                "module" if labels.len() == 1 => config.modules.push(decl(labels)),
                "variable" if labels.len() == 1 => {
                    let default = block
                        .body
                        .get_attribute("default")
                        .map(|attribute| (attribute.value.clone(), file.id));
                    let is_string = block.body.get_attribute("type").is_none_or(|attribute| {
                        matches!(&attribute.value, Expression::Variable(name) if name.as_str() == "string")
                    });
                    config.variables.push(VariableDecl {
                        name: labels[0].clone(),
                        default,
                        is_string,
                        span: header,
                    });
                }
                "locals" => {
                    for attribute in block.body.attributes() {
                        config.locals.insert(
                            attribute.key.as_str().to_string(),
                            (attribute.value.clone(), file.id),
                        );
                    }
                }
                "output" if labels.len() == 1 => {
                    if let Some(value) = block.body.get_attribute("value") {
                        config
                            .outputs
                            .push((labels[0].clone(), value.value.clone(), file.id));
                    }
                }
                _ => {}
            }
        }
    }
    config.files = files;
    (config, errors)
}
