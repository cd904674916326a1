-- 006_lookup_bytes.sql: the look-up cache is bounded in bytes, not only in rows.

-- The size of each stored answer, so the worker can keep the newest answers
-- that fit a budget without reading the answers themselves.
ALTER TABLE lookups ADD COLUMN answer_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE lookups SET answer_bytes = length(CAST(answer AS BLOB))
	WHERE answer IS NOT NULL;

-- What the prunes read, from the index alone: in the table these columns sit
-- after the answer, and reaching them would read every answer's pages.  It
-- begins as lookups_claim did, which it replaces.
CREATE INDEX lookups_kept ON lookups (status, id, answer_bytes, expires_at, created_at);
DROP INDEX lookups_claim;
