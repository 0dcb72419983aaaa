-- Version 2: raw lines are no longer indexed by request id. Those inserts landed at random
-- places in the index (request ids are random) and cost a sixth of the ingest rate; an
-- invocation's lines are found through the invocation instead (function + time range,
-- then filtered by request id), see `SqliteStore::search_lines`.
DROP INDEX IF EXISTS log_lines_request;
