-- Version 8: invocations whose Max Memory Used reached Memory Size (`memory_at_limit` in
-- `warden logs`), counted in every rollup tier. Rows written before count none.
ALTER TABLE rollups_minute ADD COLUMN memory_at_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollups_hour ADD COLUMN memory_at_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollups_day ADD COLUMN memory_at_limit INTEGER NOT NULL DEFAULT 0;
