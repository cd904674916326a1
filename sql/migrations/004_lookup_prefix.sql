-- 004_lookup_prefix.sql: the search key a look-up runs with is part of its question.

-- A search (and trending from a query) runs "{prefix}{N}:{q}": the same q under
-- another OFFLINETUBE_SEARCH_PREFIX is another question with another answer, so
-- the prefix joins the live and the cache indexes.  The worker runs the row with
-- this prefix, so an answer is always stored under the key it was made with.
-- '' when no search runs: info, and a URL, which is listed as it is.
ALTER TABLE lookups ADD COLUMN search_prefix TEXT NOT NULL DEFAULT '';

DROP INDEX lookups_live;
CREATE UNIQUE INDEX lookups_live ON lookups (kind, query, search_prefix, max_results)
	WHERE status IN ('pending', 'running');
DROP INDEX lookups_fresh;
CREATE INDEX lookups_fresh ON lookups (kind, query, search_prefix, max_results, expires_at)
	WHERE status = 'done';
