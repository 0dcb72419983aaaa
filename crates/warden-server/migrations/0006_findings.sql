-- Version 6: posture findings uploaded from `warden scan` (JSON or SARIF), per stack or
-- service. An upload replaces its stack's findings. `mapped_function` is the function an
-- explicit mapping in the upload named for the finding's resource; other findings are
-- matched to functions when read (by physical name or template logical id), so functions
-- that start logging after the upload match too.
CREATE TABLE findings (
    id              INTEGER PRIMARY KEY,
    stack           TEXT NOT NULL,
    rule_id         TEXT NOT NULL,
    name            TEXT,
    severity        TEXT NOT NULL,
    risk            TEXT,
    message         TEXT NOT NULL,
    file            TEXT,
    line            INTEGER,
    resource        TEXT,
    resource_type   TEXT,
    mapped_function TEXT,
    uploaded_at     INTEGER NOT NULL
);
CREATE INDEX findings_stack ON findings (stack);
