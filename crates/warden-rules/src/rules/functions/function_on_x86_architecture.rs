use warden_iac::{Node, Template};

use crate::{declare_rule, Checker, Rule, RuleMeta};

/// Runtimes that never had an arm64 build: moving them means upgrading the runtime first,
/// which the deprecated-runtime rule already asks for.
const X86_ONLY_RUNTIMES: &[&str] = &[
    "go1.x",
    "java8",
    "provided",
    "dotnetcore1.0",
    "dotnetcore2.0",
    "dotnetcore2.1",
    "dotnetcore3.1",
    "python2.7",
    "python3.6",
    "python3.7",
    "nodejs",
    "nodejs4.3",
    "nodejs6.10",
    "nodejs8.10",
    "nodejs10.x",
    "ruby2.5",
];

declare_rule! {
    /// ## What it does
    /// Points out functions that run on x86_64 (the default when `Architectures` is not
    /// set) although their runtime is available on arm64.
    ///
    /// ## Why is this bad?
    /// Lambda bills arm64 (Graviton2) duration about 20% cheaper per GB-second than x86_64,
    /// and most interpreted and JVM workloads run as fast or faster on it. Staying on the
    /// default architecture pays more for the same work. This is a cost hint, reported at
    /// `info` severity: native dependencies may need an arm64 build first.
    ///
    /// ## Example
    /// ```yaml
    /// Resize:
    ///   Type: AWS::Serverless::Function
    ///   Properties:
    ///     Runtime: python3.12
    ///     Handler: app.handler
    /// ```
    ///
    /// ## Fix
    /// Set `Architectures: [arm64]` (SAM `Globals.Function.Architectures` covers every
    /// function), rebuild native dependencies for arm64, and compare duration after the switch.
    ///
    /// ## References
    /// - <https://aws.amazon.com/lambda/pricing/>
    /// - <https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html>
    /// - sls-mentor `useArm`
    pub struct FunctionOnX86Architecture {
        code: "WD122",
        name: "function-on-x86-architecture",
        risk: Cost,
        severity: Info,
        formats: ["cloudformation", "sam", "serverless", "terraform", "live"],
        help: "Set `Architectures: [arm64]` after checking native dependencies: arm64 duration costs about 20% less.",
    }
}

impl Rule for FunctionOnX86Architecture {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, template: &Template, checker: &mut Checker<'_>) {
        for info in &template.analysis.functions {
            let function = info.resource(template);
            let runtime = function.prop("Runtime").and_then(Node::as_str);
            if runtime.is_some_and(|runtime| X86_ONLY_RUNTIMES.contains(&runtime)) {
                continue;
            }
            match function.prop("Architectures") {
                None => {
                    checker.report(
                        function,
                        function.span,
                        format!(
                            "`{}` runs on the default x86_64 architecture: arm64 duration costs about 20% less",
                            function.origin.id
                        ),
                    );
                }
                Some(architectures) => {
                    for architecture in architectures.items() {
                        if architecture.as_str() == Some("x86_64") {
                            checker.report(
                                function,
                                architecture.span,
                                format!(
                                    "`{}` runs on x86_64: arm64 duration costs about 20% less",
                                    function.origin.id
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}
