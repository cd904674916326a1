-- 021_listing_order.sql: a subscription says where its listing adds new entries.
--
-- A check lists the first entries of the site's own order (at least 50,
-- or backlog).  Channels list newest first; many playlists list oldest
-- first and add new videos at the end, so their new entries were never
-- listed and the backlog took the oldest.  'oldest_first' has the worker
-- list the last entries instead and read them newest first.  Every
-- subscription until now listed as 'newest_first' does.  The record gains
-- listing_order after skip_live, where api.md lists it; only the view
-- changes, as 009 meant.
ALTER TABLE subscriptions ADD COLUMN listing_order TEXT NOT NULL
	DEFAULT 'newest_first'
	CHECK (listing_order IN ('newest_first', 'oldest_first'));

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
	'listing_order', listing_order,
	'enabled', json(iif(enabled, 'true', 'false')),
	'state', state, 'last_checked_at', last_checked_at,
	'next_check_at', iif(enabled,
	    strftime('%Y-%m-%dT%H:%M:%SZ', next_check_at, 'unixepoch'), NULL),
	'last_error', last_error, 'seen_count', seen_count,
	'downloaded_count', downloaded_count,
	'created_at', created_at, 'updated_at', updated_at) AS record
FROM subscriptions;
