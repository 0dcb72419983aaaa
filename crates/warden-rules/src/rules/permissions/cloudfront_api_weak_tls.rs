use warden_iac::{Node, Template};

use super::front_doors::serverless_origins;
use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Viewer protocol versions that still allow TLS 1.0 or 1.1 (or SSLv3).
const WEAK: &[&str] = &["SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016"];

declare_rule! {
    /// ## What it does
    /// Flags CloudFront distributions in front of an API or a function URL that accept
    /// viewers with TLS older than 1.2.
    ///
    /// It reads `MinimumProtocolVersion` (`TLSv1`, `TLSv1_2016`, `TLSv1.1_2016`, `SSLv3`),
    /// and the default `*.cloudfront.net` certificate (`CloudFrontDefaultCertificate: true`,
    /// or no `ViewerCertificate`), which always allows TLS 1.0.
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 have known weaknesses and are deprecated (RFC 8996): a client that
    /// negotiates them exposes what it sends to the API and what the functions return.
    ///
    /// ## Example
    /// ```yaml
    /// ViewerCertificate:
    ///   AcmCertificateArn: !Ref Certificate
    ///   SslSupportMethod: sni-only
    ///   MinimumProtocolVersion: TLSv1
    /// ```
    ///
    /// ## Fix
    /// Use a custom domain with an ACM certificate and `MinimumProtocolVersion:
    /// TLSv1.2_2021` (or newer).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html>
    /// - checkov CKV_AWS_174
    pub struct CloudfrontApiWeakTls {
        code: "WD210",
        name: "cloudfront-api-weak-tls",
        risk: InsecureConfiguration,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform"],
        help: "Serve the distribution on a custom domain with an ACM certificate and `MinimumProtocolVersion: TLSv1.2_2021`.",
    }
}

impl Rule for CloudfrontApiWeakTls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for distribution in template.resources_of_type("AWS::CloudFront::Distribution") {
            let origins = serverless_origins(template, distribution);
            let Some(origin) = origins.first() else {
                continue;
            };
            let id = &distribution.origin.id;
            let Some(config) = distribution.prop("DistributionConfig") else {
                continue;
            };
            if !config.is_known() {
                continue;
            }
            let certificate = config.get("ViewerCertificate");
            let default_certificate = certificate.is_none_or(|certificate| {
                certificate
                    .get("CloudFrontDefaultCertificate")
                    .and_then(Node::as_bool)
                    == Some(true)
            });
            if default_certificate {
                checker.report(
                    distribution,
                    certificate.map_or(distribution.span, |c| c.span),
                    format!(
                        "distribution `{id}` in front of `{origin}` uses the default CloudFront certificate, which accepts TLS 1.0"
                    ),
                );
                continue;
            }
            let Some(version) = certificate.and_then(|c| c.get("MinimumProtocolVersion")) else {
                continue;
            };
            for version in version.alternatives() {
                if let Some(name) = version.as_str().filter(|name| WEAK.contains(name)) {
                    checker.report(
                        distribution,
                        version.span,
                        format!(
                            "distribution `{id}` in front of `{origin}` accepts viewers with `{name}`"
                        ),
                    );
                }
            }
        }
    }
}
