-- 012_subscription_options.sql: a subscription carries embed_metadata and sponsorblock to its tasks.
--
-- The same options as a task's (010), with the same defaults and checks:
-- every subscription until now made tasks with neither.  The record gains
-- both after audio_format, where api.md lists them; only the view changes,
-- as 009 meant.
ALTER TABLE subscriptions ADD COLUMN embed_metadata INTEGER NOT NULL DEFAULT 0
	CHECK (embed_metadata IN (0, 1));
ALTER TABLE subscriptions ADD COLUMN sponsorblock TEXT NOT NULL DEFAULT 'off'
	CHECK (sponsorblock IN ('off', 'mark', 'remove'));

DROP VIEW subscription_records;
CREATE VIEW subscription_records AS SELECT seq, id, owner_key, json_object(
	'id', id, 'url', url, 'name', name,
	'download_type', download_type, 'quality', quality,
	'format_id', format_id, 'audio_format', audio_format,
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
