/* store.c: every SQL statement both programs run, one function per statement. */
/*
 * The functions run their statements through db.h, not a database's own
 * API, so that the same bodies serve every backend; what only SQLite has
 * (opening its file, checkpoints, query plans) is db_sqlite.c's.
 *
 * Return values follow the one convention written in store.h: -1 a
 * database error, 0 nothing found or changed, 1 found, changed or done.
 * Whatever they return, what they fill for the caller (structs, buffers,
 * ids) is defined afterwards: emptied or zeroed first, filled only from a
 * row found, so a caller never reads or frees what a failed call left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "stmt.h"
#include "store_pg.h"
#include "store.h"
#include "util.h"

/* A task as struct store_task_row holds it, in the order row_emit() reads it. */
#define TASK_COLS "record, filename, status = 'completed', id, local_thumbnail, " \
	"subtitle_files"

#define LIVE "('pending', 'downloading', 'processing')"
#define HEARTBEAT_KEY	"worker_heartbeat"	/* in meta, unix seconds (migration 008) */
/* Owner filters: a NULL owner parameter means any owner (keys off, or an admin). */
#define OWNED(n) "AND (?" #n " IS NULL OR owner_key = ?" #n ")"
#define RUNNING "('downloading', 'processing')"
/*
 * A leased row whose worker has no row in workers (migration 020): the
 * worker was declared dead (its row goes in the transaction that recovers
 * its work), or the row predates the table.  Such a row is nobody's.
 */
#define ORPHAN "(lease_worker IS NULL OR lease_worker NOT IN (SELECT id FROM workers))"
/* The same, or this worker's own (?n; 0 names none: ids start at 1). */
#define MINE_OR_ORPHAN(n) "(lease_worker = ?" #n " OR " ORPHAN ")"
/*
 * Now in unix seconds with a fraction, for tasks.queued_at (migration 017):
 * every statement that makes a task pending sets it, and a claim subtracts.
 */
#define UNIX_NOW "((julianday('now') - 2440587.5) * 86400.0)"
/* A subscription as struct subscription holds it, in the order sub_row() reads it. */
#define SUB_COLS "id, coalesce(owner_key, 0), url, name, download_type, " \
	"quality, coalesce(format_id, ''), audio_format, check_every, backlog, " \
	"coalesce(title_include, ''), coalesce(title_exclude, ''), " \
	"coalesce(min_duration, -1), coalesce(max_duration, -1), skip_live, " \
	"enabled, primed, state, embed_metadata, sponsorblock, subtitles, " \
	"listing_order"

static const char *const sqls[STMT__MAX] = {
	/*
	 * A pending task only while its owner has fewer than ?14 pending (NULL:
	 * no cap): the count is read in the insert's own statement, under the
	 * write lock, so no two inserts can both take the last place.  ?15 set:
	 * the task is stored as an error with that message, and no cap applies.
	 */
	[STMT_TASK_INSERT] =
	    "INSERT INTO tasks (id, url, download_type, quality, format_id, "
	    "audio_format, title, thumbnail, is_playlist, playlist_id, "
	    "playlist_index, playlist_total, created_at, updated_at, owner_key, "
	    "status, error_message, embed_metadata, sponsorblock, subscription_id, "
	    "subtitle_langs, queued_at) "
	    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, coalesce(?7, ''), coalesce(?8, ''), "
	    "?9 IS NOT NULL, ?9, ?10, ?11, ?12, ?12, ?13, "
	    "iif(?15 IS NULL, 'pending', 'error'), coalesce(?15, ''), ?16, ?17, ?18, "
	    "coalesce(?19, ''), iif(?15 IS NULL, " UNIX_NOW ", NULL) "
	    "WHERE ?15 IS NOT NULL OR ?14 IS NULL OR coalesce((SELECT pending "
	    "FROM owner_queue WHERE owner = coalesce(?13, 0)), 0) < ?14 "
	    "RETURNING " TASK_COLS,
	[STMT_TASK_GET] =
	    "SELECT " TASK_COLS " FROM tasks WHERE id = ?1 " OWNED(2),
	[STMT_TASK_FILE] =
	    "SELECT status, filename FROM tasks WHERE id = ?1 " OWNED(2),
	[STMT_TASK_SUBTITLES] =
	    "SELECT status, subtitle_files FROM tasks WHERE id = ?1 " OWNED(2),
	[STMT_TASK_LIST] =
	    "SELECT " TASK_COLS " FROM tasks ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
	[STMT_TASK_LIST_STATUS] =
	    "SELECT " TASK_COLS " FROM tasks WHERE status = ?3 "
	    "ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
	/* One user's list: the owner index keeps it a range scan. */
	[STMT_TASK_LIST_OWNER] =
	    "SELECT " TASK_COLS " FROM tasks WHERE owner_key = ?4 "
	    "ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
	[STMT_TASK_LIST_OWNER_STATUS] =
	    "SELECT " TASK_COLS " FROM tasks WHERE owner_key = ?4 AND status = ?3 "
	    "ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
	[STMT_TASK_CANCEL] =
	    "UPDATE tasks SET status = 'cancelled', speed = '', eta = '', "
	    "updated_at = ?2 WHERE id = ?1 AND status IN " LIVE " " OWNED(3),
	/*
	 * What a retry needs to know of a task: its status; whether a run of
	 * it may still be stopping (a cancelled run keeps its lease until the
	 * worker has let go of it, or until the lease runs out: ?3 is now);
	 * whether its owner's queue is full (?4, NULL: no cap), as for a create.
	 */
	[STMT_TASK_RETRY_STATE] =
	    "SELECT status, lease_worker IS NOT NULL AND coalesce(lease_until, 0) >= ?3, "
	    "coalesce((SELECT pending FROM owner_queue WHERE "
	    "owner = coalesce(t.owner_key, 0)), 0) >= ?4 "
	    "FROM tasks AS t WHERE id = ?1 " OWNED(2),
	/*
	 * The other backward move (see STMT_TASK_REQUEUE): a run that ended
	 * in an error or a cancel starts over, with a new count of attempts.
	 */
	[STMT_TASK_RETRY] =
	    "UPDATE tasks SET status = 'pending', progress = 0, speed = '', "
	    "eta = '', filesize = 0, downloaded_bytes = 0, error_message = '', "
	    "attempts = 0, lease_worker = NULL, lease_until = NULL, "
	    "completed_at = NULL, updated_at = ?2, queued_at = " UNIX_NOW " "
	    "WHERE id = ?1 AND status IN ('error', 'cancelled') RETURNING " TASK_COLS,
	/* The worker has let go of a cancelled run: from now on it may be retried. */
	[STMT_TASK_UNLEASE] =
	    "UPDATE tasks SET lease_worker = NULL, lease_until = NULL "
	    "WHERE id = ?1 AND lease_worker = ?2 AND status = 'cancelled'",
	[STMT_TASK_STATUS] =
	    "SELECT status FROM tasks WHERE id = ?1",
	[STMT_TASK_DELETE] =
	    "DELETE FROM tasks WHERE id = ?1 " OWNED(2) " RETURNING filename, "
	    "subtitle_files",
	[STMT_TASK_BY_FILENAME] =
	    "SELECT id FROM tasks WHERE filename = ?1 AND filename != '' "
	    "AND status = 'completed' " OWNED(2),
	[STMT_TASK_COUNTS] =
	    "SELECT status, count(*) FROM tasks GROUP BY status",
	[STMT_DATA_VERSION] =
	    "PRAGMA data_version",
	/*
	 * Read before each claim: an UPDATE takes the write lock even when it
	 * changes nothing, and the worker tries to claim after every commit of
	 * the API's, so that under a flood of creates an idle look-up claim (or
	 * a task claim with nothing pending) made every other create wait.
	 */
	[STMT_TASK_CLAIMABLE] =
	    "SELECT EXISTS (SELECT 1 FROM owner_queue WHERE pending > 0)",
	[STMT_LOOKUP_CLAIMABLE] =
	    "SELECT EXISTS (SELECT 1 FROM lookups WHERE status = 'pending')",
	/*
	 * One statement, so two workers (or a restart racing itself) never claim
	 * twice.  Owners take turns (migration 006): of the owners with pending
	 * tasks, the one with the fewest running, then the one served longest
	 * ago, then the one whose oldest task is oldest; and that task.  Each
	 * owner costs two probes of the index tasks_owner_status, however long
	 * the queues (test_store.c reads the plan).
	 */
	[STMT_TASK_CLAIM] =
	    "UPDATE tasks SET status = 'downloading', lease_worker = ?1, "
	    "lease_until = ?2, attempts = attempts + 1, updated_at = ?3 "
	    "WHERE seq = (SELECT next FROM (SELECT (SELECT t.seq FROM tasks AS t "
	    "WHERE t.owner_key IS nullif(q.owner, 0) AND t.status = 'pending' "
	    "ORDER BY t.seq LIMIT 1) AS next, (SELECT count(*) FROM tasks AS r "
	    "WHERE r.owner_key IS nullif(q.owner, 0) AND r.status IN " RUNNING ") "
	    "AS running, q.last_claim, q.owner FROM owner_queue AS q "
	    "WHERE q.pending > 0) WHERE next IS NOT NULL "
	    "ORDER BY running, last_claim, next LIMIT 1) AND status = 'pending' "
	    "RETURNING id, coalesce(media_url, url), download_type, quality, "
	    "coalesce(format_id, ''), audio_format, playlist_id IS NOT NULL, attempts, "
	    "coalesce(owner_key, 0), embed_metadata, sponsorblock, "
	    UNIX_NOW " - queued_at, subtitle_langs, seq",
	/*
	 * The one write a run makes often finds its row by seq, the rowid the
	 * claim returned, not by id: a task claimed a while ago has its page of
	 * the id index out of the cache in a large table, and reading it back
	 * made each update half as slow again at 100,000 tasks
	 * (docs/benchmarks.md, item 7).  The claim itself read the row's pages.
	 */
	[STMT_TASK_PROGRESS] =
	    "UPDATE tasks SET progress = ?2, speed = ?3, eta = ?4, "
	    "filesize = CASE WHEN ?5 > 0 THEN ?5 ELSE filesize END, "
	    "downloaded_bytes = ?6, updated_at = ?7 "
	    "WHERE seq = ?1 AND status = 'downloading'",
	[STMT_TASK_SET_INFO] =
	    "UPDATE tasks SET title = coalesce(?2, title), "
	    "thumbnail = coalesce(?3, thumbnail), "
	    "format_note = coalesce(?4, format_note), updated_at = ?5 "
	    "WHERE id = ?1 AND status IN " RUNNING,
	[STMT_TASK_SET_PLAYLIST] =
	    "UPDATE tasks SET is_playlist = 1, playlist_id = ?2, "
	    "playlist_index = ?3, playlist_total = ?4, media_url = ?5, "
	    "updated_at = ?6 WHERE id = ?1 AND status IN " RUNNING,
	[STMT_TASK_SET_PROCESSING] =
	    "UPDATE tasks SET status = 'processing', speed = '', eta = '', "
	    "updated_at = ?2 WHERE id = ?1 AND status = 'downloading'",
	[STMT_TASK_COMPLETE] =
	    "UPDATE tasks SET status = 'completed', progress = 100, speed = '', "
	    "eta = '', filename = ?2, filesize = ?3, downloaded_bytes = ?3, "
	    "format_note = coalesce(?4, format_note), completed_at = ?5, "
	    "updated_at = ?5, lease_worker = NULL, lease_until = NULL, "
	    "title = coalesce(?6, title), "
	    "local_thumbnail = max(local_thumbnail, ?7), "
	    "subtitle_files = coalesce(?8, '') "
	    "WHERE id = ?1 AND status IN " RUNNING,
	[STMT_TASK_FAIL] =
	    "UPDATE tasks SET status = 'error', error_message = ?2, speed = '', "
	    "eta = '', updated_at = ?3, lease_worker = NULL, lease_until = NULL "
	    "WHERE id = ?1 AND status IN " LIVE,
	/*
	 * Crash recovery: the running rows of no live worker (store_worker_reap
	 * has just deleted a dead worker's row, in the same transaction).
	 * Going back to pending is the one backward move a status makes: the
	 * run never finished.
	 */
	[STMT_TASK_REQUEUE] =
	    "UPDATE tasks SET status = 'pending', progress = 0, speed = '', "
	    "eta = '', downloaded_bytes = 0, lease_worker = NULL, lease_until = NULL, "
	    "updated_at = ?2, queued_at = " UNIX_NOW " "
	    "WHERE status IN " RUNNING " AND attempts < ?1 AND " ORPHAN,
	[STMT_TASK_ABANDON] =
	    "UPDATE tasks SET status = 'error', error_message = ?2, speed = '', "
	    "eta = '', lease_worker = NULL, lease_until = NULL, updated_at = ?3 "
	    "WHERE status IN " RUNNING " AND attempts >= ?1 AND " ORPHAN,
	/*
	 * A worker stopping on purpose hands its run back: pending again, and the
	 * interrupted attempt does not count against the crash limit.
	 */
	[STMT_TASK_RELEASE] =
	    "UPDATE tasks SET status = 'pending', progress = 0, speed = '', "
	    "eta = '', downloaded_bytes = 0, lease_worker = NULL, lease_until = NULL, "
	    "attempts = max(attempts - 1, 0), updated_at = ?2, "
	    "queued_at = " UNIX_NOW " WHERE id = ?1 AND status IN " RUNNING,
	[STMT_LEASE_REFRESH] =
	    "UPDATE tasks SET lease_until = ?2 WHERE lease_worker = ?1 "
	    "AND status IN " RUNNING,
	[STMT_META_SET] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[STMT_META_GET] =
	    "SELECT value FROM meta WHERE key = ?1",
	/* A live look-up for the question, or else its newest fresh answer. */
	[STMT_LOOKUP_FIND] =
	    "SELECT id, status, answer, error, error_status FROM lookups "
	    "WHERE kind = ?1 AND query = ?2 AND search_prefix = ?5 AND "
	    "max_results = ?3 AND cookie_owner = ?6 AND "
	    "(status IN ('pending', 'running') OR "
	    "(status = 'done' AND expires_at > ?4)) "
	    "ORDER BY status = 'done', id DESC LIMIT 1",
	/* The partial unique index turns a racing second insert into no row. */
	[STMT_LOOKUP_INSERT] =
	    "INSERT INTO lookups (kind, query, max_results, created_at, "
	    "search_prefix, cookie_owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT DO NOTHING RETURNING id",
	[STMT_LOOKUP_GET] =
	    "SELECT id, status, answer, error, error_status FROM lookups "
	    "WHERE id = ?1",
	[STMT_LOOKUP_ABANDON] =
	    "UPDATE lookups SET status = 'error', error_status = 504, "
	    "error = ?2 WHERE id = ?1 AND status IN ('pending', 'running')",
	[STMT_LOOKUP_CLAIM] =
	    "UPDATE lookups SET status = 'running', lease_worker = ?1 "
	    "WHERE id = (SELECT id FROM lookups WHERE status = 'pending' "
	    "ORDER BY id LIMIT 1) AND status = 'pending' "
	    "RETURNING id, kind, query, max_results, search_prefix, cookie_owner",
	[STMT_LOOKUP_FINISH] =
	    "UPDATE lookups SET status = 'done', answer = ?2, expires_at = ?3, "
	    "answer_bytes = ?4, lease_worker = NULL WHERE id = ?1 AND status = 'running'",
	[STMT_LOOKUP_FAIL] =
	    "UPDATE lookups SET status = 'error', error_status = ?2, error = ?3, "
	    "lease_worker = NULL WHERE id = ?1 AND status IN ('pending', 'running')",
	/* Answers past their time, and errors (never reused) after a minute. */
	[STMT_LOOKUP_PRUNE_EXPIRED] =
	    "DELETE FROM lookups WHERE (status = 'done' AND expires_at <= ?1) "
	    "OR (status = 'error' AND created_at <= ?1 - 60)",
	/* However busy the TTL window, the cache keeps only the newest ?1 rows. */
	[STMT_LOOKUP_PRUNE_EXCESS] =
	    "DELETE FROM lookups WHERE status IN ('done', 'error') AND id <= "
	    "(SELECT id FROM lookups ORDER BY id DESC LIMIT 1 OFFSET ?1)",
	/*
	 * And only the newest answers whose sizes add up to ?1 bytes: the
	 * first row, newest first, that takes the sum past it goes, and every
	 * older one.  Read from lookups_kept (migration 006), not the table.
	 */
	[STMT_LOOKUP_PRUNE_BYTES] =
	    "DELETE FROM lookups WHERE status IN ('done', 'error') AND id <= "
	    "(SELECT id FROM (SELECT id, sum(answer_bytes) OVER (ORDER BY id DESC) "
	    "AS upto FROM lookups WHERE status IN ('done', 'error')) "
	    "WHERE upto > ?1 ORDER BY id DESC LIMIT 1)",
	/* Look-ups a dead worker (or this one, ?1, stopping) was running never finished. */
	[STMT_LOOKUP_RECOVER] =
	    "UPDATE lookups SET status = 'error', error_status = 502, "
	    "error = 'The worker restarted during the look-up', lease_worker = NULL "
	    "WHERE status = 'running' AND " MINE_OR_ORPHAN(1),
	[STMT_KEY_INSERT] =
	    "INSERT INTO api_keys (name, prefix, hash, admin, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_KEY_BY_PREFIX] =
	    "SELECT id, hash, admin, revoked_at IS NOT NULL FROM api_keys "
	    "WHERE prefix = ?1",
	/* Every signed media request: one read by the primary key. */
	[STMT_KEY_BY_ID] =
	    "SELECT admin, revoked_at IS NOT NULL FROM api_keys WHERE id = ?1",
	[STMT_KEY_ANY] =
	    "SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)",
	[STMT_KEY_LIST] =
	    "SELECT name, prefix, admin, created_at, coalesce(revoked_at, '') "
	    "FROM api_keys ORDER BY id",
	[STMT_KEY_REVOKE] =
	    "UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 "
	    "AND revoked_at IS NULL",
	/*
	 * A subscription only while its owner has fewer than ?17: counted in
	 * the insert's own statement, under the write lock, as for tasks.
	 */
	[STMT_TASK_CHANGES] =
	    "SELECT n FROM task_changes WHERE id = 1",
	[STMT_METRIC_ADD] =
	    "INSERT INTO metrics (name, labels, value) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
	[STMT_METRICS] =
	    "SELECT name, labels, value FROM metrics ORDER BY name, labels",
	[STMT_SUB_INSERT] =
	    "INSERT INTO subscriptions (id, owner_key, url, name, download_type, "
	    "quality, format_id, audio_format, check_every, backlog, "
	    "title_include, title_exclude, min_duration, max_duration, skip_live, "
	    "next_check_at, created_at, updated_at, embed_metadata, sponsorblock, "
	    "subtitles, listing_order) "
	    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, nullif(?7, ''), ?8, ?9, ?10, "
	    "nullif(?11, ''), nullif(?12, ''), ?13, ?14, ?15, ?16, ?18, ?18, "
	    "?19, ?20, ?21, ?22 "
	    "WHERE (SELECT count(*) FROM subscriptions WHERE owner_key IS ?2) < ?17",
	[STMT_SUB_GET] =
	    "SELECT " SUB_COLS " FROM subscriptions WHERE id = ?1 " OWNED(2),
	[STMT_SUB_RECORD] =
	    "SELECT record FROM subscription_records WHERE id = ?1 " OWNED(2),
	[STMT_SUB_LIST] =
	    "SELECT record FROM subscription_records ORDER BY seq DESC",
	[STMT_SUB_LIST_OWNER] =
	    "SELECT record FROM subscription_records WHERE owner_key = ?1 "
	    "ORDER BY seq DESC",
	/*
	 * Enabled again: due now.  A shorter interval takes effect at once, a
	 * longer one from the next check.  Disabled: a check under way ends as
	 * it would have.
	 */
	[STMT_SUB_UPDATE] =
	    "UPDATE subscriptions SET name = ?3, download_type = ?4, quality = ?5, "
	    "format_id = nullif(?6, ''), audio_format = ?7, "
	    "title_include = nullif(?9, ''), title_exclude = nullif(?10, ''), "
	    "min_duration = ?11, max_duration = ?12, skip_live = ?13, "
	    "next_check_at = CASE WHEN ?14 = 1 AND enabled = 0 THEN ?15 "
	    "WHEN ?8 < check_every THEN min(next_check_at, ?15 + ?8) "
	    "ELSE next_check_at END, "
	    "check_every = ?8, enabled = ?14, updated_at = ?16, "
	    "embed_metadata = ?17, sponsorblock = ?18, subtitles = ?19, "
	    "listing_order = ?20 "
	    "WHERE id = ?1 " OWNED(2),
	[STMT_SUB_DELETE] =
	    "DELETE FROM subscriptions WHERE id = ?1 " OWNED(2),
	/*
	 * Asked during a check: a time after the claim's (STMT_SUB_CLAIM sets
	 * it), which the check's end keeps (STMT_SUB_CHECKED, STMT_SUB_FAILED),
	 * so that another check follows at once.
	 */
	[STMT_SUB_CHECK_NOW] =
	    "UPDATE subscriptions SET next_check_at = iif(state = 'checking', "
	    "max(next_check_at + 1, ?3), min(next_check_at, ?3)), updated_at = ?4 "
	    "WHERE id = ?1 AND enabled = 1 " OWNED(2),
	[STMT_SUB_NEXT_DUE] =
	    "SELECT min(next_check_at) FROM subscriptions WHERE enabled = 1 "
	    "AND state != 'checking'",
	[STMT_SUB_CLAIM] =
	    "UPDATE subscriptions SET state = 'checking', lease_worker = ?1, "
	    "next_check_at = ?2 "
	    "WHERE id = (SELECT id FROM subscriptions WHERE enabled = 1 AND "
	    "state != 'checking' AND next_check_at <= ?2 "
	    "ORDER BY next_check_at LIMIT 1) AND state != 'checking' "
	    "RETURNING " SUB_COLS,
	[STMT_SUB_SEEN_ADD] =
	    "INSERT INTO subscription_seen (subscription_id, entry, seen_at) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
	/* A listing without a title leaves an unnamed subscription unnamed; ?7 is cut to fit. */
	/*
	 * Only while the subscription is still enabled and its key not
	 * revoked: a check that ends after a pause or a revocation changes
	 * nothing, and its transaction (seen entries, tasks) is rolled back.
	 */
	[STMT_SUB_CHECKED] =
	    "UPDATE subscriptions SET state = 'idle', primed = 1, failures = 0, "
	    "last_error = '', last_checked_at = ?4, "
	    "next_check_at = iif(next_check_at > ?8, next_check_at, ?3), "
	    "seen_count = seen_count + ?5, downloaded_count = downloaded_count + ?6, "
	    "name = iif(name = '', coalesce(?7, ''), name), "
	    "lease_worker = NULL, updated_at = ?4 "
	    "WHERE id = ?1 AND state = 'checking' AND lease_worker = ?2 "
	    "AND enabled = 1 AND (owner_key IS NULL OR (SELECT revoked_at "
	    "FROM api_keys WHERE id = owner_key) IS NULL)",
	/* Sooner than the interval, never sooner than ?5 s, doubling with each failure. */
	[STMT_SUB_FAILED] =
	    "UPDATE subscriptions SET state = 'error', last_error = ?3, "
	    "last_checked_at = ?4, next_check_at = iif(next_check_at > ?7, "
	    "next_check_at, ?6 + min(check_every, ?5 * (1 << min(failures, 12)))), "
	    "failures = failures + 1, "
	    "lease_worker = NULL, updated_at = ?4 "
	    "WHERE id = ?1 AND state = 'checking' AND lease_worker = ?2",
	/* Nothing of an unfinished check was written: it is due again as it was. */
	[STMT_SUB_RECOVER] =
	    "UPDATE subscriptions SET state = CASE WHEN last_error != '' "
	    "THEN 'error' WHEN primed = 1 THEN 'idle' ELSE 'new' END, "
	    "lease_worker = NULL WHERE state = 'checking' AND " MINE_OR_ORPHAN(1),
	/* The same for one check whose listing was not recorded (see STMT_SUB_CHECKED). */
	[STMT_SUB_RELEASE] =
	    "UPDATE subscriptions SET state = CASE WHEN last_error != '' "
	    "THEN 'error' WHEN primed = 1 THEN 'idle' ELSE 'new' END, "
	    "lease_worker = NULL WHERE id = ?1 AND state = 'checking' AND lease_worker = ?2",
	/* A webhook only while its owner has fewer than ?7, counted as for subscriptions. */
	[STMT_HOOK_INSERT] =
	    "INSERT INTO webhooks (id, owner_key, url, events, secret, created_at) "
	    "SELECT ?1, ?2, ?3, ?4, ?5, ?6 "
	    "WHERE (SELECT count(*) FROM webhooks WHERE owner_key IS ?2) < ?7",
	[STMT_HOOK_RECORD] =
	    "SELECT record FROM webhook_records WHERE id = ?1 " OWNED(2),
	[STMT_HOOK_LIST] =
	    "SELECT record FROM webhook_records ORDER BY seq DESC",
	[STMT_HOOK_LIST_OWNER] =
	    "SELECT record FROM webhook_records WHERE owner_key = ?1 "
	    "ORDER BY seq DESC",
	[STMT_HOOK_DELETE] =
	    "DELETE FROM webhooks WHERE id = ?1 " OWNED(2),
	[STMT_HOOK_PING] =
	    "INSERT INTO deliveries (webhook_id, event, data, title, message) "
	    "SELECT id, 'ping', data, title, message "
	    "FROM webhook_pings WHERE id = ?1 " OWNED(2),
	[STMT_DELIVERY_NEXT_DUE] =
	    "SELECT min(next_attempt_at) FROM deliveries WHERE state = 'pending'",
	/* Title and message cut to what a notification shows (characters, not bytes). */
	[STMT_DELIVERY_CLAIM] =
	    "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, "
	    "lease_worker = ?2 "
	    "WHERE seq = (SELECT seq FROM deliveries WHERE state = 'pending' AND "
	    "next_attempt_at <= ?1 ORDER BY next_attempt_at, seq LIMIT 1) "
	    "AND state = 'pending' RETURNING id, webhook_id, event, body, "
	    "substr(title, 1, 200), substr(message, 1, 900), attempts",
	/* Private targets: a webhook made with keys off or by an admin key. */
	[STMT_DELIVERY_TARGET] =
	    "SELECT w.url, w.secret, w.owner_key IS NULL OR coalesce(k.admin, 0) "
	    "FROM webhooks AS w LEFT JOIN api_keys AS k ON k.id = w.owner_key "
	    "WHERE w.id = ?1",
	/* ?2: pending again at ?3, or delivered, or failed (given up). */
	[STMT_DELIVERY_END] =
	    "UPDATE deliveries SET state = ?2, next_attempt_at = ?3, "
	    "done_at = iif(?2 = 'pending', NULL, ?4), lease_worker = NULL "
	    "WHERE id = ?1 AND state = 'sending'",
	[STMT_HOOK_ATTEMPTED] =
	    "UPDATE webhooks SET last_delivery_at = ?2, last_status = ?3, "
	    "failures = failures + ?4 WHERE id = ?1",
	/* A delivery a dead worker (or this one, ?1, stopping) was sending is due again. */
	[STMT_DELIVERY_RECOVER] =
	    "UPDATE deliveries SET state = 'pending', lease_worker = NULL "
	    "WHERE state = 'sending' AND " MINE_OR_ORPHAN(1),
	[STMT_DELIVERY_PRUNE] =
	    "DELETE FROM deliveries WHERE state IN ('delivered', 'failed') "
	    "AND done_at < ?1",
	/* Times in unix seconds; a worker's row lives from its start to its stop. */
	[STMT_WORKER_ADD] =
	    "INSERT INTO workers (host, pid, started_at, heartbeat_at, lease_until) "
	    "VALUES (?1, ?2, ?3, ?3, ?4) RETURNING id",
	[STMT_WORKER_BEAT] =
	    "UPDATE workers SET heartbeat_at = ?2, lease_until = ?3 WHERE id = ?1",
	[STMT_WORKER_REMOVE] =
	    "DELETE FROM workers WHERE id = ?1",
	[STMT_WORKER_LIST] =
	    "SELECT id, host, pid, started_at, heartbeat_at, lease_until "
	    "FROM workers ORDER BY id",
	[STMT_WORKER_EXISTS] =
	    "SELECT EXISTS (SELECT 1 FROM workers WHERE id = ?1)",
	/* A worker of this host whose pid is gone: dead now, not at its lease's end. */
	[STMT_WORKER_EXPIRE] =
	    "UPDATE workers SET lease_until = 0 WHERE id = ?1 AND host = ?2 "
	    "AND pid = ?3 AND id != ?4",
	/* The periodic look: cheap, the tables are a few rows and an index range. */
	[STMT_WORKER_DEAD_ANY] =
	    "SELECT EXISTS (SELECT 1 FROM workers WHERE id != ?1 AND "
	    "lease_until < ?2) OR EXISTS (SELECT 1 FROM tasks WHERE status IN "
	    RUNNING " AND " ORPHAN ")",
	/* ?3: every other worker is dead (SQLite's lock holder knows it). */
	[STMT_WORKER_DEAD_PICK] =
	    "SELECT id FROM workers WHERE id != ?1 AND (?3 OR lease_until < ?2) "
	    "ORDER BY id LIMIT 1",
	[STMT_TASK_ORPHANS] =
	    "SELECT id FROM tasks WHERE status IN " RUNNING " AND " ORPHAN,
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
};

struct store {
	struct db		*db;
	const char *const	*sqls;		/* the backend's text of each statement */
	struct db_stmt		*stmts[STMT__MAX];
	int64_t			 data_version;
};

const char *const task_status_str[TASK_STATUS__MAX] = {
	[TASK_PENDING] =	"pending",
	[TASK_DOWNLOADING] =	"downloading",
	[TASK_PROCESSING] =	"processing",
	[TASK_COMPLETED] =	"completed",
	[TASK_ERROR] =		"error",
	[TASK_CANCELLED] =	"cancelled",
};

const char *const sponsorblock_str[SPONSORBLOCK__MAX] = {
	[SPONSORBLOCK_OFF] =	"off",
	[SPONSORBLOCK_MARK] =	"mark",
	[SPONSORBLOCK_REMOVE] =	"remove",
};

const char *const listing_order_str[LISTING_ORDER__MAX] = {
	[LISTING_NEWEST_FIRST] =	"newest_first",
	[LISTING_OLDEST_FIRST] =	"oldest_first",
};

const char *const lookup_kind_str[LOOKUP_KIND__MAX] = {
	[LOOKUP_SEARCH] =	"search",
	[LOOKUP_TRENDING] =	"trending",
	[LOOKUP_INFO] =		"info",
};

const char *const lookup_state_str[LOOKUP_STATE__MAX] = {
	[LOOKUP_PENDING] =	"pending",
	[LOOKUP_RUNNING] =	"running",
	[LOOKUP_DONE] =		"done",
	[LOOKUP_ERROR] =	"error",
};

const char *const sub_state_str[SUB_STATE__MAX] = {
	[SUB_NEW] =		"new",
	[SUB_IDLE] =		"idle",
	[SUB_CHECKING] =	"checking",
	[SUB_ERROR] =		"error",
};

const char *const hook_event_str[HOOK_EVENT__MAX] = {
	[HOOK_TASK_COMPLETED] =	"task.completed",
	[HOOK_TASK_ERROR] =	"task.error",
	[HOOK_SUB_NEW] =	"subscription.new",
	[HOOK_SUB_ERROR] =	"subscription.error",
	[HOOK_PING] =		"ping",
};

const char *const delivery_end_str[DELIVERY_END__MAX] = {
	[DELIVERY_RETRY] =	"pending",
	[DELIVERY_DELIVERED] =	"delivered",
	[DELIVERY_FAILED] =	"failed",
};

/* The index of s in names[n], or -1. */
static int
name_index(const char *const *names, int n, const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int
task_status_parse(const char *s, enum task_status *st)
{
	int	 i;

	if ((i = name_index(task_status_str, TASK_STATUS__MAX, s)) == -1)
		return -1;
	*st = (enum task_status)i;
	return 0;
}

int
hook_event_parse(const char *s, enum hook_event *e)
{
	int	 i;

	if ((i = name_index(hook_event_str, HOOK_EVENT__MAX, s)) == -1)
		return -1;
	*e = (enum hook_event)i;
	return 0;
}

int
sponsorblock_parse(const char *s, enum sponsorblock *sb)
{
	int	 i;

	if ((i = name_index(sponsorblock_str, SPONSORBLOCK__MAX, s)) == -1)
		return -1;
	*sb = (enum sponsorblock)i;
	return 0;
}

int
listing_order_parse(const char *s, enum listing_order *lo)
{
	int	 i;

	if ((i = name_index(listing_order_str, LISTING_ORDER__MAX, s)) == -1)
		return -1;
	*lo = (enum listing_order)i;
	return 0;
}

/* A column holding a name of names[n], as its index; -1 for anything else. */
static int
col_name(struct db_stmt *st, int col, const char *const *names, int n)
{
	return name_index(names, n, db_col_text(st, col));
}

const char *
store_errmsg(struct store *s)
{
	return db_errmsg(s->db);
}

/* An owner id, or SQL NULL for "any owner" (0 or less: keys off, or an admin). */
static int
bind_owner(struct db_stmt *st, int i, long long owner)
{
	if (owner <= 0)
		return db_bind_null(st, i);
	return db_bind_int64(st, i, owner);
}

/*
 * A statement of the backend's table, prepared at its first use on this
 * connection and kept until store_close(); NULL if the database refused it
 * (store_errmsg() says why).  Preparing all of them at open cost 1.2 MB a
 * connection on SQLite, most of it the triggers compiled into every UPDATE
 * of tasks, and the API opens one connection a thread, most of which never
 * run the worker's statements.
 */
static struct db_stmt *
stmt(struct store *s, enum stmt i)
{
	if (s->stmts[i] == NULL)
		s->stmts[i] = db_prepare(s->db, s->sqls[i]);
	return s->stmts[i];
}

/*
 * Runs a statement that returns no rows; returns how many it changed, or -1
 * (also for st NULL: a statement stmt() could not prepare).
 */
static int
stmt_count(struct store *s, struct db_stmt *st)
{
	int	 rc;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return -1;
	return db_changes(s->db);
}

/* The same, in the convention: 1 when it changed a row, 0 when none. */
static int
stmt_exec(struct store *s, struct db_stmt *st)
{
	int	 n;

	if ((n = stmt_count(s, st)) == -1)
		return -1;
	return n > 0;
}

/* A statement run for what it does (BEGIN, COMMIT): 1 done, -1 refused. */
static int
stmt_do(struct store *s, struct db_stmt *st)
{
	return stmt_count(s, st) == -1 ? -1 : 1;
}

static int
copy_col(struct db_stmt *st, int col, char *buf, size_t len)
{
	const char	*v = db_col_text(st, col);
	size_t			 n;

	if (v == NULL) {
		buf[0] = '\0';
		return 0;
	}
	n = db_col_len(st, col);
	if (n >= len)
		return -1;
	memcpy(buf, v, n + 1);
	return 0;
}

/*
 * Steps a statement whose answer is one text column of at most one row into
 * buf: 1 found, 0 no row, -1 database error or a value too long for buf.
 */
static int
step_text(struct db_stmt *st, char *buf, size_t len)
{
	int	 rc, found = 0;

	buf[0] = '\0';
	rc = db_step(st);
	if (rc == DB_ROW && copy_col(st, 0, buf, len) == 0)
		found = 1;
	db_reset(st);
	if (rc == DB_ROW && !found)
		return -1;
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return found;
}

/* Steps a SELECT EXISTS (...): 1, 0, or -1 on a database error (or st NULL). */
static int
step_exists(struct db_stmt *st)
{
	int	 rc, yes;

	if (st == NULL)
		return -1;
	rc = db_step(st);
	yes = rc == DB_ROW ? db_col_int(st, 0) != 0 : -1;
	db_reset(st);
	return yes;
}

/*
 * Opening and closing, and what only one backend has: its own functions
 * (db_sqlite.c, db_pg.c) behind store.h's names.
 */
int
store_is_pg(const char *database)
{
	return strncmp(database, "postgresql://", 13) == 0 ||
	    strncmp(database, "postgres://", 11) == 0;
}

/* database: a libpq URI (store_is_pg()), else the SQLite file's path. */
struct store *
store_open(const char *database, char *err, size_t errlen)
{
	struct store	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (store_is_pg(database)) {
		s->db = db_pg_open(database, err, errlen);
		s->sqls = store_pg_sqls;
	} else {
		s->db = db_sqlite_open(database, err, errlen);
		s->sqls = sqls;
	}
	if (s->db == NULL) {
		free(s);
		return NULL;
	}
	s->data_version = -1;
	return s;
}

/* The socket to poll for store_changed() (PostgreSQL's), or -1 (SQLite: none). */
int
store_wait_fd(struct store *s)
{
	return db_kind(s->db) == DB_PG ? db_pg_socket(s->db) : -1;
}

int
store_prepare_all(struct store *s, char *err, size_t errlen)
{
	int	 i;

	for (i = 0; i < STMT__MAX; i++)
		if (stmt(s, i) == NULL) {
			snprintf(err, errlen, "statement %d: %s", i,
			    db_errmsg(s->db));
			return -1;
		}
	return 1;
}

void
store_close(struct store *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT__MAX; i++)
		if (s->stmts[i] != NULL)
			db_finalize(s->stmts[i]);
	db_close(s->db);
	free(s);
}

/* How often a commit of this connection checkpoints: see db_sqlite.c. */
void
store_autocheckpoint(struct store *s, int pages)
{
	if (db_kind(s->db) == DB_SQLITE)
		db_sqlite_autocheckpoint(s->db, pages);
}

/* The worker's timed checkpoint: see db_sqlite.c. */
int
store_checkpoint(struct store *s)
{
	/* PostgreSQL checkpoints on its own. */
	if (db_kind(s->db) != DB_SQLITE)
		return 1;
	return db_sqlite_checkpoint(s->db);
}

/*
 * How long the next statements wait for a lock another program holds; 0
 * puts back the usual wait.  A write the worker tries again anyway
 * (a run's end, progress, the heartbeat) waits less, so that a lock held
 * for long never holds the worker's loop as long.
 */
void
store_busy_wait(struct store *s, int ms)
{
	db_busy_wait(s->db, ms);
}

/*
 * From now on no statement waits longer than ms for a lock, whatever
 * store_busy_wait() asks: the worker's stop, where every write that is not
 * made is the next start's to make, and a locked database must not hold
 * the stop for the usual wait at each of them.
 */
void
store_busy_cap(struct store *s, int ms)
{
	db_busy_cap(s->db, ms);
}

int
store_begin(struct store *s)
{
	return stmt_do(s, stmt(s, STMT_BEGIN));
}

int
store_commit(struct store *s)
{
	return stmt_do(s, stmt(s, STMT_COMMIT));
}

void
store_rollback(struct store *s)
{
	(void)stmt_do(s, stmt(s, STMT_ROLLBACK));
}

/*
 * Hands a row of TASK_COLS to cb.  The record is SQLite's own JSON object
 * (migration 005); one that does not end in '}' would break every answer
 * that appends to it, so it is an error here rather than there.
 */
static int
row_emit(struct db_stmt *st, store_task_cb cb, void *arg)
{
	struct store_task_row	 row;

	row.record = db_col_text(st, 0);
	row.record_len = db_col_len(st, 0);
	row.filename = db_col_text(st, 1);
	row.completed = db_col_int(st, 2);
	row.id = db_col_text(st, 3);
	row.local_thumbnail = db_col_int(st, 4);
	row.subtitle_files = db_col_text(st, 5);
	if (row.record == NULL || row.record_len < 2 || row.record[0] != '{' ||
	    row.record[row.record_len - 1] != '}' || row.filename == NULL ||
	    row.id == NULL || row.subtitle_files == NULL)
		return -1;
	return cb(arg, &row) == 0 ? 0 : -1;
}

/*
 * Binds t to the insert; the caller steps it (NULL: the database refused to
 * prepare it).  The cap is checked by the statement itself (see
 * STMT_TASK_INSERT).
 */
static struct db_stmt *
insert_bind(struct store *s, const struct task_new *t, char now[ISO_TIME_LEN])
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_TASK_INSERT)) == NULL)
		return NULL;
	util_iso_now(now);
	db_bind_text(st, 1, t->id);
	db_bind_text(st, 2, t->url);
	db_bind_text(st, 3, t->download_type);
	db_bind_text(st, 4, t->quality);
	db_bind_text(st, 5, t->format_id);
	db_bind_text(st, 6, t->audio_format);
	db_bind_text(st, 7, t->title);
	db_bind_text(st, 8, t->thumbnail);
	db_bind_text(st, 9, t->playlist_id);
	db_bind_int64(st, 10, t->playlist_index);
	db_bind_int64(st, 11, t->playlist_total > 0 ? t->playlist_total : 1);
	db_bind_text(st, 12, now);
	bind_owner(st, 13, t->owner);
	if (t->max_pending > 0)
		db_bind_int64(st, 14, t->max_pending);
	db_bind_text(st, 15, t->error);
	db_bind_int64(st, 16, t->embed_metadata != 0);
	db_bind_text(st, 17, sponsorblock_str[t->sponsorblock]);
	db_bind_text(st, 18, t->subscription_id);
	db_bind_text(st, 19, t->subtitles);
	return st;
}

/* Copies a row's record, file name, id and subtitles into one allocation that c owns. */
static int
row_copy(void *arg, const struct store_task_row *row)
{
	struct store_task_copy	*c = arg;
	size_t			 fn = strlen(row->filename) + 1;
	size_t			 id = strlen(row->id) + 1;
	size_t			 sf = strlen(row->subtitle_files) + 1;
	char			*p;

	if ((c->mem = p = malloc(row->record_len + fn + id + sf)) == NULL)
		return -1;
	c->row = *row;
	c->row.record = memcpy(p, row->record, row->record_len);
	p += row->record_len;
	c->row.filename = memcpy(p, row->filename, fn);
	p += fn;
	c->row.id = memcpy(p, row->id, id);
	p += id;
	c->row.subtitle_files = memcpy(p, row->subtitle_files, sf);
	return 0;
}

void
store_task_copy_free(struct store_task_copy *c)
{
	free(c->mem);
	memset(c, 0, sizeof(*c));
}

/*
 * The row is written by the first step, so the insert runs in a
 * transaction of its own: should the copy fail, no task is left behind
 * that the caller will not answer for.
 */
int
store_task_create(struct store *s, const struct task_new *t,
    struct store_task_copy *c)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];
	int		 rc, inserted = 0;

	memset(c, 0, sizeof(*c));
	if (store_begin(s) == -1)
		return -1;
	if ((st = insert_bind(s, t, now)) == NULL) {
		store_rollback(s);
		return -1;
	}
	if ((rc = db_step(st)) == DB_ROW) {
		inserted = 1;
		if (row_emit(st, row_copy, c) == -1)
			rc = DB_ERROR;
		else
			rc = db_step(st);	/* this step ends the statement */
	}
	db_reset(st);
	if (rc != DB_DONE || store_commit(s) == -1) {
		store_rollback(s);
		store_task_copy_free(c);
		return -1;
	}
	return inserted;
}

int
store_task_insert(struct store *s, const struct task_new *t)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];
	int		 rc, inserted = 0;

	if ((st = insert_bind(s, t, now)) == NULL)
		return -1;
	if ((rc = db_step(st)) == DB_ROW) {
		inserted = 1;
		rc = db_step(st);
	}
	db_reset(st);
	return rc == DB_DONE ? inserted : -1;
}

/* 1: cb was given the task; 0: no such task for this owner; -1: an error, or cb's. */
int
store_task_get(struct store *s, const char *id, long long owner,
    store_task_cb cb, void *arg)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = stmt(s, STMT_TASK_GET)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	rc = db_step(st);
	if (rc == DB_ROW)
		rc = row_emit(st, cb, arg) == 0 ? 1 : -1;
	else
		rc = rc == DB_DONE ? 0 : -1;
	db_reset(st);
	return rc;
}

/* A task's status and one text of it (statement st): 1 found, 0 not for this owner. */
static int
task_status_text(struct db_stmt *st, const char *id, long long owner,
    enum task_status *status, char *buf, size_t len)
{
	int	 rc, i;

	*status = TASK_PENDING;
	buf[0] = '\0';
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	rc = db_step(st);
	if (rc == DB_ROW) {
		i = col_name(st, 0, task_status_str, TASK_STATUS__MAX);
		rc = i != -1 && copy_col(st, 1, buf, len) == 0 ? 1 : -1;
		if (rc == 1)
			*status = (enum task_status)i;
	}
	else
		rc = rc == DB_DONE ? 0 : -1;
	db_reset(st);
	return rc;
}

/* What the routes that hand a file to nginx need: 1 found, 0 not for this owner. */
int
store_task_file(struct store *s, const char *id, long long owner,
    enum task_status *status, char filename[STORE_FILENAME_MAX + 1])
{
	return task_status_text(stmt(s, STMT_TASK_FILE), id, owner, status,
	    filename, STORE_FILENAME_MAX + 1);
}

/* What GET /api/subtitles needs: the stored languages. */
int
store_task_subtitles(struct store *s, const char *id, long long owner,
    enum task_status *status, char subtitles[STORE_SUBTITLES_LEN])
{
	return task_status_text(stmt(s, STMT_TASK_SUBTITLES), id, owner, status,
	    subtitles, STORE_SUBTITLES_LEN);
}

/*
 * Calls cb for each task, newest first, one row at a time: the caller streams
 * each record out, so memory stays flat however long the list is.
 */
int
store_task_list(struct store *s, const enum task_status *status,
    long long owner, long long limit, long long offset, store_task_cb cb,
    void *arg)
{
	struct db_stmt		*st;
	int			 rc, stop = 0;

	if (owner > 0)
		st = stmt(s, status != NULL ? STMT_TASK_LIST_OWNER_STATUS :
		    STMT_TASK_LIST_OWNER);
	else
		st = stmt(s, status != NULL ? STMT_TASK_LIST_STATUS : STMT_TASK_LIST);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, limit);
	db_bind_int64(st, 2, offset);
	if (status != NULL)
		db_bind_text(st, 3, task_status_str[*status]);
	if (owner > 0)
		db_bind_int64(st, 4, owner);
	while (!stop && (rc = db_step(st)) == DB_ROW)
		stop = row_emit(st, cb, arg) == -1;
	db_reset(st);
	if (stop)
		return -1;
	return rc == DB_DONE ? 1 : -1;
}

int
store_task_status(struct store *s, const char *id, enum task_status *status)
{
	struct db_stmt	*st;
	int		 rc, i = 0;

	*status = TASK_PENDING;
	if ((st = stmt(s, STMT_TASK_STATUS)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW)
		i = col_name(st, 0, task_status_str, TASK_STATUS__MAX);
	db_reset(st);
	if ((rc != DB_ROW && rc != DB_DONE) || i == -1)
		return -1;
	if (rc == DB_DONE)
		return 0;
	*status = (enum task_status)i;
	return 1;
}

/*
 * 1: the task was live and is cancelled now; 0: it was not, for it does not
 * exist for this owner or it had ended already (store_task_file() says
 * which; a retry in between makes it pending again, as if it came after).
 */
int
store_task_cancel(struct store *s, const char *id, long long owner)
{
	struct db_stmt		*st;
	char			 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_TASK_CANCEL)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, now);
	bind_owner(st, 3, owner);
	return stmt_exec(s, st);
}

/* Why a retry changed nothing, from STMT_TASK_RETRY_STATE's row (or none). */
static int
retry_refusal(struct store *s, const char *id, long long owner,
    int max_pending, struct task_retry *r)
{
	struct db_stmt	*st;
	int		 rc, i = 0;

	if ((st = stmt(s, STMT_TASK_RETRY_STATE)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	db_bind_int64(st, 3, (int64_t)time(NULL));
	if (max_pending > 0)
		db_bind_int64(st, 4, max_pending);
	r->refused = RETRY_NOT_FOUND;
	if ((rc = db_step(st)) == DB_ROW &&
	    (i = col_name(st, 0, task_status_str, TASK_STATUS__MAX)) != -1) {
		r->status = (enum task_status)i;
		if (r->status != TASK_ERROR && r->status != TASK_CANCELLED)
			r->refused = RETRY_STATUS;
		else if (db_col_int(st, 1))
			r->refused = RETRY_STOPPING;
		else if (db_col_int(st, 2))
			r->refused = RETRY_FULL;
		else
			r->refused = RETRY_NONE;
	}
	db_reset(st);
	if ((rc != DB_ROW && rc != DB_DONE) || i == -1)
		return -1;
	return 0;
}

/*
 * The check and the update in one transaction, so that no cancel, claim or
 * create comes between them: 1, the task is pending again and its record in
 * c; 0, refused, and r says why.
 */
int
store_task_retry(struct store *s, const char *id, long long owner,
    int max_pending, struct task_retry *r, struct store_task_copy *c)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];
	int		 rc;

	memset(r, 0, sizeof(*r));
	memset(c, 0, sizeof(*c));
	if ((st = stmt(s, STMT_TASK_RETRY)) == NULL)
		return -1;
	if (store_begin(s) == -1)
		return -1;
	if (retry_refusal(s, id, owner, max_pending, r) == -1)
		goto fail;
	if (r->refused != RETRY_NONE) {
		store_rollback(s);
		return 0;
	}
	util_iso_now(now);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, now);
	if ((rc = db_step(st)) == DB_ROW) {
		if (row_emit(st, row_copy, c) == -1)
			rc = DB_ERROR;
		else
			rc = db_step(st);
	}
	db_reset(st);
	if (rc != DB_DONE || c->mem == NULL || store_commit(s) == -1)
		goto fail;
	r->status = TASK_PENDING;
	return 1;
fail:
	store_rollback(s);
	store_task_copy_free(c);
	return -1;
}

/* A statement of one worker's id (?1), run for what it changes. */
static int
exec_worker(struct store *s, enum stmt which, int64_t worker)
{
	struct db_stmt	*st;

	if ((st = stmt(s, which)) == NULL)
		return -1;
	db_bind_int64(st, 1, worker);
	return stmt_exec(s, st);
}

/* A statement of one row's id (?1) and the worker's id (?2), run for what it changes. */
static int
exec_id_worker(struct store *s, enum stmt which, const char *id, int64_t worker)
{
	struct db_stmt	*st;

	if ((st = stmt(s, which)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, worker);
	return stmt_exec(s, st);
}

int
store_task_unlease(struct store *s, const char *id, int64_t worker)
{
	return exec_id_worker(s, STMT_TASK_UNLEASE, id, worker);
}

int
store_task_delete(struct store *s, const char *id, long long owner,
    char filename[STORE_FILENAME_MAX + 1], char subtitles[STORE_SUBTITLES_LEN])
{
	struct db_stmt	*st;
	int		 rc, found = 0;

	filename[0] = subtitles[0] = '\0';
	if ((st = stmt(s, STMT_TASK_DELETE)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	rc = db_step(st);
	if (rc == DB_ROW) {
		found = 1;
		if (copy_col(st, 0, filename, STORE_FILENAME_MAX + 1) == -1)
			filename[0] = '\0';
		if (copy_col(st, 1, subtitles, STORE_SUBTITLES_LEN) == -1)
			subtitles[0] = '\0';
		rc = db_step(st);
	}
	db_reset(st);
	if (rc != DB_DONE)
		return -1;
	return found;
}

int
store_task_by_filename(struct store *s, const char *filename, long long owner,
    char id[STORE_ID_LEN])
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_TASK_BY_FILENAME)) == NULL)
		return -1;
	db_bind_text(st, 1, filename);
	bind_owner(st, 2, owner);
	return step_text(st, id, STORE_ID_LEN);
}

/* Every status's count, zeros included, so clients need no special case. */
int
store_task_counts(struct store *s, long long counts[TASK_STATUS__MAX])
{
	struct db_stmt	*st;
	int		 rc, i;

	memset(counts, 0, sizeof(long long) * TASK_STATUS__MAX);
	if ((st = stmt(s, STMT_TASK_COUNTS)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW)
		if ((i = col_name(st, 0, task_status_str, TASK_STATUS__MAX)) != -1)
			counts[i] = db_col_int64(st, 1);
	db_reset(st);
	return rc == DB_DONE ? 1 : -1;
}

/*
 * 1 when another connection committed since the last call (the first call
 * always says 1).  PRAGMA data_version reads shared memory only: cheap enough
 * to ask several times a second.  PostgreSQL has no such counter: its
 * triggers notify at commit (sql/pg/002_notify.sql) and db_pg.c reads the
 * notifications this connection received.
 */
int
store_changed(struct store *s)
{
	struct db_stmt	*st;
	int64_t		 v;
	int		 rc;

	if (db_kind(s->db) == DB_PG)
		return db_pg_notified(s->db);
	if ((st = stmt(s, STMT_DATA_VERSION)) == NULL)
		return -1;
	rc = db_step(st);
	v = rc == DB_ROW ? db_col_int64(st, 0) : -1;
	db_reset(st);
	if (rc != DB_ROW)
		return -1;
	if (v == s->data_version)
		return 0;
	s->data_version = v;
	return 1;
}

int
store_task_claim(struct store *s, int64_t worker, int64_t lease_until,
    struct task_claim *c)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];
	int		 rc, i, found = 0;

	memset(c, 0, sizeof(*c));
	if ((st = stmt(s, STMT_TASK_CLAIM)) == NULL)
		return -1;
	if ((rc = step_exists(stmt(s, STMT_TASK_CLAIMABLE))) != 1)
		return rc;
	util_iso_now(now);
	db_bind_int64(st, 1, worker);
	db_bind_int64(st, 2, lease_until);
	db_bind_text(st, 3, now);
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (copy_col(st, 0, c->id, sizeof(c->id)) == -1 ||
		    copy_col(st, 1, c->url, sizeof(c->url)) == -1 ||
		    copy_col(st, 2, c->download_type, sizeof(c->download_type)) == -1 ||
		    copy_col(st, 3, c->quality, sizeof(c->quality)) == -1 ||
		    copy_col(st, 4, c->format_id, sizeof(c->format_id)) == -1 ||
		    copy_col(st, 5, c->audio_format, sizeof(c->audio_format)) == -1 ||
		    (i = col_name(st, 10, sponsorblock_str, SPONSORBLOCK__MAX)) == -1 ||
		    copy_col(st, 12, c->subtitles, sizeof(c->subtitles)) == -1)
			rc = DB_ERROR;
		else {
			c->is_playlist = db_col_int(st, 6);
			c->attempts = db_col_int(st, 7);
			c->owner = db_col_int64(st, 8);
			c->embed_metadata = db_col_int(st, 9);
			c->sponsorblock = (enum sponsorblock)i;
			c->waited = db_col_null(st, 11) ?
			    -1 : db_col_double(st, 11);
			c->seq = db_col_int64(st, 13);
			found = 1;
			rc = db_step(st);
		}
	}
	db_reset(st);
	if (rc != DB_DONE)
		return -1;
	return found;
}

/* The claim's query plan, one step a line, for the tests: it must never scan tasks. */
int
store_task_claim_plan(struct store *s, char *buf, size_t len)
{
	if (db_kind(s->db) != DB_SQLITE)
		return -1;
	return db_sqlite_plan(s->db, s->sqls[STMT_TASK_CLAIM], buf, len);
}

int
store_task_progress(struct store *s, int64_t seq, double progress,
    const char *speed, const char *eta, int64_t filesize, int64_t downloaded)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_TASK_PROGRESS)) == NULL)
		return -1;
	if (progress < 0)
		progress = 0;
	if (progress > 100)
		progress = 100;
	util_iso_now(now);
	db_bind_int64(st, 1, seq);
	db_bind_double(st, 2, progress);
	db_bind_text(st, 3, speed);
	db_bind_text(st, 4, eta);
	db_bind_int64(st, 5, filesize);
	db_bind_int64(st, 6, downloaded);
	db_bind_text(st, 7, now);
	return stmt_exec(s, st);
}

int
store_task_set_info(struct store *s, const char *id, const char *title,
    const char *thumbnail, const char *format_note)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_TASK_SET_INFO)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, title);
	db_bind_text(st, 3, thumbnail);
	db_bind_text(st, 4, format_note);
	db_bind_text(st, 5, now);
	return stmt_exec(s, st);
}

int
store_task_set_playlist(struct store *s, const char *id, const char *playlist_id,
    int index, int total, const char *media_url)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_TASK_SET_PLAYLIST)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, playlist_id);
	db_bind_int64(st, 3, index);
	db_bind_int64(st, 4, total);
	db_bind_text(st, 5, media_url);
	db_bind_text(st, 6, now);
	return stmt_exec(s, st);
}

int
store_task_set_processing(struct store *s, const char *id)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_TASK_SET_PROCESSING)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, now);
	return stmt_exec(s, st);
}

int
store_task_complete(struct store *s, const char *id, const struct task_done *d)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_TASK_COMPLETE)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, d->filename);
	db_bind_int64(st, 3, d->filesize);
	db_bind_text(st, 4, d->format_note);
	db_bind_text(st, 5, now);
	db_bind_text(st, 6, d->title);
	db_bind_int64(st, 7, d->local_thumbnail != 0);
	db_bind_text(st, 8, d->subtitles);
	return stmt_exec(s, st);
}

int
store_task_fail(struct store *s, const char *id, const char *message)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_TASK_FAIL)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, message);
	db_bind_text(st, 3, now);
	return stmt_exec(s, st);
}

/* The orphaned running tasks (see ORPHAN): given up after max_attempts, else pending. */
static int
task_recover(struct store *s, int max_attempts, const char *message,
    int *gave_up, int *requeued)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	*gave_up = *requeued = 0;
	util_iso_now(now);
	if ((st = stmt(s, STMT_TASK_ABANDON)) == NULL)
		return -1;
	db_bind_int64(st, 1, max_attempts);
	db_bind_text(st, 2, message);
	db_bind_text(st, 3, now);
	if ((*gave_up = stmt_count(s, st)) == -1) {
		*gave_up = 0;
		return -1;
	}
	if ((st = stmt(s, STMT_TASK_REQUEUE)) == NULL)
		return -1;
	db_bind_int64(st, 1, max_attempts);
	db_bind_text(st, 2, now);
	if ((*requeued = stmt_count(s, st)) == -1) {
		*requeued = 0;
		return -1;
	}
	return *gave_up + *requeued > 0;
}

int
store_task_recover(struct store *s, int max_attempts, const char *message,
    int *requeued)
{
	int	 gave_up;

	return task_recover(s, max_attempts, message, &gave_up, requeued);
}

int
store_task_release(struct store *s, const char *id)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_TASK_RELEASE)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, now);
	return stmt_exec(s, st);
}

int
store_lease_refresh(struct store *s, int64_t worker, int64_t lease_until)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_LEASE_REFRESH)) == NULL)
		return -1;
	db_bind_int64(st, 1, worker);
	db_bind_int64(st, 2, lease_until);
	return stmt_exec(s, st);
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_META_SET)) == NULL)
		return -1;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	return stmt_do(s, st);
}

/*
 * The worker's heartbeat: when it last said it was alive, in unix seconds;
 * 0 says it stopped.  Kept as a number, so the API reads it as one.
 */
int
store_heartbeat_set(struct store *s, int64_t at)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_META_SET)) == NULL)
		return -1;
	db_bind_text(st, 1, HEARTBEAT_KEY);
	db_bind_int64(st, 2, at);
	return stmt_do(s, st);
}

/* ---- Workers (migration 020): one row per running worker, and the recovery of dead ones. */

/* 1: added, *id is the worker's id from now on. */
int
store_worker_add(struct store *s, const char *host, long pid, int64_t now,
    int64_t lease_until, int64_t *id)
{
	struct db_stmt	*st;
	int		 rc;

	*id = 0;
	if ((st = stmt(s, STMT_WORKER_ADD)) == NULL)
		return -1;
	db_bind_text(st, 1, host);
	db_bind_int64(st, 2, pid);
	db_bind_int64(st, 3, now);
	db_bind_int64(st, 4, lease_until);
	/* The row is committed when the statement ends, not at its row: step to the end. */
	if ((rc = db_step(st)) == DB_ROW) {
		*id = db_col_int64(st, 0);
		rc = db_step(st);
	}
	db_reset(st);
	if (rc != DB_DONE || *id <= 0) {
		*id = 0;
		return -1;
	}
	return 1;
}

/* 1: the lease is moved on; 0: the row is gone, another worker declared this one dead. */
int
store_worker_beat(struct store *s, int64_t id, int64_t now, int64_t lease_until)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_WORKER_BEAT)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, lease_until);
	return stmt_exec(s, st);
}

int
store_worker_remove(struct store *s, int64_t id)
{
	return exec_worker(s, STMT_WORKER_REMOVE, id);
}

int
store_worker_exists(struct store *s, int64_t id)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_WORKER_EXISTS)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	return step_exists(st);
}

/* Every worker's row, oldest first; cb returning non-zero stops with -1. */
int
store_worker_list(struct store *s, store_worker_cb cb, void *arg)
{
	struct db_stmt		*st;
	struct worker_info	 w;
	int			 rc;

	if ((st = stmt(s, STMT_WORKER_LIST)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		memset(&w, 0, sizeof(w));
		w.id = db_col_int64(st, 0);
		if (copy_col(st, 1, w.host, sizeof(w.host)) == -1)
			snprintf(w.host, sizeof(w.host), "?");
		w.pid = (long)db_col_int64(st, 2);
		w.started_at = db_col_int64(st, 3);
		w.heartbeat_at = db_col_int64(st, 4);
		w.lease_until = db_col_int64(st, 5);
		if (cb(arg, &w) != 0) {
			rc = DB_ERROR;
			break;
		}
	}
	db_reset(st);
	return rc == DB_DONE ? 1 : -1;
}

/* Worker id of host, with pid, is dead at once (not self: ids name one run). */
int
store_worker_expire(struct store *s, int64_t self, int64_t id,
    const char *host, long pid)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_WORKER_EXPIRE)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, host);
	db_bind_int64(st, 3, pid);
	db_bind_int64(st, 4, self);
	return stmt_exec(s, st);
}

/* 1: a worker's lease ran out, or a running task is nobody's: worth a reap. */
int
store_worker_dead_any(struct store *s, int64_t self, int64_t now)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_WORKER_DEAD_ANY)) == NULL)
		return -1;
	db_bind_int64(st, 1, self);
	db_bind_int64(st, 2, now);
	return step_exists(st);
}

/* The ids of the orphaned running tasks, into a malloc'd array of *n. */
static int
orphan_ids(struct store *s, char (**ids)[STORE_ID_LEN], size_t *n)
{
	struct db_stmt	*st;
	char		(*a)[STORE_ID_LEN] = NULL, (*t)[STORE_ID_LEN];
	size_t		 cap = 0;
	int		 rc;

	*ids = NULL;
	*n = 0;
	if ((st = stmt(s, STMT_TASK_ORPHANS)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((t = reallocarray(a, cap, sizeof(*a))) == NULL) {
				rc = DB_ERROR;
				break;
			}
			a = t;
		}
		if (copy_col(st, 0, a[*n], sizeof(a[*n])) == -1) {
			rc = DB_ERROR;
			break;
		}
		(*n)++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		free(a);
		*n = 0;
		return -1;
	}
	*ids = a;
	return 1;
}

/*
 * Declares one dead worker dead and recovers the work nobody holds, in one
 * transaction: its row is deleted (another live worker looking at the same
 * moment finds it gone, or on PostgreSQL skips it while it is locked), so
 * every row its lease named is an orphan; each orphaned running task is
 * handed to cb first (a file the dead run finished is attached there, the
 * transaction's statements see it), then the rest go back to pending or,
 * out of attempts, to error with message; its look-ups fail, its checks
 * and deliveries are due again.  everyone: every worker but self is dead
 * (SQLite, whose one worker holds the lock).  r->dead: the worker declared
 * dead, 0 when there was none and only orphans (of an older version, or a
 * worker declared dead while it was claiming) were recovered.
 * 1: something was recovered; 0: nothing to do.
 */
int
store_worker_reap(struct store *s, int64_t self, int64_t now, int everyone,
    int max_attempts, const char *message, store_orphan_cb cb, void *arg,
    struct worker_reap *r)
{
	static const enum stmt others[] = { STMT_LOOKUP_RECOVER,
	    STMT_SUB_RECOVER, STMT_DELIVERY_RECOVER };
	struct db_stmt	*st;
	char		(*ids)[STORE_ID_LEN] = NULL;
	size_t		 n = 0, i;
	int		 rc, any = 0;

	memset(r, 0, sizeof(*r));
	if (store_begin(s) == -1)
		return -1;
	if ((st = stmt(s, STMT_WORKER_DEAD_PICK)) == NULL)
		goto fail;
	db_bind_int64(st, 1, self);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, everyone != 0);
	rc = db_step(st);
	if (rc == DB_ROW)
		r->dead = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		goto fail;
	if (r->dead != 0 && (any = store_worker_remove(s, r->dead)) != 1)
		goto fail;
	if (orphan_ids(s, &ids, &n) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (cb != NULL && cb(arg, ids[i]) == -1)
			goto fail;
	if (task_recover(s, max_attempts, message, &r->abandoned,
	    &r->requeued) == -1)
		goto fail;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if ((rc = exec_worker(s, others[i], 0)) == -1)
			goto fail;
		any |= rc;
	}
	if (store_commit(s) == -1)
		goto fail;
	free(ids);
	return any || n > 0 || r->abandoned + r->requeued > 0;
fail:
	free(ids);
	memset(r, 0, sizeof(*r));
	/* SQLite has rolled back by itself after some errors (a full disk). */
	snprintf(r->error, sizeof(r->error), "%s", store_errmsg(s));
	store_rollback(s);
	return -1;
}

/* 1: *at is the last heartbeat; 0: none (never, or the worker stopped). */
int
store_heartbeat_get(struct store *s, int64_t *at)
{
	struct db_stmt	*st;
	int		 rc;

	*at = 0;
	if ((st = stmt(s, STMT_META_GET)) == NULL)
		return -1;
	db_bind_text(st, 1, HEARTBEAT_KEY);
	rc = db_step(st);
	if (rc == DB_ROW)
		*at = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return *at > 0;
}

/*
 * How many times any task's record has changed (migration 016's counter).
 * Read before the list it stands for: a change made in between makes the
 * list newer than the number, never older, so a client's copy is at worst
 * sent again, never kept stale.
 */
int
store_task_changes(struct store *s, int64_t *n)
{
	struct db_stmt	*st;
	int		 rc;

	*n = 0;
	if ((st = stmt(s, STMT_TASK_CHANGES)) == NULL)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW)
		*n = db_col_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return -1;
	return 1;
}

/* Adds n counts to the metrics table (migration 017) in one transaction: all or none. */
int
store_metrics_add(struct store *s, const struct metric_add *m, size_t n)
{
	struct db_stmt	*st;
	size_t		 i;

	if ((st = stmt(s, STMT_METRIC_ADD)) == NULL)
		return -1;
	if (store_begin(s) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		db_bind_text(st, 1, m[i].name);
		db_bind_text(st, 2, m[i].labels);
		db_bind_double(st, 3, m[i].value);
		if (stmt_count(s, st) == -1)
			goto fail;
	}
	if (store_commit(s) == -1)
		goto fail;
	return 1;
fail:
	store_rollback(s);
	return -1;
}

/* Every row of the metrics table to cb (0: go on), by name and labels. */
int
store_metrics_each(struct store *s, store_metric_cb cb, void *arg)
{
	struct db_stmt	*st;
	int		 rc, stop = 0;

	if ((st = stmt(s, STMT_METRICS)) == NULL)
		return -1;
	while (!stop && (rc = db_step(st)) == DB_ROW)
		stop = cb(arg, db_col_text(st, 0),
		    db_col_text(st, 1),
		    db_col_double(st, 2)) != 0;
	db_reset(st);
	if (stop)
		return -1;
	return rc == DB_DONE ? 1 : -1;
}

int
store_meta_get(struct store *s, const char *key, char *buf, size_t len)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_META_GET)) == NULL)
		return -1;
	db_bind_text(st, 1, key);
	return step_text(st, buf, len);
}

/* Fills l from a row; on failure l is left empty, as step_lookup() had made it. */
static int
lookup_row(struct db_stmt *st, struct lookup *l)
{
	const char		*a;
	int			 i;

	if ((i = col_name(st, 1, lookup_state_str, LOOKUP_STATE__MAX)) == -1)
		return -1;
	if ((a = db_col_text(st, 2)) != NULL &&
	    (l->answer = strdup(a)) == NULL)
		return -1;
	l->state = (enum lookup_state)i;
	l->id = db_col_int64(st, 0);
	/* An error message longer than the buffer is cut, not refused. */
	snprintf(l->error, sizeof(l->error), "%s",
	    db_col_text(st, 3) != NULL ?
	    db_col_text(st, 3) : "");
	l->error_status = db_col_int(st, 4);
	return 0;
}

/*
 * Steps a look-up statement of at most one row into l: 1 found, 0 none, -1
 * error.  Whatever the outcome, l is defined afterwards: empty (id 0,
 * answer NULL) unless a row was found, so a caller may always free
 * l->answer, and never reads what an earlier call left.
 */
static int
step_lookup(struct db_stmt *st, struct lookup *l)
{
	int	 rc, found = 0;

	memset(l, 0, sizeof(*l));
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (lookup_row(st, l) == -1)
			rc = DB_ERROR;
		else
			found = 1;
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return found;
}

/* 1: a live look-up or a fresh answer for this question is in l; 0: none. */
int
store_lookup_find(struct store *s, enum lookup_kind kind, const char *query,
    const char *search_prefix, int max_results, long long cookie_owner,
    int64_t now, struct lookup *l)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_LOOKUP_FIND)) == NULL)
		return -1;
	db_bind_text(st, 1, lookup_kind_str[kind]);
	db_bind_text(st, 2, query);
	db_bind_int64(st, 3, max_results);
	db_bind_int64(st, 4, now);
	db_bind_text(st, 5, search_prefix);
	db_bind_int64(st, 6, cookie_owner < 0 ? -1 : cookie_owner);
	return step_lookup(st, l);
}

/* 1: inserted, id set; 0: another asker's live look-up won the race. */
int
store_lookup_insert(struct store *s, enum lookup_kind kind, const char *query,
    const char *search_prefix, int max_results, long long cookie_owner,
    int64_t now, long long *id)
{
	struct db_stmt	*st;
	int		 rc, found = 0;

	*id = 0;
	if ((st = stmt(s, STMT_LOOKUP_INSERT)) == NULL)
		return -1;
	db_bind_text(st, 1, lookup_kind_str[kind]);
	db_bind_text(st, 2, query);
	db_bind_int64(st, 3, max_results);
	db_bind_int64(st, 4, now);
	db_bind_text(st, 5, search_prefix);
	db_bind_int64(st, 6, cookie_owner < 0 ? -1 : cookie_owner);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_col_int64(st, 0);
		found = 1;
		rc = db_step(st);
	}
	db_reset(st);
	if (rc != DB_DONE)
		return -1;
	return found;
}

int
store_lookup_get(struct store *s, long long id, struct lookup *l)
{
	struct db_stmt	*st;

	memset(l, 0, sizeof(*l));
	if ((st = stmt(s, STMT_LOOKUP_GET)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	return step_lookup(st, l);
}

/* The API gave up waiting: the worker sees the row end and stops yt-dlp. */
int
store_lookup_abandon(struct store *s, long long id, const char *error)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_LOOKUP_ABANDON)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, error);
	return stmt_exec(s, st);
}

int
store_lookup_claim(struct store *s, int64_t worker, struct lookup_claim *c)
{
	struct db_stmt	*st;
	int		 rc, i, found = 0;

	memset(c, 0, sizeof(*c));
	if ((st = stmt(s, STMT_LOOKUP_CLAIM)) == NULL)
		return -1;
	if ((rc = step_exists(stmt(s, STMT_LOOKUP_CLAIMABLE))) != 1)
		return rc;
	db_bind_int64(st, 1, worker);
	rc = db_step(st);
	if (rc == DB_ROW) {
		c->id = db_col_int64(st, 0);
		c->max_results = db_col_int(st, 3);
		c->cookie_owner = db_col_int64(st, 5);
		if ((i = col_name(st, 1, lookup_kind_str, LOOKUP_KIND__MAX)) == -1 ||
		    copy_col(st, 2, c->query, sizeof(c->query)) == -1 ||
		    copy_col(st, 4, c->search_prefix,
		    sizeof(c->search_prefix)) == -1)
			rc = DB_ERROR;
		else {
			c->kind = (enum lookup_kind)i;
			found = 1;
			rc = db_step(st);
		}
	}
	db_reset(st);
	if (rc != DB_DONE)
		return -1;
	return found;
}

int
store_lookup_finish(struct store *s, long long id, const char *answer,
    int64_t expires_at)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_LOOKUP_FINISH)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, answer);
	db_bind_int64(st, 3, expires_at);
	db_bind_int64(st, 4, answer != NULL ? (int64_t)strlen(answer) : 0);
	return stmt_exec(s, st);
}

int
store_lookup_fail(struct store *s, long long id, int http_status,
    const char *error)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_LOOKUP_FAIL)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, http_status);
	db_bind_text(st, 3, error);
	return stmt_exec(s, st);
}

/*
 * Removes expired answers and old errors (now > 0), then all but the newest
 * keep rows, then the oldest answers past keep_bytes.
 */
int
store_lookup_prune(struct store *s, int64_t now, int keep, int64_t keep_bytes,
    int *pruned)
{
	struct db_stmt	*st;
	int		 a = 0, b, c;

	if (pruned != NULL)
		*pruned = 0;
	if (now > 0) {
		if ((st = stmt(s, STMT_LOOKUP_PRUNE_EXPIRED)) == NULL)
			return -1;
		db_bind_int64(st, 1, now);
		if ((a = stmt_count(s, st)) == -1)
			return -1;
	}
	if ((st = stmt(s, STMT_LOOKUP_PRUNE_EXCESS)) == NULL)
		return -1;
	db_bind_int64(st, 1, keep);
	if ((b = stmt_count(s, st)) == -1)
		return -1;
	if ((st = stmt(s, STMT_LOOKUP_PRUNE_BYTES)) == NULL)
		return -1;
	db_bind_int64(st, 1, keep_bytes);
	if ((c = stmt_count(s, st)) == -1)
		return -1;
	if (pruned != NULL)
		*pruned = a + b + c;
	return a + b + c > 0;
}

/* 1: added; 0: the name or prefix is taken. */
int
store_key_insert(struct store *s, const char *name, const char *prefix,
    const char *hash, int admin)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];
	int		 rc;

	if ((st = stmt(s, STMT_KEY_INSERT)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, prefix);
	db_bind_text(st, 3, hash);
	db_bind_int64(st, 4, admin);
	db_bind_text(st, 5, now);
	rc = db_step(st);
	db_reset(st);
	if (rc == DB_DONE)
		return 1;
	return rc == DB_CONSTRAINT ? 0 : -1;
}

int
store_key_by_prefix(struct store *s, const char *prefix, struct api_key *k)
{
	struct db_stmt	*st;
	int		 rc, found = 0;

	memset(k, 0, sizeof(*k));
	if ((st = stmt(s, STMT_KEY_BY_PREFIX)) == NULL)
		return -1;
	db_bind_text(st, 1, prefix);
	rc = db_step(st);
	if (rc == DB_ROW && copy_col(st, 1, k->hash, sizeof(k->hash)) == 0) {
		k->id = db_col_int64(st, 0);
		k->admin = db_col_int(st, 2);
		k->revoked = db_col_int(st, 3);
		found = 1;
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return found;
}

/* The key with this id, without its hash (k->hash is ""). */
int
store_key_by_id(struct store *s, long long id, struct api_key *k)
{
	struct db_stmt	*st;
	int		 rc, found = 0;

	memset(k, 0, sizeof(*k));
	if ((st = stmt(s, STMT_KEY_BY_ID)) == NULL)
		return -1;
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		k->id = id;
		k->admin = db_col_int(st, 0);
		k->revoked = db_col_int(st, 1);
		found = 1;
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return found;
}

/* 1 when at least one key is not revoked. */
int
store_key_any(struct store *s)
{
	return step_exists(stmt(s, STMT_KEY_ANY));
}

int
store_key_list(struct store *s, void (*cb)(void *, const char *name,
    const char *prefix, int admin, const char *created, const char *revoked),
    void *arg)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = stmt(s, STMT_KEY_LIST)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW)
		cb(arg, db_col_text(st, 0),
		    db_col_text(st, 1),
		    db_col_int(st, 2),
		    db_col_text(st, 3),
		    db_col_text(st, 4));
	db_reset(st);
	return rc == DB_DONE ? 1 : -1;
}

int
store_key_revoke(struct store *s, const char *name)
{
	struct db_stmt	*st;
	char		 now[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_KEY_REVOKE)) == NULL)
		return -1;
	util_iso_now(now);
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, now);
	return stmt_exec(s, st);
}

/* ---- Subscriptions. */

void
store_text_free(struct store_text *t)
{
	free(t->text);
	t->text = NULL;
	t->len = 0;
}

/* Fills u from a row of SUB_COLS; -1 when a value does not fit or a state is unknown. */
static int
sub_row(struct db_stmt *st, struct subscription *u)
{
	int	 i, sb, lo;

	if (copy_col(st, 0, u->id, sizeof(u->id)) == -1 ||
	    copy_col(st, 2, u->url, sizeof(u->url)) == -1 ||
	    copy_col(st, 3, u->name, sizeof(u->name)) == -1 ||
	    copy_col(st, 4, u->download_type, sizeof(u->download_type)) == -1 ||
	    copy_col(st, 5, u->quality, sizeof(u->quality)) == -1 ||
	    copy_col(st, 6, u->format_id, sizeof(u->format_id)) == -1 ||
	    copy_col(st, 7, u->audio_format, sizeof(u->audio_format)) == -1 ||
	    copy_col(st, 10, u->title_include, sizeof(u->title_include)) == -1 ||
	    copy_col(st, 11, u->title_exclude, sizeof(u->title_exclude)) == -1 ||
	    (i = col_name(st, 17, sub_state_str, SUB_STATE__MAX)) == -1 ||
	    (sb = col_name(st, 19, sponsorblock_str, SPONSORBLOCK__MAX)) == -1 ||
	    copy_col(st, 20, u->subtitles, sizeof(u->subtitles)) == -1 ||
	    (lo = col_name(st, 21, listing_order_str, LISTING_ORDER__MAX)) == -1) {
		memset(u, 0, sizeof(*u));
		return -1;
	}
	u->owner = db_col_int64(st, 1);
	u->check_every = db_col_int(st, 8);
	u->backlog = db_col_int(st, 9);
	u->min_duration = db_col_int64(st, 12);
	u->max_duration = db_col_int64(st, 13);
	u->skip_live = db_col_int(st, 14);
	u->enabled = db_col_int(st, 15);
	u->primed = db_col_int(st, 16);
	u->state = (enum sub_state)i;
	u->embed_metadata = db_col_int(st, 18);
	u->sponsorblock = (enum sponsorblock)sb;
	u->listing_order = (enum listing_order)lo;
	return 0;
}

/* Steps a statement of at most one row of SUB_COLS into u: 1, 0, -1. */
static int
step_sub(struct db_stmt *st, struct subscription *u)
{
	int	 rc, found = 0;

	memset(u, 0, sizeof(*u));
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (sub_row(st, u) == -1)
			rc = DB_ERROR;
		else {
			found = 1;
			rc = db_step(st);
		}
	}
	db_reset(st);
	if (rc != DB_DONE)
		return -1;
	return found;
}

/* Steps a statement of at most one text row into a malloc'd copy: 1, 0, -1. */
static int
step_copy(struct db_stmt *st, struct store_text *t)
{
	const char		*v;
	int			 rc, found = 0;

	memset(t, 0, sizeof(*t));
	rc = db_step(st);
	if (rc == DB_ROW && (v = db_col_text(st, 0)) != NULL) {
		t->len = db_col_len(st, 0);
		if ((t->text = malloc(t->len + 1)) == NULL)
			rc = DB_ERROR;
		else {
			memcpy(t->text, v, t->len + 1);
			found = 1;
		}
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		store_text_free(t);
		return -1;
	}
	return found;
}

/* A duration bound, or SQL NULL for none. */
static int
bind_bound(struct db_stmt *st, int i, long long v)
{
	if (v < 0)
		return db_bind_null(st, i);
	return db_bind_int64(st, i, v);
}

/*
 * Records newest first, each to cb as it comes (cb: 0 to go on): every
 * owner's with all, one owner's with mine.
 */
static int
records_list(struct store *s, enum stmt all, enum stmt mine, long long owner,
    store_text_cb cb, void *arg)
{
	struct db_stmt	*st;
	const char	*v;
	int		 rc, stop = 0;

	if ((st = stmt(s, owner > 0 ? mine : all)) == NULL)
		return -1;
	if (owner > 0)
		db_bind_int64(st, 1, owner);
	while (!stop && (rc = db_step(st)) == DB_ROW) {
		v = db_col_text(st, 0);	/* before its length: db.h */
		stop = cb(arg, v, db_col_len(st, 0)) != 0;
	}
	db_reset(st);
	if (stop)
		return -1;
	return rc == DB_DONE ? 1 : -1;
}

/*
 * A row the caller bound to insert, and its record (from record, by id) as
 * the insert left it, in a transaction of their own.  0: the insert's own
 * limit refused it, and nothing is left.
 */
static int
insert_record(struct store *s, enum stmt insert, enum stmt record,
    const char *id, struct store_text *t)
{
	struct db_stmt	*st;
	int		 n;

	memset(t, 0, sizeof(*t));
	if ((n = stmt_count(s, stmt(s, insert))) == -1)
		goto fail;
	if (n == 0) {
		store_rollback(s);
		return 0;
	}
	if ((st = stmt(s, record)) == NULL)
		goto fail;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, 0);
	if (step_copy(st, t) != 1 || store_commit(s) == -1)
		goto fail;
	return 1;
fail:
	store_rollback(s);
	store_text_free(t);
	return -1;
}

/*
 * The row and its record in a transaction of their own, as a task's: the
 * record is read back from the view, after the insert, before the commit.
 */
int
store_sub_create(struct store *s, const struct subscription *u, int max,
    int64_t now, struct store_text *record)
{
	struct db_stmt	*st;
	char		 stamp[ISO_TIME_LEN];

	memset(record, 0, sizeof(*record));
	if ((st = stmt(s, STMT_SUB_INSERT)) == NULL)
		return -1;
	util_iso_now(stamp);
	if (store_begin(s) == -1)
		return -1;
	db_bind_text(st, 1, u->id);
	bind_owner(st, 2, u->owner);
	db_bind_text(st, 3, u->url);
	db_bind_text(st, 4, u->name);
	db_bind_text(st, 5, u->download_type);
	db_bind_text(st, 6, u->quality);
	db_bind_text(st, 7, u->format_id);
	db_bind_text(st, 8, u->audio_format);
	db_bind_int64(st, 9, u->check_every);
	db_bind_int64(st, 10, u->backlog);
	db_bind_text(st, 11, u->title_include);
	db_bind_text(st, 12, u->title_exclude);
	bind_bound(st, 13, u->min_duration);
	bind_bound(st, 14, u->max_duration);
	db_bind_int64(st, 15, u->skip_live != 0);
	db_bind_int64(st, 16, now);
	db_bind_int64(st, 17, max);
	db_bind_text(st, 18, stamp);
	db_bind_int64(st, 19, u->embed_metadata != 0);
	db_bind_text(st, 20, sponsorblock_str[u->sponsorblock]);
	db_bind_text(st, 21, u->subtitles);
	db_bind_text(st, 22, listing_order_str[u->listing_order]);
	return insert_record(s, STMT_SUB_INSERT, STMT_SUB_RECORD, u->id, record);
}

int
store_sub_get(struct store *s, const char *id, long long owner,
    struct subscription *u)
{
	struct db_stmt	*st;

	memset(u, 0, sizeof(*u));
	if ((st = stmt(s, STMT_SUB_GET)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	return step_sub(st, u);
}

int
store_sub_record(struct store *s, const char *id, long long owner,
    struct store_text *t)
{
	struct db_stmt	*st;

	memset(t, 0, sizeof(*t));
	if ((st = stmt(s, STMT_SUB_RECORD)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	return step_copy(st, t);
}

int
store_sub_list(struct store *s, long long owner, store_text_cb cb, void *arg)
{
	return records_list(s, STMT_SUB_LIST, STMT_SUB_LIST_OWNER, owner, cb,
	    arg);
}

int
store_sub_update(struct store *s, const struct subscription *u,
    long long owner, int64_t now)
{
	struct db_stmt	*st;
	char		 stamp[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_SUB_UPDATE)) == NULL)
		return -1;
	util_iso_now(stamp);
	db_bind_text(st, 1, u->id);
	bind_owner(st, 2, owner);
	db_bind_text(st, 3, u->name);
	db_bind_text(st, 4, u->download_type);
	db_bind_text(st, 5, u->quality);
	db_bind_text(st, 6, u->format_id);
	db_bind_text(st, 7, u->audio_format);
	db_bind_int64(st, 8, u->check_every);
	db_bind_text(st, 9, u->title_include);
	db_bind_text(st, 10, u->title_exclude);
	bind_bound(st, 11, u->min_duration);
	bind_bound(st, 12, u->max_duration);
	db_bind_int64(st, 13, u->skip_live != 0);
	db_bind_int64(st, 14, u->enabled != 0);
	db_bind_int64(st, 15, now);
	db_bind_text(st, 16, stamp);
	db_bind_int64(st, 17, u->embed_metadata != 0);
	db_bind_text(st, 18, sponsorblock_str[u->sponsorblock]);
	db_bind_text(st, 19, u->subtitles);
	db_bind_text(st, 20, listing_order_str[u->listing_order]);
	return stmt_exec(s, st);
}

int
store_sub_delete(struct store *s, const char *id, long long owner)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_SUB_DELETE)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	return stmt_exec(s, st);
}

int
store_sub_check_now(struct store *s, const char *id, long long owner,
    int64_t now)
{
	struct db_stmt	*st;
	char		 stamp[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_SUB_CHECK_NOW)) == NULL)
		return -1;
	util_iso_now(stamp);
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	db_bind_int64(st, 3, now);
	db_bind_text(st, 4, stamp);
	return stmt_exec(s, st);
}

/* Steps a statement of one optional integer (a min() over no row is NULL): 1 and *v, 0, -1. */
static int
step_opt_int64(struct db_stmt *st, int64_t *v)
{
	int		 rc, found = 0;

	*v = 0;
	if (st == NULL)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW && !db_col_null(st, 0)) {
		*v = db_col_int64(st, 0);
		found = 1;
	}
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -1;
	return found;
}

int
store_sub_next_due(struct store *s, int64_t *at)
{
	return step_opt_int64(stmt(s, STMT_SUB_NEXT_DUE), at);
}

int
store_sub_claim(struct store *s, int64_t worker, int64_t now, struct subscription *u)
{
	struct db_stmt	*st;

	memset(u, 0, sizeof(*u));
	if ((st = stmt(s, STMT_SUB_CLAIM)) == NULL)
		return -1;
	db_bind_int64(st, 1, worker);
	db_bind_int64(st, 2, now);
	return step_sub(st, u);
}

int
store_sub_seen_add(struct store *s, const char *id, const char *entry)
{
	struct db_stmt	*st;
	char		 stamp[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_SUB_SEEN_ADD)) == NULL)
		return -1;
	util_iso_now(stamp);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, entry);
	db_bind_text(st, 3, stamp);
	return stmt_exec(s, st);
}

int
store_sub_checked(struct store *s, const char *id, int64_t worker,
    int64_t claimed_at, int64_t next_at, int seen, int downloaded, const char *title)
{
	struct db_stmt	*st;
	char		 stamp[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_SUB_CHECKED)) == NULL)
		return -1;
	util_iso_now(stamp);
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, worker);
	db_bind_int64(st, 3, next_at);
	db_bind_text(st, 4, stamp);
	db_bind_int64(st, 5, seen);
	db_bind_int64(st, 6, downloaded);
	db_bind_text(st, 7, title);
	db_bind_int64(st, 8, claimed_at);
	return stmt_exec(s, st);
}

int
store_sub_failed(struct store *s, const char *id, int64_t worker,
    int64_t claimed_at, const char *error, int backoff)
{
	struct db_stmt	*st;
	char		 stamp[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_SUB_FAILED)) == NULL)
		return -1;
	util_iso_now(stamp);
	db_bind_text(st, 1, id);
	db_bind_int64(st, 2, worker);
	db_bind_text(st, 3, error);
	db_bind_text(st, 4, stamp);
	db_bind_int64(st, 5, backoff);
	db_bind_int64(st, 6, (int64_t)time(NULL));
	db_bind_int64(st, 7, claimed_at);
	return stmt_exec(s, st);
}

int
store_sub_recover(struct store *s, int64_t mine)
{
	return exec_worker(s, STMT_SUB_RECOVER, mine);
}

int
store_sub_release(struct store *s, const char *id, int64_t worker)
{
	return exec_id_worker(s, STMT_SUB_RELEASE, id, worker);
}

/* ---- Webhooks (migration 015). */

/* The row and its record in a transaction of their own, as a subscription's. */
int
store_hook_create(struct store *s, const struct webhook *w, int max,
    struct store_text *record)
{
	struct db_stmt	*st;
	char		 stamp[ISO_TIME_LEN];

	memset(record, 0, sizeof(*record));
	if ((st = stmt(s, STMT_HOOK_INSERT)) == NULL)
		return -1;
	util_iso_now(stamp);
	if (store_begin(s) == -1)
		return -1;
	db_bind_text(st, 1, w->id);
	bind_owner(st, 2, w->owner);
	db_bind_text(st, 3, w->url);
	db_bind_int64(st, 4, (int)w->events);
	db_bind_text(st, 5, w->secret);
	db_bind_text(st, 6, stamp);
	db_bind_int64(st, 7, max);
	return insert_record(s, STMT_HOOK_INSERT, STMT_HOOK_RECORD, w->id, record);
}

int
store_hook_record(struct store *s, const char *id, long long owner,
    struct store_text *t)
{
	struct db_stmt	*st;

	memset(t, 0, sizeof(*t));
	if ((st = stmt(s, STMT_HOOK_RECORD)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	return step_copy(st, t);
}

int
store_hook_list(struct store *s, long long owner, store_text_cb cb, void *arg)
{
	return records_list(s, STMT_HOOK_LIST, STMT_HOOK_LIST_OWNER, owner, cb,
	    arg);
}

/* Its deliveries not yet made go with it (ON DELETE CASCADE). */
int
store_hook_delete(struct store *s, const char *id, long long owner)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_HOOK_DELETE)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	return stmt_exec(s, st);
}

int
store_hook_ping(struct store *s, const char *id, long long owner)
{
	struct db_stmt	*st;

	if ((st = stmt(s, STMT_HOOK_PING)) == NULL)
		return -1;
	db_bind_text(st, 1, id);
	bind_owner(st, 2, owner);
	return stmt_exec(s, st);
}

int
store_delivery_next_due(struct store *s, int64_t *at)
{
	return step_opt_int64(stmt(s, STMT_DELIVERY_NEXT_DUE), at);
}

void
store_delivery_free(struct delivery *d)
{
	free(d->body);
	memset(d, 0, sizeof(*d));
}

/* The webhook's target into d; 0 when the webhook is gone. */
static int
delivery_target(struct store *s, struct delivery *d)
{
	struct db_stmt	*st;
	int		 rc, found = 0;

	if ((st = stmt(s, STMT_DELIVERY_TARGET)) == NULL)
		return -1;
	db_bind_text(st, 1, d->webhook_id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (copy_col(st, 0, d->url, sizeof(d->url)) == -1 ||
		    copy_col(st, 1, d->secret, sizeof(d->secret)) == -1)
			rc = DB_ERROR;
		else {
			d->may_private = db_col_int(st, 2);
			found = 1;
			rc = DB_DONE;
		}
	}
	db_reset(st);
	return rc == DB_DONE ? found : -1;
}

/*
 * The oldest due delivery, marked "sending" (attempts counted), with what
 * its webhook needs to send it.  1: *d filled, 0: none due, -1.
 */
int
store_delivery_claim(struct store *s, int64_t worker, int64_t now_ms,
    struct delivery *d)
{
	struct db_stmt	*st;
	const char	*v;
	int		 rc, i = -1, found = 0;

	memset(d, 0, sizeof(*d));
	if ((st = stmt(s, STMT_DELIVERY_CLAIM)) == NULL)
		return -1;
	db_bind_int64(st, 1, now_ms);
	db_bind_int64(st, 2, worker);
	rc = db_step(st);
	if (rc == DB_ROW) {
		v = db_col_text(st, 3);
		d->body_len = db_col_len(st, 3);
		if (v == NULL ||
		    (d->body = malloc(d->body_len + 1)) == NULL ||
		    copy_col(st, 0, d->id, sizeof(d->id)) == -1 ||
		    copy_col(st, 1, d->webhook_id, sizeof(d->webhook_id)) == -1 ||
		    (i = col_name(st, 2, hook_event_str, HOOK_EVENT__MAX)) == -1 ||
		    copy_col(st, 4, d->title, sizeof(d->title)) == -1 ||
		    copy_col(st, 5, d->message, sizeof(d->message)) == -1)
			rc = DB_ERROR;
		else {
			memcpy(d->body, v, d->body_len + 1);
			d->event = (enum hook_event)i;
			d->attempts = db_col_int(st, 6);
			found = 1;
			rc = db_step(st);
		}
	}
	db_reset(st);
	if (rc != DB_DONE || (found && (rc = delivery_target(s, d)) == -1)) {
		store_delivery_free(d);
		return -1;
	}
	if (found && rc == 0) {
		/* Deleted between the two reads: its deliveries went with it. */
		store_delivery_free(d);
		return 0;
	}
	return found;
}

/*
 * An attempt's end: the delivery delivered, failed (given up), or due again
 * at next_ms; and its webhook's last status, in one transaction.
 */
int
store_delivery_end(struct store *s, const struct delivery *d,
    enum delivery_end end, int64_t next_ms, const char *status)
{
	struct db_stmt	*st;
	char		 stamp[ISO_TIME_LEN];
	int		 rc;

	if ((st = stmt(s, STMT_DELIVERY_END)) == NULL)
		return -1;
	util_iso_now(stamp);
	if (store_begin(s) == -1)
		return -1;
	db_bind_text(st, 1, d->id);
	db_bind_text(st, 2, delivery_end_str[end]);
	db_bind_int64(st, 3, end == DELIVERY_RETRY ? next_ms : 0);
	db_bind_text(st, 4, stamp);
	if ((rc = stmt_exec(s, st)) != 1)
		goto fail;
	if ((st = stmt(s, STMT_HOOK_ATTEMPTED)) == NULL) {
		rc = -1;
		goto fail;
	}
	db_bind_text(st, 1, d->webhook_id);
	db_bind_text(st, 2, stamp);
	db_bind_text(st, 3, status);
	db_bind_int64(st, 4, end == DELIVERY_FAILED);
	if (stmt_exec(s, st) == -1 || store_commit(s) == -1) {
		rc = -1;
		goto fail;
	}
	return 1;
fail:
	store_rollback(s);
	return rc;
}

/* At a start: deliveries a gone worker was sending are due again; old ended ones go. */
int
store_delivery_recover(struct store *s, int64_t mine, int64_t keep_s)
{
	struct db_stmt	*st;
	char		 cutoff[ISO_TIME_LEN];

	if ((st = stmt(s, STMT_DELIVERY_PRUNE)) == NULL)
		return -1;
	util_iso_time((int64_t)time(NULL) - keep_s, cutoff);
	db_bind_text(st, 1, cutoff);
	if (stmt_exec(s, st) == -1)
		return -1;
	return exec_worker(s, STMT_DELIVERY_RECOVER, mine);
}
