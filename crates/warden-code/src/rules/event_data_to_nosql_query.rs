use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{injection, CodeRule, Reporter};
use crate::table::SinkKind;

declare_rule! {
    /// ## What it does
    /// Flags NoSQL queries shaped by the caller: a query object taken whole from the event (`collection.find(JSON.parse(event.body))`) or a `$where` operator built from event data.
    ///
    /// The severity follows who can reach the function in the template: critical behind an
    /// unauthenticated public route or function URL, high behind an authorizer, medium when only
    /// internal triggers reach it. The finding names that route or trigger and gives the path
    /// from the event to the sink.
    ///
    /// ## Why is this bad?
    /// A caller who chooses the query's operators (`{"$ne": null}`, `$where` JavaScript) reads or changes documents the function never meant to expose.
    ///
    /// ## Example
    /// ```javascript
    /// exports.handler = async (event) => {
    ///   return db.collection("users").find(JSON.parse(event.body)).toArray();
    /// };
    /// ```
    ///
    /// ## Fix
    /// Build the query from named, typed fields (`{ email: String(body.email) }`), reject keys starting with `$`, and never use `$where`.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/943.html>
    pub struct EventDataToNosqlQuery {
        code: "WD005",
        name: "event-data-to-nosql-query",
        risk: EventInjection,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Build queries from named, typed fields; reject keys that start with `$`; do not use `$where`.",
    }
}

impl CodeRule for EventDataToNosqlQuery {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        injection::check(SinkKind::NoSql, context, out);
    }
}
