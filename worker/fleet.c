/* fleet.c: this worker among the others on one database: its row, lease and tmp directory; dead workers' recovery. */
/*
 * Every running worker has a row in workers (migration 020) with an id the
 * database gives; its claims name that id, and each heartbeat moves its
 * lease on.  A worker whose lease ran out (killed, its host gone, its
 * network cut) is dead: whichever live worker sees it first deletes its
 * row in the transaction that hands its work back (store_worker_reap), so
 * no two recover it, then removes its temporary directory.  Each worker
 * writes only under tmp/worker-{id}/, so nothing a worker does at its start
 * or in a recovery touches a live worker's files.
 *
 * On SQLite one worker runs (it holds the data directory's lock, main.c):
 * at its start every other row is a dead predecessor's, as before.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fleet.h"
#include "log.h"
#include "reconcile.h"
#include "spawn.h"
#include "store.h"
#include "util.h"

#define TMP_PREFIX	"worker-"	/* tmp/worker-{id}/ */
#define REAP_MAX	64		/* dead workers recovered in one look */
#define TMP_NAMES	256		/* tmp/ entries looked at in one clean */
#define ABANDONED	"The download was interrupted too many times and was abandoned"

static int64_t	 self;
static int	 shared;		/* PostgreSQL: others may run beside us */
static char	 host[256];
static char	 base_tmp[PATH_MAX];	/* tmp/ */
static char	 own_tmp[PATH_MAX];	/* tmp/worker-{self}/ */

struct orphan_ctx {
	struct store		*db;
	const struct config	*c;
};

int64_t
fleet_id(void)
{
	return self;
}

/* A third of the lease: two beats may be missed before it runs out. */
int
fleet_beat_ms(const struct config *c)
{
	int	 ms = c->worker_lease * 1000 / 3;

	return ms < HEARTBEAT_MS ? ms : HEARTBEAT_MS;
}

static int
tmp_path(char *buf, size_t len, int64_t id)
{
	char	 name[32];

	snprintf(name, sizeof(name), TMP_PREFIX "%lld", (long long)id);
	return util_path_join(buf, len, base_tmp, name);
}

/* The row, and the directory this worker's jobs write under. */
int
fleet_join(struct store *db, struct config *c)
{
	int64_t	 now = (int64_t)time(NULL);

	shared = store_is_pg(c->db_path);
	memcpy(base_tmp, c->tmp_dir, sizeof(base_tmp));
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if (store_worker_add(db, host, (long)getpid(), now,
	    now + c->worker_lease, &self) == -1) {
		log_warnx(NULL, "cannot register this worker: %s", store_errmsg(db));
		return -1;
	}
	if (tmp_path(own_tmp, sizeof(own_tmp), self) == -1 ||
	    util_mkdir_p(own_tmp, 0700) == -1) {
		log_warnx(NULL, "%s/" TMP_PREFIX "%lld: %s", base_tmp,
		    (long long)self, strerror(errno));
		(void)store_worker_remove(db, self);
		self = 0;
		return -1;
	}
	fleet_apply(c);
	return 0;
}

/* A configuration read again (SIGHUP) keeps this worker's directory. */
void
fleet_apply(struct config *c)
{
	if (self != 0)
		memcpy(c->tmp_dir, own_tmp, sizeof(c->tmp_dir));
}

/* What our jobs left running, ended at once. */
void
fleet_kill_own(void)
{
	if (self != 0)
		(void)spawn_kill_orphans(own_tmp);
}

/*
 * The lease moved on.  A row that is gone means another worker declared
 * this one dead (its lease ran out: the database was out of reach, or the
 * process was stopped) and has handed its work to others: whatever this
 * one would write now could overwrite theirs, so it ends at once, its jobs
 * with it, writing nothing.  The service manager starts it afresh.
 */
int
fleet_beat(struct store *db, const struct config *c)
{
	int64_t	 now = (int64_t)time(NULL);
	int	 rc;

	if (self == 0)		/* not registered yet (main.c, recover()) */
		return 0;
	if ((rc = store_worker_beat(db, self, now, now + c->worker_lease)) == 0) {
		log_warnx(NULL, "another worker declared this one (%lld) dead, "
		    "its lease of %d s having run out, and re-queued its work: "
		    "stopping at once", (long long)self, c->worker_lease);
		fleet_kill_own();
		exit(1);
	}
	if (rc == -1)
		log_warnx(NULL, "lease: %s", store_errmsg(db));
	return rc;
}

/* A dead worker's directory, and on this host what its jobs left running. */
static void
drop_tmp(int64_t id)
{
	char	 p[PATH_MAX];

	if (tmp_path(p, sizeof(p), id) == -1)
		return;
	(void)spawn_kill_orphans(p);
	if (util_rm_rf(p) == -1)
		log_warnx(NULL, "cannot remove %s: %s", p, strerror(errno));
}

/*
 * tmp/ entries no live worker owns: a dead worker's directory whose
 * recoverer stopped before removing it, or what an older version left.
 * The names are read before the rows: a worker registers before it makes
 * its directory, so a directory seen here has its row already.
 */
void
fleet_clean_tmp(struct store *db, const struct config *c)
{
	DIR		*d;
	struct dirent	*de;
	char		(*names)[NAME_MAX + 1];
	char		 p[PATH_MAX];
	size_t		 n = 0, i;
	long long	 id;
	int		 rc;

	(void)c;
	if ((names = calloc(TMP_NAMES, sizeof(*names))) == NULL)
		return;
	if ((d = opendir(base_tmp)) == NULL)
		goto done;
	while (n < TMP_NAMES && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			memcpy(names[n++], de->d_name, strlen(de->d_name) + 1);
	closedir(d);
	for (i = 0; i < n; i++) {
		if (strncmp(names[i], TMP_PREFIX, strlen(TMP_PREFIX)) == 0 &&
		    util_strtonum(names[i] + strlen(TMP_PREFIX), 1, INT64_MAX,
		    &id) == 0) {
			if (id == self || (rc = store_worker_exists(db, id)) != 0)
				continue;	/* live, or unknown: kept */
			drop_tmp(id);
			continue;
		}
		if (util_path_join(p, sizeof(p), base_tmp, names[i]) == -1 ||
		    util_rm_rf(p) == -1)
			log_warnx(NULL, "cannot remove %s/%s", base_tmp, names[i]);
	}
done:
	free(names);
}

/*
 * A worker of this host whose process is gone is dead now, not when its
 * lease runs out: a worker killed and started again by its service manager
 * takes its work back at once.  Host names must then differ between hosts
 * (docs/deploy.md).
 */
struct gone {
	struct worker_info	 w[REAP_MAX];
	size_t			 n;
};

static int
gone_cb(void *arg, const struct worker_info *w)
{
	struct gone	*g = arg;

	if (w->id != self && strcmp(w->host, host) == 0 && w->pid > 0 &&
	    kill((pid_t)w->pid, 0) == -1 && errno == ESRCH && g->n < REAP_MAX)
		g->w[g->n++] = *w;
	return 0;
}

static int
expire_gone(struct store *db)
{
	struct gone	*g;
	size_t		 i;
	int		 rc = 0;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -1;
	if (store_worker_list(db, gone_cb, g) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < g->n; i++) {
		if ((rc = store_worker_expire(db, self, g->w[i].id, g->w[i].host,
		    g->w[i].pid)) == 1)
			log_info(NULL, "worker %lld (pid %ld on this host) is gone",
			    (long long)g->w[i].id, g->w[i].pid);
		rc = rc == -1 ? -1 : 0;
	}
	free(g);
	return rc;
}

static int
orphan_cb(void *arg, const char *id)
{
	struct orphan_ctx	*o = arg;

	return reconcile_task(o->db, o->c, id);
}

/*
 * Dead workers recovered, one transaction each.  start: every worker whose
 * process is gone on this host too, and on SQLite every other worker; then
 * a periodic look that is one cheap query while every worker lives.
 * -1: the database refused; the caller asks again later.
 */
int
fleet_reap(struct store *db, const struct config *c, int start, char *err,
    size_t errlen)
{
	struct orphan_ctx	 o = { db, c };
	struct worker_reap	 r;
	int64_t			 now = (int64_t)time(NULL);
	int			 i, rc = 0;

	memset(&r, 0, sizeof(r));
	if (start && shared && expire_gone(db) == -1)
		goto fail;
	if (!start && (rc = store_worker_dead_any(db, self, now)) != 1) {
		if (rc == -1)
			goto fail;
		return 0;
	}
	for (i = 0; i < REAP_MAX; i++) {
		if ((rc = store_worker_reap(db, self, now, start && !shared,
		    FLEET_MAX_ATTEMPTS, ABANDONED, orphan_cb, &o, &r)) == -1)
			goto fail;
		if (rc == 0)
			break;
		if (r.dead != 0) {
			log_info(NULL, "worker %lld is dead (its lease ran out, "
			    "or it is gone): recovered its work", (long long)r.dead);
			drop_tmp(r.dead);
		}
		if (r.requeued > 0)
			log_info(NULL, "re-queued %d interrupted task(s)", r.requeued);
		if (r.abandoned > 0)
			log_info(NULL, "abandoned %d task(s) interrupted %d times",
			    r.abandoned, FLEET_MAX_ATTEMPTS);
		if (r.dead == 0)
			break;
	}
	return 0;
fail:
	/* The reap's own error: its rollback may have said another thing. */
	snprintf(err, errlen, "%s", rc == -1 && r.error[0] != '\0' ? r.error :
	    store_errmsg(db));
	return -1;
}

/* A clean stop: the row goes (health lists this worker no more), the directory too. */
void
fleet_leave(struct store *db)
{
	if (self == 0)
		return;
	if (store_worker_remove(db, self) == -1)
		log_warnx(NULL, "workers: %s", store_errmsg(db));
	if (util_rm_rf(own_tmp) == -1)
		log_warnx(NULL, "cannot remove %s: %s", own_tmp, strerror(errno));
}
