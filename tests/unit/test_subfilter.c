/* test_subfilter.c: a subscription's listing read from yt-dlp's JSON, and its filters. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "resolve.h"
#include "store.h"
#include "subfilter.h"
#include "unit.h"

static const char listing_json[] =
    "{\"_type\":\"playlist\",\"title\":\"Cooking \\u2713\",\"entries\":["
    "{\"_type\":\"url\",\"id\":\"n5\",\"url\":\"https://e.com/w?v=n5\","
    "\"title\":\"Live: kitchen\",\"duration\":null,\"live_status\":\"is_live\"},"
    "{\"_type\":\"url\",\"id\":\"n4\",\"url\":\"https://e.com/w?v=n4\","
    "\"title\":\"Recipe: bread\",\"duration\":600.4,\"live_status\":\"not_live\"},"
    "{\"_type\":\"url\",\"url\":\"-o /tmp/x https://e.com/w?v=bad\",\"title\":\"x\"},"
    "{\"_type\":\"url\",\"url\":\"https://e.com/w?v=n3\",\"title\":\"Shorts #1\","
    "\"duration\":30},"
    "{\"_type\":\"url\",\"id\":\"n2\",\"url\":\"https://e.com/w?v=n2\","
    "\"title\":\"Premiere\",\"is_live\":true},"
    "{\"_type\":\"url\",\"id\":\"n1\",\"url\":\"https://e.com/w?v=n1\","
    "\"title\":\"RECIPE: soup\",\"duration\":7200}]}";

static struct subscription
sub(const char *inc, const char *exc, long long min, long long max, int skip_live)
{
	struct subscription	 u;

	memset(&u, 0, sizeof(u));
	snprintf(u.title_include, sizeof(u.title_include), "%s", inc);
	snprintf(u.title_exclude, sizeof(u.title_exclude), "%s", exc);
	u.min_duration = min;
	u.max_duration = max;
	u.skip_live = skip_live;
	return u;
}

/* Entries newest first, with their keys, durations and live marks; one without a URL a task may hold is left out. */
static void
test_a_listing_is_read_newest_first(void)
{
	struct json_object	*o = json_tokener_parse(listing_json);
	struct listing		 l;
	char			 err[128];

	CHECK(resolve_listing(o, "https://e.com/@c", 50, &l, err, sizeof(err)) == 0);
	CHECK_STR(l.title, "Cooking \xe2\x9c\x93");
	CHECK(l.n == 5 && l.skipped == 1);
	if (l.n == 5) {
		CHECK_STR(l.entries[0].key, "n5");
		CHECK(l.entries[0].live == 1 && l.entries[0].duration == -1);
		CHECK_STR(l.entries[1].url, "https://e.com/w?v=n4");
		CHECK(l.entries[1].duration == 600 && l.entries[1].live == 0);
		/* No id: the URL is what is remembered. */
		CHECK_STR(l.entries[2].key, "https://e.com/w?v=n3");
		CHECK(l.entries[3].live == 1);	/* is_live, without live_status */
		CHECK_STR(l.entries[4].title, "RECIPE: soup");
	}
	resolve_listing_free(&l);
	/* At most max entries: the newest. */
	CHECK(resolve_listing(o, "https://e.com/@c", 2, &l, err, sizeof(err)) == 0);
	CHECK(l.n == 2);
	resolve_listing_free(&l);
	CHECK(resolve_listing(NULL, "https://e.com/@c", 2, &l, err, sizeof(err)) == -1);
	json_object_put(o);
	/* A single video is a listing of one: its page. */
	o = json_tokener_parse("{\"id\":\"v1\",\"title\":\"One\",\"duration\":5,"
	    "\"webpage_url\":\"https://e.com/w?v=v1\",\"formats\":[]}");
	CHECK(resolve_listing(o, "https://e.com/w?v=v1", 50, &l, err,
	    sizeof(err)) == 0);
	CHECK(l.n == 1 && strcmp(l.entries[0].key, "v1") == 0);
	resolve_listing_free(&l);
	json_object_put(o);
}

static enum subfilter_verdict
judge(const struct subscription *u, const char *title, long long duration, int live)
{
	struct subfilter	 f;
	struct listing_entry	 e;
	enum subfilter_verdict	 v;
	char			 err[128];

	memset(&e, 0, sizeof(e));
	snprintf(e.title, sizeof(e.title), "%s", title);
	e.duration = duration;
	e.live = live;
	if (subfilter_init(&f, u, err, sizeof(err)) == -1)
		return (enum subfilter_verdict)-1;
	v = subfilter_judge(&f, &e);
	subfilter_free(&f);
	return v;
}

static void
test_each_filter_decides(void)
{
	struct subscription	 u = sub("", "", -1, -1, 1);
	struct subfilter	 f;
	char			 err[128];

	CHECK(judge(&u, "anything", -1, 0) == SF_TAKE);
	CHECK(judge(&u, "anything", 5, 1) == SF_LIVE);
	u.skip_live = 0;
	CHECK(judge(&u, "anything", 5, 1) == SF_TAKE);
	u = sub("^recipe", "", -1, -1, 1);
	CHECK(judge(&u, "Recipe: bread", 5, 0) == SF_TAKE);	/* case-insensitive */
	CHECK(judge(&u, "My recipe", 5, 0) == SF_TITLE);
	u = sub("", "shorts|#short", -1, -1, 1);
	CHECK(judge(&u, "SHORTS #1", 5, 0) == SF_TITLE);
	CHECK(judge(&u, "Long one", 5, 0) == SF_TAKE);
	u = sub("", "", 60, 3600, 1);
	CHECK(judge(&u, "t", 59, 0) == SF_DURATION);
	CHECK(judge(&u, "t", 60, 0) == SF_TAKE);
	CHECK(judge(&u, "t", 3600, 0) == SF_TAKE);
	CHECK(judge(&u, "t", 3601, 0) == SF_DURATION);
	CHECK(judge(&u, "t", -1, 0) == SF_TAKE);	/* unknown passes */
	u = sub("(", "", -1, -1, 1);
	CHECK(subfilter_init(&f, &u, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "title_include does not compile", 30) == 0);
}

int
main(void)
{
	test_a_listing_is_read_newest_first();
	test_each_filter_decides();
	return unit_done("test_subfilter");
}
