use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags AppSync GraphQL APIs (`AWS::AppSync::GraphQLApi`) without field logging:
    /// `LogConfig` absent, or `FieldLogLevel: NONE`. When X-Ray tracing is off as well
    /// (`XrayEnabled` absent or `false`) the message says so.
    ///
    /// ## Why is this bad?
    /// Without resolver logs there is no record of which queries were made, which fields
    /// failed, or how an attacker probed the schema; without tracing, slow or failing
    /// resolvers cannot be followed into the data sources.
    ///
    /// ## Example
    /// ```yaml
    /// Api:
    ///   Type: AWS::AppSync::GraphQLApi
    ///   Properties:
    ///     Name: orders
    ///     AuthenticationType: AMAZON_COGNITO_USER_POOLS
    /// ```
    ///
    /// ## Fix
    /// Set `LogConfig: {FieldLogLevel: ERROR, CloudWatchLogsRoleArn: !GetAtt
    /// AppSyncLogsRole.Arn}` (`ALL` while debugging; `ExcludeVerboseContent: true` keeps
    /// headers and variables out of the logs) and `XrayEnabled: true`.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/appsync/latest/devguide/monitoring.html>
    /// - checkov CKV_AWS_193, CKV_AWS_194; serverless-rules WS3000
    pub struct AppsyncApiWithoutLogging {
        code: "WD811",
        name: "appsync-api-without-logging",
        risk: InsufficientLogging,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless"],
        help: "Set `LogConfig` with `FieldLogLevel: ERROR` (or `ALL`) and a `CloudWatchLogsRoleArn`, and `XrayEnabled: true`.",
    }
}

impl Rule for AppsyncApiWithoutLogging {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for api in template.resources_of_type("AWS::AppSync::GraphQLApi") {
            let id = &api.origin.id;
            let tracing_off = api
                .prop("XrayEnabled")
                .is_none_or(|enabled| enabled.as_bool() == Some(false));
            let tracing = if tracing_off {
                ", and X-Ray tracing is off"
            } else {
                ""
            };
            match api.prop("LogConfig") {
                None => {
                    checker.report(
                        api,
                        api.span,
                        format!("GraphQL API `{id}` has no `LogConfig`{tracing}"),
                    );
                }
                Some(config) => {
                    let Some(level) = config.get("FieldLogLevel") else {
                        continue;
                    };
                    for level in level.alternatives() {
                        if level
                            .as_str()
                            .is_some_and(|text| text.eq_ignore_ascii_case("NONE"))
                        {
                            checker.report(
                                api,
                                level.span,
                                format!("GraphQL API `{id}` has `FieldLogLevel: NONE`{tracing}"),
                            );
                        }
                    }
                }
            }
        }
    }
}
