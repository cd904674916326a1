-- schema.sql: the database as the numbered migrations in sql/migrations/ leave it.
-- Generated, do not edit: `make schema` writes it from a database the migrations
-- made, and tests/unit/test_shape.c checks that it still is.  The programs never
-- read it: they apply the migrations, embedded at build time.  The comments are
-- those the migrations wrote inside each statement; why each change was made is
-- in the migration that made it.

CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);

CREATE TABLE meta (
	key	TEXT PRIMARY KEY,
	value	TEXT NOT NULL
) WITHOUT ROWID;

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
	lease_worker	INTEGER			-- the worker running it
, search_prefix TEXT NOT NULL DEFAULT '', answer_bytes INTEGER NOT NULL DEFAULT 0, cookie_owner INTEGER NOT NULL DEFAULT -1);

CREATE TABLE api_keys (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,		-- who holds it: "alice", "kitchen-tablet"
	prefix		TEXT NOT NULL UNIQUE,		-- "otk_" + 8 hex: shown by `key list`
	hash		TEXT NOT NULL,			-- hex BLAKE2b-256 of the whole key
	admin		INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),	-- sees every task
	created_at	TEXT NOT NULL,
	revoked_at	TEXT				-- set: the key opens nothing
);

CREATE INDEX lookups_kept ON lookups (status, id, answer_bytes, expires_at, created_at);

CREATE TABLE owner_queue (
	owner		INTEGER PRIMARY KEY,	-- tasks.owner_key; 0 for tasks without a key
	pending		INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0),	-- its tasks in 'pending'
	last_claim	INTEGER NOT NULL DEFAULT 0	-- rises with every claim; 0: never served
);

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
	lease_worker	INTEGER,				-- the worker checking it
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL
, embed_metadata INTEGER NOT NULL DEFAULT 0
	CHECK (embed_metadata IN (0, 1)), sponsorblock TEXT NOT NULL DEFAULT 'off'
	CHECK (sponsorblock IN ('off', 'mark', 'remove')), subtitles TEXT NOT NULL DEFAULT ''
	CHECK (subtitles NOT GLOB '*[^A-Za-z0-9,-]*'), listing_order TEXT NOT NULL
	DEFAULT 'newest_first'
	CHECK (listing_order IN ('newest_first', 'oldest_first')));

CREATE INDEX subscriptions_owner_seq ON subscriptions (owner_key, seq);

CREATE INDEX subscriptions_due ON subscriptions (next_check_at) WHERE enabled = 1;

CREATE TABLE subscription_seen (
	subscription_id	TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
	entry		TEXT NOT NULL,		-- the site's id of the entry, else its URL
	seen_at		TEXT NOT NULL,
	PRIMARY KEY (subscription_id, entry)
) WITHOUT ROWID;

CREATE TABLE "tasks" (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,	-- insertion order; newest first = seq DESC
	id		TEXT NOT NULL UNIQUE,			-- lower-case UUID v4, the public id
	url		TEXT NOT NULL,				-- the URL as submitted
	media_url	TEXT,					-- the URL actually fetched (a playlist's entry 1), NULL = url
	title		TEXT NOT NULL DEFAULT '',
	thumbnail	TEXT NOT NULL DEFAULT '',		-- the remote URL a site gave, or ''
	local_thumbnail	INTEGER NOT NULL DEFAULT 0		-- 1: thumbnails/{id}.* holds its image
			CHECK (local_thumbnail IN (0, 1)),
	status		TEXT NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'downloading', 'processing',
			    'completed', 'error', 'cancelled')),
	progress	REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
	speed		TEXT NOT NULL DEFAULT '',		-- "5.2 MB/s" while downloading
	eta		TEXT NOT NULL DEFAULT '',		-- "45s" while downloading
	filesize	INTEGER NOT NULL DEFAULT 0,		-- total bytes, 0 when unknown
	downloaded_bytes INTEGER NOT NULL DEFAULT 0,
	format_note	TEXT NOT NULL DEFAULT '',		-- quality obtained: "720p", "128kbps"
	is_playlist	INTEGER NOT NULL DEFAULT 0 CHECK (is_playlist IN (0, 1)),
	playlist_id	TEXT,					-- shared by the tasks of one playlist
	playlist_index	INTEGER NOT NULL DEFAULT 0,		-- 1-based, 0 for a single video
	playlist_total	INTEGER NOT NULL DEFAULT 1,
	filename	TEXT NOT NULL DEFAULT '',		-- {title}__{id}.{ext} in downloads/
	quality		TEXT NOT NULL DEFAULT 'best',
	download_type	TEXT NOT NULL DEFAULT 'video' CHECK (download_type IN ('video', 'audio')),
	format_id	TEXT,					-- a yt-dlp format, overrides quality
	audio_format	TEXT NOT NULL DEFAULT 'm4a'
			CHECK (audio_format IN ('m4a', 'mp3', 'opus', 'flac', 'wav')),
	error_message	TEXT NOT NULL DEFAULT '',
	created_at	TEXT NOT NULL,				-- ISO 8601 UTC
	updated_at	TEXT NOT NULL,
	completed_at	TEXT,
	attempts	INTEGER NOT NULL DEFAULT 0,		-- claims so far; bounds crash re-queues
	lease_worker	INTEGER,				-- pid of the worker running it
	lease_until	INTEGER,				-- unix seconds; past it, the run is orphaned
	owner_key	INTEGER REFERENCES api_keys (id),	-- the key that created it, NULL: keys were off
	embed_metadata	INTEGER NOT NULL DEFAULT 0		-- 1: title, chapters, cover... written into the file
			CHECK (embed_metadata IN (0, 1)),
	sponsorblock	TEXT NOT NULL DEFAULT 'off'		-- SponsorBlock segments: left, marked as chapters, cut
			CHECK (sponsorblock IN ('off', 'mark', 'remove')),
	subscription_id	TEXT,					-- the subscription that made it; kept when that goes
	-- Languages, comma-separated ('en,es'): those asked for, and those whose
	-- subtitles/{id}.{lang}.vtt the run that completed the task stored.
	-- Only the API's codes ([A-Za-z0-9-]) and commas: the record builds JSON
	-- from them, and the worker file names.
	subtitle_langs	TEXT NOT NULL DEFAULT ''
			CHECK (subtitle_langs NOT GLOB '*[^A-Za-z0-9,-]*'),
	subtitle_files	TEXT NOT NULL DEFAULT ''
			CHECK (subtitle_files NOT GLOB '*[^A-Za-z0-9,-]*'),
	-- The task record of api.md, less stream_url, file_url and subtitles
	-- (links the API adds: they depend on who asks), with thumbnail last:
	-- the API puts a signed link in its place while keys are on.  As in 011,
	-- with subtitle_langs before thumbnail.
	record		TEXT GENERATED ALWAYS AS (json_object(
		'id', id, 'url', url, 'title', title, 'status', status,
		'progress', progress, 'speed', speed, 'eta', eta,
		'filesize', filesize, 'downloaded_bytes', downloaded_bytes,
		'format_note', format_note,
		'is_playlist', json(iif(is_playlist, 'true', 'false')),
		'playlist_index', playlist_index, 'playlist_total', playlist_total,
		'filename', filename, 'quality', quality,
		'download_type', download_type, 'error_message', error_message,
		'created_at', created_at, 'completed_at', completed_at,
		'playlist_id', playlist_id, 'updated_at', updated_at,
		'format_id', format_id, 'audio_format', audio_format,
		'embed_metadata', json(iif(embed_metadata, 'true', 'false')),
		'sponsorblock', sponsorblock,
		'subscription_id', subscription_id,
		'subtitle_langs', json(iif(subtitle_langs = '', '[]',
		    '["' || replace(subtitle_langs, ',', '","') || '"]')),
		'thumbnail', iif(local_thumbnail, '/api/thumbnails/' || id,
		    thumbnail))) STORED
, queued_at REAL);

CREATE INDEX tasks_status_seq ON tasks (status, seq);

CREATE INDEX tasks_filename ON tasks (filename) WHERE filename != '';

CREATE INDEX tasks_owner_seq ON tasks (owner_key, seq);

CREATE INDEX tasks_owner_status ON tasks (owner_key, status);

CREATE TRIGGER tasks_queue_insert AFTER INSERT ON tasks WHEN NEW.status = 'pending'
BEGIN
	INSERT INTO owner_queue (owner, pending) VALUES (coalesce(NEW.owner_key, 0), 1)
		ON CONFLICT (owner) DO UPDATE SET pending = pending + 1;
END;

CREATE TRIGGER tasks_queue_return AFTER UPDATE OF status ON tasks
	WHEN OLD.status != 'pending' AND NEW.status = 'pending'
BEGIN
	INSERT INTO owner_queue (owner, pending) VALUES (coalesce(NEW.owner_key, 0), 1)
		ON CONFLICT (owner) DO UPDATE SET pending = pending + 1;
END;

CREATE TRIGGER tasks_queue_leave AFTER UPDATE OF status ON tasks
	WHEN OLD.status = 'pending' AND NEW.status != 'pending'
BEGIN
	UPDATE owner_queue SET pending = pending - 1,
		last_claim = CASE WHEN NEW.status = 'downloading'
		    THEN (SELECT max(last_claim) FROM owner_queue) + 1
		    ELSE last_claim END
		WHERE owner = coalesce(OLD.owner_key, 0);
END;

CREATE TRIGGER tasks_queue_delete AFTER DELETE ON tasks WHEN OLD.status = 'pending'
BEGIN
	UPDATE owner_queue SET pending = pending - 1
		WHERE owner = coalesce(OLD.owner_key, 0);
END;

CREATE UNIQUE INDEX lookups_live ON lookups
	(kind, query, search_prefix, max_results, cookie_owner)
	WHERE status IN ('pending', 'running');

CREATE INDEX lookups_fresh ON lookups
	(kind, query, search_prefix, max_results, cookie_owner, expires_at)
	WHERE status = 'done';

CREATE TABLE webhooks (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,	-- newest first = seq DESC
	id		TEXT NOT NULL UNIQUE,			-- lower-case UUID v4, the public id
	owner_key	INTEGER REFERENCES api_keys (id),	-- the key that made it, NULL: keys were off
	url		TEXT NOT NULL,				-- http(s), or an Apprise URL
	-- A bit set: 1 task.completed, 2 task.error, 4 subscription.new,
	-- 8 subscription.error (store.h, enum hook_event).
	events		INTEGER NOT NULL CHECK (events BETWEEN 1 AND 15),
	secret		TEXT NOT NULL,				-- the HMAC key; never sent back after creation
	created_at	TEXT NOT NULL,
	last_delivery_at TEXT,					-- the last attempt's end, ISO 8601 UTC
	last_status	TEXT,					-- "200", "500", "timeout", ...
	failures	INTEGER NOT NULL DEFAULT 0		-- deliveries given up
);

CREATE INDEX webhooks_owner_seq ON webhooks (owner_key, seq);

CREATE TABLE deliveries (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,
	-- The delivery id: a UUID v4 made by SQLite, so a trigger can make one per row.
	id		TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(4)) || '-' ||
			    hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) ||
			    '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
			    substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
	webhook_id	TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	event		TEXT NOT NULL CHECK (event IN ('task.completed', 'task.error',
			    'subscription.new', 'subscription.error', 'ping')),
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	data		TEXT NOT NULL,				-- JSON: the envelope's "data"
	title		TEXT NOT NULL,				-- for Apprise: "Downloaded: ..."
	message		TEXT NOT NULL,
	state		TEXT NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER NOT NULL DEFAULT 0,		-- unix milliseconds; 0: at once
	done_at		TEXT,					-- delivered or given up
	-- What is sent, byte for byte, on every attempt.
	body		TEXT GENERATED ALWAYS AS (json_object('event', event,
			    'delivery_id', id, 'created_at', created_at,
			    'data', json(data))) STORED
, lease_worker INTEGER);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';

CREATE INDEX deliveries_webhook ON deliveries (webhook_id);

CREATE VIEW webhook_audience AS SELECT w.id, w.owner_key, w.events, k.admin
FROM webhooks AS w LEFT JOIN api_keys AS k ON k.id = w.owner_key
WHERE w.owner_key IS NULL OR k.revoked_at IS NULL;

CREATE TRIGGER tasks_event_completed AFTER UPDATE OF status ON tasks
	WHEN NEW.status = 'completed' AND OLD.status != 'completed'
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'task.completed', NEW.record,
	    'Downloaded: ' || coalesce(nullif(NEW.title, ''), NEW.url),
	    'Downloaded: ' || coalesce(nullif(NEW.title, ''), NEW.url)
	FROM webhook_audience AS a WHERE a.events & 1
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

CREATE TRIGGER tasks_event_error AFTER UPDATE OF status ON tasks
	WHEN NEW.status = 'error' AND OLD.status != 'error'
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'task.error', NEW.record,
	    'Failed: ' || coalesce(nullif(NEW.title, ''), NEW.url),
	    'Failed: ' || coalesce(nullif(NEW.title, ''), NEW.url) || ': ' ||
	    NEW.error_message
	FROM webhook_audience AS a WHERE a.events & 2
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

CREATE TRIGGER tasks_event_error_insert AFTER INSERT ON tasks
	WHEN NEW.status = 'error'
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'task.error', NEW.record,
	    'Failed: ' || coalesce(nullif(NEW.title, ''), NEW.url),
	    'Failed: ' || coalesce(nullif(NEW.title, ''), NEW.url) || ': ' ||
	    NEW.error_message
	FROM webhook_audience AS a WHERE a.events & 2
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

CREATE TRIGGER subscriptions_event_new AFTER UPDATE OF downloaded_count ON subscriptions
	WHEN NEW.downloaded_count > OLD.downloaded_count
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'subscription.new', json_object(
	    'subscription', (SELECT json(record) FROM subscription_records
		WHERE id = NEW.id),
	    'tasks', (SELECT json_group_array(json(record)) FROM (SELECT * FROM
		(SELECT seq, record FROM tasks WHERE subscription_id = NEW.id
		ORDER BY seq DESC LIMIT NEW.downloaded_count - OLD.downloaded_count)
		ORDER BY seq))),
	    coalesce(nullif(NEW.name, ''), NEW.url) || ': ' ||
		(NEW.downloaded_count - OLD.downloaded_count) || ' new',
	    (NEW.downloaded_count - OLD.downloaded_count) ||
		' new download(s) from ' || coalesce(nullif(NEW.name, ''), NEW.url)
	FROM webhook_audience AS a WHERE a.events & 4
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

CREATE TRIGGER subscriptions_event_error AFTER UPDATE OF state ON subscriptions
	WHEN NEW.state = 'error' AND OLD.state = 'checking'
	    AND NEW.failures > OLD.failures
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'subscription.error', json_object(
	    'subscription', (SELECT json(record) FROM subscription_records
		WHERE id = NEW.id), 'tasks', json_array()),
	    'Failed: ' || coalesce(nullif(NEW.name, ''), NEW.url),
	    'Failed: ' || coalesce(nullif(NEW.name, ''), NEW.url) || ': ' ||
		NEW.last_error
	FROM webhook_audience AS a WHERE a.events & 8
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

CREATE VIEW webhook_records AS SELECT seq, id, owner_key, json_object(
	'id', id, 'url', url,
	'events', (SELECT json_group_array(name) FROM (SELECT 1 AS bit,
	    'task.completed' AS name UNION ALL SELECT 2, 'task.error'
	    UNION ALL SELECT 4, 'subscription.new'
	    UNION ALL SELECT 8, 'subscription.error' ORDER BY bit)
	    WHERE events & bit),
	'created_at', created_at, 'last_delivery_at', last_delivery_at,
	'last_status', last_status, 'failures', failures) AS record
FROM webhooks;

CREATE VIEW webhook_pings AS SELECT id, owner_key,
	json_object('webhook', json(record)) AS data,
	'OfflineTube: test' AS title,
	'A test notification from OfflineTube' AS message
FROM webhook_records;

CREATE TABLE task_changes (
	id	INTEGER PRIMARY KEY CHECK (id = 1),
	n	INTEGER NOT NULL
);

CREATE TRIGGER tasks_changes_insert AFTER INSERT ON tasks
BEGIN
	UPDATE task_changes SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER tasks_changes_update AFTER UPDATE ON tasks
	WHEN OLD.record IS NOT NEW.record
BEGIN
	UPDATE task_changes SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER tasks_changes_delete AFTER DELETE ON tasks
BEGIN
	UPDATE task_changes SET n = n + 1 WHERE id = 1;
END;

CREATE TABLE metrics (
	name	TEXT NOT NULL,
	labels	TEXT NOT NULL DEFAULT '',
	value	REAL NOT NULL DEFAULT 0,
	PRIMARY KEY (name, labels)
) WITHOUT ROWID;

CREATE TRIGGER tasks_metrics_finished AFTER UPDATE OF status ON tasks
	WHEN (NEW.status = 'completed' OR NEW.status = 'error'
	    OR NEW.status = 'cancelled') AND OLD.status != NEW.status
BEGIN
	INSERT INTO metrics (name, labels, value)
		VALUES ('downloads_finished_total',
		    'outcome="' || NEW.status || '"', 1)
		ON CONFLICT (name, labels) DO UPDATE SET value = value + 1;
	INSERT INTO metrics (name, labels, value)
		SELECT 'downloaded_bytes_total', '', NEW.filesize
		WHERE NEW.status = 'completed'
		ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value;
END;

CREATE INDEX tasks_subscription_seq ON tasks (subscription_id, seq)
	WHERE subscription_id IS NOT NULL;

CREATE TRIGGER api_keys_revoked AFTER UPDATE OF revoked_at ON api_keys
	WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
	UPDATE subscriptions SET enabled = 0 WHERE owner_key = NEW.id;
	UPDATE tasks SET status = 'cancelled', speed = '', eta = '',
	    updated_at = NEW.revoked_at
		WHERE owner_key = NEW.id AND (status = 'pending'
		    OR status = 'downloading' OR status = 'processing');
	DELETE FROM webhooks WHERE owner_key = NEW.id;
END;

CREATE TABLE workers (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,	-- never reused
	host		TEXT NOT NULL,
	pid		INTEGER NOT NULL,
	started_at	INTEGER NOT NULL,
	heartbeat_at	INTEGER NOT NULL,
	lease_until	INTEGER NOT NULL
);

CREATE VIEW subscription_records AS SELECT seq, id, owner_key, json_object(
	'id', id, 'url', url, 'name', name,
	'download_type', download_type, 'quality', quality,
	'format_id', format_id, 'audio_format', audio_format,
	'subtitles', json(iif(subtitles = '', '[]',
	    '["' || replace(subtitles, ',', '","') || '"]')),
	'embed_metadata', json(iif(embed_metadata, 'true', 'false')),
	'sponsorblock', sponsorblock,
	'check_every', check_every, 'backlog', backlog,
	'title_include', title_include, 'title_exclude', title_exclude,
	'min_duration', min_duration, 'max_duration', max_duration,
	'skip_live', json(iif(skip_live, 'true', 'false')),
	'listing_order', listing_order,
	'enabled', json(iif(enabled, 'true', 'false')),
	'state', state, 'last_checked_at', last_checked_at,
	'next_check_at', iif(enabled,
	    strftime('%Y-%m-%dT%H:%M:%SZ', next_check_at, 'unixepoch'), NULL),
	'last_error', last_error, 'seen_count', seen_count,
	'downloaded_count', downloaded_count,
	'created_at', created_at, 'updated_at', updated_at) AS record
FROM subscriptions;
