//! The option sets the tests generate: the default (account-level policy), explicit log
//! groups, the audit role, and exclusions.
#![allow(dead_code)] // Each test file uses its own subset.

use warden_connect::{
    generate, ConnectOptions, Endpoint, Format, LogGroupName, StackName, Subscription,
};

pub const ENDPOINT: &str = "https://warden.example.com";

pub fn groups(names: &[&str]) -> Vec<LogGroupName> {
    names
        .iter()
        .map(|name| LogGroupName::parse(name).expect("valid log group"))
        .collect()
}

/// (variant name, options) for every variant the snapshots and checks cover.
pub fn variants() -> Vec<(&'static str, ConnectOptions)> {
    let base = ConnectOptions {
        endpoint: Endpoint::parse(ENDPOINT).expect("valid endpoint"),
        name: StackName::default(),
        subscription: Subscription::Account { exclude: vec![] },
        audit_role: false,
    };
    vec![
        ("default", base.clone()),
        (
            "log_groups",
            ConnectOptions {
                subscription: Subscription::LogGroups(groups(&[
                    "/aws/lambda/checkout",
                    "/aws/lambda/orders-prod",
                ])),
                ..base.clone()
            },
        ),
        (
            "audit_role",
            ConnectOptions {
                audit_role: true,
                ..base.clone()
            },
        ),
        (
            "exclusions_and_audit_role",
            ConnectOptions {
                name: StackName::parse("warden-prod").expect("valid name"),
                subscription: Subscription::Account {
                    exclude: groups(&[
                        "/aws/rds/instance/db/postgresql",
                        "API-Gateway-Execution-Logs_abc/prod",
                    ]),
                },
                audit_role: true,
                ..base
            },
        ),
    ]
}

pub fn render(options: &ConnectOptions, format: Format) -> String {
    generate(options, format).expect("valid options generate a stack")
}
