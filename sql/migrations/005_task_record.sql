-- 005_task_record.sql: each task row carries its API record, as JSON text.
--
-- GET /api/downloads sends this text as it is: a row is read, not built, so
-- the list costs the API a copy per row instead of a JSON tree of 24 fields
-- (docs/benchmarks.md).  SQLite computes the column on every insert and
-- update (STORED), so it cannot go stale, whichever program or tool writes
-- the row.  Left out are the fields that depend on who asks, stream_url and
-- file_url; the API adds them (fcgi-app/record.c).  thumbnail comes last, so
-- that the API can put a signed link in its place while keys are on.  Every
-- other column is as in 001 and 003.
--
-- SQLite cannot add a STORED column to a table: the table is made anew,
-- the rows copied with their seq, and the indexes made again.
CREATE TABLE tasks_new (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,
	id		TEXT NOT NULL UNIQUE,
	url		TEXT NOT NULL,
	media_url	TEXT,
	title		TEXT NOT NULL DEFAULT '',
	thumbnail	TEXT NOT NULL DEFAULT '',
	status		TEXT NOT NULL DEFAULT 'pending'
			CHECK (status IN ('pending', 'downloading', 'processing',
			    'completed', 'error', 'cancelled')),
	progress	REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
	speed		TEXT NOT NULL DEFAULT '',
	eta		TEXT NOT NULL DEFAULT '',
	filesize	INTEGER NOT NULL DEFAULT 0,
	downloaded_bytes INTEGER NOT NULL DEFAULT 0,
	format_note	TEXT NOT NULL DEFAULT '',
	is_playlist	INTEGER NOT NULL DEFAULT 0 CHECK (is_playlist IN (0, 1)),
	playlist_id	TEXT,
	playlist_index	INTEGER NOT NULL DEFAULT 0,
	playlist_total	INTEGER NOT NULL DEFAULT 1,
	filename	TEXT NOT NULL DEFAULT '',
	quality		TEXT NOT NULL DEFAULT 'best',
	download_type	TEXT NOT NULL DEFAULT 'video' CHECK (download_type IN ('video', 'audio')),
	format_id	TEXT,
	audio_format	TEXT NOT NULL DEFAULT 'm4a'
			CHECK (audio_format IN ('m4a', 'mp3', 'opus', 'flac', 'wav')),
	error_message	TEXT NOT NULL DEFAULT '',
	created_at	TEXT NOT NULL,
	updated_at	TEXT NOT NULL,
	completed_at	TEXT,
	attempts	INTEGER NOT NULL DEFAULT 0,
	lease_pid	INTEGER,
	lease_until	INTEGER,
	owner_key	INTEGER REFERENCES api_keys (id),
	-- The task record of api.md, less stream_url and file_url.
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
		'thumbnail', thumbnail)) STORED
);

INSERT INTO tasks_new (seq, id, url, media_url, title, thumbnail, status,
	progress, speed, eta, filesize, downloaded_bytes, format_note,
	is_playlist, playlist_id, playlist_index, playlist_total, filename,
	quality, download_type, format_id, audio_format, error_message,
	created_at, updated_at, completed_at, attempts, lease_pid, lease_until,
	owner_key)
SELECT seq, id, url, media_url, title, thumbnail, status,
	progress, speed, eta, filesize, downloaded_bytes, format_note,
	is_playlist, playlist_id, playlist_index, playlist_total, filename,
	quality, download_type, format_id, audio_format, error_message,
	created_at, updated_at, completed_at, attempts, lease_pid, lease_until,
	owner_key
FROM tasks;

-- seq goes on from where it was, past rows deleted since.
DELETE FROM sqlite_sequence WHERE name = 'tasks_new';
INSERT INTO sqlite_sequence (name, seq)
	SELECT 'tasks_new', seq FROM sqlite_sequence WHERE name = 'tasks';

DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;

-- As in 001 and 003: the list by status and the claim; /api/stream's look-up;
-- a user's list; a user's pending count.
CREATE INDEX tasks_status_seq ON tasks (status, seq);
CREATE INDEX tasks_filename ON tasks (filename) WHERE filename != '';
CREATE INDEX tasks_owner_seq ON tasks (owner_key, seq);
CREATE INDEX tasks_owner_status ON tasks (owner_key, status);
