-- Version 4: a day tier beside the minute and hour rollups, maintained at ingest, so a
-- 7- or 30-day window reads about one row per function and day instead of 24. Buckets are
-- UTC days (Unix ms / 86 400 000). Existing hour rows are folded in by the store right
-- after this migration (sketches merge in Rust, not in SQL).
CREATE TABLE rollups_day (
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

-- An error group's occurrences over a window are counted by time.
CREATE INDEX error_occurrences_group_ts ON error_occurrences (fingerprint, ts);
