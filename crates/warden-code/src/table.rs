//! Per-language tables: what reaches a sink, what cleans data, what reads the environment.
//!
//! Names are canonical: the module path a name was imported from (`subprocess.run`,
//! `child_process.exec`) or, for a name nobody imported, the global itself (`eval`,
//! `JSON.parse`, `open`). A name starting with `.` matches a method of that name on any
//! receiver (`.execute` matches `cursor.execute`).

/// What a sink does with the data that reaches it. Each kind is one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SinkKind {
    Shell,
    CodeEval,
    Deserialize,
    Sql,
    NoSql,
    FilePath,
    Request,
    Template,
}

impl SinkKind {
    pub const ALL: [SinkKind; 8] = [
        SinkKind::Shell,
        SinkKind::CodeEval,
        SinkKind::Deserialize,
        SinkKind::Sql,
        SinkKind::NoSql,
        SinkKind::FilePath,
        SinkKind::Request,
        SinkKind::Template,
    ];

    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }

    pub fn describe(self) -> &'static str {
        match self {
            SinkKind::Shell => "a shell command",
            SinkKind::CodeEval => "code evaluation",
            SinkKind::Deserialize => "an unsafe deserialiser",
            SinkKind::Sql => "an SQL statement",
            SinkKind::NoSql => "a NoSQL query",
            SinkKind::FilePath => "a file path",
            SinkKind::Request => "the URL of an outgoing request",
            SinkKind::Template => "a template",
        }
    }
}

/// Every sink kind at once.
pub const ALL_KINDS: u16 = 0xff;

/// Which argument carries the dangerous data.
#[derive(Clone, Copy, Debug)]
pub enum ArgSel {
    /// Positional index, or the keyword of that name (Python), or the field of that name in
    /// an options object at the same position (`axios({ url })`).
    At(usize, &'static str),
    /// A keyword argument / a field of the first object argument only (`Sql=`,
    /// `{ QueryString }`).
    Keyword(&'static str),
    /// Any argument.
    Any,
}

/// An extra condition for a sink to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    None,
    /// Python `shell=True`, or an options object with `shell: true` (Node `spawn`).
    ShellTrue,
    /// `yaml.load` without a safe `Loader`.
    UnsafeYamlLoader,
    /// The value must be a whole structure taken from the input (a query object).
    Structured,
}

#[derive(Clone, Copy, Debug)]
pub struct Sink {
    pub name: &'static str,
    pub kind: SinkKind,
    pub arg: ArgSel,
    pub condition: Condition,
}

const fn sink(name: &'static str, kind: SinkKind, arg: ArgSel) -> Sink {
    Sink {
        name,
        kind,
        arg,
        condition: Condition::None,
    }
}

const fn sink_if(name: &'static str, kind: SinkKind, arg: ArgSel, condition: Condition) -> Sink {
    Sink {
        name,
        kind,
        arg,
        condition,
    }
}

pub struct Table {
    pub sinks: &'static [Sink],
    /// Calls whose result carries none of the listed kinds' danger.
    pub sanitisers: &'static [(&'static str, u16)],
    /// Methods that return a boolean or number whatever their receiver holds.
    pub clean_methods: &'static [&'static str],
    /// Names that hold the process environment (`os.environ`, `process.env`).
    pub environment: &'static [&'static str],
    /// Calls that read one environment variable: `(name, argument index)`.
    pub environment_getters: &'static [&'static str],
    /// Calls that return the stack or the text of an exception without an exception
    /// argument (`traceback.format_exc()`).
    pub stack_calls: &'static [&'static str],
    /// Names of parse functions (`json.loads`): their result is a structure.
    pub parsers: &'static [&'static str],
    /// Methods that iterate their receiver and call their function argument with its items.
    pub iterating_methods: &'static [&'static str],
}

use ArgSel::*;
use Condition::*;
use SinkKind::*;

const PATH: u16 = 1 << (FilePath as u16);
const SHELL: u16 = 1 << (Shell as u16);
const SQL: u16 = 1 << (Sql as u16);
const REQUEST: u16 = 1 << (Request as u16);
const TEMPLATE: u16 = 1 << (Template as u16);

pub static PYTHON: Table = Table {
    sinks: &[
        sink("os.system", Shell, At(0, "command")),
        sink("os.popen", Shell, At(0, "cmd")),
        sink("os.popen2", Shell, At(0, "cmd")),
        sink("os.popen3", Shell, At(0, "cmd")),
        sink("commands.getoutput", Shell, At(0, "cmd")),
        sink("commands.getstatusoutput", Shell, At(0, "cmd")),
        sink("subprocess.getoutput", Shell, At(0, "cmd")),
        sink("subprocess.getstatusoutput", Shell, At(0, "cmd")),
        sink_if("subprocess.run", Shell, At(0, "args"), ShellTrue),
        sink_if("subprocess.call", Shell, At(0, "args"), ShellTrue),
        sink_if("subprocess.check_call", Shell, At(0, "args"), ShellTrue),
        sink_if("subprocess.check_output", Shell, At(0, "args"), ShellTrue),
        sink_if("subprocess.Popen", Shell, At(0, "args"), ShellTrue),
        sink("eval", CodeEval, At(0, "source")),
        sink("exec", CodeEval, At(0, "source")),
        sink("compile", CodeEval, At(0, "source")),
        sink("pickle.loads", Deserialize, At(0, "data")),
        sink("pickle.load", Deserialize, At(0, "file")),
        sink("_pickle.loads", Deserialize, At(0, "data")),
        sink("cPickle.loads", Deserialize, At(0, "data")),
        sink("dill.loads", Deserialize, At(0, "str")),
        sink("marshal.loads", Deserialize, At(0, "bytes")),
        sink("jsonpickle.decode", Deserialize, At(0, "string")),
        sink("shelve.open", Deserialize, At(0, "filename")),
        sink_if("yaml.load", Deserialize, At(0, "stream"), UnsafeYamlLoader),
        sink_if(
            "yaml.load_all",
            Deserialize,
            At(0, "stream"),
            UnsafeYamlLoader,
        ),
        sink("yaml.unsafe_load", Deserialize, At(0, "stream")),
        sink("yaml.unsafe_load_all", Deserialize, At(0, "stream")),
        sink(".execute", Sql, At(0, "operation")),
        sink(".executemany", Sql, At(0, "operation")),
        sink(".executescript", Sql, At(0, "sql_script")),
        sink("pandas.read_sql", Sql, At(0, "sql")),
        sink("pandas.read_sql_query", Sql, At(0, "sql")),
        sink(".read_sql", Sql, At(0, "sql")),
        sink("sqlalchemy.text", Sql, At(0, "text")),
        // AWS data APIs that take SQL or PartiQL text.
        sink(".execute_statement", Sql, Keyword("sql")),
        sink(".execute_statement", Sql, Keyword("Sql")),
        sink(".execute_statement", Sql, Keyword("Statement")),
        sink(".batch_execute_statement", Sql, Keyword("sql")),
        sink(".batch_execute_statement", Sql, Keyword("Sql")),
        sink(".start_query_execution", Sql, Keyword("QueryString")),
        sink_if(".find", NoSql, At(0, "filter"), Structured),
        sink_if(".find_one", NoSql, At(0, "filter"), Structured),
        sink_if(".delete_many", NoSql, At(0, "filter"), Structured),
        sink_if(".delete_one", NoSql, At(0, "filter"), Structured),
        sink_if(".update_many", NoSql, At(0, "filter"), Structured),
        sink_if(".update_one", NoSql, At(0, "filter"), Structured),
        sink_if(".count_documents", NoSql, At(0, "filter"), Structured),
        sink_if(".aggregate", NoSql, At(0, "pipeline"), Structured),
        sink("open", FilePath, At(0, "file")),
        sink("io.open", FilePath, At(0, "file")),
        sink("codecs.open", FilePath, At(0, "filename")),
        sink("os.remove", FilePath, At(0, "path")),
        sink("os.unlink", FilePath, At(0, "path")),
        sink("os.rmdir", FilePath, At(0, "path")),
        sink("os.listdir", FilePath, At(0, "path")),
        sink("os.makedirs", FilePath, At(0, "name")),
        sink("shutil.rmtree", FilePath, At(0, "path")),
        sink("shutil.copy", FilePath, Any),
        sink("shutil.copyfile", FilePath, Any),
        sink("shutil.move", FilePath, Any),
        sink("flask.send_file", FilePath, At(0, "path_or_file")),
        sink(".download_file", FilePath, At(2, "Filename")),
        sink(".upload_file", FilePath, At(0, "Filename")),
        sink("requests.get", Request, At(0, "url")),
        sink("requests.post", Request, At(0, "url")),
        sink("requests.put", Request, At(0, "url")),
        sink("requests.patch", Request, At(0, "url")),
        sink("requests.delete", Request, At(0, "url")),
        sink("requests.head", Request, At(0, "url")),
        sink("requests.request", Request, At(1, "url")),
        sink("httpx.get", Request, At(0, "url")),
        sink("httpx.post", Request, At(0, "url")),
        sink("httpx.request", Request, At(1, "url")),
        sink("urllib.request.urlopen", Request, At(0, "url")),
        sink("urllib.request.Request", Request, At(0, "url")),
        sink("urllib2.urlopen", Request, At(0, "url")),
        sink("urllib3.PoolManager.request", Request, At(1, "url")),
        sink(".urlopen", Request, At(0, "url")),
        sink("jinja2.Template", Template, At(0, "source")),
        sink(".from_string", Template, At(0, "source")),
        sink("flask.render_template_string", Template, At(0, "source")),
        sink("mako.template.Template", Template, At(0, "text")),
    ],
    sanitisers: &[
        ("int", ALL_KINDS),
        ("float", ALL_KINDS),
        ("bool", ALL_KINDS),
        ("len", ALL_KINDS),
        ("hash", ALL_KINDS),
        ("round", ALL_KINDS),
        ("abs", ALL_KINDS),
        ("decimal.Decimal", ALL_KINDS),
        ("uuid.UUID", ALL_KINDS),
        ("uuid.uuid4", ALL_KINDS),
        ("hashlib.sha256", ALL_KINDS),
        ("hashlib.sha1", ALL_KINDS),
        ("hashlib.md5", ALL_KINDS),
        ("datetime.datetime.fromisoformat", ALL_KINDS),
        ("datetime.datetime.strptime", ALL_KINDS),
        ("shlex.quote", SHELL),
        ("pipes.quote", SHELL),
        ("shlex.split", SHELL),
        ("os.path.basename", PATH),
        ("werkzeug.utils.secure_filename", PATH),
        ("secure_filename", PATH),
        ("urllib.parse.quote", PATH | REQUEST | SHELL),
        ("urllib.parse.quote_plus", PATH | REQUEST | SHELL),
        ("html.escape", TEMPLATE),
        ("markupsafe.escape", TEMPLATE),
        ("pymysql.converters.escape_string", SQL),
        (".escape_string", SQL),
        ("psycopg2.sql.Literal", SQL),
        ("psycopg2.sql.Identifier", SQL),
        ("re.escape", ALL_KINDS & !PATH),
    ],
    clean_methods: &[
        "isdigit",
        "isnumeric",
        "isdecimal",
        "isalnum",
        "isalpha",
        "isidentifier",
        "startswith",
        "endswith",
        "count",
        "index",
        "find",
        "rfind",
        "__len__",
        "hexdigest",
        "digest",
        "keys",
        "items_count",
        "timestamp",
    ],
    environment: &["os.environ"],
    environment_getters: &["os.getenv", "os.environ.get", "os.environ.__getitem__"],
    stack_calls: &[
        "traceback.format_exc",
        "traceback.format_exception",
        "traceback.format_stack",
        "traceback.format_tb",
        "traceback.print_exc",
        "sys.exc_info",
    ],
    parsers: &[
        "json.loads",
        "json.load",
        "simplejson.loads",
        "ujson.loads",
        "orjson.loads",
    ],
    iterating_methods: &[],
};

pub static JAVASCRIPT: Table = Table {
    sinks: &[
        sink("child_process.exec", Shell, At(0, "")),
        sink("child_process.execSync", Shell, At(0, "")),
        sink_if("child_process.spawn", Shell, Any, ShellTrue),
        sink_if("child_process.spawnSync", Shell, Any, ShellTrue),
        sink_if("child_process.execFile", Shell, Any, ShellTrue),
        sink_if("child_process.execFileSync", Shell, Any, ShellTrue),
        sink("shelljs.exec", Shell, At(0, "")),
        sink("execa.command", Shell, At(0, "")),
        sink("execa.execaCommand", Shell, At(0, "")),
        sink("eval", CodeEval, At(0, "")),
        sink("Function", CodeEval, Any),
        sink("vm.runInNewContext", CodeEval, At(0, "")),
        sink("vm.runInThisContext", CodeEval, At(0, "")),
        sink("vm.runInContext", CodeEval, At(0, "")),
        sink("vm.compileFunction", CodeEval, At(0, "")),
        sink("vm.Script", CodeEval, At(0, "")),
        sink("node-serialize.unserialize", Deserialize, At(0, "")),
        sink("serialize-to-js.deserialize", Deserialize, At(0, "")),
        sink("funcster.deepDeserialize", Deserialize, At(0, "")),
        sink(".query", Sql, At(0, "sql")),
        sink(".execute", Sql, At(0, "sql")),
        sink(".raw", Sql, At(0, "")),
        sink(".whereRaw", Sql, At(0, "")),
        sink(".orderByRaw", Sql, At(0, "")),
        sink(".havingRaw", Sql, At(0, "")),
        sink(".$queryRawUnsafe", Sql, At(0, "")),
        sink(".$executeRawUnsafe", Sql, At(0, "")),
        sink(".unsafe", Sql, At(0, "")),
        // AWS data APIs that take SQL or PartiQL text (v2 methods and v3 commands).
        sink(".executeStatement", Sql, Keyword("sql")),
        sink(".executeStatement", Sql, Keyword("Sql")),
        sink(".executeStatement", Sql, Keyword("Statement")),
        sink(".startQueryExecution", Sql, Keyword("QueryString")),
        sink("ExecuteStatementCommand", Sql, Keyword("sql")),
        sink("ExecuteStatementCommand", Sql, Keyword("Sql")),
        sink("ExecuteStatementCommand", Sql, Keyword("Statement")),
        sink("BatchExecuteStatementCommand", Sql, Keyword("sql")),
        sink("StartQueryExecutionCommand", Sql, Keyword("QueryString")),
        sink_if(".find", NoSql, At(0, ""), Structured),
        sink_if(".findOne", NoSql, At(0, ""), Structured),
        sink_if(".deleteMany", NoSql, At(0, ""), Structured),
        sink_if(".deleteOne", NoSql, At(0, ""), Structured),
        sink_if(".updateMany", NoSql, At(0, ""), Structured),
        sink_if(".updateOne", NoSql, At(0, ""), Structured),
        sink_if(".countDocuments", NoSql, At(0, ""), Structured),
        sink_if(".findOneAndUpdate", NoSql, At(0, ""), Structured),
        sink_if(".aggregate", NoSql, At(0, ""), Structured),
        sink("fs.readFile", FilePath, At(0, "")),
        sink("fs.readFileSync", FilePath, At(0, "")),
        sink("fs.writeFile", FilePath, At(0, "")),
        sink("fs.writeFileSync", FilePath, At(0, "")),
        sink("fs.appendFile", FilePath, At(0, "")),
        sink("fs.appendFileSync", FilePath, At(0, "")),
        sink("fs.createReadStream", FilePath, At(0, "")),
        sink("fs.createWriteStream", FilePath, At(0, "")),
        sink("fs.unlink", FilePath, At(0, "")),
        sink("fs.unlinkSync", FilePath, At(0, "")),
        sink("fs.rm", FilePath, At(0, "")),
        sink("fs.rmSync", FilePath, At(0, "")),
        sink("fs.readdir", FilePath, At(0, "")),
        sink("fs.readdirSync", FilePath, At(0, "")),
        sink("fs.promises.readFile", FilePath, At(0, "")),
        sink("fs.promises.writeFile", FilePath, At(0, "")),
        sink("fs/promises.readFile", FilePath, At(0, "")),
        sink("fs/promises.writeFile", FilePath, At(0, "")),
        sink("fs/promises.unlink", FilePath, At(0, "")),
        sink(".sendFile", FilePath, At(0, "")),
        sink("fetch", Request, At(0, "url")),
        sink("node-fetch", Request, At(0, "url")),
        sink("axios", Request, At(0, "url")),
        sink("axios.get", Request, At(0, "url")),
        sink("axios.post", Request, At(0, "url")),
        sink("axios.put", Request, At(0, "url")),
        sink("axios.patch", Request, At(0, "url")),
        sink("axios.delete", Request, At(0, "url")),
        sink("axios.head", Request, At(0, "url")),
        sink("axios.request", Request, At(0, "url")),
        sink("http.get", Request, At(0, "host")),
        sink("http.request", Request, At(0, "host")),
        sink("https.get", Request, At(0, "host")),
        sink("https.request", Request, At(0, "host")),
        sink("got", Request, At(0, "url")),
        sink("got.get", Request, At(0, "url")),
        sink("got.post", Request, At(0, "url")),
        sink("request", Request, At(0, "url")),
        sink("request.get", Request, At(0, "url")),
        sink("superagent.get", Request, At(0, "url")),
        sink("superagent.post", Request, At(0, "url")),
        sink("needle.get", Request, At(0, "url")),
        sink("ejs.render", Template, At(0, "")),
        sink("ejs.compile", Template, At(0, "")),
        sink("pug.render", Template, At(0, "")),
        sink("pug.compile", Template, At(0, "")),
        sink("handlebars.compile", Template, At(0, "")),
        sink("nunjucks.renderString", Template, At(0, "")),
        sink("lodash.template", Template, At(0, "")),
        sink("underscore.template", Template, At(0, "")),
        sink("doT.template", Template, At(0, "")),
    ],
    sanitisers: &[
        ("parseInt", ALL_KINDS),
        ("parseFloat", ALL_KINDS),
        ("Number", ALL_KINDS),
        ("Number.parseInt", ALL_KINDS),
        ("Number.parseFloat", ALL_KINDS),
        ("Boolean", ALL_KINDS),
        ("Math.floor", ALL_KINDS),
        ("Math.round", ALL_KINDS),
        ("Math.min", ALL_KINDS),
        ("Math.max", ALL_KINDS),
        ("Date.parse", ALL_KINDS),
        ("uuid.v4", ALL_KINDS),
        ("crypto.randomUUID", ALL_KINDS),
        ("path.basename", PATH),
        ("sanitize-filename", PATH),
        ("encodeURIComponent", PATH | REQUEST | SHELL | SQL),
        ("escape", TEMPLATE),
        ("shell-quote.quote", SHELL),
        ("shell-escape", SHELL),
        ("mysql.escape", SQL),
        ("mysql2.escape", SQL),
        ("sqlstring.escape", SQL),
        (".escape", SQL),
        (".escapeId", SQL),
        (".escapeLiteral", SQL),
        (".escapeIdentifier", SQL),
        ("pg-format", SQL),
        ("validator.escape", TEMPLATE | SQL),
        ("he.encode", TEMPLATE),
        ("lodash.escape", TEMPLATE),
    ],
    clean_methods: &[
        "includes",
        "startsWith",
        "endsWith",
        "indexOf",
        "lastIndexOf",
        "test",
        "has",
        "getTime",
        "valueOf",
        "digest",
        "isInteger",
        "some",
        "every",
        "localeCompare",
        "toFixed",
    ],
    environment: &["process.env"],
    environment_getters: &[],
    stack_calls: &[],
    parsers: &["JSON.parse", "querystring.parse", "qs.parse"],
    iterating_methods: &[
        "map", "forEach", "filter", "find", "flatMap", "reduce", "some", "every", "then", "catch",
        "finally",
    ],
};

/// True when `pattern` (a table name) matches the canonical call name or method name.
pub fn name_matches(pattern: &str, canonical: Option<&str>, method: Option<&str>) -> bool {
    if let Some(method_name) = pattern.strip_prefix('.') {
        return method == Some(method_name);
    }
    canonical == Some(pattern)
}
