//! The values filled into the templates, checked once so that rendering never has to escape:
//! none of them can hold a quote, a backslash or a template sequence (`${`, `%{`).

use std::fmt;

use crate::ConnectError;

/// The path Warden's Firehose endpoint answers on.
const FIREHOSE_PATH: &str = "/ingest/firehose";
/// Firehose's limit on an HTTP endpoint URL.
const URL_MAX_LEN: usize = 1000;

/// Warden's Firehose endpoint: `https` on port 443 (the only port Firehose delivers to), no
/// credentials, no fragment, ending in `/ingest/firehose` (appended to a bare origin or base
/// path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint(String);

impl Endpoint {
    pub fn parse(value: &str) -> Result<Endpoint, ConnectError> {
        let error = |reason: &str| ConnectError::Endpoint {
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let mut url = url::Url::parse(value.trim()).map_err(|e| error(&e.to_string()))?;
        if url.scheme() != "https" {
            return Err(error(
                "Firehose delivers only to HTTPS endpoints: serve Warden with --tls-cert/--tls-key or behind a TLS proxy, and use https://",
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(error("no host"));
        }
        if let Some(port) = url.port() {
            return Err(error(&format!(
                "Firehose delivers only to port 443, not {port}: bind Warden to 443 or put a TLS proxy there"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(error(
                "credentials do not belong in the URL: the ingest key comes from the Secrets Manager secret",
            ));
        }
        if url.fragment().is_some() {
            return Err(error("a URL fragment is never sent; remove it"));
        }
        let path = url.path().trim_end_matches('/').to_owned();
        if !path.ends_with(FIREHOSE_PATH) {
            url.set_path(&format!("{path}{FIREHOSE_PATH}"));
        }
        let rendered = url.to_string();
        if let Some(c) = rendered
            .chars()
            .find(|c| matches!(c, '"' | '\'' | '\\' | '$' | '{' | '}') || c.is_whitespace())
        {
            return Err(error(&format!("`{c}` is not allowed in the endpoint")));
        }
        if rendered.len() > URL_MAX_LEN {
            return Err(error(&format!(
                "Firehose accepts URLs of at most {URL_MAX_LEN} characters"
            )));
        }
        Ok(Endpoint(rendered))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A CloudWatch Logs log group name: 1 to 512 characters of `A-Za-z0-9._-/#`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogGroupName(String);

impl LogGroupName {
    pub fn parse(value: &str) -> Result<LogGroupName, ConnectError> {
        let error = |reason: String| ConnectError::LogGroup {
            value: value.to_owned(),
            reason,
        };
        if value.is_empty() || value.len() > 512 {
            return Err(error("must be 1 to 512 characters".into()));
        }
        if let Some(c) = value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#')))
        {
            return Err(error(format!(
                "`{c}` is not allowed (letters, digits and . - _ / # only; patterns such as `*` are not log group names)"
            )));
        }
        Ok(LogGroupName(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LogGroupName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Names the Firehose stream (1 to 64 characters), the account policy and the subscription
/// filters, and prefixes role and bucket names (so lowercase letters, digits and hyphens,
/// starting with a letter, at most 28 characters: `NAME-firehose-` stays within IAM's 38
/// character `name_prefix`, `NAME-backup-` within S3's 37).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackName(String);

impl StackName {
    pub fn parse(value: &str) -> Result<StackName, ConnectError> {
        let error = |reason: &str| ConnectError::Name {
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        if value.is_empty() || value.len() > 28 {
            return Err(error("must be 1 to 28 characters"));
        }
        if !value.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(error("must start with a lowercase letter"));
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(error(
                "only lowercase letters, digits and hyphens (it prefixes an S3 bucket name)",
            ));
        }
        if value.ends_with('-') {
            return Err(error("must not end with a hyphen"));
        }
        Ok(StackName(value.to_owned()))
    }
}

impl Default for StackName {
    fn default() -> Self {
        StackName("warden".to_owned())
    }
}

impl fmt::Display for StackName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_gets_the_firehose_path_once() {
        for (input, expected) in [
            (
                "https://warden.example.com",
                "https://warden.example.com/ingest/firehose",
            ),
            (
                "https://warden.example.com/",
                "https://warden.example.com/ingest/firehose",
            ),
            (
                "https://warden.example.com:443/ingest/firehose",
                "https://warden.example.com/ingest/firehose",
            ),
            (
                "https://proxy.example.com/warden/",
                "https://proxy.example.com/warden/ingest/firehose",
            ),
        ] {
            assert_eq!(
                Endpoint::parse(input).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn endpoint_rejects_what_firehose_cannot_use() {
        for (input, reason) in [
            ("http://warden.example.com", "HTTPS"),
            (
                "https://warden.example.com:8443",
                "only to port 443, not 8443",
            ),
            ("warden.example.com", "relative URL"),
            ("https://user:pw@warden.example.com", "credentials"),
            ("https://warden.example.com/#x", "fragment"),
            ("https://warden.example.com/?a=${b}", "not allowed"),
        ] {
            let error = Endpoint::parse(input).unwrap_err().to_string();
            assert!(error.contains(reason), "{input}: {error}");
        }
        let long = format!("https://warden.example.com/{}", "a".repeat(1000));
        assert!(Endpoint::parse(&long)
            .unwrap_err()
            .to_string()
            .contains("at most 1000"));
    }

    #[test]
    fn log_group_names_follow_cloudwatch() {
        assert!(LogGroupName::parse("/aws/lambda/checkout-prod_v2.#1").is_ok());
        for bad in ["", "/aws/lambda/*", "a\"b", "a b", "${x}"] {
            assert!(LogGroupName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(LogGroupName::parse(&"a".repeat(513)).is_err());
    }

    #[test]
    fn stack_names_fit_buckets_and_roles() {
        assert!(StackName::parse("warden-prod-2").is_ok());
        for bad in [
            "",
            "Warden",
            "2warden",
            "warden_",
            "warden-",
            &"a".repeat(29),
        ] {
            assert!(StackName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
