use warden_iac::{Node, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags API Gateway custom domains that accept TLS versions older than 1.2.
    ///
    /// It reads `AWS::ApiGateway::DomainName` (and SAM `Api.Domain`) whose `SecurityPolicy` is missing
    /// (API Gateway then uses `TLS_1_0`) or `TLS_1_0`, and `AWS::ApiGatewayV2::DomainName`
    /// whose `DomainNameConfigurations[].SecurityPolicy` is `TLS_1_0`.
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 have known weaknesses and are deprecated (RFC 8996). Clients that
    /// negotiate them expose the tokens and data they send to downgrade and decryption
    /// attacks, and compliance programmes (PCI DSS) forbid them.
    ///
    /// ## Example
    /// ```yaml
    /// Domain:
    ///   Type: AWS::ApiGateway::DomainName
    ///   Properties:
    ///     DomainName: api.example.com
    ///     SecurityPolicy: TLS_1_0
    /// ```
    ///
    /// ## Fix
    /// Set `SecurityPolicy: TLS_1_2` (or a newer enhanced policy).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html>
    /// - cfn_nag W62; KICS `8275fab0`; Trivy AVD-AWS-0005; checkov CKV_AWS_206
    pub struct ApiDomainAllowsOldTls {
        code: "WD309",
        name: "api-domain-allows-old-tls",
        risk: InsecureConfiguration,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `SecurityPolicy: TLS_1_2` (or a newer policy) on the custom domain.",
    }
}

/// True for policies that allow only TLS 1.2 or newer.
fn is_modern(policy: &str) -> bool {
    let upper = policy.trim().to_ascii_uppercase();
    matches!(upper.as_str(), "TLS_1_2" | "TLS_1_3")
        || upper.starts_with("SECURITYPOLICY_TLS12")
        || upper.starts_with("SECURITYPOLICY_TLS13")
}

fn old_policies(node: &Node) -> Vec<&Node> {
    node.alternatives()
        .into_iter()
        .filter(|value| value.as_str().is_some_and(|policy| !is_modern(policy)))
        .collect()
}

impl Rule for ApiDomainAllowsOldTls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for domain in template.resources_of_type("AWS::ApiGateway::DomainName") {
            let name = domain
                .prop("DomainName")
                .map_or_else(|| domain.origin.id.clone(), Node::display);
            match domain.prop("SecurityPolicy") {
                None => {
                    checker.report(
                        domain,
                        domain.span,
                        format!(
                            "custom domain `{name}` has no `SecurityPolicy`: it accepts TLS 1.0"
                        ),
                    );
                }
                Some(policy) => {
                    for old in old_policies(policy) {
                        checker.report(
                            domain,
                            old.span,
                            format!(
                                "custom domain `{name}` accepts TLS older than 1.2 (`{}`)",
                                old.display()
                            ),
                        );
                    }
                }
            }
        }
        for domain in template.resources_of_type("AWS::ApiGatewayV2::DomainName") {
            let name = domain
                .prop("DomainName")
                .map_or_else(|| domain.origin.id.clone(), Node::display);
            let Some(configurations) = domain.prop("DomainNameConfigurations") else {
                continue;
            };
            for configuration in configurations.items() {
                for old in configuration
                    .get("SecurityPolicy")
                    .map(old_policies)
                    .unwrap_or_default()
                {
                    checker.report(
                        domain,
                        old.span,
                        format!(
                            "custom domain `{name}` accepts TLS older than 1.2 (`{}`)",
                            old.display()
                        ),
                    );
                }
            }
        }
    }
}
