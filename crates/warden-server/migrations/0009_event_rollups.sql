-- Version 9: security events and error occurrences rolled up per hour and per UTC day at
-- ingest (in the commit that stores them), so a window's security groups and error-group
-- counts read whole days and hours from here and only the ragged ends (under an hour
-- each) from the raw tables: a 30-day window costs about functions x kinds x 30 rows, not
-- one row per event. `width` is the bucket width in ms (3 600 000 or 86 400 000) and
-- `bucket` the event time divided by it, rounded down. Events without a time match no
-- window and are not rolled up.
CREATE TABLE security_rollups (
    width     INTEGER NOT NULL,
    bucket    INTEGER NOT NULL,
    function  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    risk      TEXT NOT NULL,
    count     INTEGER NOT NULL,
    first_ts  INTEGER NOT NULL,
    last_ts   INTEGER NOT NULL,
    -- The newest event (highest id) of the bucket: a group's sample.
    latest_id INTEGER NOT NULL,
    PRIMARY KEY (width, bucket, function, kind, risk)
) WITHOUT ROWID;

CREATE TABLE error_rollups (
    width       INTEGER NOT NULL,
    bucket      INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (width, bucket, fingerprint)
) WITHOUT ROWID;

INSERT INTO security_rollups (width, bucket, function, kind, risk, count, first_ts, last_ts, latest_id)
    SELECT w.width, (ts - (ts < 0) * (w.width - 1)) / w.width, function, kind, risk,
           COUNT(*), MIN(ts), MAX(ts), MAX(id)
    FROM security_events, (SELECT 3600000 AS width UNION ALL SELECT 86400000) AS w
    WHERE ts IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5;

INSERT INTO error_rollups (width, bucket, fingerprint, count)
    SELECT w.width, (ts - (ts < 0) * (w.width - 1)) / w.width, fingerprint, COUNT(*)
    FROM error_occurrences, (SELECT 3600000 AS width UNION ALL SELECT 86400000) AS w
    WHERE ts IS NOT NULL
    GROUP BY 1, 2, 3;

-- The CloudWatch event id of a stored line (when its source has one), so the ids of
-- recent lines can be remembered again after a restart and a re-delivered event is still
-- recognised (the assembler's de-duplication window is otherwise in memory only).
ALTER TABLE log_lines ADD COLUMN event_id TEXT;

-- The ragged ends of a window count occurrences by time.
CREATE INDEX error_occurrences_ts ON error_occurrences (ts);
