//! The line index over real Lambda log lines (the corpora's `lambda-logs`): what
//! `indexed_text` leaves out is only the runtime's timestamp and request id fields, and
//! every other word of a line stays searchable.
//!
//! `WARDEN_SAMPLE=N` prints N random lines (fixed seed) with what the index holds of them,
//! for judging by hand.

use std::collections::BTreeSet;

use warden_server::store::sqlite::{indexed_text, phrase_tokens};

/// Every line of the plain-text samples and of `reported_lines.tsv`, with the request id
/// the server would attribute to it: the one its stream's last START named.
fn corpus_lines() -> Option<Vec<(String, Option<String>)>> {
    let root = warden_corpora::require("lambda-logs")?;
    let mut lines = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("aws-lambda-developer-guide"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "log" || e == "txt"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line
                .strip_prefix("START RequestId: ")
                .or_else(|| line.strip_prefix("END RequestId: "))
                .or_else(|| line.strip_prefix("REPORT RequestId: "))
            {
                current = rest.split_whitespace().next().map(str::to_owned);
            }
            lines.push((line.to_owned(), current.clone()));
        }
    }
    // The `message` of every log event in the JSON samples (CloudWatch Logs payloads).
    for folder in ["datadog-serverless-functions", "aws-lambda-rust-runtime"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let values: Vec<serde_json::Value> = serde_json::from_str(&text)
                .map(|value| vec![value])
                .unwrap_or_else(|_| {
                    text.lines()
                        .filter_map(|line| serde_json::from_str(line).ok())
                        .collect()
                });
            let mut messages = Vec::new();
            for value in &values {
                collect_messages(value, &mut messages);
            }
            let mut current: Option<String> = None;
            for message in messages {
                if let Some(rest) = message.strip_prefix("START RequestId: ") {
                    current = rest.split_whitespace().next().map(str::to_owned);
                }
                lines.push((message.trim_end().to_owned(), current.clone()));
            }
        }
    }
    let reported = std::fs::read_to_string(root.join("reported-lines/reported_lines.tsv")).unwrap();
    for row in reported.lines().skip(1) {
        let Some((_, line)) = row.split_once('\t') else {
            continue;
        };
        // The TSV writes tabs inside a line as `\t`.
        let line = line.replace("\\t", "\t");
        // Each reported line stands alone: its request id is the field that names one.
        let request_id = line
            .split(['\t', ' '])
            .find(|field| field.len() == 36 && field.matches('-').count() == 4)
            .map(str::to_owned);
        lines.push((line, request_id));
    }
    // Platform lines are not indexed at all.
    lines.retain(|(line, _)| warden_logs::platform::parse_platform_text(line).is_none());
    Some(lines)
}

/// A token the tokenizer makes of an RFC 3339 time: `2019`, `07t19`, `562z`.
fn collect_messages(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match value {
                    serde_json::Value::String(text) if key == "message" => out.push(text.clone()),
                    _ => collect_messages(value, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_messages(v, out)),
        _ => {}
    }
}

fn is_time_token(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_digit())
        && token
            .chars()
            .all(|c| c.is_ascii_digit() || c == 't' || c == 'z')
}

#[test]
fn the_index_drops_only_runtime_time_and_request_id_fields() {
    let Some(lines) = corpus_lines() else {
        return;
    };
    assert!(lines.len() > 100, "{} lines", lines.len());
    let mut changed = 0;
    for (line, request_id) in &lines {
        let indexed = indexed_text(line, request_id.as_deref());
        let kept: BTreeSet<String> = phrase_tokens(&indexed).collect();
        let request_tokens: BTreeSet<String> = request_id
            .iter()
            .flat_map(|id| phrase_tokens(id).collect::<Vec<_>>())
            .collect();
        if indexed != line.as_str() {
            changed += 1;
        }
        for token in phrase_tokens(line) {
            let dropped = !kept.contains(&token);
            assert!(
                !dropped || request_tokens.contains(&token) || is_time_token(&token),
                "{token:?} of {line:?} is not in the index ({indexed:?})"
            );
        }
        if let Some(id) = request_id {
            assert!(
                !indexed.contains(id.as_str()),
                "{line:?} keeps its request id"
            );
        }
    }
    // The runtime's format is most of the application lines.
    // Every line in the runtime's tab-separated format loses its time and request id.
    let runtime_format = lines
        .iter()
        .filter(|(line, id)| {
            let fields: Vec<&str> = line.splitn(4, '\t').collect();
            fields.len() == 4 && id.as_deref().is_some_and(|id| fields[..3].contains(&id))
        })
        .count();
    assert!(
        runtime_format >= 3,
        "{runtime_format} lines in the runtime's format"
    );
    assert!(
        changed >= runtime_format,
        "{changed} of {} lines changed, {runtime_format} in the runtime's format",
        lines.len()
    );

    if let Some(n) = std::env::var("WARDEN_SAMPLE")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        // xorshift, seed 10, drawing without replacement: the same sample every run.
        let mut state = 10u64;
        let mut changed: Vec<_> = lines
            .iter()
            .filter(|(line, id)| indexed_text(line, id.as_deref()) != line.as_str())
            .collect();
        for i in 0..n.min(changed.len()) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pick = i + (state % (changed.len() - i) as u64) as usize;
            changed.swap(i, pick);
            let (line, id) = changed[i];
            println!(
                "SAMPLE\t{line:?}\t{id:?}\t{:?}",
                indexed_text(line, id.as_deref())
            );
        }
    }
}
