-- 002_lookups.sql: search, trending and info look-ups, which double as their cache.

-- The API inserts a look-up (or finds a fresh answer, or one already running);
-- the worker runs yt-dlp for it in its own lane and writes the answer back.
CREATE TABLE lookups (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('search', 'trending', 'info')),
	query		TEXT NOT NULL,		-- normalised query or URL; '' for trending
	max_results	INTEGER NOT NULL DEFAULT 0,	-- 0 for info
	status		TEXT NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'running', 'done', 'error')),
	answer		TEXT,			-- JSON: the results array, or the info object
	error		TEXT NOT NULL DEFAULT '',
	error_status	INTEGER NOT NULL DEFAULT 0,	-- 502 (yt-dlp failed) or 504 (timed out)
	created_at	INTEGER NOT NULL,	-- unix seconds
	expires_at	INTEGER NOT NULL DEFAULT 0,	-- a done answer is fresh until then
	lease_pid	INTEGER			-- the worker running it
);

-- At most one live look-up per question: a second asker waits for the first.
CREATE UNIQUE INDEX lookups_live ON lookups (kind, query, max_results)
	WHERE status IN ('pending', 'running');
-- The cache probe: the newest fresh answer to a question.
CREATE INDEX lookups_fresh ON lookups (kind, query, max_results, expires_at)
	WHERE status = 'done';
-- The worker's claim, oldest first.
CREATE INDEX lookups_claim ON lookups (status, id);
