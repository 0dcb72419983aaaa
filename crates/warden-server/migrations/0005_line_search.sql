-- Version 5: full-text search over stored lines (SQLite FTS5). Contentless with
-- `contentless_delete` so the text is not stored twice and retention can delete by rowid;
-- the rowid is `log_lines.id`, and a search joins back to `log_lines` for the message.
-- Platform lines (START/END/REPORT/INIT_*/platform.*) are not indexed: the store decides
-- which lines to index at insert (see `SqliteStore::write_batch`), and the backfill below
-- uses the same prefixes. Prefix indexes of 2 and 3 characters keep `time*`-style queries fast.
CREATE VIRTUAL TABLE log_lines_fts USING fts5(
    message,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61',
    prefix = '2 3'
);
CREATE TRIGGER log_lines_fts_delete AFTER DELETE ON log_lines BEGIN
    DELETE FROM log_lines_fts WHERE rowid = old.id;
END;
INSERT INTO log_lines_fts (rowid, message)
    SELECT id, message FROM log_lines
    WHERE NOT (message GLOB 'START RequestId:*' OR message GLOB 'END RequestId:*'
        OR message GLOB 'REPORT RequestId:*' OR message GLOB 'INIT_START*'
        OR message GLOB 'INIT_REPORT*' OR message GLOB 'RESTORE_START*'
        OR message GLOB 'RESTORE_REPORT*' OR message GLOB 'EXTENSION*'
        OR message GLOB 'TELEMETRY*' OR message GLOB 'XRAY TraceId*'
        OR message GLOB '{*"platform.*');
