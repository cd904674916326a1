/* lane.c: the look-up lane: search, trending and info, beside the downloads and never behind them. */
/*
 * Look-ups have their own slots (OFFLINETUBE_MAX_LOOKUPS), so a full download
 * queue never delays a search and a burst of searches never takes a download
 * slot.  Each run is one yt-dlp -J in its own process group and directory,
 * stopped at OFFLINETUBE_LOOKUP_TIMEOUT, or as soon as the API gives up.
 *
 * The loop also serves every download, so no look-up may hold it: stdout is
 * read one pipe's worth a wake-up and parsed as it comes (lookup.c), and
 * what the lane holds is bounded, each run's stdout (OUT_MAX) and all of
 * theirs together (OUT_TOTAL): a JSON tree takes about seven times the
 * bytes of its text.  A look-up past either bound is stopped and fails.
 */
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fleet.h"
#include "cookiejar.h"
#include "lane.h"
#include "log.h"
#include "jsonin.h"
#include "lookup.h"
#include "proc.h"
#include "store.h"
#include "tally.h"
#include "urlguard.h"
#include "util.h"
#include "ytdlp.h"

#define LANE_MAX	8		/* config caps max_lookups here */
/*
 * A video's -J is well under 1 MiB (most of it subtitle links); a listing
 * stops at 50 entries of about 1.3 KiB.  4 MiB is some 4,500 formats as an
 * HLS manifest lists them, and what is left to do at its end (the answer
 * made, the tree freed) takes about 40 ms (docs/benchmarks.md, item 9).
 */
#define OUT_MAX		(4 << 20)	/* stdout of one look-up */
#define OUT_TOTAL	(16 << 20)	/* stdout of the running look-ups together */
#define PRUNE_MS	60000		/* expired answers go once a minute */
#define CACHE_KEEP	10000		/* and the cache never holds more rows */
#define CACHE_BYTES	(64LL << 20)	/* nor more bytes of answers */

/* Why a run's stdout was cut short. */
enum over { OVER_NONE, OVER_RUN, OVER_LANE };

struct run {
	struct lookup_claim	 claim;
	char			 dir[PATH_MAX];
	char			 cookies[PATH_MAX];	/* dir/cookies.txt, "": none */
	char			 tag[32];	/* "lookup-N", for the log */
	struct proc		 proc;		/* yt-dlp -J */
	struct jsonin		*parse;		/* stdout, parsed as it comes */
	size_t			 outlen;	/* stdout bytes taken, in lane_out */
	int64_t			 started;
	int64_t			 deadline;
	int			 abandoned;	/* the row ended without us: write nothing */
	int			 timed_out;
	enum over		 over;
};

static struct store		*db;
static const struct config	*conf;
static struct run		*runs[LANE_MAX];
static size_t			 nruns;
static size_t			 lane_out;	/* stdout bytes the runs hold */
static int64_t			 next_prune;

void
lane_init(struct store *s, const struct config *c)
{
	db = s;
	conf = c;
	/* A dead worker's look-ups fail in its recovery (fleet.c). */
}

/* Lets go of what the run's stdout became: the parse, and its share of the bound. */
static void
run_release(struct run *r)
{
	jsonin_free(r->parse);
	r->parse = NULL;
	lane_out -= r->outlen;
	r->outlen = 0;
}

static void
run_free(struct run *r)
{
	size_t	 i;

	proc_close(&r->proc);
	if (util_rm_rf(r->dir) == -1)
		log_warnx(r->tag, "cannot remove %s", r->dir);
	run_release(r);
	for (i = 0; i < nruns; i++)
		if (runs[i] == r) {
			runs[i] = runs[--nruns];
			break;
		}
	free(r);
}

static void	 run_take(void *, char *, size_t);
static void	 run_ended(void *, int);

static const struct proc_ops run_ops = { run_take, NULL, run_ended };

static int
run_start(const struct lookup_claim *c)
{
	struct lookup_argv	 a;
	struct run		*r;
	const char		*why;
	char			 msg[300];
	int			 trending = c->kind == LOOKUP_TRENDING;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	r->claim = *c;
	snprintf(r->tag, sizeof(r->tag), "lookup-%lld", c->id);
	proc_init(&r->proc, &run_ops, r, r->tag);
	/*
	 * The guard again, as for a download: the API checked a client's URL
	 * when it was asked, but a name may resolve elsewhere by now (DNS
	 * rebinding), and the trending URL comes from the configuration, which
	 * the API never checks.  A client's URL refused is its fault (400), the
	 * configured one the server's (502).  getaddrinfo blocks the loop for as
	 * long as DNS takes: a cached or local answer is quick.
	 */
	if (!conf->allow_private_urls && lookup_is_url(c->kind, c->query) &&
	    urlguard_check(c->query, &why) == -1) {
		snprintf(msg, sizeof(msg), "%s refused: %s", trending ?
		    "OFFLINETUBE_TRENDING_URL" : "URL", why);
		store_lookup_fail(db, c->id, trending ? 502 : 400, msg);
		log_info(r->tag, "%s look-up: %s", lookup_kind_str[c->kind], msg);
		goto fail_quiet;
	}
	if (util_path_join(r->dir, sizeof(r->dir), conf->tmp_dir, r->tag) == -1 ||
	    util_mkdir_p(r->dir, 0700) == -1)
		goto fail;
	/*
	 * A look-up the API keyed to an owner's cookies runs with them (a copy);
	 * one keyed to none runs without, whoever asked.  Cookies removed since
	 * the API looked: none, and the answer stays that owner's only.
	 */
	if (cookiejar_copy(conf, c->cookie_owner, r->dir, r->cookies,
	    sizeof(r->cookies)) == -1)
		goto fail;
	/*
	 * The row's prefix, not this process's: it is part of the key the API
	 * caches the answer under, so the answer must be made with it.  A row
	 * an API from before migration 004 wrote has none: ours, then.
	 */
	if (lookup_build_argv(conf->ytdlp, c->search_prefix[0] != '\0' ?
	    c->search_prefix : conf->search_prefix, c->kind, c->query,
	    c->max_results, r->cookies, &a) == -1) {
		store_lookup_fail(db, c->id, 502, "The look-up is not valid");
		goto fail_quiet;
	}
	if ((r->parse = jsonin_new()) == NULL ||
	    proc_start(&r->proc, a.argv, r->dir, 0) == -1)
		goto fail;
	r->started = util_now_ms();
	r->deadline = r->started + (int64_t)conf->lookup_timeout * 1000;
	runs[nruns++] = r;
	log_info(r->tag, "%s look-up: %s", lookup_kind_str[c->kind], a.target);
	return 0;
fail:
	log_warnx(NULL, "look-up %lld: cannot start: %s", c->id, strerror(errno));
	store_lookup_fail(db, c->id, 502, "The worker could not run yt-dlp");
fail_quiet:
	if (r != NULL) {
		if (r->dir[0] != '\0')
			util_rm_rf(r->dir);
		jsonin_free(r->parse);
		proc_close(&r->proc);
		free(r);
	}
	return -1;
}

void
lane_start_pending(void)
{
	struct lookup_claim	 c;
	int			 rc;

	while (nruns < (size_t)conf->max_lookups && nruns < LANE_MAX) {
		if ((rc = store_lookup_claim(db, fleet_id(), &c)) == -1) {
			log_warnx(NULL, "look-up claim: %s", store_errmsg(db));
			return;
		}
		if (rc == 0)
			return;
		(void)run_start(&c);
	}
}

/* n more bytes of stdout: parsed, unless they take the run or the lane past its bound. */
static void
run_take(void *arg, char *p, size_t n)
{
	struct run	*r = arg;

	if (r->over != OVER_NONE)
		return;
	if (r->outlen + n > OUT_MAX)
		r->over = OVER_RUN;
	else if (lane_out + n > OUT_TOTAL)
		r->over = OVER_LANE;
	if (r->over != OVER_NONE) {
		log_info(r->tag, "stdout at %zu bytes, the lane's at %zu: past "
		    "the bound, stopping", r->outlen + n, lane_out + n);
		run_release(r);
		proc_stop(&r->proc);
		return;
	}
	r->outlen += n;
	lane_out += n;
	if (jsonin_feed(r->parse, p, n) == -1)
		log_debug(r->tag, "stdout is not JSON");
}

/* yt-dlp has exited: its answer, or its error, goes into the row. */
static void
run_answer(struct run *r, int wstatus)
{
	char	 msg[600], err[256], *answer = NULL;
	int	 code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);

	if (r->abandoned) {
		log_info(r->tag, "stopped: the API gave up waiting");
		return;
	}
	if (r->timed_out) {
		snprintf(msg, sizeof(msg), "yt-dlp did not answer within %d s",
		    conf->lookup_timeout);
		store_lookup_fail(db, r->claim.id, 504, msg);
		log_info(r->tag, "%s", msg);
		return;
	}
	if (r->over != OVER_NONE) {
		if (r->over == OVER_RUN)
			snprintf(msg, sizeof(msg), "yt-dlp's answer was larger "
			    "than %d MiB", OUT_MAX >> 20);
		else
			snprintf(msg, sizeof(msg), "The worker is already reading "
			    "%d MiB of look-up answers; try again shortly",
			    OUT_TOTAL >> 20);
		store_lookup_fail(db, r->claim.id, 502, msg);
		log_info(r->tag, "%s", msg);
		return;
	}
	/* A listing may exit 1 over one bad entry and still print the rest. */
	err[0] = '\0';
	if (r->outlen > 0 && (code == 0 || code == 1))
		answer = lookup_answer_of(jsonin_root(r->parse), r->claim.kind,
		    r->claim.max_results, err, sizeof(err));
	run_release(r);
	if (answer == NULL) {
		/* yt-dlp content with its answer, and we are not: ours is the reason. */
		if (code == 0 && err[0] != '\0')
			snprintf(msg, sizeof(msg), "%s", err);
		else
			ytdlp_error_message(r->proc.err.data, r->proc.err.len, code, msg,
			    sizeof(msg));
		store_lookup_fail(db, r->claim.id, 502, msg);
		log_info(r->tag, "failed: %s", msg);
		return;
	}
	if (store_lookup_finish(db, r->claim.id, answer,
	    (int64_t)time(NULL) + conf->lookup_ttl) == -1)
		log_warnx(r->tag, "look-up finish: %s", store_errmsg(db));
	log_info(r->tag, "answered in %lld ms, %zu bytes",
	    (long long)(util_now_ms() - r->started), strlen(answer));
	free(answer);
	/* The cache's bounds hold after every answer, not only once a minute. */
	if (store_lookup_prune(db, 0, CACHE_KEEP, CACHE_BYTES, NULL) == -1)
		log_warnx(r->tag, "look-up prune: %s", store_errmsg(db));
}

/* yt-dlp has exited: its answer, or its error, goes into the row; the run is over. */
static void
run_ended(void *arg, int wstatus)
{
	struct run	*r = arg;

	tally_run(RUN_LOOKUP, wstatus, r->abandoned || r->timed_out);
	run_answer(r, wstatus);
	run_free(r);
}

/*
 * The API marks a look-up it stopped waiting for: nobody wants the answer
 * now.  Nor when the row is gone (deleted by hand, or pruned).
 */
void
lane_check_abandoned(void)
{
	struct lookup	 l;
	size_t		 i;
	int		 rc;

	for (i = 0; i < nruns; i++) {
		if (runs[i]->abandoned)
			continue;
		if ((rc = store_lookup_get(db, runs[i]->claim.id, &l)) == -1) {
			log_warnx(runs[i]->tag, "look-up: %s", store_errmsg(db));
			continue;
		}
		if (rc == 0 || l.state != LOOKUP_RUNNING) {
			log_info(runs[i]->tag, "%s: stopping", rc == 0 ?
			    "its row is gone" : "ended without us");
			runs[i]->abandoned = 1;
			proc_stop(&runs[i]->proc);
		}
		free(l.answer);
	}
}

void
lane_timers(void)
{
	int64_t	 now = util_now_ms();
	size_t	 i;
	int	 n;

	for (i = 0; i < nruns; i++)
		if (!runs[i]->timed_out && now >= runs[i]->deadline) {
			runs[i]->timed_out = 1;
			proc_stop(&runs[i]->proc);
		}
	if (now >= next_prune) {
		if (store_lookup_prune(db, (int64_t)time(NULL), CACHE_KEEP,
		    CACHE_BYTES, &n) == -1)
			log_warnx(NULL, "look-up prune: %s", store_errmsg(db));
		else if (n > 0)
			log_debug(NULL, "pruned %d look-up(s)", n);
		next_prune = now + PRUNE_MS;
	}
}

/* On SIGTERM: stop every run; the API, still waiting, gets an error for each. */
void
lane_stop_all(void)
{
	size_t	 i;

	for (i = 0; i < nruns; i++) {
		store_lookup_fail(db, runs[i]->claim.id, 502,
		    "The worker stopped during the look-up");
		runs[i]->abandoned = 1;
		proc_stop(&runs[i]->proc);
	}
	(void)proc_wait_stopped(1000);
}
