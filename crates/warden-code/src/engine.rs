//! The analysis: an abstract interpretation of the IR, statement by statement, that tracks
//! for every value where it came from.
//!
//! One [`Val`] carries several facts at once: attacker-controlled data ([`Taint`], with the
//! path it travelled), whether it is the handler's event (and which field of it), the module
//! or global it names, a local function or module, an AWS SDK client, a constant string, an
//! environment variable name, the fields of an object literal, and whether it holds the text
//! of a caught exception. Branches are analysed separately and joined; an `if` that returns
//! or raises refines the rest of the block (allow-list checks). Calls into functions of the
//! same project are analysed in place with the values passed, memoised by the shape of those
//! values and bounded in depth, so that a path can run through helpers and modules.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::ir::*;
use crate::lang::Language;
use crate::project::Project;
use crate::table::{self, ArgSel, Condition, SinkKind, Table, ALL_KINDS};

/// A place in a project file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    pub file: usize,
    pub range: RangeKey,
}

/// [`Range`] with ordering, for sorting and hashing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RangeKey {
    pub start: u32,
    pub end: u32,
}

impl Loc {
    pub fn new(file: usize, range: Range) -> Self {
        Loc {
            file,
            range: RangeKey {
                start: range.start,
                end: range.end,
            },
        }
    }
}

/// One step of a source → sink path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub loc: Loc,
    pub note: String,
}

#[derive(Debug)]
pub struct Trace {
    pub step: Step,
    pub prev: Option<Rc<Trace>>,
    pub len: u16,
}

impl Trace {
    fn start(step: Step) -> Rc<Trace> {
        Rc::new(Trace {
            step,
            prev: None,
            len: 1,
        })
    }

    fn then(self: &Rc<Trace>, step: Step) -> Rc<Trace> {
        if self.step.loc == step.loc {
            return self.clone();
        }
        // Long paths keep their first steps and the newest one.
        if self.len >= 14 {
            return Rc::new(Trace {
                step,
                prev: self.prev.clone(),
                len: self.len,
            });
        }
        Rc::new(Trace {
            step,
            prev: Some(self.clone()),
            len: self.len + 1,
        })
    }

    /// The steps from the source to here.
    pub fn steps(&self) -> Vec<Step> {
        let mut out = vec![self.step.clone()];
        let mut current = self.prev.clone();
        while let Some(trace) = current {
            out.push(trace.step.clone());
            current = trace.prev.clone();
        }
        out.reverse();
        out
    }
}

/// Attacker-controlled data.
#[derive(Clone, Debug)]
pub struct Taint {
    /// The sink kinds it is still dangerous for (sanitisers clear bits).
    pub kinds: u16,
    pub trace: Rc<Trace>,
    /// A whole structure from the input (a parsed body, the query parameters).
    pub structured: bool,
    /// Built into a URL whose scheme and host are fixed before the input.
    pub host_fixed: bool,
}

/// An AWS SDK client or resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    pub sdk: Sdk,
    /// The service as the SDK names it: botocore name (`dynamodb`), JS v2 class (`S3`,
    /// `DynamoDB`), v3 package suffix (`client-s3` → `s3`).
    pub service: String,
    /// boto3 resource type (`Table`, `Bucket`, `Object`, `Queue`) or collection.
    pub resource: Option<String>,
    /// The target a resource was built for (`dynamodb.Table(TABLE)`).
    pub target: Option<TargetValue>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sdk {
    Boto3,
    JsV2,
    JsV3,
}

/// What a target parameter evaluated to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TargetValue {
    /// An environment variable's value.
    Env(String),
    /// A literal.
    Text(String),
    /// A field of the event (`Records[].s3.bucket.name`): the trigger's resource.
    Event(String),
    /// Built from something else (a variable, a database row).
    Unknown(String),
}

/// An SDK call the code makes.
#[derive(Clone, Debug)]
pub struct SdkCall {
    pub loc: Loc,
    pub client: Client,
    /// The method or command as written (`put_item`, `putItem`, `PutItemCommand`).
    pub method: String,
    /// Top-level parameters with what they evaluated to.
    pub params: Vec<(String, TargetValue)>,
    /// The first positional argument when it is a literal (`get_paginator('scan')`).
    pub first_text: Option<String>,
    /// True when the handler reaches the call (not only present in the file).
    pub reachable: bool,
}

/// A source → sink path.
#[derive(Clone, Debug)]
pub struct SinkHit {
    pub kind: SinkKind,
    /// The sink as the reader would write it (`subprocess.run(shell=True)`).
    pub sink: String,
    pub steps: Vec<Step>,
}

/// An exception's text reaching a response.
#[derive(Clone, Debug)]
pub struct ErrorLeak {
    pub loc: Loc,
    /// Where the exception text was taken (`traceback.format_exc()`, `err.stack`).
    pub what: String,
    pub origin: Loc,
    /// A full stack trace (not only the message).
    pub trace: bool,
    /// The response's status code, when literal.
    pub status: Option<i64>,
    /// `callback(err)` / `context.fail(err)`: the error itself is the response.
    pub via_callback: bool,
}

/// Something the analysis could not follow, for the least-privilege verdict.
#[derive(Clone, Debug)]
pub struct Unresolved {
    pub loc: Loc,
    pub reason: String,
}

/// What one handler's analysis found.
#[derive(Debug, Default)]
pub struct Findings {
    pub sinks: Vec<SinkHit>,
    pub leaks: Vec<ErrorLeak>,
    pub sdk_calls: Vec<SdkCall>,
    pub unresolved: Vec<Unresolved>,
    /// Files the handler's code spans (handler module and local imports).
    pub files: HashSet<usize>,
    /// The analysis stopped at its budget.
    pub truncated: bool,
    /// Every module imported or required, as written.
    pub imports: HashSet<String>,
}

#[derive(Clone, Debug)]
struct StackText {
    origin: Loc,
    what: String,
    trace: bool,
}

#[derive(Clone, Debug)]
struct FuncRef {
    file: usize,
    id: FuncId,
    closure: Option<Rc<Env>>,
}

/// What a value is known to be.
#[derive(Clone, Debug, Default)]
pub struct Val {
    taint: Option<Taint>,
    /// An object built by the code that holds attacker data in a field.
    inner: Option<Taint>,
    /// The handler's event, or a field of it: the path from the event.
    event: Option<Rc<Vec<String>>>,
    /// A module or global, by canonical name (`subprocess`, `child_process.exec`).
    name: Option<Rc<str>>,
    local_module: Option<usize>,
    func: Option<Rc<FuncRef>>,
    client: Option<Rc<Client>>,
    text: Option<Rc<str>>,
    env: Option<Rc<str>>,
    fields: Option<Rc<Vec<(String, Val)>>>,
    /// A caught exception.
    exception: Option<Loc>,
    /// Text that holds an exception's message or stack.
    stack: Option<Rc<StackText>>,
    /// The Lambda `callback` parameter.
    callback: bool,
    /// The Lambda `context` parameter.
    context: bool,
    /// An HTTP response object (`res` of an Express route).
    response: bool,
}

impl Val {
    fn named(name: impl Into<Rc<str>>) -> Val {
        Val {
            name: Some(name.into()),
            ..Val::default()
        }
    }

    fn text(text: &str) -> Val {
        Val {
            text: Some(text.into()),
            ..Val::default()
        }
    }

    /// Holds no data at all (no taint, no exception, no text from one).
    fn clean_of_data(&self) -> bool {
        self.taint.is_none()
            && self.inner.is_none()
            && self.stack.is_none()
            && self.exception.is_none()
            && self.env.is_none()
            && self.fields.is_none()
            && self.func.is_none()
            && self.client.is_none()
    }

    /// Taint of the value or of anything inside it.
    fn any_taint(&self) -> Option<&Taint> {
        self.taint.as_ref().or(self.inner.as_ref())
    }

    /// Only the data facts (taint, exception text), for results of unknown operations.
    fn data(&self) -> Val {
        Val {
            taint: self.taint.clone(),
            inner: self.inner.clone(),
            stack: self.stack.clone().or_else(|| {
                self.exception.map(|origin| {
                    Rc::new(StackText {
                        origin,
                        what: "the exception".into(),
                        trace: false,
                    })
                })
            }),
            ..Val::default()
        }
    }
}

/// Of two exception texts, the one with the stack trace.
fn pick_stack(a: &Option<Rc<StackText>>, b: &Option<Rc<StackText>>) -> Option<Rc<StackText>> {
    match (a, b) {
        (Some(x), Some(y)) if y.trace && !x.trace => Some(y.clone()),
        (Some(x), _) => Some(x.clone()),
        (None, y) => y.clone(),
    }
}

fn join_taint(a: &Option<Taint>, b: &Option<Taint>) -> Option<Taint> {
    match (a, b) {
        (None, None) => None,
        (Some(t), None) | (None, Some(t)) => Some(t.clone()),
        (Some(x), Some(y)) => {
            let (short, _) = if x.trace.len <= y.trace.len {
                (x, y)
            } else {
                (y, x)
            };
            Some(Taint {
                kinds: x.kinds | y.kinds,
                trace: short.trace.clone(),
                structured: x.structured || y.structured,
                host_fixed: x.host_fixed && y.host_fixed,
            })
        }
    }
}

fn same<T: PartialEq + ?Sized>(a: &Option<Rc<T>>, b: &Option<Rc<T>>) -> Option<Rc<T>> {
    match (a, b) {
        (Some(x), Some(y)) if x == y => Some(x.clone()),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (Some(x), Some(_)) => Some(x.clone()),
        (None, None) => None,
    }
}

fn join(a: &Val, b: &Val) -> Val {
    Val {
        taint: join_taint(&a.taint, &b.taint),
        inner: join_taint(&a.inner, &b.inner),
        event: match (&a.event, &b.event) {
            (Some(x), Some(y)) if x == y => Some(x.clone()),
            (Some(x), None) | (None, Some(x)) => Some(x.clone()),
            _ => None,
        },
        name: same(&a.name, &b.name),
        local_module: a.local_module.or(b.local_module),
        func: a.func.clone().or_else(|| b.func.clone()),
        client: a.client.clone().or_else(|| b.client.clone()),
        text: match (&a.text, &b.text) {
            (Some(x), Some(y)) if x == y => Some(x.clone()),
            (Some(x), None) | (None, Some(x)) => Some(x.clone()),
            _ => None,
        },
        env: same(&a.env, &b.env),
        fields: match (&a.fields, &b.fields) {
            (Some(x), None) | (None, Some(x)) => Some(x.clone()),
            (Some(x), Some(y)) => {
                let mut merged: Vec<(String, Val)> = x.as_ref().clone();
                for (key, value) in y.iter() {
                    match merged.iter_mut().find(|(k, _)| k == key) {
                        Some((_, existing)) => *existing = join(existing, value),
                        None => merged.push((key.clone(), value.clone())),
                    }
                }
                Some(Rc::new(merged))
            }
            (None, None) => None,
        },
        exception: a.exception.or(b.exception),
        stack: pick_stack(&a.stack, &b.stack),
        callback: a.callback || b.callback,
        context: a.context || b.context,
        response: a.response || b.response,
    }
}

/// A scope: local names, with the enclosing scope (closures) behind.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<String, Val>,
    parent: Option<Rc<Env>>,
}

impl Env {
    fn get(&self, name: &str) -> Option<&Val> {
        self.vars
            .get(name)
            .or_else(|| self.parent.as_ref().and_then(|p| p.get(name)))
    }

    fn set(&mut self, name: &str, value: Val) {
        self.vars.insert(name.to_string(), value);
    }

    fn join_from(&mut self, other: &Env) {
        for (name, value) in &other.vars {
            let merged = match self.vars.get(name) {
                Some(existing) => join(existing, value),
                None => value.clone(),
            };
            self.vars.insert(name.clone(), merged);
        }
    }
}

/// Event fields that Lambda or API Gateway fill in, not the caller.
fn trusted_event_path(path: &[String]) -> bool {
    let Some(first) = path.first() else {
        return false;
    };
    matches!(
        first.as_str(),
        "requestContext"
            | "stageVariables"
            | "isBase64Encoded"
            | "httpMethod"
            | "resource"
            | "routeKey"
            | "version"
            | "source"
            | "detail-type"
            | "account"
            | "region"
            | "time"
            | "id"
            | "resources"
            | "ResourceProperties"
            | "OldResourceProperties"
            | "RequestType"
            | "ResponseURL"
            | "StackId"
            | "RequestId"
            | "LogicalResourceId"
            | "PhysicalResourceId"
            | "ResourceType"
            | "ServiceToken"
            | "SecretId"
            | "ClientRequestToken"
            | "Step"
            | "triggerSource"
            | "userPoolId"
            | "callerContext"
    ) || (first == "Records"
        && path.len() >= 3
        && matches!(
            path[2].as_str(),
            "eventSource"
                | "eventSourceARN"
                | "awsRegion"
                | "eventName"
                | "eventTime"
                | "eventVersion"
                | "receiptHandle"
                | "messageId"
                | "EventSubscriptionArn"
                | "attributes"
                | "md5OfBody"
        ))
        || (first == "Records"
            && path.len() >= 5
            && path[2] == "s3"
            && matches!(path[3].as_str(), "bucket" | "configurationId"))
        || (first == "Records"
            && path.len() >= 5
            && path[2] == "s3"
            && path[3] == "object"
            && matches!(
                path[4].as_str(),
                "size" | "eTag" | "sequencer" | "versionId"
            ))
}

fn display_event_path(root: &str, path: &[String]) -> String {
    let mut out = root.to_string();
    for part in path {
        if part == "[]" {
            out.push_str("[]");
        } else {
            out.push('.');
            out.push_str(part);
        }
    }
    out
}

/// How the analysis is bounded.
const MAX_CALL_DEPTH: usize = 6;
const MAX_STEPS: usize = 400_000;

pub struct Engine<'p> {
    project: &'p mut Project,
    pub out: Findings,
    /// Final top-level scope of each module.
    globals: HashMap<usize, Rc<Env>>,
    globals_in_progress: HashSet<usize>,
    /// Results of calls, by callee and argument shape.
    memo: HashMap<(usize, FuncId, u64), Val>,
    /// Functions being analysed (recursion guard).
    active: Vec<(usize, FuncId)>,
    /// Functions analysed at least once.
    pub analysed: HashSet<(usize, FuncId)>,
    steps: usize,
    /// False while sweeping code the handler does not reach.
    reachable: bool,
    reported_sinks: HashSet<(SinkKind, Loc)>,
    event_root: String,
    /// Route handlers registered on an Express app (`app.get(path, fn)`), for handlers that
    /// wrap the app (`serverless(app)`).
    pub express_routes: Vec<(usize, FuncId)>,
}

/// State of one function being analysed.
struct Frame {
    file: usize,
    ret: Option<Val>,
    /// The handler itself (its returns are responses).
    is_handler: bool,
}

enum Flow {
    Continue,
    /// Returned or raised: nothing after runs.
    Stop,
}

impl<'p> Engine<'p> {
    pub fn new(project: &'p mut Project) -> Self {
        Engine {
            project,
            out: Findings::default(),
            globals: HashMap::new(),
            globals_in_progress: HashSet::new(),
            memo: HashMap::new(),
            active: Vec::new(),
            analysed: HashSet::new(),
            steps: 0,
            reachable: true,
            reported_sinks: HashSet::new(),
            event_root: "event".into(),
            express_routes: Vec::new(),
        }
    }

    fn table(&self, file: usize) -> &'static Table {
        self.project.files[file].language.table()
    }

    fn language(&self, file: usize) -> Language {
        self.project.files[file].language
    }

    /// Finds the function a handler name designates in `file` (`lambda_handler`,
    /// `handler`), following re-exports to local modules.
    pub fn find_handler(&mut self, file: usize, name: &str) -> Option<(usize, FuncId)> {
        let globals = self.module_globals(file);
        let value = globals
            .get(&crate::lang::javascript::export_name(name))
            .or_else(|| globals.get(name))
            .cloned()?;
        self.function_of(&value)
    }

    fn function_of(&mut self, value: &Val) -> Option<(usize, FuncId)> {
        if let Some(func) = &value.func {
            return Some((func.file, func.id));
        }
        None
    }

    /// Analyses an Express route handler: `req` is the request, `res` the response.
    pub fn analyse_route(&mut self, file: usize, func: FuncId) {
        self.analyse_entry(file, func, true);
    }

    /// Analyses handler `func` of `file`: its first parameter is the event.
    pub fn analyse_handler(&mut self, file: usize, func: FuncId) {
        self.analyse_entry(file, func, false);
    }

    fn analyse_entry(&mut self, file: usize, func: FuncId, route: bool) {
        self.out.files.insert(file);
        let globals = self.module_globals(file);
        let function = self.function(file, func).clone();
        let mut env = Env {
            vars: HashMap::new(),
            parent: Some(globals),
        };
        for (index, param) in function.params.iter().enumerate() {
            let value = match index {
                0 => {
                    let root = param.name.clone().unwrap_or_else(|| "event".into());
                    self.event_root = root.clone();
                    Val {
                        event: Some(Rc::new(Vec::new())),
                        taint: Some(Taint {
                            kinds: ALL_KINDS,
                            trace: Trace::start(Step {
                                loc: Loc::new(file, param.range),
                                note: format!(
                                    "`{root}`: the {}",
                                    if route { "request" } else { "event" }
                                ),
                            }),
                            structured: false,
                            host_fixed: false,
                        }),
                        ..Val::default()
                    }
                }
                1 if route => Val {
                    response: true,
                    ..Val::default()
                },
                1 => Val {
                    context: true,
                    ..Val::default()
                },
                2 if !route => Val {
                    callback: true,
                    ..Val::default()
                },
                _ => Val::default(),
            };
            self.bind_param(&mut env, file, param, value);
        }
        let mut frame = Frame {
            file,
            ret: None,
            is_handler: true,
        };
        self.active.push((file, func));
        self.analysed.insert((file, func));
        self.block(&function.body, &mut env, &mut frame);
        self.active.pop();
    }

    /// Analyses every function of the files seen that the handler did not reach, with clean
    /// arguments: their SDK calls count for "what the code may call".
    pub fn sweep(&mut self) {
        self.reachable = false;
        let files: Vec<usize> = self.out.files.iter().copied().collect();
        for file in files {
            let count = self.project.files[file]
                .module
                .as_ref()
                .map_or(0, |m| m.functions.len());
            for func in 1..count {
                if self.analysed.contains(&(file, func)) || self.steps > MAX_STEPS {
                    continue;
                }
                let globals = self.module_globals(file);
                let function = self.function(file, func).clone();
                let mut env = Env {
                    vars: HashMap::new(),
                    parent: Some(globals),
                };
                for param in &function.params {
                    self.bind_param(&mut env, file, param, Val::default());
                }
                let mut frame = Frame {
                    file,
                    ret: None,
                    is_handler: false,
                };
                self.analysed.insert((file, func));
                self.active.push((file, func));
                self.block(&function.body, &mut env, &mut frame);
                self.active.pop();
            }
        }
        self.reachable = true;
    }

    fn function(&self, file: usize, func: FuncId) -> &Function {
        &self.project.files[file]
            .module
            .as_ref()
            .expect("functions exist only in analysed files")
            .functions[func]
    }

    fn bind_param(&mut self, env: &mut Env, file: usize, param: &Param, value: Val) {
        if let Some(name) = &param.name {
            env.set(name, value);
        } else if let Some(pattern) = &param.pattern {
            let range = param.range;
            self.assign(pattern, value, env, file, range);
        }
    }

    /// The final top-level scope of `file`, computed once.
    fn module_globals(&mut self, file: usize) -> Rc<Env> {
        if let Some(globals) = self.globals.get(&file) {
            return globals.clone();
        }
        if !self.globals_in_progress.insert(file) || self.project.files[file].module.is_none() {
            return Rc::new(Env::default());
        }
        self.out.files.insert(file);
        let top = self.function(file, 0).clone();
        let mut env = Env::default();
        let mut frame = Frame {
            file,
            ret: None,
            is_handler: false,
        };
        self.analysed.insert((file, 0));
        self.block(&top.body, &mut env, &mut frame);
        let env = Rc::new(env);
        self.globals.insert(file, env.clone());
        self.globals_in_progress.remove(&file);
        env
    }

    fn block(&mut self, stmts: &[Stmt], env: &mut Env, frame: &mut Frame) -> Flow {
        for stmt in stmts {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                self.out.truncated = true;
                return Flow::Stop;
            }
            if let Flow::Stop = self.stmt(stmt, env, frame) {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    fn stmt(&mut self, stmt: &Stmt, env: &mut Env, frame: &mut Frame) -> Flow {
        let file = frame.file;
        match stmt {
            Stmt::Assign {
                target,
                value,
                range,
            } => {
                let value = self.expr(value, env, frame);
                self.assign(target, value, env, file, *range);
            }
            Stmt::Expr(expr) => {
                self.expr(expr, env, frame);
            }
            Stmt::Return(value, range) => {
                let value = match value {
                    Some(value) => self.expr(value, env, frame),
                    None => Val::default(),
                };
                if frame.is_handler {
                    self.check_response(&value, Loc::new(file, *range));
                }
                frame.ret = Some(match &frame.ret {
                    Some(previous) => join(previous, &value),
                    None => value,
                });
                return Flow::Stop;
            }
            Stmt::Throw(value, _) => {
                if let Some(value) = value {
                    self.expr(value, env, frame);
                }
                return Flow::Stop;
            }
            Stmt::If {
                cond,
                then,
                otherwise,
            } => {
                self.expr(cond, env, frame);
                let mut then_env = env.clone();
                let mut else_env = env.clone();
                self.refine(cond, true, &mut then_env);
                self.refine(cond, false, &mut else_env);
                let then_flow = self.block(then, &mut then_env, frame);
                let else_flow = self.block(otherwise, &mut else_env, frame);
                match (then_flow, else_flow) {
                    (Flow::Stop, Flow::Stop) => return Flow::Stop,
                    (Flow::Stop, Flow::Continue) => *env = else_env,
                    (Flow::Continue, Flow::Stop) => *env = then_env,
                    (Flow::Continue, Flow::Continue) => {
                        then_env.join_from(&else_env);
                        *env = then_env;
                    }
                }
            }
            Stmt::Loop { target, iter, body } => {
                let iterated = iter.as_ref().map(|iter| self.expr(iter, env, frame));
                let before = env.clone();
                for _ in 0..2 {
                    if let (Some(target), Some(iterated)) = (target, &iterated) {
                        let item = self.element(iterated);
                        let range = iter.as_ref().map_or(Range::default(), |i| i.range);
                        self.assign(target, item, env, file, range);
                    }
                    let _ = self.block(body, env, frame);
                }
                env.join_from(&before);
            }
            Stmt::Try {
                body,
                handlers,
                finally,
            } => {
                let before = env.clone();
                let body_flow = self.block(body, env, frame);
                let mut after = env.clone();
                let mut all_stop = matches!(body_flow, Flow::Stop);
                for handler in handlers {
                    let mut handler_env = before.clone();
                    handler_env.join_from(env);
                    if let Some(name) = &handler.name {
                        handler_env.set(
                            name,
                            Val {
                                exception: Some(Loc::new(file, handler.range)),
                                ..Val::default()
                            },
                        );
                    }
                    let flow = self.block(&handler.body, &mut handler_env, frame);
                    if let Flow::Continue = flow {
                        all_stop = false;
                        after.join_from(&handler_env);
                    }
                }
                if handlers.is_empty() {
                    all_stop = matches!(body_flow, Flow::Stop);
                }
                *env = after;
                let finally_flow = self.block(finally, env, frame);
                if all_stop || matches!(finally_flow, Flow::Stop) {
                    return Flow::Stop;
                }
            }
            Stmt::Def(name, id) => {
                let closure = if frame_is_top(env) {
                    None
                } else {
                    Some(Rc::new(env.clone()))
                };
                env.set(
                    name,
                    Val {
                        func: Some(Rc::new(FuncRef {
                            file,
                            id: *id,
                            closure,
                        })),
                        ..Val::default()
                    },
                );
            }
            Stmt::Import(import) => {
                let value = self.import(file, &import.module, import.member.as_deref());
                env.set(&import.local, value);
            }
        }
        Flow::Continue
    }

    fn import(&mut self, file: usize, module: &str, member: Option<&str>) -> Val {
        self.out.imports.insert(match member {
            Some(member) => format!("{module}.{member}"),
            None => module.to_string(),
        });
        let canonical = module.strip_prefix("node:").unwrap_or(module);
        if let Some(local) = self.project.resolve_import(file, module, member) {
            self.out.files.insert(local);
            // `from pkg import submodule` resolves to the submodule itself.
            let is_submodule = member.is_some_and(|m| {
                self.project.files[local]
                    .path
                    .file_stem()
                    .is_some_and(|stem| stem == m)
            });
            return match member {
                Some(member) if !is_submodule => {
                    let globals = self.module_globals(local);
                    let found = globals
                        .get(member)
                        .or_else(|| globals.get(&crate::lang::javascript::export_name(member)))
                        .cloned();
                    match found {
                        Some(found) => found,
                        // A CommonJS module imported by default: the module itself.
                        None if member == "default" => Val {
                            local_module: Some(local),
                            ..Val::default()
                        },
                        None => Val::default(),
                    }
                }
                _ => {
                    // `require('./x')` of a CommonJS module gives `module.exports`.
                    let globals = self.module_globals(local);
                    let exported = globals
                        .get(&crate::lang::javascript::export_name("default"))
                        .cloned();
                    match exported {
                        Some(mut exported)
                            if exported.fields.is_some()
                                || exported.func.is_some()
                                || exported.client.is_some() =>
                        {
                            exported.local_module = Some(local);
                            exported
                        }
                        _ => Val {
                            local_module: Some(local),
                            ..Val::default()
                        },
                    }
                }
            };
        }
        match member {
            Some(member) if member != "default" => Val::named(format!("{canonical}.{member}")),
            _ => Val::named(canonical),
        }
    }

    fn assign(&mut self, target: &Target, value: Val, env: &mut Env, file: usize, range: Range) {
        match target {
            Target::Name(name, _) => {
                let value = self.note_assignment(value, name, file, range);
                env.set(name, value);
            }
            Target::Field(object, field) => {
                // `obj.x = tainted`: the object now holds attacker data; `obj.x` reads it.
                if let ExprKind::Name(name) = &object.kind {
                    let mut current = env.get(name).cloned().unwrap_or_default();
                    if let Some(taint) = value.any_taint() {
                        current.inner = join_taint(&current.inner, &Some(taint.clone()));
                    }
                    if let Some(field) = field {
                        let mut fields = current
                            .fields
                            .as_ref()
                            .map(|f| f.as_ref().clone())
                            .unwrap_or_default();
                        fields.retain(|(k, _)| k != field);
                        fields.push((field.clone(), value));
                        current.fields = Some(Rc::new(fields));
                    }
                    env.set(name, current);
                }
            }
            Target::Sequence(items) => {
                let item = self.element(&value);
                for target in items {
                    self.assign(target, item.clone(), env, file, range);
                }
            }
            Target::Object(fields) => {
                for (key, target) in fields {
                    let item = match key {
                        Some(key) => self.field(&value, key, Loc::new(file, range)),
                        None => value.clone(),
                    };
                    self.assign(target, item, env, file, range);
                }
            }
            Target::Ignored => {}
        }
    }

    fn note_assignment(&self, mut value: Val, name: &str, file: usize, range: Range) -> Val {
        if let Some(taint) = &mut value.taint {
            taint.trace = taint.trace.then(Step {
                loc: Loc::new(file, range),
                note: format!("assigned to `{name}`"),
            });
        }
        value
    }

    /// Narrows `env` for the branch where `cond` is `truth`.
    fn refine(&self, cond: &Expr, truth: bool, env: &mut Env) {
        match &cond.kind {
            ExprKind::Unary(op, inner) if op == "not" || op == "!" => {
                self.refine(inner, !truth, env)
            }
            ExprKind::Binary(left, op, right) => match op.as_str() {
                "and" | "&&" if truth => {
                    self.refine(left, true, env);
                    self.refine(right, true, env);
                }
                "or" | "||" if !truth => {
                    self.refine(left, false, env);
                    self.refine(right, false, env);
                }
                "in" if truth => clean_name(left, env, ALL_KINDS),
                "not in" if !truth => clean_name(left, env, ALL_KINDS),
                "==" | "===" | "is" if truth && is_literal(right) => {
                    clean_name(left, env, ALL_KINDS)
                }
                "!=" | "!==" | "is not" if !truth && is_literal(right) => {
                    clean_name(left, env, ALL_KINDS)
                }
                "==" | "===" if truth && is_typeof_number(left, right) => {
                    if let ExprKind::Unary(_, inner) = &left.kind {
                        clean_name(inner, env, ALL_KINDS)
                    }
                }
                _ => {}
            },
            ExprKind::Call { callee, args, .. } if truth => {
                let method = match &callee.kind {
                    ExprKind::Attr(_, method) => Some(method.as_str()),
                    ExprKind::Name(name) => Some(name.as_str()),
                    _ => None,
                };
                match (method, &callee.kind) {
                    (
                        Some(
                            "isdigit" | "isnumeric" | "isdecimal" | "isalnum" | "isalpha"
                            | "isidentifier",
                        ),
                        ExprKind::Attr(object, _),
                    ) => clean_name(object, env, ALL_KINDS),
                    // Allow-lists: `ALLOWED.includes(x)`, `allowed.has(x)`.
                    (Some("includes" | "has" | "__contains__"), ExprKind::Attr(object, _))
                        if !matches!(object.kind, ExprKind::Str(_)) =>
                    {
                        if let Some(arg) = args.first() {
                            clean_name(&arg.value, env, ALL_KINDS)
                        }
                    }
                    // An anchored pattern: `re.fullmatch(p, x)`, `/^[a-z]+$/.test(x)`.
                    (Some("fullmatch" | "match" | "search"), ExprKind::Attr(_, _)) => {
                        if let (Some(pattern), Some(arg)) = (args.first(), args.get(1)) {
                            if anchored(&pattern.value, method == Some("fullmatch")) {
                                clean_name(&arg.value, env, ALL_KINDS)
                            }
                        }
                    }
                    (Some("test"), ExprKind::Attr(object, _)) if anchored(object, false) => {
                        if let Some(arg) = args.first() {
                            clean_name(&arg.value, env, ALL_KINDS)
                        }
                    }
                    (Some("isinstance"), ExprKind::Name(_)) => {
                        if let (Some(arg), Some(kind)) = (args.first(), args.get(1)) {
                            if matches!(&kind.value.kind, ExprKind::Name(n) if n == "int" || n == "float" || n == "bool")
                            {
                                clean_name(&arg.value, env, ALL_KINDS)
                            }
                        }
                    }
                    (Some("isInteger" | "isSafeInteger" | "isFinite"), ExprKind::Attr(_, _)) => {
                        if let Some(arg) = args.first() {
                            clean_name(&arg.value, env, ALL_KINDS)
                        }
                    }
                    // Path containment: `full.startswith(BASE)`.
                    (Some("startswith" | "startsWith"), ExprKind::Attr(object, _)) => {
                        clean_name(object, env, SinkKind::FilePath.bit())
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn element(&self, value: &Val) -> Val {
        let mut item = value.data();
        if let Some(path) = &value.event {
            let mut path = path.as_ref().clone();
            path.push("[]".into());
            item.event = Some(Rc::new(path));
        }
        if let Some(fields) = &value.fields {
            for (_, field) in fields.iter() {
                item = join(&item, &field.data());
            }
        }
        if item.taint.is_none() {
            item.taint = value.inner.clone();
        }
        if let Some(taint) = &mut item.taint {
            taint.structured = false;
        }
        item.client = value.client.clone();
        item
    }

    /// `value.key` / `value["key"]` / `value.get("key")`.
    fn field(&self, value: &Val, key: &str, loc: Loc) -> Val {
        if let Some(fields) = &value.fields {
            if let Some((_, field)) = fields.iter().rev().find(|(k, _)| k == key) {
                return field.clone();
            }
        }
        if let Some(path) = &value.event {
            let mut path = path.as_ref().clone();
            path.push(key.to_string());
            let taint = if trusted_event_path(&path) {
                None
            } else {
                value.taint.as_ref().map(|taint| {
                    let structured = matches!(
                        path.last().map(String::as_str),
                        Some(
                            "queryStringParameters"
                                | "pathParameters"
                                | "multiValueQueryStringParameters"
                                | "headers"
                                | "detail"
                                | "arguments"
                        )
                    );
                    Taint {
                        kinds: taint.kinds,
                        trace: Trace::start(Step {
                            loc,
                            note: format!(
                                "`{}` comes from the event",
                                display_event_path(&self.event_root, &path)
                            ),
                        }),
                        structured,
                        host_fixed: false,
                    }
                })
            };
            return Val {
                event: Some(Rc::new(path)),
                taint,
                ..Val::default()
            };
        }
        if let Some(name) = &value.name {
            if self
                .environment_names()
                .iter()
                .any(|env| env == &name.as_ref())
            {
                return Val {
                    env: Some(key.into()),
                    ..Val::default()
                };
            }
            return Val::named(format!("{name}.{key}"));
        }
        if value.context {
            return Val {
                name: Some(format!("context.{key}").into()),
                ..Val::default()
            };
        }
        if let Some(module) = value.local_module {
            if let Some(globals) = self.globals.get(&module) {
                if let Some(found) = globals
                    .get(key)
                    .or_else(|| globals.get(&crate::lang::javascript::export_name(key)))
                {
                    return found.clone();
                }
            }
            if value.client.is_none() && value.fields.is_none() {
                return Val::default();
            }
        }
        if let Some(origin) = value.exception {
            let trace = matches!(key, "stack" | "__traceback__" | "stackTrace");
            if matches!(
                key,
                "stack"
                    | "message"
                    | "args"
                    | "__traceback__"
                    | "stackTrace"
                    | "msg"
                    | "errorMessage"
            ) {
                return Val {
                    stack: Some(Rc::new(StackText {
                        origin,
                        what: format!("the exception's `{key}`"),
                        trace,
                    })),
                    ..Val::default()
                };
            }
            // Another field of the exception (`err.statusCode`): not known.
            return Val::named(format!("<exception>.{key}"));
        }
        let mut out = value.data();
        if out.taint.is_none() {
            out.taint = value.inner.clone();
        }
        if let Some(taint) = &mut out.taint {
            taint.structured = false;
        }
        if let Some(client) = &value.client {
            // boto3 collections: `bucket.objects`.
            let mut client = client.as_ref().clone();
            client.resource = Some(match &client.resource {
                Some(resource) => format!("{resource}.{key}"),
                None => key.to_string(),
            });
            out.client = Some(Rc::new(client));
        }
        out
    }

    fn environment_names(&self) -> [&'static str; 2] {
        ["os.environ", "process.env"]
    }

    fn lookup(&mut self, name: &str, env: &Env, file: usize) -> Val {
        if let Some(value) = env.get(name) {
            return value.clone();
        }
        if let Some(globals) = self.globals.get(&file) {
            if let Some(value) = globals.get(name) {
                return value.clone();
            }
        }
        // A free name: a builtin or global (`eval`, `JSON`, `process`, `open`).
        Val::named(name)
    }

    fn expr(&mut self, expr: &Expr, env: &mut Env, frame: &mut Frame) -> Val {
        let file = frame.file;
        match &expr.kind {
            ExprKind::Name(name) => self.lookup(name, env, file),
            ExprKind::Attr(object, name) => {
                let object = self.expr(object, env, frame);
                self.field(&object, name, Loc::new(file, expr.range))
            }
            ExprKind::Index(object, index) => {
                let object = self.expr(object, env, frame);
                let index_value = self.expr(index, env, frame);
                match &index.kind {
                    ExprKind::Str(key) => self.field(&object, key, Loc::new(file, expr.range)),
                    _ => match &index_value.text {
                        Some(key) if object.fields.is_some() || object.name.is_some() => {
                            self.field(&object, key, Loc::new(file, expr.range))
                        }
                        _ => {
                            let mut item = self.element(&object);
                            if item.taint.is_none() && object.event.is_none() {
                                item.taint = object.taint.clone();
                            }
                            item
                        }
                    },
                }
            }
            ExprKind::Call {
                callee,
                args,
                construct,
            } => self.call(expr, callee, args, *construct, env, frame),
            ExprKind::Str(text) => Val::text(text),
            ExprKind::Literal(text) => Val::text(text),
            ExprKind::Concat(parts) => {
                let mut out = Val::default();
                let mut prefix = String::new();
                let mut seen_taint = false;
                let mut host_fixed = false;
                let mut all_text = String::new();
                let mut constant = true;
                for part in parts {
                    let value = self.expr(part, env, frame);
                    if let Some(taint) = &value.taint {
                        if !seen_taint {
                            seen_taint = true;
                            host_fixed = fixes_host(&prefix);
                        }
                        let _ = taint;
                    } else if !seen_taint {
                        match &value.text {
                            Some(text) => prefix.push_str(text),
                            // A configured base (`BASE_URL + path`).
                            None => prefix.push_str("\u{0}base/"),
                        }
                    }
                    match &value.text {
                        Some(text) if constant => all_text.push_str(text),
                        _ => constant = false,
                    }
                    let data = value.data();
                    out.taint = join_taint(&out.taint, &data.taint);
                    out.taint = join_taint(&out.taint, &data.inner);
                    out.stack = pick_stack(&out.stack, &data.stack);
                }
                if let Some(taint) = &mut out.taint {
                    taint.structured = false;
                    taint.host_fixed = host_fixed;
                }
                if constant {
                    out.text = Some(all_text.into());
                }
                out
            }
            ExprKind::Binary(left, op, right) => {
                let left = self.expr(left, env, frame);
                let right = self.expr(right, env, frame);
                match op.as_str() {
                    "==" | "!=" | "===" | "!==" | "<" | ">" | "<=" | ">=" | "in" | "not in"
                    | "is" | "is not" | "instanceof" | "-" | "*" | "/" | "//" | "**" | "&"
                    | "|" | "^" | "<<" | ">>" | ">>>" => Val::default(),
                    "%" if left.text.is_some() => {
                        let mut out = right.data();
                        if let Some(taint) = &mut out.taint {
                            taint.structured = false;
                        }
                        out
                    }
                    "%" => Val::default(),
                    // `a or b`, `a ?? b`, `a + b`: either side.
                    _ => {
                        let mut out = join(&left.data(), &right.data());
                        if left.env.is_some() || right.env.is_some() {
                            out.env = left.env.clone().or_else(|| right.env.clone());
                        }
                        if op == "or" || op == "||" || op == "??" {
                            out.event = left.event.clone().or_else(|| right.event.clone());
                            out.fields = left.fields.clone().or_else(|| right.fields.clone());
                            out.client = left.client.clone().or_else(|| right.client.clone());
                            // `a or "default"`: known only when `a` is.
                            out.text = left.text.clone().or_else(|| {
                                (left.clean_of_data()
                                    && left.name.is_none()
                                    && left.event.is_none())
                                .then(|| right.text.clone())
                                .flatten()
                            });
                        }
                        out
                    }
                }
            }
            ExprKind::Unary(op, inner) => {
                let value = self.expr(inner, env, frame);
                if op == "typeof" || op == "!" || op == "not" || op == "-" || op == "void" {
                    Val::default()
                } else {
                    value.data()
                }
            }
            ExprKind::Object(entries) => {
                let mut fields = Vec::new();
                let mut out = Val::default();
                for (key, value_expr) in entries {
                    let value = self.expr(value_expr, env, frame);
                    if key.as_deref() == Some("$where") {
                        if let Some(taint) = value.any_taint() {
                            if taint.kinds & SinkKind::NoSql.bit() != 0 {
                                self.report_sink(
                                    SinkKind::NoSql,
                                    "a `$where` query operator".into(),
                                    taint,
                                    Loc::new(file, value_expr.range),
                                );
                            }
                        }
                    }
                    if let Some(taint) = value.any_taint() {
                        out.inner = join_taint(&out.inner, &Some(taint.clone()));
                    }
                    out.stack = pick_stack(&out.stack, &value.data().stack);
                    match key {
                        Some(key) => fields.push((key.clone(), value)),
                        None => {
                            // Spread: its fields become ours.
                            if let Some(spread) = &value.fields {
                                fields.extend(spread.iter().cloned());
                            }
                        }
                    }
                }
                out.fields = Some(Rc::new(fields));
                out
            }
            ExprKind::Array(items) => {
                let mut out = Val::default();
                let mut fields = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    let value = self.expr(item, env, frame);
                    if let Some(taint) = value.any_taint() {
                        out.inner = join_taint(&out.inner, &Some(taint.clone()));
                    }
                    out.stack = pick_stack(&out.stack, &value.data().stack);
                    fields.push((index.to_string(), value));
                }
                out.fields = Some(Rc::new(fields));
                out
            }
            ExprKind::Function(id) => Val {
                func: Some(Rc::new(FuncRef {
                    file,
                    id: *id,
                    closure: Some(Rc::new(env.clone())),
                })),
                ..Val::default()
            },
            ExprKind::Await(inner) => self.expr(inner, env, frame),
            ExprKind::Conditional(cond, a, b) => {
                self.expr(cond, env, frame);
                let a = self.expr(a, env, frame);
                let b = self.expr(b, env, frame);
                join(&a, &b)
            }
            ExprKind::Other(parts) => {
                let mut out = Val::default();
                for part in parts {
                    let value = self.expr(part, env, frame);
                    out = join(&out, &value.data());
                }
                out
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        expr: &Expr,
        callee: &Expr,
        args: &[Arg],
        construct: bool,
        env: &mut Env,
        frame: &mut Frame,
    ) -> Val {
        let file = frame.file;
        let loc = Loc::new(file, expr.range);
        // The callee, the receiver of a method call, and the method's name.
        let (callee_value, receiver, method) = match &callee.kind {
            ExprKind::Attr(object, method) => {
                let receiver = self.expr(object, env, frame);
                let value = self.field(&receiver, method, loc);
                (value, Some(receiver), Some(method.as_str()))
            }
            _ => (self.expr(callee, env, frame), None, None),
        };
        let arg_values: Vec<Val> = args
            .iter()
            .map(|arg| self.expr(&arg.value, env, frame))
            .collect();
        let canonical = callee_value.name.clone();
        let canonical = canonical.as_deref();
        let table = self.table(file);

        // Module loading: `require('x')`, `importlib.import_module('x')`.
        if matches!(
            canonical,
            Some("require" | "importlib.import_module" | "__import__")
        ) {
            if let Some(module) = arg_values.first().and_then(|v| v.text.clone()) {
                return self.import(file, &module, None);
            }
            return Val::default();
        }

        // Environment reads.
        if let Some(name) = canonical {
            if table.environment_getters.contains(&name) {
                return match arg_values.first().and_then(|v| v.text.clone()) {
                    Some(key) => Val {
                        env: Some(key),
                        ..Val::default()
                    },
                    None => Val::default(),
                };
            }
        }
        if method == Some("get") {
            if let (Some(receiver), Some(key)) =
                (&receiver, arg_values.first().and_then(|v| v.text.clone()))
            {
                if receiver.event.is_some()
                    || receiver.fields.is_some()
                    || receiver.name.is_some()
                    || receiver.taint.is_some()
                {
                    let value = self.field(receiver, &key, loc);
                    let default = arg_values.get(1).map(Val::data).unwrap_or_default();
                    let mut out = join(&value, &default);
                    out.event = value.event.clone();
                    out.env = value.env.clone();
                    return out;
                }
            }
        }

        // Exception text: `traceback.format_exc()`.
        if let Some(name) = canonical {
            if table.stack_calls.contains(&name) {
                return Val {
                    stack: Some(Rc::new(StackText {
                        origin: loc,
                        what: format!("`{name}()`"),
                        trace: true,
                    })),
                    ..Val::default()
                };
            }
        }

        // The Lambda callback: `callback(err)`, `context.fail(err)`.
        let is_callback =
            callee_value.callback || matches!(canonical, Some("context.fail" | "context.done"));
        if is_callback {
            if let Some(first) = arg_values.first() {
                if let Some(origin) = first.exception {
                    self.out.leaks.push(ErrorLeak {
                        loc,
                        what: "the exception".into(),
                        origin,
                        trace: false,
                        status: None,
                        via_callback: true,
                    });
                }
            }
            if let Some(response) = arg_values.get(1) {
                self.check_response(response, loc);
            }
            return Val::default();
        }

        // Express apps wrapped by `serverless-http` and the like.
        if matches!(canonical, Some("express" | "express.Router")) {
            return Val::named("express.app");
        }
        if let (Some(name), Some(method)) = (canonical, method) {
            if name.starts_with("express.app.")
                && matches!(
                    method,
                    "get"
                        | "post"
                        | "put"
                        | "delete"
                        | "patch"
                        | "all"
                        | "use"
                        | "options"
                        | "head"
                        | "route"
                )
            {
                for arg in &arg_values {
                    if let Some(func) = &arg.func {
                        self.express_routes.push((func.file, func.id));
                    }
                }
                return Val::named("express.app");
            }
        }
        if let (Some(receiver), Some(method)) = (&receiver, method) {
            if receiver.response {
                match method {
                    "status" | "sendStatus" => {
                        return Val {
                            response: true,
                            text: arg_values.first().and_then(|v| v.text.clone()),
                            ..Val::default()
                        }
                    }
                    "send" | "json" | "end" | "write" => {
                        if let Some(body) = arg_values.first() {
                            let mut fields = vec![("body".to_string(), body.clone())];
                            if let Some(status) = &receiver.text {
                                fields.push(("statusCode".into(), Val::text(status)));
                            }
                            let response = Val {
                                fields: Some(Rc::new(fields)),
                                ..Val::default()
                            };
                            self.check_response(&response, loc);
                        }
                        return Val {
                            response: true,
                            ..Val::default()
                        };
                    }
                    _ => {
                        return Val {
                            response: true,
                            ..Val::default()
                        }
                    }
                }
            }
        }

        // AWS SDK clients, resources and calls.
        if let Some(value) = self.sdk(
            canonical,
            receiver.as_ref(),
            method,
            &arg_values,
            args,
            construct,
            loc,
        ) {
            return value;
        }

        // Sinks.
        self.check_sinks(
            table,
            canonical,
            method,
            receiver.as_ref(),
            &arg_values,
            args,
            loc,
        );

        // Path separators taken out: `key.split('/')`, `name.replace('/', '')`.
        if let (Some("split" | "replace" | "replaceAll" | "rsplit"), Some(receiver)) =
            (method, &receiver)
        {
            let separator = args.first().is_some_and(|arg| match &arg.value.kind {
                ExprKind::Str(text) => text.contains('/') || text.contains(".."),
                ExprKind::Literal(text) => {
                    text.starts_with('/') && (text.contains("\\/") || text.contains("\\."))
                }
                _ => false,
            });
            if separator {
                let mut out = receiver.data();
                for taint in [&mut out.taint, &mut out.inner] {
                    if let Some(t) = taint {
                        t.kinds &= !SinkKind::FilePath.bit();
                        if t.kinds == 0 {
                            *taint = None;
                        }
                    }
                }
                return out;
            }
        }

        // Sanitisers.
        let sanitiser = table.sanitisers.iter().find(|(name, _)| {
            table::name_matches(name, canonical, method)
                && !(name.starts_with('.') && canonical.is_some())
        });
        if let Some((_, cleared)) = sanitiser {
            let mut out = arg_values.first().map(Val::data).unwrap_or_default();
            if method.is_some() && arg_values.is_empty() {
                out = receiver.as_ref().map(Val::data).unwrap_or_default();
            }
            for taint in [&mut out.taint, &mut out.inner] {
                if let Some(t) = taint {
                    t.kinds &= !cleared;
                    if t.kinds == 0 {
                        *taint = None;
                    }
                }
            }
            return out;
        }
        if let Some(method) = method {
            if table.clean_methods.contains(&method) {
                return Val::default();
            }
        }

        // Parsers: the result is a structure with the input's taint.
        if let Some(name) = canonical {
            if table.parsers.contains(&name) {
                let mut out = arg_values.first().map(Val::data).unwrap_or_default();
                if let Some(taint) = &mut out.taint {
                    taint.structured = true;
                    taint.trace = taint.trace.then(Step {
                        loc,
                        note: format!("parsed by `{name}`"),
                    });
                }
                return out;
            }
        }

        // A function of this project.
        if let Some(func) = callee_value.func.clone() {
            let result = self.call_function(&func, &arg_values, loc, frame);
            return result;
        }
        if let Some(local) = receiver.as_ref().and_then(|r| r.local_module) {
            let _ = local;
        }

        // Callbacks passed to iterating methods or unknown functions run with the data.
        let iterating = method.is_some_and(|m| {
            table.iterating_methods.contains(&m)
                || (self.language(file) == Language::Python && m == "map")
        });
        let mut callback_result = Val::default();
        for (index, arg) in arg_values.iter().enumerate() {
            if let Some(func) = arg.func.clone() {
                let item = if iterating {
                    receiver
                        .as_ref()
                        .map(|r| {
                            if method == Some("then") {
                                r.clone()
                            } else {
                                self.element(r)
                            }
                        })
                        .unwrap_or_default()
                } else {
                    let mut union = Val::default();
                    for (other_index, other) in arg_values.iter().enumerate() {
                        if other_index != index {
                            union = join(&union, &other.data());
                        }
                    }
                    union
                };
                let result = self.call_function(&func, &[item], loc, frame);
                callback_result = join(&callback_result, &result.data());
            }
        }

        // Anything else: the result carries the data of the receiver and the arguments.
        let mut out = Val::default();
        if let Some(receiver) = &receiver {
            out = join(&out, &receiver.data());
            // `str.replace`, `.trim()`, `.split()` keep the event field they came from.
        }
        for (value, arg) in arg_values.iter().zip(args) {
            let mut data = value.data();
            if data.taint.is_none() {
                data.taint = value.inner.clone();
            }
            if !arg.spread || data.any_taint().is_some() {
                out = join(&out, &data);
            }
        }
        if let Some(taint) = &mut out.taint {
            taint.structured = false;
        }
        if canonical == Some("boto3.session.Session") || canonical == Some("boto3.Session") {
            return Val::named("boto3");
        }
        if construct && canonical.is_some() {
            // `new URL(x)` and the like: data flows, the name does not.
        }
        join(&out, &callback_result)
    }

    fn call_function(&mut self, func: &Rc<FuncRef>, args: &[Val], loc: Loc, caller: &Frame) -> Val {
        let key_shape = shape_of(args);
        let key = (func.file, func.id, key_shape);
        if let Some(result) = self.memo.get(&key) {
            return result.clone();
        }
        if self.active.len() >= MAX_CALL_DEPTH
            || self.active.contains(&(func.file, func.id))
            || self.project.files[func.file].module.is_none()
        {
            // Too deep or recursive: the data flows through unchanged.
            let mut out = Val::default();
            for arg in args {
                out = join(&out, &arg.data());
            }
            return out;
        }
        let _ = caller;
        let function = self.function(func.file, func.id).clone();
        let globals = self.module_globals(func.file);
        let parent = func.closure.clone().unwrap_or(globals);
        let mut env = Env {
            vars: HashMap::new(),
            parent: Some(parent),
        };
        let skip_self = usize::from(function.is_method);
        for (index, param) in function.params.iter().enumerate().skip(skip_self) {
            let mut value = args.get(index - skip_self).cloned().unwrap_or_default();
            if let Some(taint) = &mut value.taint {
                let name = param.name.clone().unwrap_or_else(|| "…".into());
                taint.trace = taint
                    .trace
                    .then(Step {
                        loc,
                        note: format!("passed to `{}()`", function.name),
                    })
                    .then(Step {
                        loc: Loc::new(func.file, param.range),
                        note: format!("parameter `{name}` of `{}`", function.name),
                    });
            }
            self.bind_param(&mut env, func.file, param, value);
        }
        let mut frame = Frame {
            file: func.file,
            ret: None,
            is_handler: false,
        };
        self.active.push((func.file, func.id));
        self.analysed.insert((func.file, func.id));
        self.out.files.insert(func.file);
        self.block(&function.body, &mut env, &mut frame);
        self.active.pop();
        let mut result = frame.ret.unwrap_or_default();
        if let Some(taint) = &mut result.taint {
            taint.trace = taint.trace.then(Step {
                loc,
                note: format!("returned by `{}()`", function.name),
            });
        }
        self.memo.insert(key, result.clone());
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn check_sinks(
        &mut self,
        table: &'static Table,
        canonical: Option<&str>,
        method: Option<&str>,
        receiver: Option<&Val>,
        values: &[Val],
        args: &[Arg],
        loc: Loc,
    ) {
        if !self.reachable {
            return;
        }
        // A method name matches only when the receiver is not a known module (so that
        // `re.find` is not `.find`) — unless the canonical name is listed itself.
        let receiver_is_module = receiver.is_some_and(|r| r.name.is_some());
        for sink in table.sinks {
            let matched = if sink.name.starts_with('.') {
                !receiver_is_module && table::name_matches(sink.name, None, method)
            } else {
                table::name_matches(sink.name, canonical, method)
                    || canonical.is_some_and(|c| {
                        // `new XCommand()` imported from any SDK package.
                        !sink.name.contains('.')
                            && c.rsplit('.').next() == Some(sink.name)
                            && sink.name.ends_with("Command")
                    })
            };
            if !matched {
                continue;
            }
            if !condition_holds(sink.condition, values, args) {
                continue;
            }
            let selected: Vec<&Val> = match sink.arg {
                ArgSel::At(index, keyword) => {
                    let mut picked: Vec<&Val> = Vec::new();
                    let positional: Vec<(&Val, &Arg)> = values
                        .iter()
                        .zip(args)
                        .filter(|(_, a)| a.name.is_none() && !a.spread)
                        .collect();
                    if let Some((value, _)) = positional.get(index) {
                        picked.push(value);
                        // `axios({ url })`, `http.request({ host })`.
                        if !keyword.is_empty() {
                            if let Some(fields) = &value.fields {
                                picked.extend(
                                    fields.iter().filter(|(k, _)| k == keyword).map(|(_, v)| v),
                                );
                            }
                        }
                    }
                    if !keyword.is_empty() {
                        picked.extend(
                            values
                                .iter()
                                .zip(args)
                                .filter(|(_, a)| a.name.as_deref() == Some(keyword))
                                .map(|(v, _)| v),
                        );
                    }
                    picked
                }
                ArgSel::Keyword(keyword) => {
                    let mut picked: Vec<&Val> = values
                        .iter()
                        .zip(args)
                        .filter(|(_, a)| a.name.as_deref() == Some(keyword))
                        .map(|(v, _)| v)
                        .collect();
                    if let Some(first) = values.first() {
                        if let Some(fields) = &first.fields {
                            picked.extend(
                                fields.iter().filter(|(k, _)| k == keyword).map(|(_, v)| v),
                            );
                        }
                    }
                    picked
                }
                ArgSel::Any => values.iter().collect(),
            };
            for value in selected {
                let Some(taint) = &value.taint else {
                    continue;
                };
                if taint.kinds & sink.kind.bit() == 0 {
                    continue;
                }
                if sink.kind == SinkKind::Request && taint.host_fixed {
                    continue;
                }
                if sink.condition == Condition::Structured && !taint.structured {
                    continue;
                }
                let shown = match (sink.condition, canonical) {
                    (Condition::ShellTrue, Some(name)) => format!("`{name}(…, shell=True)`"),
                    (_, Some(name)) if !sink.name.starts_with('.') => format!("`{name}()`"),
                    _ => format!(
                        "`.{}()`",
                        method.unwrap_or(sink.name.trim_start_matches('.'))
                    ),
                };
                let taint = taint.clone();
                self.report_sink(sink.kind, shown, &taint, loc);
                break;
            }
        }
    }

    fn report_sink(&mut self, kind: SinkKind, sink: String, taint: &Taint, loc: Loc) {
        if !self.reachable || !self.reported_sinks.insert((kind, loc)) {
            return;
        }
        let mut steps = taint.trace.steps();
        steps.push(Step {
            loc,
            note: format!("reaches {sink}"),
        });
        self.out.sinks.push(SinkHit { kind, sink, steps });
    }

    /// A handler's response (`return {...}`, `callback(null, {...})`) that carries an
    /// exception's text.
    fn check_response(&mut self, response: &Val, loc: Loc) {
        if !self.reachable {
            return;
        }
        let status = response.fields.as_ref().and_then(|fields| {
            fields
                .iter()
                .find(|(k, _)| k == "statusCode" || k == "status")
                .and_then(|(_, v)| v.text.as_deref().and_then(|t| t.parse::<i64>().ok()))
        });
        let body = response.fields.as_ref().and_then(|fields| {
            fields
                .iter()
                .find(|(k, _)| k == "body")
                .map(|(_, v)| v.clone())
        });
        let leaked = match &body {
            Some(body) => body.stack.clone(),
            None if response.fields.is_none() => response.stack.clone(),
            None => None,
        };
        if let Some(stack) = leaked {
            self.out.leaks.push(ErrorLeak {
                loc,
                what: stack.what.clone(),
                origin: stack.origin,
                trace: stack.trace,
                status,
                via_callback: false,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn sdk(
        &mut self,
        canonical: Option<&str>,
        receiver: Option<&Val>,
        method: Option<&str>,
        values: &[Val],
        args: &[Arg],
        construct: bool,
        loc: Loc,
    ) -> Option<Val> {
        let first_text = values
            .first()
            .and_then(|v| v.text.as_deref().map(str::to_string));
        // boto3 clients and resources.
        if let Some(kind @ ("boto3.client" | "boto3.resource")) = canonical {
            let service = match &first_text {
                Some(service) => service.clone(),
                None => {
                    let keyword = values
                        .iter()
                        .zip(args)
                        .find(|(_, a)| a.name.as_deref() == Some("service_name"))
                        .and_then(|(v, _)| v.text.as_deref().map(str::to_string));
                    match keyword {
                        Some(service) => service,
                        None => {
                            self.out.unresolved.push(Unresolved {
                                loc,
                                reason: "a boto3 client whose service is not a literal".into(),
                            });
                            return Some(Val::default());
                        }
                    }
                }
            };
            return Some(Val {
                client: Some(Rc::new(Client {
                    sdk: Sdk::Boto3,
                    service,
                    resource: (kind == "boto3.resource").then(String::new),
                    target: None,
                })),
                ..Val::default()
            });
        }
        // JavaScript SDK v2: `new AWS.S3()`, `new AWS.DynamoDB.DocumentClient()`,
        // `require('aws-sdk/clients/s3')`.
        if let Some(name) = canonical {
            if let Some(client) = js_client(name) {
                if construct || name.ends_with(".from") || name.ends_with(".fromClient") {
                    return Some(Val {
                        client: Some(Rc::new(client)),
                        ..Val::default()
                    });
                }
            }
            // v3 commands: `new PutItemCommand(params)`.
            if construct {
                if let Some((package, command)) = name.rsplit_once('.') {
                    if let Some(service) = v3_package_service(package) {
                        if let Some(operation) = command.strip_suffix("Command") {
                            let client = Client {
                                sdk: Sdk::JsV3,
                                service: service.to_string(),
                                resource: None,
                                target: None,
                            };
                            self.record_sdk_call(
                                client,
                                operation.to_string(),
                                values,
                                args,
                                first_text,
                                loc,
                            );
                            // Sinks on command parameters still apply (SQL statements).
                            return None;
                        }
                    }
                }
            }
        }
        let receiver = receiver?;
        let client = receiver.client.clone()?;
        let method = method?;
        match client.sdk {
            Sdk::Boto3 => {
                // Resource constructors: `dynamodb.Table(name)`, `s3.Object(bucket, key)`.
                if client.resource.as_deref() == Some("")
                    && method.chars().next().is_some_and(char::is_uppercase)
                {
                    let target = values.first().map(target_of);
                    return Some(Val {
                        client: Some(Rc::new(Client {
                            sdk: Sdk::Boto3,
                            service: client.service.clone(),
                            resource: Some(method.to_string()),
                            target,
                        })),
                        ..Val::default()
                    });
                }
                if matches!(method, "meta" | "exceptions") {
                    return Some(Val {
                        client: Some(client.clone()),
                        ..Val::default()
                    });
                }
            }
            Sdk::JsV2 | Sdk::JsV3 => {
                if matches!(
                    method,
                    "send" | "promise" | "destroy" | "middlewareStack" | "config"
                ) {
                    return Some(Val::default());
                }
            }
        }
        if method.starts_with('_') {
            return None;
        }
        self.record_sdk_call(
            client.as_ref().clone(),
            method.to_string(),
            values,
            args,
            first_text,
            loc,
        );
        // The response of an SDK call: data from the service, not from the caller. Sinks on
        // its parameters (SQL statements) are checked by the caller.
        let mut out = Val::default();
        if let Sdk::JsV2 = client.sdk {
            // `.promise()` keeps the client-free value.
            out.client = None;
        }
        // Collections iterate: `bucket.objects.all()`.
        if client.resource.as_deref().is_some_and(|r| r.contains('.')) {
            out.client = Some(client);
        }
        if values
            .iter()
            .any(|v| v.taint.is_some() || v.inner.is_some())
        {
            self.check_sinks(
                self.table(loc.file),
                None,
                Some(method),
                Some(receiver),
                values,
                args,
                loc,
            );
        }
        Some(out)
    }

    fn record_sdk_call(
        &mut self,
        client: Client,
        method: String,
        values: &[Val],
        args: &[Arg],
        first_text: Option<String>,
        loc: Loc,
    ) {
        let mut params = Vec::new();
        // boto3's transfer helpers take their parameters by position.
        let positional: &[&str] = match (client.sdk, method.as_str()) {
            (Sdk::Boto3, "download_file" | "download_fileobj") => &["Bucket", "Key", "Filename"],
            (Sdk::Boto3, "upload_file") => &["Filename", "Bucket", "Key"],
            (Sdk::Boto3, "upload_fileobj") => &["Fileobj", "Bucket", "Key"],
            _ => &[],
        };
        for (index, (value, arg)) in values.iter().zip(args).enumerate() {
            if let Some(name) = &arg.name {
                params.push((name.clone(), target_of(value)));
            } else if let Some(name) = positional.get(index) {
                params.push((name.to_string(), target_of(value)));
            }
        }
        let positional_first = args.first().is_some_and(|a| a.name.is_none());
        if let Some(first) = values.first().filter(|_| positional_first) {
            if let Some(fields) = &first.fields {
                for (key, value) in fields.iter() {
                    params.push((key.clone(), target_of(value)));
                }
            } else if first.any_taint().is_some()
                || (first.text.is_none() && args.first().is_some_and(|a| a.name.is_none()))
            {
                // Parameters built elsewhere (`client.put_item(**params)`, `send(params)`).
                if client.sdk != Sdk::Boto3 || args.first().is_some_and(|a| a.spread) {
                    params.push((
                        "*".into(),
                        TargetValue::Unknown("parameters built elsewhere".into()),
                    ));
                }
            }
        }
        self.out.sdk_calls.push(SdkCall {
            loc,
            client,
            method,
            params,
            first_text,
            reachable: self.reachable,
        });
    }
}

fn frame_is_top(env: &Env) -> bool {
    env.parent.is_none()
}

fn target_of(value: &Val) -> TargetValue {
    if let Some(env) = &value.env {
        return TargetValue::Env(env.to_string());
    }
    if let (Some(path), None) = (&value.event, &value.taint) {
        return TargetValue::Event(path.join("."));
    }
    if let Some(text) = &value.text {
        return TargetValue::Text(text.to_string());
    }
    TargetValue::Unknown("a value computed at run time".into())
}

/// The JavaScript SDK client a canonical constructor name builds.
fn js_client(name: &str) -> Option<Client> {
    // v2: `aws-sdk.S3`, `aws-sdk.DynamoDB.DocumentClient`, `aws-sdk/clients/s3`.
    if let Some(rest) = name.strip_prefix("aws-sdk.") {
        let (class, document) = match rest.strip_suffix(".DocumentClient") {
            Some(class) => (class, true),
            None => (rest, false),
        };
        if class.contains('.') {
            return None;
        }
        return Some(Client {
            sdk: Sdk::JsV2,
            service: class.to_string(),
            resource: document.then(|| "DocumentClient".to_string()),
            target: None,
        });
    }
    if let Some(rest) = name.strip_prefix("aws-sdk/clients/") {
        let (module, document) = match rest.strip_suffix(".DocumentClient") {
            Some(module) => (module, true),
            None => (rest, false),
        };
        return Some(Client {
            sdk: Sdk::JsV2,
            service: format!("clients/{module}"),
            resource: document.then(|| "DocumentClient".to_string()),
            target: None,
        });
    }
    if let Some(rest) = name.strip_prefix("aws-sdk/lib/dynamodb/document_client") {
        let _ = rest;
        return Some(Client {
            sdk: Sdk::JsV2,
            service: "DynamoDB".into(),
            resource: Some("DocumentClient".into()),
            target: None,
        });
    }
    // v3: `@aws-sdk/client-s3.S3Client`, `@aws-sdk/client-s3.S3`,
    // `@aws-sdk/lib-dynamodb.DynamoDBDocumentClient.from`.
    let (package, class) = name.split_once('.')?;
    if package == "@aws-sdk/lib-dynamodb" {
        if !class.starts_with("DynamoDBDocument") {
            return None;
        }
        return Some(Client {
            sdk: Sdk::JsV3,
            service: "dynamodb".into(),
            resource: Some("DocumentClient".into()),
            target: None,
        });
    }
    let service = v3_package_service(package)?;
    if class.ends_with("Command") || class.contains('.') {
        return None;
    }
    Some(Client {
        sdk: Sdk::JsV3,
        service: service.to_string(),
        resource: None,
        target: None,
    })
}

fn v3_package_service(package: &str) -> Option<&str> {
    if package == "@aws-sdk/lib-dynamodb" {
        return Some("dynamodb-document");
    }
    package.strip_prefix("@aws-sdk/client-")
}

fn condition_holds(condition: Condition, values: &[Val], args: &[Arg]) -> bool {
    match condition {
        Condition::None | Condition::Structured => true,
        Condition::ShellTrue => {
            let keyword = values.iter().zip(args).any(|(v, a)| {
                a.name.as_deref() == Some("shell") && v.text.as_deref().is_some_and(|t| t == "True")
            });
            let option = values.iter().any(|v| {
                v.fields.as_ref().is_some_and(|fields| {
                    fields.iter().any(|(k, f)| {
                        k == "shell"
                            && f.text
                                .as_deref()
                                .is_some_and(|t| t == "true" || t.starts_with('/'))
                    })
                })
            });
            keyword || option
        }
        Condition::UnsafeYamlLoader => {
            let loader = values
                .iter()
                .zip(args)
                .enumerate()
                .find(|(index, (_, a))| {
                    a.name.as_deref() == Some("Loader") || (*index == 1 && a.name.is_none())
                })
                .map(|(_, (v, _))| v);
            match loader {
                None => true,
                Some(loader) => loader.name.as_deref().is_some_and(|name| {
                    let last = name.rsplit('.').next().unwrap_or(name);
                    matches!(last, "Loader" | "UnsafeLoader" | "FullLoader")
                }),
            }
        }
    }
}

fn clean_name(expr: &Expr, env: &mut Env, kinds: u16) {
    let ExprKind::Name(name) = &expr.kind else {
        return;
    };
    let Some(value) = env.get(name).cloned() else {
        return;
    };
    let mut value = value;
    for taint in [&mut value.taint, &mut value.inner] {
        if let Some(t) = taint {
            t.kinds &= !kinds;
            if t.kinds == 0 {
                *taint = None;
            }
        }
    }
    env.set(name, value);
}

fn is_literal(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Str(_) | ExprKind::Literal(_))
}

fn is_typeof_number(left: &Expr, right: &Expr) -> bool {
    matches!(&left.kind, ExprKind::Unary(op, _) if op == "typeof")
        && matches!(right.as_str(), Some("number" | "boolean"))
}

/// A regular expression literal anchored at both ends (`^...$`), so that a match means
/// the whole value fits the pattern.
fn anchored(expr: &Expr, full: bool) -> bool {
    let text = match &expr.kind {
        ExprKind::Str(text) => text.clone(),
        ExprKind::Literal(text) => text
            .trim_start_matches('/')
            .rsplit_once('/')
            .map_or(String::new(), |(p, _)| p.to_string()),
        _ => return false,
    };
    (full || text.starts_with('^') || text.starts_with("\\A"))
        && (text.ends_with('$') || text.ends_with("\\Z") || text.ends_with("\\z") || full)
        && !text.contains(".*")
}

/// True when the literal text before the input fixes the scheme and host of a URL, or the
/// input is only a path or query (`https://api.example.com/items/`, `/items/`).
fn fixes_host(prefix: &str) -> bool {
    if prefix.is_empty() {
        return false;
    }
    let after_scheme = match prefix.find("://") {
        Some(index) => &prefix[index + 3..],
        None => return !prefix.ends_with(':'),
    };
    after_scheme.contains(['/', '?', '#'])
}

/// A hash of what matters about arguments for memoising calls.
fn shape_of(args: &[Val]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for arg in args {
        arg.taint
            .as_ref()
            .map(|t| (t.kinds, t.structured, t.host_fixed))
            .hash(&mut hasher);
        arg.inner.is_some().hash(&mut hasher);
        arg.event.hash(&mut hasher);
        arg.exception.is_some().hash(&mut hasher);
        arg.stack.is_some().hash(&mut hasher);
        arg.callback.hash(&mut hasher);
        arg.client
            .as_ref()
            .map(|c| (&c.service, &c.resource))
            .hash(&mut hasher);
        arg.env.hash(&mut hasher);
        arg.text.hash(&mut hasher);
        arg.fields.as_ref().map(|f| f.len()).hash(&mut hasher);
    }
    hasher.finish()
}
