/* test_validate.c: the declared request validators and the field walker. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "store.h"
#include "validate.h"
#include "unit.h"

static void
test_url_rules(void)
{
	char	 long_url[2100];

	CHECK(validate_url("https://www.youtube.com/watch?v=x", NULL) == NULL);
	CHECK(validate_url("HTTP://example.com/a", NULL) == NULL);
	CHECK(validate_url("http://[::1]:8080/x", NULL) == NULL);
	CHECK(validate_url("", NULL) != NULL);
	CHECK(validate_url("javascript:alert(1)", NULL) != NULL);
	CHECK(validate_url("file:///etc/passwd", NULL) != NULL);
	CHECK(validate_url("ftp://x/y", NULL) != NULL);
	CHECK(validate_url("-oProxyCommand=x", NULL) != NULL);
	CHECK(validate_url("--exec=rm", NULL) != NULL);
	CHECK(validate_url("http://a b", NULL) != NULL);
	CHECK(validate_url("http://a\tb", NULL) != NULL);
	CHECK(validate_url("http://a\x7f", NULL) != NULL);
	CHECK(validate_url("http://", NULL) != NULL);
	CHECK(validate_url("http:///path", NULL) != NULL);
	memset(long_url, 'a', sizeof(long_url));
	memcpy(long_url, "http://", 7);
	long_url[2048] = '\0';
	CHECK(validate_url(long_url, NULL) == NULL);
	long_url[2048] = 'a';
	long_url[2049] = '\0';
	CHECK(validate_url(long_url, NULL) != NULL);
}

static void
test_quality_depends_on_download_type(void)
{
	struct json_object	*video, *audio;

	video = json_tokener_parse("{\"download_type\": \"video\"}");
	audio = json_tokener_parse("{\"download_type\": \"audio\"}");
	CHECK(validate_quality("720p", video) == NULL);
	CHECK(validate_quality("best", video) == NULL);
	CHECK(validate_quality("128kbps", video) != NULL);
	CHECK(validate_quality("128kbps", audio) == NULL);
	CHECK(validate_quality("720p", audio) != NULL);
	CHECK(validate_quality("721p", video) != NULL);
	json_object_put(video);
	json_object_put(audio);
}

static void
test_enums_and_format_id(void)
{
	char	 id[80];

	CHECK(validate_download_type("video", NULL) == NULL);
	CHECK(validate_download_type("Video", NULL) != NULL);
	CHECK(validate_audio_format("opus", NULL) == NULL);
	CHECK(validate_audio_format("aac", NULL) != NULL);
	CHECK(validate_sponsorblock("off", NULL) == NULL);
	CHECK(validate_sponsorblock("mark", NULL) == NULL);
	CHECK(validate_sponsorblock("remove", NULL) == NULL);
	CHECK_STR(validate_sponsorblock("skip", NULL),
	    "must be one of: off, mark, remove");
	CHECK(validate_sponsorblock("", NULL) != NULL);
	CHECK(validate_sponsorblock("OFF", NULL) != NULL);
	CHECK(validate_format_id("hls-720p_a-1", NULL) == NULL);
	CHECK(validate_format_id("", NULL) != NULL);
	CHECK(validate_format_id("bv*[height<=720]", NULL) != NULL);
	CHECK(validate_format_id("a/b", NULL) != NULL);
	memset(id, 'a', sizeof(id));
	id[64] = '\0';
	CHECK(validate_format_id(id, NULL) == NULL);
	id[64] = 'a';
	id[65] = '\0';
	CHECK(validate_format_id(id, NULL) != NULL);
}

/* One real id passes; yt-dlp's selector words and joins do not. */
static void
test_format_id_is_one_format_not_a_selector(void)
{
	static const char *const ids[] = { "22", "18", "137", "hls-1080p",
	    "dash-video_1", "http-720p", "mp4", "f251", "bestiary", "ball",
	    "wav1", "Best", "BV", "allx", "xall", NULL };
	static const char *const selectors[] = { "all", "mergeall", "best",
	    "worst", "b", "w", "bestvideo", "bestaudio", "worstvideo",
	    "worstaudio", "bv", "ba", "wv", "wa", "bestv", "besta", "worstv",
	    "worsta", "bvideo", "baudio", "wvideo", "waudio", NULL };
	static const char *const joins[] = { "137+140", "22/18", "22,18",
	    "bv*", "b.2", "22[height<=720]", "(22)", "137+ba", NULL };
	const char *const	*p;
	const char		*why;

	for (p = ids; *p != NULL; p++) {
		if ((why = validate_format_id(*p, NULL)) != NULL)
			fprintf(stderr, "refused id %s: %s\n", *p, why);
		CHECK(why == NULL);
	}
	for (p = selectors; *p != NULL; p++) {
		why = validate_format_id(*p, NULL);
		CHECK(why != NULL && strstr(why, "not a yt-dlp selector") != NULL);
	}
	for (p = joins; *p != NULL; p++)
		CHECK(validate_format_id(*p, NULL) != NULL);
}

static const struct field fields[] = {
	{ "url", 1, NULL, validate_url },
	{ "download_type", 0, "video", validate_download_type },
	{ "quality", 0, "best", validate_quality },
};

static int
run(const char *json, const char **v, char *detail, size_t len)
{
	struct json_object	*o = json_tokener_parse(json);
	int			 rc;

	rc = validate_fields(o, fields, 3, v, detail, len);
	/* values borrow from o: copy what the checks below need before freeing. */
	if (rc == 0) {
		static char	 q[32];
		snprintf(q, sizeof(q), "%s", v[2]);
		v[2] = q;
		v[0] = v[1] = NULL;
	}
	json_object_put(o);
	return rc;
}

static void
test_fields_name_the_field_at_fault(void)
{
	const char	*v[3];
	char		 detail[256];

	CHECK(run("{}", v, detail, sizeof(detail)) == -1);
	CHECK_STR(detail, "url: field required");
	CHECK(run("{\"url\": 12}", v, detail, sizeof(detail)) == -1);
	CHECK_STR(detail, "url: must be a string");
	CHECK(run("{\"url\": \"http://a/\", \"download_type\": \"x\"}", v, detail,
	    sizeof(detail)) == -1);
	CHECK(strncmp(detail, "download_type: ", 15) == 0);
	CHECK(run("{\"url\": \"http://a/\\u0000b\"}", v, detail, sizeof(detail)) == -1);
	CHECK_STR(detail, "url: must not contain NUL");
	CHECK(run("{\"url\": \"http://a/\"}", v, detail, sizeof(detail)) == 0);
	CHECK_STR(v[2], "best");
}

/* A boolean field: true, false, absent or null; anything else names the field. */
static void
test_a_boolean_is_true_or_false(void)
{
	static const char *const bad[] = { "{\"e\": \"true\"}", "{\"e\": 1}",
	    "{\"e\": 0}", "{\"e\": [true]}", "{\"e\": {}}", "{\"e\": 1.5}" };
	struct json_object	*o;
	char			 detail[128];
	size_t			 i;
	int			 v;

	o = json_tokener_parse("{\"e\": true}");
	CHECK(validate_bool(o, "e", &v, detail, sizeof(detail)) == 0 && v == 1);
	json_object_put(o);
	o = json_tokener_parse("{\"e\": false}");
	CHECK(validate_bool(o, "e", &v, detail, sizeof(detail)) == 0 && v == 0);
	json_object_put(o);
	o = json_tokener_parse("{\"e\": null, \"f\": true}");
	v = 7;
	CHECK(validate_bool(o, "e", &v, detail, sizeof(detail)) == 0 && v == 0);
	v = 7;
	CHECK(validate_bool(o, "g", &v, detail, sizeof(detail)) == 0 && v == 0);
	json_object_put(o);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = json_tokener_parse(bad[i]);
		detail[0] = '\0';
		CHECK(validate_bool(o, "e", &v, detail, sizeof(detail)) == -1);
		CHECK_STR(detail, "e: must be true or false");
		json_object_put(o);
	}
}

/* A JSON body's subtitles as the store keeps them, or the refusal. */
static const char *
subs(const char *json, char *out, char *detail, size_t len)
{
	struct json_object	*o = json_tokener_parse(json);
	int			 rc;

	detail[0] = '\0';
	out[0] = 'x';
	out[1] = '\0';
	rc = validate_subtitles(o, "subtitles", out, detail, len);
	json_object_put(o);
	return rc == 0 ? out : detail;
}

static void
test_subtitles_are_up_to_8_distinct_language_codes(void)
{
	static const char *const bad_code[] = {
		"{\"subtitles\": [\"e\"]}", "{\"subtitles\": [\"\"]}",
		"{\"subtitles\": [\"abcdefghijklmnopq\"]}",
		"{\"subtitles\": [\"en_US\"]}", "{\"subtitles\": [\"en.*\"]}",
		"{\"subtitles\": [\"en,es\"]}", "{\"subtitles\": [\"../x\"]}",
		"{\"subtitles\": [\"e\\u0000n\"]}", "{\"subtitles\": [\"én\"]}",
		"{\"subtitles\": [1]}", "{\"subtitles\": [null]}",
		"{\"subtitles\": [[\"en\"]]}", "{\"subtitles\": [\"en\", 2]}",
	};
	static const char *const not_array[] = { "{\"subtitles\": \"en\"}",
	    "{\"subtitles\": {\"en\": 1}}", "{\"subtitles\": true}",
	    "{\"subtitles\": 3}" };
	char	 out[STORE_SUBTITLES_LEN], detail[160];
	size_t	 i;

	CHECK_STR(subs("{}", out, detail, sizeof(detail)), "");
	CHECK_STR(subs("{\"subtitles\": null}", out, detail, sizeof(detail)), "");
	CHECK_STR(subs("{\"subtitles\": []}", out, detail, sizeof(detail)), "");
	CHECK_STR(subs("{\"subtitles\": [\"en\", \"es\"]}", out, detail,
	    sizeof(detail)), "en,es");
	CHECK_STR(subs("{\"subtitles\": [\"pt-BR\", \"zh-Hans\", \"abcdefghijklmnop\"]}",
	    out, detail, sizeof(detail)), "pt-BR,zh-Hans,abcdefghijklmnop");
	/* Eight of the longest: what the store's buffer is sized for. */
	CHECK(strlen(subs("{\"subtitles\": [\"aaaaaaaaaaaaaaaa\", \"bbbbbbbbbbbbbbbb\", "
	    "\"cccccccccccccccc\", \"dddddddddddddddd\", \"eeeeeeeeeeeeeeee\", "
	    "\"ffffffffffffffff\", \"gggggggggggggggg\", \"hhhhhhhhhhhhhhhh\"]}",
	    out, detail, sizeof(detail))) == STORE_SUBTITLES_LEN - 1);
	CHECK_STR(subs("{\"subtitles\": [\"a1\", \"a2\", \"a3\", \"a4\", \"a5\", "
	    "\"a6\", \"a7\", \"a8\", \"a9\"]}", out, detail, sizeof(detail)),
	    "subtitles: at most 8 languages");
	for (i = 0; i < sizeof(bad_code) / sizeof(bad_code[0]); i++)
		CHECK_STR(subs(bad_code[i], out, detail, sizeof(detail)),
		    "subtitles: each must be a language code of 2 to 16 "
		    "characters from A-Z a-z 0-9 -");
	for (i = 0; i < sizeof(not_array) / sizeof(not_array[0]); i++)
		CHECK_STR(subs(not_array[i], out, detail, sizeof(detail)),
		    "subtitles: must be an array of language codes, e.g. "
		    "[\"en\", \"es\"]");
	/* yt-dlp matches regardless of case: "EN" is "en" again. */
	CHECK_STR(subs("{\"subtitles\": [\"en\", \"es\", \"en\"]}", out, detail,
	    sizeof(detail)), "subtitles: \"en\" is listed twice");
	CHECK_STR(subs("{\"subtitles\": [\"es\", \"en\", \"EN\"]}", out, detail,
	    sizeof(detail)), "subtitles: \"EN\" is listed twice");
	/* A prefix is not the same code. */
	CHECK_STR(subs("{\"subtitles\": [\"en-GB\", \"en\"]}", out, detail,
	    sizeof(detail)), "en-GB,en");
	CHECK_STR(subs("{\"subtitles\": [\"en\", \"en-GB\"]}", out, detail,
	    sizeof(detail)), "en,en-GB");
}

int
main(void)
{
	test_url_rules();
	test_quality_depends_on_download_type();
	test_enums_and_format_id();
	test_format_id_is_one_format_not_a_selector();
	test_fields_name_the_field_at_fault();
	test_a_boolean_is_true_or_false();
	test_subtitles_are_up_to_8_distinct_language_codes();
	return unit_done("test_validate");
}
