use warden_iac::Template;

use crate::{declare_rule, Checker, Rule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags functions deployed from a .zip package without a code signing configuration
    /// (`CodeSigningConfigArn` absent). Container image functions (`PackageType: Image`)
    /// are skipped: Lambda code signing applies to .zip packages only (images are signed and
    /// verified through ECR and the registry instead).
    ///
    /// ## Why is this bad?
    /// Without code signing Lambda runs whatever package is uploaded. Anyone who can write
    /// to the deployment bucket or call `lambda:UpdateFunctionCode` can replace the code
    /// with their own; with a code signing configuration set to `Enforce`, Lambda rejects
    /// packages not signed by an approved signing profile.
    ///
    /// ## Example
    /// ```yaml
    /// Payments:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Runtime: python3.12
    ///     Handler: app.handler
    ///     CodeUri: src/
    /// ```
    ///
    /// ## Fix
    /// Create an `AWS::Signer::SigningProfile` and an `AWS::Lambda::CodeSigningConfig`
    /// with `UntrustedArtifactOnDeployment: Enforce`, set `CodeSigningConfigArn` on the
    /// function, and sign packages in the pipeline (`sam package --signing-profiles`).
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html>
    /// - checkov CKV_AWS_272 (Terraform only)
    pub struct CodeSigningNotEnforced {
        code: "WD124",
        name: "code-signing-not-enforced",
        risk: InsecureConfiguration,
        severity: Low,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        profile: WellArchitected,
        help: "Set `CodeSigningConfigArn` to a code signing configuration with `UntrustedArtifactOnDeployment: Enforce`.",
    }
}

impl Rule for CodeSigningNotEnforced {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            if function.prop("CodeSigningConfigArn").is_some() {
                continue;
            }
            let zip = match function.prop("PackageType") {
                None => true,
                Some(kind) => kind
                    .alternatives()
                    .into_iter()
                    .any(|kind| kind.as_str().is_some_and(|k| k.eq_ignore_ascii_case("Zip"))),
            };
            if zip {
                checker.report(
                    function,
                    function.span,
                    format!(
                        "`{}` has no `CodeSigningConfigArn`: Lambda runs any uploaded package",
                        function.origin.id
                    ),
                );
            }
        }
    }
}
