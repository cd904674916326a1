-- 001_init.sql: tasks, the worker's heartbeat and facts, and the migrations record.

-- One task is one media file to fetch. Both programs write it: the API creates,
-- cancels and removes rows; the worker claims them and writes progress.
CREATE TABLE tasks (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,	-- insertion order; newest first = seq DESC
	id		TEXT NOT NULL UNIQUE,			-- lower-case UUID v4, the public id
	url		TEXT NOT NULL,				-- the URL as submitted
	media_url	TEXT,					-- the URL actually fetched (a playlist's entry 1), NULL = url
	title		TEXT NOT NULL DEFAULT '',
	thumbnail	TEXT NOT NULL DEFAULT '',		-- /api/thumbnails/{id}, or the remote URL, or ''
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
	lease_until	INTEGER					-- unix seconds; past it, the run is orphaned
);

-- The list filtered by status, newest first, and the claim (oldest pending first).
CREATE INDEX tasks_status_seq ON tasks (status, seq);
-- /api/stream looks a completed task up by its file name.
CREATE INDEX tasks_filename ON tasks (filename) WHERE filename != '';

-- Small facts the worker publishes for /api/health: heartbeat, pid, yt-dlp version.
CREATE TABLE meta (
	key	TEXT PRIMARY KEY,
	value	TEXT NOT NULL
) WITHOUT ROWID;
