//! Serverless-aware analysis of Lambda handler code.
//!
//! The template says who can reach a function and what its role may do; the code says what
//! the function does with the event and which AWS calls it makes. This crate joins the two:
//!
//! 1. [`locate`] follows each function of the resource model to its code (SAM `CodeUri` +
//!    `Handler`, inline code, CDK assets, Serverless services, Terraform archives);
//! 2. [`project`] reads the handler file and the local modules it imports, and each
//!    [`lang`] lowers its tree-sitter syntax tree to a small [`ir`];
//! 3. [`engine`] interprets the IR: taint from the event to sinks listed per language in
//!    [`table`], exception text reaching responses, string literals, SDK calls;
//! 4. [`exposure`] turns the routes and triggers of the template into a severity, [`sdk`]
//!    maps SDK calls to IAM actions (generated data) and [`privilege`] compares them with the
//!    role;
//! 5. the [`rules`] (`WD0xx`, one file each) turn all that into findings with a path, and
//!    whatever could not be analysed becomes a [`CodeNotice`].

pub mod context;
pub mod engine;
pub mod exposure;
pub mod ir;
pub mod lang;
pub mod locate;
pub mod policy;
pub mod privilege;
pub mod project;
pub mod rules;
pub mod sdk;
pub mod table;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;
use warden_diagnostics::{Finding, RuleInfo, SourceMap, Span};
use warden_iac::Template;
use warden_rules::RuleMeta;

use crate::context::{CallNeed, Context, FileMap, Privilege};
use crate::engine::{Engine, Findings};
use crate::locate::CodeSource;
use crate::project::Project;
use crate::rules::{Reporter, RULES};
use crate::sdk::Mapped;

/// A finding on handler code: a [`Finding`] whose `path` holds the steps from the event to
/// the sink and whose `related` holds the route or trigger that reaches the function.
pub type CodeFinding = Finding;

pub use warden_diagnostics::PathStep;

/// Something the code analysis did not analyse, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeNotice {
    /// `code-not-analysed`, `code-partly-analysed`, `least-privilege-not-judged`.
    pub kind: &'static str,
    pub message: String,
    pub span: Option<Span>,
    pub path: Option<String>,
    pub help: Option<String>,
}

/// The least-privilege policy of one function, for `warden policy`.
#[derive(Clone, Debug)]
pub struct FunctionPolicy {
    /// The function as the user named it.
    pub function: String,
    /// The template that declares it.
    pub template: PathBuf,
    /// Actions by resource (CloudFormation JSON of the resource).
    pub statements: Vec<policy::PolicyStatement>,
    /// Calls whose action or target is not known (the policy may be incomplete).
    pub unknown: Vec<String>,
}

#[derive(Debug, Default)]
pub struct CodeReport {
    pub findings: Vec<CodeFinding>,
    pub notices: Vec<CodeNotice>,
    pub policies: Vec<FunctionPolicy>,
    /// Findings hidden by suppressions.
    pub suppressed: usize,
    /// Suppression comments without a reason and the like.
    pub problems: Vec<warden_diagnostics::LoadError>,
    pub functions_analysed: usize,
    pub files_analysed: usize,
}

/// The code rules' descriptions, for `warden rules` and SARIF.
pub fn rule_infos() -> &'static [RuleInfo] {
    static INFOS: OnceLock<Vec<RuleInfo>> = OnceLock::new();
    INFOS.get_or_init(|| RULES.iter().map(|rule| info_of(rule.meta())).collect())
}

/// Every code rule's metadata.
pub fn rule_metas() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|rule| rule.meta())
}

fn info_of(meta: &'static RuleMeta) -> RuleInfo {
    let docs: &'static str = Box::leak(
        meta.raw_docs
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
            .into_boxed_str(),
    );
    let body = docs
        .split_once("## What it does")
        .map_or(docs, |(_, rest)| rest)
        .trim_start();
    let paragraph = body.split("\n\n").next().unwrap_or(body);
    let end = paragraph
        .find(". ")
        .map(|index| index + 1)
        .unwrap_or(paragraph.len());
    RuleInfo {
        code: meta.code,
        name: meta.name,
        risk: meta.risk,
        severity: meta.severity,
        summary: paragraph[..end].trim(),
        docs,
        formats: meta.formats,
        profile: meta.profile,
    }
}

/// Who uses a role, and what their code calls.
#[derive(Default)]
struct RoleUse {
    functions: Vec<String>,
    /// How many of them were analysed and judged.
    judged: usize,
    calls: Vec<CallNeed>,
}

/// One function to analyse.
struct Job {
    template: usize,
    function: usize,
    source: CodeSource,
}

/// What one handler's analysis gave, before positions become spans.
struct HandlerResult {
    job: usize,
    findings: Option<Findings>,
    notice: Option<(String, Option<String>)>,
    handler: String,
}

struct GroupResult {
    project: Project,
    handlers: Vec<HandlerResult>,
    inline: Option<(Span, usize)>,
}

/// Libraries that call AWS for the code: a function that imports them has calls Warden does
/// not see, so "granted but unused" is not judged.
const AWS_CALLING_LIBRARIES: &[&str] = &[
    "aws_lambda_powertools.utilities.parameters",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.feature_flags",
    "aws_lambda_powertools.utilities.streaming",
    "awswrangler",
    "pynamodb",
    "s3fs",
    "smart_open",
    "@aws-lambda-powertools/parameters",
    "@aws-lambda-powertools/idempotency",
    "@middy/ssm",
    "@middy/secrets-manager",
    "@middy/sts",
    "@middy/rds-signer",
    "@middy/dynamodb",
    "@middy/appconfig",
    "dynamoose",
    "@aws-sdk/lib-storage",
    "electrodb",
    "pyqldb",
    "amazon-qldb-driver-nodejs",
    "aws_durable_execution_sdk_python",
    "@aws/durable-execution-sdk-js",
    "botocore.auth",
    "requests_aws4auth",
    "aws_requests_auth",
    "opensearchpy.AWSV4SignerAuth",
    "opensearchpy.AWSV4SignerAsyncAuth",
    "@opensearch-project/opensearch/aws",
    "aws4",
    "@aws-sdk/signature-v4",
    "@smithy/signature-v4",
    "aws-appsync",
    "aws-amplify",
    "@aws-amplify",
    "aws_encryption_sdk",
    "@aws-crypto/client-node",
    "aws_secretsmanager_caching",
    "aws-secretsmanager-caching",
    "bedrock_agentcore",
    "strands",
    "@strands-agents/sdk",
    "langchain_aws",
    "@langchain/aws",
    "llama_index",
];

/// Analyses the code of every function of `templates`. Code files are added to `sources`
/// so that reports can show them.
pub fn analyse(
    templates: &[Template],
    sources: &mut SourceMap,
    enabled: &(dyn Fn(&RuleMeta) -> bool + Sync),
) -> CodeReport {
    let mut report = CodeReport::default();
    // Serverless services with plugins: their role may get statements Warden does not see.
    let plugins: Vec<bool> = templates
        .iter()
        .map(|template| {
            template.format == warden_iac::Format::Serverless
                && sources
                    .get(template.file)
                    .is_some_and(|file| file.text.lines().any(|line| line.starts_with("plugins:")))
        })
        .collect();
    let mut jobs = Vec::new();
    for (template_index, template) in templates.iter().enumerate() {
        let dir = sources
            .get(template.file)
            .map(|file| {
                file.path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        for (function_index, info) in template.analysis.functions.iter().enumerate() {
            let resource = info.resource(template);
            jobs.push(Job {
                template: template_index,
                function: function_index,
                source: locate::locate(resource, &dir),
            });
        }
    }
    // Functions sharing a code root share a project (files are parsed once).
    let mut groups: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    let mut inline_jobs = Vec::new();
    for (index, job) in jobs.iter().enumerate() {
        match &job.source {
            CodeSource::Local { root, .. } => groups
                .entry(project::normalize(root))
                .or_default()
                .push(index),
            CodeSource::Inline { .. } => inline_jobs.push(index),
            CodeSource::NotAnalysed { reason, help } => {
                let template = &templates[job.template];
                let function = template.analysis.functions[job.function].resource(template);
                report.notices.push(CodeNotice {
                    kind: "code-not-analysed",
                    message: format!(
                        "the code of `{}` was not analysed: {reason}",
                        function.origin.id
                    ),
                    span: Some(function.span),
                    path: None,
                    help: help.clone(),
                });
            }
        }
    }
    let work: Vec<(Option<PathBuf>, Vec<usize>)> = groups
        .into_iter()
        .map(|(root, members)| (Some(root), members))
        .chain(inline_jobs.into_iter().map(|job| (None, vec![job])))
        .collect();
    let results: Vec<GroupResult> = work
        .into_par_iter()
        .map(|(root, members)| analyse_group(root, &members, &jobs))
        .collect();

    // A role shared by several functions is judged on what all of them call: the role is
    // what the user can change. Every sharing function must have been analysed and judged.
    let mut shared: HashMap<(usize, usize), RoleUse> = HashMap::new();
    for (template_index, template) in templates.iter().enumerate() {
        for info in &template.analysis.functions {
            if let warden_iac::RoleBinding::Resource(role) = info.role {
                let entry = shared.entry((template_index, role)).or_default();
                entry
                    .functions
                    .push(info.resource(template).origin.id.clone());
            }
        }
    }
    let mut privileges: Vec<Vec<Option<Privilege>>> = Vec::new();
    for group in &results {
        let mut per_handler = Vec::new();
        for handler in &group.handlers {
            let job = &jobs[handler.job];
            let template = &templates[job.template];
            let info = &template.analysis.functions[job.function];
            let privilege = handler.findings.as_ref().map(|findings| {
                privilege_of(
                    template,
                    info.resource(template),
                    info,
                    findings,
                    &group.project,
                    plugins[job.template],
                )
            });
            if let (warden_iac::RoleBinding::Resource(role), Some(privilege)) =
                (&info.role, &privilege)
            {
                if let Some(entry) = shared.get_mut(&(job.template, *role)) {
                    entry.judged += usize::from(privilege.not_judged.is_empty());
                    entry.calls.extend(privilege.calls.iter().cloned());
                }
            }
            per_handler.push(privilege);
        }
        privileges.push(per_handler);
    }
    let mut role_reported: HashSet<(usize, usize)> = HashSet::new();

    // Positions become spans: code files join the source map.
    let mut secret_files_seen: HashSet<PathBuf> = HashSet::new();
    let mut per_template: HashMap<usize, Vec<CodeFinding>> = HashMap::new();
    let mut problem_files_seen: HashSet<PathBuf> = HashSet::new();
    for (group_index, group) in results.into_iter().enumerate() {
        let project = &group.project;
        let maps: Vec<FileMap> = match group.inline {
            Some((span, _)) => project
                .files
                .iter()
                .map(|file| inline_map(sources, span, &file.text))
                .collect(),
            None => project
                .files
                .iter()
                .map(|file| FileMap::Own(sources.add(file.path.clone(), file.text.clone()).id))
                .collect(),
        };
        report.files_analysed += project.files.iter().filter(|f| f.module.is_some()).count();
        for (index, file) in project.files.iter().enumerate() {
            if let Some(problem) = &file.problem {
                if group.inline.is_none() && !problem_files_seen.insert(file.path.clone()) {
                    continue;
                }
                let span = match &maps[index] {
                    FileMap::Own(id) => Span::new(*id, 0, 0),
                    FileMap::Inline { fallback, .. } => *fallback,
                };
                report.notices.push(CodeNotice {
                    kind: if file.module.is_some() {
                        "code-partly-analysed"
                    } else {
                        "code-not-analysed"
                    },
                    message: format!(
                        "`{}` {}: {problem}",
                        warden_diagnostics::display_path(&file.path),
                        if file.module.is_some() {
                            "was partly analysed"
                        } else {
                            "was not analysed"
                        }
                    ),
                    span: Some(span),
                    path: Some(warden_diagnostics::display_path(&file.path)),
                    help: None,
                });
            }
        }
        for (handler_index, handler) in group.handlers.into_iter().enumerate() {
            let job = &jobs[handler.job];
            let template = &templates[job.template];
            let info = &template.analysis.functions[job.function];
            let function = info.resource(template);
            if let Some((reason, help)) = handler.notice {
                report.notices.push(CodeNotice {
                    kind: "code-not-analysed",
                    message: format!(
                        "the code of `{}` was not analysed: {reason}",
                        function.origin.id
                    ),
                    span: Some(function.span),
                    path: None,
                    help,
                });
                continue;
            }
            let Some(findings) = handler.findings else {
                continue;
            };
            report.functions_analysed += 1;
            let privilege = privileges[group_index][handler_index]
                .take()
                .unwrap_or_default();
            let role = match info.role {
                warden_iac::RoleBinding::Resource(role) => {
                    shared.get(&(job.template, role)).map(|u| (role, u))
                }
                _ => None,
            };
            let (role_calls, role_functions, role_reporter) = match role {
                Some((role, usage)) if usage.functions.len() > 1 => {
                    let complete = usage.judged == usage.functions.len();
                    (
                        complete.then(|| usage.calls.clone()),
                        usage.functions.clone(),
                        complete && role_reported.insert((job.template, role)),
                    )
                }
                _ => (
                    Some(privilege.calls.clone()),
                    vec![function.origin.id.clone()],
                    true,
                ),
            };
            if !privilege.not_judged.is_empty() && privilege.calls.iter().any(|c| c.reachable) {
                report.notices.push(CodeNotice {
                    kind: "least-privilege-not-judged",
                    message: format!(
                        "whether the role of `{}` grants more than its code uses was not judged: {}",
                        function.origin.id,
                        privilege.not_judged.join("; ")
                    ),
                    span: Some(function.span),
                    path: None,
                    help: None,
                });
            }
            let mut secret_files = Vec::new();
            let mut files: Vec<usize> = findings.files.iter().copied().collect();
            files.sort();
            for file in files {
                let path = &project.files[file].path;
                if group.inline.is_some() || secret_files_seen.insert(path.clone()) {
                    secret_files.push(file);
                }
            }
            let context = Context {
                template,
                info,
                function,
                function_name: function.origin.id.clone(),
                handler_name: handler.handler.clone(),
                exposure: exposure::exposure(template, info),
                findings: &findings,
                project,
                files: &maps,
                privilege: &privilege,
                role_calls,
                role_functions,
                role_reporter,
                plugins: plugins[job.template],
                secret_files,
            };
            let resource_type = function.origin.resource_type.clone();
            for rule in RULES {
                if !enabled(rule.meta()) {
                    continue;
                }
                let mut reporter = Reporter::new(rule.meta(), &function.origin.id, &resource_type);
                rule.check(&context, &mut reporter);
                per_template
                    .entry(job.template)
                    .or_default()
                    .extend(reporter.findings);
            }
            report.policies.push(FunctionPolicy {
                function: function.origin.id.clone(),
                template: sources
                    .get(template.file)
                    .map(|f| f.path.clone())
                    .unwrap_or_default(),
                statements: policy::least_privilege(template, &privilege),
                unknown: privilege.not_judged.clone(),
            });
        }
    }
    // Suppressions: `# warden:ignore WD001 reason` in code, `Metadata.warden.skip` on the
    // function, exactly as for template findings.
    let mut template_indices: Vec<usize> = per_template.keys().copied().collect();
    template_indices.sort();
    for index in template_indices {
        let mut findings = per_template.remove(&index).unwrap_or_default();
        dedup(&mut findings);
        let filtered = warden_rules::suppression::apply(&templates[index], sources, findings);
        report.suppressed += filtered.suppressed;
        report.problems.extend(filtered.problems);
        report.findings.extend(filtered.findings);
    }
    report
}

/// The same sink reached by several functions sharing code: one finding, the most severe.
fn dedup(findings: &mut Vec<CodeFinding>) {
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    let mut seen = HashSet::new();
    findings.retain(|f| {
        seen.insert((
            f.code,
            f.span,
            f.path.first().map(|s| s.span),
            f.resource.clone(),
        ))
    });
}

fn analyse_group(root: Option<PathBuf>, members: &[usize], jobs: &[Job]) -> GroupResult {
    let mut project = Project::new(root.clone().unwrap_or_default());
    let mut handlers = Vec::new();
    let mut inline = None;
    for &job_index in members {
        let job = &jobs[job_index];
        let (file, function) = match &job.source {
            CodeSource::Local { file, function, .. } => (project.load(file), function.clone()),
            CodeSource::Inline {
                text,
                language,
                function,
                span,
            } => {
                let extension = match language {
                    lang::Language::Python => "py",
                    _ => "js",
                };
                let index = project.add_text(
                    PathBuf::from(format!("<inline>.{extension}")),
                    *language,
                    text.clone(),
                );
                inline = Some((*span, index));
                (Some(index), function.clone())
            }
            CodeSource::NotAnalysed { .. } => continue,
        };
        let Some(file) = file else {
            handlers.push(HandlerResult {
                job: job_index,
                findings: None,
                notice: Some(("the handler file could not be read".into(), None)),
                handler: function,
            });
            continue;
        };
        if project.files[file].module.is_none() {
            // The file's own notice says why.
            continue;
        }
        let mut engine = Engine::new(&mut project);
        let entry = engine.find_handler(file, &function);
        if entry.is_none() && !engine.express_routes.is_empty() {
            // `serverless(app)`: the Express routes are the handlers.
            let routes = engine.express_routes.clone();
            for (route_file, route_function) in routes {
                engine.analyse_route(route_file, route_function);
            }
            engine.sweep();
            let findings = std::mem::take(&mut engine.out);
            drop(engine);
            handlers.push(HandlerResult {
                job: job_index,
                findings: Some(findings),
                notice: None,
                handler: format!("{function} (Express routes)"),
            });
            continue;
        }
        let Some((handler_file, handler_function)) = entry else {
            drop(engine);
            handlers.push(HandlerResult {
                job: job_index,
                findings: None,
                notice: Some((
                    format!(
                        "`{function}` is not a function of `{}`",
                        warden_diagnostics::display_path(&project.files[file].path)
                    ),
                    Some("check the handler name, or whether the function is built by a wrapper Warden does not follow".into()),
                )),
                handler: function,
            });
            continue;
        };
        engine.analyse_handler(handler_file, handler_function);
        engine.sweep();
        let findings = std::mem::take(&mut engine.out);
        drop(engine);
        handlers.push(HandlerResult {
            job: job_index,
            findings: Some(findings),
            notice: None,
            handler: function,
        });
    }
    GroupResult {
        project,
        handlers,
        inline,
    }
}

/// Maps the lines of inline code to where they sit in the template.
fn inline_map(sources: &SourceMap, span: Span, code: &str) -> FileMap {
    let fallback = span;
    let Some(file) = sources.get(span.file) else {
        return FileMap::Inline {
            file: span.file,
            lines: Vec::new(),
            fallback,
        };
    };
    let text = &file.text;
    let start = (span.start as usize).min(text.len());
    let end = (span.end as usize).min(text.len());
    let region = &text[start..end];
    let mut lines = Vec::new();
    // Find each code line in the template region, in order.
    let mut cursor = 0usize;
    for line in code.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            lines.push((start + cursor) as u32);
            continue;
        }
        match region[cursor..].find(trimmed) {
            Some(found) => {
                let absolute = cursor + found;
                // Where the code line starts: back up over its own indentation.
                let indent = line.len() - line.trim_start().len();
                lines.push((start + absolute - indent.min(absolute)) as u32);
                cursor = absolute + trimmed.len();
            }
            None => {
                // JSON strings with escapes: no line mapping.
                return FileMap::Inline {
                    file: span.file,
                    lines: Vec::new(),
                    fallback,
                };
            }
        }
    }
    FileMap::Inline {
        file: span.file,
        lines,
        fallback,
    }
}

fn privilege_of(
    template: &Template,
    function: &warden_iac::Resource,
    info: &warden_iac::FunctionInfo,
    findings: &Findings,
    project: &Project,
    plugins: bool,
) -> Privilege {
    let mut privilege = Privilege::default();
    let mut not_judged: Vec<String> = Vec::new();
    for call in &findings.sdk_calls {
        match sdk::map_call(call) {
            Mapped::Actions {
                service,
                operation,
                actions,
                target,
            } => {
                let resolved = privilege::resolve(template, function, target.as_ref());
                if let privilege::Resolved::Unknown(reason) = &resolved {
                    if call.reachable {
                        not_judged.push(format!(
                            "the target of `{operation}` is not known ({reason})"
                        ));
                    }
                }
                privilege.calls.push(CallNeed {
                    loc: call.loc,
                    service,
                    operation,
                    actions,
                    target,
                    resolved,
                    reachable: call.reachable,
                });
            }
            Mapped::Unknown(what) => not_judged.push(format!("the code calls {what}")),
            Mapped::NotAnOperation => {}
        }
    }
    for unresolved in &findings.unresolved {
        not_judged.push(unresolved.reason.clone());
    }
    if findings.truncated {
        not_judged.push("the analysis stopped at its budget".into());
    }
    for &file in &findings.files {
        if let Some(problem) = &project.files[file].problem {
            not_judged.push(format!(
                "`{}` was not fully analysed ({problem})",
                warden_diagnostics::display_path(&project.files[file].path)
            ));
        }
    }
    for import in &findings.imports {
        if let Some(library) = AWS_CALLING_LIBRARIES.iter().find(|lib| {
            import.as_str() == **lib
                || import.starts_with(&format!("{lib}."))
                || import.starts_with(&format!("{lib}/"))
        }) {
            not_judged.push(format!("it imports `{library}`, which calls AWS for it"));
        }
    }
    if function
        .prop("Layers")
        .is_some_and(|layers| !layers.items().is_empty())
    {
        not_judged.push("it has layers, whose code may call AWS too".into());
    }
    if let Err(reason) = privilege::role_readable(template, info, plugins) {
        not_judged.push(reason);
    }
    not_judged.sort();
    not_judged.dedup();
    privilege.not_judged = not_judged;
    privilege
}
