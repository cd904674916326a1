/* metrics.c: GET /api/metrics: the Prometheus text of the database's counts, the worker's and the API's. */
/*
 * Every family of api.md is written on every scrape, each label set of
 * its closed set included with 0 when nothing was counted yet, so that a
 * dashboard never sees a series appear from nowhere.  Sources: tasks by
 * status and the worker's heartbeat are read now; the counters are the
 * metrics table's (migration 017: task ends by triggers, the worker's
 * runs, waits and checks at each heartbeat); look-ups are counted here, in
 * memory, and start again at 0 when the API restarts (Prometheus takes a
 * drop for a restart).
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "health.h"
#include "metricnames.h"
#include "metrics.h"
#include "msg.h"
#include "req.h"
#include "route.h"
#include "store.h"

#define PREFIX		"offlinetube_"
#define OUT_MAX		(32 * 1024)
#define ROWS_MAX	64

static const char *const lookup_result_str[LOOKUP_RESULT__MAX] = {
	[LOOKUP_HIT] =		"hit",
	[LOOKUP_MISS] =		"miss",
	[LOOKUP_JOINED] =	"joined",
};

static atomic_ullong	 lookups[LOOKUP_RESULT__MAX];

void
metrics_lookup(enum lookup_result res)
{
	atomic_fetch_add_explicit(&lookups[res], 1, memory_order_relaxed);
}

/* The metrics table as read for one scrape. */
struct row {
	char	 name[48];
	char	 labels[96];
	double	 value;
};
struct table {
	struct row	 rows[ROWS_MAX];
	size_t		 n;
};

static int
table_take(void *arg, const char *name, const char *labels, double value)
{
	struct table	*t = arg;
	struct row	*r;

	/* A row of no family we write (a newer worker's): not ours to show. */
	if (t->n == ROWS_MAX || strlen(name) >= sizeof(r->name) ||
	    strlen(labels) >= sizeof(r->labels))
		return 0;
	r = &t->rows[t->n++];
	memcpy(r->name, name, strlen(name) + 1);
	memcpy(r->labels, labels, strlen(labels) + 1);
	r->value = value;
	return 0;
}

static double
table_get(const struct table *t, const char *name, const char *labels)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].name, name) == 0 &&
		    strcmp(t->rows[i].labels, labels) == 0)
			return t->rows[i].value;
	return 0;
}

/* The answer being written; full: it did not fit (a 500, never a cut text). */
struct out {
	char	 buf[OUT_MAX];
	size_t	 len;
	int	 full;
};

static void	 put(struct out *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(o->buf) - o->len)
		o->full = 1;
	else
		o->len += (size_t)n;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help,
	    name, type);
}

/* One sample: labels as the exposition writes them ('a="b"'), or "". */
static void
sample(struct out *o, const char *name, const char *labels, double v)
{
	put(o, PREFIX "%s%s%s%s %.17g\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", v);
}

/* One family whose label set is one label over a closed set, from the table. */
static void
by_label(struct out *o, const struct table *t, const char *name,
    const char *label, const char *const *values, size_t n)
{
	char	 labels[96];
	size_t	 i;

	for (i = 0; i < n; i++) {
		snprintf(labels, sizeof(labels), "%s=\"%s\"", label, values[i]);
		sample(o, name, labels, table_get(t, name, labels));
	}
}

/* A label value as the text format wants it: \, " and newline escaped. */
static void
label_escape(const char *s, char *buf, size_t len)
{
	size_t	 o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : *s;
		} else
			buf[o++] = *s;
	}
	buf[o] = '\0';
}

static void
write_all(struct out *o, const struct table *t, const long long *counts,
    int64_t beat, const char *version)
{
	char		 labels[160], esc[128];
	const char	*const finished[] = { "completed", "error", "cancelled" };
	size_t		 i, k;
	double		 age;

	family(o, "tasks", "gauge", "Tasks by status, now.");
	for (i = 0; i < TASK_STATUS__MAX; i++) {
		snprintf(labels, sizeof(labels), "status=\"%s\"", task_status_str[i]);
		sample(o, "tasks", labels, (double)counts[i]);
	}
	family(o, METRIC_FINISHED, "counter", "Downloads that ended, by outcome.");
	by_label(o, t, METRIC_FINISHED, "outcome", finished, 3);
	family(o, METRIC_BYTES, "counter", "Bytes of the downloads that completed.");
	sample(o, METRIC_BYTES, "", table_get(t, METRIC_BYTES, ""));
	family(o, METRIC_RUNS, "counter", "yt-dlp runs by kind and outcome.");
	for (i = 0; i < RUN_KIND__MAX; i++)
		for (k = 0; k < RUN_OUTCOME__MAX; k++) {
			snprintf(labels, sizeof(labels), "kind=\"%s\",outcome=\"%s\"",
			    run_kind_str[i], run_outcome_str[k]);
			sample(o, METRIC_RUNS, labels, table_get(t, METRIC_RUNS,
			    labels));
		}
	family(o, METRIC_LOOKUP_CACHE, "counter", "Look-ups (search, trending, "
	    "info) by how they were answered: from the cache (hit), by a new "
	    "yt-dlp run (miss), by joining one under way (joined).");
	for (i = 0; i < LOOKUP_RESULT__MAX; i++) {
		snprintf(labels, sizeof(labels), "result=\"%s\"",
		    lookup_result_str[i]);
		sample(o, METRIC_LOOKUP_CACHE, labels, (double)atomic_load_explicit(
		    &lookups[i], memory_order_relaxed));
	}
	family(o, "queue_wait_seconds", "histogram", "How long tasks were "
	    "pending before a worker took them.");
	for (i = 0; i < QUEUE_WAIT_NBUCKETS; i++) {
		snprintf(labels, sizeof(labels), "le=\"%s\"", queue_wait_le_str[i]);
		sample(o, METRIC_WAIT_BUCKET, labels, table_get(t,
		    METRIC_WAIT_BUCKET, labels));
	}
	sample(o, METRIC_WAIT_BUCKET, "le=\"+Inf\"", table_get(t,
	    METRIC_WAIT_COUNT, ""));
	sample(o, METRIC_WAIT_SUM, "", table_get(t, METRIC_WAIT_SUM, ""));
	sample(o, METRIC_WAIT_COUNT, "", table_get(t, METRIC_WAIT_COUNT, ""));
	family(o, "worker_heartbeat_age_seconds", "gauge", "Seconds since a "
	    "worker last said it was alive; +Inf when none runs.");
	if (beat > 0) {
		/* Two programs' readings of one clock, a second apart at most. */
		age = (double)((int64_t)time(NULL) - beat);
		sample(o, "worker_heartbeat_age_seconds", "", age > 0 ? age : 0);
	} else
		put(o, PREFIX "worker_heartbeat_age_seconds +Inf\n");
	family(o, METRIC_CHECKS, "counter", "Subscription checks by outcome.");
	by_label(o, t, METRIC_CHECKS, "outcome", check_outcome_str,
	    CHECK_OUTCOME__MAX);
	family(o, METRIC_DELIVERIES, "counter", "Notification attempts (webhooks "
	    "and Apprise) by outcome.");
	by_label(o, t, METRIC_DELIVERIES, "outcome", notify_outcome_str,
	    NOTIFY_OUTCOME__MAX);
	family(o, "ytdlp_info", "gauge", "The yt-dlp the worker runs, as its "
	    "--version says (\"\" until the worker has asked).");
	label_escape(version, esc, sizeof(esc));
	snprintf(labels, sizeof(labels), "version=\"%s\"", esc);
	sample(o, "ytdlp_info", labels, 1);
}

int
metrics_get(struct req *r)
{
	static _Thread_local struct out	 o;
	static _Thread_local struct table t;
	long long			 counts[TASK_STATUS__MAX];
	char				 version[128];
	int64_t				 beat;

	o.len = 0;
	o.full = 0;
	t.n = 0;
	if (store_task_counts(r->ctx->db, counts) == -1 ||
	    health_worker_heartbeat(r->ctx->db, &beat) == -1 ||
	    store_meta_get(r->ctx->db, "yt_dlp_version", version,
	    sizeof(version)) == -1 ||
	    store_metrics_each(r->ctx->db, table_take, &t) == -1)
		return reply_dberr(r, "metrics");
	write_all(&o, &t, counts, beat, version);
	if (o.full)
		return reply_error(r, 500, msg_str[MSG_INTERNAL_ERROR]);
	if (reply_begin_type(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    o.len) == -1 || reply_write(r, o.buf, o.len) == -1)
		return -1;
	return 0;
}
