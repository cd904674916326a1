-- 014_cookies.sql: a look-up made with an owner's cookies answers that owner only.

-- The key (api_keys.id; 0 when keys are off) whose cookies the look-up runs
-- with, or -1 for none.  A look-up without cookies is anyone's, as before;
-- one with cookies may hold what only a signed-in owner may see, so it is
-- found again only by the same owner asking with cookies.  The owner joins
-- the live and the cache indexes: an answer is always stored under the
-- cookies it was made with.
ALTER TABLE lookups ADD COLUMN cookie_owner INTEGER NOT NULL DEFAULT -1;

DROP INDEX lookups_live;
CREATE UNIQUE INDEX lookups_live ON lookups
	(kind, query, search_prefix, max_results, cookie_owner)
	WHERE status IN ('pending', 'running');
DROP INDEX lookups_fresh;
CREATE INDEX lookups_fresh ON lookups
	(kind, query, search_prefix, max_results, cookie_owner, expires_at)
	WHERE status = 'done';
