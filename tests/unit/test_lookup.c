/* test_lookup.c: look-up argv, and yt-dlp JSON made into search results and info. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "lookup.h"
#include "unit.h"

static void
test_search_argv_puts_the_query_after_double_dash(void)
{
	struct lookup_argv	 a;
	size_t			 i;

	CHECK(lookup_build_argv("yt-dlp", "ytsearch", LOOKUP_SEARCH, "-rf cats", 5, NULL, &a) == 0);
	CHECK_STR(a.argv[a.argc - 2], "--");
	CHECK_STR(a.argv[a.argc - 1], "ytsearch5:-rf cats");
	CHECK(a.argv[a.argc] == NULL);
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", LOOKUP_SEARCH,
	    "https://example.com/list", 7, NULL, &a) == 0);
	CHECK_STR(a.argv[a.argc - 1], "https://example.com/list");
	CHECK_STR(a.end, "7");
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", LOOKUP_SEARCH, "x", 0, NULL, &a) == -1);
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", LOOKUP_SEARCH, "x", 51, NULL, &a) == -1);
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", LOOKUP_INFO, "https://e.com/v", 0, NULL, &a) == 0);
	CHECK_STR(a.argv[a.argc - 1], "https://e.com/v");
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", LOOKUP_KIND__MAX, "x", 1, NULL, &a) == -1);
	/* A look-up made with its owner's cookies: --cookies and the run's copy, before "--". */
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", LOOKUP_INFO, "https://e.com/v", 0,
	    NULL, &a) == 0);
	for (i = 0; i < a.argc; i++)
		CHECK(strcmp(a.argv[i], "--cookies") != 0);
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", LOOKUP_INFO, "https://e.com/v", 0,
	    "/t/lookup-3/cookies.txt", &a) == 0);
	for (i = 0; i < a.argc && strcmp(a.argv[i], "--cookies") != 0; i++)
		;
	CHECK(i + 1 < a.argc && strcmp(a.argv[i + 1], "/t/lookup-3/cookies.txt") == 0);
	CHECK_STR(a.argv[a.argc - 2], "--");
	CHECK_STR(a.argv[a.argc - 1], "https://e.com/v");
}

static void
test_formats_are_unique_and_sorted(void)
{
	const char	*in = "{\"id\": \"v1\", \"title\": \"T\", "
	    "\"webpage_url\": \"https://e.com/v1\", \"duration\": 3725, "
	    "\"channel\": \"Chan\", \"view_count\": 12, "
	    "\"description\": \"desc\", \"formats\": ["
	    "{\"format_id\": \"a1\", \"vcodec\": \"none\", \"acodec\": \"opus\", \"abr\": 50},"
	    "{\"format_id\": \"v360\", \"vcodec\": \"avc1\", \"acodec\": \"none\", \"height\": 360, \"width\": 640},"
	    "{\"format_id\": \"a2\", \"vcodec\": \"none\", \"acodec\": \"mp4a\", \"abr\": 128, \"filesize\": 2048},"
	    "{\"format_id\": \"m360\", \"vcodec\": \"avc1\", \"acodec\": \"mp4a\", \"height\": 360},"
	    "{\"format_id\": \"v720\", \"vcodec\": \"avc1\", \"acodec\": \"none\", \"height\": 720, \"filesize_approx\": 1048576},"
	    "{\"format_id\": \"m720\", \"vcodec\": \"avc1\", \"acodec\": \"mp4a\", \"height\": 720},"
	    "{\"format_id\": \"m720\", \"vcodec\": \"avc1\", \"acodec\": \"mp4a\", \"height\": 720}"
	    "]}";
	static const char *const order[] = { "m720", "m360", "v720", "v360", "a2", "a1" };
	struct json_object	*o, *f, *v;
	char			 err[128], *s;
	size_t			 i;

	s = lookup_answer(LOOKUP_INFO, 0, in, strlen(in), err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	o = json_tokener_parse(s);
	CHECK(json_object_object_get_ex(o, "formats", &f));
	CHECK(json_object_array_length(f) == 6);
	for (i = 0; i < 6 && i < json_object_array_length(f); i++) {
		json_object_object_get_ex(json_object_array_get_idx(f, i), "format_id", &v);
		CHECK_STR(json_object_get_string(v), order[i]);
	}
	json_object_object_get_ex(json_object_array_get_idx(f, 4), "filesize_formatted", &v);
	CHECK_STR(json_object_get_string(v), "2.0 KB");
	json_object_object_get_ex(json_object_array_get_idx(f, 2), "filesize", &v);
	CHECK(json_object_get_int64(v) == 1048576);
	json_object_object_get_ex(json_object_array_get_idx(f, 2), "has_audio", &v);
	CHECK(!json_object_get_boolean(v));
	json_object_object_get_ex(o, "uploader", &v);
	CHECK_STR(json_object_get_string(v), "Chan");
	json_object_object_get_ex(o, "duration_formatted", &v);
	CHECK_STR(json_object_get_string(v), "1:02:05");
	json_object_object_get_ex(o, "url", &v);
	CHECK_STR(json_object_get_string(v), "https://e.com/v1");
	json_object_put(o);
	free(s);
}

static void
test_search_results_keep_max_and_invent_nothing(void)
{
	const char	*in = "{\"_type\": \"playlist\", \"entries\": ["
	    "{\"id\": \"a\", \"title\": \"A\", \"url\": \"https://e.com/a\", \"duration\": 65},"
	    "{\"id\": \"b\", \"title\": \"B\", \"url\": \"https://e.com/b\", "
	    "\"thumbnails\": [{\"url\": \"https://e.com/s.jpg\"}, {\"url\": \"https://e.com/l.jpg\"}]},"
	    "{\"id\": \"c\", \"title\": \"C\", \"url\": \"https://e.com/c\"}]}";
	struct json_object	*o, *e, *v;
	char			 err[128], *s;

	s = lookup_answer(LOOKUP_SEARCH, 2, in, strlen(in), err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	o = json_tokener_parse(s);
	CHECK(json_object_is_type(o, json_type_array));
	CHECK(json_object_array_length(o) == 2);
	e = json_object_array_get_idx(o, 0);
	json_object_object_get_ex(e, "duration_formatted", &v);
	CHECK_STR(json_object_get_string(v), "1:05");
	CHECK(json_object_object_get_ex(e, "thumbnail", &v) && v == NULL);
	CHECK(json_object_object_get_ex(e, "view_count", &v) && v == NULL);
	e = json_object_array_get_idx(o, 1);
	json_object_object_get_ex(e, "thumbnail", &v);
	CHECK_STR(json_object_get_string(v), "https://e.com/l.jpg");
	json_object_put(o);
	free(s);
	CHECK(lookup_answer(LOOKUP_SEARCH, 2, "[1]", 3, err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
	CHECK(lookup_answer(LOOKUP_SEARCH, 2, "{", 1, err, sizeof(err)) == NULL);
}

static void
test_description_is_cut_on_a_character(void)
{
	char	 in[4096], err[64], *s;
	size_t	 o = 0, i;
	struct json_object	*root, *d;

	o += (size_t)snprintf(in, sizeof(in), "{\"description\": \"");
	for (i = 0; i < 600; i++) {
		memcpy(in + o, "é", 2);
		o += 2;
	}
	snprintf(in + o, sizeof(in) - o, "\"}");
	s = lookup_answer(LOOKUP_INFO, 0, in, strlen(in), err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	root = json_tokener_parse(s);
	json_object_object_get_ex(root, "description", &d);
	CHECK(json_object_get_string_len(d) == 1000);
	json_object_put(root);
	free(s);
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *
format_id_at(struct json_object *formats, size_t i)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(json_object_array_get_idx(formats, i),
	    "format_id", &v))
		return NULL;
	return json_object_get_string(v);
}

/*
 * A manifest of 40,000 variants (yt-dlp lists one in seconds) took the
 * worker's only loop 27 s: each format was compared with every one kept.
 * Now: well within a second even under the sanitizers, the first of each
 * format_id wins, ties keep yt-dlp's order, at most LOOKUP_FORMATS_MAX.
 */
static void
test_forty_thousand_formats_are_sorted_in_time_first_one_winning(void)
{
	static const char *const ties[] = { "t3", "t1", "t4", "t0", "t2" };
	struct json_object	*o, *f;
	char			*in, *s, err[128], want[32];
	size_t			 cap = 48u << 20, n = 0, i, bad = 0;
	double			 t0, dt;

	if ((in = malloc(cap)) == NULL)
		return;
	n += (size_t)snprintf(in + n, cap - n, "{\"id\": \"v\", \"formats\": [");
	/* Five ties for the top, in an order of yt-dlp's own. */
	for (i = 0; i < 5; i++)
		n += (size_t)snprintf(in + n, cap - n, "{\"format_id\": \"%s\", "
		    "\"height\": 50000, \"tbr\": 7}, ", ties[i]);
	/* f0 to f29999 by height; then 10,000 repeats of their ids, each "better". */
	for (i = 0; i < 40000; i++)
		n += (size_t)snprintf(in + n, cap - n, "%s{\"format_id\": \"f%zu\", "
		    "\"height\": %zu, \"tbr\": 1}", i ? ", " : "", i % 30000,
		    i < 30000 ? i : 99999);
	n += (size_t)snprintf(in + n, cap - n, "]}");
	t0 = now_ms();
	s = lookup_answer(LOOKUP_INFO, 0, in, n, err, sizeof(err));
	dt = now_ms() - t0;
	free(in);
	CHECK(s != NULL);
	if (s == NULL)
		return;
	fprintf(stderr, "test_lookup: 40,005 formats answered in %.0f ms\n", dt);
	CHECK(dt < 3000);
	CHECK(strlen(s) <= LOOKUP_ANSWER_MAX);
	o = json_tokener_parse(s);
	CHECK(json_object_object_get_ex(o, "formats", &f));
	CHECK(json_object_array_length(f) == LOOKUP_FORMATS_MAX);
	for (i = 0; i < 5; i++)
		CHECK_STR(format_id_at(f, i), ties[i]);
	/* Had a repeat won, f0..f9999 (height 99999) would come first. */
	for (i = 5; i < LOOKUP_FORMATS_MAX; i++) {
		snprintf(want, sizeof(want), "f%zu", 29999 - (i - 5));
		if (format_id_at(f, i) == NULL || strcmp(format_id_at(f, i), want) != 0)
			bad++;
	}
	CHECK(bad == 0);
	json_object_put(o);
	free(s);
}

/* n copies of the UTF-8 character c (of clen bytes) into buf as a JSON string body. */
static size_t
repeat(char *buf, const char *c, size_t clen, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		memcpy(buf + i * clen, c, clen);
	buf[n * clen] = '\0';
	return n * clen;
}

static const char *
str_of(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

/*
 * What an answer copies is bounded: free text cut (never inside a
 * character), names and URLs too long to be of use left out as null, a
 * format with an id too long to ask for left out.
 */
static void
test_strings_copied_into_answers_are_bounded(void)
{
	static char	 in[200000], title[40000], id[400], url[3000], note[2000];
	struct json_object	*o, *f;
	char		 err[128], *s;

	repeat(title, "\xc3\xa9", 2, 15000);		/* 30,000 bytes of é */
	repeat(id, "i", 1, LOOKUP_NAME_MAX + 1);
	memcpy(url, "https://e.com/", 14);
	repeat(url + 14, "u", 1, LOOKUP_URL_MAX);
	repeat(note, "n", 1, 1500);
	snprintf(in, sizeof(in), "{\"id\": \"%s\", \"title\": \"%s\", "
	    "\"uploader\": \"%s\", \"webpage_url\": \"%s\", \"thumbnail\": \"%s\", "
	    "\"formats\": [{\"format_id\": \"%s\", \"height\": 9}, "
	    "{\"format_id\": \"ok\", \"format_note\": \"%s\", \"ext\": \"%s\"}]}",
	    id, title, title, url, url, id, note, id);
	s = lookup_answer(LOOKUP_INFO, 0, in, strlen(in), err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	o = json_tokener_parse(s);
	CHECK(str_of(o, "id") == NULL);
	CHECK(str_of(o, "title") != NULL &&
	    strlen(str_of(o, "title")) == LOOKUP_TEXT_MAX);
	CHECK(str_of(o, "uploader") != NULL &&
	    strlen(str_of(o, "uploader")) == LOOKUP_TEXT_MAX);
	CHECK(str_of(o, "url") == NULL);
	CHECK(str_of(o, "thumbnail") == NULL);
	CHECK(json_object_object_get_ex(o, "formats", &f));
	CHECK(json_object_array_length(f) == 1);
	CHECK_STR(str_of(json_object_array_get_idx(f, 0), "format_id"), "ok");
	CHECK(strlen(str_of(json_object_array_get_idx(f, 0), "format_note")) ==
	    LOOKUP_NAME_MAX);
	CHECK(str_of(json_object_array_get_idx(f, 0), "ext") == NULL);
	json_object_put(o);
	free(s);
	/* A title cut on a character: 1,024 bytes of "aé..." is 1,023. */
	memmove(title + 1, title, strlen(title) + 1);
	title[0] = 'a';
	snprintf(in, sizeof(in), "{\"title\": \"%s\"}", title);
	s = lookup_answer(LOOKUP_INFO, 0, in, strlen(in), err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	o = json_tokener_parse(s);
	CHECK(str_of(o, "title") != NULL &&
	    strlen(str_of(o, "title")) == LOOKUP_TEXT_MAX - 1);
	json_object_put(o);
	free(s);
}

/*
 * An answer never passes LOOKUP_ANSWER_MAX bytes: an info answer keeps the
 * best formats that fit; search results that cannot fit are an error.
 */
static void
test_an_answer_never_passes_its_byte_bound(void)
{
	static char	 note[LOOKUP_NAME_MAX * 6 + 1], ctl[LOOKUP_URL_MAX * 6 + 1];
	char		*in, *s, err[128];
	struct json_object	*o, *f;
	size_t		 cap = 8u << 20, n = 0, i, k;

	if ((in = malloc(cap)) == NULL)
		return;
	/* A format_note of control characters: six bytes of JSON each. */
	repeat(note, "\\u0001", 6, LOOKUP_NAME_MAX);
	n += (size_t)snprintf(in + n, cap - n, "{\"id\": \"v\", \"formats\": [");
	for (i = 0; i < LOOKUP_FORMATS_MAX; i++)
		n += (size_t)snprintf(in + n, cap - n, "%s{\"format_id\": \"f%zu\", "
		    "\"height\": %zu, \"format_note\": \"%s\"}", i ? ", " : "",
		    i, i, note);
	n += (size_t)snprintf(in + n, cap - n, "]}");
	s = lookup_answer(LOOKUP_INFO, 0, in, n, err, sizeof(err));
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK(strlen(s) <= LOOKUP_ANSWER_MAX);
		o = json_tokener_parse(s);
		CHECK(json_object_object_get_ex(o, "formats", &f));
		k = json_object_array_length(f);
		CHECK(k > 100 && k < LOOKUP_FORMATS_MAX);
		/* The best stay: the highest first. */
		CHECK_STR(format_id_at(f, 0), "f999");
		json_object_put(o);
		free(s);
	}
	/* Fifty results of names and URLs that escape to six times their size. */
	repeat(ctl, "\\u0001", 6, LOOKUP_URL_MAX);
	n = (size_t)snprintf(in, cap, "{\"entries\": [");
	for (i = 0; i < 50; i++)
		n += (size_t)snprintf(in + n, cap - n, "%s{\"title\": \"%s\", "
		    "\"uploader\": \"%s\", \"original_url\": \"%s\", "
		    "\"thumbnail\": \"%s\"}", i ? ", " : "", note, note, ctl, ctl);
	n += (size_t)snprintf(in + n, cap - n, "]}");
	CHECK(lookup_answer(LOOKUP_SEARCH, 50, in, n, err, sizeof(err)) == NULL);
	CHECK_STR(err, "The answer would be larger than 1024 KiB");
	free(in);
}

int
main(void)
{
	test_search_argv_puts_the_query_after_double_dash();
	test_formats_are_unique_and_sorted();
	test_search_results_keep_max_and_invent_nothing();
	test_description_is_cut_on_a_character();
	test_forty_thousand_formats_are_sorted_in_time_first_one_winning();
	test_strings_copied_into_answers_are_bounded();
	test_an_answer_never_passes_its_byte_bound();
	return unit_done("test_lookup");
}
