use warden_diagnostics::{Date, Finding, Profile, Related, Risk, Severity, Span};
use warden_iac::{Resource, Template};

/// What a rule declares about itself; built by [`declare_rule!`](crate::declare_rule).
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub risk: Risk,
    pub severity: Severity,
    /// One or two sentences on how to fix a finding.
    pub help: &'static str,
    /// Input formats the rule supports: the template formats, and `live` when `warden
    /// audit` reads everything the rule looks at (only those rules run on a live account).
    pub formats: &'static [&'static str],
    /// The report the rule belongs to: the security risks, or well-architected hygiene.
    pub profile: Profile,
    /// The rule's doc comment, as written (one `#[doc]` line per line).
    pub raw_docs: &'static str,
}

/// A posture rule.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, template: &Template, checker: &mut Checker<'_>);
}

/// What a scan tells every rule besides the template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// The day the scan judges dates against (runtime deprecation): today, or `--as-of`.
    pub as_of: Date,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            as_of: Date::today(),
        }
    }
}

/// Collects one rule's findings on one template.
pub struct Checker<'t> {
    template: &'t Template,
    meta: &'static RuleMeta,
    options: &'t CheckOptions,
    findings: Vec<Finding>,
}

impl<'t> Checker<'t> {
    pub fn new(template: &'t Template, meta: &'static RuleMeta, options: &'t CheckOptions) -> Self {
        Checker {
            template,
            meta,
            options,
            findings: Vec::new(),
        }
    }

    pub fn template(&self) -> &'t Template {
        self.template
    }

    pub fn options(&self) -> &'t CheckOptions {
        self.options
    }

    /// Reports a finding on `resource` at `span` with the rule's default severity.
    pub fn report(
        &mut self,
        resource: &Resource,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.findings.push(Finding {
            code: self.meta.code,
            name: self.meta.name,
            risk: self.meta.risk,
            severity: self.meta.severity,
            message: message.into(),
            span,
            resource: resource.origin.id.clone(),
            resource_type: resource.origin.resource_type.clone(),
            help: self.meta.help.to_string(),
            path: Vec::new(),
            related: Vec::new(),
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// Reports with an explicit resource name and type (for routes and other views).
    pub fn report_on(
        &mut self,
        resource: &str,
        resource_type: &str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.findings.push(Finding {
            code: self.meta.code,
            name: self.meta.name,
            risk: self.meta.risk,
            severity: self.meta.severity,
            message: message.into(),
            span,
            resource: resource.to_string(),
            resource_type: resource_type.to_string(),
            help: self.meta.help.to_string(),
            path: Vec::new(),
            related: Vec::new(),
        });
        self.findings.last_mut().expect("just pushed")
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// Adds related places to a finding, skipping its own span and duplicates.
pub fn add_related(finding: &mut Finding, span: Span, message: impl Into<String>) {
    if span == finding.span || finding.related.iter().any(|related| related.span == span) {
        return;
    }
    finding.related.push(Related {
        span,
        message: message.into(),
    });
}

/// Declares a rule: its doc comment becomes its documentation.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct FunctionUrlWithoutAuth {
///         code: "WD201",
///         name: "function-url-without-auth",
///         risk: BrokenAuthentication,
///         severity: High,
///         formats: ["cloudformation", "sam"],
///         help: "Set `AuthType: AWS_IAM` ...",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        pub struct $name:ident {
            code: $code:literal,
            name: $rule_name:literal,
            risk: $risk:ident,
            severity: $severity:ident,
            formats: [$($format:literal),* $(,)?],
            $(profile: $profile:ident,)?
            help: $help:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                code: $code,
                name: $rule_name,
                risk: ::warden_diagnostics::Risk::$risk,
                severity: ::warden_diagnostics::Severity::$severity,
                help: $help,
                formats: &[$($format),*],
                profile: $crate::__profile!(
                    ::warden_diagnostics::Risk::$risk $(, ::warden_diagnostics::Profile::$profile)?
                ),
                raw_docs: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// The profile a rule declares, or the default of its risk.
#[doc(hidden)]
#[macro_export]
macro_rules! __profile {
    ($risk:expr) => {
        ::warden_diagnostics::Profile::of_risk($risk)
    };
    ($risk:expr, $profile:expr) => {
        $profile
    };
}
