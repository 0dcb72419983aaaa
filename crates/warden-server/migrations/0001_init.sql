-- Warden server schema, version 1.
-- Timestamps are Unix milliseconds (event time unless named `*_at`, which is server time).

-- Raw accepted log lines (secrets redacted): searchable, and the durability log that
-- rebuilds the assembler's open state after a restart. `id` is assigned by the ingest
-- pipeline in arrival order.
CREATE TABLE log_lines (
    id          INTEGER PRIMARY KEY,
    ts          INTEGER,
    received_at INTEGER NOT NULL,
    log_group   TEXT NOT NULL,
    log_stream  TEXT NOT NULL,
    function    TEXT NOT NULL,
    request_id  TEXT,
    message     TEXT NOT NULL
);
CREATE INDEX log_lines_function_ts ON log_lines (function, ts);
CREATE INDEX log_lines_request ON log_lines (request_id) WHERE request_id IS NOT NULL;

-- Streams whose assembly state is not closed: on restart, their lines from `replay_from`
-- on are fed to a fresh assembler.
CREATE TABLE open_streams (
    log_group   TEXT NOT NULL,
    log_stream  TEXT NOT NULL,
    replay_from INTEGER NOT NULL,
    PRIMARY KEY (log_group, log_stream)
) WITHOUT ROWID;

-- Delivery ids already committed (Firehose retries reuse theirs).
CREATE TABLE ingest_requests (
    request_key TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE invocations (
    id                  INTEGER PRIMARY KEY,
    function            TEXT NOT NULL,
    log_group           TEXT NOT NULL,
    log_stream          TEXT NOT NULL,
    request_id          TEXT NOT NULL,
    ts                  INTEGER NOT NULL,
    start_ms            INTEGER,
    end_ms              INTEGER,
    outcome             TEXT NOT NULL,
    complete            INTEGER NOT NULL,
    cold_start          INTEGER NOT NULL,
    snapstart_restore   INTEGER NOT NULL,
    duration_ms         REAL,
    billed_duration_ms  INTEGER,
    memory_size_mb      INTEGER,
    max_memory_used_mb  INTEGER,
    init_duration_ms    REAL,
    restore_duration_ms REAL,
    status              TEXT,
    error_type          TEXT,
    version             TEXT,
    xray_trace_id       TEXT,
    cost_usd            REAL,
    lines               INTEGER NOT NULL,
    error_fingerprint   TEXT,
    error_message       TEXT
);
CREATE UNIQUE INDEX invocations_identity ON invocations (request_id, log_stream, log_group);
CREATE INDEX invocations_function_ts ON invocations (function, ts);

-- Per function and minute (and hour, for long windows): what the charts and the
-- functions endpoint read. `duration_sketch` is a log-bucket sketch (see sketch.rs).
CREATE TABLE rollups_minute (
    function           TEXT NOT NULL,
    bucket             INTEGER NOT NULL,
    log_group          TEXT NOT NULL,
    invocations        INTEGER NOT NULL,
    error              INTEGER NOT NULL,
    timeout            INTEGER NOT NULL,
    out_of_memory      INTEGER NOT NULL,
    init_error         INTEGER NOT NULL,
    crash              INTEGER NOT NULL,
    cold_starts        INTEGER NOT NULL,
    snapstart_restores INTEGER NOT NULL,
    incomplete         INTEGER NOT NULL,
    billed_ms          INTEGER NOT NULL,
    cost_usd           REAL NOT NULL,
    max_memory_used_mb INTEGER,
    memory_size_mb     INTEGER,
    duration_max_ms    REAL,
    duration_sketch    BLOB NOT NULL,
    PRIMARY KEY (function, bucket)
) WITHOUT ROWID;
CREATE TABLE rollups_hour (
    function           TEXT NOT NULL,
    bucket             INTEGER NOT NULL,
    log_group          TEXT NOT NULL,
    invocations        INTEGER NOT NULL,
    error              INTEGER NOT NULL,
    timeout            INTEGER NOT NULL,
    out_of_memory      INTEGER NOT NULL,
    init_error         INTEGER NOT NULL,
    crash              INTEGER NOT NULL,
    cold_starts        INTEGER NOT NULL,
    snapstart_restores INTEGER NOT NULL,
    incomplete         INTEGER NOT NULL,
    billed_ms          INTEGER NOT NULL,
    cost_usd           REAL NOT NULL,
    max_memory_used_mb INTEGER,
    memory_size_mb     INTEGER,
    duration_max_ms    REAL,
    duration_sketch    BLOB NOT NULL,
    PRIMARY KEY (function, bucket)
) WITHOUT ROWID;

CREATE TABLE error_groups (
    fingerprint    TEXT PRIMARY KEY,
    function       TEXT NOT NULL,
    error_type     TEXT NOT NULL,
    message        TEXT NOT NULL,
    masked_message TEXT NOT NULL,
    count          INTEGER NOT NULL,
    unhandled      INTEGER NOT NULL,
    first_seen     INTEGER,
    last_seen      INTEGER,
    frames         TEXT NOT NULL,
    sample_stack   TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open',
    resolved_at    INTEGER,
    regressions    INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX error_groups_created ON error_groups (created_at);

CREATE TABLE error_occurrences (
    id             INTEGER PRIMARY KEY,
    occurrence_key TEXT NOT NULL UNIQUE,
    fingerprint    TEXT NOT NULL,
    function       TEXT NOT NULL,
    request_id     TEXT,
    ts             INTEGER,
    error_type     TEXT NOT NULL,
    message        TEXT NOT NULL,
    stack          TEXT NOT NULL,
    unhandled      INTEGER NOT NULL
);
CREATE INDEX error_occurrences_group ON error_occurrences (fingerprint, id);

CREATE TABLE security_events (
    id          INTEGER PRIMARY KEY,
    event_key   TEXT NOT NULL UNIQUE,
    risk        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    function    TEXT NOT NULL,
    request_id  TEXT,
    ts          INTEGER,
    detail      TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX security_events_ts ON security_events (ts);

CREATE TABLE alert_rules (
    id          INTEGER PRIMARY KEY,
    spec        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'ok',
    last_value  REAL,
    last_notified_at INTEGER,
    cursor_at   INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE alert_events (
    id        INTEGER PRIMARY KEY,
    rule_id   INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    state     TEXT NOT NULL,
    value     REAL,
    message   TEXT NOT NULL,
    deliveries TEXT NOT NULL
);
CREATE INDEX alert_events_rule ON alert_events (rule_id, id);
