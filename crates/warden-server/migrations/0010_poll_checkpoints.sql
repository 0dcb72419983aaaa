-- Version 9: where `warden serve --poll` is in each CloudWatch Logs group. Written in the
-- same transaction as the lines they cover, so a restart (even after SIGKILL) resumes with
-- no gap and no duplicate.
CREATE TABLE poll_checkpoints (
    log_group TEXT PRIMARY KEY,
    -- The newest event time read (NULL: nothing read yet).
    newest_ms INTEGER,
    -- The next FilterLogEvents starts here (inclusive): the newest time minus the overlap
    -- that catches CloudWatch's ingestion delay.
    resume_from_ms INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The event ids read at or after a group's `resume_from_ms`: what the overlap re-reads
-- and must not store twice. Ids older than the resume point are deleted with each write.
CREATE TABLE poll_seen (
    log_group TEXT NOT NULL,
    event_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (log_group, event_id)
) WITHOUT ROWID;
CREATE INDEX poll_seen_time ON poll_seen (log_group, ts);
