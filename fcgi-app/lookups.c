/* lookups.c: /api/search, /api/trending, /api/info: answered from the look-up table. */
/*
 * The API never runs yt-dlp.  A look-up is a row: this thread finds a fresh
 * answer, or joins the identical look-up already running, or inserts a new
 * one; then it waits for the worker to fill the row, up to a deadline.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "cookies.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "req.h"
#include "route.h"
#include "urlform.h"
#include "util.h"
#include "validate.h"

#define QUERY_MAX	500
#define WAIT_STEP_US	40000	/* how often a waiting thread reads the row */
#define WORKER_CHECK_MS	1000	/* how often it asks whether a worker is there */

#define RETRY_AFTER	5	/* seconds, when every look-up seat is taken */

static const char	 no_worker[] = "The worker is not running; look-ups need it";
static const char	 api_stopping[] = "The service is stopping; ask again in a few seconds";

/*
 * A look-up that is not answered from the cache holds its API thread while
 * it waits, up to OFFLINETUBE_LOOKUP_TIMEOUT + 5 s.  At most (threads - 1) / 2
 * (at least one; 3 of 8) may wait at once, shared by every client, so that
 * the others are always there for the task routes, however many slow
 * look-ups come.  Fewer than half, because nginx holds threads too: each
 * idle connection it keeps holds one until it is used again or closed (2 s).
 * nginx-conf.sh keeps threads / 2 of them, and the shipped upstream one per
 * nginx worker (docs/deploy.md: threads at least twice worker_processes):
 * with the look-ups' seats taken and every kept connection idle, one thread
 * still accepts, so a request nginx sent on a new connection is not left
 * waiting for an idle one to close (with 2 threads or fewer the one seat
 * leaves no such thread).  One more look-up gets 503 at once.
 */
static int	 seats_taken;	/* threads waiting on a look-up, across threads */

static int
seat_limit(const struct config *cfg)
{
	return (cfg->api_threads - 1) / 2 > 1 ? (cfg->api_threads - 1) / 2 : 1;
}

/* 1: this thread may wait; 0: every seat is taken. */
static int
seat_take(const struct config *cfg)
{
	if (__atomic_add_fetch(&seats_taken, 1, __ATOMIC_ACQ_REL) <=
	    seat_limit(cfg))
		return 1;
	__atomic_sub_fetch(&seats_taken, 1, __ATOMIC_ACQ_REL);
	return 0;
}

static void
seat_give(void)
{
	__atomic_sub_fetch(&seats_taken, 1, __ATOMIC_ACQ_REL);
}

/*
 * Whether a worker is there to run a look-up: one with a heartbeat, or one
 * that is starting (health_worker_may_come).  Right after make run, the
 * look-up waits for the worker instead of failing.
 */
static int
worker_there(struct req *r)
{
	int64_t	 at;

	return health_worker_alive(r->ctx->db, &at) ||
	    health_worker_may_come(r->ctx->cfg);
}

enum wrap { WRAP_SEARCH, WRAP_TRENDING, WRAP_INFO };

/* Writes the answer: the stored JSON goes out as it is, inside its envelope. */
static int
lookup_reply(struct req *r, enum wrap wrap, const char *q, const char *answer)
{
	struct json_object	*qs;
	const char		*qj;
	int			 rc = -1;

	if (reply_stream_begin(r, 200) == -1)
		return -1;
	switch (wrap) {
	case WRAP_SEARCH:
		if ((qs = json_object_new_string(q)) == NULL)
			return -1;
		qj = json_object_to_json_string_ext(qs, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		rc = (reply_write(r, "{\"query\":", 9) == -1 ||
		    reply_write(r, qj, strlen(qj)) == -1 ||
		    reply_write(r, ",\"results\":", 11) == -1 ||
		    reply_write(r, answer, strlen(answer)) == -1 ||
		    reply_write(r, "}\n", 2) == -1) ? -1 : 0;
		json_object_put(qs);
		return rc;
	case WRAP_TRENDING:
		return (reply_write(r, "{\"results\":", 11) == -1 ||
		    reply_write(r, answer, strlen(answer)) == -1 ||
		    reply_write(r, "}\n", 2) == -1) ? -1 : 0;
	case WRAP_INFO:
		return (reply_write(r, answer, strlen(answer)) == -1 ||
		    reply_write(r, "\n", 1) == -1) ? -1 : 0;
	}
	return -1;
}

/*
 * The whole look-up: cache, join or insert, then wait.  key and prefix are what
 * make two questions the same (normalised query or URL, and the search key it
 * runs under), q what the client asked.
 */
static int
lookup_run(struct req *r, enum lookup_kind kind, const char *key, const char *prefix,
    int max_results, enum wrap wrap, const char *q)
{
	struct store	*db = r->ctx->db;
	struct lookup	 l;
	char		 detail[600];
	long long	 id, owner = cookies_lookup_owner(r);
	int64_t		 now = (int64_t)time(NULL), deadline, next_check;
	int		 rc, status, seated = 0, retry = 0;

	memset(&l, 0, sizeof(l));
	if ((rc = store_lookup_find(db, kind, key, prefix, max_results, owner,
	    now, &l)) == -1)
		goto dberr;
	if (rc == 1 && l.state == LOOKUP_DONE) {
		log_debug(r->request_id, "%s look-up answered from the cache",
		    lookup_kind_str[kind]);
		metrics_lookup(LOOKUP_HIT);
		goto answer;
	}
	/* From here on this thread may wait: it needs a seat. */
	if (!(seated = seat_take(r->ctx->cfg))) {
		log_info(r->request_id, "%s look-up refused: %d waiting already",
		    lookup_kind_str[kind], seat_limit(r->ctx->cfg));
		retry = 1;
		status = 503;
		snprintf(detail, sizeof(detail), "Too many look-ups are waiting "
		    "for the worker (limit %d at once); try again in a few "
		    "seconds", seat_limit(r->ctx->cfg));
		goto fail;
	}
	if (rc == 0) {
		if (!worker_there(r)) {
			status = 503;
			snprintf(detail, sizeof(detail), "%s", no_worker);
			goto fail;
		}
		if ((rc = store_lookup_insert(db, kind, key, prefix, max_results,
		    owner, now, &id)) == -1)
			goto dberr;
		if (rc == 0) {
			/*
			 * Lost a race to an identical question: join that one.
			 * Gone already (it failed, and errors are not reused):
			 * it failed for us too.
			 */
			if ((rc = store_lookup_find(db, kind, key, prefix,
			    max_results, owner, now, &l)) == -1)
				goto dberr;
			if (rc == 0) {
				status = 502;
				snprintf(detail, sizeof(detail), "The look-up failed");
				goto fail;
			}
			metrics_lookup(LOOKUP_JOINED);
			if (l.state == LOOKUP_DONE)
				goto answer;
			id = l.id;
		} else
			metrics_lookup(LOOKUP_MISS);
	} else {
		metrics_lookup(LOOKUP_JOINED);
		id = l.id;
	}
	deadline = util_now_ms() + (int64_t)(r->ctx->cfg->lookup_timeout + 5) * 1000;
	next_check = util_now_ms() + WORKER_CHECK_MS;
	for (;;) {
		free(l.answer);
		l.answer = NULL;
		if ((rc = store_lookup_get(db, id, &l)) == -1)
			goto dberr;
		if (rc == 0) {
			/* Pruned under us: only possible for an error row. */
			status = 502;
			snprintf(detail, sizeof(detail), "The look-up failed");
			goto fail;
		}
		if (l.state == LOOKUP_DONE)
			goto answer;
		if (l.state == LOOKUP_ERROR) {
			/* 400: the worker's guard refused the client's URL. */
			status = l.error_status == 504 || l.error_status == 400 ?
			    l.error_status : 502;
			snprintf(detail, sizeof(detail), "%s", l.error[0] != '\0' ?
			    l.error : "The look-up failed");
			goto fail;
		}
		if (util_now_ms() >= deadline)
			break;
		/*
		 * The API is stopping: it would wait for us up to the whole
		 * deadline.  The question stays asked: the worker answers it
		 * into the cache for whoever asks again.
		 */
		if (*r->ctx->stopping) {
			retry = 1;
			status = 503;
			snprintf(detail, sizeof(detail), "%s", api_stopping);
			goto fail;
		}
		/* Not yet claimed, and no worker to claim it: it never will be. */
		if (util_now_ms() >= next_check) {
			next_check = util_now_ms() + WORKER_CHECK_MS;
			if (l.state == LOOKUP_PENDING && !worker_there(r)) {
				(void)store_lookup_abandon(db, id, no_worker);
				status = 503;
				snprintf(detail, sizeof(detail), "%s", no_worker);
				goto fail;
			}
		}
		usleep(WAIT_STEP_US);
	}
	(void)store_lookup_abandon(db, id, "The look-up timed out");
	status = 504;
	snprintf(detail, sizeof(detail), "The look-up did not finish within %d s",
	    r->ctx->cfg->lookup_timeout + 5);
	goto fail;
answer:
	if (seated)
		seat_give();
	rc = lookup_reply(r, wrap, q, l.answer != NULL ? l.answer : "null");
	free(l.answer);
	return rc;
dberr:
	if (seated)
		seat_give();
	free(l.answer);
	return reply_dberr(r, "look-up");
fail:
	if (seated)
		seat_give();
	free(l.answer);
	if (retry && reply_header(r, "Retry-After: %d\r\n", RETRY_AFTER) == -1)
		return -1;
	return reply_error(r, status, detail);
}

/* max_results: 1 to 50, default 20. */
static int
max_results_get(struct req *r, int *out)
{
	char		 buf[32];
	long long	 n;
	int		 rc;

	*out = 20;
	if ((rc = req_query_get(r, "max_results", buf, sizeof(buf))) == 0)
		return 0;
	if (rc == -1 || util_strtonum(buf, 1, 50, &n) == -1)
		return -1;
	*out = (int)n;
	return 0;
}

/*
 * The search key a question runs under, "" when it runs none (a URL is listed
 * as it is): a new OFFLINETUBE_SEARCH_PREFIX asks anew instead of answering
 * from the old one's cache, and the worker runs the row with this prefix.
 */
static const char *
search_prefix_for(struct req *r, const char *key)
{
	return urlform_is_http(key) ? "" : r->ctx->cfg->search_prefix;
}

/* Trims and collapses whitespace, so "a  b " and "a b" are one question. */
static void
normalise(const char *in, char *out, size_t len)
{
	size_t	 o = 0;
	int	 space = 0;

	for (; *in != '\0' && o + 1 < len; in++) {
		if (isspace((unsigned char)*in)) {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < len)
			out[o++] = ' ';
		space = 0;
		out[o++] = *in;
	}
	out[o] = '\0';
}

int
lookups_search(struct req *r)
{
	char	 q[QUERY_MAX * 3 + 1], key[QUERY_MAX + 1], detail[256];
	int	 rc, max;

	if ((rc = req_query_get(r, "q", q, sizeof(q))) == 0)
		return reply_error(r, 400, "q: field required");
	if (rc == -1 || strlen(q) > QUERY_MAX)
		return reply_error(r, 400, "q: must be 1 to 500 bytes");
	normalise(q, key, sizeof(key));
	if (key[0] == '\0')
		return reply_error(r, 400, "q: must not be empty");
	if (max_results_get(r, &max) == -1)
		return reply_error(r, 400, "max_results: must be an integer "
		    "from 1 to 50");
	/* A URL as q is listed by yt-dlp: the same guard as a download's. */
	if (urlform_is_http(key) &&
	    validate_url_host(r->ctx->cfg, "q", key, detail,
	    sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	return lookup_run(r, LOOKUP_SEARCH, key, search_prefix_for(r, key), max,
	    WRAP_SEARCH, q);
}

int
lookups_trending(struct req *r)
{
	const struct config	*cfg = r->ctx->cfg;
	const char		*source;
	int			 max;

	if (max_results_get(r, &max) == -1)
		return reply_error(r, 400, "max_results: must be an integer "
		    "from 1 to 50");
	/* The source is part of the question: a new setting is a new cache entry. */
	source = cfg->trending_url[0] != '\0' ? cfg->trending_url :
	    cfg->trending_query;
	return lookup_run(r, LOOKUP_TRENDING, source, search_prefix_for(r, source),
	    max, WRAP_TRENDING, NULL);
}

int
lookups_info(struct req *r)
{
	static const struct field info_fields[] = {
		{ "url", 1, NULL, validate_url },
	};
	const char	*url;
	char		 detail[256];

	if (validate_fields(r->body, info_fields, 1, &url, detail,
	    sizeof(detail)) == -1 ||
	    validate_url_host(r->ctx->cfg, "url", url, detail,
	    sizeof(detail)) == -1)
		return reply_error(r, 400, detail);
	return lookup_run(r, LOOKUP_INFO, url, "", 0, WRAP_INFO, NULL);
}
