use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{injection, CodeRule, Reporter};
use crate::table::SinkKind;

declare_rule! {
    /// ## What it does
    /// Flags event data that reaches a deserialiser that can build arbitrary objects or run code: `pickle.loads`, `yaml.load` without a safe loader, `jsonpickle.decode`, `marshal.loads`, `node-serialize`'s `unserialize`.
    ///
    /// The severity follows who can reach the function in the template: critical behind an
    /// unauthenticated public route or function URL, high behind an authorizer, medium when only
    /// internal triggers reach it. The finding names that route or trigger and gives the path
    /// from the event to the sink.
    ///
    /// ## Why is this bad?
    /// These formats encode constructors and functions: a crafted payload runs code while it is being read (node-serialize's `_$$ND_FUNC$$_` immediately-invoked functions, pickle's `__reduce__`).
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     state = pickle.loads(base64.b64decode(event["body"]))
    /// ```
    ///
    /// ## Fix
    /// Exchange data as JSON; use `yaml.safe_load`; never unpickle or unserialize data from a request or message.
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/502.html>
    /// - <https://docs.python.org/3/library/pickle.html>
    pub struct EventDataToUnsafeDeserializer {
        code: "WD003",
        name: "event-data-to-unsafe-deserializer",
        risk: EventInjection,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Read event data as JSON (or `yaml.safe_load`); never unpickle or unserialize it.",
    }
}

impl CodeRule for EventDataToUnsafeDeserializer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        injection::check(SinkKind::Deserialize, context, out);
    }
}
