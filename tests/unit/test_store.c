/* test_store.c: migrations, the atomic claim, cancel semantics, crash recovery. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sqlite3.h>

#include "store.h"
#include "unit.h"
#include "unitdb.h"

struct migration {
	int		 version;
	const char	*sql;
};
/* The migrations the programs carry (built from sql/migrations/). */
extern const struct migration	store_migrations[];
extern const size_t		store_nmigrations;

static char	 dbpath[64];

/* A task as the API makes one with nothing but a URL. */
static struct task_new
task_of(const char *id, const char *url)
{
	struct task_new	 t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.url = url;
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	return t;
}

static void
add(struct store *s, const char *id)
{
	struct task_new	 t = task_of(id, "http://example.com/v");

	CHECK(store_task_insert(s, &t) == 1);
}

static void
test_migrations_apply_once_and_are_recorded(void)
{
	struct store	*a, *b;
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 err[256];

	if (unit_pg())	/* reads SQLite's file itself */
		return;

	CHECK((a = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	CHECK((b = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	CHECK(sqlite3_open(dbpath, &db) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "SELECT count(*), max(version) FROM "
	    "schema_migrations", -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	/* One row each (numbers may skip: a branch's migration keeps its own). */
	CHECK((size_t)sqlite3_column_int(st, 0) == store_nmigrations);
	CHECK(sqlite3_column_int(st, 1) == store_migrations[store_nmigrations - 1].version);
	CHECK(sqlite3_column_int(st, 0) >= 1);
	sqlite3_finalize(st);
	CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(db);
	store_close(a);
	store_close(b);
}

/*
 * Statements are prepared at their first use (sql/store.c, stmt()): a
 * mistake in one that no test runs would otherwise show only in use.
 */
static void
test_every_statement_prepares(void)
{
	struct store	*s;
	char		 err[256];
	int		 rc;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	rc = store_prepare_all(s, err, sizeof(err));
	CHECK(rc == 1);
	if (rc != 1)
		fprintf(stderr, "%s\n", err);
	store_close(s);
}

static void
test_claim_takes_oldest_pending_once(void)
{
	struct store		*a, *b;
	struct task_claim	 c;
	char			 err[256];
	enum task_status	 status;
	int64_t			 first, second;

	a = unit_store_open(dbpath, err, sizeof(err));
	b = unit_store_open(dbpath, err, sizeof(err));
	add(a, "00000000-0000-4000-8000-000000000001");
	add(a, "00000000-0000-4000-8000-000000000002");
	CHECK(store_task_claim(b, 42, 0, &c) == 1);
	CHECK_STR(c.id, "00000000-0000-4000-8000-000000000001");
	CHECK(c.attempts == 1);
	first = c.seq;
	CHECK(store_task_claim(a, 43, 0, &c) == 1);
	CHECK_STR(c.id, "00000000-0000-4000-8000-000000000002");
	second = c.seq;
	CHECK(store_task_claim(b, 42, 0, &c) == 0);
	/* A cancelled task is final: the worker's writes no longer touch it. */
	CHECK(store_task_cancel(a, "00000000-0000-4000-8000-000000000001", 0) == 1);
	CHECK(store_task_progress(b, first, 50, "1 MB/s", "3s", 10, 5) == 0);
	CHECK(store_task_complete(b, "00000000-0000-4000-8000-000000000001",
	    &(struct task_done){ "x.mp4", 10, NULL, NULL, 0, NULL }) == 0);
	CHECK(store_task_status(a, "00000000-0000-4000-8000-000000000001", &status) == 1);
	CHECK(status == TASK_CANCELLED);
	CHECK(store_task_cancel(a, "00000000-0000-4000-8000-000000000001", 0) == 0);
	/* Progress lands on the row the claim named (by seq), and only there. */
	CHECK(second > first);
	CHECK(store_task_progress(b, second, 40, "1 MB/s", "3s", 10, 4) == 1);
	CHECK(unit_sql_int(dbpath, "SELECT progress * 10 FROM tasks WHERE id = "
	    "'00000000-0000-4000-8000-000000000001'") == 0);
	CHECK(unit_sql_int(dbpath, "SELECT progress * 10 FROM tasks WHERE id = "
	    "'00000000-0000-4000-8000-000000000002'") == 400);
	/* Completed cannot be cancelled. */
	CHECK(store_task_complete(b, "00000000-0000-4000-8000-000000000002",
	    &(struct task_done){ "y.mp4", 10, "720p", NULL, 0, NULL }) == 1);
	CHECK(store_task_cancel(a, "00000000-0000-4000-8000-000000000002", 0) == 0);
	CHECK(store_task_status(a, "00000000-0000-4000-8000-000000000002", &status) == 1);
	CHECK(status == TASK_COMPLETED);
	CHECK(store_task_cancel(a, "00000000-0000-4000-8000-00000000ffff", 0) == 0);
	store_close(a);
	store_close(b);
}

/* The record of a row, parsed; and what came beside it. */
struct seen {
	struct json_object	*o;
	int			 completed;
	int			 rows;
};

static int
parse_cb(void *arg, const struct store_task_row *row)
{
	struct seen	*sn = arg;

	json_object_put(sn->o);
	sn->o = json_tokener_parse(row->record);
	sn->completed = row->completed;
	sn->rows++;
	return 0;
}

/* store_task_create, and cb given the record it returned. */
static int
create(struct store *s, const struct task_new *t, store_task_cb cb, void *arg)
{
	struct store_task_copy	 c;
	int			 rc;

	if ((rc = store_task_create(s, t, &c)) == 1 && cb(arg, &c.row) != 0)
		rc = -1;
	store_task_copy_free(&c);
	return rc;
}

static const char *
field(struct json_object *o, const char *key, enum json_type want)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, want))
		return NULL;
	return want == json_type_null ? "null" : json_object_get_string(v);
}

/*
 * The record the database keeps (migration 005) is the contract's JSON:
 * every field with its type, strings escaped whatever they hold.  And the
 * answer to a create is the row the insert wrote, never a later read of it.
 */
static void
test_insert_returns_the_record_it_wrote(void)
{
	static const char *const strs[] = { "id", "url", "title", "status",
	    "speed", "eta", "format_note", "filename", "quality", "download_type",
	    "error_message", "created_at", "updated_at", "audio_format" };
	static const char *const ints[] = { "filesize", "downloaded_bytes",
	    "playlist_index", "playlist_total" };
	struct store	*s;
	struct task_new	 t;
	struct seen	 sn = { NULL, -1, 0 };
	char		 err[256], fn[STORE_FILENAME_MAX + 1];
	char		 subs[STORE_SUBTITLES_LEN];
	size_t		 i;

	CHECK((s = unit_store_open(dbpath, err, sizeof(err))) != NULL);
	t = task_of("00000000-0000-4000-8000-0000000000a1",
	    "http://example.com/a?b=\"c\"&d=\\");
	t.download_type = "audio";
	t.quality = "128kbps";
	t.audio_format = "mp3";
	t.title = "Caf\xc3\xa9 \xf0\x9f\x8e\xac \"q\" \\ tab\there\nline \x01";
	t.thumbnail = "https://i.example/\"x\".jpg";
	CHECK(create(s, &t, parse_cb, &sn) == 1);
	CHECK(sn.rows == 1 && sn.o != NULL);
	CHECK(sn.completed == 0);
	CHECK_STR(field(sn.o, "thumbnail", json_type_string), t.thumbnail);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		CHECK(field(sn.o, strs[i], json_type_string) != NULL);
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		CHECK(field(sn.o, ints[i], json_type_int) != NULL);
	CHECK(field(sn.o, "progress", json_type_double) != NULL);
	CHECK(field(sn.o, "is_playlist", json_type_boolean) != NULL);
	CHECK_STR(field(sn.o, "is_playlist", json_type_boolean), "false");
	CHECK(field(sn.o, "completed_at", json_type_null) != NULL);
	CHECK(field(sn.o, "playlist_id", json_type_null) != NULL);
	CHECK(field(sn.o, "format_id", json_type_null) != NULL);
	/* Fields that depend on who asks are the API's to add. */
	CHECK(!json_object_object_get_ex(sn.o, "stream_url", NULL));
	CHECK(!json_object_object_get_ex(sn.o, "file_url", NULL));
	CHECK_STR(field(sn.o, "id", json_type_string), t.id);
	CHECK_STR(field(sn.o, "url", json_type_string), t.url);
	CHECK_STR(field(sn.o, "title", json_type_string), t.title);
	CHECK_STR(field(sn.o, "status", json_type_string), "pending");
	CHECK_STR(field(sn.o, "quality", json_type_string), "128kbps");
	CHECK_STR(field(sn.o, "playlist_total", json_type_int), "1");
	/* The plain insert, as the worker makes a playlist's entries. */
	t.id = "00000000-0000-4000-8000-0000000000a2";
	CHECK(store_task_insert(s, &t) == 1);
	CHECK(store_task_get(s, t.id, 0, parse_cb, &sn) == 1);
	CHECK(store_task_delete(s, t.id, 0, fn, subs) == 1);
	t.id = "00000000-0000-4000-8000-0000000000a1";
	/* The same id twice is refused, and nothing is answered. */
	sn.rows = 0;
	CHECK(create(s, &t, parse_cb, &sn) == -1);
	CHECK(sn.rows == 0);
	/* An update moves the record with the row. */
	CHECK(store_task_cancel(s, t.id, 0) == 1);
	CHECK(store_task_get(s, t.id, 0, parse_cb, &sn) == 1);
	CHECK_STR(field(sn.o, "status", json_type_string), "cancelled");
	json_object_put(sn.o);
	/* The tests after this one count the rows. */
	CHECK(store_task_delete(s, t.id, 0, fn, subs) == 1);
	store_close(s);
}

static void
test_recovery_requeues_then_gives_up(void)
{
	struct store		*s;
	struct task_claim	 c;
	char			 err[256];
	enum task_status	 status;
	int			 i, n;

	s = unit_store_open(dbpath, err, sizeof(err));
	add(s, "00000000-0000-4000-8000-000000000003");
	for (i = 1; i <= 3; i++) {
		CHECK(store_task_claim(s, 1, 0, &c) == 1);
		CHECK(c.attempts == i);
		CHECK(store_task_recover(s, 3, "gave up", &n) == 1);
		CHECK(n == (i < 3 ? 1 : 0));
	}
	CHECK(store_task_status(s, "00000000-0000-4000-8000-000000000003", &status) == 1);
	CHECK(status == TASK_ERROR);
	store_close(s);
}

static int
count_cb(void *arg, const struct store_task_row *row)
{
	(void)row;
	(*(int *)arg)++;
	return 0;
}

static void
test_list_pages_newest_first_and_delete(void)
{
	struct store		*s;
	struct seen		 sn = { NULL, -1, 0 };
	char			 err[256], fn[STORE_FILENAME_MAX + 1];
	char			 subs[STORE_SUBTITLES_LEN];
	int			 n = 0;

	s = unit_store_open(dbpath, err, sizeof(err));
	CHECK(store_task_list(s, NULL, 0, -1, 0, count_cb, &n) == 1);
	CHECK(n == 3);
	n = 0;
	CHECK(store_task_list(s, &(enum task_status){ TASK_ERROR }, 0, -1, 0,
	    count_cb, &n) == 1);
	CHECK(n == 1);
	n = 0;
	CHECK(store_task_list(s, NULL, 0, 2, 2, count_cb, &n) == 1);
	CHECK(n == 1);
	CHECK(store_task_get(s, "00000000-0000-4000-8000-000000000002", 0,
	    parse_cb, &sn) == 1);
	CHECK(sn.completed == 1);
	CHECK_STR(field(sn.o, "filename", json_type_string), "y.mp4");
	CHECK_STR(field(sn.o, "status", json_type_string), "completed");
	json_object_put(sn.o);
	sn.o = NULL;
	CHECK(store_task_delete(s, "00000000-0000-4000-8000-000000000002", 0, fn,
	    subs) == 1);
	CHECK_STR(fn, "y.mp4");
	CHECK(store_task_get(s, "00000000-0000-4000-8000-000000000002", 0,
	    parse_cb, &sn) == 0);
	CHECK(store_task_delete(s, "00000000-0000-4000-8000-000000000002", 0, fn,
	    subs) == 0);
	store_close(s);
}

static void
test_lookups_dedupe_cache_and_prune(void)
{
	struct store		*s;
	struct lookup		 l;
	struct lookup_claim	 c;
	char			 err[256];
	long long		 id, id2;
	int			 i, n;

	s = unit_store_open(dbpath, err, sizeof(err));
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "cats", "ytsearch", 5, -1, 1000, &l) == 0);
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, "cats", "ytsearch", 5, -1, 1000, &id) == 1);
	/* A second asker of the same question joins the live one. */
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, "cats", "ytsearch", 5, -1, 1000, &id2) == 0);
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "cats", "ytsearch", 5, -1, 1000, &l) == 1);
	CHECK(l.id == id);
	CHECK(l.state == LOOKUP_PENDING);
	CHECK(store_lookup_claim(s, 7, &c) == 1);
	CHECK(c.id == id && c.max_results == 5);
	CHECK_STR(c.query, "cats");
	CHECK(store_lookup_finish(s, id, "[1]", 1600) == 1);
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "cats", "ytsearch", 5, -1, 1500, &l) == 1);
	CHECK_STR(l.answer, "[1]");
	free(l.answer);
	/* Expired: not an answer any more, and pruned. */
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "cats", "ytsearch", 5, -1, 1600, &l) == 0);
	CHECK(store_lookup_prune(s, 1600, 100, 1 << 30, &n) == 1 && n == 1);
	CHECK(store_lookup_get(s, id, &l) == 0);
	/* However many fresh answers, the cache keeps only the newest. */
	for (i = 0; i < 10; i++) {
		char	 q[16];

		snprintf(q, sizeof(q), "q%d", i);
		CHECK(store_lookup_insert(s, LOOKUP_SEARCH, q, "ytsearch", 5, -1, 1000, &id) == 1);
		CHECK(store_lookup_claim(s, 7, &c) == 1);
		CHECK(store_lookup_finish(s, id, "[]", 999999) == 1);
	}
	CHECK(store_lookup_prune(s, 2000, 4, 1 << 30, &n) == 1 && n == 6);
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "q9", "ytsearch", 5, -1, 2000, &l) == 1);
	free(l.answer);
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "q0", "ytsearch", 5, -1, 2000, &l) == 0);
	store_close(s);
}

static void
test_lookups_under_another_search_prefix_are_another_question(void)
{
	struct store		*s;
	struct lookup		 l;
	struct lookup_claim	 c;
	char			 err[256];
	long long		 id, id2;

	s = unit_store_open(dbpath, err, sizeof(err));
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, "dogs", "ytsearch", 5, -1, 1000, &id) == 1);
	CHECK(store_lookup_claim(s, 7, &c) == 1);
	CHECK(c.id == id);
	CHECK_STR(c.search_prefix, "ytsearch");
	CHECK(store_lookup_finish(s, id, "[\"yt\"]", 999999) == 1);
	/* A fresh answer under one prefix is no answer under another... */
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "dogs", "otfixsearch", 5, -1, 1000, &l) == 0);
	/* ...which is asked anew, and runs with its own prefix. */
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, "dogs", "otfixsearch", 5, -1, 1000,
	    &id2) == 1);
	CHECK(id2 != id);
	CHECK(store_lookup_claim(s, 7, &c) == 1);
	CHECK(c.id == id2);
	CHECK_STR(c.search_prefix, "otfixsearch");
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "dogs", "ytsearch", 5, -1, 1000, &l) == 1);
	CHECK(l.id == id);
	free(l.answer);
	store_close(s);
}

/*
 * A look-up made with an owner's cookies is that owner's: nobody else finds
 * it, live or answered, and a look-up without cookies stays anyone's
 * (migration 014).  The worker's claim says whose cookies to run with.
 */
static void
test_lookups_with_cookies_answer_their_owner_only(void)
{
	struct store		*s;
	struct lookup		 l;
	struct lookup_claim	 c;
	char			 err[256];
	long long		 id, id2, id3;

	s = unit_store_open(dbpath, err, sizeof(err));
	CHECK(store_lookup_insert(s, LOOKUP_INFO, "https://e.com/m", "", 0, 7, 1000,
	    &id) == 1);
	/* Live: the same owner joins it, another owner or none does not. */
	CHECK(store_lookup_find(s, LOOKUP_INFO, "https://e.com/m", "", 0, 7, 1000,
	    &l) == 1 && l.id == id);
	CHECK(store_lookup_find(s, LOOKUP_INFO, "https://e.com/m", "", 0, 8, 1000,
	    &l) == 0);
	CHECK(store_lookup_find(s, LOOKUP_INFO, "https://e.com/m", "", 0, -1, 1000,
	    &l) == 0);
	CHECK(store_lookup_insert(s, LOOKUP_INFO, "https://e.com/m", "", 0, -1, 1000,
	    &id2) == 1 && id2 != id);
	CHECK(store_lookup_insert(s, LOOKUP_INFO, "https://e.com/m", "", 0, 0, 1000,
	    &id3) == 1 && id3 != id2);
	CHECK(store_lookup_claim(s, 7, &c) == 1 && c.id == id && c.cookie_owner == 7);
	CHECK(store_lookup_claim(s, 7, &c) == 1 && c.id == id2 && c.cookie_owner == -1);
	CHECK(store_lookup_claim(s, 7, &c) == 1 && c.id == id3 && c.cookie_owner == 0);
	CHECK(store_lookup_finish(s, id, "{\"members\":1}", 999999) == 1);
	CHECK(store_lookup_finish(s, id2, "{\"public\":1}", 999999) == 1);
	/* Answered: each finds the answer made with its own cookies, or none. */
	CHECK(store_lookup_find(s, LOOKUP_INFO, "https://e.com/m", "", 0, 7, 1000,
	    &l) == 1 && l.id == id);
	free(l.answer);
	CHECK(store_lookup_find(s, LOOKUP_INFO, "https://e.com/m", "", 0, 8, 1000,
	    &l) == 0);
	CHECK(store_lookup_find(s, LOOKUP_INFO, "https://e.com/m", "", 0, -1, 1000,
	    &l) == 1 && l.id == id2);
	free(l.answer);
	store_close(s);
}

/* A finished look-up with an answer of n bytes; returns its id. */
static long long
answered(struct store *s, const char *q, size_t n)
{
	struct lookup_claim	 c;
	long long		 id = 0;
	char			*a;

	if ((a = malloc(n + 1)) == NULL)
		return 0;
	memset(a, 'x', n);
	a[n] = '\0';
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, q, "ytsearch", 5, -1, 1000, &id) == 1);
	CHECK(store_lookup_claim(s, 7, &c) == 1 && c.id == id);
	CHECK(store_lookup_finish(s, id, a, 999999) == 1);
	free(a);
	return id;
}

/*
 * A row that is not there (never was, or pruned while a worker ran it)
 * leaves the caller's struct empty, whatever it held: the worker used to
 * free and read what its stack held instead.
 */
static void
test_a_lookup_not_found_leaves_the_struct_empty(void)
{
	struct store	*s;
	struct lookup	 l;
	char		 err[256];
	long long	 id, id2;
	int		 n;

	s = unit_store_open(dbpath, err, sizeof(err));
	id = answered(s, "pruned", 10);
	CHECK(store_lookup_prune(s, 0, 0, 1 << 30, &n) == 1 && n >= 1);
	memset(&l, 0xa5, sizeof(l));
	CHECK(store_lookup_get(s, id, &l) == 0);
	CHECK(l.answer == NULL);
	CHECK(l.state == LOOKUP_PENDING);
	CHECK(l.id == 0 && l.error[0] == '\0' && l.error_status == 0);
	free(l.answer);
	memset(&l, 0xa5, sizeof(l));
	CHECK(store_lookup_find(s, LOOKUP_SEARCH, "pruned", "ytsearch", 5, -1, 1000, &l) == 0);
	CHECK(l.answer == NULL && l.id == 0);
	/* Losing the race to a live look-up sets no id either. */
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, "live", "ytsearch", 5, -1, 1000, &id) == 1);
	id2 = -5;
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, "live", "ytsearch", 5, -1, 1000, &id2) == 0);
	CHECK(id2 == 0);
	CHECK(store_lookup_fail(s, id, 502, "done with") == 1);
	store_close(s);
}

/* The cache keeps the newest answers whose sizes fit its budget; a live look-up stays. */
static void
test_the_cache_keeps_the_newest_answers_that_fit_its_bytes(void)
{
	struct store	*s;
	struct lookup	 l;
	char		 err[256], q[16];
	long long	 ids[10], live;
	int		 i, n;

	s = unit_store_open(dbpath, err, sizeof(err));
	CHECK(store_lookup_prune(s, 0, 0, 0, NULL) >= 0);
	for (i = 0; i < 10; i++) {
		snprintf(q, sizeof(q), "b%d", i);
		ids[i] = answered(s, q, 1000);
	}
	CHECK(store_lookup_insert(s, LOOKUP_SEARCH, "running", "ytsearch", 5, -1, 1000,
	    &live) == 1);
	/* 3 x 1000 fit in 3500; the fourth newest and all older go. */
	CHECK(store_lookup_prune(s, 0, 100, 3500, &n) == 1 && n == 7);
	for (i = 0; i < 10; i++) {
		CHECK(store_lookup_get(s, ids[i], &l) == (i >= 7));
		free(l.answer);
	}
	CHECK(store_lookup_get(s, live, &l) == 1);
	CHECK(l.state == LOOKUP_PENDING);
	free(l.answer);
	/* Within the budget, nothing goes. */
	CHECK(store_lookup_prune(s, 0, 100, 3000, &n) == 0 && n == 0);
	CHECK(store_lookup_prune(s, 0, 100, 2999, &n) == 1 && n == 1);
	CHECK(store_lookup_fail(s, live, 502, "done with") == 1);
	store_close(s);
}

/* A database of its own, with keys 1 to 3 (tasks name their owner by key id). */
static struct store *
fresh(const char *name)
{
	struct store	*s;
	char		 path[96], err[256], prefix[32], hash[65];
	int		 i;

	snprintf(path, sizeof(path), "%.*s/%s", (int)(strlen(dbpath) - 5),
	    dbpath, name);
	if ((s = unit_store_open(path, err, sizeof(err))) == NULL)
		return NULL;
	for (i = 1; i <= 3; i++) {
		snprintf(prefix, sizeof(prefix), "otk_0000000%d", i);
		snprintf(hash, sizeof(hash), "%064d", i);
		CHECK(store_key_insert(s, prefix, prefix, hash, 0) == 1);
	}
	return s;
}

static void
make_id(char id[STORE_ID_LEN], int n)
{
	snprintf(id, STORE_ID_LEN, "00000000-0000-4000-8000-%012d", n);
}

static int
add_owned(struct store *s, int n, long long owner, int cap)
{
	struct task_new	 t;
	char		 id[STORE_ID_LEN];

	make_id(id, n);
	t = task_of(id, "http://example.com/o");
	t.owner = owner;
	t.max_pending = cap;
	return store_task_insert(s, &t);
}

/*
 * OFFLINETUBE_MAX_PENDING is the insert's own condition, per owner: the
 * place a claim or a cancel frees is taken again, and a refused playlist
 * entry is stored as an error, which no cap counts.
 */
static void
test_insert_holds_each_owners_pending_cap(void)
{
	struct store		*s;
	struct task_claim	 c;
	struct task_new		 t;
	char			 id[STORE_ID_LEN];
	enum task_status	 status;
	int			 n = 0;

	CHECK((s = fresh("cap.db")) != NULL);
	CHECK(add_owned(s, 1, 1, 2) == 1);
	CHECK(add_owned(s, 2, 1, 2) == 1);
	CHECK(add_owned(s, 3, 1, 2) == 0);
	make_id(id, 3);
	CHECK(store_task_status(s, id, &status) == 0);
	/* Another owner, and tasks without a key, have places of their own. */
	CHECK(add_owned(s, 4, 2, 2) == 1);
	CHECK(add_owned(s, 5, 0, 1) == 1);
	CHECK(add_owned(s, 6, 0, 1) == 0);
	/* No cap: the worker's own inserts that are not pending. */
	CHECK(add_owned(s, 7, 1, 0) == 1);
	CHECK(add_owned(s, 8, 1, 3) == 0);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK(add_owned(s, 9, 1, 3) == 1);
	make_id(id, 9);
	CHECK(store_task_cancel(s, id, 0) == 1);
	CHECK(add_owned(s, 10, 1, 3) == 1);
	CHECK(add_owned(s, 11, 1, 3) == 0);
	/* A refused entry, stored as an error with its message. */
	make_id(id, 12);
	t = task_of(id, "http://example.com/o");
	t.owner = 1;
	t.max_pending = 3;
	t.error = "not queued";
	CHECK(store_task_insert(s, &t) == 1);
	CHECK(store_task_status(s, id, &status) == 1);
	CHECK(status == TASK_ERROR);
	CHECK(store_task_list(s, &(enum task_status){ TASK_PENDING }, 1, -1, 0,
	    count_cb, &n) == 1);
	CHECK(n == 3);
	store_close(s);
}

/* store_task_retry, and the record it answered with, parsed into sn. */
static int
retry(struct store *s, int n, long long owner, int cap, struct task_retry *r,
    struct seen *sn)
{
	struct store_task_copy	 c;
	char			 id[STORE_ID_LEN];
	int			 rc;

	make_id(id, n);
	if ((rc = store_task_retry(s, id, owner, cap, r, &c)) == 1)
		parse_cb(sn, &c.row);
	store_task_copy_free(&c);
	return rc;
}

/*
 * A retry takes a task in error or cancelled back to pending, its run's
 * facts cleared and its attempts counted anew; it never takes a task in
 * another status, another owner's, one whose cancelled run the worker has
 * not let go of yet, nor one past its owner's cap.
 */
static void
test_retry_requeues_only_ended_tasks(void)
{
	struct store		*s;
	struct task_claim	 c;
	struct task_retry	 r;
	struct seen		 sn = { NULL, 0, 0 };
	char			 id[STORE_ID_LEN];

	CHECK((s = fresh("retry.db")) != NULL);
	/* 1: fails after some progress; 2: cancelled while it runs; 3: completed. */
	CHECK(add_owned(s, 1, 1, 0) == 1);
	CHECK(add_owned(s, 2, 1, 0) == 1);
	CHECK(add_owned(s, 3, 1, 0) == 1);
	CHECK(store_task_claim(s, 77, 4000000000LL, &c) == 1);
	CHECK(store_task_progress(s, c.seq, 40, "1 MB/s", "3s", 1000, 400) == 1);
	CHECK(store_task_fail(s, c.id, "HTTP Error 404") == 1);
	CHECK(store_task_claim(s, 77, 4000000000LL, &c) == 1);
	CHECK(store_task_claim(s, 77, 4000000000LL, &c) == 1);
	CHECK(store_task_complete(s, c.id, &(struct task_done){ "z.mp4", 10,
	    NULL, NULL, 0, NULL }) == 1);
	make_id(id, 2);
	CHECK(store_task_cancel(s, id, 0) == 1);

	/* Pending, downloading, completed: 409 material. */
	CHECK(add_owned(s, 4, 1, 0) == 1);
	CHECK(retry(s, 4, 0, 0, &r, &sn) == 0);
	CHECK(r.refused == RETRY_STATUS && r.status == TASK_PENDING);
	CHECK(retry(s, 3, 0, 0, &r, &sn) == 0);
	CHECK(r.refused == RETRY_STATUS && r.status == TASK_COMPLETED);
	/* Unknown, or another key's. */
	CHECK(retry(s, 99, 0, 0, &r, &sn) == 0);
	CHECK(r.refused == RETRY_NOT_FOUND);
	CHECK(retry(s, 1, 2, 0, &r, &sn) == 0);
	CHECK(r.refused == RETRY_NOT_FOUND);
	/* The cancelled run is still the worker's: not yet. */
	CHECK(retry(s, 2, 1, 0, &r, &sn) == 0);
	CHECK(r.refused == RETRY_STOPPING);
	CHECK(store_task_unlease(s, id, 78) == 0);
	CHECK(store_task_unlease(s, id, 77) == 1);
	/* The owner's queue holds 1 pending task (4): a cap of 1 is full. */
	CHECK(retry(s, 2, 1, 1, &r, &sn) == 0);
	CHECK(r.refused == RETRY_FULL);
	CHECK(retry(s, 2, 1, 2, &r, &sn) == 1);
	CHECK_STR(field(sn.o, "status", json_type_string), "pending");
	CHECK(retry(s, 2, 1, 0, &r, &sn) == 0);
	CHECK(r.refused == RETRY_STATUS && r.status == TASK_PENDING);
	/* The failed one: its run's facts gone, its id and options kept. */
	CHECK(retry(s, 1, -1, 0, &r, &sn) == 1);
	make_id(id, 1);
	CHECK_STR(field(sn.o, "id", json_type_string), id);
	CHECK_STR(field(sn.o, "status", json_type_string), "pending");
	CHECK_STR(field(sn.o, "error_message", json_type_string), "");
	CHECK_STR(field(sn.o, "speed", json_type_string), "");
	CHECK_STR(field(sn.o, "eta", json_type_string), "");
	CHECK_STR(field(sn.o, "progress", json_type_double), "0.0");
	CHECK_STR(field(sn.o, "filesize", json_type_int), "0");
	CHECK_STR(field(sn.o, "downloaded_bytes", json_type_int), "0");
	CHECK_STR(field(sn.o, "url", json_type_string), "http://example.com/o");
	CHECK_STR(field(sn.o, "quality", json_type_string), "best");
	/* Its attempts start again, and it is claimed like any pending task. */
	while (store_task_claim(s, 77, 0, &c) == 1 && strcmp(c.id, id) != 0)
		;
	CHECK_STR(c.id, id);
	CHECK(c.attempts == 1);
	json_object_put(sn.o);
	store_close(s);
}

/* Sets every task's queued_at to the epoch: a wait begun then is 56 years long. */
static void
age_queue(const char *name)
{
	char	 path[96];

	snprintf(path, sizeof(path), "%.*s/%s", (int)(strlen(dbpath) - 5),
	    dbpath, name);
	CHECK(unit_sql_int(path, "UPDATE tasks SET queued_at = 0") == 0);
}

/*
 * The queue wait a claim reports (the metrics' histogram) starts whenever
 * a task becomes pending: each statement that makes it so sets queued_at
 * (migration 018), so each is held to it here.  An old start left in place
 * would show as a wait of decades.
 */
static void
test_every_way_to_pending_starts_the_wait(void)
{
	struct store		*s;
	struct task_claim	 c;
	struct task_retry	 r;
	struct seen		 sn = { NULL, 0, 0 };
	int			 n;

	CHECK((s = fresh("wait.db")) != NULL);
	/* Created. */
	CHECK(add_owned(s, 1, 1, 0) == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK(c.waited >= 0 && c.waited < 60);
	/* Requeued after a crash. */
	age_queue("wait.db");
	CHECK(store_task_recover(s, 3, "gave up", &n) == 1 && n == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK(c.waited >= 0 && c.waited < 60);
	/* Handed back by a worker that stops. */
	age_queue("wait.db");
	CHECK(store_task_release(s, c.id) == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK(c.waited >= 0 && c.waited < 60);
	/* Retried after an error. */
	CHECK(store_task_fail(s, c.id, "HTTP Error 404") == 1);
	age_queue("wait.db");
	CHECK(retry(s, 1, 0, 0, &r, &sn) == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK(c.waited >= 0 && c.waited < 60);
	json_object_put(sn.o);
	store_close(s);
}

/*
 * A's playlist queues ten tasks before B asks for one: with one download at
 * a time, B's is the next to start, and then A and B take turns; an owner
 * with fewer running tasks goes first.
 */
static void
test_claim_takes_turns_between_owners(void)
{
	struct store		*s;
	struct task_claim	 c;
	char			 id[STORE_ID_LEN];
	int			 i;

	CHECK((s = fresh("turns.db")) != NULL);
	for (i = 1; i <= 10; i++)
		CHECK(add_owned(s, i, 1, 0) == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	make_id(id, 1);
	CHECK_STR(c.id, id);
	CHECK(add_owned(s, 11, 2, 0) == 1);
	CHECK(add_owned(s, 12, 2, 0) == 1);
	CHECK(store_task_complete(s, c.id,
	    &(struct task_done){ "a.mp4", 1, NULL, NULL, 0, NULL }) == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	make_id(id, 11);
	CHECK_STR(c.id, id);
	CHECK(store_task_fail(s, c.id, "x") == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	make_id(id, 2);
	CHECK_STR(c.id, id);
	/* A has one running, B none: B goes first, whoever was served last. */
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	make_id(id, 12);
	CHECK_STR(c.id, id);
	/* Only A has tasks left. */
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	make_id(id, 3);
	CHECK_STR(c.id, id);
	store_close(s);
}

/*
 * The claim at 100,000 tasks: two index probes per owner with pending
 * tasks, never a scan of the tasks table.
 */
static void
test_claim_plan_never_scans_tasks(void)
{
	struct store	*s;
	sqlite3		*db;
	char		 plan[4096], path[96];
	int		 ok;

	if (unit_pg())	/* reads SQLite's file itself */
		return;

	CHECK((s = fresh("plan.db")) != NULL);
	snprintf(path, sizeof(path), "%.*s/plan.db", (int)(strlen(dbpath) - 5),
	    dbpath);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
	    "SELECT i + 1 FROM c WHERE i < 100000) INSERT INTO tasks (id, url, "
	    "status, owner_key, created_at, updated_at) SELECT 'id-' || i, 'u', "
	    "CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'completed' END, "
	    "nullif(i % 4, 0), 't', 't' FROM c; ANALYZE", NULL, NULL, NULL) ==
	    SQLITE_OK);
	sqlite3_close(db);
	CHECK(store_task_claim_plan(s, plan, sizeof(plan)) == 1);
	ok = strstr(plan, "SEARCH t USING COVERING INDEX tasks_owner_status") &&
	    strstr(plan, "SEARCH r USING COVERING INDEX tasks_owner_status") &&
	    !strstr(plan, "SCAN t\n") && !strstr(plan, "SCAN r\n") &&
	    !strstr(plan, "SCAN tasks");
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "the claim's plan:\n%s", plan);
	store_close(s);
}

int
main(void)
{
	char	 dir[] = "/tmp/ot-store-XXXXXX";

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	test_migrations_apply_once_and_are_recorded();
	test_every_statement_prepares();
	test_claim_takes_oldest_pending_once();
	test_insert_returns_the_record_it_wrote();
	test_recovery_requeues_then_gives_up();
	test_list_pages_newest_first_and_delete();
	test_lookups_dedupe_cache_and_prune();
	test_lookups_under_another_search_prefix_are_another_question();
	test_lookups_with_cookies_answer_their_owner_only();
	test_a_lookup_not_found_leaves_the_struct_empty();
	test_the_cache_keeps_the_newest_answers_that_fit_its_bytes();
	test_insert_holds_each_owners_pending_cap();
	test_retry_requeues_only_ended_tasks();
	test_claim_takes_turns_between_owners();
	test_every_way_to_pending_starts_the_wait();
	test_claim_plan_never_scans_tasks();
	{
		static const char *const dbs[] = { "t.db", "cap.db", "turns.db",
		    "plan.db", "retry.db", "wait.db" };
		static const char *const ext[] = { "", "-wal", "-shm" };
		char	 p[128];
		size_t	 i, k;

		for (i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++)
			for (k = 0; k < 3; k++) {
				snprintf(p, sizeof(p), "%s/%s%s", dir, dbs[i], ext[k]);
				unlink(p);
			}
	}
	rmdir(dir);
	return unit_done("test_store");
}
