use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{injection, CodeRule, Reporter};
use crate::table::SinkKind;

declare_rule! {
    /// ## What it does
    /// Flags event data that reaches code evaluation: `eval`, `exec`, `compile`, `new Function`, `vm.runInNewContext`/`runInThisContext`/`Script`.
    ///
    /// The severity follows who can reach the function in the template: critical behind an
    /// unauthenticated public route or function URL, high behind an authorizer, medium when only
    /// internal triggers reach it. The finding names that route or trigger and gives the path
    /// from the event to the sink.
    ///
    /// ## Why is this bad?
    /// Evaluating data as code gives whoever controls the event full control of the function: its role, its environment and its network position.
    ///
    /// ## Example
    /// ```javascript
    /// exports.handler = async (event) => {
    ///   const filter = JSON.parse(event.body).filter;
    ///   return items.filter((item) => eval(filter));   // filter = "require('child_process')..."
    /// };
    /// ```
    ///
    /// ## Fix
    /// Never evaluate input. Parse data with `JSON.parse`/`json.loads`, map allowed operations to functions, and use a safe expression library where users must supply expressions.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/95.html>
    /// - <https://owasp.org/www-project-serverless-top-10/>
    pub struct EventDataToCodeEvaluation {
        code: "WD002",
        name: "event-data-to-code-evaluation",
        risk: EventInjection,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Do not evaluate event data as code: parse it as data and map allowed operations to functions.",
    }
}

impl CodeRule for EventDataToCodeEvaluation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        injection::check(SinkKind::CodeEval, context, out);
    }
}
