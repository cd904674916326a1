/* test_validate.c: the declared request validators and the field walker. */
#include <string.h>

#include <json-c/json.h>

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
	CHECK(validate_status("cancelled", NULL) == NULL);
	CHECK(validate_status("done", NULL) != NULL);
	CHECK(validate_format_id("137+140", NULL) == NULL);
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

int
main(void)
{
	test_url_rules();
	test_quality_depends_on_download_type();
	test_enums_and_format_id();
	test_fields_name_the_field_at_fault();
	return unit_done("test_validate");
}
