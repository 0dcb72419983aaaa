//! What the eight injection rules share: each reports the paths that reach its kind of sink,
//! with the severity of the most exposed way into the function.

use crate::context::Context;
use crate::rules::{FindingExt, Reporter};
use crate::table::SinkKind;

pub fn check(kind: SinkKind, context: &Context<'_>, out: &mut Reporter) {
    for hit in context.findings.sinks.iter().filter(|hit| hit.kind == kind) {
        let Some(sink) = hit.steps.last() else {
            continue;
        };
        let source = hit.steps.first().map_or("", |step| step.note.as_str());
        let source = source
            .split('`')
            .nth(1)
            .map(|s| format!("`{s}`"))
            .unwrap_or_else(|| "event data".into());
        let exposure = &context.exposure;
        let message = format!(
            "{source} reaches {} in `{}` ({}); `{}` is reached by {}",
            hit.sink,
            context.handler_name,
            kind.describe(),
            context.function_name,
            exposure.description
        );
        let path = hit.steps.iter().map(|step| context.step(step)).collect();
        out.report(context.span(sink.loc), message)
            .severity(exposure.severity)
            .path(path)
            .related(
                exposure.span,
                format!("reached by {}", exposure.description),
            );
    }
}
