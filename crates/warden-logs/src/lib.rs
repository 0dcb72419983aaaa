/*!
Lambda log analytics: raw CloudWatch Logs in, a per-function picture out — invocations,
failure classes, cold starts, duration percentiles, cost, error groups and security events.

The pipeline has four stages, each usable alone (the `warden serve` ingest API feeds the
same code with event batches):

1. **Decode** ([`input`]): plain text, `get-log-events` / `filter-log-events` JSON,
   CloudWatch Logs subscription payloads (plain or gzip/zlib + base64), Firehose HTTP
   endpoint bodies, Telemetry API batches, NDJSON archives of any of these — all become
   [`LogEvent`]s (`timestamp_ms`, `message`, `log_group`, `log_stream`).
2. **Assemble** ([`Assembler`]): per log stream, `START` opens an invocation and `REPORT`
   closes it; each completed [`Invocation`] is classified ([`Outcome`]), priced, and emitted
   with its [`ErrorOccurrence`]s; [`SecurityEvent`]s are emitted as lines are read.
3. **Aggregate** ([`Aggregator`]): folds emitted items into a [`Report`], the JSON contract
   shared with the server's API.
4. **Render** ([`render`]): the terminal table and the one-line-per-invocation tail view.

[`Pipeline`] chains the first three.

```
use warden_logs::{AssemblerConfig, LogEvent, Outcome, Pipeline};

let mut pipeline = Pipeline::new(AssemblerConfig::default()).keep_emitted(true);
for message in [
    "START RequestId: 8f507cfc-0000-4697-b07a-ac58fc914c95 Version: $LATEST",
    "REPORT RequestId: 8f507cfc-0000-4697-b07a-ac58fc914c95\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tStatus: timeout",
] {
    pipeline.push(&LogEvent {
        timestamp_ms: Some(1_700_000_000_000),
        message,
        log_group: "/aws/lambda/checkout",
        log_stream: "2024/01/02/[$LATEST]0123456789abcdef0123456789abcdef",
        ..LogEvent::default()
    });
}
pipeline.finish();
let report = pipeline.report();
assert_eq!(report.functions[0].function, "checkout");
assert_eq!(report.functions[0].failures.timeout, 1);
# Ok::<(), Box<dyn std::error::Error>>(())
```
*/

pub mod aggregate;
pub mod assembler;
pub mod errors;
pub mod event;
pub mod fingerprint;
pub mod follow;
pub mod input;
pub mod invocation;
pub mod message;
pub mod metrics;
pub mod naming;
pub mod percentiles;
pub mod pipeline;
pub mod platform;
pub mod pricing;
pub mod render;
pub mod security;
pub mod time;

pub use aggregate::{Aggregator, ErrorGroup, Failures, FunctionSummary, Report, Totals};
pub use assembler::{Assembler, AssemblerConfig, AssemblerStats, Emitted};
pub use event::{EventSink, InputProblem, LogEvent, OwnedLogEvent};
pub use input::{decode_reader, SourceContext, StreamDecoder};
pub use invocation::{Amendment, ErrorOccurrence, ErrorRef, Invocation, Outcome};
pub use metrics::{MetricPoint, MetricStats};
pub use percentiles::{Method, Percentiles, Sketch};
pub use pipeline::Pipeline;
pub use pricing::{Architecture, CostModel};
pub use security::{SecurityEvent, SecurityScanner};
