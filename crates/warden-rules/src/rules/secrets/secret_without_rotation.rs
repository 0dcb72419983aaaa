use warden_iac::analysis::refers_to;
use warden_iac::{Node, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

/// The longest rotation interval accepted, in days.
const MAX_DAYS: i64 = 90;

declare_rule! {
    /// ## What it does
    /// Flags `AWS::SecretsManager::Secret` resources that no
    /// `AWS::SecretsManager::RotationSchedule` of the template rotates, and schedules whose
    /// interval (`AutomaticallyAfterDays`, or `rate(N days)` in `ScheduleExpression`) is
    /// longer than 90 days. When a schedule's `SecretId` cannot be resolved, secrets are not
    /// reported as unrotated.
    ///
    /// ## Why is this bad?
    /// A secret that never changes stays valid forever once leaked (in a log, a laptop, a
    /// former employee's notes). Regular rotation bounds how long a leak is useful.
    ///
    /// ## Example
    /// ```yaml
    /// DbSecret:
    ///   Type: AWS::SecretsManager::Secret
    ///   Properties:
    ///     GenerateSecretString: {PasswordLength: 32}
    /// # ... and no AWS::SecretsManager::RotationSchedule for it
    /// ```
    ///
    /// ## Fix
    /// Add an `AWS::SecretsManager::RotationSchedule` with `SecretId: !Ref DbSecret`, a
    /// rotation function (`HostedRotationLambda` for databases) and
    /// `RotationRules.AutomaticallyAfterDays` of 90 or less.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html>
    /// - checkov CKV2_AWS_57, CKV_AWS_304; Prowler `secretsmanager_automatic_rotation_enabled`, `secretsmanager_secret_rotated_periodically`
    pub struct SecretWithoutRotation {
        code: "WD604",
        name: "secret-without-rotation",
        risk: InsecureSecrets,
        severity: Medium,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Add an `AWS::SecretsManager::RotationSchedule` for the secret that rotates it every 90 days or less.",
    }
}

impl Rule for SecretWithoutRotation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        let schedules: Vec<_> = template
            .resources_of_type("AWS::SecretsManager::RotationSchedule")
            .collect();
        // A schedule whose target cannot be known may rotate any secret.
        let unknown_target = schedules
            .iter()
            .any(|schedule| schedule.prop("SecretId").is_none_or(|id| !id.is_known()));
        for secret in template.resources_of_type("AWS::SecretsManager::Secret") {
            let rotating: Vec<_> = schedules
                .iter()
                .filter(|schedule| {
                    schedule
                        .prop("SecretId")
                        .is_some_and(|id| refers_to(id, &secret.id))
                })
                .collect();
            if rotating.is_empty() {
                if !unknown_target {
                    checker.report(
                        secret,
                        secret.span,
                        format!("secret `{}` has no rotation schedule", secret.origin.id),
                    );
                }
                continue;
            }
            for schedule in rotating {
                if let Some((days, node)) = interval_days(schedule.prop("RotationRules")) {
                    if days > MAX_DAYS {
                        checker.report(
                            schedule,
                            node.span,
                            format!(
                                "secret `{}` is rotated every {days} days, more than {MAX_DAYS}",
                                secret.origin.id
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// The rotation interval in days and the node that sets it.
fn interval_days(rules: Option<&Node>) -> Option<(i64, &Node)> {
    let rules = rules?;
    if let Some(days) = rules.get("AutomaticallyAfterDays") {
        return Some((days.as_i64()?, days));
    }
    let expression = rules.get("ScheduleExpression")?;
    let text = expression.as_str()?.trim();
    let inner = text.strip_prefix("rate(")?.strip_suffix(')')?;
    let (amount, unit) = inner.trim().split_once(' ')?;
    let amount: i64 = amount.parse().ok()?;
    let days = match unit.trim().trim_end_matches('s') {
        "day" => amount,
        "hour" => amount / 24,
        _ => return None,
    };
    Some((days, expression))
}
