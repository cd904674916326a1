/* store_pg_sqls.c: the PostgreSQL text of every statement of store.c's table. */
/*
 * Entry for entry as store.c's sqls[]: the same parameters ($1 for ?1) with
 * the same meanings, the same result columns in the same order, so the
 * shared code binds and reads both alike.  What differs, and why:
 *
 * - Truth values come back as integers 0/1 ((...)::int), as SQLite's do.
 * - A parameter whose type nothing around it says gets a cast; integers
 *   are bigint, as every integer column of sql/pg/001_schema.sql.
 * - SQLite's "a IS b" (equal, NULLs too) is IS NOT DISTINCT FROM, iif()
 *   CASE, two-argument min()/max() least()/greatest().
 * - Claims lock the row their sub-select picks with FOR UPDATE SKIP LOCKED:
 *   several workers never take the same row, nor wait for one another's.
 * - PostgreSQL wants every parameter up to the highest used: a statement
 *   that leaves one out in SQLite names it in a clause that is always true.
 */
#include "stmt.h"
#include "store_pg.h"

/* A task as struct store_task_row holds it (store.c's TASK_COLS). */
#define TASK_COLS "record, filename, (status = 'completed')::int, id, " \
	"local_thumbnail, subtitle_files"

/* SQLite's LIMIT -1 (all rows) is PostgreSQL's LIMIT NULL; a negative one is an error. */
#define PAGE "LIMIT CASE WHEN $1::bigint >= 0 THEN $1::bigint END OFFSET $2"

#define LIVE "('pending', 'downloading', 'processing')"
#define RUNNING "('downloading', 'processing')"
/* store.c's ORPHAN and MINE_OR_ORPHAN. */
#define ORPHAN "(lease_worker IS NULL OR lease_worker NOT IN (SELECT id FROM workers))"
#define MINE_OR_ORPHAN(n) "(lease_worker = $" #n "::bigint OR " ORPHAN ")"
/* A NULL owner parameter means any owner (keys off, or an admin). */
#define OWNED(n) "AND ($" #n "::bigint IS NULL OR owner_key = $" #n ")"
/* Now in unix seconds with a fraction, the statement's own now as in SQLite. */
#define UNIX_NOW "extract(epoch FROM statement_timestamp())::float8"
/* A subscription as struct subscription holds it (store.c's SUB_COLS). */
#define SUB_COLS "id, coalesce(owner_key, 0), url, name, download_type, " \
	"quality, coalesce(format_id, ''), audio_format, check_every, backlog, " \
	"coalesce(title_include, ''), coalesce(title_exclude, ''), " \
	"coalesce(min_duration, -1), coalesce(max_duration, -1), skip_live, " \
	"enabled, primed, state, embed_metadata, sponsorblock, subtitles, " \
	"listing_order"
/* The owner of owner_queue's row q (0: tasks without a key) matches t's. */

const char *const store_pg_sqls[STMT__MAX] = {
	/*
	 * The cap: the owner's owner_queue row is read FOR UPDATE, so a second
	 * insert racing this one waits for it and then counts its task too
	 * (READ COMMITTED re-reads a locked row).  Every owner has its row
	 * before its first task (sql/pg/003_owner_rows.sql), so there is always
	 * one to lock.
	 *
	 * task_changes' row is locked first, as every other write of tasks
	 * does through its triggers (which fire by name: tasks_changes_* before
	 * tasks_queue_*): taken the other way round, an insert holding the
	 * owner's row and a claim or cancel holding task_changes each waited
	 * for the other's, and the server ended one as a deadlock.  k.z (0),
	 * read in the sub-select, makes it run after k's row is locked.
	 */
	[STMT_TASK_INSERT] =
	    "WITH k AS (SELECT id - 1 AS z FROM task_changes WHERE id = 1 "
	    "FOR UPDATE) "
	    "INSERT INTO tasks (id, url, download_type, quality, format_id, "
	    "audio_format, title, thumbnail, is_playlist, playlist_id, "
	    "playlist_index, playlist_total, created_at, updated_at, owner_key, "
	    "status, error_message, embed_metadata, sponsorblock, subscription_id, "
	    "subtitle_langs, queued_at) "
	    "SELECT $1, $2, $3, $4, $5, $6, coalesce($7, ''), coalesce($8, ''), "
	    "($9::text IS NOT NULL)::int, $9, $10, $11, $12, $12, $13, "
	    "CASE WHEN $15::text IS NULL THEN 'pending' ELSE 'error' END, "
	    "coalesce($15, ''), $16, $17, $18, coalesce($19, ''), "
	    "CASE WHEN $15::text IS NULL THEN " UNIX_NOW " END FROM k "
	    "WHERE $15::text IS NOT NULL OR $14::bigint IS NULL OR coalesce((SELECT "
	    "pending FROM owner_queue WHERE owner = coalesce($13::bigint, 0) + k.z "
	    "FOR UPDATE), 0) < $14 "
	    "RETURNING " TASK_COLS,
	[STMT_TASK_GET] =
	    "SELECT " TASK_COLS " FROM tasks WHERE id = $1 " OWNED(2),
	[STMT_TASK_FILE] =
	    "SELECT status, filename FROM tasks WHERE id = $1 " OWNED(2),
	[STMT_TASK_SUBTITLES] =
	    "SELECT status, subtitle_files FROM tasks WHERE id = $1 " OWNED(2),
	[STMT_TASK_LIST] =
	    "SELECT " TASK_COLS " FROM tasks ORDER BY seq DESC " PAGE,
	[STMT_TASK_LIST_STATUS] =
	    "SELECT " TASK_COLS " FROM tasks WHERE status = $3 "
	    "ORDER BY seq DESC " PAGE,
	/* $3 (the status) is not used: named so that $4 may be. */
	[STMT_TASK_LIST_OWNER] =
	    "SELECT " TASK_COLS " FROM tasks WHERE owner_key = $4 "
	    "AND ($3::text IS NULL OR true) "
	    "ORDER BY seq DESC " PAGE,
	[STMT_TASK_LIST_OWNER_STATUS] =
	    "SELECT " TASK_COLS " FROM tasks WHERE owner_key = $4 AND status = $3 "
	    "ORDER BY seq DESC " PAGE,
	[STMT_TASK_CANCEL] =
	    "UPDATE tasks SET status = 'cancelled', speed = '', eta = '', "
	    "updated_at = $2 WHERE id = $1 AND status IN " LIVE " " OWNED(3),
	[STMT_TASK_RETRY_STATE] =
	    "SELECT status, (lease_worker IS NOT NULL AND "
	    "coalesce(lease_until, 0) >= $3::bigint)::int, "
	    "(coalesce((SELECT pending FROM owner_queue WHERE "
	    "owner = coalesce(t.owner_key, 0)), 0) >= $4::bigint)::int "
	    "FROM tasks AS t WHERE id = $1 " OWNED(2),
	[STMT_TASK_RETRY] =
	    "UPDATE tasks SET status = 'pending', progress = 0, speed = '', "
	    "eta = '', filesize = 0, downloaded_bytes = 0, error_message = '', "
	    "attempts = 0, lease_worker = NULL, lease_until = NULL, "
	    "completed_at = NULL, updated_at = $2, queued_at = " UNIX_NOW " "
	    "WHERE id = $1 AND status IN ('error', 'cancelled') RETURNING " TASK_COLS,
	[STMT_TASK_UNLEASE] =
	    "UPDATE tasks SET lease_worker = NULL, lease_until = NULL "
	    "WHERE id = $1 AND lease_worker = $2 AND status = 'cancelled'",
	[STMT_TASK_STATUS] =
	    "SELECT status FROM tasks WHERE id = $1",
	[STMT_TASK_DELETE] =
	    "DELETE FROM tasks WHERE id = $1 " OWNED(2) " RETURNING filename, "
	    "subtitle_files",
	[STMT_TASK_BY_FILENAME] =
	    "SELECT id FROM tasks WHERE filename = $1 AND filename != '' "
	    "AND status = 'completed' " OWNED(2),
	[STMT_TASK_COUNTS] =
	    "SELECT status, count(*) FROM tasks GROUP BY status",
	/*
	 * PRAGMA data_version has no equal: the position in the write-ahead
	 * log moves with every commit.  Unlike data_version it moves with this
	 * connection's own commits too (and with the server's housekeeping),
	 * so store_changed() says "changed" a little more often than needed.
	 */
	[STMT_DATA_VERSION] =
	    "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint",
	[STMT_TASK_CLAIMABLE] =
	    "SELECT (EXISTS (SELECT 1 FROM owner_queue WHERE pending > 0))::int",
	[STMT_LOOKUP_CLAIMABLE] =
	    "SELECT (EXISTS (SELECT 1 FROM lookups WHERE status = 'pending'))::int",
	/*
	 * Owners take turns as in SQLite: of the owners with pending tasks, the
	 * one with the fewest running, then the one served longest ago, then the
	 * one whose oldest task is oldest.  Then the first of that owner's
	 * oldest pending tasks no other worker has locked: a worker claiming at
	 * the same moment skips the task the other is taking rather than wait
	 * for it, and takes the next one (the owner's next, or the next
	 * owner's).  Each owner offers its 16 oldest: more workers than that
	 * claiming at once may find nothing for a moment.  The write itself
	 * still waits for the other's commit: the triggers' counters
	 * (owner_queue, task_changes) are one row each, as SQLite's one writer.
	 * The owners' figures are computed once (MATERIALIZED: left inline,
	 * PostgreSQL evaluated them again for each of the 16 candidates), each
	 * by an index of sql/pg/004_claim_indexes.sql.
	 */
	[STMT_TASK_CLAIM] =
	    "UPDATE tasks SET status = 'downloading', lease_worker = $1, "
	    "lease_until = $2, attempts = attempts + 1, updated_at = $3 "
	    "WHERE seq = (WITH o AS MATERIALIZED (SELECT q.owner, q.last_claim, "
	    "(SELECT p.seq FROM tasks AS p WHERE coalesce(p.owner_key, 0) = "
	    "q.owner AND p.status = 'pending' ORDER BY p.seq LIMIT 1) AS next, "
	    "(SELECT count(*) FROM tasks AS r WHERE coalesce(r.owner_key, 0) = "
	    "q.owner AND r.status IN " RUNNING ") AS running "
	    "FROM owner_queue AS q WHERE q.pending > 0) "
	    "SELECT t.seq FROM o CROSS JOIN LATERAL (SELECT c.seq FROM tasks AS c "
	    "WHERE coalesce(c.owner_key, 0) = o.owner AND c.status = 'pending' "
	    "ORDER BY c.seq LIMIT 16) AS c "
	    "JOIN tasks AS t ON t.seq = c.seq "
	    "WHERE o.next IS NOT NULL AND t.status = 'pending' "
	    "ORDER BY o.running, o.last_claim, o.next, t.seq LIMIT 1 "
	    "FOR UPDATE OF t SKIP LOCKED) AND status = 'pending' "
	    "RETURNING id, coalesce(media_url, url), download_type, quality, "
	    "coalesce(format_id, ''), audio_format, (playlist_id IS NOT NULL)::int, "
	    "attempts, coalesce(owner_key, 0), embed_metadata, sponsorblock, "
	    UNIX_NOW " - queued_at, subtitle_langs, seq",
	[STMT_TASK_PROGRESS] =
	    "UPDATE tasks SET progress = $2, speed = $3, eta = $4, "
	    "filesize = CASE WHEN $5::bigint > 0 THEN $5 ELSE filesize END, "
	    "downloaded_bytes = $6, updated_at = $7 "
	    "WHERE seq = $1 AND status = 'downloading'",
	[STMT_TASK_SET_INFO] =
	    "UPDATE tasks SET title = coalesce($2, title), "
	    "thumbnail = coalesce($3, thumbnail), "
	    "format_note = coalesce($4, format_note), updated_at = $5 "
	    "WHERE id = $1 AND status IN " RUNNING,
	[STMT_TASK_SET_PLAYLIST] =
	    "UPDATE tasks SET is_playlist = 1, playlist_id = $2, "
	    "playlist_index = $3, playlist_total = $4, media_url = $5, "
	    "updated_at = $6 WHERE id = $1 AND status IN " RUNNING,
	[STMT_TASK_SET_PROCESSING] =
	    "UPDATE tasks SET status = 'processing', speed = '', eta = '', "
	    "updated_at = $2 WHERE id = $1 AND status = 'downloading'",
	[STMT_TASK_COMPLETE] =
	    "UPDATE tasks SET status = 'completed', progress = 100, speed = '', "
	    "eta = '', filename = $2, filesize = $3, downloaded_bytes = $3, "
	    "format_note = coalesce($4, format_note), completed_at = $5, "
	    "updated_at = $5, lease_worker = NULL, lease_until = NULL, "
	    "title = coalesce($6, title), "
	    "local_thumbnail = greatest(local_thumbnail, $7), "
	    "subtitle_files = coalesce($8, '') "
	    "WHERE id = $1 AND status IN " RUNNING,
	[STMT_TASK_FAIL] =
	    "UPDATE tasks SET status = 'error', error_message = $2, speed = '', "
	    "eta = '', updated_at = $3, lease_worker = NULL, lease_until = NULL "
	    "WHERE id = $1 AND status IN " LIVE,
	[STMT_TASK_REQUEUE] =
	    "UPDATE tasks SET status = 'pending', progress = 0, speed = '', "
	    "eta = '', downloaded_bytes = 0, lease_worker = NULL, lease_until = NULL, "
	    "updated_at = $2, queued_at = " UNIX_NOW " "
	    "WHERE status IN " RUNNING " AND attempts < $1 AND " ORPHAN,
	[STMT_TASK_ABANDON] =
	    "UPDATE tasks SET status = 'error', error_message = $2, speed = '', "
	    "eta = '', lease_worker = NULL, lease_until = NULL, updated_at = $3 "
	    "WHERE status IN " RUNNING " AND attempts >= $1 AND " ORPHAN,
	[STMT_TASK_RELEASE] =
	    "UPDATE tasks SET status = 'pending', progress = 0, speed = '', "
	    "eta = '', downloaded_bytes = 0, lease_worker = NULL, lease_until = NULL, "
	    "attempts = greatest(attempts - 1, 0), updated_at = $2, "
	    "queued_at = " UNIX_NOW " WHERE id = $1 AND status IN " RUNNING,
	[STMT_LEASE_REFRESH] =
	    "UPDATE tasks SET lease_until = $2 WHERE lease_worker = $1 "
	    "AND status IN " RUNNING,
	[STMT_META_SET] =
	    "INSERT INTO meta (key, value) VALUES ($1, $2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[STMT_META_GET] =
	    "SELECT value FROM meta WHERE key = $1",
	[STMT_LOOKUP_FIND] =
	    "SELECT id, status, answer, error, error_status FROM lookups "
	    "WHERE kind = $1 AND query = $2 AND search_prefix = $5 AND "
	    "max_results = $3 AND cookie_owner = $6 AND "
	    "(status IN ('pending', 'running') OR "
	    "(status = 'done' AND expires_at > $4)) "
	    "ORDER BY status = 'done', id DESC LIMIT 1",
	[STMT_LOOKUP_INSERT] =
	    "INSERT INTO lookups (kind, query, max_results, created_at, "
	    "search_prefix, cookie_owner) VALUES ($1, $2, $3, $4, $5, $6) "
	    "ON CONFLICT DO NOTHING RETURNING id",
	[STMT_LOOKUP_GET] =
	    "SELECT id, status, answer, error, error_status FROM lookups "
	    "WHERE id = $1",
	[STMT_LOOKUP_ABANDON] =
	    "UPDATE lookups SET status = 'error', error_status = 504, "
	    "error = $2 WHERE id = $1 AND status IN ('pending', 'running')",
	[STMT_LOOKUP_CLAIM] =
	    "UPDATE lookups SET status = 'running', lease_worker = $1 "
	    "WHERE id = (SELECT id FROM lookups WHERE status = 'pending' "
	    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) AND status = 'pending' "
	    "RETURNING id, kind, query, max_results, search_prefix, cookie_owner",
	[STMT_LOOKUP_FINISH] =
	    "UPDATE lookups SET status = 'done', answer = $2, expires_at = $3, "
	    "answer_bytes = $4, lease_worker = NULL WHERE id = $1 AND status = 'running'",
	[STMT_LOOKUP_FAIL] =
	    "UPDATE lookups SET status = 'error', error_status = $2, error = $3, "
	    "lease_worker = NULL WHERE id = $1 AND status IN ('pending', 'running')",
	[STMT_LOOKUP_PRUNE_EXPIRED] =
	    "DELETE FROM lookups WHERE (status = 'done' AND expires_at <= $1) "
	    "OR (status = 'error' AND created_at <= $1::bigint - 60)",
	[STMT_LOOKUP_PRUNE_EXCESS] =
	    "DELETE FROM lookups WHERE status IN ('done', 'error') AND id <= "
	    "(SELECT id FROM lookups ORDER BY id DESC LIMIT 1 OFFSET $1)",
	[STMT_LOOKUP_PRUNE_BYTES] =
	    "DELETE FROM lookups WHERE status IN ('done', 'error') AND id <= "
	    "(SELECT id FROM (SELECT id, sum(answer_bytes) OVER (ORDER BY id DESC) "
	    "AS upto FROM lookups WHERE status IN ('done', 'error')) AS s "
	    "WHERE upto > $1::bigint ORDER BY id DESC LIMIT 1)",
	[STMT_LOOKUP_RECOVER] =
	    "UPDATE lookups SET status = 'error', error_status = 502, "
	    "error = 'The worker restarted during the look-up', lease_worker = NULL "
	    "WHERE status = 'running' AND " MINE_OR_ORPHAN(1),
	[STMT_KEY_INSERT] =
	    "INSERT INTO api_keys (name, prefix, hash, admin, created_at) "
	    "VALUES ($1, $2, $3, $4, $5)",
	[STMT_KEY_BY_PREFIX] =
	    "SELECT id, hash, admin, (revoked_at IS NOT NULL)::int FROM api_keys "
	    "WHERE prefix = $1",
	[STMT_KEY_BY_ID] =
	    "SELECT admin, (revoked_at IS NOT NULL)::int FROM api_keys WHERE id = $1",
	[STMT_KEY_ANY] =
	    "SELECT (EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL))::int",
	[STMT_KEY_LIST] =
	    "SELECT name, prefix, admin, created_at, coalesce(revoked_at, '') "
	    "FROM api_keys ORDER BY id",
	[STMT_KEY_REVOKE] =
	    "UPDATE api_keys SET revoked_at = $2 WHERE name = $1 "
	    "AND revoked_at IS NULL",
	[STMT_TASK_CHANGES] =
	    "SELECT n FROM task_changes WHERE id = 1",
	[STMT_METRIC_ADD] =
	    "INSERT INTO metrics (name, labels, value) VALUES ($1, $2, $3) "
	    "ON CONFLICT (name, labels) DO UPDATE SET value = metrics.value + "
	    "excluded.value",
	[STMT_METRICS] =
	    "SELECT name, labels, value FROM metrics ORDER BY name, labels",
	/*
	 * The cap counts rows, and there is no row to lock: two inserts at the
	 * same moment may both see one place left (SQLite's write lock made
	 * them take turns).  A SERIALIZABLE transaction, or a lock on the
	 * owner's key row, would close that; the shared code decides.
	 */
	[STMT_SUB_INSERT] =
	    "INSERT INTO subscriptions (id, owner_key, url, name, download_type, "
	    "quality, format_id, audio_format, check_every, backlog, "
	    "title_include, title_exclude, min_duration, max_duration, skip_live, "
	    "next_check_at, created_at, updated_at, embed_metadata, sponsorblock, "
	    "subtitles, listing_order) "
	    "SELECT $1, $2, $3, $4, $5, $6, nullif($7, ''), $8, $9, $10, "
	    "nullif($11, ''), nullif($12, ''), $13, $14, $15, $16, $18, $18, "
	    "$19, $20, $21, $22 "
	    "WHERE (SELECT count(*) FROM subscriptions WHERE owner_key IS NOT "
	    "DISTINCT FROM $2::bigint) < $17::bigint",
	[STMT_SUB_GET] =
	    "SELECT " SUB_COLS " FROM subscriptions WHERE id = $1 " OWNED(2),
	[STMT_SUB_RECORD] =
	    "SELECT record FROM subscription_records WHERE id = $1 " OWNED(2),
	[STMT_SUB_LIST] =
	    "SELECT record FROM subscription_records ORDER BY seq DESC",
	[STMT_SUB_LIST_OWNER] =
	    "SELECT record FROM subscription_records WHERE owner_key = $1 "
	    "ORDER BY seq DESC",
	[STMT_SUB_UPDATE] =
	    "UPDATE subscriptions SET name = $3, download_type = $4, quality = $5, "
	    "format_id = nullif($6, ''), audio_format = $7, "
	    "title_include = nullif($9, ''), title_exclude = nullif($10, ''), "
	    "min_duration = $11, max_duration = $12, skip_live = $13, "
	    "next_check_at = CASE WHEN $14::bigint = 1 AND enabled = 0 THEN $15 "
	    "WHEN $8::bigint < check_every THEN least(next_check_at, "
	    "$15::bigint + $8::bigint) ELSE next_check_at END, "
	    "check_every = $8, enabled = $14, updated_at = $16, "
	    "embed_metadata = $17, sponsorblock = $18, subtitles = $19, "
	    "listing_order = $20 "
	    "WHERE id = $1 " OWNED(2),
	[STMT_SUB_DELETE] =
	    "DELETE FROM subscriptions WHERE id = $1 " OWNED(2),
	[STMT_SUB_CHECK_NOW] =
	    "UPDATE subscriptions SET next_check_at = CASE WHEN state = 'checking' "
	    "THEN greatest(next_check_at + 1, $3) ELSE least(next_check_at, $3) END, "
	    "updated_at = $4 "
	    "WHERE id = $1 AND enabled = 1 " OWNED(2),
	[STMT_SUB_NEXT_DUE] =
	    "SELECT min(next_check_at) FROM subscriptions WHERE enabled = 1 "
	    "AND state != 'checking'",
	[STMT_SUB_CLAIM] =
	    "UPDATE subscriptions SET state = 'checking', lease_worker = $1, "
	    "next_check_at = $2 "
	    "WHERE id = (SELECT id FROM subscriptions WHERE enabled = 1 AND "
	    "state != 'checking' AND next_check_at <= $2 "
	    "ORDER BY next_check_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
	    "AND state != 'checking' "
	    "RETURNING " SUB_COLS,
	[STMT_SUB_SEEN_ADD] =
	    "INSERT INTO subscription_seen (subscription_id, entry, seen_at) "
	    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
	[STMT_SUB_CHECKED] =
	    "UPDATE subscriptions SET state = 'idle', primed = 1, failures = 0, "
	    "last_error = '', last_checked_at = $4, next_check_at = CASE WHEN "
	    "next_check_at > $8::bigint THEN next_check_at ELSE $3 END, "
	    "seen_count = seen_count + $5, downloaded_count = downloaded_count + $6, "
	    "name = CASE WHEN name = '' THEN coalesce($7, '') ELSE name END, "
	    "lease_worker = NULL, updated_at = $4 "
	    "WHERE id = $1 AND state = 'checking' AND lease_worker = $2 "
	    "AND enabled = 1 AND (owner_key IS NULL OR (SELECT revoked_at "
	    "FROM api_keys WHERE api_keys.id = subscriptions.owner_key) IS NULL)",
	[STMT_SUB_FAILED] =
	    "UPDATE subscriptions SET state = 'error', last_error = $3, "
	    "last_checked_at = $4, next_check_at = CASE WHEN next_check_at > "
	    "$7::bigint THEN next_check_at ELSE $6::bigint + least(check_every, "
	    "$5::bigint * (1::bigint << least(failures, 12)::int)) END, "
	    "failures = failures + 1, lease_worker = NULL, updated_at = $4 "
	    "WHERE id = $1 AND state = 'checking' AND lease_worker = $2",
	[STMT_SUB_RECOVER] =
	    "UPDATE subscriptions SET state = CASE WHEN last_error != '' "
	    "THEN 'error' WHEN primed = 1 THEN 'idle' ELSE 'new' END, "
	    "lease_worker = NULL WHERE state = 'checking' AND " MINE_OR_ORPHAN(1),
	[STMT_SUB_RELEASE] =
	    "UPDATE subscriptions SET state = CASE WHEN last_error != '' "
	    "THEN 'error' WHEN primed = 1 THEN 'idle' ELSE 'new' END, "
	    "lease_worker = NULL WHERE id = $1 AND state = 'checking' AND "
	    "lease_worker = $2::bigint",
	/* The cap as for subscriptions, with the same race. */
	[STMT_HOOK_INSERT] =
	    "INSERT INTO webhooks (id, owner_key, url, events, secret, created_at) "
	    "SELECT $1, $2, $3, $4, $5, $6 "
	    "WHERE (SELECT count(*) FROM webhooks WHERE owner_key IS NOT "
	    "DISTINCT FROM $2::bigint) < $7::bigint",
	[STMT_HOOK_RECORD] =
	    "SELECT record FROM webhook_records WHERE id = $1 " OWNED(2),
	[STMT_HOOK_LIST] =
	    "SELECT record FROM webhook_records ORDER BY seq DESC",
	[STMT_HOOK_LIST_OWNER] =
	    "SELECT record FROM webhook_records WHERE owner_key = $1 "
	    "ORDER BY seq DESC",
	[STMT_HOOK_DELETE] =
	    "DELETE FROM webhooks WHERE id = $1 " OWNED(2),
	[STMT_HOOK_PING] =
	    "INSERT INTO deliveries (webhook_id, event, data, title, message) "
	    "SELECT id, 'ping', data, title, message "
	    "FROM webhook_pings WHERE id = $1 " OWNED(2),
	[STMT_DELIVERY_NEXT_DUE] =
	    "SELECT min(next_attempt_at) FROM deliveries WHERE state = 'pending'",
	[STMT_DELIVERY_CLAIM] =
	    "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, "
	    "lease_worker = $2 "
	    "WHERE seq = (SELECT seq FROM deliveries WHERE state = 'pending' AND "
	    "next_attempt_at <= $1 ORDER BY next_attempt_at, seq LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED) "
	    "AND state = 'pending' RETURNING id, webhook_id, event, body, "
	    "substr(title, 1, 200), substr(message, 1, 900), attempts",
	[STMT_DELIVERY_TARGET] =
	    "SELECT w.url, w.secret, (w.owner_key IS NULL OR "
	    "coalesce(k.admin, 0) <> 0)::int "
	    "FROM webhooks AS w LEFT JOIN api_keys AS k ON k.id = w.owner_key "
	    "WHERE w.id = $1",
	[STMT_DELIVERY_END] =
	    "UPDATE deliveries SET state = $2, next_attempt_at = $3, "
	    "done_at = CASE WHEN $2 = 'pending' THEN NULL ELSE $4 END, "
	    "lease_worker = NULL WHERE id = $1 AND state = 'sending'",
	[STMT_HOOK_ATTEMPTED] =
	    "UPDATE webhooks SET last_delivery_at = $2, last_status = $3, "
	    "failures = failures + $4 WHERE id = $1",
	[STMT_DELIVERY_RECOVER] =
	    "UPDATE deliveries SET state = 'pending', lease_worker = NULL "
	    "WHERE state = 'sending' AND " MINE_OR_ORPHAN(1),
	[STMT_DELIVERY_PRUNE] =
	    "DELETE FROM deliveries WHERE state IN ('delivered', 'failed') "
	    "AND done_at < $1",
	[STMT_WORKER_ADD] =
	    "INSERT INTO workers (host, pid, started_at, heartbeat_at, lease_until) "
	    "VALUES ($1, $2, $3, $3, $4) RETURNING id",
	[STMT_WORKER_BEAT] =
	    "UPDATE workers SET heartbeat_at = $2, lease_until = $3 WHERE id = $1",
	[STMT_WORKER_REMOVE] =
	    "DELETE FROM workers WHERE id = $1",
	[STMT_WORKER_LIST] =
	    "SELECT id, host, pid, started_at, heartbeat_at, lease_until "
	    "FROM workers ORDER BY id",
	[STMT_WORKER_EXISTS] =
	    "SELECT (EXISTS (SELECT 1 FROM workers WHERE id = $1))::int",
	[STMT_WORKER_EXPIRE] =
	    "UPDATE workers SET lease_until = 0 WHERE id = $1 AND host = $2 "
	    "AND pid = $3 AND id != $4",
	[STMT_WORKER_DEAD_ANY] =
	    "SELECT (EXISTS (SELECT 1 FROM workers WHERE id != $1 AND "
	    "lease_until < $2) OR EXISTS (SELECT 1 FROM tasks WHERE status IN "
	    RUNNING " AND " ORPHAN "))::int",
	/*
	 * Locked until the commit that deletes it: a second live worker looking
	 * at the same moment skips it (and recovers another, or nothing).
	 */
	[STMT_WORKER_DEAD_PICK] =
	    "SELECT id FROM workers WHERE id != $1 AND ($3::bigint <> 0 OR "
	    "lease_until < $2) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
	[STMT_TASK_ORPHANS] =
	    "SELECT id FROM tasks WHERE status IN " RUNNING " AND " ORPHAN,
	/* SQLite's IMMEDIATE took the write lock at once; rows are locked as written here. */
	[STMT_BEGIN] = "BEGIN",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
};
