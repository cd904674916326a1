-- 013_subtitles.sql: subtitles: a task's languages asked for (in its record) and stored; a subscription's.
--
-- subtitle_langs holds what POST /api/download asked for, subtitle_files
-- what the worker stored beside the media when it completed the task (the
-- same transaction as the completion, so no row names a file that is not
-- there).  The record gains "subtitle_langs" (a JSON array, [] for every
-- row until now) before "thumbnail", which stays last; every other byte of
-- every record is as it was.  The record's "subtitles" list of links is the
-- API's to add, like stream_url: signed while keys are on.
--
-- As in 005, 008, 010 and 011, a STORED column's expression cannot be
-- altered: the table is made anew, the rows copied with their seq, and the
-- indexes and 007's triggers made again.
CREATE TABLE tasks_new (
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
	lease_pid	INTEGER,				-- pid of the worker running it
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
);

INSERT INTO tasks_new (seq, id, url, media_url, title, thumbnail, local_thumbnail,
	status, progress, speed, eta, filesize, downloaded_bytes, format_note,
	is_playlist, playlist_id, playlist_index, playlist_total, filename,
	quality, download_type, format_id, audio_format, error_message,
	created_at, updated_at, completed_at, attempts, lease_pid, lease_until,
	owner_key, embed_metadata, sponsorblock, subscription_id)
SELECT seq, id, url, media_url, title, thumbnail, local_thumbnail,
	status, progress, speed, eta, filesize, downloaded_bytes, format_note,
	is_playlist, playlist_id, playlist_index, playlist_total, filename,
	quality, download_type, format_id, audio_format, error_message,
	created_at, updated_at, completed_at, attempts, lease_pid, lease_until,
	owner_key, embed_metadata, sponsorblock, subscription_id
FROM tasks;

-- seq goes on from where it was, past rows deleted since.
DELETE FROM sqlite_sequence WHERE name = 'tasks_new';
INSERT INTO sqlite_sequence (name, seq)
	SELECT 'tasks_new', seq FROM sqlite_sequence WHERE name = 'tasks';

DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;

-- As in 011: the list by status and the claim; /api/stream's look-up; a
-- user's list; a user's pending count.
CREATE INDEX tasks_status_seq ON tasks (status, seq);
CREATE INDEX tasks_filename ON tasks (filename) WHERE filename != '';
CREATE INDEX tasks_owner_seq ON tasks (owner_key, seq);
CREATE INDEX tasks_owner_status ON tasks (owner_key, status);

-- As in 007 and 011: each owner's queue kept by triggers on tasks.
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

-- A subscription carries the languages to the tasks its checks make, as
-- 012 carries the other options: the record gains "subtitles" (the codes,
-- [] for every subscription until now) after audio_format, where api.md
-- lists it; only the view changes, as 009 meant.
ALTER TABLE subscriptions ADD COLUMN subtitles TEXT NOT NULL DEFAULT ''
	CHECK (subtitles NOT GLOB '*[^A-Za-z0-9,-]*');

DROP VIEW subscription_records;
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
	'enabled', json(iif(enabled, 'true', 'false')),
	'state', state, 'last_checked_at', last_checked_at,
	'next_check_at', iif(enabled,
	    strftime('%Y-%m-%dT%H:%M:%SZ', next_check_at, 'unixepoch'), NULL),
	'last_error', last_error, 'seen_count', seen_count,
	'downloaded_count', downloaded_count,
	'created_at', created_at, 'updated_at', updated_at) AS record
FROM subscriptions;
