-- Version 3: an invocation is stored as `warden_logs::Invocation` plus its row id.
-- Its identity is the engine's key (group, stream, request id, the time it opened), so
-- async retries that share a request id in one stream are separate invocations; amended
-- invocations are found by the same key.
ALTER TABLE invocations ADD COLUMN invocation_key TEXT;
ALTER TABLE invocations ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invocations ADD COLUMN proactive_init INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invocations ADD COLUMN alias TEXT;
ALTER TABLE invocations ADD COLUMN account TEXT;
ALTER TABLE invocations ADD COLUMN region TEXT;
ALTER TABLE invocations ADD COLUMN error_group_type TEXT;
UPDATE invocations SET invocation_key = 'v2:' || id WHERE invocation_key IS NULL;
DROP INDEX IF EXISTS invocations_identity;
CREATE UNIQUE INDEX invocations_key ON invocations (invocation_key);
CREATE INDEX invocations_request ON invocations (request_id);
-- Every ingest endpoint now records a delivery key per request; the daily prune of old
-- keys reads them by time.
CREATE INDEX ingest_requests_received ON ingest_requests (received_at);
