/* lookup.c: look-ups (search, trending, info): yt-dlp's argv, and its JSON made into answers. */
/*
 * yt-dlp's JSON is parsed as it arrives (jsonin.c); what is left for the end,
 * picking fields and sorting formats, is linear or n log n in the formats,
 * and the answer is written into its text format by format.  What it copies is
 * bounded: each string (LOOKUP_TEXT_MAX, LOOKUP_NAME_MAX, LOOKUP_URL_MAX),
 * the formats (LOOKUP_FORMATS_MAX, and as many as fit LOOKUP_ANSWER_MAX),
 * and the answer itself.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lookup.h"
#include "urlform.h"
#include "util.h"

#define DESCRIPTION_MAX	500	/* characters of the description /api/info keeps */
#define JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Whether yt-dlp will fetch the question itself (info always; a listing of a URL). */
int
lookup_is_url(enum lookup_kind kind, const char *query)
{
	return kind == LOOKUP_INFO || urlform_is_http(query);
}

/*
 * search and trending list a URL when the question is one, else run the
 * search "{prefix}{N}:{q}"; info extracts one video fully.  Listings are flat:
 * one request to the site, not one per entry.  The target always follows "--".
 */
int
lookup_build_argv(const char *ytdlp, const char *search_prefix,
    enum lookup_kind kind, const char *query, int max_results,
    const char *cookies, struct lookup_argv *a)
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
	/* A copy in the run's own directory: yt-dlp writes the file back. */
	if (cookies != NULL && cookies[0] != '\0') {
		a->argv[n++] = "--cookies";
		a->argv[n++] = cookies;
	}
	if (kind == LOOKUP_INFO) {
		a->argv[n++] = "--no-playlist";
		w = snprintf(a->target, sizeof(a->target), "%s", query);
	} else if (kind == LOOKUP_SEARCH || kind == LOOKUP_TRENDING) {
		if (max_results < 1 || max_results > 50)
			return -1;
		a->argv[n++] = "--flat-playlist";
		snprintf(a->end, sizeof(a->end), "%d", max_results);
		a->argv[n++] = "--playlist-end";
		a->argv[n++] = a->end;
		if (urlform_is_http(query))
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
static void
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

static void
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

/* Free text (a title, a name): cut to max bytes; JSON null when absent. */
static struct json_object *
text_or_null(const char *s, size_t max)
{
	return s != NULL ? json_object_new_string_len(s, (int)util_utf8_len(s, max)) :
	    NULL;
}

/*
 * An identifier, a code or a URL: one longer than max is of no use cut,
 * so it is null, as an absent one.  Nothing is invented.
 */
static struct json_object *
name_or_null(const char *s, size_t max)
{
	return s != NULL && strlen(s) <= max ? json_object_new_string(s) : NULL;
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

	if ((s = get_str(o, "webpage_url")) != NULL && urlform_is_http(s))
		return s;
	if ((s = get_str(o, "url")) != NULL && urlform_is_http(s))
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

	json_object_object_add(out, "id", name_or_null(get_str(e, "id"),
	    LOOKUP_NAME_MAX));
	json_object_object_add(out, "title", text_or_null(get_str(e, "title"),
	    LOOKUP_TEXT_MAX));
	json_object_object_add(out, "url", name_or_null(url_of(e), LOOKUP_URL_MAX));
	json_object_object_add(out, "thumbnail", name_or_null(thumbnail_of(e),
	    LOOKUP_URL_MAX));
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
	json_object_object_add(out, "uploader", text_or_null(uploader,
	    LOOKUP_TEXT_MAX));
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

/* A format with what it is sorted by, read once. */
struct fmt {
	struct json_object	*f;
	const char		*id;
	size_t			 pos;	/* in yt-dlp's list */
	int			 cls;
	double			 rank;	/* height; for audio abr, else tbr */
	double			 tbr;
};

/* By format_id, then yt-dlp's order: the first of each id comes first. */
static int
fmt_by_id(const void *pa, const void *pb)
{
	const struct fmt	*a = pa, *b = pb;
	int			 c = strcmp(a->id, b->id);

	if (c != 0)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Video+audio, video, audio; the highest first; ties keep yt-dlp's order. */
static int
fmt_by_quality(const void *pa, const void *pb)
{
	const struct fmt	*a = pa, *b = pb;

	if (a->cls != b->cls)
		return a->cls - b->cls;
	if (a->rank != b->rank)
		return a->rank < b->rank ? 1 : -1;
	/* Same height: the higher bitrate first. */
	if (a->tbr != b->tbr)
		return a->tbr < b->tbr ? 1 : -1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Sets every key of o, each time: one object serves for every format. */
static void
format_out(const struct fmt *x, struct json_object *o)
{
	struct json_object	*f = x->f;
	const char		*res;
	char			 buf[64], size[32];
	double			 w, h;
	int64_t			 isize;
	int			 have_size;

	json_object_object_add(o, "format_id", json_object_new_string(x->id));
	json_object_object_add(o, "format_note", text_or_null(get_str(f,
	    "format_note"), LOOKUP_NAME_MAX));
	json_object_object_add(o, "ext", name_or_null(get_str(f, "ext"),
	    LOOKUP_NAME_MAX));
	json_object_object_add(o, "protocol", name_or_null(get_str(f, "protocol"),
	    LOOKUP_NAME_MAX));
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
	json_object_object_add(o, "vcodec", name_or_null(get_str(f, "vcodec"),
	    LOOKUP_NAME_MAX));
	json_object_object_add(o, "acodec", name_or_null(get_str(f, "acodec"),
	    LOOKUP_NAME_MAX));
	json_object_object_add(o, "has_audio",
	    json_object_new_boolean(x->cls == 0 || x->cls == 2));
	json_object_object_add(o, "has_video",
	    json_object_new_boolean(x->cls == 0 || x->cls == 1));
	if ((res = get_str(f, "resolution")) == NULL) {
		if (get_num(f, "width", &w) && get_num(f, "height", &h)) {
			snprintf(buf, sizeof(buf), "%.0fx%.0f", w, h);
			res = buf;
		} else if (x->cls == 2)
			res = "audio only";
	}
	json_object_object_add(o, "resolution", name_or_null(res, LOOKUP_NAME_MAX));
}

/*
 * Formats unique by format_id (the first wins), sorted: video+audio, video,
 * audio; best first.  n log n: a manifest may list tens of thousands.  At
 * most LOOKUP_FORMATS_MAX, and only as many as fit in budget bytes: the
 * worst go.  A format without an id, or with one over LOOKUP_NAME_MAX,
 * cannot be asked for, and is left out.  Written to f as a JSON array, each
 * format as json-c makes it.
 */
static int
formats_write(struct json_object *root, size_t budget, FILE *f)
{
	struct json_object	*in, *o = NULL;
	struct fmt		*v = NULL;
	const char		*id, *js;
	size_t			 i, n, k = 0, m = 0, used = 2, len;
	double			 d;
	int			 rc = -1;

	in = get(root, "formats");
	n = in != NULL && json_object_is_type(in, json_type_array) ?
	    json_object_array_length(in) : 0;
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		v[k].f = json_object_array_get_idx(in, i);
		if ((id = get_str(v[k].f, "format_id")) == NULL ||
		    strlen(id) > LOOKUP_NAME_MAX)
			continue;
		v[k].id = id;
		v[k++].pos = i;
	}
	if (k > 0)
		qsort(v, k, sizeof(*v), fmt_by_id);
	for (i = 0; i < k; i++) {
		if (m > 0 && strcmp(v[m - 1].id, v[i].id) == 0)
			continue;
		v[m] = v[i];
		v[m].cls = format_class(v[m].f);
		if (v[m].cls == 2)
			v[m].rank = get_num(v[m].f, "abr", &d) ||
			    get_num(v[m].f, "tbr", &d) ? d : 0;
		else
			v[m].rank = get_num(v[m].f, "height", &d) ? d : 0;
		v[m].tbr = get_num(v[m].f, "tbr", &d) ? d : 0;
		m++;
	}
	if (m > 0)
		qsort(v, m, sizeof(*v), fmt_by_quality);
	if ((o = json_object_new_object()) == NULL || fputc('[', f) == EOF)
		goto fail;
	for (i = 0; i < m && i < LOOKUP_FORMATS_MAX; i++) {
		format_out(&v[i], o);
		if ((js = json_object_to_json_string_ext(o, JSON_FLAGS)) == NULL)
			goto fail;
		len = strlen(js);
		if (used + len + 1 > budget)
			break;
		if ((i > 0 && fputc(',', f) == EOF) || fwrite(js, 1, len, f) != len)
			goto fail;
		used += len + 1;
	}
	if (fputc(']', f) == EOF)
		goto fail;
	rc = 0;
fail:
	json_object_put(o);
	free(v);
	return rc;
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
 * yt-dlp's -J output, parsed (NULL: it was not JSON), as our answer: the
 * results array for search and trending, the info object for info.  Returns
 * a malloc'd JSON string of at most LOOKUP_ANSWER_MAX bytes, or NULL and why
 * in err.
 */
char *
lookup_answer_of(struct json_object *root, enum lookup_kind kind,
    int max_results, char *err, size_t errlen)
{
	struct json_object	*out = NULL;
	const char		*js;
	FILE			*f = NULL;
	size_t			 len, slen = 0;
	char			*s = NULL;
	int			 info = kind == LOOKUP_INFO;

	err[0] = '\0';
	if (root == NULL || !json_object_is_type(root, json_type_object)) {
		snprintf(err, errlen, "yt-dlp's answer was not a JSON object");
		goto fail;
	}
	if (info) {
		if ((out = json_object_new_object()) == NULL)
			goto fail;
		add_common(out, root);
		json_object_object_add(out, "description", description_of(root));
	} else if ((out = results_of(root, max_results)) == NULL)
		goto fail;
	if ((js = json_object_to_json_string_ext(out, JSON_FLAGS)) == NULL ||
	    (f = open_memstream(&s, &slen)) == NULL)
		goto fail;
	len = strlen(js);
	if (!info) {
		if (fwrite(js, 1, len, f) != len)
			goto fail;
	} else {
		/*
		 * "{...}" less its "}", then the formats, which get what the
		 * rest leaves of the answer's bytes.
		 */
		if (fwrite(js, 1, len - 1, f) != len - 1 ||
		    fputs(",\"formats\":", f) == EOF ||
		    formats_write(root, len + 12 < LOOKUP_ANSWER_MAX ?
		    LOOKUP_ANSWER_MAX - len - 12 : 0, f) == -1 ||
		    fputc('}', f) == EOF)
			goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	if (slen > LOOKUP_ANSWER_MAX) {
		snprintf(err, errlen, "The answer would be larger than %d KiB",
		    LOOKUP_ANSWER_MAX >> 10);
		goto fail;
	}
	json_object_put(out);
	return s;
fail:
	if (f != NULL)
		fclose(f);
	free(s);
	if (err[0] == '\0')
		snprintf(err, errlen, "could not read yt-dlp's answer");
	json_object_put(out);
	return NULL;
}

/* The whole of yt-dlp's output at once (tests, fuzzers): parsed, answered, freed. */
char *
lookup_answer(enum lookup_kind kind, int max_results, const char *json,
    size_t len, char *err, size_t errlen)
{
	struct json_tokener	*tok;
	struct json_object	*root;
	char			*s;

	if (len > INT_MAX || (tok = json_tokener_new()) == NULL) {
		snprintf(err, errlen, "could not read yt-dlp's answer");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	s = lookup_answer_of(root, kind, max_results, err, errlen);
	json_object_put(root);
	return s;
}
