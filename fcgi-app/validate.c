/* validate.c: declared checks for request fields, run before any handler uses them. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "config.h"
#include "store.h"
#include "urlform.h"
#include "urlguard.h"
#include "validate.h"

#define FORMAT_ID_MAX	64

static int
one_of(const char *v, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(v, *list) == 0)
			return 1;
	return 0;
}

/* The one URL rule, shared with the worker's playlist entries (urlform.c). */
const char *
validate_url(const char *v, struct json_object *body)
{
	(void)body;
	return urlform_check(v);
}

/*
 * The SSRF guard every route that hands a URL to yt-dlp runs, after
 * validate_url: -1 (and detail set) when the URL's host is private and
 * private URLs are not allowed.
 */
int
validate_url_host(const struct config *c, const char *field, const char *url,
    char *detail, size_t len)
{
	const char	*why;

	if (c->allow_private_urls || urlguard_check(url, &why) == 0)
		return 0;
	snprintf(detail, len, "%s: %s", field, why);
	return -1;
}

const char *
validate_download_type(const char *v, struct json_object *body)
{
	static const char *const ok[] = { "video", "audio", NULL };

	(void)body;
	return one_of(v, ok) ? NULL : "must be one of: video, audio";
}

/* The allowed qualities depend on download_type, validated before this one. */
const char *
validate_quality(const char *v, struct json_object *body)
{
	static const char *const video[] = { "best", "2160p", "1440p", "1080p",
	    "720p", "480p", "360p", "240p", "144p", NULL };
	static const char *const audio[] = { "best", "320kbps", "256kbps",
	    "192kbps", "128kbps", "96kbps", NULL };
	struct json_object	*t;
	const char		*type = "video";

	if (json_object_object_get_ex(body, "download_type", &t) &&
	    json_object_is_type(t, json_type_string))
		type = json_object_get_string(t);
	if (strcmp(type, "audio") == 0)
		return one_of(v, audio) ? NULL : "must be one of: best, "
		    "320kbps, 256kbps, 192kbps, 128kbps, 96kbps (for audio)";
	return one_of(v, video) ? NULL : "must be one of: best, 2160p, 1440p, "
	    "1080p, 720p, 480p, 360p, 240p, 144p (for video)";
}

/*
 * yt-dlp reads -f as a selector language, in which these words are not ids:
 * best, worst, b, w with video, audio, v or a after them (bv, ba, wv,
 * bestvideo...) pick by quality, all fetches every format of the video and
 * mergeall joins them all.  A format named so could not be picked by id
 * anyway: yt-dlp would read the word first.
 */
static int
format_is_selector(const char *v)
{
	static const char *const head[] = { "best", "worst", "b", "w", NULL };
	static const char *const tail[] = { "", "video", "audio", "v", "a", NULL };
	const char *const	*h, *const *t;
	size_t			 n;

	if (strcmp(v, "all") == 0 || strcmp(v, "mergeall") == 0)
		return 1;
	for (h = head; *h != NULL; h++) {
		n = strlen(*h);
		if (strncmp(v, *h, n) != 0)
			continue;
		for (t = tail; *t != NULL; t++)
			if (strcmp(v + n, *t) == 0)
				return 1;
	}
	return 0;
}

/*
 * One format's id, as /api/info lists it.  yt-dlp turns '+', '/', ',', '[',
 * ']', '(', ')' and spaces in ids into '_', so none of them is in a real id:
 * they only join or filter formats (the worker adds the audio itself).
 */
const char *
validate_format_id(const char *v, struct json_object *body)
{
	size_t	 i, len = strlen(v);

	(void)body;
	if (len == 0 || len > FORMAT_ID_MAX)
		return "must be 1 to 64 characters from A-Z a-z 0-9 _ -";
	for (i = 0; i < len; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '_' || v[i] == '-'))
			return "must be 1 to 64 characters from A-Z a-z 0-9 _ -";
	if (format_is_selector(v))
		return "must be one format's id from /api/info, not a yt-dlp "
		    "selector (best, worst, b, w, bv, ba, wv, wa, all, mergeall...); "
		    "use quality to pick by quality";
	return NULL;
}

const char *
validate_audio_format(const char *v, struct json_object *body)
{
	static const char *const ok[] = { "m4a", "mp3", "opus", "flac", "wav", NULL };

	(void)body;
	return one_of(v, ok) ? NULL : "must be one of: m4a, mp3, opus, flac, wav";
}

/* download_type before quality: the qualities depend on it. */
const struct field validate_download[VD__MAX] = {
	[VD_TYPE] =		{ "download_type", 0, "video", validate_download_type },
	[VD_QUALITY] =		{ "quality", 0, "best", validate_quality },
	[VD_FORMAT_ID] =	{ "format_id", 0, NULL, validate_format_id },
	[VD_AUDIO_FORMAT] =	{ "audio_format", 0, "m4a", validate_audio_format },
};

const char *
validate_sponsorblock(const char *v, struct json_object *body)
{
	enum sponsorblock	 sb;

	(void)body;
	return sponsorblock_parse(v, &sb) == 0 ? NULL :
	    "must be one of: off, mark, remove";
}

/*
 * An optional boolean field: *value is 0 when it is absent or null.  -1
 * (and detail set) when it holds anything but true or false.
 */
int
validate_bool(struct json_object *body, const char *field, int *value,
    char *detail, size_t len)
{
	struct json_object	*v;

	*value = 0;
	if (!json_object_object_get_ex(body, field, &v) ||
	    json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(detail, len, "%s: must be true or false", field);
		return -1;
	}
	*value = json_object_get_boolean(v) ? 1 : 0;
	return 0;
}

/* One language code: 2 to 16 bytes of A-Z a-z 0-9 '-'. */
static int
lang_ok(const char *v, size_t len)
{
	size_t	 i;

	if (len < 2 || len > STORE_SUBTITLE_LANG_MAX || strlen(v) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '-'))
			return 0;
	return 1;
}

/*
 * The subtitles field: an array of at most 8 language codes, none twice
 * (yt-dlp matches them regardless of case, so "en" and "EN" are one), into
 * langs (STORE_SUBTITLES_LEN bytes) as the store keeps them: "en,es", ""
 * when absent, null or empty.
 * -1 (and detail set) when the field is anything else.
 */
int
validate_subtitles(struct json_object *body, const char *field,
    char *langs, char *detail, size_t len)
{
	struct json_object	*v = NULL;

	(void)json_object_object_get_ex(body, field, &v);
	return validate_subtitles_value(v, field, langs, detail, len);
}

/* The same for the field's value v (NULL: absent), as a PATCH has it. */
int
validate_subtitles_value(struct json_object *v, const char *field,
    char *langs, char *detail, size_t len)
{
	struct json_object	*e;
	const char		*s, *p;
	size_t			 i, j, n, sl, o = 0;

	langs[0] = '\0';
	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		snprintf(detail, len, "%s: must be an array of language codes, "
		    "e.g. [\"en\", \"es\"]", field);
		return -1;
	}
	if ((n = json_object_array_length(v)) > STORE_SUBTITLES_MAX) {
		snprintf(detail, len, "%s: at most %d languages", field,
		    STORE_SUBTITLES_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) ||
		    !lang_ok(s = json_object_get_string(e),
		    (size_t)json_object_get_string_len(e))) {
			snprintf(detail, len, "%s: each must be a language code "
			    "of 2 to 16 characters from A-Z a-z 0-9 -", field);
			return -1;
		}
		sl = strlen(s);
		/* Each earlier code, as the list holds it so far. */
		for (p = langs, j = 0; j < i; j++, p += strcspn(p, ",") + 1)
			if (strcspn(p, ",") == sl && strncasecmp(p, s, sl) == 0) {
				snprintf(detail, len, "%s: \"%s\" is listed twice",
				    field, s);
				return -1;
			}
		if (i > 0)
			langs[o++] = ',';
		memcpy(langs + o, s, sl + 1);
		o += sl;
	}
	return 0;
}

/*
 * Checks the declared string fields of a JSON object, in table order, and
 * fills values[i] (borrowed from body, or the default).  On the first problem
 * writes "<field>: <what is wrong>" into detail and returns -1.
 */
int
validate_fields(struct json_object *body, const struct field *fields,
    size_t nfields, const char **values, char *detail, size_t detaillen)
{
	struct json_object	*v;
	const char		*why;
	size_t			 i;

	for (i = 0; i < nfields; i++) {
		values[i] = fields[i].def;
		if (!json_object_object_get_ex(body, fields[i].name, &v) ||
		    json_object_is_type(v, json_type_null)) {
			if (fields[i].required) {
				snprintf(detail, detaillen, "%s: field required",
				    fields[i].name);
				return -1;
			}
			continue;
		}
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(detail, detaillen, "%s: must be a string",
			    fields[i].name);
			return -1;
		}
		/* json-c keeps embedded NULs; a C string would silently cut them. */
		if (strlen(json_object_get_string(v)) !=
		    (size_t)json_object_get_string_len(v)) {
			snprintf(detail, detaillen, "%s: must not contain NUL",
			    fields[i].name);
			return -1;
		}
		values[i] = json_object_get_string(v);
		if (fields[i].check != NULL &&
		    (why = fields[i].check(values[i], body)) != NULL) {
			snprintf(detail, detaillen, "%s: %s", fields[i].name, why);
			return -1;
		}
	}
	return 0;
}
