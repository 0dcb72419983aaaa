//! What an IAM `Condition` block narrows, decided per condition key and operator.
//!
//! Two questions matter to the rules:
//!
//! * in a resource policy with `Principal: "*"`, does the condition narrow *who* may use
//!   the grant (the caller's account, organisation, network, the calling resource, an
//!   access point of a known account)? Then the statement is not public.
//! * in an identity policy with `Resource: "*"`, does the condition narrow *what* the
//!   grant reaches (resources with a tag, of an account, the service a role is passed to,
//!   the policies that may be attached)? Then the wildcard is scoped.
//!
//! A test narrows only when it must match: `StringEquals`, `StringLike`, `ArnLike`,
//! `IpAddress` and the like, without `IfExists` (a request without the key passes), not
//! negated (`StringNotEquals` allows everyone else), not `ForAllValues` (true when the key is
//! absent), and with values that are not wildcards or `0.0.0.0/0`. A condition Warden
//! cannot read is taken to narrow: no finding rests on it.

use warden_iac::{Node, Value};

/// Keys that name the caller: who may use a resource policy's public principal.
const PRINCIPAL_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:sourcevpcarn",
    "aws:sourceip",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:userid",
    "aws:username",
    "kms:calleraccount",
    "kms:viaservice",
    // Access-point delegation: the bucket defers to access points of one account.
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
    "s3-outposts:dataaccesspointaccount",
    "s3-outposts:dataaccesspointarn",
    "lambda:eventsourcetoken",
    // Web identity federation: tokens of one identity pool or app.
    "cognito-identity.amazonaws.com:aud",
    "accounts.google.com:aud",
    "graph.facebook.com:app_id",
    "www.amazon.com:app_id",
    "token.actions.githubusercontent.com:sub",
    "sts:externalid",
];

/// Boolean keys that narrow the caller when required to be `true`.
const PRINCIPAL_FLAGS: &[&str] = &["aws:principalisawsservice", "aws:viaawsservice"];

/// Keys that name the target: what an identity policy's `Resource: "*"` reaches.
const TARGET_KEYS: &[&str] = &[
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
    "iam:passedtoservice",
    "iam:policyarn",
    "iam:permissionsboundary",
    "iam:awsservicename",
    "iam:associatedresourcearn",
    "ec2:vpc",
    "ec2:subnet",
    "ec2:instanceprofile",
    "s3:prefix",
    "dynamodb:leadingkeys",
    "secretsmanager:secretid",
    "lambda:functionarn",
    "ssm:resourcetag",
    "kms:viaservice",
    "kms:calleraccount",
];

/// Suffix-free prefixes of tag keys (`aws:ResourceTag/team`, `ec2:ResourceTag/team`).
fn is_resource_tag(key: &str) -> bool {
    key.split_once(':')
        .is_some_and(|(_, rest)| rest.starts_with("resourcetag/"))
}

/// True when `condition` narrows who may use a grant to everyone.
pub fn narrows_principal(condition: Option<&Node>) -> bool {
    narrows_principal_except(condition, &[])
}

/// As [`narrows_principal`], not counting the keys in `ignored` (lower-cased).
pub fn narrows_principal_except(condition: Option<&Node>, ignored: &[&str]) -> bool {
    narrows(condition, &|key, values| {
        if ignored.contains(&key) {
            return false;
        }
        if PRINCIPAL_FLAGS.contains(&key) {
            return values
                .iter()
                .any(|value| value.as_bool() == Some(true) || !value.is_known());
        }
        PRINCIPAL_KEYS.contains(&key)
    })
}

/// True when `condition` narrows which resources a `Resource: "*"` grant reaches.
pub fn narrows_target(condition: Option<&Node>) -> bool {
    narrows(condition, &|key, _| {
        TARGET_KEYS.contains(&key) || is_resource_tag(key)
    })
}

/// True when `condition` tests `key` (lower-cased) with a test that must match.
pub fn narrows_with_key(condition: Option<&Node>, wanted: &str) -> bool {
    narrows(condition, &|key, _| key == wanted)
}

/// The values a positive test of `key` accepts, when the condition has one.
pub fn accepted_values<'n>(condition: Option<&'n Node>, wanted: &str) -> Option<Vec<&'n Node>> {
    let condition = condition?;
    for alternative in condition.alternatives() {
        for (operator, tests) in alternative.as_map()?.iter() {
            if !must_match(&operator.name) {
                continue;
            }
            for (key, values) in tests.as_map()?.iter() {
                if key.name.eq_ignore_ascii_case(wanted) {
                    return Some(values.items());
                }
            }
        }
    }
    None
}

fn narrows(condition: Option<&Node>, key_narrows: &dyn Fn(&str, &[&Node]) -> bool) -> bool {
    let Some(condition) = condition else {
        return false;
    };
    if !condition.is_known() {
        return true;
    }
    // An undecided `Fn::If` narrows only if every branch does.
    condition.alternatives().into_iter().all(|alternative| {
        let Some(operators) = alternative.as_map() else {
            return true;
        };
        operators.iter().any(|(operator, tests)| {
            let Some(tests) = tests.as_map() else {
                return !tests.is_known();
            };
            tests.iter().any(|(key, values)| {
                let key = key.name.to_ascii_lowercase();
                let values = values.items();
                if operator.name.eq_ignore_ascii_case("Bool") {
                    return key_narrows(&key, &values);
                }
                must_match(&operator.name)
                    && key_narrows(&key, &values)
                    && values.iter().any(|value| !is_everything(value))
            })
        })
    })
}

/// True for operators whose test must hold for the request to pass.
fn must_match(operator: &str) -> bool {
    let operator = operator.to_ascii_lowercase();
    if operator.ends_with("ifexists") || operator.starts_with("forallvalues:") {
        return false;
    }
    let operator = operator.trim_start_matches("foranyvalue:");
    matches!(
        operator,
        "stringequals"
            | "stringequalsignorecase"
            | "stringlike"
            | "arnequals"
            | "arnlike"
            | "ipaddress"
            | "numericequals"
    )
}

/// A value that every request matches: `*`, `arn:*`, `0.0.0.0/0`, `::/0`.
fn is_everything(value: &Node) -> bool {
    match &value.value {
        Value::String(text) => {
            let text = text.trim();
            text.chars().all(|c| c == '*' || c == '?')
                || text == "0.0.0.0/0"
                || text == "::/0"
                || text.split(':').all(|part| part.chars().all(|c| c == '*'))
                || text == "arn:*"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_diagnostics::{FileId, Span};

    fn condition(json: &str) -> Node {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        warden_iac::policy::node_from_json(&value, Span::new(FileId(0), 0, 0))
    }

    #[test]
    fn principal_narrowing_is_decided_per_key_and_operator() {
        for narrowing in [
            r#"{"StringEquals": {"aws:SourceAccount": "123456789012"}}"#,
            r#"{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}}"#,
            r#"{"StringEquals": {"s3:DataAccessPointAccount": "123456789012"}}"#,
            r#"{"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}"#,
            r#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#,
            r#"{"Bool": {"aws:PrincipalIsAWSService": "true"}}"#,
            r#"{"ForAnyValue:StringEquals": {"aws:SourceVpce": ["vpce-1"]}}"#,
        ] {
            assert!(
                narrows_principal(Some(&condition(narrowing))),
                "{narrowing}"
            );
        }
        for open in [
            r#"{"StringNotEquals": {"aws:SourceAccount": "123456789012"}}"#,
            r#"{"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}"#,
            r#"{"StringLike": {"aws:PrincipalOrgID": "*"}}"#,
            r#"{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}"#,
            r#"{"Bool": {"aws:SecureTransport": "true"}}"#,
            r#"{"StringEquals": {"aws:Referer": "example.com"}}"#,
            r#"{"ForAllValues:StringEquals": {"aws:SourceVpce": ["vpce-1"]}}"#,
        ] {
            assert!(!narrows_principal(Some(&condition(open))), "{open}");
        }
        assert!(!narrows_principal(None));
    }

    #[test]
    fn target_narrowing() {
        assert!(narrows_target(Some(&condition(
            r#"{"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}"#
        ))));
        assert!(narrows_target(Some(&condition(
            r#"{"StringEquals": {"aws:ResourceTag/team": "orders"}}"#
        ))));
        assert!(!narrows_target(Some(&condition(
            r#"{"Bool": {"aws:MultiFactorAuthPresent": "true"}}"#
        ))));
        let passed = condition(
            r#"{"StringLike": {"iam:PassedToService": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}}"#,
        );
        let values = accepted_values(Some(&passed), "iam:passedtoservice").unwrap();
        assert_eq!(values.len(), 2);
    }
}
