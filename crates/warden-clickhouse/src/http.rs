//! ClickHouse's HTTP interface: queries answer in `JSONEachRow`, inserts send gzip'd
//! `JSONEachRow` bodies. Both formats exist in every ClickHouse since 2017, and need no
//! column type negotiation (18.16 lacks `RowBinaryWithNamesAndTypes`).

use std::io::{Read, Write};
use std::time::Duration;

use flate2::write::GzEncoder;
use flate2::Compression;
use serde::de::DeserializeOwned;
use warden_server::store::{StoreError, StoreResult};

/// Where the store lives: `clickhouse://user:password@host:8123/database`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClickHouseUrl {
    /// `http://host:port/`
    pub endpoint: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub database: String,
}

impl std::fmt::Debug for ClickHouseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickHouseUrl")
            .field("endpoint", &self.endpoint)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("database", &self.database)
            .finish()
    }
}

impl ClickHouseUrl {
    /// Parses `clickhouse://[user[:password]@]host[:port][/database]` (port 8123 and
    /// database `warden` when left out). `clickhouses://` speaks HTTPS.
    pub fn parse(text: &str) -> Result<ClickHouseUrl, String> {
        let url = url::Url::parse(text).map_err(|e| format!("{text:?}: {e}"))?;
        let scheme = match url.scheme() {
            "clickhouse" => "http",
            "clickhouses" => "https",
            other => {
                return Err(format!(
                    "{text:?}: scheme {other:?} is not clickhouse:// or clickhouses://"
                ))
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{text:?}: no host"))?;
        let port = url.port().unwrap_or(8123);
        let database = url.path().trim_matches('/');
        let database = if database.is_empty() {
            "warden"
        } else {
            database
        };
        if !database
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!(
                "{text:?}: database name {database:?} may hold only letters, digits and _"
            ));
        }
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| format!("{text:?}: bad percent-encoding in the user"))
        };
        Ok(ClickHouseUrl {
            endpoint: format!("{scheme}://{host}:{port}/"),
            user: (!url.username().is_empty())
                .then(|| decode(url.username()))
                .transpose()?,
            password: url.password().map(decode).transpose()?,
            database: database.to_owned(),
        })
    }
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A blocking client for one ClickHouse server (or the node of a cluster it talks to).
/// Blocking on purpose: the server calls the store off its async runtime.
pub struct Http {
    url: ClickHouseUrl,
    agent: ureq::Agent,
    /// Settings sent with every request (`insert_distributed_sync` on a cluster).
    settings: Vec<(&'static str, &'static str)>,
    /// Every statement and its answer, one JSON object a line (see [`Http::log_to`]).
    log: Option<std::sync::Mutex<std::fs::File>>,
}

impl Http {
    pub fn new(url: ClickHouseUrl) -> StoreResult<Http> {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build();
        Ok(Http {
            url,
            agent,
            settings: Vec::new(),
            log: None,
        })
    }

    /// Sends a setting with every request from now on.
    pub fn set(&mut self, name: &'static str, value: &'static str) {
        self.settings.push((name, value));
    }

    /// Appends every statement sent from now on, with its answer, to `file` as JSON lines
    /// (`{"sql", "answer"}`, or `{"insert", "rows"}`): the exact SQL Warden runs, for
    /// checking it against another ClickHouse version.
    pub fn log_to(&mut self, file: std::fs::File) {
        self.log = Some(std::sync::Mutex::new(file));
    }

    /// Runs `call` and logs its entry when it succeeds. With a log, statements run one at
    /// a time, so the log's order is the order the server applied them in.
    fn logged(
        &self,
        call: impl FnOnce() -> StoreResult<String>,
        entry: impl FnOnce(&str) -> serde_json::Value,
    ) -> StoreResult<String> {
        let Some(log) = &self.log else {
            return call();
        };
        let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
        let answer = call()?;
        let _ = writeln!(file, "{}", entry(&answer));
        Ok(answer)
    }

    pub fn url(&self) -> &ClickHouseUrl {
        &self.url
    }

    fn request(&self, query: Option<&str>) -> ureq::Request {
        let mut request = self
            .agent
            .post(&self.url.endpoint)
            // 64-bit integers as JSON numbers, not strings.
            .query("output_format_json_quote_64bit_integers", "0");
        for (name, value) in &self.settings {
            request = request.query(name, value);
        }
        if let Some(query) = query {
            request = request.query("query", query);
        }
        if let Some(user) = &self.url.user {
            request = request.set("X-ClickHouse-User", user);
        }
        if let Some(password) = &self.url.password {
            request = request.set("X-ClickHouse-Key", password);
        }
        request
    }

    fn answer(
        &self,
        result: Result<ureq::Response, ureq::Error>,
        what: &str,
    ) -> StoreResult<String> {
        let first: String = what
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        match result {
            Ok(response) => read_capped(response, MAX_ANSWER_BYTES)
                .map_err(|e| StoreError::Backend(format!("ClickHouse answer to `{first}`: {e}"))),
            Err(ureq::Error::Status(status, response)) => {
                let mut body = Vec::new();
                let _ = response
                    .into_reader()
                    .take(MAX_ERROR_BYTES)
                    .read_to_end(&mut body);
                let body = String::from_utf8_lossy(&body);
                Err(StoreError::Backend(format!(
                    "ClickHouse answered {status} to `{first}`: {}",
                    body.trim()
                )))
            }
            Err(ureq::Error::Transport(error)) => Err(StoreError::Backend(format!(
                "ClickHouse unreachable at {}: {error}",
                self.url.endpoint
            ))),
        }
    }

    fn send(&self, sql: &str) -> StoreResult<String> {
        self.logged(
            || self.answer(self.request(None).send_string(sql), sql),
            |answer| serde_json::json!({"sql": sql, "answer": answer}),
        )
    }

    /// Runs a statement that returns nothing (DDL, ALTER).
    pub fn execute(&self, sql: &str) -> StoreResult<()> {
        self.send(sql).map(|_| ())
    }

    /// Runs a query and returns its raw answer.
    pub fn text(&self, sql: &str) -> StoreResult<String> {
        self.send(sql)
    }

    /// Runs a `SELECT` and reads its rows (the statement must not name a format).
    pub fn rows<T: DeserializeOwned>(&self, sql: &str) -> StoreResult<Vec<T>> {
        let body = self.text(&format!("{sql}\nFORMAT JSONEachRow"))?;
        body.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line).map_err(|e| {
                    StoreError::Backend(format!("reading a ClickHouse row: {e}: {line}"))
                })
            })
            .collect()
    }

    /// Inserts rows (JSON objects) into `table` in one gzip'd block.
    pub fn insert(&self, table: &str, rows: &[serde_json::Value]) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        for row in rows {
            serde_json::to_writer(&mut encoder, row)
                .map_err(|e| StoreError::Backend(format!("encoding a row: {e}")))?;
            encoder
                .write_all(b"\n")
                .map_err(|e| StoreError::Backend(format!("compressing: {e}")))?;
        }
        let body = encoder
            .finish()
            .map_err(|e| StoreError::Backend(format!("compressing: {e}")))?;
        let query = format!("INSERT INTO {table} FORMAT JSONEachRow");
        self.logged(
            || {
                let result = self
                    .request(Some(&query))
                    .set("Content-Encoding", "gzip")
                    .send_bytes(&body);
                self.answer(result, &query)
            },
            |_| serde_json::json!({"insert": table, "rows": rows}),
        )
        .map(|_| ())
    }
}

/// The largest answer read: queries that could return more are bounded by their
/// callers (row limits, the staged round's byte budget), so this is a guard, not a limit
/// anyone should reach. (ureq's own `into_string` stops at 10 MB, which a round of
/// staged lines can pass.)
pub const MAX_ANSWER_BYTES: u64 = 256 * 1024 * 1024;
/// The part of an error answer kept for its message.
const MAX_ERROR_BYTES: u64 = 64 * 1024;

/// Reads an answer's body as text, failing (not truncating) past `cap` bytes.
fn read_capped(response: ureq::Response, cap: u64) -> Result<String, String> {
    let mut body = Vec::new();
    response
        .into_reader()
        .take(cap + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the answer: {e}"))?;
    if body.len() as u64 > cap {
        return Err(format!(
            "the answer is larger than {} MiB; the query must ask for less",
            cap / (1024 * 1024)
        ));
    }
    String::from_utf8(body).map_err(|e| format!("the answer is not UTF-8: {e}"))
}

/// A string literal for SQL.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_endpoint_credentials_and_database() {
        let url = ClickHouseUrl::parse("clickhouse://warden:p%40ss@ch1:9000/logs").unwrap();
        assert_eq!(url.endpoint, "http://ch1:9000/");
        assert_eq!(url.user.as_deref(), Some("warden"));
        assert_eq!(url.password.as_deref(), Some("p@ss"));
        assert_eq!(url.database, "logs");
        assert!(!format!("{url:?}").contains("p@ss"));
        let url = ClickHouseUrl::parse("clickhouses://ch1").unwrap();
        assert_eq!(url.endpoint, "https://ch1:8123/");
        assert_eq!(url.database, "warden");
        assert!(ClickHouseUrl::parse("http://ch1/db")
            .unwrap_err()
            .contains("scheme"));
        assert!(ClickHouseUrl::parse("clickhouse://ch1/a-b")
            .unwrap_err()
            .contains("letters"));
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote(r"it's a \ test"), r"'it\'s a \\ test'");
    }
}
