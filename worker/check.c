/* check.c: the check lane: subscriptions listed when due, their new entries made into tasks. */
/*
 * Checks have their own slots (OFFLINETUBE_MAX_CHECKS), so no download or
 * look-up ever waits for a listing, however slow the site.  A check is one
 * yt-dlp -J --flat-playlist of the newest entries (at least CHECK_ENTRIES,
 * or the backlog if larger: the first ones of a listing that puts its new
 * entries first, the last ones, last first, of one that adds them at its
 * end) on a proc, read as it comes like a look-up's answer, stopped at
 * CHECK_TIMEOUT_S.
 *
 * Nothing is written while yt-dlp runs.  At its end one transaction
 * remembers every listed entry as seen, makes a pending task of each new
 * one the filters let through, and moves the subscription on: a crash
 * before the commit leaves the row "checking" with nothing written, which
 * whoever recovers the dead worker puts back as due (fleet.c), and the check runs
 * again with the same outcome; after it, every entry is seen and none can
 * become a task twice.  A failed check records why and is tried again after
 * a backoff that doubles from CHECK_BACKOFF_S up to the interval.
 *
 * When checks fall due is read from the database only when something
 * changed (an API commit, or a check of ours ending), not every tick; the
 * next check after one is put a little later at random (CHECK_JITTER_S at
 * most), so that subscriptions made together drift apart instead of all
 * falling due at the same moment forever.
 *
 * A check's end (its listing or its failure) waits at most
 * CHECK_WRITE_WAIT_MS for the database's write lock, never the loop's
 * seconds; a failure the database refuses is kept, the check holding its
 * slot, and written again every CHECK_RETRY_MS until it is taken: a
 * subscription is never left "checking" by a busy database.
 */
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uuid/uuid.h>

#include "check.h"
#include "config.h"
#include "fleet.h"
#include "cookiejar.h"
#include "jsonin.h"
#include "log.h"
#include "proc.h"
#include "resolve.h"
#include "store.h"
#include "tally.h"
#include "subfilter.h"
#include "urlguard.h"
#include "util.h"
#include "ytdlp.h"

#define CHECK_MAX	4		/* config caps max_checks here */
#define CHECK_ENTRIES	50		/* a check lists at least this many */
#define CHECK_TIMEOUT_S	300
#define CHECK_BACKOFF_S	300		/* the first retry of a failed check */
#define CHECK_JITTER_S	600		/* at most, and a twentieth of the interval */
#define OUT_MAX		(32 << 20)	/* 500 flat entries are a few MiB */
#define CHECK_WRITE_WAIT_MS	250
#define CHECK_RETRY_MS		1000
#define CHECK_WHY_MAX		600

struct check {
	struct subscription	 sub;
	char			 dir[PATH_MAX];
	char			 cookies[PATH_MAX];	/* dir/cookies.txt, "": none */
	char			 tag[48];	/* "check-{id}", for the log */
	struct proc		 proc;
	struct jsonin		*parse;
	size_t			 outlen;
	int64_t			 claimed_at;	/* unix seconds */
	int64_t			 started;
	int64_t			 deadline;
	int			 timed_out;
	int			 over;		/* stdout past OUT_MAX */
	int			 stopping;	/* the worker stops: write nothing */
	/* A failure the database refused, written again at retry_at. */
	int			 unsaved;
	char			 why[CHECK_WHY_MAX];
	int64_t			 retry_at;
};

static struct store		*db;
static const struct config	*conf;
static struct check		*checks[CHECK_MAX];
static size_t			 nchecks;
static int64_t			 next_due;	/* unix seconds; INT64_MAX: none */
static int			 due_stale = 1;	/* next_due must be read again */

void
check_init(struct store *s, const struct config *c)
{
	db = s;
	conf = c;
	/* A dead worker's "checking" rows are due again by its recovery (fleet.c). */
	due_stale = 1;
}

/* Something changed in the database: when the next check is due is read again. */
void
check_changed(void)
{
	due_stale = 1;
}

/* A check that has ended: its run's leftovers go; the check too, unless its end is unsaved. */
static void
check_free(struct check *k)
{
	size_t	 i;

	proc_close(&k->proc);
	if (k->dir[0] != '\0' && util_rm_rf(k->dir) == -1)
		log_warnx(k->tag, "cannot remove %s", k->dir);
	k->dir[0] = '\0';
	jsonin_free(k->parse);
	k->parse = NULL;
	if (k->unsaved)
		return;
	for (i = 0; i < nchecks; i++)
		if (checks[i] == k) {
			checks[i] = checks[--nchecks];
			break;
		}
	free(k);
	due_stale = 1;
}

/* The failure in k->why written: the next try backed off (store.c); kept when refused. */
static void
check_save_failure(struct check *k)
{
	int	 rc;

	store_busy_wait(db, CHECK_WRITE_WAIT_MS);
	rc = store_sub_failed(db, k->sub.id, fleet_id(), k->claimed_at, k->why,
	    CHECK_BACKOFF_S);
	store_busy_wait(db, 0);
	if (rc == -1) {
		if (!k->unsaved)
			log_warnx(k->tag, "subscription: %s: written again "
			    "shortly", store_errmsg(db));
		k->unsaved = 1;
		k->retry_at = util_now_ms() + CHECK_RETRY_MS;
		return;
	}
	if (k->unsaved)
		log_info(k->tag, "the check's failure is written");
	k->unsaved = 0;
	tally_check(CHECK_FAILED);
}

/* A failed check: why, and the next try backed off. */
static void
check_failed(struct check *k, const char *why)
{
	log_info(k->tag, "check failed: %s", why);
	snprintf(k->why, sizeof(k->why), "%s", why);
	check_save_failure(k);
}

static void	 check_take(void *, char *, size_t);
static void	 check_ended(void *, int);

static const struct proc_ops check_ops = { check_take, NULL, check_ended };

static void
check_start(const struct subscription *u, int64_t claimed_at)
{
	struct ytdlp_argv	 a;
	struct check		*k;
	const char		*why;
	char			 msg[300];

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		log_warnx(u->id, "check: out of memory");
		if (store_sub_failed(db, u->id, fleet_id(), claimed_at, "The worker "
		    "ran out of memory", CHECK_BACKOFF_S) == -1)
			log_warnx(u->id, "subscription: %s", store_errmsg(db));
		return;
	}
	k->sub = *u;
	k->claimed_at = claimed_at;
	snprintf(k->tag, sizeof(k->tag), "check-%s", u->id);
	proc_init(&k->proc, &check_ops, k, k->tag);
	/* A round of checks beside a download took a fifth of its speed (docs/benchmarks.md, item 11). */
	k->proc.background = 1;
	checks[nchecks++] = k;
	/* The guard before each check: a name may resolve elsewhere by now. */
	if (!conf->allow_private_urls && urlguard_check(u->url, &why) == -1) {
		snprintf(msg, sizeof(msg), "URL refused: %s", why);
		check_failed(k, msg);
		goto done;
	}
	if (util_path_join(k->dir, sizeof(k->dir), conf->tmp_dir, k->tag) == -1 ||
	    util_mkdir_p(k->dir, 0700) == -1) {
		k->dir[0] = '\0';
		check_failed(k, "The worker could not make a temporary directory");
		goto done;
	}
	/* The subscription's owner's cookies, if any: theirs only. */
	if (cookiejar_copy(conf, u->owner, k->dir, k->cookies,
	    sizeof(k->cookies)) == -1) {
		check_failed(k, "The worker could not copy the owner's cookies");
		goto done;
	}
	if (ytdlp_check_argv(conf->ytdlp, u->url, u->backlog > CHECK_ENTRIES ?
	    u->backlog : CHECK_ENTRIES, u->listing_order, k->cookies,
	    &a) == -1) {
		check_failed(k, "The subscription's URL cannot be listed");
		goto done;
	}
	if ((k->parse = jsonin_new()) == NULL ||
	    proc_start(&k->proc, a.argv, k->dir, 0) == -1) {
		log_warnx(k->tag, "cannot start yt-dlp: %s", strerror(errno));
		check_failed(k, "The worker could not run yt-dlp");
		goto done;
	}
	k->started = util_now_ms();
	k->deadline = k->started + (int64_t)CHECK_TIMEOUT_S * 1000;
	log_info(k->tag, "checking %s", u->url);
	return;
done:
	check_free(k);
}

/* Claims the subscriptions that are due while the lane has room. */
void
check_start_due(void)
{
	struct subscription	 u;
	int64_t			 now = (int64_t)time(NULL), at;
	int			 rc;

	if (due_stale) {
		if ((rc = store_sub_next_due(db, &at)) == -1) {
			log_warnx(NULL, "subscriptions: %s", store_errmsg(db));
			return;
		}
		next_due = rc == 1 ? at : INT64_MAX;
		due_stale = 0;
	}
	while (now >= next_due && nchecks < (size_t)conf->max_checks &&
	    nchecks < CHECK_MAX) {
		if ((rc = store_sub_claim(db, fleet_id(), now, &u)) == -1) {
			log_warnx(NULL, "subscription claim: %s", store_errmsg(db));
			return;
		}
		due_stale = 1;
		if (rc == 0) {
			/* Read again at the next turn: what was due went elsewhere. */
			next_due = INT64_MAX;
			return;
		}
		check_start(&u, now);
	}
}

static void
check_take(void *arg, char *p, size_t n)
{
	struct check	*k = arg;

	if (k->over)
		return;
	if (k->outlen + n > OUT_MAX) {
		k->over = 1;
		proc_stop(&k->proc);
		return;
	}
	k->outlen += n;
	if (jsonin_feed(k->parse, p, n) == -1)
		log_debug(k->tag, "stdout is not JSON");
}

/* When the next check is: the interval, and up to a twentieth of it more. */
static int64_t
check_next_at(const struct subscription *u)
{
	uint32_t	 jitter = (uint32_t)u->check_every / 20;

	if (jitter > CHECK_JITTER_S)
		jitter = CHECK_JITTER_S;
	return (int64_t)time(NULL) + u->check_every +
	    (jitter > 0 ? arc4random_uniform(jitter + 1) : 0);
}

/* One new entry as a pending task with the subscription's download fields and options. */
static int
check_task(struct check *k, const struct listing_entry *e)
{
	struct task_new	 t;
	uuid_t		 uu;
	char		 id[STORE_ID_LEN], refused[200];
	int		 rc;

	memset(&t, 0, sizeof(t));
	uuid_generate_random(uu);
	uuid_unparse_lower(uu, id);
	t.id = id;
	t.url = e->url;
	t.download_type = k->sub.download_type;
	t.quality = k->sub.quality;
	t.format_id = k->sub.format_id[0] != '\0' ? k->sub.format_id : NULL;
	t.audio_format = k->sub.audio_format;
	t.embed_metadata = k->sub.embed_metadata;
	t.sponsorblock = k->sub.sponsorblock;
	t.subtitles = k->sub.subtitles;
	t.title = e->title;
	t.owner = k->sub.owner;
	t.max_pending = conf->max_pending;
	t.subscription_id = k->sub.id;
	/* Past the owner's OFFLINETUBE_MAX_PENDING: kept, as an error that says so. */
	if ((rc = store_task_insert(db, &t)) == 0) {
		snprintf(refused, sizeof(refused), "Too many pending downloads "
		    "(limit %d): this entry of a subscription was not queued; "
		    "submit its URL again once some have started",
		    conf->max_pending);
		t.error = refused;
		rc = store_task_insert(db, &t);
	}
	if (rc == 1)
		log_info(id, "from subscription %s: %s", k->sub.id, e->url);
	return rc == 1 ? 0 : -1;
}

/*
 * The listing into the database, in one transaction (see the top).  On the
 * first check that goes well only the backlog newest entries that pass the
 * filters become tasks; the older ones are only seen.
 */
static void
check_record(struct check *k, const struct listing *l)
{
	struct subfilter	 f;
	char			 err[300], name[SUB_NAME_MAX + 1];
	size_t			 i;
	int			 rc, seen = 0, made = 0, taken = 0, live = 0;

	if (subfilter_init(&f, &k->sub, err, sizeof(err)) == -1) {
		check_failed(k, err);
		return;
	}
	store_busy_wait(db, CHECK_WRITE_WAIT_MS);
	if (store_begin(db) == -1)
		goto dberr;
	for (i = 0; i < l->n; i++) {
		const struct listing_entry *e = &l->entries[i];
		enum subfilter_verdict v = subfilter_judge(&f, e);

		if (v == SF_LIVE) {
			live++;
			continue;
		}
		if ((rc = store_sub_seen_add(db, k->sub.id, e->key)) == -1)
			goto dberr_rollback;
		if (rc == 0)
			continue;
		seen++;
		if (v != SF_TAKE || (!k->sub.primed && taken >= k->sub.backlog))
			continue;
		taken++;
		if (check_task(k, e) == -1)
			goto dberr_rollback;
		made++;
	}
	/* A title cut on a character, to fit a name. */
	snprintf(name, sizeof(name), "%.*s", (int)util_utf8_len(l->title,
	    SUB_NAME_MAX), l->title);
	if ((rc = store_sub_checked(db, k->sub.id, fleet_id(), k->claimed_at,
	    check_next_at(&k->sub), seen, made, name[0] ? name : NULL)) == -1)
		goto dberr_rollback;
	if (rc == 0) {
		store_rollback(db);
		/* Its entries stay unseen: a check after a resume finds them. */
		if ((rc = store_sub_release(db, k->sub.id, fleet_id())) == -1)
			goto dberr;
		log_info(k->tag, "%s: nothing recorded", rc == 1 ?
		    "the subscription was paused or its key revoked meanwhile" :
		    "the subscription is gone");
		goto done;
	}
	if (store_commit(db) == -1)
		goto dberr_rollback;
	tally_check(CHECK_OK);
	log_info(k->tag, "listed %zu entries in %lld ms: %d new, %d tasks, %d "
	    "live or upcoming%s", l->n, (long long)(util_now_ms() - k->started),
	    seen, made, live, l->skipped > 0 ? ", some without a usable URL" : "");
	goto done;
dberr_rollback:
	store_rollback(db);
dberr:
	snprintf(err, sizeof(err), "database: %s", store_errmsg(db));
	store_busy_wait(db, 0);
	check_failed(k, err);
done:
	store_busy_wait(db, 0);
	subfilter_free(&f);
}

/* yt-dlp has exited: its listing is recorded, or why there is none. */
static void
check_outcome(struct check *k, int wstatus)
{
	struct listing	 l;
	char		 msg[CHECK_WHY_MAX], err[256];
	int		 code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
			    128 + WTERMSIG(wstatus);
	size_t		 max = k->sub.backlog > CHECK_ENTRIES ?
			    (size_t)k->sub.backlog : CHECK_ENTRIES;

	if (k->stopping) {
		log_info(k->tag, "stopped with the worker: it is checked again "
		    "at the next start");
		return;
	}
	if (k->timed_out) {
		snprintf(msg, sizeof(msg), "yt-dlp did not list the subscription "
		    "within %d s", CHECK_TIMEOUT_S);
		check_failed(k, msg);
		return;
	}
	if (k->over) {
		snprintf(msg, sizeof(msg), "yt-dlp's listing was larger than "
		    "%d MiB", OUT_MAX >> 20);
		check_failed(k, msg);
		return;
	}
	/* A listing may exit 1 over one bad entry and still print the rest. */
	err[0] = '\0';
	if (k->outlen > 0 && (code == 0 || code == 1) &&
	    resolve_listing(jsonin_root(k->parse), k->sub.url, max, &l, err,
	    sizeof(err)) == 0) {
		check_record(k, &l);
		resolve_listing_free(&l);
		return;
	}
	if (code == 0 && err[0] != '\0')
		snprintf(msg, sizeof(msg), "%s", err);
	else
		ytdlp_error_message(k->proc.err.data, k->proc.err.len, code, msg,
		    sizeof(msg));
	check_failed(k, msg);
}

static void
check_ended(void *arg, int wstatus)
{
	struct check	*k = arg;

	tally_run(RUN_CHECK, wstatus, k->timed_out || k->stopping);
	check_outcome(k, wstatus);
	check_free(k);
}

void
check_timers(void)
{
	int64_t	 now = util_now_ms();
	size_t	 i;

	for (i = 0; i < nchecks; i++) {
		struct check *k = checks[i];

		if (k->unsaved) {
			if (now < k->retry_at)
				continue;
			check_save_failure(k);
			if (!k->unsaved) {
				check_free(k);
				i--;	/* checks[i] is another one now */
			}
		} else if (!k->timed_out && now >= k->deadline) {
			k->timed_out = 1;
			proc_stop(&k->proc);
		}
	}
}

/* On SIGTERM: every check stops unrecorded, and is due again at the next start. */
void
check_stop_all(void)
{
	size_t	 i;

	for (i = 0; i < nchecks; i++) {
		checks[i]->stopping = 1;
		proc_stop(&checks[i]->proc);
	}
	(void)proc_wait_stopped(1000);
	/* An unsaved failure is not written: the check is due again, as a stopped one. */
	for (i = 0; i < nchecks; i++)
		if (checks[i]->unsaved) {
			checks[i]->unsaved = 0;
			check_free(checks[i--]);
		}
	if (store_sub_recover(db, fleet_id()) == -1)
		log_warnx(NULL, "subscription recovery: %s", store_errmsg(db));
}
