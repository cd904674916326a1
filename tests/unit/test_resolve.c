/* test_resolve.c: a playlist's entries become tasks, with what the rows may hold, and nothing unlearnt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "resolve.h"
#include "store.h"
#include "unit.h"

static char	 dbpath[64];

/* The longest title of the tasks listed, and how many. */
struct titles {
	size_t	 longest;
	int	 rows;
	int	 whole;		/* every title ends on a whole UTF-8 character */
};

static int
titles_cb(void *arg, const struct store_task_row *row)
{
	struct titles		*t = arg;
	struct json_object	*o, *v;
	const char		*s;
	size_t			 n;

	o = json_tokener_parse(row->record);
	if (json_object_object_get_ex(o, "title", &v) &&
	    (s = json_object_get_string(v)) != NULL) {
		n = strlen(s);
		if (n > t->longest)
			t->longest = n;
		/* é is two bytes: a whole number of them, after "t". */
		if (n > 0 && n % 2 != 1)
			t->whole = 0;
	}
	json_object_put(o);
	t->rows++;
	return 0;
}

/* A playlist URL inserted as the API would, and claimed as the worker does. */
static void
claim_list(struct store *s, const char *id, int64_t lease, struct task_claim *c)
{
	struct task_new	 t;

	memset(&t, 0, sizeof(t));
	t.id = id;
	t.url = "http://example.com/list";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	CHECK(store_task_insert(s, &t) == 1);
	CHECK(store_task_claim(s, 1, lease, c) == 1);
	CHECK_STR(c->id, id);
}

/*
 * A listing's titles go into task rows, and a listing may carry titles of
 * any length: entry 1's is the claimed task's, the others are inserted;
 * all are cut to RESOLVE_TITLE_MAX bytes, on a character.
 */
static void
test_playlist_titles_are_cut_to_what_a_row_holds(void)
{
	struct store		*s;
	struct task_claim	 c;
	struct resolved		 r;
	struct json_object	*entries, *e;
	struct titles		 seen;
	char			 err[256], *title, url[64];
	size_t			 i;
	int			 k;

	CHECK((s = store_open(dbpath, err, sizeof(err))) != NULL);
	if (s == NULL)
		return;
	claim_list(s, "00000000-0000-4000-8000-00000000000a", 99999999999LL, &c);
	if ((title = malloc(60002)) == NULL)
		return;
	title[0] = 't';
	for (i = 0; i < 30000; i++)
		memcpy(title + 1 + 2 * i, "\xc3\xa9", 2);
	title[60001] = '\0';
	entries = json_object_new_array();
	for (k = 0; k < 3; k++) {
		e = json_object_new_object();
		snprintf(url, sizeof(url), "http://example.com/v%d", k);
		json_object_object_add(e, "url", json_object_new_string(url));
		json_object_object_add(e, "title", json_object_new_string(title));
		json_object_array_add(entries, e);
	}
	free(title);
	CHECK(resolve_playlist(s, &c, entries, 0, &r, err, sizeof(err)) == 0);
	CHECK(r.total == 3);
	CHECK(strlen(r.title) == RESOLVE_TITLE_MAX);
	memset(&seen, 0, sizeof(seen));
	seen.whole = 1;
	CHECK(store_task_list(s, NULL, 0, 100, 0, titles_cb, &seen) == 1);
	CHECK(seen.rows == 3);
	CHECK(seen.longest == RESOLVE_TITLE_MAX);
	CHECK(seen.whole);
	json_object_put(entries);
	store_close(s);
}

#define ID	"00000000-0000-4000-8000-0000000000a1"

static void
test_a_playlist_resolves_to_its_first_entry_and_nothing_else(const char *path)
{
	struct task_claim	 c;
	struct resolved		 r;
	struct store		*s;
	struct json_object	*entries;
	char			 err[256];

	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		CHECK(s != NULL);
		return;
	}
	claim_list(s, ID, 0, &c);
	entries = json_tokener_parse("[{\"_type\":\"url\",\"url\":\"http://example.com/1\","
	    "\"title\":\"One\"},{\"_type\":\"url\",\"url\":\"http://example.com/2\","
	    "\"title\":\"Two\"}]");
	/* What a caller's stack may hold: a playlist listing gives no thumbnail. */
	memset(&r, 'A', sizeof(r));
	CHECK(resolve_playlist(s, &c, entries, 0, &r, err, sizeof(err)) == 0);
	CHECK(r.playlist == 1 && r.total == 2);
	CHECK_STR(r.url, "http://example.com/1");
	CHECK_STR(r.title, "One");
	CHECK(r.thumbnail[0] == '\0');
	CHECK(r.has_formats == 0);
	json_object_put(entries);
	store_close(s);
}

/*
 * A task cancelled while its playlist was being listed: the entries are
 * not inserted, and the reason says what happened, not "database: not an
 * error" (set_playlist changed no row, which is no database error).
 */
static void
test_a_playlist_of_a_task_cancelled_meanwhile_says_so(const char *path)
{
	struct task_claim	 c;
	struct resolved		 r;
	struct store		*s;
	struct json_object	*entries;
	struct titles		 seen;
	char			 err[256];

	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		CHECK(s != NULL);
		return;
	}
	claim_list(s, "00000000-0000-4000-8000-0000000000c1", 0, &c);
	CHECK(store_task_cancel(s, c.id, 0) == 1);
	entries = json_tokener_parse("[{\"url\":\"http://example.com/1\"},"
	    "{\"url\":\"http://example.com/2\"}]");
	err[0] = '\0';
	CHECK(resolve_playlist(s, &c, entries, 0, &r, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "database:", 9) != 0);
	CHECK_STR(err, "The task ended while its playlist was being read");
	memset(&seen, 0, sizeof(seen));
	CHECK(store_task_list(s, NULL, 0, 100, 0, titles_cb, &seen) == 1);
	CHECK(seen.rows == 1);
	json_object_put(entries);
	store_close(s);
}

/* A database file and what SQLite keeps beside it. */
/* The options of each entry's task, from its record. */
struct options {
	int	 rows;
	int	 embedded;	/* records with "embed_metadata":true */
	int	 removing;	/* records with "sponsorblock":"remove" */
};

static int
options_cb(void *arg, const struct store_task_row *row)
{
	struct options	*o = arg;

	o->rows++;
	o->embedded += strstr(row->record, "\"embed_metadata\":true,") != NULL;
	o->removing += strstr(row->record, "\"sponsorblock\":\"remove\",") != NULL;
	return 0;
}

/* A playlist's entries are downloaded with the options asked for the playlist. */
static void
test_a_playlists_entries_take_its_options(const char *path)
{
	struct task_new		 t;
	struct task_claim	 c;
	struct resolved		 r;
	struct store		*s;
	struct json_object	*entries;
	struct options		 seen = { 0, 0, 0 };
	char			 err[256];

	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		CHECK(s != NULL);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.id = ID;
	t.url = "http://example.com/list";
	t.download_type = "audio";
	t.quality = "best";
	t.audio_format = "mp3";
	t.embed_metadata = 1;
	t.sponsorblock = SPONSORBLOCK_REMOVE;
	CHECK(store_task_insert(s, &t) == 1);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	CHECK(c.embed_metadata == 1 && c.sponsorblock == SPONSORBLOCK_REMOVE);
	entries = json_tokener_parse("[{\"_type\":\"url\",\"url\":\"http://example.com/1\"},"
	    "{\"_type\":\"url\",\"url\":\"http://example.com/2\"},"
	    "{\"_type\":\"url\",\"url\":\"http://example.com/3\"}]");
	CHECK(resolve_playlist(s, &c, entries, 0, &r, err, sizeof(err)) == 0);
	CHECK(store_task_list(s, NULL, 0, 100, 0, options_cb, &seen) == 1);
	CHECK(seen.rows == 3 && seen.embedded == 3 && seen.removing == 3);
	json_object_put(entries);
	store_close(s);
}

static void
remove_db(const char *path)
{
	char	 p[128];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int
main(void)
{
	char	 dir[] = "/tmp/ot-resolve-XXXXXX";
	char	 other[96];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
	test_playlist_titles_are_cut_to_what_a_row_holds();
	snprintf(other, sizeof(other), "%s/first.db", dir);
	test_a_playlist_resolves_to_its_first_entry_and_nothing_else(other);
	remove_db(other);
	snprintf(other, sizeof(other), "%s/options.db", dir);
	test_a_playlists_entries_take_its_options(other);
	remove_db(other);
	snprintf(other, sizeof(other), "%s/cancelled.db", dir);
	test_a_playlist_of_a_task_cancelled_meanwhile_says_so(other);
	remove_db(other);
	remove_db(dbpath);
	rmdir(dir);
	return unit_done("test_resolve");
}
