/* lookup.c: look-ups (search, trending, info): yt-dlp's argv, and its JSON made into answers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "lookup.h"

#define DESCRIPTION_MAX	500	/* characters of the description /api/info keeps */

static int
is_http_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

/* Whether yt-dlp will fetch the question itself (info always; a listing of a URL). */
int
lookup_is_url(const char *kind, const char *query)
{
	return strcmp(kind, "info") == 0 || is_http_url(query);
}

/*
 * search and trending list a URL when the question is one, else run the
 * search "{prefix}{N}:{q}"; info extracts one video fully.  Listings are flat:
 * one request to the site, not one per entry.  The target always follows "--".
 */
int
lookup_build_argv(const char *ytdlp, const char *search_prefix, const char *kind,
    const char *query, int max_results, struct lookup_argv *a)
{
	size_t	 n = 0;
	int	 w;

	memset(a, 0, sizeof(*a));
	a->argv[n++] = ytdlp;
	a->argv[n++] = "--ignore-config";
	a->argv[n++] = "--no-warnings";
	a->argv[n++] = "--no-colors";
	a->argv[n++] = "--socket-timeout";
	a->argv[n++] = "15";
	a->argv[n++] = "-J";
	if (strcmp(kind, "info") == 0) {
		a->argv[n++] = "--no-playlist";
		w = snprintf(a->target, sizeof(a->target), "%s", query);
	} else if (strcmp(kind, "search") == 0 || strcmp(kind, "trending") == 0) {
		if (max_results < 1 || max_results > 50)
			return -1;
		a->argv[n++] = "--flat-playlist";
		snprintf(a->end, sizeof(a->end), "%d", max_results);
		a->argv[n++] = "--playlist-end";
		a->argv[n++] = a->end;
		if (is_http_url(query))
			w = snprintf(a->target, sizeof(a->target), "%s", query);
		else
			w = snprintf(a->target, sizeof(a->target), "%s%d:%s",
			    search_prefix, max_results, query);
	} else
		return -1;
	if (w < 0 || (size_t)w >= sizeof(a->target))
		return -1;
	a->argv[n++] = "--";
	a->argv[n++] = a->target;
	a->argv[n] = NULL;
	a->argc = n;
	return 0;
}

/* "3:05", "1:02:03"; "" when unknown. */
void
lookup_duration_format(double secs, char *buf, size_t len)
{
	long	 s;

	if (!(secs >= 0) || secs > 1e9) {
		snprintf(buf, len, "%s", "");
		return;
	}
	s = lround(secs);
	if (s >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
}

void
lookup_size_format(double bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	size_t			 u = 0;

	while (bytes >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f %s", bytes, units[u]);
	else
		snprintf(buf, len, "%.1f %s", bytes, units[u]);
}

static struct json_object *
get(struct json_object *o, const char *key)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *
get_str(struct json_object *o, const char *key)
{
	struct json_object	*v = get(o, key);

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int
get_num(struct json_object *o, const char *key, double *out)
{
	struct json_object	*v = get(o, key);

	if (v == NULL || !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return 0;
	*out = json_object_get_double(v);
	return 1;
}

/* A copy of a string field, or JSON null: nothing is invented. */
static struct json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/* A JSON number as a whole number, when it is one a int64_t can hold. */
static int
get_int(struct json_object *o, const char *key, int64_t *out)
{
	double	 d;

	/* 2^63 itself does not fit: the bound is exclusive on top. */
	if (!get_num(o, key, &d) || !(d >= -9223372036854775808.0 &&
	    d < 9223372036854775808.0))
		return 0;
	*out = (int64_t)d;
	return 1;
}

static struct json_object *
int_or_null(struct json_object *o, const char *key)
{
	int64_t	 v;

	return get_int(o, key, &v) ? json_object_new_int64(v) : NULL;
}

/* The thumbnail field, else the last (yt-dlp sorts them best last) of thumbnails[]. */
static const char *
thumbnail_of(struct json_object *o)
{
	struct json_object	*list, *t;
	const char		*s;
	size_t			 n;

	if ((s = get_str(o, "thumbnail")) != NULL)
		return s;
	list = get(o, "thumbnails");
	if (list == NULL || !json_object_is_type(list, json_type_array))
		return NULL;
	for (n = json_object_array_length(list); n > 0; n--) {
		t = json_object_array_get_idx(list, n - 1);
		if ((s = get_str(t, "url")) != NULL)
			return s;
	}
	return NULL;
}

static const char *
url_of(struct json_object *o)
{
	const char	*s;

	if ((s = get_str(o, "webpage_url")) != NULL && is_http_url(s))
		return s;
	if ((s = get_str(o, "url")) != NULL && is_http_url(s))
		return s;
	return get_str(o, "original_url");
}

/* The fields search, trending and info share. */
static void
add_common(struct json_object *out, struct json_object *e)
{
	const char	*uploader;
	char		 dur[32];
	double		 d;

	json_object_object_add(out, "id", str_or_null(get_str(e, "id")));
	json_object_object_add(out, "title", str_or_null(get_str(e, "title")));
	json_object_object_add(out, "url", str_or_null(url_of(e)));
	json_object_object_add(out, "thumbnail", str_or_null(thumbnail_of(e)));
	if (get_num(e, "duration", &d)) {
		json_object_object_add(out, "duration", json_object_new_double(d));
		lookup_duration_format(d, dur, sizeof(dur));
		json_object_object_add(out, "duration_formatted",
		    json_object_new_string(dur));
	} else {
		json_object_object_add(out, "duration", NULL);
		json_object_object_add(out, "duration_formatted", NULL);
	}
	if ((uploader = get_str(e, "uploader")) == NULL)
		uploader = get_str(e, "channel");
	json_object_object_add(out, "uploader", str_or_null(uploader));
	json_object_object_add(out, "view_count", int_or_null(e, "view_count"));
}

static struct json_object *
results_of(struct json_object *root, int max_results)
{
	struct json_object	*arr, *entries, *e, *item;
	size_t			 i, n;

	if ((arr = json_object_new_array()) == NULL)
		return NULL;
	entries = get(root, "entries");
	if (entries == NULL || !json_object_is_type(entries, json_type_array)) {
		/* One video: one result. */
		if ((item = json_object_new_object()) != NULL) {
			add_common(item, root);
			json_object_array_add(arr, item);
		}
		return arr;
	}
	n = json_object_array_length(entries);
	for (i = 0; i < n && (int)json_object_array_length(arr) < max_results; i++) {
		e = json_object_array_get_idx(entries, i);
		if (e == NULL || !json_object_is_type(e, json_type_object))
			continue;
		if ((item = json_object_new_object()) == NULL)
			break;
		add_common(item, e);
		json_object_array_add(arr, item);
	}
	return arr;
}

/* 0: video and audio, 1: video only, 2: audio only, 3: neither known. */
static int
format_class(struct json_object *f)
{
	const char	*v = get_str(f, "vcodec"), *a = get_str(f, "acodec");
	int		 hv, ha;

	/* yt-dlp's own reading: "none" means absent, a missing codec is unknown. */
	hv = v == NULL || strcmp(v, "none") != 0;
	ha = a == NULL || strcmp(a, "none") != 0;
	return hv && ha ? 0 : hv ? 1 : ha ? 2 : 3;
}

static double
format_rank(struct json_object *f)
{
	double	 d;

	if (format_class(f) == 2)
		return get_num(f, "abr", &d) || get_num(f, "tbr", &d) ? d : 0;
	return get_num(f, "height", &d) ? d : 0;
}

static int
format_cmp(const void *pa, const void *pb)
{
	struct json_object	*a = *(struct json_object *const *)pa;
	struct json_object	*b = *(struct json_object *const *)pb;
	int			 ca = format_class(a), cb = format_class(b);
	double			 ra, rb, ta = 0, tb = 0;

	if (ca != cb)
		return ca - cb;
	ra = format_rank(a);
	rb = format_rank(b);
	if (ra != rb)
		return ra < rb ? 1 : -1;
	/* Same height: the higher bitrate first. */
	(void)get_num(a, "tbr", &ta);
	(void)get_num(b, "tbr", &tb);
	return ta < tb ? 1 : ta > tb ? -1 : 0;
}

static struct json_object *
format_out(struct json_object *f)
{
	struct json_object	*o;
	const char		*res;
	char			 buf[64], size[32];
	double			 w, h;
	int64_t			 isize;
	int			 cls = format_class(f), have_size;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "format_id", str_or_null(get_str(f, "format_id")));
	json_object_object_add(o, "format_note", str_or_null(get_str(f, "format_note")));
	json_object_object_add(o, "ext", str_or_null(get_str(f, "ext")));
	json_object_object_add(o, "protocol", str_or_null(get_str(f, "protocol")));
	json_object_object_add(o, "width", int_or_null(f, "width"));
	json_object_object_add(o, "height", int_or_null(f, "height"));
	json_object_object_add(o, "fps", get_num(f, "fps", &w) ?
	    json_object_new_double(w) : NULL);
	have_size = get_int(f, "filesize", &isize) ||
	    get_int(f, "filesize_approx", &isize);
	json_object_object_add(o, "filesize", have_size ?
	    json_object_new_int64(isize) : NULL);
	if (have_size)
		lookup_size_format((double)isize, size, sizeof(size));
	json_object_object_add(o, "filesize_formatted", have_size ?
	    json_object_new_string(size) : NULL);
	json_object_object_add(o, "vcodec", str_or_null(get_str(f, "vcodec")));
	json_object_object_add(o, "acodec", str_or_null(get_str(f, "acodec")));
	json_object_object_add(o, "has_audio", json_object_new_boolean(cls == 0 || cls == 2));
	json_object_object_add(o, "has_video", json_object_new_boolean(cls == 0 || cls == 1));
	if ((res = get_str(f, "resolution")) == NULL) {
		if (get_num(f, "width", &w) && get_num(f, "height", &h)) {
			snprintf(buf, sizeof(buf), "%.0fx%.0f", w, h);
			res = buf;
		} else if (cls == 2)
			res = "audio only";
	}
	json_object_object_add(o, "resolution", str_or_null(res));
	return o;
}

/* Formats unique by format_id, sorted: video+audio, video, audio; best first. */
static struct json_object *
formats_of(struct json_object *root)
{
	struct json_object	*in, *out, *f, **v = NULL;
	const char		*id;
	size_t			 i, j, n, k = 0;

	if ((out = json_object_new_array()) == NULL)
		return NULL;
	in = get(root, "formats");
	if (in == NULL || !json_object_is_type(in, json_type_array))
		return out;
	n = json_object_array_length(in);
	if (n == 0 || (v = calloc(n, sizeof(*v))) == NULL)
		return out;
	for (i = 0; i < n; i++) {
		f = json_object_array_get_idx(in, i);
		if ((id = get_str(f, "format_id")) == NULL)
			continue;
		for (j = 0; j < k; j++)
			if (strcmp(get_str(v[j], "format_id"), id) == 0)
				break;
		if (j == k)
			v[k++] = f;
	}
	qsort(v, k, sizeof(*v), format_cmp);
	for (i = 0; i < k; i++)
		json_object_array_add(out, format_out(v[i]));
	free(v);
	return out;
}

/* The first DESCRIPTION_MAX characters (not bytes: a cut never splits UTF-8). */
static struct json_object *
description_of(struct json_object *root)
{
	const char	*d = get_str(root, "description");
	size_t		 i = 0, chars = 0;

	if (d == NULL)
		return NULL;
	while (d[i] != '\0' && chars < DESCRIPTION_MAX) {
		i++;
		while (((unsigned char)d[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	return json_object_new_string_len(d, (int)i);
}

/*
 * yt-dlp's -J output as our answer: the results array for search and
 * trending, the info object for info.  Returns a malloc'd JSON string.
 */
char *
lookup_answer(const char *kind, int max_results, const char *json, size_t len,
    char *err, size_t errlen)
{
	struct json_tokener	*tok;
	struct json_object	*root = NULL, *out = NULL;
	char			*s = NULL;

	err[0] = '\0';
	if ((tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH)) == NULL)
		goto fail;
	root = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "yt-dlp's answer was not a JSON object");
		goto fail;
	}
	if (strcmp(kind, "info") == 0) {
		if ((out = json_object_new_object()) == NULL)
			goto fail;
		add_common(out, root);
		json_object_object_add(out, "description", description_of(root));
		json_object_object_add(out, "formats", formats_of(root));
	} else if ((out = results_of(root, max_results)) == NULL)
		goto fail;
	s = strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	if (s == NULL)
		snprintf(err, errlen, "out of memory");
fail:
	if (s == NULL && err[0] == '\0')
		snprintf(err, errlen, "could not read yt-dlp's answer");
	json_object_put(root);
	json_object_put(out);
	return s;
}
