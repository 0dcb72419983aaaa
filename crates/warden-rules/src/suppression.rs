//! Suppressions written in templates: resource `Metadata` (works in JSON and generated
//! templates) and inline `# warden:ignore CODE reason` comments on or above the line.
//! Both require a reason: a suppression without one is reported and not applied.

use std::collections::HashMap;

use warden_diagnostics::{FileId, Finding, LoadError, SourceMap};
use warden_iac::{Node, Template};

/// Findings kept, and how many were suppressed.
pub struct Filtered {
    pub findings: Vec<Finding>,
    pub suppressed: usize,
    /// Malformed suppressions, with their location.
    pub problems: Vec<LoadError>,
}

fn matches_rule(entry: &str, finding: &Finding) -> bool {
    let entry = entry.trim();
    entry.eq_ignore_ascii_case(finding.code) || entry == finding.name || entry == "all"
}

/// Applies the template's suppressions to its findings.
pub fn apply(template: &Template, sources: &SourceMap, findings: Vec<Finding>) -> Filtered {
    let mut problems = Vec::new();
    // A template may span several files (a Terraform module): comments are read per file.
    let mut comments_by_file: HashMap<FileId, Vec<InlineComment>> = HashMap::new();
    let mut files: Vec<FileId> = findings.iter().map(|f| f.span.file).collect();
    files.push(template.file);
    files.sort();
    files.dedup();
    for id in files {
        let Some(file) = sources.get(id) else {
            continue;
        };
        let comments = inline_comments(&file.text);
        for comment in &comments {
            if comment.reason.is_empty() {
                problems.push(LoadError {
                    file: file.display_path(),
                    line: comment.line + 1,
                    column: comment.column,
                    message: "`warden:ignore` needs a reason after the rule codes; the suppression is not applied".into(),
                });
            }
        }
        comments_by_file.insert(id, comments);
    }
    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = 0;
    for finding in findings {
        let by_metadata = metadata_skips(template, &finding.resource, &mut problems, sources)
            .iter()
            .any(|rule| matches_rule(rule, &finding));
        let by_comment = sources.get(finding.span.file).is_some_and(|file| {
            let line = file.lines.line_of(finding.span.start);
            comments_by_file.get(&file.id).is_some_and(|comments| {
                comments.iter().any(|comment| {
                    !comment.reason.is_empty()
                        && (comment.line == line || comment.line + 1 == line)
                        && comment
                            .rules
                            .iter()
                            .any(|rule| matches_rule(rule, &finding))
                })
            })
        });
        if by_metadata || by_comment {
            suppressed += 1;
        } else {
            kept.push(finding);
        }
    }
    problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    problems.dedup();
    Filtered {
        findings: kept,
        suppressed,
        problems,
    }
}

/// Rules skipped by `Metadata.warden.skip` of the resource the finding names.
fn metadata_skips(
    template: &Template,
    resource: &str,
    problems: &mut Vec<LoadError>,
    sources: &SourceMap,
) -> Vec<String> {
    let Some(metadata) = template
        .resources
        .iter()
        .find(|r| r.id == resource)
        .and_then(|r| r.metadata.as_ref())
    else {
        return Vec::new();
    };
    let Some(skip) = metadata.path("warden.skip") else {
        return Vec::new();
    };
    let mut rules = Vec::new();
    for entry in skip.items() {
        let rule = entry
            .get("rule")
            .or_else(|| entry.get("id"))
            .and_then(Node::as_str);
        let reason = entry
            .get("reason")
            .and_then(Node::as_str)
            .unwrap_or("")
            .trim();
        match rule {
            Some(rule) if !reason.is_empty() => rules.push(rule.to_string()),
            _ => {
                if let Some(location) = sources.locate(entry.span) {
                    problems.push(LoadError {
                        file: location.file,
                        line: location.line,
                        column: location.column,
                        message: "`warden.skip` entries need `rule` and a non-empty `reason`; the suppression is not applied".into(),
                    });
                }
            }
        }
    }
    rules
}

struct InlineComment {
    /// Zero-based line of the comment.
    line: usize,
    column: usize,
    rules: Vec<String>,
    reason: String,
}

/// Finds `warden:ignore CODE[,CODE] reason` in `#` comments.
fn inline_comments(text: &str) -> Vec<InlineComment> {
    const MARKER: &str = "warden:ignore";
    let mut out = Vec::new();
    if !text.contains(MARKER) {
        return out;
    }
    for (line_number, line) in text.lines().enumerate() {
        let Some(position) = line.find(MARKER) else {
            continue;
        };
        // Only in a comment: a `#` before the marker.
        let before = &line[..position];
        if !before.contains('#') && !before.contains("//") {
            continue;
        }
        let rest = line[position + MARKER.len()..].trim_start_matches([':', ' ']);
        let (codes, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let rules = codes
            .split(',')
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>();
        if rules.is_empty() {
            continue;
        }
        out.push(InlineComment {
            line: line_number,
            column: before.chars().count() + 1,
            rules,
            reason: reason
                .trim()
                .trim_start_matches(['-', '—', ':'])
                .trim()
                .to_string(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_comments_are_parsed() {
        let comments = inline_comments("a: 1 # warden:ignore WD201,WD105 public by design\n# warden:ignore WD101\nb: warden:ignore WD1 not a comment\n");
        assert_eq!(comments.len(), 2);
        assert_eq!(comments[0].rules, ["WD201", "WD105"]);
        assert_eq!(comments[0].reason, "public by design");
        assert_eq!(comments[1].line, 1);
        assert!(comments[1].reason.is_empty());
    }
}
