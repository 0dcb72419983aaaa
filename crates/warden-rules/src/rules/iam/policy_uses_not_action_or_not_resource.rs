use warden_iac::Template;

use super::common::{entry, policy_documents};
use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags `Allow` statements that use `NotAction`, `NotResource` or `NotPrincipal`, in
    /// every policy of the template: identity policies (including Lambda execution roles),
    /// trust policies and resource policies of buckets, queues, topics, keys and secrets.
    ///
    /// ## Why is this bad?
    /// An `Allow` with a negated element grants everything *except* what is listed: every
    /// action of every current and future service, every resource, or every principal in
    /// the world. Such statements almost always grant far more than intended, and they
    /// silently grow as AWS adds services.
    ///
    /// ## Example
    /// ```yaml
    /// PolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       NotAction: iam:*
    ///       Resource: "*"
    /// ```
    ///
    /// ## Fix
    /// List the actions, resources or principals to allow. `NotAction` and friends are fine
    /// in `Deny` statements, which is where they belong.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html>
    /// - cfn_nag W14–W17, W21–W23, F6–F9; KICS `818f38ed`, `4a8fc9a2`, `4fbfee74`
    pub struct PolicyUsesNotActionOrNotResource {
        code: "WD502",
        name: "policy-uses-not-action-or-not-resource",
        risk: OverPrivileged,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Use `Action`, `Resource` and `Principal` with explicit lists in `Allow` statements; keep negations for `Deny`.",
    }
}

impl Rule for PolicyUsesNotActionOrNotResource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for policy in policy_documents(template) {
            for statement in policy.statement_nodes() {
                let allow = statement
                    .get("Effect")
                    .and_then(|effect| effect.as_str())
                    .is_some_and(|effect| effect.eq_ignore_ascii_case("allow"));
                if !allow {
                    continue;
                }
                for element in ["NotAction", "NotResource", "NotPrincipal"] {
                    if let Some((key, _)) = entry(statement, element) {
                        checker.report(
                            policy.resource,
                            key.span,
                            format!(
                                "`Allow` statement with `{element}` in {} grants everything not listed",
                                policy.describe()
                            ),
                        );
                    }
                }
            }
        }
    }
}
