use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{injection, CodeRule, Reporter};
use crate::table::SinkKind;

declare_rule! {
    /// ## What it does
    /// Flags event data used as the text of a template: `jinja2.Template(x)`, `render_template_string(x)`, `Environment.from_string(x)`, `ejs.render(x)`, `pug.compile(x)`, `handlebars.compile(x)`, `_.template(x)`.
    ///
    /// The severity follows who can reach the function in the template: critical behind an
    /// unauthenticated public route or function URL, high behind an authorizer, medium when only
    /// internal triggers reach it. The finding names that route or trigger and gives the path
    /// from the event to the sink.
    ///
    /// ## Why is this bad?
    /// Template languages evaluate expressions: a template written by the caller reads the function's environment and, in Jinja2, EJS or Pug, runs code.
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     return Template(event["body"]).render(user=user)
    /// ```
    ///
    /// ## Fix
    /// Keep templates in the code and pass event data only as template variables.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/1336.html>
    pub struct EventDataToTemplate {
        code: "WD008",
        name: "event-data-to-template",
        risk: EventInjection,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Keep templates in code and pass event data only as variables.",
    }
}

impl CodeRule for EventDataToTemplate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        injection::check(SinkKind::Template, context, out);
    }
}
