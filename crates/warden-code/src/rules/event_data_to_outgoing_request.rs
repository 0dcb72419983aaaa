use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{injection, CodeRule, Reporter};
use crate::table::SinkKind;

declare_rule! {
    /// ## What it does
    /// Flags event data that chooses where an outgoing request goes (server-side request forgery): `requests`, `urllib`, `httpx`, `fetch`, `axios`, `got`, `http.get` with a URL whose scheme or host comes from the event.
    ///
    /// The severity follows who can reach the function in the template: critical behind an
    /// unauthenticated public route or function URL, high behind an authorizer, medium when only
    /// internal triggers reach it. The finding names that route or trigger and gives the path
    /// from the event to the sink.
    ///
    /// ## Why is this bad?
    /// A caller who picks the host makes the function fetch internal endpoints, other AWS services with the function's credentials, or the Lambda runtime API, and returns or leaks what it gets.
    ///
    /// ## Example
    /// ```javascript
    /// exports.handler = async (event) => {
    ///   const { url } = JSON.parse(event.body);
    ///   return (await fetch(url)).text();
    /// };
    /// ```
    ///
    /// ## Fix
    /// Fix the scheme and host in code and put only encoded path or query parts from the event into the URL; where callers must choose, check the host against an allow-list.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/918.html>
    pub struct EventDataToOutgoingRequest {
        code: "WD007",
        name: "event-data-to-outgoing-request",
        risk: EventInjection,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Keep the scheme and host fixed in code; put only encoded path or query values from the event into the URL, or check the host against an allow-list.",
    }
}

impl CodeRule for EventDataToOutgoingRequest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        injection::check(SinkKind::Request, context, out);
    }
}
