//! Posture next to runtime: `warden scan` results (its JSON report or SARIF) uploaded per
//! stack or service, matched to the functions the server sees in logs, and shown beside
//! what those functions' logs show (security events).
//!
//! A finding is about a template resource (its logical id). It belongs to a function when
//! - the upload's `mapping` names a function for that resource (explicit, and then only
//!   that function), or
//! - the resource is the function's physical name, or
//! - the function's name is what the stack gives the resource: CloudFormation's
//!   `{stack}-{LogicalId}-{suffix}` (or `{stack}-{LogicalId}`), or the Serverless
//!   Framework's `{service}-{stage}-{function}`.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{blocking, check_text, window};
use crate::auth::{AdminAccess, ReadAccess};
use crate::clock::now_ms;
use crate::error::{AppError, AppJson, AppQuery};
use crate::state::AppState;
use crate::store::{FindingRecord, SecurityQuery, Window};

const MAX_FINDINGS: usize = 50_000;
const MAX_MAPPING: usize = 10_000;
const MAX_TEXT: usize = 4_096;
const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// Security event kinds that are attacks on input (what an unauthenticated route or
/// injectable code invites).
const INJECTION_KINDS: [&str; 5] = [
    "sql-injection",
    "nosql-injection",
    "command-injection",
    "path-traversal",
    "template-injection",
];
/// Security event kinds that are secrets showing in logs.
const SECRET_KINDS: [&str; 6] = [
    "aws-access-key",
    "aws-secret-key",
    "private-key",
    "jwt",
    "api-token",
    "password",
];

fn text(value: &Value, max: usize) -> Option<String> {
    value
        .as_str()
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(max).collect())
}

/// The findings of a `warden scan --format json` report or a SARIF log; the error says
/// where the document is not one of them.
pub fn parse_report(report: &Value) -> Result<Vec<FindingRecord>, String> {
    let finding = |rule_id: Option<String>,
                   severity: Option<String>,
                   message: Option<String>,
                   at: String|
     -> Result<(String, String, String), String> {
        let rule_id = rule_id.ok_or_else(|| format!("{at}: no rule id"))?;
        let severity = severity
            .filter(|s| SEVERITIES.contains(&s.as_str()))
            .ok_or_else(|| format!("{at}: severity must be one of {}", SEVERITIES.join(", ")))?;
        let message = message.ok_or_else(|| format!("{at}: no message"))?;
        Ok((rule_id, severity, message))
    };
    let mut out = Vec::new();
    if let Some(findings) = report.get("findings") {
        let findings = findings
            .as_array()
            .ok_or("`report.findings` must be an array")?;
        for (n, f) in findings.iter().enumerate() {
            let at = format!("report.findings[{n}]");
            let (rule_id, severity, message) = finding(
                text(&f["rule"], 64),
                text(&f["severity"], 16),
                text(&f["message"], MAX_TEXT),
                at,
            )?;
            out.push(FindingRecord {
                stack: String::new(),
                rule_id,
                name: text(&f["name"], 200),
                severity,
                risk: text(&f["risk"], 64),
                message,
                file: text(&f["file"], 1024),
                line: f["line"].as_i64(),
                resource: text(&f["resource"], 256),
                resource_type: text(&f["resource_type"], 256),
                mapped_function: None,
                uploaded_at: None,
            });
        }
    } else if let Some(runs) = report.get("runs") {
        let runs = runs.as_array().ok_or("`report.runs` must be an array")?;
        for (r, run) in runs.iter().enumerate() {
            let results = run["results"]
                .as_array()
                .ok_or_else(|| format!("report.runs[{r}].results must be an array"))?;
            for (n, result) in results.iter().enumerate() {
                let at = format!("report.runs[{r}].results[{n}]");
                // Warden's SARIF carries its severity in the result's properties; other
                // tools' levels map to one.
                let severity =
                    text(&result["properties"]["severity"], 16).or_else(|| {
                        match result["level"].as_str().unwrap_or("warning") {
                            "error" => Some("high".to_owned()),
                            "warning" => Some("medium".to_owned()),
                            "note" => Some("low".to_owned()),
                            _ => Some("info".to_owned()),
                        }
                    });
                let (rule_id, severity, message) = finding(
                    text(&result["ruleId"], 64),
                    severity,
                    text(&result["message"]["text"], MAX_TEXT),
                    at,
                )?;
                let location = &result["locations"][0];
                let logical = &location["logicalLocations"][0];
                let resource = text(&logical["name"], 256);
                let resource_type = text(&logical["fullyQualifiedName"], 512).and_then(|full| {
                    let name = resource.as_deref()?;
                    full.strip_suffix(name)
                        .and_then(|t| t.strip_suffix("::"))
                        .map(str::to_owned)
                });
                out.push(FindingRecord {
                    stack: String::new(),
                    rule_id,
                    name: None,
                    severity,
                    risk: text(&result["properties"]["risk"], 64),
                    message,
                    file: text(
                        &location["physicalLocation"]["artifactLocation"]["uri"],
                        1024,
                    ),
                    line: location["physicalLocation"]["region"]["startLine"].as_i64(),
                    resource,
                    resource_type,
                    mapped_function: None,
                    uploaded_at: None,
                });
            }
        }
    } else {
        return Err(
            "`report` must be `warden scan --format json` output (with `findings`) or SARIF (with `runs`)"
                .into(),
        );
    }
    if out.len() > MAX_FINDINGS {
        return Err(format!("more than {MAX_FINDINGS} findings in one upload"));
    }
    Ok(out)
}

/// How a finding belongs to `function`, if it does.
pub fn match_of(finding: &FindingRecord, function: &str) -> Option<&'static str> {
    if let Some(mapped) = &finding.mapped_function {
        return (mapped == function).then_some("mapping");
    }
    let resource = finding.resource.as_deref()?;
    if resource == function {
        return Some("physical name");
    }
    let stack = finding.stack.as_str();
    let cloudformation = format!("{stack}-{resource}");
    if function == cloudformation || function.starts_with(&format!("{cloudformation}-")) {
        return Some("logical id");
    }
    // Serverless Framework: {service}-{stage}-{function key}.
    if let Some(rest) = function.strip_prefix(&format!("{stack}-")) {
        if let Some((stage, key)) = rest.split_once('-') {
            if !stage.is_empty() && key == resource {
                return Some("logical id");
            }
        }
    }
    None
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upload {
    /// The CloudFormation stack or Serverless service the report is of.
    stack: String,
    /// A `warden scan --format json` report or a SARIF log.
    report: Value,
    /// Resource (logical id) → function name, for names the rules above do not find.
    #[serde(default)]
    mapping: BTreeMap<String, String>,
}

/// `POST /api/v1/findings` (admin): stores a stack's findings, replacing its previous
/// upload, and says which functions (seen in the last 30 days) they matched.
pub async fn upload(
    _: AdminAccess,
    State(state): State<AppState>,
    AppJson(upload): AppJson<Upload>,
) -> Result<Json<Value>, AppError> {
    let stack = upload.stack.trim().to_owned();
    if stack.is_empty()
        || stack.len() > 128
        || !stack
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:".contains(&b))
    {
        return Err(AppError::BadRequest(
            "`stack` must be 1 to 128 characters of letters, digits and -_./:".into(),
        ));
    }
    if upload.mapping.len() > MAX_MAPPING
        || upload
            .mapping
            .iter()
            .any(|(k, v)| k.is_empty() || v.is_empty() || k.len() > 256 || v.len() > 256)
    {
        return Err(AppError::BadRequest(format!(
            "`mapping` must have at most {MAX_MAPPING} entries of 1 to 256 characters"
        )));
    }
    let mut findings = parse_report(&upload.report).map_err(AppError::BadRequest)?;
    for finding in &mut findings {
        finding.stack.clone_from(&stack);
        finding.mapped_function = finding
            .resource
            .as_ref()
            .and_then(|r| upload.mapping.get(r))
            .cloned();
    }
    let now = now_ms();
    let name = stack.clone();
    let (stored, functions) = blocking(&state, move |store| {
        store.replace_findings(&name, &findings, now)?;
        let known = store.rollups(Window {
            from_ms: now - 30 * 86_400_000,
            to_ms: now + 60_000,
        })?;
        Ok((findings, known))
    })
    .await?;
    let mut matched_functions = BTreeSet::new();
    let mut matched = 0;
    for finding in &stored {
        let mut any = false;
        for rollup in &functions {
            if match_of(finding, &rollup.function).is_some() {
                matched_functions.insert(rollup.function.clone());
                any = true;
            }
        }
        matched += usize::from(any);
    }
    Ok(Json(json!({
        "stack": stack,
        "findings": stored.len(),
        "matched": matched,
        "unmatched": stored.len() - matched,
        "functions": matched_functions,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingParams {
    stack: Option<String>,
    function: Option<String>,
}

/// `GET /api/v1/findings`: every finding with the function it matched among those seen in
/// the last 30 days (`function` narrows to one).
pub async fn list(
    _: ReadAccess,
    State(state): State<AppState>,
    AppQuery(params): AppQuery<FindingParams>,
) -> Result<Json<Value>, AppError> {
    check_text("stack", &params.stack, 128)?;
    check_text("function", &params.function, 256)?;
    let now = now_ms();
    let stack = params.stack.clone();
    let (findings, functions) = blocking(&state, move |store| {
        Ok((
            store.findings(stack.as_deref())?,
            store.rollups(Window {
                from_ms: now - 30 * 86_400_000,
                to_ms: now + 60_000,
            })?,
        ))
    })
    .await?;
    let names: Vec<&str> = match &params.function {
        Some(function) => vec![function.as_str()],
        None => functions.iter().map(|r| r.function.as_str()).collect(),
    };
    let list: Vec<Value> = findings
        .iter()
        .filter_map(|finding| {
            let found = names
                .iter()
                .find_map(|name| match_of(finding, name).map(|how| (*name, how)));
            if params.function.is_some() && found.is_none() {
                return None;
            }
            let mut value = json!(finding);
            value["function"] = json!(found.map(|f| f.0));
            value["matched_by"] = json!(found.map(|f| f.1));
            Some(value)
        })
        .collect();
    Ok(Json(json!({ "findings": list })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostureParams {
    from: Option<String>,
    to: Option<String>,
}

/// What a function's findings and its logs add up to, in words.
pub fn highlights(findings: &[&FindingRecord], runtime: &[(String, u64)]) -> Vec<String> {
    let has_risk = |risk: &str| findings.iter().any(|f| f.risk.as_deref() == Some(risk));
    let seen = |kinds: &[&str]| -> u64 {
        runtime
            .iter()
            .filter(|(kind, _)| kinds.contains(&kind.as_str()))
            .map(|(_, n)| n)
            .sum()
    };
    let mut out = Vec::new();
    let injections = seen(&INJECTION_KINDS);
    if injections > 0 && has_risk("broken-authentication") {
        out.push(format!(
            "Unauthenticated route + {injections} injection attempt(s) seen in its logs"
        ));
    }
    if injections > 0 && has_risk("event-injection") {
        out.push(format!(
            "Injectable code path + {injections} injection attempt(s) seen in its logs"
        ));
    }
    let secrets = seen(&SECRET_KINDS);
    if secrets > 0 && has_risk("insecure-secrets") {
        out.push(format!(
            "Secrets in its configuration + {secrets} secret(s) seen in its logs"
        ));
    }
    let denied = seen(&["access-denied"]);
    if denied > 0 && has_risk("over-privileged") {
        out.push(format!(
            "Over-privileged role + {denied} access-denied error(s) in its logs (someone is probing what it may do)"
        ));
    }
    out
}

/// `GET /api/v1/functions/{function}/posture`: its findings, its security events over the
/// window (kind × count) and the highlights.
pub async fn function_posture(
    _: ReadAccess,
    State(state): State<AppState>,
    Path(function): Path<String>,
    AppQuery(params): AppQuery<PostureParams>,
) -> Result<Json<Value>, AppError> {
    if function.is_empty() || function.len() > 256 {
        return Err(AppError::BadRequest("not a function name".into()));
    }
    let window = window(params.from.as_deref(), params.to.as_deref())?;
    let name = function.clone();
    let (findings, groups) = blocking(&state, move |store| {
        Ok((
            store.findings(None)?,
            store.security_groups(&SecurityQuery {
                function: Some(name),
                window: Some(window),
                limit: 1000,
                ..SecurityQuery::default()
            })?,
        ))
    })
    .await?;
    let mine: Vec<(&FindingRecord, &str)> = findings
        .iter()
        .filter_map(|f| match_of(f, &function).map(|how| (f, how)))
        .collect();
    let runtime: Vec<(String, u64)> = groups.iter().map(|g| (g.kind.clone(), g.count)).collect();
    let highlights = highlights(&mine.iter().map(|(f, _)| *f).collect::<Vec<_>>(), &runtime);
    let rank = |severity: &str| SEVERITIES.iter().position(|s| *s == severity).unwrap_or(5);
    let mut listed: Vec<Value> = mine
        .iter()
        .map(|(finding, how)| {
            let mut value = json!(finding);
            value["matched_by"] = json!(how);
            value
        })
        .collect();
    listed.sort_by_key(|f| rank(f["severity"].as_str().unwrap_or("")));
    Ok(Json(json!({
        "function": function,
        "findings": listed,
        "runtime": groups,
        "highlights": highlights,
    })))
}
