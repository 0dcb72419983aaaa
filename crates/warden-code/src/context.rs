//! What a code rule sees about one function: the template around it, who can reach it, what
//! its code does, and how to turn code positions into report spans.

use warden_diagnostics::{FileId, Span};
use warden_iac::{FunctionInfo, Resource, Template};

use crate::engine::{Findings, Loc, Step};
use crate::exposure::Exposure;
use crate::privilege::Resolved;
use crate::project::Project;
use crate::sdk::Target;
use crate::PathStep;

/// Where a project file's positions go in the report.
#[derive(Clone, Debug)]
pub enum FileMap {
    /// A file of its own.
    Own(FileId),
    /// Code written in a template: the template offset where each code line starts.
    Inline {
        file: FileId,
        lines: Vec<u32>,
        fallback: Span,
    },
}

impl FileMap {
    pub fn span(&self, project: &Project, loc: Loc) -> Span {
        match self {
            FileMap::Own(file) => {
                Span::new(*file, loc.range.start as usize, loc.range.end as usize)
            }
            FileMap::Inline {
                file,
                lines,
                fallback,
            } => {
                let text = &project.files[loc.file].text;
                let position = |offset: u32| -> Option<u32> {
                    let offset = (offset as usize).min(text.len());
                    let line = text[..offset].matches('\n').count();
                    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
                    let start = *lines.get(line)?;
                    Some(start + (offset - line_start) as u32)
                };
                match (position(loc.range.start), position(loc.range.end)) {
                    (Some(start), Some(end)) => Span::new(*file, start as usize, end as usize),
                    _ => *fallback,
                }
            }
        }
    }
}

/// One SDK call with what it needs from IAM.
#[derive(Clone, Debug)]
pub struct CallNeed {
    pub loc: Loc,
    pub service: String,
    pub operation: String,
    pub actions: Vec<String>,
    pub target: Option<Target>,
    pub resolved: Resolved,
    pub reachable: bool,
}

/// Least-privilege view of a function.
#[derive(Clone, Debug, Default)]
pub struct Privilege {
    pub calls: Vec<CallNeed>,
    /// Why "granted but unused" cannot be judged (empty: it can).
    pub not_judged: Vec<String>,
}

pub struct Context<'a> {
    pub template: &'a Template,
    pub info: &'a FunctionInfo,
    pub function: &'a Resource,
    /// The function as the user named it (SAM logical ID, Serverless function name).
    pub function_name: String,
    /// The handler function in the code.
    pub handler_name: String,
    pub exposure: Exposure,
    pub findings: &'a Findings,
    pub project: &'a Project,
    pub files: &'a [FileMap],
    pub privilege: &'a Privilege,
    /// What every function sharing this function's role calls (`None`: not all of them were
    /// analysed and judged).
    pub role_calls: Option<Vec<CallNeed>>,
    /// The functions that use this function's role (this one included).
    pub role_functions: Vec<String>,
    /// This function reports the role's findings (the first of the functions sharing it).
    pub role_reporter: bool,
    /// The template is a Serverless service with plugins (which may change the role).
    pub plugins: bool,
    /// Project files whose hard-coded secrets this function reports (each file once).
    pub secret_files: Vec<usize>,
}

impl Context<'_> {
    pub fn span(&self, loc: Loc) -> Span {
        self.files[loc.file].span(self.project, loc)
    }

    pub fn step(&self, step: &Step) -> PathStep {
        PathStep {
            span: self.span(step.loc),
            message: step.note.clone(),
        }
    }
}
