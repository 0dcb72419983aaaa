use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{injection, CodeRule, Reporter};
use crate::table::SinkKind;

declare_rule! {
    /// ## What it does
    /// Flags event data that names a local file: `open`, `fs.readFile`/`writeFile`, `os.remove`, `shutil`, boto3 `download_file`/`upload_file`, often through `path.join`/`os.path.join`.
    ///
    /// The severity follows who can reach the function in the template: critical behind an
    /// unauthenticated public route or function URL, high behind an authorizer, medium when only
    /// internal triggers reach it. The finding names that route or trigger and gives the path
    /// from the event to the sink.
    ///
    /// ## Why is this bad?
    /// `../` in the value reaches files outside the intended folder: the function's own code and its configuration under `/var/task`, other invocations' data in `/tmp`, `/proc/self/environ` with the role's credentials.
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     name = event["queryStringParameters"]["file"]
    ///     return open(os.path.join("/tmp/reports", name)).read()
    /// ```
    ///
    /// ## Fix
    /// Take only the base name (`os.path.basename`, `path.basename`), or resolve the path and check that it stays under the intended folder, or map the value to a name you generate (a UUID).
    ///
    /// ## References
    /// - <https://cwe.mitre.org/data/definitions/22.html>
    pub struct EventDataToFilePath {
        code: "WD006",
        name: "event-data-to-file-path",
        risk: EventInjection,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Use only the base name of the value, or resolve the path and check that it stays in the intended folder.",
    }
}

impl CodeRule for EventDataToFilePath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        injection::check(SinkKind::FilePath, context, out);
    }
}
