//! Languages: a tree-sitter grammar, a lowering to the IR, and a [`Table`] of sources, sinks,
//! sanitisers and SDK conventions. Adding Java, Go or Ruby means adding one file here with
//! those three things; the engine does not change.

pub mod javascript;
pub mod python;

use std::path::Path;

use crate::ir::{Expr, ExprKind, FuncId, Function, Module, Param, Range, Stmt, StringLiteral};
use crate::table::Table;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
}

impl Language {
    /// The language of a file, by extension.
    pub fn of(path: &Path) -> Option<Language> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "py" => Language::Python,
            "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
            "ts" | "mts" | "cts" => Language::TypeScript,
            "tsx" => Language::Tsx,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::JavaScript => "javascript",
            Language::TypeScript | Language::Tsx => "typescript",
        }
    }

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Python => python::language(),
            Language::JavaScript => javascript::language(),
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }

    pub fn lower(self, root: tree_sitter::Node<'_>, source: &str) -> Module {
        match self {
            Language::Python => python::lower(root, source),
            _ => javascript::lower(root, source),
        }
    }

    pub fn table(self) -> &'static Table {
        match self {
            Language::Python => &crate::table::PYTHON,
            _ => &crate::table::JAVASCRIPT,
        }
    }

    /// Handler file candidates for a module path (`src/index` → `src/index.js` ...), in the
    /// order the Lambda runtime would load them.
    pub fn handler_extensions(runtime: Option<&str>) -> &'static [&'static str] {
        match runtime {
            Some(runtime) if runtime.starts_with("python") => &["py"],
            Some(runtime) if runtime.starts_with("nodejs") => {
                &["js", "mjs", "cjs", "ts", "mts", "cts", "tsx", "jsx"]
            }
            _ => &["py", "js", "mjs", "cjs", "ts", "mts", "cts", "tsx", "jsx"],
        }
    }
}

/// Deep nesting (minified bundles, generated code) stops lowering below this depth; the
/// part below is kept as an opaque expression rather than overflowing the stack.
const MAX_DEPTH: u32 = 200;

/// Shared state of a lowering: the source, the module being built and a depth guard.
pub struct Lowering<'s> {
    pub source: &'s str,
    pub module: Module,
    depth: u32,
    /// True when the depth guard cut something off.
    pub truncated: bool,
}

impl<'s> Lowering<'s> {
    pub fn new(source: &'s str) -> Self {
        Lowering {
            source,
            module: Module::default(),
            depth: 0,
            truncated: false,
        }
    }

    pub fn text(&self, node: tree_sitter::Node<'_>) -> &'s str {
        self.source
            .get(node.start_byte()..node.end_byte())
            .unwrap_or("")
    }

    /// Enters one level of nesting; false (and nothing to leave) past the limit.
    pub fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.truncated = true;
            return false;
        }
        self.depth += 1;
        true
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Reserves a function slot (so nested functions get ids before their parent is done).
    pub fn reserve(&mut self, name: &str, range: Range, is_method: bool) -> FuncId {
        self.module.functions.push(Function {
            name: name.to_string(),
            params: Vec::new(),
            body: Vec::new(),
            range,
            is_method,
        });
        self.module.functions.len() - 1
    }

    pub fn finish(&mut self, id: FuncId, params: Vec<Param>, body: Vec<Stmt>) {
        let function = &mut self.module.functions[id];
        function.params = params;
        function.body = body;
    }

    /// Records a string literal that may be a secret (long enough, or a key block).
    pub fn note_literal(&mut self, value: &str, range: Range) {
        let plausible = (value.len() >= 8 && value.len() <= 4096 && !value.contains(' '))
            || value.contains("-----BEGIN");
        if plausible {
            self.module.strings.push(StringLiteral {
                value: value.to_string(),
                range,
                name: None,
            });
        }
    }

    /// Names the literal `value` holds when it is assigned to `name` or stored under key
    /// `name`.
    pub fn note_strings(&mut self, value: &Expr, name: Option<&str>) {
        let ExprKind::Str(text) = &value.kind else {
            return;
        };
        let Some(name) = name else {
            return;
        };
        if let Some(existing) = self
            .module
            .strings
            .iter_mut()
            .rev()
            .take(4)
            .find(|s| s.range == value.range)
        {
            existing.name = Some(name.to_string());
        } else if !text.is_empty() && text.len() <= 4096 {
            self.module.strings.push(StringLiteral {
                value: text.clone(),
                range: value.range,
                name: Some(name.to_string()),
            });
        }
    }
}
