use warden_iac::Template;

use super::common::{is_false, is_true, rest_stages};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags REST API stages with a cache cluster (`CacheClusterEnabled: true`) whose method
    /// settings turn caching on (`CachingEnabled: true`) without `CacheDataEncrypted: true`.
    ///
    /// ## Why is this bad?
    /// Cached responses are stored unencrypted: response bodies, which often carry personal
    /// data or tokens, sit at rest outside the controls of the services that produced them.
    ///
    /// ## Example
    /// ```yaml
    /// CacheClusterEnabled: true
    /// MethodSettings:
    ///   - HttpMethod: GET
    ///     ResourcePath: /catalog
    ///     CachingEnabled: true
    /// ```
    ///
    /// ## Fix
    /// Set `CacheDataEncrypted: true` on every method setting that enables caching.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html>
    /// - cfn_nag W87; KICS `37cca703`; Trivy AVD-AWS-0002; checkov CKV_AWS_308; Prowler `apigateway_restapi_cache_encrypted`
    pub struct ApiCacheNotEncrypted {
        code: "WD308",
        name: "api-cache-not-encrypted",
        risk: InsecureConfiguration,
        severity: Medium,
        formats: ["cloudformation", "sam", "terraform", "live"],
        help: "Set `CacheDataEncrypted: true` wherever `CachingEnabled: true`.",
    }
}

impl Rule for ApiCacheNotEncrypted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for stage in rest_stages(template) {
            // Without a cache cluster nothing is cached, whatever the method settings say.
            if !stage.get("CacheClusterEnabled").is_some_and(is_true) {
                continue;
            }
            for setting in stage.method_settings() {
                let Some(caching) = setting.get("CachingEnabled").filter(|node| is_true(node))
                else {
                    continue;
                };
                match setting.get("CacheDataEncrypted") {
                    None => {
                        checker.report(
                            stage.resource,
                            caching.span,
                            format!(
                                "{} caches responses without `CacheDataEncrypted: true`",
                                stage.label()
                            ),
                        );
                    }
                    Some(encrypted) if is_false(encrypted) => {
                        checker.report(
                            stage.resource,
                            encrypted.span,
                            format!(
                                "{} caches responses unencrypted (`CacheDataEncrypted: false`)",
                                stage.label()
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }
}
