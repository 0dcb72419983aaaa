use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Location;

/// Identifies a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// A span that covers both `self` and `other` (which must be in the same file).
    pub fn cover(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A one-based line and column. Columns count characters, not bytes, as editors do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

/// Byte offsets of line starts, for fast offset to line/column conversion.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        for (offset, byte) in text.bytes().enumerate() {
            if byte == b'\n' {
                line_starts.push(offset as u32 + 1);
            }
        }
        LineIndex { line_starts }
    }

    /// The zero-based line that contains `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The byte offset at which zero-based `line` starts.
    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts.get(line).copied().unwrap_or(u32::MAX)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// One-based line and character column of `offset` in `text`.
    pub fn line_column(&self, text: &str, offset: u32) -> LineColumn {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let start = self.line_starts[line] as usize;
        let end = floor_char_boundary(text, offset as usize);
        let column = text[start..end.max(start)].chars().count() + 1;
        LineColumn {
            line: line + 1,
            column,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// A file's path and text, with its line index.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user named it (relative paths stay relative).
    pub path: PathBuf,
    pub text: String,
    pub lines: LineIndex,
}

impl SourceFile {
    pub fn new(id: FileId, path: impl Into<PathBuf>, text: String) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile {
            id,
            path: path.into(),
            text,
            lines,
        }
    }

    pub fn line_column(&self, offset: u32) -> LineColumn {
        self.lines.line_column(&self.text, offset)
    }

    /// The text of zero-based `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.lines.line_start(line) as usize;
        if start > self.text.len() {
            return "";
        }
        let end = (self.lines.line_start(line + 1) as usize).min(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn slice(&self, span: Span) -> &str {
        let start = floor_char_boundary(&self.text, (span.start as usize).min(self.text.len()));
        let end = floor_char_boundary(&self.text, (span.end as usize).min(self.text.len()));
        &self.text[start..end.max(start)]
    }

    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }
}

/// Paths are shown with forward slashes so that reports read the same on every platform.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    text.replace('\\', "/")
}

/// Every file a run has read, by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file and returns it; its id is its position in the map.
    pub fn add(&mut self, path: impl Into<PathBuf>, text: String) -> Arc<SourceFile> {
        let id = FileId(self.files.len() as u32);
        let file = Arc::new(SourceFile::new(id, path, text));
        self.files.push(file.clone());
        file
    }

    /// Adds a file that was created with an id of its own (e.g. loaded in parallel).
    /// Its id is replaced with its position in the map.
    pub fn insert(&mut self, file: SourceFile) -> Arc<SourceFile> {
        let mut file = file;
        file.id = FileId(self.files.len() as u32);
        let file = Arc::new(file);
        self.files.push(file.clone());
        file
    }

    pub fn get(&self, id: FileId) -> Option<&Arc<SourceFile>> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> &[Arc<SourceFile>] {
        &self.files
    }

    /// Resolves a span to a location with one-based lines and columns.
    pub fn locate(&self, span: Span) -> Option<Location> {
        let file = self.get(span.file)?;
        let start = file.line_column(span.start);
        let end = file.line_column(span.end);
        Some(Location {
            file: file.display_path(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_from_one() {
        let text = "a: 1\nbé: x\n\nlast";
        let index = LineIndex::new(text);
        assert_eq!(
            index.line_column(text, 0),
            LineColumn { line: 1, column: 1 }
        );
        assert_eq!(
            index.line_column(text, 5),
            LineColumn { line: 2, column: 1 }
        );
        // 'é' is two bytes but one column.
        assert_eq!(
            index.line_column(text, 9),
            LineColumn { line: 2, column: 4 }
        );
        assert_eq!(
            index.line_column(text, 12),
            LineColumn { line: 3, column: 1 }
        );
        assert_eq!(
            index.line_column(text, 13),
            LineColumn { line: 4, column: 1 }
        );
        assert_eq!(
            index.line_column(text, 99),
            LineColumn { line: 4, column: 5 }
        );
    }

    #[test]
    fn line_text_strips_line_endings() {
        let file = SourceFile::new(FileId(0), "t.yaml", "one\r\ntwo\nthree".to_string());
        assert_eq!(file.line_text(0), "one");
        assert_eq!(file.line_text(1), "two");
        assert_eq!(file.line_text(2), "three");
        assert_eq!(file.line_text(7), "");
    }

    #[test]
    fn locate_gives_start_and_end() {
        let mut map = SourceMap::new();
        let file = map.add(
            "./dir/t.yaml",
            "Resources:\n  Fn:\n    Type: X\n".to_string(),
        );
        let span = Span::new(file.id, 21, 28);
        let location = map.locate(span).unwrap();
        assert_eq!(location.file, "dir/t.yaml");
        assert_eq!((location.line, location.column), (3, 5));
        assert_eq!((location.end_line, location.end_column), (3, 12));
    }
}
