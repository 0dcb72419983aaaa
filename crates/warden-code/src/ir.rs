//! A small intermediate representation that every language lowers to.
//!
//! The taint engine, the SDK-call finder and the error-handling checks run on this IR, never
//! on a grammar's syntax tree, so a new language is a lowering (`lang/<name>.rs`) plus a table
//! of sources, sinks and sanitisers. The IR keeps only what the analyses need: names,
//! member access, calls with positional and keyword arguments, string building, object
//! literals, assignments (with destructuring), control flow with its guards, `try`/`except`,
//! returns and throws. Everything else becomes [`ExprKind::Other`], whose value is the union
//! of its parts.

/// A byte range in the file being lowered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Range {
    pub start: u32,
    pub end: u32,
}

impl Range {
    pub fn new(start: usize, end: usize) -> Self {
        Range {
            start: start as u32,
            end: end as u32,
        }
    }
}

pub type FuncId = usize;

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub range: Range,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Name(String),
    /// `object.name` (also `object?.name`).
    Attr(Box<Expr>, String),
    /// `object[index]`.
    Index(Box<Expr>, Box<Expr>),
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
        /// `new X(...)` in JavaScript.
        construct: bool,
    },
    /// A string literal with its value.
    Str(String),
    /// A number, boolean, `None`/`null`/`undefined`.
    Literal(String),
    /// String building: f-strings, template strings, `+` on strings, `%` formatting,
    /// `"...".format(...)`, implicit concatenation. Parts in order.
    Concat(Vec<Expr>),
    /// Any other binary operation (arithmetic, comparison, boolean): the union of both.
    Binary(Box<Expr>, String, Box<Expr>),
    /// `not x`, `!x`, `-x`, `typeof x`.
    Unary(String, Box<Expr>),
    /// Dictionary or object literal. `None` key: a spread or a computed key.
    Object(Vec<(Option<String>, Expr)>),
    /// List, tuple, array, set.
    Array(Vec<Expr>),
    /// A function value (lambda, arrow function, function expression).
    Function(FuncId),
    Await(Box<Expr>),
    /// `a if c else b`, `c ? a : b`.
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    /// Anything else: its value is the union of the parts.
    Other(Vec<Expr>),
}

#[derive(Clone, Debug)]
pub struct Arg {
    /// Keyword argument name (Python `f(x=1)`).
    pub name: Option<String>,
    pub value: Expr,
    /// `*args`, `**kwargs`, `...spread`.
    pub spread: bool,
}

/// The left side of an assignment.
#[derive(Clone, Debug)]
pub enum Target {
    Name(String, Range),
    /// `a.b = ...`, `a[b] = ...`: the object expression and the field (when literal).
    Field(Expr, Option<String>),
    /// `a, b = ...`, `[a, b] = ...`.
    Sequence(Vec<Target>),
    /// `{ a, b: c, ...rest } = ...`: each field name (None for rest) with its target.
    Object(Vec<(Option<String>, Target)>),
    /// A pattern the analyses do not read.
    Ignored,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Assign {
        target: Target,
        value: Expr,
        range: Range,
    },
    Expr(Expr),
    Return(Option<Expr>, Range),
    Throw(Option<Expr>, Range),
    If {
        cond: Expr,
        then: Vec<Stmt>,
        otherwise: Vec<Stmt>,
    },
    Loop {
        target: Option<Target>,
        iter: Option<Expr>,
        body: Vec<Stmt>,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Handler>,
        finally: Vec<Stmt>,
    },
    /// A nested function or class method definition bound to a name in this scope.
    Def(String, FuncId),
    /// An import bound in this scope.
    Import(Import),
}

#[derive(Clone, Debug)]
pub struct Handler {
    /// The name the exception is bound to, if any.
    pub name: Option<String>,
    pub body: Vec<Stmt>,
    pub range: Range,
}

/// `import x`, `from x import y as z`, `const z = require('x').y`, `import { y as z } from 'x'`.
#[derive(Clone, Debug)]
pub struct Import {
    /// The local name bound.
    pub local: String,
    /// The module as written (`subprocess`, `./db`, `.utils`, `@aws-sdk/client-s3`).
    pub module: String,
    /// The member imported, `None` for the module itself (or a namespace/default import).
    pub member: Option<String>,
    pub range: Range,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Option<String>,
    /// Destructured parameter (`({ body }) => ...`).
    pub pattern: Option<Target>,
    pub range: Range,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub name: String,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
    pub range: Range,
    /// Python methods: the first parameter is `self`/`cls`.
    pub is_method: bool,
}

/// One lowered file.
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// Function 0 is the module's top level.
    pub functions: Vec<Function>,
    /// String literals worth a secret check: (value, range, the name it is assigned to or
    /// the key it is stored under).
    pub strings: Vec<StringLiteral>,
}

#[derive(Clone, Debug)]
pub struct StringLiteral {
    pub value: String,
    pub range: Range,
    pub name: Option<String>,
}

impl Module {
    pub fn top(&self) -> &Function {
        &self.functions[0]
    }
}

impl Expr {
    pub fn new(kind: ExprKind, range: Range) -> Self {
        Expr { kind, range }
    }

    pub fn other(range: Range) -> Self {
        Expr::new(ExprKind::Other(Vec::new()), range)
    }

    /// The dotted name of a `Name`/`Attr` chain (`os.path.join`), if it is one.
    pub fn dotted(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Name(name) => Some(name.clone()),
            ExprKind::Attr(object, name) => Some(format!("{}.{name}", object.dotted()?)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(text) => Some(text),
            _ => None,
        }
    }
}
