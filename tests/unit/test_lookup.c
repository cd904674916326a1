/* test_lookup.c: look-up argv, and yt-dlp JSON made into search results and info. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lookup.h"
#include "unit.h"

static void
test_search_argv_puts_the_query_after_double_dash(void)
{
	struct lookup_argv	 a;

	CHECK(lookup_build_argv("yt-dlp", "ytsearch", "search", "-rf cats", 5, &a) == 0);
	CHECK_STR(a.argv[a.argc - 2], "--");
	CHECK_STR(a.argv[a.argc - 1], "ytsearch5:-rf cats");
	CHECK(a.argv[a.argc] == NULL);
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", "search",
	    "https://example.com/list", 7, &a) == 0);
	CHECK_STR(a.argv[a.argc - 1], "https://example.com/list");
	CHECK_STR(a.end, "7");
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", "search", "x", 0, &a) == -1);
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", "search", "x", 51, &a) == -1);
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", "info", "https://e.com/v", 0, &a) == 0);
	CHECK_STR(a.argv[a.argc - 1], "https://e.com/v");
	CHECK(lookup_build_argv("yt-dlp", "ytsearch", "bogus", "x", 1, &a) == -1);
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

	s = lookup_answer("info", 0, in, strlen(in), err, sizeof(err));
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

	s = lookup_answer("search", 2, in, strlen(in), err, sizeof(err));
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
	CHECK(lookup_answer("search", 2, "[1]", 3, err, sizeof(err)) == NULL);
	CHECK(err[0] != '\0');
	CHECK(lookup_answer("search", 2, "{", 1, err, sizeof(err)) == NULL);
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
	s = lookup_answer("info", 0, in, strlen(in), err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	root = json_tokener_parse(s);
	json_object_object_get_ex(root, "description", &d);
	CHECK(json_object_get_string_len(d) == 1000);
	json_object_put(root);
	free(s);
}

int
main(void)
{
	test_search_argv_puts_the_query_after_double_dash();
	test_formats_are_unique_and_sorted();
	test_search_results_keep_max_and_invent_nothing();
	test_description_is_cut_on_a_character();
	return unit_done("test_lookup");
}
