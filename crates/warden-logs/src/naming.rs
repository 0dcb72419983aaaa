//! Which function a log stream belongs to, and which version ran in it.
//!
//! Lambda writes to `/aws/lambda/<function>` by default, one stream per execution
//! environment named `YYYY/MM/DD/[<version>]<id>`. Functions configured with a custom log
//! group (`LoggingConfig.LogGroup`, since 2023) may share it; their streams then carry the
//! function name: `YYYY/MM/DD/<function>[<version>]<id>` (Lambda developer guide,
//! "Configuring CloudWatch log groups"). The server and the CLI name functions by this one
//! rule.

/// The function a (group, stream) pair belongs to.
///
/// 1. `/aws/lambda/<name>` → `name`;
/// 2. a stream `YYYY/MM/DD/<name>[<version>]…` of a custom group → `name`;
/// 3. `default_function` (the user said, e.g. `--function`);
/// 4. the group name itself, when there is one;
/// 5. `None`: the input names nothing (a plain text export). The assembler then calls the
///    function `unknown` until the code prints its name (`AWS_LAMBDA_FUNCTION_NAME`).
///
/// ```
/// use warden_logs::naming::function_name;
/// assert_eq!(function_name("/aws/lambda/checkout", "", None).as_deref(), Some("checkout"));
/// assert_eq!(
///     function_name("shop-logs", "2024/05/01/orders[$LATEST]3f2a9c", None).as_deref(),
///     Some("orders")
/// );
/// assert_eq!(function_name("", "", Some("cli")).as_deref(), Some("cli"));
/// assert_eq!(function_name("", "", None), None);
/// ```
pub fn function_name(
    log_group: &str,
    log_stream: &str,
    default_function: Option<&str>,
) -> Option<String> {
    if let Some(name) = log_group
        .strip_prefix("/aws/lambda/")
        .filter(|n| !n.is_empty())
    {
        return Some(name.to_owned());
    }
    if let Some(name) = stream_function(log_stream) {
        return Some(name.to_owned());
    }
    if let Some(name) = default_function {
        return Some(name.to_owned());
    }
    (!log_group.is_empty()).then(|| log_group.to_owned())
}

/// The `YYYY/MM/DD/` date prefix of a Lambda stream name, and what follows it.
fn after_date(log_stream: &str) -> Option<&str> {
    let b = log_stream.as_bytes();
    let dated = b.len() > 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'/'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'/'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && b[10] == b'/';
    dated.then(|| &log_stream[11..])
}

/// The function name a custom log group's stream carries before `[version]`.
pub fn stream_function(log_stream: &str) -> Option<&str> {
    let rest = after_date(log_stream)?;
    let bracket = rest.find('[')?;
    let name = &rest[..bracket];
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then_some(name)
}

/// The version in a Lambda stream name: `$LATEST`, `42`.
///
/// ```
/// use warden_logs::naming::stream_version;
/// assert_eq!(stream_version("2024/05/01/[$LATEST]0123abcd"), Some("$LATEST"));
/// assert_eq!(stream_version("2024/05/01/orders[42]0123abcd"), Some("42"));
/// assert_eq!(stream_version("my-stream"), None);
/// ```
pub fn stream_version(log_stream: &str) -> Option<&str> {
    let rest = after_date(log_stream)?;
    let open = rest.find('[')?;
    let close = open + rest[open..].find(']')?;
    let version = &rest[open + 1..close];
    (!version.is_empty()).then_some(version)
}

/// A Lambda log stream name: `YYYY/MM/DD/[<version>]<id>` or the custom-group form.
pub fn is_lambda_stream(token: &str) -> bool {
    stream_version(token).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_order() {
        assert_eq!(
            function_name("/aws/lambda/a", "2024/01/01/b[1]x", Some("c")).as_deref(),
            Some("a")
        );
        assert_eq!(
            function_name("app", "2024/01/01/b[1]x", Some("c")).as_deref(),
            Some("b")
        );
        assert_eq!(
            function_name("app", "2024/01/01/[1]x", Some("c")).as_deref(),
            Some("c")
        );
        assert_eq!(
            function_name("app", "2024/01/01/[1]x", None).as_deref(),
            Some("app")
        );
        assert_eq!(
            function_name("/aws/lambda/", "", None).as_deref(),
            Some("/aws/lambda/")
        );
        assert!(is_lambda_stream("2024/01/02/[$LATEST]0123456789abcdef"));
        assert!(!is_lambda_stream("2024/01/02/0123456789abcdef"));
    }
}
