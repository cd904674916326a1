/* progress.c: yt-dlp's JSON progress lines, parsed and turned into the row's fields. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "progress.h"

/* A number yt-dlp may give as int, float or null; -1 when absent or not a number. */
static double
num(struct json_object *o, const char *key)
{
	struct json_object	*v;
	double			 d;

	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return -1;
	d = json_object_get_double(v);
	/* Callers store it in an int64_t: a value past 2^62 is garbage, not bytes. */
	if (!isfinite(d) || d < 0 || d >= 4611686018427387904.0)
		return -1;
	return d;
}

/*
 * Returns 0 and fills p when line is one progress object, -1 otherwise
 * (yt-dlp prints other lines on the same stream, which are not errors).
 */
int
progress_parse(const char *line, size_t len, struct progress *p)
{
	struct json_tokener	*tok = NULL;
	struct json_object	*o = NULL, *v;
	const char		*st;
	double			 d;
	int			 rc = -1;

	memset(p, 0, sizeof(*p));
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	/* json-c takes an int length; a real progress line is a few hundred bytes. */
	if (len == 0 || line[0] != '{' || len > 65536)
		goto fail;
	if ((tok = json_tokener_new()) == NULL)
		goto fail;
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object))
		goto fail;
	if (!json_object_object_get_ex(o, "status", &v) ||
	    (st = json_object_get_string(v)) == NULL)
		goto fail;
	if (strcmp(st, "downloading") == 0)
		p->status = PROGRESS_DOWNLOADING;
	else if (strcmp(st, "finished") == 0)
		p->status = PROGRESS_FINISHED;
	else if (strcmp(st, "error") == 0)
		p->status = PROGRESS_ERROR;
	else
		goto fail;
	if ((d = num(o, "downloaded_bytes")) >= 0)
		p->downloaded = (int64_t)d;
	if ((d = num(o, "total_bytes")) > 0)
		p->total = (int64_t)d;
	else if ((d = num(o, "total_bytes_estimate")) > 0)
		p->total = (int64_t)d;
	/* A finished file whose size yt-dlp did not report is as big as what arrived. */
	if (p->status == PROGRESS_FINISHED && p->total == 0)
		p->total = p->downloaded;
	p->speed = num(o, "speed");
	d = num(o, "eta");
	p->eta = d >= 0 ? (int64_t)d : -1;
	rc = 0;
fail:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

void
progress_total_init(struct progress_total *t, int nfiles)
{
	memset(t, 0, sizeof(*t));
	t->nfiles = nfiles > 0 ? nfiles : 1;
}

void
progress_total_add(struct progress_total *t, const struct progress *p)
{
	double	 frac = 0, pct;

	if (p->total > 0)
		frac = (double)p->downloaded / (double)p->total;
	if (frac > 1)
		frac = 1;
	if (p->status == PROGRESS_FINISHED)
		frac = 1;
	/* More files than announced (a format yt-dlp chose itself): grow the count. */
	if (t->done >= t->nfiles)
		t->nfiles = t->done + 1;
	pct = 100.0 * ((double)t->done + frac) / (double)t->nfiles;
	if (pct > t->percent)
		t->percent = pct > 100 ? 100 : pct;
	t->downloaded = t->done_bytes + p->downloaded;
	t->total = p->total > 0 ? t->done_bytes + p->total : 0;
	if (p->status == PROGRESS_FINISHED) {
		t->done++;
		t->done_bytes += p->total > 0 ? p->total : p->downloaded;
	}
}

/* "5.2 MB/s" (powers of 1000, to match the unit's name); "" when unknown. */
void
progress_speed(double bps, char *buf, size_t len)
{
	static const char *const units[] = { "B/s", "KB/s", "MB/s", "GB/s" };
	size_t	 u = 0;

	if (len == 0)
		return;
	if (!(bps >= 0) || !isfinite(bps)) {
		buf[0] = '\0';
		return;
	}
	while (bps >= 1000 && u < sizeof(units) / sizeof(units[0]) - 1) {
		bps /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f %s", bps, units[u]);
	else
		snprintf(buf, len, "%.1f %s", bps, units[u]);
}

/* "45s", "3m 05s", "1h 02m"; "" when unknown. */
void
progress_eta(int64_t secs, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (secs < 0)
		buf[0] = '\0';
	else if (secs < 60)
		snprintf(buf, len, "%llds", (long long)secs);
	else if (secs < 3600)
		snprintf(buf, len, "%lldm %02llds", (long long)(secs / 60),
		    (long long)(secs % 60));
	else
		snprintf(buf, len, "%lldh %02lldm", (long long)(secs / 3600),
		    (long long)(secs % 3600 / 60));
}
