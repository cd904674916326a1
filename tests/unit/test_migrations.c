/* test_migrations.c: a database the earlier migrations made is carried forward, its answers unchanged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "unit.h"

struct migration {
	int		 version;
	const char	*sql;
};
/* The migrations the programs carry (built from sql/migrations/). */
extern const struct migration	store_migrations[];
extern const size_t		store_nmigrations;

static char	 dir[] = "/tmp/ot-migrate-XXXXXX";
static char	 dbpath[64];

/* A database as the migrations up to version `upto` leave it, as store_open() records them. */
static sqlite3 *
db_at(int upto)
{
	sqlite3	*db;
	char	 ins[128];
	size_t	 i;

	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		return NULL;
	CHECK(sqlite3_exec(db, "PRAGMA journal_mode = WAL; CREATE TABLE "
	    "schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT "
	    "NOT NULL)", NULL, NULL, NULL) == SQLITE_OK);
	for (i = 0; i < store_nmigrations; i++) {
		if (store_migrations[i].version > upto)
			continue;
		snprintf(ins, sizeof(ins), "INSERT INTO schema_migrations VALUES "
		    "(%d, '2026-01-01T00:00:00Z')", store_migrations[i].version);
		CHECK(sqlite3_exec(db, store_migrations[i].sql, NULL, NULL,
		    NULL) == SQLITE_OK);
		CHECK(sqlite3_exec(db, ins, NULL, NULL, NULL) == SQLITE_OK);
	}
	return db;
}

/* One text a query answers, malloc'd; NULL when none. */
static char *
one_text(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt	*st;
	char		*s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if (arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		s = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s;
}

struct seen {
	char	 record[1024];
	int	 local;
};

static int
seen_cb(void *arg, const struct store_task_row *row)
{
	struct seen	*sn = arg;

	snprintf(sn->record, sizeof(sn->record), "%.*s", (int)row->record_len,
	    row->record);
	sn->local = row->local_thumbnail;
	return 0;
}

#define LOCAL	"00000000-0000-4000-8000-000000000801"
#define REMOTE	"00000000-0000-4000-8000-000000000802"
#define NONE	"00000000-0000-4000-8000-000000000803"
#define PENDING	"00000000-0000-4000-8000-000000000804"

/*
 * A record as a migration that adds fields leaves it: add just before
 * "thumbnail", every other byte the same.  Written over rec (malloc'd, as
 * one_text() gives it); NULL stays NULL.
 */
static char *
before_thumbnail(char *rec, const char *add)
{
	char			*at, *out;
	size_t			 n;

	if (rec == NULL || (at = strstr(rec, ",\"thumbnail\":")) == NULL)
		return rec;
	n = strlen(rec) + strlen(add) + 1;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%.*s%s%s", (int)(at - rec), rec, add, at);
	free(rec);
	return out;
}

/* Migration 010: the two options' defaults. */
static char *
with_010(char *rec)
{
	return before_thumbnail(rec, ",\"embed_metadata\":false,"
	    "\"sponsorblock\":\"off\"");
}

/* Migration 011: "subscription_id":null. */
static char *
with_011(char *rec)
{
	return before_thumbnail(rec, ",\"subscription_id\":null");
}

/* Migration 013: no subtitles asked for. */
static char *
with_013(char *rec)
{
	return before_thumbnail(rec, ",\"subtitle_langs\":[]");
}

/*
 * Migration 008: a row whose thumbnail was the worker's /api/thumbnails/{id}
 * holds the fact instead, a remote URL stays a URL, and every record reads
 * as it did, byte for byte; the owners' queue and its triggers go on; the
 * heartbeat text becomes the number it meant.
 */
static void
test_008_turns_local_thumbnail_links_into_the_fact(void)
{
	static const char *const ids[] = { LOCAL, REMOTE, NONE, PENDING };
	sqlite3		*db;
	struct store	*s;
	struct seen	 sn;
	char		*before[4], *v, err[256];
	int64_t		 at;
	size_t		 i;

	CHECK((db = db_at(7)) != NULL);
	if (db == NULL)
		return;
	CHECK(sqlite3_exec(db,
	    "INSERT INTO tasks (id, url, title, thumbnail, status, filename, "
	    "created_at, updated_at, completed_at) VALUES "
	    "('" LOCAL "', 'http://e.com/1', 'One', '/api/thumbnails/" LOCAL "', "
	    "'completed', 'One__" LOCAL ".mp4', '2026-01-01T00:00:00Z', "
	    "'2026-01-01T00:00:01Z', '2026-01-01T00:00:01Z'), "
	    "('" REMOTE "', 'http://e.com/2', 'Two', 'https://i.e.com/\"2\".jpg', "
	    "'error', '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', NULL), "
	    "('" NONE "', 'http://e.com/3', 'Three', '', 'cancelled', '', "
	    "'2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', NULL), "
	    "('" PENDING "', 'http://e.com/4', '', '', 'pending', '', "
	    "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL);"
	    "INSERT INTO meta (key, value) VALUES ('worker_heartbeat', "
	    "'2026-11-23T10:15:14Z')", NULL, NULL, NULL) == SQLITE_OK);
	for (i = 0; i < 4; i++)
		CHECK((before[i] = with_013(with_011(with_010(one_text(db,
		    "SELECT record FROM tasks WHERE id = ?1", ids[i]))))) != NULL);
	sqlite3_close(db);

	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	for (i = 0; i < 4; i++) {
		memset(&sn, 0, sizeof(sn));
		CHECK(store_task_get(s, ids[i], 0, seen_cb, &sn) == 1);
		CHECK_STR(sn.record, before[i] != NULL ? before[i] : "");
		CHECK(sn.local == (i == 0));
		free(before[i]);
	}
	CHECK(store_heartbeat_get(s, &at) == 1);
	CHECK(at == 1795428914);	/* 2026-11-23T10:15:14Z */
	/* The pending task still counts in its owner's queue: the triggers are back. */
	CHECK(store_task_cancel(s, PENDING, 0) == 1);
	store_close(s);

	CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK);
	v = one_text(db, "SELECT thumbnail FROM tasks WHERE id = ?1", LOCAL);
	CHECK_STR(v, "");
	free(v);
	v = one_text(db, "SELECT thumbnail FROM tasks WHERE id = ?1", REMOTE);
	CHECK_STR(v, "https://i.e.com/\"2\".jpg");
	free(v);
	v = one_text(db, "SELECT pending FROM owner_queue WHERE owner = ?1", "0");
	CHECK_STR(v, "0");
	free(v);
	v = one_text(db, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'trigger' AND name LIKE 'tasks_queue_%' AND tbl_name = ?1", "tasks");
	CHECK_STR(v, "4");
	free(v);
	/* 016's change counter, which a table made anew must keep too. */
	v = one_text(db, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'trigger' AND name LIKE 'tasks_changes_%' AND tbl_name = ?1", "tasks");
	CHECK_STR(v, "3");
	free(v);
	sqlite3_close(db);
}

/*
 * Migration 010: every row gets the options' defaults, its record gains
 * them before "thumbnail" and is otherwise the same byte for byte; seq,
 * the indexes and the owners' queue with its triggers go on.
 */
static void
test_010_adds_the_options_and_keeps_every_other_byte(void)
{
	static const char *const ids[] = { LOCAL, REMOTE, PENDING };
	sqlite3			*db;
	struct store		*s;
	struct seen		 sn;
	struct task_new		 t;
	struct task_claim	 c;
	char			*before[3], *v, err[256];
	size_t			 i;

	for (i = 0; i < 3; i++) {
		snprintf(err, sizeof(err), "%s%s", dbpath, (const char *[]){ "",
		    "-wal", "-shm" }[i]);
		unlink(err);
	}
	CHECK((db = db_at(9)) != NULL);
	if (db == NULL)
		return;
	CHECK(sqlite3_exec(db,
	    "INSERT INTO tasks (id, url, title, thumbnail, local_thumbnail, status, "
	    "filename, format_id, playlist_id, is_playlist, playlist_index, "
	    "playlist_total, created_at, updated_at, completed_at, owner_key) VALUES "
	    "('" LOCAL "', 'http://e.com/1', 'Ünï \"1\"', '', 1, 'completed', "
	    "'One__" LOCAL ".mp4', '137', 'pl', 1, 2, 5, '2026-01-01T00:00:00Z', "
	    "'2026-01-01T00:00:01Z', '2026-01-01T00:00:01Z', NULL), "
	    "('" REMOTE "', 'http://e.com/2', 'Two', 'https://i.e.com/2.jpg', 0, "
	    "'error', '', NULL, NULL, 0, 0, 1, '2026-01-01T00:00:00Z', "
	    "'2026-01-01T00:00:01Z', NULL, NULL), "
	    "('" PENDING "', 'http://e.com/4', '', '', 0, 'pending', '', NULL, NULL, "
	    "0, 0, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', NULL, NULL); "
	    "DELETE FROM tasks WHERE id = '" REMOTE "'; "
	    "INSERT INTO tasks (id, url, title, thumbnail, status, created_at, "
	    "updated_at) VALUES ('" REMOTE "', 'http://e.com/2', 'Two', "
	    "'https://i.e.com/2.jpg', 'error', '2026-01-01T00:00:00Z', "
	    "'2026-01-01T00:00:01Z')", NULL, NULL, NULL) == SQLITE_OK);
	for (i = 0; i < 3; i++)
		CHECK((before[i] = with_013(with_011(with_010(one_text(db,
		    "SELECT record FROM tasks WHERE id = ?1", ids[i]))))) != NULL);
	v = one_text(db, "SELECT max(seq) FROM tasks", NULL);
	sqlite3_close(db);

	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL) {
		free(v);
		return;
	}
	for (i = 0; i < 3; i++) {
		memset(&sn, 0, sizeof(sn));
		CHECK(store_task_get(s, ids[i], 0, seen_cb, &sn) == 1);
		CHECK_STR(sn.record, before[i] != NULL ? before[i] : "");
		free(before[i]);
	}
	/* A new task takes the options, and the claim hands them over. */
	memset(&t, 0, sizeof(t));
	t.id = "00000000-0000-4000-8000-000000000806";
	t.url = "http://e.com/6";
	t.download_type = "audio";
	t.quality = "best";
	t.audio_format = "mp3";
	t.embed_metadata = 1;
	t.sponsorblock = SPONSORBLOCK_REMOVE;
	CHECK(store_task_insert(s, &t) == 1);
	memset(&sn, 0, sizeof(sn));
	CHECK(store_task_get(s, t.id, 0, seen_cb, &sn) == 1);
	CHECK(strstr(sn.record, "\"audio_format\":\"mp3\",\"embed_metadata\""
	    ":true,\"sponsorblock\":\"remove\",\"subscription_id\":null,"
	    "\"subtitle_langs\":[],\"thumbnail\":\"\"}") != NULL);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK_STR(c.id, PENDING);
	CHECK(c.embed_metadata == 0 && c.sponsorblock == SPONSORBLOCK_OFF);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK_STR(c.id, t.id);
	CHECK(c.embed_metadata == 1 && c.sponsorblock == SPONSORBLOCK_REMOVE);
	store_close(s);

	CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK);
	/* seq goes on past the rows deleted before the migration. */
	CHECK(v != NULL && atoi(v) == 4);
	free(v);
	v = one_text(db, "SELECT seq FROM tasks WHERE id = ?1", t.id);
	CHECK_STR(v, "5");
	free(v);
	v = one_text(db, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'trigger' AND name LIKE 'tasks_queue_%' AND tbl_name = ?1", "tasks");
	CHECK_STR(v, "4");
	free(v);
	/* 016's change counter, which a table made anew must keep too. */
	v = one_text(db, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'trigger' AND name LIKE 'tasks_changes_%' AND tbl_name = ?1", "tasks");
	CHECK_STR(v, "3");
	free(v);
	/* Its four indexes, and 018's of a subscription's tasks. */
	v = one_text(db, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'index' AND tbl_name = ?1 AND sql IS NOT NULL", "tasks");
	CHECK_STR(v, "5");
	free(v);
	v = one_text(db, "SELECT pending FROM owner_queue WHERE owner = ?1", "0");
	CHECK_STR(v, "0");
	free(v);
	CHECK(sqlite3_exec(db, "UPDATE tasks SET sponsorblock = 'all'", NULL, NULL,
	    NULL) != SQLITE_OK);
	sqlite3_close(db);
}

#define SUBTASK	"00000000-0000-4000-8000-000000000807"

/*
 * Migration 011: every record gains "subscription_id":null before
 * "thumbnail" and is otherwise the same, byte for byte; the queue's
 * triggers go on.
 */
static void
test_011_adds_subscription_id_and_keeps_every_other_byte(void)
{
	sqlite3		*db;
	struct store	*s;
	struct seen	 sn;
	char		*want, *v, err[256];
	size_t		 i;

	for (i = 0; i < 3; i++) {
		snprintf(err, sizeof(err), "%s%s", dbpath, (const char *[]){ "",
		    "-wal", "-shm" }[i]);
		unlink(err);
	}
	CHECK((db = db_at(10)) != NULL);
	if (db == NULL)
		return;
	CHECK(sqlite3_exec(db,
	    "INSERT INTO tasks (id, url, title, thumbnail, local_thumbnail, "
	    "status, embed_metadata, sponsorblock, created_at, updated_at) "
	    "VALUES ('" SUBTASK "', 'http://e.com/7', 'Seven \"q\"', "
	    "'https://i.e.com/7.jpg', 0, 'pending', 1, 'mark', "
	    "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
	    NULL, NULL, NULL) == SQLITE_OK);
	want = with_013(with_011(one_text(db, "SELECT record FROM tasks WHERE "
	    "id = ?1", SUBTASK)));
	sqlite3_close(db);
	CHECK(want != NULL && strstr(want, "\"subscription_id\":null,") != NULL);
	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	if (s != NULL) {
		memset(&sn, 0, sizeof(sn));
		CHECK(store_task_get(s, SUBTASK, 0, seen_cb, &sn) == 1);
		CHECK_STR(sn.record, want != NULL ? want : "");
		CHECK(store_task_cancel(s, SUBTASK, 0) == 1);
		store_close(s);
	}
	free(want);
	CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK);
	v = one_text(db, "SELECT pending FROM owner_queue WHERE owner = ?1", "0");
	CHECK_STR(v, "0");
	free(v);
	sqlite3_close(db);
}

#define SUBS1	"00000000-0000-4000-8000-000000000808"
#define SUBS2	"00000000-0000-4000-8000-000000000809"

struct seen_subs {
	char	 record[1024];
	char	 files[STORE_SUBTITLES_LEN];
};

static int
seen_subs_cb(void *arg, const struct store_task_row *row)
{
	struct seen_subs	*sn = arg;

	snprintf(sn->record, sizeof(sn->record), "%.*s", (int)row->record_len,
	    row->record);
	snprintf(sn->files, sizeof(sn->files), "%s", row->subtitle_files);
	return 0;
}

/*
 * Migration 013: every record gains "subtitle_langs":[] before "thumbnail"
 * and is otherwise the same, byte for byte (subscription_id kept); a task
 * asked for subtitles echoes them, the claim hands them over, and the
 * completion records those stored, which the row and its delete give back.
 */
static void
test_013_adds_subtitles_and_keeps_every_other_byte(void)
{
	sqlite3			*db;
	struct store		*s;
	struct seen_subs	 sn;
	struct task_new		 t;
	struct task_claim	 c;
	struct task_done	 d = { "b__x.mp4", 1, NULL, NULL, 1, "en" };
	enum task_status	 st;
	char			*want, *v, err[256], fn[STORE_FILENAME_MAX + 1];
	char			 subs[STORE_SUBTITLES_LEN];
	size_t			 i;

	for (i = 0; i < 3; i++) {
		snprintf(err, sizeof(err), "%s%s", dbpath, (const char *[]){ "",
		    "-wal", "-shm" }[i]);
		unlink(err);
	}
	CHECK((db = db_at(11)) != NULL);
	if (db == NULL)
		return;
	CHECK(sqlite3_exec(db,
	    "INSERT INTO tasks (id, url, title, thumbnail, local_thumbnail, "
	    "status, filename, sponsorblock, subscription_id, created_at, "
	    "updated_at, completed_at) VALUES ('" SUBS1 "', 'http://e.com/8', "
	    "'Eight', '', 1, 'completed', 'Eight__" SUBS1 ".mp4', 'mark', "
	    "'00000000-0000-4000-8000-0000000008ff', '2026-01-01T00:00:00Z', "
	    "'2026-01-01T00:00:01Z', '2026-01-01T00:00:01Z')",
	    NULL, NULL, NULL) == SQLITE_OK);
	want = with_013(one_text(db, "SELECT record FROM tasks WHERE id = ?1",
	    SUBS1));
	sqlite3_close(db);
	CHECK(want != NULL && strstr(want, "\"subscription_id\":\"00000000-"
	    "0000-4000-8000-0000000008ff\",\"subtitle_langs\":[],\"thumbnail\":"
	    "\"/api/thumbnails/" SUBS1 "\"}") != NULL);
	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL) {
		free(want);
		return;
	}
	memset(&sn, 0, sizeof(sn));
	CHECK(store_task_get(s, SUBS1, 0, seen_subs_cb, &sn) == 1);
	CHECK_STR(sn.record, want != NULL ? want : "");
	CHECK_STR(sn.files, "");
	free(want);

	memset(&t, 0, sizeof(t));
	t.id = SUBS2;
	t.url = "http://e.com/9";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	t.subtitles = "en,pt-BR";
	CHECK(store_task_insert(s, &t) == 1);
	memset(&sn, 0, sizeof(sn));
	CHECK(store_task_get(s, SUBS2, 0, seen_subs_cb, &sn) == 1);
	CHECK(strstr(sn.record, ",\"subtitle_langs\":[\"en\",\"pt-BR\"],"
	    "\"thumbnail\":\"\"}") != NULL);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK_STR(c.id, SUBS2);
	CHECK_STR(c.subtitles, "en,pt-BR");
	CHECK(store_task_subtitles(s, SUBS2, 0, &st, subs) == 1);
	CHECK(st == TASK_DOWNLOADING);
	CHECK_STR(subs, "");
	CHECK(store_task_complete(s, SUBS2, &d) == 1);
	memset(&sn, 0, sizeof(sn));
	CHECK(store_task_get(s, SUBS2, 0, seen_subs_cb, &sn) == 1);
	CHECK_STR(sn.files, "en");
	CHECK(store_task_subtitles(s, SUBS2, 0, &st, subs) == 1);
	CHECK(st == TASK_COMPLETED);
	CHECK_STR(subs, "en");
	/* Another key's task is none of this one's. */
	CHECK(store_task_subtitles(s, SUBS2, 7, &st, subs) == 0);
	CHECK(store_task_delete(s, SUBS2, 0, fn, subs) == 1);
	CHECK_STR(fn, "b__x.mp4");
	CHECK_STR(subs, "en");
	store_close(s);

	CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK);
	/* Only codes and commas: the record makes JSON of them. */
	CHECK(sqlite3_exec(db, "UPDATE tasks SET subtitle_langs = 'e\"n'",
	    NULL, NULL, NULL) != SQLITE_OK);
	CHECK(sqlite3_exec(db, "UPDATE tasks SET subtitle_files = 'en/..'",
	    NULL, NULL, NULL) != SQLITE_OK);
	/* 007's queue triggers, made again with the table. */
	v = one_text(db, "SELECT count(*) FROM sqlite_master WHERE type = "
	    "'trigger' AND tbl_name = 'tasks' AND name GLOB ?1", "tasks_queue_*");
	CHECK_STR(v, "4");
	free(v);
	sqlite3_close(db);
}

/* A run that kept a thumbnail says so, and the record links it, as before. */
static void
test_a_completed_run_with_a_thumbnail_links_it(void)
{
	struct store		*s;
	struct task_new		 t;
	struct task_claim	 c;
	struct seen		 sn;
	struct task_done	 d = { "a__x.mp4", 1, NULL, NULL, 1, NULL };
	char			 err[256];
	const char		*tail = "\"thumbnail\":\"/api/thumbnails/"
				    "00000000-0000-4000-8000-000000000805\"}";

	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	memset(&t, 0, sizeof(t));
	t.id = "00000000-0000-4000-8000-000000000805";
	t.url = "http://e.com/5";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	t.thumbnail = "https://i.e.com/5.jpg";
	CHECK(store_task_insert(s, &t) == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK(store_task_complete(s, t.id, &d) == 1);
	memset(&sn, 0, sizeof(sn));
	CHECK(store_task_get(s, t.id, 0, seen_cb, &sn) == 1);
	CHECK(sn.local == 1);
	CHECK(strlen(sn.record) > strlen(tail) &&
	    strcmp(sn.record + strlen(sn.record) - strlen(tail), tail) == 0);
	store_close(s);
}

int
main(void)
{
	char	 p[128];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	test_008_turns_local_thumbnail_links_into_the_fact();
	test_a_completed_run_with_a_thumbnail_links_it();
	test_010_adds_the_options_and_keeps_every_other_byte();
	test_011_adds_subscription_id_and_keeps_every_other_byte();
	test_013_adds_subtitles_and_keeps_every_other_byte();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	rmdir(dir);
	return unit_done("test_migrations");
}
