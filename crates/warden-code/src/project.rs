//! The files of one function's code: the handler module and the local modules it imports,
//! read, parsed and lowered once, with the limits that keep a scan bounded.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::ir::Module;
use crate::lang::Language;

/// Files larger than this are not analysed (a notice says so).
pub const MAX_FILE_BYTES: usize = 1_000_000;
/// A file with a line longer than this is taken as minified or generated.
pub const MAX_LINE_BYTES: usize = 5_000;
/// Local modules followed from one code root.
pub const MAX_FILES: usize = 400;

#[derive(Debug)]
pub struct CodeFile {
    pub path: PathBuf,
    pub language: Language,
    pub text: String,
    /// `None` when the file was not analysed; `problem` says why.
    pub module: Option<Module>,
    /// Why the file was not (fully) analysed.
    pub problem: Option<String>,
}

/// The code under one root (a `CodeUri`, a Serverless service, a Terraform `source_dir`).
#[derive(Debug, Default)]
pub struct Project {
    pub root: PathBuf,
    pub files: Vec<CodeFile>,
    by_path: HashMap<PathBuf, Option<usize>>,
}

impl Project {
    pub fn new(root: PathBuf) -> Self {
        Project {
            root,
            files: Vec::new(),
            by_path: HashMap::new(),
        }
    }

    /// Adds a file that is not on the disk (inline code).
    pub fn add_text(&mut self, path: PathBuf, language: Language, text: String) -> usize {
        let file = parse_file(path.clone(), language, text);
        self.files.push(file);
        let index = self.files.len() - 1;
        self.by_path.insert(path, Some(index));
        index
    }

    /// Reads and parses `path` once; `None` when it is not a readable source file.
    pub fn load(&mut self, path: &Path) -> Option<usize> {
        let path = normalize(path);
        if let Some(known) = self.by_path.get(&path) {
            return *known;
        }
        if self.files.len() >= MAX_FILES {
            return None;
        }
        let result = (|| {
            let language = Language::of(&path)?;
            let metadata = std::fs::metadata(&path).ok()?;
            if !metadata.is_file() {
                return None;
            }
            let file = if metadata.len() as usize > MAX_FILE_BYTES {
                CodeFile {
                    path: path.clone(),
                    language,
                    text: String::new(),
                    module: None,
                    problem: Some(format!(
                        "{} bytes, over the {MAX_FILE_BYTES}-byte limit",
                        metadata.len()
                    )),
                }
            } else {
                let bytes = std::fs::read(&path).ok()?;
                let text = String::from_utf8_lossy(&bytes).into_owned();
                parse_file(path.clone(), language, text)
            };
            self.files.push(file);
            Some(self.files.len() - 1)
        })();
        self.by_path.insert(path, result);
        result
    }

    /// The local module an import names, if it is a file of this project.
    pub fn resolve_import(
        &mut self,
        from: usize,
        module: &str,
        member: Option<&str>,
    ) -> Option<usize> {
        let language = self.files[from].language;
        let dir = self.files[from]
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        match language {
            Language::Python => self.resolve_python(&dir, module, member),
            _ => self.resolve_javascript(&dir, module),
        }
    }

    fn resolve_python(&mut self, dir: &Path, module: &str, member: Option<&str>) -> Option<usize> {
        let dots = module.chars().take_while(|c| *c == '.').count();
        let rest = &module[dots..];
        let mut bases = Vec::new();
        if dots > 0 {
            let mut base = dir.to_path_buf();
            for _ in 1..dots {
                base = base.parent()?.to_path_buf();
            }
            bases.push(base);
        } else {
            bases.push(self.root.clone());
            if dir != self.root {
                bases.push(dir.to_path_buf());
            }
        }
        for base in bases {
            let mut path = base.clone();
            for part in rest.split('.').filter(|p| !p.is_empty()) {
                path.push(part);
            }
            // `from . import utils` / `from pkg import submodule`.
            if let Some(member) = member {
                let submodule = path.join(format!("{member}.py"));
                if submodule.is_file() {
                    return self.load(&submodule);
                }
            }
            if rest.is_empty() {
                let init = path.join("__init__.py");
                if init.is_file() {
                    return self.load(&init);
                }
                continue;
            }
            let file = path.with_extension("py");
            if file.is_file() {
                return self.load(&file);
            }
            let init = path.join("__init__.py");
            if init.is_file() {
                return self.load(&init);
            }
        }
        None
    }

    fn resolve_javascript(&mut self, dir: &Path, module: &str) -> Option<usize> {
        if !(module.starts_with("./")
            || module.starts_with("../")
            || module == "."
            || module == "..")
        {
            return None;
        }
        let base = normalize(&dir.join(module));
        if !base.starts_with(&self.root) && !self.root.as_os_str().is_empty() {
            return None;
        }
        const EXTENSIONS: &[&str] = &["js", "ts", "mjs", "cjs", "mts", "cts", "tsx", "jsx"];
        let mut candidates = vec![base.clone()];
        // TypeScript ESM imports name the compiled `.js` file.
        if let Some(stem) = base.to_str().and_then(|s| s.strip_suffix(".js")) {
            candidates.push(PathBuf::from(format!("{stem}.ts")));
        }
        for extension in EXTENSIONS {
            candidates.push(PathBuf::from(format!("{}.{extension}", base.display())));
        }
        for extension in EXTENSIONS {
            candidates.push(base.join(format!("index.{extension}")));
        }
        candidates
            .into_iter()
            .find(|candidate| candidate.is_file() && Language::of(candidate).is_some())
            .and_then(|candidate| self.load(&candidate))
    }
}

/// Parses and lowers a file, or says why it is not analysed.
pub fn parse_file(path: PathBuf, language: Language, text: String) -> CodeFile {
    let mut file = CodeFile {
        path,
        language,
        text,
        module: None,
        problem: None,
    };
    if file.text.len() > MAX_FILE_BYTES {
        file.problem = Some(format!(
            "{} bytes, over the {MAX_FILE_BYTES}-byte limit",
            file.text.len()
        ));
        return file;
    }
    if file.text.lines().any(|line| line.len() > MAX_LINE_BYTES) {
        file.problem = Some(format!(
            "a line longer than {MAX_LINE_BYTES} bytes: minified or generated code"
        ));
        return file;
    }
    let mut parser = tree_sitter::Parser::new();
    if parser.set_language(&language.grammar()).is_err() {
        file.problem = Some("the grammar could not be loaded".into());
        return file;
    }
    let Some(tree) = parser.parse(&file.text, None) else {
        file.problem = Some("the parser gave up".into());
        return file;
    };
    let root = tree.root_node();
    if root.has_error() {
        file.problem = Some(format!(
            "syntax errors from line {}: the parts the parser recovered were analysed",
            first_error_line(root) + 1
        ));
    }
    file.module = Some(language.lower(root, &file.text));
    file
}

fn first_error_line(node: tree_sitter::Node<'_>) -> usize {
    if node.is_error() || node.is_missing() {
        return node.start_position().row;
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if child.has_error() {
            return first_error_line(child);
        }
    }
    node.start_position().row
}

/// Removes `.` and `..` components without touching the disk.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
