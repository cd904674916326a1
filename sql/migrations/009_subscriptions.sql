-- 009_subscriptions.sql: subscriptions (a channel or playlist watched) and the entries each has seen.
--
-- A subscription is checked by the worker when next_check_at (unix seconds)
-- comes; a check lists the newest entries and, in one transaction, remembers
-- every one of them in subscription_seen and makes a pending task of each
-- new one that passes the filters.  The seen table's key (subscription,
-- entry) is what makes a check safe to repeat: an entry is new once, across
-- restarts, crashes mid-check and filters changed later.  Its rows go with
-- their subscription; the tasks a subscription made stay (tasks carries its
-- id, migration 010, without a foreign key).
--
-- The record the API sends is built by SQLite, in a view: a later migration
-- that adds a field replaces the view, not the table.
CREATE TABLE subscriptions (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,	-- newest first = seq DESC
	id		TEXT NOT NULL UNIQUE,			-- lower-case UUID v4, the public id
	owner_key	INTEGER REFERENCES api_keys (id),	-- the key that created it, NULL: keys were off
	url		TEXT NOT NULL,				-- what is listed
	name		TEXT NOT NULL DEFAULT '',		-- '' until the first check names it
	download_type	TEXT NOT NULL DEFAULT 'video' CHECK (download_type IN ('video', 'audio')),
	quality		TEXT NOT NULL DEFAULT 'best',
	format_id	TEXT,					-- a yt-dlp format, overrides quality
	audio_format	TEXT NOT NULL DEFAULT 'm4a'
			CHECK (audio_format IN ('m4a', 'mp3', 'opus', 'flac', 'wav')),
	check_every	INTEGER NOT NULL DEFAULT 21600
			CHECK (check_every BETWEEN 900 AND 2592000),	-- seconds
	backlog		INTEGER NOT NULL DEFAULT 0 CHECK (backlog BETWEEN 0 AND 500),
	title_include	TEXT,					-- POSIX ERE, case-insensitive
	title_exclude	TEXT,
	min_duration	INTEGER,				-- seconds, NULL: no bound
	max_duration	INTEGER,
	skip_live	INTEGER NOT NULL DEFAULT 1 CHECK (skip_live IN (0, 1)),
	enabled		INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	state		TEXT NOT NULL DEFAULT 'new'
			CHECK (state IN ('new', 'idle', 'checking', 'error')),
	primed		INTEGER NOT NULL DEFAULT 0 CHECK (primed IN (0, 1)),	-- 1: a check succeeded once (backlog taken)
	failures	INTEGER NOT NULL DEFAULT 0,		-- failed checks in a row: the backoff
	last_checked_at	TEXT,					-- ISO 8601 UTC, the last check's end
	next_check_at	INTEGER NOT NULL,			-- unix seconds
	last_error	TEXT NOT NULL DEFAULT '',
	seen_count	INTEGER NOT NULL DEFAULT 0,
	downloaded_count INTEGER NOT NULL DEFAULT 0,
	lease_pid	INTEGER,				-- the worker checking it
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
);

-- A user's list, and the count of their subscriptions for the limit.
CREATE INDEX subscriptions_owner_seq ON subscriptions (owner_key, seq);
-- The worker's next due check.
CREATE INDEX subscriptions_due ON subscriptions (next_check_at) WHERE enabled = 1;

CREATE TABLE subscription_seen (
	subscription_id	TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	entry		TEXT NOT NULL,		-- the site's id of the entry, else its URL
	seen_at		TEXT NOT NULL,
	PRIMARY KEY (subscription_id, entry)
) WITHOUT ROWID;

-- The subscription record of docs/api.md.
CREATE VIEW subscription_records AS SELECT seq, id, owner_key, json_object(
	'id', id, 'url', url, 'name', name,
	'download_type', download_type, 'quality', quality,
	'format_id', format_id, 'audio_format', audio_format,
	'check_every', check_every, 'backlog', backlog,
	'title_include', title_include, 'title_exclude', title_exclude,
	'min_duration', min_duration, 'max_duration', max_duration,
	'skip_live', json(iif(skip_live, 'true', 'false')),
	'enabled', json(iif(enabled, 'true', 'false')),
	'state', state, 'last_checked_at', last_checked_at,
	'next_check_at', iif(enabled,
	    strftime('%Y-%m-%dT%H:%M:%SZ', next_check_at, 'unixepoch'), NULL),
	'last_error', last_error, 'seen_count', seen_count,
	'downloaded_count', downloaded_count,
	'created_at', created_at, 'updated_at', updated_at) AS record
FROM subscriptions;
