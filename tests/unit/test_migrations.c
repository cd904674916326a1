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

/* A record from before 010 as 010 makes it: "subscription_id":null before "thumbnail". */
static void
with_subscription(const char *before, char *out, size_t len)
{
	const char	*cut;

	out[0] = '\0';
	if (before == NULL || (cut = strstr(before, ",\"thumbnail\":")) == NULL)
		return;
	snprintf(out, len, "%.*s,\"subscription_id\":null%s",
	    (int)(cut - before), before, cut);
}

#define LOCAL	"00000000-0000-4000-8000-000000000801"
#define REMOTE	"00000000-0000-4000-8000-000000000802"
#define NONE	"00000000-0000-4000-8000-000000000803"
#define PENDING	"00000000-0000-4000-8000-000000000804"

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
	char		*before[4], *v, err[256], want[1024];
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
		CHECK((before[i] = one_text(db, "SELECT record FROM tasks "
		    "WHERE id = ?1", ids[i])) != NULL);
	sqlite3_close(db);

	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	for (i = 0; i < 4; i++) {
		memset(&sn, 0, sizeof(sn));
		CHECK(store_task_get(s, ids[i], 0, seen_cb, &sn) == 1);
		/* As before, with 010's field. */
		with_subscription(before[i], want, sizeof(want));
		CHECK_STR(sn.record, want);
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
	    "'trigger' AND tbl_name = ?1", "tasks");
	CHECK_STR(v, "4");
	free(v);
	sqlite3_close(db);
}

#define SUBTASK	"00000000-0000-4000-8000-000000000806"

/*
 * Migration 010: every record gains "subscription_id":null before
 * "thumbnail" and is otherwise the same, byte for byte; the queue's
 * triggers go on.
 */
static void
test_010_adds_subscription_id_and_keeps_every_other_byte(void)
{
	sqlite3		*db;
	struct store	*s;
	struct seen	 sn;
	char		*before, want[1024], err[256];

	unlink(dbpath);
	CHECK((db = db_at(9)) != NULL);
	if (db == NULL)
		return;
	CHECK(sqlite3_exec(db,
	    "INSERT INTO tasks (id, url, title, thumbnail, local_thumbnail, "
	    "status, created_at, updated_at) VALUES ('" SUBTASK "', "
	    "'http://e.com/6', 'Six \"q\"', 'https://i.e.com/6.jpg', 0, "
	    "'pending', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
	    NULL, NULL, NULL) == SQLITE_OK);
	before = one_text(db, "SELECT record FROM tasks WHERE id = ?1", SUBTASK);
	sqlite3_close(db);
	with_subscription(before, want, sizeof(want));
	CHECK(want[0] != '\0');
	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	if (s != NULL) {
		memset(&sn, 0, sizeof(sn));
		CHECK(store_task_get(s, SUBTASK, 0, seen_cb, &sn) == 1);
		CHECK_STR(sn.record, want);
		CHECK(store_task_cancel(s, SUBTASK, 0) == 1);
		store_close(s);
	}
	free(before);
	CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK);
	before = one_text(db, "SELECT pending FROM owner_queue WHERE owner = ?1", "0");
	CHECK_STR(before, "0");
	free(before);
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
	struct task_done	 d = { "a__x.mp4", 1, NULL, NULL, 1 };
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
	test_010_adds_subscription_id_and_keeps_every_other_byte();
	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	rmdir(dir);
	return unit_done("test_migrations");
}
