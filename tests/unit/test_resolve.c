/* test_resolve.c: a playlist's entries become tasks, and what is resolved says nothing it did not learn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "resolve.h"
#include "store.h"
#include "unit.h"

#define ID	"00000000-0000-4000-8000-0000000000a1"

static void
test_a_playlist_resolves_to_its_first_entry_and_nothing_else(const char *dbpath)
{
	struct task_new		 t;
	struct task_claim	 c;
	struct resolved		 r;
	struct store		*s;
	struct json_object	*entries;
	char			 err[256];

	if ((s = store_open(dbpath, err, sizeof(err))) == NULL) {
		CHECK(s != NULL);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.id = ID;
	t.url = "http://example.com/list";
	t.download_type = "video";
	t.quality = "best";
	t.audio_format = "m4a";
	CHECK(store_task_insert(s, &t, NULL, NULL) == 0);
	CHECK(store_task_claim(s, 1, 0, &c) == 1);
	entries = json_tokener_parse("[{\"_type\":\"url\",\"url\":\"http://example.com/1\","
	    "\"title\":\"One\"},{\"_type\":\"url\",\"url\":\"http://example.com/2\","
	    "\"title\":\"Two\"}]");
	/* What a caller's stack may hold: a playlist listing gives no thumbnail. */
	memset(&r, 'A', sizeof(r));
	CHECK(resolve_playlist(s, &c, entries, &r, err, sizeof(err)) == 0);
	CHECK(r.playlist == 1 && r.total == 2);
	CHECK_STR(r.url, "http://example.com/1");
	CHECK_STR(r.title, "One");
	CHECK(r.thumbnail[0] == '\0');
	CHECK(r.has_formats == 0);
	json_object_put(entries);
	store_close(s);
}

int
main(void)
{
	char	 dir[] = "/tmp/ot-resolve-XXXXXX", db[96], p[128];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(db, sizeof(db), "%s/t.db", dir);
	test_a_playlist_resolves_to_its_first_entry_and_nothing_else(db);
	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	rmdir(dir);
	return unit_done("test_resolve");
}
