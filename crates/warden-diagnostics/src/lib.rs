//! Source text, byte spans and the diagnostics that every part of Warden reports.
//!
//! Spans are byte ranges into a [`SourceFile`]; line and column numbers are computed only
//! when a diagnostic is rendered, through the file's [`LineIndex`]. A [`Finding`] is what a
//! rule reports; a [`LoadError`] is what a loader reports when a file cannot be read as a
//! template. Both carry a location that points into the file that caused them.

mod date;
mod finding;
mod source;

pub use date::Date;
pub use finding::{
    Finding, LoadError, Location, Notice, Profile, Related, Risk, RuleInfo, Severity,
};
pub use source::{display_path, FileId, LineColumn, LineIndex, SourceFile, SourceMap, Span};
