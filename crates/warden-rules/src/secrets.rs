//! Secret detection shared by the rules: known token formats, secret-looking names and
//! Shannon entropy.

use std::sync::OnceLock;

use regex::{Regex, RegexSet};

/// Known credential formats, with a label for messages. The patterns follow the token
/// formats their issuers document (AWS, GitHub, Slack, Stripe, Twilio, Google, private keys).
const TOKEN_PATTERNS: &[(&str, &str)] = &[
    (
        "AWS access key id",
        r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    ),
    (
        "private key",
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY",
    ),
    (
        "GitHub token",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b",
    ),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    (
        "Slack webhook URL",
        r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+",
    ),
    (
        "Stripe secret key",
        r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b",
    ),
    ("Twilio API key", r"\bSK[0-9a-fA-F]{32}\b"),
    ("Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    (
        "SendGrid API key",
        r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b",
    ),
    ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    (
        "JSON web token",
        r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    ),
    (
        "credentials in a URL",
        r"[a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@]+:[^/\s:@]{3,}@[^\s]+",
    ),
];

fn token_set() -> &'static (RegexSet, Vec<Regex>) {
    static SET: OnceLock<(RegexSet, Vec<Regex>)> = OnceLock::new();
    SET.get_or_init(|| {
        let patterns: Vec<&str> = TOKEN_PATTERNS.iter().map(|(_, p)| *p).collect();
        let set = RegexSet::new(&patterns).expect("token patterns compile");
        let each = patterns
            .iter()
            .map(|p| Regex::new(p).expect("token pattern compiles"))
            .collect();
        (set, each)
    })
}

/// The kind of known credential `value` contains, if any.
pub fn known_token(value: &str) -> Option<&'static str> {
    let (set, _) = token_set();
    let index = set.matches(value).into_iter().next()?;
    // Placeholders (`AKIAIOSFODNN7EXAMPLE`, `xoxb-ENTER-YOUR-TOKEN`) and example
    // credentials in URLs (`user:password@`) have the shape of a secret but are not one.
    if is_placeholder(value)
        || (TOKEN_PATTERNS[index].0 == "credentials in a URL" && is_placeholder_credential(value))
    {
        return None;
    }
    Some(TOKEN_PATTERNS[index].0)
}

/// True for a value that stands in for a secret rather than being one: instructions
/// (`YOUR-TWILIO-AUTH-TOKEN-HERE`, `<<Enter your APIKeyValue>>`, `REPLACE_ME`), masks
/// (`xxxx`, `****`), AWS's documented examples (`...EXAMPLE`), and dummy values (`changeme`,
/// `TODO`, `abc123`).
pub fn is_placeholder(value: &str) -> bool {
    static MARKERS: OnceLock<Regex> = OnceLock::new();
    let markers = MARKERS.get_or_init(|| {
        Regex::new(concat!(
            r"(?i)(your|replace|enter[^a-z]|enter$|change[_ -]?me|xxx|\*\*\*|\.\.\.|example|",
            r"todo|tbd|fixme|placeholder|dummy|sample|insert|redacted|fake|here$|^here|[-_ ]here[-_ ]|",
            r"<[^>]*>|^\[.*\]$|^\{\{[^r].*\}\}$|^\$\{.*\}$)"
        ))
        .expect("placeholder pattern compiles")
    });
    const DUMMIES: &[&str] = &[
        "abc123",
        "abcdef",
        "123456",
        "12345678",
        "secret",
        "token",
        "apikey",
        "api_key",
        "password123",
        "none",
        "null",
        "undefined",
        "foo",
        "bar",
        "foobar",
        "test",
        "n/a",
        "-",
        "",
    ];
    let trimmed = value.trim();
    let lower = trimmed.to_ascii_lowercase();
    if DUMMIES.contains(&lower.as_str()) || markers.is_match(trimmed) {
        return true;
    }
    // One repeated character (`aaaaaaaa`, `00000000`).
    let mut chars = trimmed.chars();
    chars
        .next()
        .is_some_and(|first| trimmed.len() > 3 && chars.all(|c| c == first))
}

/// True for a number (`4096`, `0.5`): iteration counts and sizes, not secrets.
pub fn is_number(value: &str) -> bool {
    let trimmed = value.trim();
    !trimmed.is_empty() && trimmed.parse::<f64>().is_ok()
}

/// True for a value that names where a secret is rather than holding it: an ARN, a path,
/// a dynamic reference, or an identifier such as `DB_SECRET_ARN` or `prod-db-secret`.
pub fn names_a_secret(value: &str) -> bool {
    static IDENTIFIER: OnceLock<Regex> = OnceLock::new();
    let identifier = IDENTIFIER.get_or_init(|| {
        Regex::new(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*_(ARN|NAME|ID|PATH|KEY_ID)$")
            .expect("identifier pattern compiles")
    });
    is_secret_reference(value) || identifier.is_match(value.trim())
}

fn is_placeholder_credential(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    [
        "${",
        "<",
        "password@",
        ":pass@",
        "xxx",
        "example",
        "changeme",
    ]
    .iter()
    .any(|marker| lower.contains(marker))
}

/// True when a variable or parameter name suggests it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    static NAME: OnceLock<Regex> = OnceLock::new();
    static NOT_SECRET: OnceLock<Regex> = OnceLock::new();
    let name_re = NAME.get_or_init(|| {
        Regex::new(r"(?i)(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|private[_-]?key|credential|auth[_-]?key|access[_-]?key|client[_-]?secret|signing[_-]?key|encryption[_-]?key|db[_-]?pass)")
            .expect("secret name pattern compiles")
    });
    // Names that only point at where a secret lives are the compliant pattern.
    let not_secret = NOT_SECRET.get_or_init(|| {
        Regex::new(concat!(
            r"(?i)(_arn$|arn$|_name$|name$|_id$|_path$|path$|_param(eter)?$|_ssm$|_url$|_table$",
            r"|_bucket$|_queue$|_topic$|secret_?id$|_ttl$|_expir|_length$|_header$|_type$|_region$",
            r"|_endpoint$|_enabled$|_version$|_port$|_host$|_timeout$|_size$|_count$|_level$|_mode$",
            r"|_max|_min|_cache|^parameters_secrets_extension_)"
        ))
        .expect("name pattern compiles")
    });
    name_re.is_match(name) && !not_secret.is_match(name)
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(value: &str) -> f64 {
    let mut counts = [0usize; 256];
    let mut total = 0usize;
    for byte in value.bytes() {
        counts[byte as usize] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = count as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

/// True when a value looks random enough to be a generated secret.
pub fn looks_random(value: &str) -> bool {
    value.len() >= 16
        && !value.contains(' ')
        && shannon_entropy(value) >= 3.5
        && !is_placeholder(value)
        && !is_number(value)
}

/// True for values that reference a secret store rather than holding a secret: dynamic
/// references, Secrets Manager and SSM ARNs or names, empty strings and placeholders.
pub fn is_secret_reference(value: &str) -> bool {
    let trimmed = value.trim();
    trimmed.is_empty()
        || trimmed.starts_with("{{resolve:")
        || trimmed.starts_with("arn:aws:secretsmanager:")
        || trimmed.starts_with("arn:aws:ssm:")
        || trimmed.starts_with("arn:aws:kms:")
        || trimmed.starts_with("arn:")
        || trimmed.starts_with('/')
        || trimmed.starts_with("ssm:")
        || trimmed.starts_with("${")
}

/// Masks a secret for messages: the first four characters stay, the rest are starred.
pub fn redact(value: &str) -> String {
    let visible: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(4)
        .collect();
    format!("{visible}…({} chars)", value.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tokens_are_recognised() {
        assert_eq!(
            known_token("AKIAZ3MEXQ7PLK2HNV4R"),
            Some("AWS access key id")
        );
        // AWS's documented example key is a placeholder.
        assert_eq!(known_token("AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(known_token("xoxb-ENTER YOUR BOT'S ACCESS TOKEN HERE"), None);
        assert_eq!(
            known_token("-----BEGIN RSA PRIVATE KEY-----\nabc"),
            Some("private key")
        );
        assert_eq!(
            known_token("ghp_0123456789abcdefghijABCDEFGHIJ012345"),
            Some("GitHub token")
        );
        assert_eq!(
            known_token("sk_live_0123456789abcdefABCD"),
            Some("Stripe secret key")
        );
        assert_eq!(
            known_token("xoxb-1234567890-abcdefghij"),
            Some("Slack token")
        );
        assert_eq!(
            known_token("postgres://admin:s3cr3tPa55@db.internal.corp/app"),
            Some("credentials in a URL")
        );
        assert_eq!(known_token("postgres://user:${Password}@db/app"), None);
        assert_eq!(known_token("hello world"), None);
        assert_eq!(known_token("arn:aws:s3:::bucket"), None);
    }

    #[test]
    fn secret_names() {
        for name in [
            "DB_PASSWORD",
            "apiKey",
            "STRIPE_SECRET",
            "GITHUB_TOKEN",
            "privateKey",
            "ClientSecret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "TABLE_NAME",
            "SECRET_ARN",
            "TOKEN_TABLE",
            "PASSWORD_PARAMETER",
            "API_KEY_ID",
            "LOG_LEVEL",
            "SECRET_NAME",
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
            "TOKEN_CACHE_TTL",
            "PASSWORD_MIN_LENGTH",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn entropy_separates_random_from_words() {
        assert!(looks_random("q8Zr3LmV0xT2pW9nB4kY7sH1"));
        assert!(!looks_random("development"));
        assert!(!looks_random("aaaaaaaaaaaaaaaaaaaa"));
        assert!(shannon_entropy("") == 0.0);
    }

    #[test]
    fn placeholders_numbers_and_names_are_not_secrets() {
        for placeholder in [
            "YOUR-TWILIO-AUTH-TOKEN-HERE",
            "REPLACE-WITH-YOUR-SECRET-HERE",
            "<<Enter your APIKeyValue>>",
            "Bearer <<Enter your APIKeyValue>>",
            "changeme",
            "xxxx",
            "AIzaXXXX",
            "KEYEXAMPLE1234",
            "TODO",
            "<>",
            "abc123",
            "YOUR-SECRET-HERE",
            "********",
        ] {
            assert!(is_placeholder(placeholder), "{placeholder}");
            assert!(!looks_random(placeholder), "{placeholder}");
        }
        for secret in [
            "q8Zr3LmV0xT2pW9nB4kY7sH1",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "docdbPassword123",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8aKe1",
        ] {
            assert!(!is_placeholder(secret), "{secret}");
        }
        assert!(is_number("4096") && is_number("0.5") && !is_number("4096a"));
        assert!(names_a_secret("DB_SECRET_ARN"));
        assert!(names_a_secret("ACTIVEMQ_SECRET_ARN"));
        assert!(names_a_secret(
            "arn:aws:secretsmanager:us-east-1:1:secret:x"
        ));
        assert!(!names_a_secret("s3cr3tPa55"));
    }

    #[test]
    fn redaction_hides_the_value() {
        let masked = redact("AKIAIOSFODNN7EXAMPLE");
        assert!(masked.starts_with("AKIA"));
        assert!(!masked.contains("IOSFODNN7EXAMPLE"));
    }
}
