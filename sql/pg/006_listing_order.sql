-- 006_listing_order.sql: a subscription says where its listing adds new entries.
--
-- PostgreSQL's twin of sql/migrations/021_listing_order.sql (see there why):
-- the column, and the record re-made with listing_order after skip_live.
ALTER TABLE subscriptions ADD COLUMN listing_order text NOT NULL
	DEFAULT 'newest_first'
	CHECK (listing_order IN ('newest_first', 'oldest_first'));

DROP VIEW subscription_records;
CREATE VIEW subscription_records AS SELECT seq, id, owner_key,
	'{"id":' || ot_json_str(id) ||
	',"url":' || ot_json_str(url) ||
	',"name":' || ot_json_str(name) ||
	',"download_type":' || ot_json_str(download_type) ||
	',"quality":' || ot_json_str(quality) ||
	',"format_id":' || ot_json_str(format_id) ||
	',"audio_format":' || ot_json_str(audio_format) ||
	',"subtitles":' || ot_json_langs(subtitles) ||
	',"embed_metadata":' || ot_json_bool(embed_metadata) ||
	',"sponsorblock":' || ot_json_str(sponsorblock) ||
	',"check_every":' || ot_json_int(check_every) ||
	',"backlog":' || ot_json_int(backlog) ||
	',"title_include":' || ot_json_str(title_include) ||
	',"title_exclude":' || ot_json_str(title_exclude) ||
	',"min_duration":' || ot_json_int(min_duration) ||
	',"max_duration":' || ot_json_int(max_duration) ||
	',"skip_live":' || ot_json_bool(skip_live) ||
	',"listing_order":' || ot_json_str(listing_order) ||
	',"enabled":' || ot_json_bool(enabled) ||
	',"state":' || ot_json_str(state) ||
	',"last_checked_at":' || ot_json_str(last_checked_at) ||
	',"next_check_at":' || ot_json_str(CASE WHEN enabled <> 0
	    THEN to_char(to_timestamp(next_check_at) AT TIME ZONE 'UTC',
		'YYYY-MM-DD"T"HH24:MI:SS"Z"') END) ||
	',"last_error":' || ot_json_str(last_error) ||
	',"seen_count":' || ot_json_int(seen_count) ||
	',"downloaded_count":' || ot_json_int(downloaded_count) ||
	',"created_at":' || ot_json_str(created_at) ||
	',"updated_at":' || ot_json_str(updated_at) || '}' AS record
FROM subscriptions;
