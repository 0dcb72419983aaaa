//! The OpenAPI 3.1 description of the API, served at `/api/openapi.json`. Written by hand
//! next to the routes in `server.rs`; a test checks that every route is described.

use axum::Json;
use serde_json::{json, Value};

use crate::auth::ReadAccess;

fn window_params() -> Value {
    json!([
        { "name": "from", "in": "query", "schema": { "type": "string" }, "description": "RFC 3339 or Unix ms; default: 24 h before `to`" },
        { "name": "to", "in": "query", "schema": { "type": "string" }, "description": "RFC 3339 or Unix ms; default: now" }
    ])
}

fn param(name: &str, location: &str, kind: &str, description: &str) -> Value {
    json!({ "name": name, "in": location, "required": location == "path", "schema": { "type": kind }, "description": description })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({
        "200": { "description": description, "content": { "application/json": { "schema": schema } } },
        "400": { "$ref": "#/components/responses/Error" },
        "401": { "$ref": "#/components/responses/Error" },
        "429": { "$ref": "#/components/responses/Error" }
    })
}

fn with(mut params: Value, extra: Vec<Value>) -> Value {
    if let Some(list) = params.as_array_mut() {
        list.extend(extra);
    }
    params
}

pub fn spec() -> Value {
    let obj = |props: Value| json!({ "type": "object", "properties": props });
    let list_of = |key: &str, item: Value| json!({ "type": "object", "properties": { key: { "type": "array", "items": item } } });
    let ingest_ok = json!({ "200": { "description": "committed", "content": { "application/json": { "schema": obj(json!({ "accepted": { "type": "integer" }, "duplicate": { "type": "boolean" } })) } } },
        "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" },
        "408": { "$ref": "#/components/responses/Error" }, "413": { "$ref": "#/components/responses/Error" }, "415": { "$ref": "#/components/responses/Error" },
        "429": { "$ref": "#/components/responses/Error" }, "503": { "description": "busy (ingest slots, decoders or ingest memory full): retry after `Retry-After` seconds", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } });
    let ingest_security = json!([{ "ingestKey": [] }]);
    let admin = json!([{ "bearer": [] }, { "session": [] }]);
    let rule_id = param("id", "path", "integer", "rule id");
    let fingerprint = param("fingerprint", "path", "string", "error group fingerprint");
    let aggregate = || {
        json!({ "count": { "type": "integer" }, "sum": { "type": "number" }, "min": { "type": "number" },
                "max": { "type": "number" }, "average": { "type": "number" } })
    };
    let mut metric = aggregate();
    metric["namespace"] = json!({ "type": "string" });
    metric["name"] = json!({ "type": "string" });
    metric["unit"] = json!({ "type": ["string", "null"] });
    metric["dimensions"] =
        json!({ "type": "object", "additionalProperties": { "type": "string" } });
    let mut point = aggregate();
    point["start"] = json!({ "type": "string" });
    metric["points"] = json!({ "type": "array", "items": obj(point) });
    let custom_metrics = obj(
        json!({ "function": { "type": "string" }, "step_seconds": { "type": "integer" },
        "truncated": { "type": "boolean" }, "metrics": { "type": "array", "items": obj(metric) } }),
    );
    let dashboard = dashboard_paths(&admin);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "Warden server API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Lambda log ingest, per-function health, failures, cold starts, cost, error groups, security events and alerts. Read endpoints need a read or admin token (Bearer) or a dashboard session; changes need admin (and X-CSRF-Token with a session). Errors are {\"error\": {\"code\", \"message\"}}." },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": "warden_session" },
                "ingestKey": { "type": "http", "scheme": "bearer", "description": "ingest key; Firehose sends it as X-Amz-Firehose-Access-Key" },
                "firehoseKey": { "type": "apiKey", "in": "header", "name": "X-Amz-Firehose-Access-Key" }
            },
            "responses": {
                "Error": { "description": "error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            },
            "schemas": {
                "Error": obj(json!({ "error": obj(json!({ "code": { "type": "string" }, "message": { "type": "string" } })) })),
                "Failures": obj(json!({ "error": { "type": "integer" }, "timeout": { "type": "integer" }, "out_of_memory": { "type": "integer" }, "init_error": { "type": "integer" }, "crash": { "type": "integer" } })),
                "FunctionSummary": obj(json!({
                    "function": { "type": "string" }, "log_group": { "type": "string" }, "invocations": { "type": "integer" },
                    "failures": { "$ref": "#/components/schemas/Failures" }, "cold_starts": { "type": "integer" }, "snapstart_restores": { "type": "integer" },
                    "incomplete": { "type": "integer" },
                    "duration_ms": obj(json!({ "p50": { "type": ["number", "null"] }, "p95": { "type": ["number", "null"] }, "p99": { "type": ["number", "null"] }, "max": { "type": ["number", "null"] } })),
                    "percentiles": { "enum": ["exact", "sketch"] }, "billed_duration_ms_total": { "type": "integer" },
                    "max_memory_used_mb": { "type": ["integer", "null"] }, "memory_size_mb": { "type": ["integer", "null"] }, "cost_usd": { "type": "number" }
                })),
                "Invocation": obj(json!({
                    "id": { "type": "integer" },
                    "key": { "type": "string", "description": "the engine's identity of the invocation (group, stream, request id, when it opened): retries of a request id are separate invocations" },
                    "revision": { "type": "integer", "description": "0 when first stored; one more for each late line that changed it" },
                    "function": { "type": "string" }, "log_group": { "type": "string" }, "log_stream": { "type": "string" },
                    "request_id": { "type": "string" }, "start": { "type": ["string", "null"] }, "end": { "type": ["string", "null"] },
                    "outcome": { "enum": ["success", "error", "timeout", "out_of_memory", "init_error", "crash"] }, "complete": { "type": "boolean" },
                    "cold_start": { "type": "boolean" }, "duration_ms": { "type": ["number", "null"] }, "billed_duration_ms": { "type": ["integer", "null"] },
                    "cost_usd": { "type": ["number", "null"] }, "error": { "type": ["object", "null"] }
                })),
                "ErrorGroup": obj(json!({
                    "fingerprint": { "type": "string" }, "function": { "type": "string" }, "error_type": { "type": "string" }, "message": { "type": "string" },
                    "masked_message": { "type": "string" }, "count": { "type": "integer" }, "unhandled": { "type": "integer" },
                    "first_seen": { "type": ["string", "null"] }, "last_seen": { "type": ["string", "null"] },
                    "frames": { "type": "array", "items": { "type": "string" } }, "sample_stack": { "type": "array", "items": { "type": "string" } },
                    "status": { "enum": ["open", "resolved", "muted"] }, "resolved_at": { "type": ["string", "null"] }, "regressions": { "type": "integer" }
                })),
                "SecurityEvent": obj(json!({ "id": { "type": "integer" }, "risk": { "type": "string" }, "kind": { "type": "string" }, "function": { "type": "string" },
                    "request_id": { "type": ["string", "null"] }, "timestamp": { "type": ["string", "null"] }, "detail": { "type": "string" } })),
                "AlertRuleSpec": {
                    "type": "object", "required": ["name", "condition"],
                    "properties": {
                        "name": { "type": "string" },
                        "condition": { "type": "object", "required": ["kind"], "properties": {
                            "kind": { "enum": ["failure_count", "failure_rate", "duration_p95", "duration_p99", "cold_start_rate", "cost", "invocation_spike", "new_error_group", "security_event"] },
                            "class": { "enum": ["error", "timeout", "out_of_memory", "init_error", "crash"] },
                            "risk": { "type": "string" }, "baseline_seconds": { "type": "integer" }, "min_invocations": { "type": "integer" } } },
                        "functions": { "type": "string", "description": "name or glob" },
                        "window_seconds": { "type": "integer", "minimum": 60 }, "threshold": { "type": "number", "minimum": 0 },
                        "cooldown_seconds": { "type": "integer" }, "enabled": { "type": "boolean" },
                        "channels": { "type": "array", "items": { "type": "object", "required": ["type"], "properties": {
                            "type": { "enum": ["webhook", "slack", "email"] }, "url": { "type": "string" }, "secret": { "type": "string" },
                            "to": { "type": "array", "items": { "type": "string" } } } } }
                    }
                },
                "AlertRule": { "allOf": [{ "$ref": "#/components/schemas/AlertRuleSpec" }, obj(json!({ "id": { "type": "integer" }, "state": { "enum": ["ok", "firing", "resolved"] }, "last_value": { "type": ["number", "null"] } }))] }
            }
        },
        "security": [{ "bearer": [] }, { "session": [] }],
        "webhooks": {
            "alertNotification": { "post": {
                "summary": "what a `webhook` alert channel receives on each state change (firing, resolved)",
                "description": "Signed with HMAC-SHA256 under the channel's `secret`. `X-Warden-Timestamp` is the notification time in Unix seconds; `X-Warden-Signature` is `sha256=` followed by the lowercase hex HMAC-SHA256 of the timestamp, a `.`, and the raw request body (`timestamp + \".\" + body`). To verify: recompute it over the raw bytes as received, compare in constant time, and reject timestamps more than 5 minutes from your clock (replays). A failed delivery (network error, 5xx, 408, 429) is retried with backoff; each attempt is in the alert history.",
                "parameters": [
                    param("X-Warden-Timestamp", "header", "string", "Unix seconds; signed"),
                    param("X-Warden-Signature", "header", "string", "sha256=<hex HMAC-SHA256(secret, timestamp + \".\" + body)>")
                ],
                "requestBody": { "content": { "application/json": { "schema": obj(json!({
                    "rule_id": { "type": "integer" }, "rule_name": { "type": "string" }, "state": { "enum": ["firing", "resolved"] },
                    "value": { "type": ["number", "null"] }, "threshold": { "type": "number" }, "message": { "type": "string" },
                    "functions": { "type": "array", "items": { "type": "string" } }, "at_ms": { "type": "string", "description": "RFC 3339" } })) } } },
                "responses": { "200": { "description": "any 2xx acknowledges the notification" } }
            } }
        },
        "paths": {
            "/ingest/firehose": { "post": { "summary": "Kinesis Data Firehose HTTP endpoint delivery", "security": [{ "firehoseKey": [] }],
                "parameters": [param("X-Amz-Firehose-Request-Id", "header", "string", "delivery id (deduplicates retries)")],
                "requestBody": { "content": { "application/json": { "schema": obj(json!({ "requestId": { "type": "string" }, "timestamp": { "type": "integer" }, "records": { "type": "array", "items": obj(json!({ "data": { "type": "string" } })) } })) } } },
                "responses": { "200": { "description": "committed", "content": { "application/json": { "schema": obj(json!({ "requestId": { "type": "string" }, "timestamp": { "type": "integer" } })) } } },
                               "503": { "description": "busy: Firehose retries; `Retry-After` says when", "content": { "application/json": { "schema": obj(json!({ "requestId": { "type": "string" }, "timestamp": { "type": "integer" }, "errorMessage": { "type": "string" } })) } } },
                               "default": { "description": "failure", "content": { "application/json": { "schema": obj(json!({ "requestId": { "type": "string" }, "timestamp": { "type": "integer" }, "errorMessage": { "type": "string" } })) } } } } } },
            "/ingest/cloudwatch": { "post": { "summary": "CloudWatch Logs subscription event from a forwarder", "security": ingest_security, "responses": ingest_ok } },
            "/ingest/telemetry": { "post": { "summary": "Lambda Telemetry API batch", "security": ingest_security,
                "parameters": [param("function", "query", "string", "function name"), param("stream", "query", "string", "sandbox / stream id")], "responses": ingest_ok } },
            "/ingest/lines": { "post": { "summary": "NDJSON of {timestamp, message, log_group, log_stream, id?}; a line whose id its stream has seen, or a body sent before, is stored once", "security": ingest_security, "responses": ingest_ok } },
            "/api/openapi.json": { "get": { "summary": "this document", "responses": ok("OpenAPI document", json!({ "type": "object" })) } },
            "/api/v1/status": { "get": { "summary": "store and pipeline counters; with --poll, per log group: API calls, events read, lag, last notice", "responses": ok("status", json!({ "type": "object" })) } },
            "/api/v1/functions": { "get": { "summary": "per-function summaries (the `warden logs` contract) over a window", "parameters": window_params(),
                "responses": ok("functions", obj(json!({ "from": { "type": "string" }, "to": { "type": "string" }, "functions": { "type": "array", "items": { "$ref": "#/components/schemas/FunctionSummary" } } }))) } },
            "/api/v1/functions/{function}/series": { "get": { "summary": "a function's time series",
                "parameters": with(window_params(), vec![param("function", "path", "string", "function name"), param("step", "query", "integer", "seconds per point, a multiple of 60")]),
                "responses": ok("series", json!({ "type": "object" })) } },
            "/api/v1/functions/{function}/metrics": { "get": { "summary": "a function's custom metrics from Embedded Metric Format documents: per namespace, name and dimension set, count/sum/min/max/average over the window and per bucket that holds values; at most 100 series (`truncated` says when more exist)",
                "parameters": with(window_params(), vec![param("function", "path", "string", "function name"), param("step", "query", "integer", "seconds per point, a multiple of 60")]),
                "responses": ok("custom metrics", custom_metrics) } },
            "/api/v1/invocations": { "get": { "summary": "invocation search",
                "parameters": with(window_params(), vec![param("function", "query", "string", ""), param("outcome", "query", "string", "success, failure or a class"),
                    param("request_id", "query", "string", ""), param("text", "query", "string", "words in the invocation's log lines (full-text: every word, `word*` for a prefix, `\"two words\"` for a phrase)"), param("cold_start", "query", "boolean", ""), param("limit", "query", "integer", "1..1000")]),
                "responses": ok("invocations", list_of("invocations", json!({ "$ref": "#/components/schemas/Invocation" }))) } },
            "/api/v1/lines": { "get": { "summary": "log line search (secrets redacted); `text` uses the full-text index: every word must occur, `word*` is a prefix, `\"two words\"` is a phrase (next to each other, in order), platform lines (START/END/REPORT…) are not indexed; newest first",
                "parameters": with(window_params(), vec![param("function", "query", "string", ""), param("request_id", "query", "string", ""), param("text", "query", "string", "words"),
                    param("outcome", "query", "string", "lines of invocations that ended so: success, failure or a class"), param("limit", "query", "integer", "")]),
                "responses": ok("lines", json!({ "type": "object" })) } },
            "/api/v1/error-groups": { "get": { "summary": "error groups",
                "parameters": with(window_params(), vec![param("function", "query", "string", ""), param("status", "query", "string", "open, resolved, muted"), param("limit", "query", "integer", "")]),
                "responses": ok("groups", list_of("error_groups", json!({ "$ref": "#/components/schemas/ErrorGroup" }))) } },
            "/api/v1/error-groups/{fingerprint}": { "get": { "summary": "an error group with its stack and occurrences", "parameters": [fingerprint.clone()], "responses": ok("group", json!({ "$ref": "#/components/schemas/ErrorGroup" })) } },
            "/api/v1/error-groups/{fingerprint}/resolve": { "post": { "summary": "resolve (a newer occurrence reopens it as a regression)", "security": admin.clone(), "parameters": [fingerprint.clone()], "responses": ok("status", json!({ "type": "object" })) } },
            "/api/v1/error-groups/{fingerprint}/mute": { "post": { "summary": "mute (no alerts)", "security": admin.clone(), "parameters": [fingerprint.clone()], "responses": ok("status", json!({ "type": "object" })) } },
            "/api/v1/error-groups/{fingerprint}/reopen": { "post": { "summary": "reopen", "security": admin.clone(), "parameters": [fingerprint], "responses": ok("status", json!({ "type": "object" })) } },
            "/api/v1/security-events": { "get": { "summary": "security events",
                "parameters": with(window_params(), vec![param("function", "query", "string", ""), param("risk", "query", "string", "risk slug"), param("limit", "query", "integer", "")]),
                "responses": ok("events", list_of("security_events", json!({ "$ref": "#/components/schemas/SecurityEvent" }))) } },
            "/api/v1/alerts/rules": {
                "get": { "summary": "alert rules (channel secrets redacted)", "responses": ok("rules", list_of("rules", json!({ "$ref": "#/components/schemas/AlertRule" }))) },
                "post": { "summary": "create a rule", "security": admin.clone(), "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AlertRuleSpec" } } } },
                          "responses": { "201": { "description": "created", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AlertRule" } } } }, "400": { "$ref": "#/components/responses/Error" } } } },
            "/api/v1/alerts/rules/{id}": {
                "get": { "summary": "a rule", "parameters": [rule_id.clone()], "responses": ok("rule", json!({ "$ref": "#/components/schemas/AlertRule" })) },
                "put": { "summary": "replace a rule (`[redacted]` keeps a stored secret)", "security": admin.clone(), "parameters": [rule_id.clone()],
                         "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AlertRuleSpec" } } } }, "responses": ok("rule", json!({ "$ref": "#/components/schemas/AlertRule" })) },
                "delete": { "summary": "delete a rule and its history", "security": admin, "parameters": [rule_id], "responses": { "204": { "description": "deleted" }, "404": { "$ref": "#/components/responses/Error" } } } },
            "/api/v1/alerts/history": { "get": { "summary": "state changes with deliveries", "parameters": [param("rule_id", "query", "integer", ""), param("limit", "query", "integer", "")],
                "responses": ok("history", json!({ "type": "object" })) } }
        }
    });
    if let (Some(paths), Value::Object(more)) = (doc["paths"].as_object_mut(), dashboard) {
        paths.extend(more);
    }
    doc
}

/// The dashboard's endpoints (overview, drill-down, groups, preview, posture), added to
/// the document's paths by [`spec`].
fn dashboard_paths(admin: &Value) -> Value {
    let obj = |props: Value| json!({ "type": "object", "properties": props });
    let list_of = |key: &str, item: Value| json!({ "type": "object", "properties": { key: { "type": "array", "items": item } } });
    json!({
            "/api/v1/overview": { "get": { "summary": "the dashboard's overview in one request: totals, every function's summary with `security_events` and a `sparkline` ({invocations, failures} per `step_seconds` from `sparkline_start`)", "parameters": window_params(),
                "responses": ok("overview", obj(json!({ "totals": { "type": "object" }, "step_seconds": { "type": "integer" }, "sparkline_start": { "type": "string" }, "functions": { "type": "array", "items": { "$ref": "#/components/schemas/FunctionSummary" } } }))) } },
            "/api/v1/invocations/{id}": { "get": { "summary": "one invocation: the record, its log lines, a timeline (init, restore, duration, billed), memory and its error with the stack",
                "parameters": [param("id", "path", "integer", "invocation id (from /api/v1/invocations)")],
                "responses": ok("invocation", obj(json!({ "invocation": { "$ref": "#/components/schemas/Invocation" }, "timeline": { "type": "object" }, "memory": { "type": "object" }, "error": { "type": ["object", "null"] }, "lines": { "type": "array" } }))) } },
            "/api/v1/security-groups": { "get": { "summary": "security events grouped by kind × function over the window: count, first and last seen, the latest as a sample",
                "parameters": with(window_params(), vec![param("function", "query", "string", ""), param("limit", "query", "integer", "groups, 1..1000")]),
                "responses": ok("groups", list_of("security_groups", json!({ "type": "object" }))) } },
            "/api/v1/error-groups/{fingerprint}/occurrences": { "get": { "summary": "an error group's occurrences over the window: counts per step and the latest occurrences",
                "parameters": with(window_params(), vec![param("fingerprint", "path", "string", "error group fingerprint"), param("limit", "query", "integer", "")]),
                "responses": ok("occurrences", obj(json!({ "total": { "type": "integer" }, "counts": { "type": "array", "items": { "type": "integer" } }, "occurrences": { "type": "array" } }))) } },
            "/api/v1/alerts/preview": { "post": { "summary": "what a rule would have done over the past day, replayed as the engine evaluates it: at its alert interval, over the rule's sliding window (admin)", "security": admin,
                "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AlertRuleSpec" } } } },
                "responses": ok("preview", obj(json!({ "fired": { "type": "integer" }, "evaluations": { "type": "integer" }, "step_seconds": { "type": "integer" }, "events": { "type": "array" }, "values": { "type": "array" } }))) } },
            "/api/v1/findings": {
                "get": { "summary": "uploaded posture findings with the function each is matched to", "parameters": [param("stack", "query", "string", ""), param("function", "query", "string", "")],
                         "responses": ok("findings", list_of("findings", json!({ "type": "object" }))) },
                "post": { "summary": "upload `warden scan --format json` or SARIF output for a stack/service (admin); replaces that stack's findings. Body: {stack, report, mapping?: {logical id or resource → function name}}", "security": admin,
                          "requestBody": { "content": { "application/json": { "schema": obj(json!({ "stack": { "type": "string" }, "report": { "type": "object" }, "mapping": { "type": "object" } })) } } },
                          "responses": ok("stored", obj(json!({ "findings": { "type": "integer" }, "matched": { "type": "integer" }, "unmatched": { "type": "integer" }, "functions": { "type": "array" } }))) } },
            "/api/v1/functions/{function}/posture": { "get": { "summary": "a function's findings beside its runtime picture (security events in the window) and what they add up to",
                "parameters": with(window_params(), vec![param("function", "path", "string", "function name")]),
                "responses": ok("posture", obj(json!({ "findings": { "type": "array" }, "runtime": { "type": "array" }, "highlights": { "type": "array", "items": { "type": "string" } } }))) } }
    })
}

pub async fn document(_: ReadAccess) -> Json<Value> {
    Json(spec())
}
